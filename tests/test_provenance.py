"""The provenance of a page (render/pages/provenance.py): the git commit and whether the tree
matched it, the seeds, plain data only, and the cohort's input files required."""

from __future__ import annotations

import json
import subprocess

import pytest

from tahsb_analysis.render.pages.page import ReportError
from tahsb_analysis.render.pages.provenance import collect_provenance

COHORT = "ttp-test"
SHA = {"cases": "a" * 64, "case_file": "b" * 64, "behaviours": "c" * 64}
CONFIG = {
    "exact_test": {"resamples": 99, "seed": 111},
    "links": {"gap_ci": "bootstrap", "bootstrap_resamples": 99, "bootstrap_seed": 222},
}


def cohort_metadata(cohort=COHORT, synthetic=True) -> dict:
    sources = {table: {"file": f"{table}.csv", "rows": 5, "sha256": sha}
               for table, sha in SHA.items()}
    return {"cohort": cohort, "synthetic": synthetic, "codebook_version": "1.0.0",
            "sources": sources}


def provenance(tmp_path, cohort=COHORT, synthetic=True, **extra) -> dict:
    return collect_provenance(cohort_metadata=cohort_metadata(cohort, synthetic),
                              config=CONFIG, repo_dir=tmp_path, **extra)


@pytest.fixture(autouse=True)
def no_git_checkout_above_tmp_path(monkeypatch, tmp_path):
    """Git must not find a checkout above tmp_path (were the temporary folder inside one)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def test_provenance_in_a_git_checkout_records_the_commit_and_a_dirty_tree(tmp_path):
    def git(*args):
        command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
                   "commit.gpgsign=false", *args]
        return subprocess.run(command, cwd=tmp_path, check=True, capture_output=True,
                              text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a\n", encoding="utf-8")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")
    clean = provenance(tmp_path)["git"]
    assert clean == {"commit": git("rev-parse", "HEAD"), "dirty": False, "note": None}
    (tmp_path / "a.txt").write_text("changed\n", encoding="utf-8")
    assert provenance(tmp_path)["git"]["dirty"] is True


def test_seeds_come_from_the_config_and_given_seeds_win(tmp_path):
    seeds = provenance(tmp_path)["seeds"]
    assert [s["value"] for s in seeds] == [111, 222]
    name = seeds[0]["name"]
    given = provenance(tmp_path, seeds={name: 7, "cluster k-means": 5})["seeds"]
    assert {s["name"]: s["value"] for s in given} == {name: 7, seeds[1]["name"]: 222,
                                                      "cluster k-means": 5}


def test_provenance_is_plain_data_that_can_be_saved_as_json(tmp_path):
    record = provenance(tmp_path)
    assert json.loads(json.dumps(record)) == record


def test_metadata_without_its_input_files_is_an_error_naming_what_is_missing(tmp_path):
    with pytest.raises(ReportError, match="sources"):
        collect_provenance(cohort_metadata={"cohort": COHORT}, config=CONFIG)
