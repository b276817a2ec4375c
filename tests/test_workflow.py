"""End-to-end runs of the Snakemake workflow in a temporary copy of the project."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workflow


def _copy_project(target: Path) -> Path:
    for name in ["Snakefile", "config", "workflow", "data"]:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    workdir = _copy_project(tmp_path_factory.mktemp("project"))
    result = _snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_workflow_runs_end_to_end_on_the_synthetic_cohort(finished_run):
    validated = finished_run / "results" / "synthetic-ttp-2015" / "validated"
    meta = json.loads((validated / "cohort.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    cases = pd.read_parquet(validated / "cases.parquet")
    assert len(cases) == meta["rows"]["cases"] == 275


COHORT_RESULTS = Path("results") / "synthetic-ttp-2015"
TABLES = ["prevalence_overall", "prevalence_by_sex", "ta_hsb_types", "dual_subgroups"]
FIGURES = ["prevalence", "ta_hsb_types", "forms_per_child"]


def test_workflow_writes_the_results_table_tables_and_figures(finished_run):
    results = pd.read_csv(finished_run / COHORT_RESULTS / "results_table.csv")
    assert {"prevalence", "ta_hsb_range"} <= set(results["analysis"])
    for table in TABLES:
        for suffix in ("csv", "md", "html"):
            assert (finished_run / COHORT_RESULTS / "tables" / f"{table}.{suffix}").is_file()
        markdown = (finished_run / COHORT_RESULTS / "tables" / f"{table}.md").read_text()
        assert markdown.startswith("**SYNTHETIC DATA")
    for figure in FIGURES:
        for suffix in ("png", "svg", "pdf", "alt.txt"):
            assert (finished_run / COHORT_RESULTS / "figures" / f"{figure}.{suffix}").is_file()


def test_two_fresh_runs_give_byte_identical_tables_and_figures(finished_run, tmp_path):
    second = _copy_project(tmp_path)
    assert _snakemake(second).returncode == 0
    produced = sorted(
        p.relative_to(finished_run)
        for p in (finished_run / COHORT_RESULTS).rglob("*")
        if p.is_file() and p.parent.name in {"tables", "figures"}
    )
    assert len(produced) > 20
    for relative in produced:
        assert (finished_run / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_snakemake_report_builds_from_the_run(finished_run):
    result = _snakemake(finished_run, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    page = (finished_run / "report.html").read_text(encoding="utf-8", errors="replace")
    assert "prevalence" in page


def test_second_run_has_nothing_to_do(finished_run):
    result = _snakemake(finished_run, "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_workflow_on_bad_input_fails_and_leaves_no_results(tmp_path):
    workdir = _copy_project(tmp_path)
    behaviours = workdir / "data" / "synthetic" / "behaviours.csv"
    frame = pd.read_csv(behaviours, dtype=str, keep_default_na=False)
    frame.loc[0, "behaviour_type"] = "not-a-type"
    frame.to_csv(behaviours, index=False)
    result = _snakemake(workdir)
    assert result.returncode != 0
    assert "behaviour_type" in result.stdout + result.stderr
    assert not list((workdir / "results").rglob("*.parquet"))


def test_misspelt_config_key_stops_the_workflow_before_any_rule(tmp_path):
    workdir = _copy_project(tmp_path)
    config = workdir / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "sed: 1\n", encoding="utf-8")
    result = _snakemake(workdir, "--dry-run")
    assert result.returncode != 0
    assert "sed" in result.stdout + result.stderr
