"""A run killed mid-way recovers on its own: the README's `make run` again gives every output
file byte for byte as an uninterrupted run (issue #19)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FINISHED_RUN_GROUP, REPO, copy_project

from tahsb_analysis.workflow_lock import lock_files

pytestmark = [pytest.mark.workflow, pytest.mark.xdist_group(FINISHED_RUN_GROUP)]


def _make_run(workdir: Path) -> list[str]:
    """The README's `make run`, with this test session's Python environment taken as the
    already built .venv (-o: never rebuild it)."""
    venv_bin = Path(sys.executable).parent
    return ["make", "--no-print-directory", "run", f"BIN={venv_bin}",
            "-o", ".venv/.installed-runtime"]


def _outputs(workdir: Path) -> dict[str, bytes]:
    return {p.relative_to(workdir).as_posix(): p.read_bytes()
            for p in (workdir / "results").rglob("*") if p.is_file()}


def _kill_once_results_exist(workdir: Path, timeout: float = 600) -> None:
    """Start `make run` in its own process group and SIGKILL the whole group as soon as a
    cohort's results table exists (validation and analyses done, rendering not)."""
    log = (workdir / "killed_run.log").open("w")
    run = subprocess.Popen(_make_run(workdir), cwd=workdir, stdout=log,
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


def test_make_run_after_a_killed_run_gives_every_output_of_an_uninterrupted_run(
        finished_run, tmp_path):
    workdir = copy_project(tmp_path / "project")
    shutil.copy(REPO / "Makefile", workdir / "Makefile")
    _kill_once_results_exist(workdir)
    # What a bare `snakemake` would refuse to start on: the killed run's lock.
    assert lock_files(workdir), "a killed run leaves Snakemake's lock"

    rerun = subprocess.run(_make_run(workdir), cwd=workdir, capture_output=True, text=True,
                           check=False)
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    assert "removed a stale Snakemake lock" in rerun.stderr
    recovered, reference = _outputs(workdir), _outputs(finished_run)
    assert sorted(recovered) == sorted(reference)
    assert len(reference) > 300
    different = [name for name in reference if recovered[name] != reference[name]]
    assert not different
