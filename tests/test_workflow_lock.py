"""Which Snakemake lock is stale, and `make run`'s removal of it (workflow_lock.py)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tahsb_analysis.workflow_lock import (
    is_snakemake_of,
    lock_files,
    running_snakemake,
    stale_lock,
    unlock_if_stale,
)

ONE_RULE = 'rule all:\n    output: "done.txt"\n    shell: "echo done > {output}"\n'


def _locked(workdir: Path) -> Path:
    """A directory as a killed Snakemake run leaves it: a workflow and its two lock files."""
    (workdir / "Snakefile").write_text(ONE_RULE, encoding="utf-8")
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    for name in ("0.input.lock", "0.output.lock"):
        (locks / name).write_text("done.txt\n", encoding="utf-8")
    return workdir


@pytest.mark.parametrize(
    ("cmdline", "cwd", "expected"),
    [
        (["/venv/bin/python", "/venv/bin/snakemake", "--cores", "2"], "/p", True),
        (["python", "-m", "snakemake", "--cores", "2"], "/p", True),
        # a script job Snakemake started: its script sits under .snakemake/scripts
        (["python", "/p/.snakemake/scripts/tmpab12.run_analysis.py"], "/p", True),
        (["python", "-m", "snakemake", "--cores", "2"], "/other", False),
        (["python", "-m", "snakemake", "--directory", "/p"], "/other", True),
        (["python", "-m", "snakemake", "-d", "../p"], "/other", True),
        (["python", "-m", "snakemake", "--directory=/p"], "/other", True),
        (["python", "-m", "snakemake", "--directory", "/other"], "/p", False),
        (["python", "-m", "tahsb_analysis.workflow_lock"], "/p", False),
        (["make", "run"], "/p", False),
    ],
)
def test_a_process_is_snakemake_of_a_directory_when_it_names_snakemake_and_works_there(
        cmdline, cwd, expected):
    assert is_snakemake_of(cmdline, cwd, Path("/p")) is expected


def test_a_lock_is_stale_only_when_it_exists_and_no_snakemake_of_its_directory_lives(tmp_path):
    assert not stale_lock([], [])
    assert not stale_lock([tmp_path / "0.input.lock"], [1234])
    assert stale_lock([tmp_path / "0.input.lock"], [])
    assert lock_files(tmp_path) == []
    assert [p.name for p in lock_files(_locked(tmp_path))] == ["0.input.lock", "0.output.lock"]


def test_a_live_snakemake_process_of_the_directory_is_found_and_one_elsewhere_is_not(tmp_path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    # Stand-ins that name snakemake on their command line, as a Snakemake script job does.
    sleep = [sys.executable, "-c", "import time; time.sleep(30)", ".snakemake/scripts/x.py"]
    inside = subprocess.Popen(sleep, cwd=here)
    outside = subprocess.Popen(sleep, cwd=elsewhere)
    try:
        time.sleep(0.2)
        live = running_snakemake(here)
        assert inside.pid in live and outside.pid not in live
    finally:
        inside.kill()
        outside.kill()
        inside.wait()
        outside.wait()
    assert inside.pid not in running_snakemake(here)


def test_a_stale_lock_is_removed_and_snakemake_then_runs(tmp_path):
    workdir = _locked(tmp_path)
    refused = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=workdir,
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "locked" in refused.stderr.lower()
    assert unlock_if_stale(workdir).startswith("removed a stale Snakemake lock")
    assert lock_files(workdir) == []
    assert unlock_if_stale(workdir) == "no Snakemake lock"


def test_a_lock_of_a_live_run_is_kept(tmp_path):
    workdir = _locked(tmp_path)
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)",
                            ".snakemake/scripts/x.py"], cwd=workdir)
    try:
        time.sleep(0.2)
        message = unlock_if_stale(workdir)
    finally:
        job.kill()
        job.wait()
    assert message.startswith("Snakemake lock kept") and str(job.pid) in message
    assert len(lock_files(workdir)) == 2


def test_the_workflow_profile_is_named_only_when_the_project_has_one(tmp_path):
    from conftest import REPO

    from tahsb_analysis.workflow_lock import recovery_arguments

    assert recovery_arguments(tmp_path) == []
    assert recovery_arguments(REPO) == ["--workflow-profile", "workflow/profiles/default"]
    profile = (REPO / "workflow" / "profiles" / "default" / "config.yaml").read_text()
    assert "rerun-incomplete: true" in profile.splitlines()
