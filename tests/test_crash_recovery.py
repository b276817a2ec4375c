"""A run killed mid-way recovers on its own: the README's `make run` again gives every output
file byte for byte as an uninterrupted run (issue #19). The killed-and-rerun project is the
session fixture `recovered_run` (tests/conftest.py), which tests/test_workflow.py also reads as
its second, independent run."""

import pytest
from conftest import FINISHED_RUN_GROUP, run_outputs

pytestmark = [pytest.mark.workflow, pytest.mark.xdist_group(FINISHED_RUN_GROUP)]


def test_make_run_after_a_killed_run_gives_every_output_of_an_uninterrupted_run(
        finished_run, recovered_run):
    workdir, had_lock, rerun = recovered_run
    # What a bare `snakemake` would refuse to start on: the killed run's lock.
    assert had_lock, "a killed run leaves Snakemake's lock"
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    assert "removed a stale Snakemake lock" in rerun.stderr
    recovered, reference = run_outputs(workdir), run_outputs(finished_run)
    assert sorted(recovered) == sorted(reference)
    assert len(reference) > 300
    different = [name for name in reference if recovered[name] != reference[name]]
    assert not different
