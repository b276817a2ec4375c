"""What `make run` tells the user: a progress line while Snakemake works, then a short summary
(cohorts run, where each tier's report is, the release files' manifest statuses, time taken),
or, when Snakemake fails, the tail of its log and the failing rules' own logs.

Snakemake's output goes to a log file under logs/ (`run_logged`), so the terminal is not
flooded with hundreds of lines; `verbose` shows it as well.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tahsb_analysis.release.manifest import FAIL, PASS, REVIEW
from tahsb_analysis.yaml_files import load_yaml

COMPARISON = "comparison"
TAIL_LINES = 25
RULE_LOG_LINES = 15
# Snakemake's progress line, e.g. "12 of 40 steps (30%) done".
_PROGRESS = re.compile(r"^(\d+) of (\d+) steps \((\d+)%\) done")
_ERROR_IN_RULE = re.compile(r"^Error in rule (\S+?):?\s*$")
_RULE_LOG = re.compile(r"^\s*log:\s*(.+?)(?:\s*\(check log file\(s\) for error details\))?\s*$")


# --- the run ---------------------------------------------------------------------------------

def progress_of(line: str) -> tuple[int, int] | None:
    """(steps done, steps in all) from a Snakemake progress line; None for any other line."""
    match = _PROGRESS.match(line.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def failed_rules(log_text: str) -> list[tuple[str, list[str]]]:
    """Each rule Snakemake reports as failed, with the log file(s) it names for that rule."""
    failures: list[tuple[str, list[str]]] = []
    for line in log_text.splitlines():
        error = _ERROR_IN_RULE.match(line.strip())
        if error:
            failures.append((error.group(1), []))
            continue
        rule_log = _RULE_LOG.match(line)
        if failures and rule_log and not failures[-1][1]:
            failures[-1][1].extend(p.strip() for p in rule_log.group(1).split(","))
    return failures


def _tail(text: str, lines: int) -> list[str]:
    return text.rstrip("\n").splitlines()[-lines:]


def failure_report(log_text: str, log_path: Path, tail: int = TAIL_LINES,
                   project: Path | None = None) -> str:
    """What the terminal shows when Snakemake fails: the end of its log, then each failing
    rule with the path and the end of its own log (relative to `project`), and where the whole
    log is. Rule logs are written by the workflow's adapters, which never log a cell value."""
    lines = _tail(log_text, tail)
    shown = [f"The workflow failed. Last {len(lines)} lines of {log_path}:", ""]
    shown += ["  " + line for line in lines]
    for rule, logs in failed_rules(log_text):
        shown += ["", f"Failed rule {rule}: its log is {', '.join(logs) or 'not named'}"]
        for rule_log in logs:
            path = Path(project or ".") / rule_log
            if path.is_file():
                end = _tail(path.read_text(encoding="utf-8", errors="replace"), RULE_LOG_LINES)
                shown += [f"  Last {len(end)} lines of {rule_log}:"]
                shown += ["    " + line for line in end]
    shown += ["", f"Whole Snakemake log: {log_path}"]
    return "\n".join(shown) + "\n"


def _tenth(progress: tuple[int, int] | None) -> int:
    if progress is None:
        return -1
    done, total = progress
    return 10 * done // total if total else 0


def _progress_text(done: int, total: int) -> str:
    return f"tahsb: {done} of {total} steps done ({round(100 * done / total) if total else 100}%)"


def run_logged(command: list[str], log_path: Path, *, verbose: bool = False,
               terminal: TextIO | None = None, cwd: Path | None = None) -> int:
    """Run `command` (Snakemake) with its output in `log_path`; show a progress line (in place
    on a terminal), every line when `verbose`, and on failure `failure_report`. Returns the
    command's exit status."""
    terminal = terminal or sys.stdout
    in_place = terminal.isatty()
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    terminal.write(f"tahsb: running the workflow; Snakemake's log: {log_path}\n")
    terminal.flush()
    shown_progress, last = False, None
    with open(log_path, "w", encoding="utf-8") as log, subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        encoding="utf-8", errors="replace", bufsize=1,
    ) as process:
        for line in process.stdout:
            log.write(line)
            if verbose:
                terminal.write(line)
                continue
            progress = progress_of(line)
            # In place on a terminal; elsewhere (CI, a pipe) one line per tenth of the run.
            if progress and (in_place or _tenth(progress) != _tenth(last)):
                text = _progress_text(*progress)
                terminal.write(("\r" + text) if in_place else (text + "\n"))
                terminal.flush()
                shown_progress, last = True, progress
        status = process.wait()
    if shown_progress and in_place and not verbose:
        terminal.write("\n")
    if status != 0:
        terminal.write(failure_report(log_path.read_text(encoding="utf-8"), log_path,
                                      project=cwd))
    terminal.flush()
    return status


# --- the summary -----------------------------------------------------------------------------

@dataclass
class RunSummary:
    cohorts: list[str]
    published: list[str]
    reports: dict[str, dict[str, Path | None]] = field(default_factory=dict)
    release_statuses: dict[str, Counter] = field(default_factory=dict)
    seconds: float | None = None
    log: Path | None = None


def compared(config: dict) -> bool:
    """Whether the workflow compares cohorts (as workflow/rules/common.smk decides: two
    cohorts, listed or published)."""
    comparison = config.get("comparison") or {}
    return len(config.get("cohorts") or {}) + len(comparison.get("published_cohorts") or []) >= 2


def manifest_statuses(manifest_path: Path) -> Counter:
    """How many files of a release manifest pass, need review, or fail."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    return Counter(entry["status"] for entry in manifest.get("files", []))


def collect_summary(config: dict, project: Path, *, seconds: float | None = None,
                    log: Path | None = None) -> RunSummary:
    """What the run made, read from `project`'s results/ for the cohorts in `config`."""
    project = Path(project)
    cohorts = list(config.get("cohorts") or {})
    published = list((config.get("comparison") or {}).get("published_cohorts") or [])
    folders = cohorts + ([COMPARISON] if compared(config) else [])
    summary = RunSummary(cohorts=cohorts, published=published, seconds=seconds, log=log)
    for folder in folders:
        summary.reports[folder] = {}
        for tier in ("internal", "release"):
            page = Path("results") / tier / folder / "report.html"
            summary.reports[folder][tier] = page if (project / page).is_file() else None
        manifest = project / "results" / "release" / folder / "manifest.json"
        if manifest.is_file():
            summary.release_statuses[folder] = manifest_statuses(manifest)
    return summary


def duration_text(seconds: float) -> str:
    """'45 s', '3 min 05 s' or '1 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_summary(summary: RunSummary) -> str:
    """The summary as the terminal shows it."""
    lines = ["", "Run summary"]
    if summary.seconds is not None:
        lines.append(f"  Time taken: {duration_text(summary.seconds)}")
    run = ", ".join(summary.cohorts) or "none"
    if summary.published:
        run += f" (compared with published: {', '.join(summary.published)})"
    lines.append(f"  Cohorts run: {run}")
    lines.append("  Reports (open in a browser):")
    width = max((len(folder) for folder in summary.reports), default=0)
    for folder, tiers in summary.reports.items():
        for tier, page in tiers.items():
            where = page.as_posix() if page else "not written (see the log)"
            lines.append(f"    {folder:<{width}}  {tier:<8}  {where}")
    lines.append("  Release files by manifest status (pass / review / fail):")
    totals: Counter = Counter()
    for folder in summary.reports:
        counts = summary.release_statuses.get(folder)
        if counts is None:
            lines.append(f"    {folder:<{width}}  no manifest")
            continue
        totals.update(counts)
        lines.append(f"    {folder:<{width}}  {counts[PASS]} / {counts[REVIEW]} / {counts[FAIL]}")
    if totals[REVIEW] or totals[FAIL]:
        lines += textwrap.wrap(
            f"{totals[REVIEW]} release file(s) need an output checker's review and "
            f"{totals[FAIL]} fail: read results/release/<cohort>/manifest.md before anything "
            "leaves this machine.", width=92, initial_indent="  ", subsequent_indent="  ")
    if summary.log is not None:
        lines.append(f"  Snakemake's log: {Path(summary.log).as_posix()}")
    return "\n".join(lines) + "\n"


def load_config(path: Path) -> dict:
    return load_yaml(path) or {}
