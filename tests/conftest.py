"""A small valid cohort, written as CSV, and helpers to break it one cell at a time.

Three children are in the in-depth sample: C001 (online and offline HSB), C002 (online only)
and C003 (offline only); C004-C006 are in the prevalence cohort only. Every code follows the
codebook, so the cohort has no problems by construction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook
from tahsb_analysis.input.readers import read_table_as_text
from tahsb_analysis.input.validation import find_problems

CASES = """\
case_id,cohort,data_origin,assessment_month,sex,age_at_referral,learning_disability,offline_hsb,ta_hsb,in_depth_sample
C001,ttp-2015,synthetic,2015-01,male,14,no,yes,yes,yes
C002,ttp-2015,synthetic,2015-02,male,15,-9,no,yes,yes
C003,ttp-2015,synthetic,2015-03,male,12,yes,yes,no,yes
C004,ttp-2015,synthetic,-9,female,13,no,yes,no,no
C005,ttp-2015,synthetic,2015-05,other,-9,no,yes,yes,no
C006,ttp-2015,synthetic,2015-06,-9,16,no,no,yes,no
"""

CASE_FILE = """\
case_id,age_first_hsb,looked_after,family_stability,parent_relationship,mental_health_difficulties,unresolved_trauma,impulsivity,emotional_regulation_problems,aggression_towards_self,aggression_towards_others,porn_trigger_offline,police_involvement,yos_involvement,social_care_level,school_exclusion_hsb,therapeutic_intervention,cj_outcome
C001,10.5,no,unstable,poor,yes,yes,yes,yes,no,yes,yes,yes,no,section_47,-8,yes,no_further_action
C002,14.5,no,stable,good,no,no,no,no,no,no,-8,yes,yes,none,no,no,court_order
C003,9,yes,some_instability,-9,yes,-9,yes,yes,yes,no,no,no,no,-9,yes,yes,none
"""

BEHAVIOURS = """\
case_id,behaviour_seq,behaviour_type,setting,age_at_onset,aimed_at_other
C001,1,offline_contact,offline,10.5,yes
C001,2,iioc,online,13,yes
C001,3,inappropriate_pornography,online,12.5,no
C002,1,sexual_texts,online,14.5,yes
C002,2,iioc,online,15.5,-9
C003,1,offline_non_contact,offline,9,yes
C003,2,offline_contact,offline,-9,yes
"""

VALID_CSV = {"cases": CASES, "case_file": CASE_FILE, "behaviours": BEHAVIOURS}
_CODEBOOK = load_codebook()


def _frame(text: str) -> pd.DataFrame:
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    return pd.DataFrame([line.split(",") for line in lines[1:]], columns=header, dtype=str)


def valid_frames() -> dict[str, pd.DataFrame]:
    """The valid cohort as text frames (every cell a str), one per table."""
    return {name: _frame(text) for name, text in VALID_CSV.items()}


def with_cell(frames: dict[str, pd.DataFrame], table: str, row: int, column: str,
              value: str) -> dict[str, pd.DataFrame]:
    """A copy of `frames` with one cell changed; `row` as the user sees it (2 = first data row)."""
    changed = {name: frame.copy() for name, frame in frames.items()}
    changed[table].loc[row - 2, column] = value
    return changed


def write_csv_tables(directory: Path, frames: dict[str, pd.DataFrame],
                     suffix: str = "") -> dict[str, Path]:
    """Write each frame as `<table><suffix>.csv` into `directory`; return the paths by table."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in TABLE_NAMES:
        path = directory / f"{name}{suffix}.csv"
        frames[name].to_csv(path, index=False)
        paths[name] = path
    return paths


def problems_in(directory: Path, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Write `frames` as CSV, read them back as text and return every problem found."""
    paths = write_csv_tables(directory, frames)
    raw = {name: read_table_as_text(path) for name, path in paths.items()}
    return find_problems(raw, _CODEBOOK)


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return valid_frames()


@pytest.fixture(scope="session")
def codebook():
    return _CODEBOOK


def build_cohort(directory: Path, frames: dict[str, pd.DataFrame],
                 second_coder: pd.DataFrame | None = None):
    """Write `frames` as CSV into `directory` and validate them into a typed Cohort;
    `second_coder`: a case_file table of coder B (double coding)."""
    from tahsb_analysis.input.validation import validate_cohort

    coders = []
    if second_coder is not None:
        path = Path(directory) / "case_file_coder_b.csv"
        second_coder.to_csv(path, index=False)
        coders = [{"coder": "B", "case_file": path}]
    return validate_cohort(write_csv_tables(directory, frames), _CODEBOOK, double_coding=coders)


def select(result: pd.DataFrame, **criteria) -> pd.DataFrame:
    """Rows of a results table matching every criterion; None matches <NA>."""
    mask = pd.Series(True, index=result.index)
    for column, value in criteria.items():
        if value is None:
            mask &= result[column].isna()
        else:
            mask &= result[column].eq(value).fillna(False).astype(bool)
    return result[mask]


def one(result: pd.DataFrame, **criteria) -> pd.Series:
    """The one row matching every criterion (fails the test otherwise)."""
    rows = select(result, **criteria)
    assert len(rows) == 1, f"{len(rows)} rows match {criteria}"
    return rows.iloc[0]


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def synthetic_cohort():
    """The embedded synthetic cohort, validated as the workflow validates it."""
    import yaml

    from tahsb_analysis.input.validation import validate_cohort

    directory = REPO / "data" / "synthetic"
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    coders = [{**entry, "case_file": REPO / entry["case_file"]}
              for entry in config["cohorts"]["synthetic-ttp-2015"].get("double_coding", [])]
    return validate_cohort({name: directory / f"{name}.csv" for name in TABLE_NAMES},
                           double_coding=coders)


@pytest.fixture(scope="session")
def synthetic_results(synthetic_cohort) -> pd.DataFrame:
    """Every registered analysis on the embedded synthetic cohort with the shipped config, as
    the workflow runs them: the internal results table (built once per test session)."""
    import yaml

    from tahsb_analysis.analyses.run import run_analyses

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    return run_analyses(synthetic_cohort, config)


def copy_project(target: Path) -> Path:
    """A copy of the workflow (Snakefile, config, workflow, data) in `target`, to run
    Snakemake in without touching the repository's results."""
    import shutil

    target.mkdir(parents=True, exist_ok=True)
    for name in ["Snakefile", "config", "workflow", "data"]:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def run_snakemake(workdir: Path, *args: str):
    """`snakemake --cores 1 ARGS` in `workdir`, output captured."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", *args],
                          cwd=workdir, capture_output=True, text=True, check=False)


# The xdist group of the tests that read `finished_run`: one worker builds it once per session.
FINISHED_RUN_GROUP = "tests/test_workflow.py"


# --- a run killed mid-way, then rerun with the README's command (issue #19) ----------------


def make_run_command(workdir: Path) -> list[str]:
    """The README's `make run`, with this test session's Python environment taken as the
    already built .venv (-o: never rebuild it)."""
    venv_bin = Path(sys.executable).parent
    return ["make", "--no-print-directory", "run", f"BIN={venv_bin}",
            "-o", ".venv/.installed-runtime"]


def run_outputs(workdir: Path) -> dict[str, bytes]:
    return {p.relative_to(workdir).as_posix(): p.read_bytes()
            for p in (workdir / "results").rglob("*") if p.is_file()}


def kill_once_results_exist(workdir: Path, timeout: float = 600) -> None:
    """Start `make run` in its own process group and SIGKILL the whole group as soon as a
    cohort's results table exists (validation and analyses done, rendering not)."""
    log = (workdir / "killed_run.log").open("w")
    run = subprocess.Popen(make_run_command(workdir), cwd=workdir, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while not list((workdir / "results").glob("internal/*/results_table.parquet")):
            assert run.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no results table in time"
            time.sleep(0.1)
        assert run.poll() is None, "the run ended before it could be killed"
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        log.close()


@pytest.fixture(scope="session")
def recovered_run(tmp_path_factory):
    """A copy of the project whose `make run` was SIGKILLed (the whole process group) once a
    results table existed, then run again with the same command: (folder, whether the killed
    run left Snakemake's lock, the rerun's CompletedProcess). Tests that read it name
    FINISHED_RUN_GROUP as their xdist_group."""
    import shutil

    from tahsb_analysis.workflow_lock import lock_files

    workdir = copy_project(tmp_path_factory.mktemp("recovered"))
    shutil.copy(REPO / "Makefile", workdir / "Makefile")
    kill_once_results_exist(workdir)
    had_lock = bool(lock_files(workdir))
    rerun = subprocess.run(make_run_command(workdir), cwd=workdir, capture_output=True,
                           text=True, check=False)
    return workdir, had_lock, rerun


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """The default workflow run once, uninterrupted, in a copy of the project (session-wide:
    tests/test_workflow.py reads it; tests/test_crash_recovery.py compares a killed and rerun
    run with it). A test in another file that reads it names FINISHED_RUN_GROUP as its
    xdist_group, so that `make test` builds it once."""
    workdir = copy_project(tmp_path_factory.mktemp("project"))
    result = run_snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def pytest_collection_modifyitems(items):
    """With pytest-xdist (`make test` runs `-n <cores> --dist loadgroup`), keep each file's
    tests on one worker, so a module's expensive fixture (a whole workflow run) is built once,
    unless a test names its own `xdist_group` (a long test that needs no shared fixture)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(scope="session")
def browser():
    """One headless chromium (tests/browser_helpers.py) for the session's page checks. Fails,
    never skips, when chromium is absent: CI installs it (.ci/run)."""
    from browser_helpers import MISSING_BROWSER, Browser, chromium_path

    if chromium_path() is None:
        pytest.fail(MISSING_BROWSER)
    with Browser() as opened:
        yield opened
