"""What `make run` tells the user (run_summary.py, `tahsb workflow`, `tahsb summary`)."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import yaml

from tahsb_analysis.cli import default_log_path, main
from tahsb_analysis.run_summary import (
    collect_summary,
    compared,
    duration_text,
    failed_rules,
    failure_report,
    format_summary,
    progress_of,
    run_logged,
)

# Snakemake 9.27.1's own output for a two-rule workflow whose second rule exits with status 3
# (`snakemake --cores 1`, lines as printed; the header and job table left out).
SNAKEMAKE_FAILURE = """\
[Mon Nov 30 23:03:55 2026]
Finished jobid: 2 (Rule: a)
1 of 3 steps (33%) done
Select jobs to execute...
Execute 1 jobs...

[Mon Nov 30 23:03:55 2026]
localrule b:
    input: a.txt
    output: b.txt
    log: logs/b.log
    jobid: 1
    reason: Missing output files: b.txt; Input files updated by another job: a.txt
    resources: tmpdir=/tmp
RuleException:
CalledProcessError in file "/tmp/ux17/smk/Snakefile", line 10:
Command 'set -euo pipefail;  echo failing > logs/b.log; exit 3' returned non-zero exit status 3.
[Mon Nov 30 23:03:55 2026]
Error in rule b:
    message: None
    jobid: 1
    input: a.txt
    output: b.txt
    log: logs/b.log (check log file(s) for error details)
    shell:
        echo failing > logs/b.log; exit 3
        (command exited with non-zero exit code)
Shutting down, this might take some time.
Exiting because a job execution failed. Look above for error messages
WorkflowError:
At least one job did not complete successfully.
"""


def test_progress_is_read_from_snakemakes_step_lines_only():
    assert progress_of("1 of 3 steps (33%) done\n") == (1, 3)
    assert progress_of("152 of 152 steps (100%) done") == (152, 152)
    assert progress_of("Finished jobid: 2 (Rule: a)") is None
    assert progress_of("    log: logs/b.log") is None


def test_the_failed_rule_and_its_log_are_found_in_snakemakes_output():
    # the "log:" of the rule that started (localrule b) is not taken for a failure's
    assert failed_rules(SNAKEMAKE_FAILURE) == [("b", ["logs/b.log"])]
    assert failed_rules("Error in rule validate:\n    jobid: 4\n") == [("validate", [])]
    assert failed_rules("1 of 3 steps (33%) done\n") == []


def test_a_failure_report_shows_the_logs_tail_the_rule_and_the_end_of_the_rules_log(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "b.log").write_text("".join(f"line {i}\n" for i in range(1, 31)))
    report = failure_report(SNAKEMAKE_FAILURE, Path("logs/snakemake-x.log"), tail=5,
                            project=tmp_path)
    assert report.startswith("The workflow failed. Last 5 lines of logs/snakemake-x.log:")
    assert "  At least one job did not complete successfully." in report
    assert "Shutting down" in report and "Error in rule b:" not in report  # only 5 lines
    assert "Failed rule b: its log is logs/b.log" in report
    assert "    line 30" in report and "    line 16" in report and "line 15\n" not in report
    assert report.rstrip().endswith("Whole Snakemake log: logs/snakemake-x.log")


def _fake_snakemake(tmp_path: Path, status: int) -> list[str]:
    """A stand-in for Snakemake: 20 steps of output, then `status`."""
    script = tmp_path / "fake.py"
    script.write_text(
        "import sys\n"
        "print('Building DAG of jobs...', flush=True)\n"
        "for i in range(1, 21):\n"
        "    print(f'rule step_{i}:', file=sys.stderr, flush=True)\n"
        "    print(f'{i} of 20 steps ({round(100 * i / 20)}%) done', file=sys.stderr)\n"
        f"if {status}:\n"
        "    print('Error in rule step_20:', file=sys.stderr)\n"
        "    print('    log: logs/step_20.log (check log file(s) for error details)',"
        " file=sys.stderr)\n"
        f"sys.exit({status})\n", encoding="utf-8")
    return [sys.executable, str(script)]


def test_a_run_writes_snakemakes_output_to_the_log_and_shows_only_progress(tmp_path):
    terminal = io.StringIO()  # not a terminal: one progress line per tenth of the run
    log = tmp_path / "logs" / "snakemake-run.log"
    assert run_logged(_fake_snakemake(tmp_path, 0), log, terminal=terminal, cwd=tmp_path) == 0
    shown = terminal.getvalue()
    assert "rule step_" not in shown and "Building DAG" not in shown
    progress = [line for line in shown.splitlines() if "steps done" in line]
    assert progress[0] == "tahsb: 1 of 20 steps done (5%)"
    assert progress[-1] == "tahsb: 20 of 20 steps done (100%)"
    assert len(progress) == 11  # step 1, then steps 2, 4, ..., 20 (each tenth once)
    logged = log.read_text(encoding="utf-8")
    assert "Building DAG of jobs..." in logged and "rule step_17:" in logged


def test_a_verbose_run_shows_everything_and_a_failed_run_shows_the_error(tmp_path):
    terminal = io.StringIO()
    log = tmp_path / "verbose.log"
    assert run_logged(_fake_snakemake(tmp_path, 0), log, verbose=True, terminal=terminal) == 0
    assert "rule step_17:" in terminal.getvalue() and "Building DAG" in terminal.getvalue()

    terminal = io.StringIO()
    status = run_logged(_fake_snakemake(tmp_path, 2), tmp_path / "failed.log",
                        terminal=terminal, cwd=tmp_path)
    assert status == 2
    shown = terminal.getvalue()
    assert "The workflow failed." in shown and "  Error in rule step_20:" in shown
    assert "Failed rule step_20: its log is logs/step_20.log" in shown


def _project(tmp_path: Path) -> tuple[dict, Path]:
    config = {"cohorts": {"a": {}, "b": {}},
              "comparison": {"reference": "a", "published_cohorts": ["galvin-2024"]}}
    for tier in ("internal", "release"):
        for folder in ("a", "comparison"):
            page = tmp_path / "results" / tier / folder / "report.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text("<html></html>")
    statuses = {"a": ["pass", "review", "review", "fail"], "comparison": ["review"]}
    for folder, listed in statuses.items():
        manifest = {"files": [{"path": f"f{i}", "status": s} for i, s in enumerate(listed)]}
        (tmp_path / "results" / "release" / folder / "manifest.json").write_text(
            json.dumps(manifest))
    return config, tmp_path


def test_the_summary_reads_reports_and_manifest_statuses_of_the_configured_cohorts(tmp_path):
    config, project = _project(tmp_path)
    summary = collect_summary(config, project, seconds=185.4, log=Path("logs/s.log"))
    assert summary.cohorts == ["a", "b"] and summary.published == ["galvin-2024"]
    assert summary.reports["a"]["release"] == Path("results/release/a/report.html")
    assert summary.reports["b"] == {"internal": None, "release": None}
    assert summary.release_statuses == {"a": Counter({"pass": 1, "review": 2, "fail": 1}),
                                        "comparison": Counter({"review": 1})}
    text = format_summary(summary)
    assert "  Time taken: 3 min 05 s" in text
    assert "  Cohorts run: a, b (compared with published: galvin-2024)" in text
    assert "    a           release   results/release/a/report.html" in text
    assert "    b           internal  not written (see the log)" in text
    assert "    a           1 / 2 / 1" in text and "    b           no manifest" in text
    assert "3 release file(s) need an output checker's review and 1 fail" in text
    assert "  Snakemake's log: logs/s.log" in text


def test_one_cohort_with_no_published_one_is_not_compared():
    assert not compared({"cohorts": {"a": {}}, "comparison": {"published_cohorts": []}})
    assert compared({"cohorts": {"a": {}}, "comparison": {"published_cohorts": ["g"]}})
    assert compared({"cohorts": {"a": {}, "b": {}}})


def test_durations_read_as_a_person_would_say_them():
    assert duration_text(0.4) == "0 s"
    assert duration_text(59.6) == "1 min 00 s"
    assert duration_text(3 * 60 + 5) == "3 min 05 s"
    assert duration_text(2 * 3600 + 7 * 60 + 30) == "2 h 07 min"


def test_tahsb_summary_prints_the_summary_and_refuses_a_missing_config(tmp_path, capsys):
    config, project = _project(tmp_path)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert main(["summary", "--config", str(path), "--project", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Run summary" in out and "results/internal/comparison/report.html" in out
    assert "Time taken" not in out  # no --started
    assert main(["summary", "--config", str(tmp_path / "none.yaml")]) == 2
    assert "no config file at" in capsys.readouterr().err


def test_the_default_log_is_named_by_the_runs_start():
    assert default_log_path(datetime(2026, 1, 2, 3, 4, 5)) == Path(
        "logs/snakemake-20260102-030405.log")
