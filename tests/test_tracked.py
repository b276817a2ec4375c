"""Real data stays out of git (issue #18): real inputs tracked by git are refused, synthetic
ones and untracked real ones are not, and data/private/ is git-ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tahsb_analysis.input.tracked import (
    PRIVATE_FOLDER,
    TrackedRealDataError,
    is_tracked_by_git,
    refuse_tracked_real_inputs,
    tracked_real_inputs,
)

REPO = Path(__file__).resolve().parents[1]
# The suite runs from a clone, so git is there; without it these tests fail, never skip.
GIT = shutil.which("git") or "git"


def _repository(tmp_path: Path) -> Path:
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True)
    for name in ("cases.csv", "case_file.csv", "behaviours.csv"):
        (tmp_path / name).write_text("case_id\n", encoding="utf-8")
    return tmp_path


def _paths(folder: Path) -> dict[str, Path]:
    return {name: folder / f"{name}.csv" for name in ("cases", "case_file", "behaviours")}


def test_a_staged_file_is_tracked_and_an_unstaged_one_is_not(tmp_path):
    folder = _repository(tmp_path)
    assert not is_tracked_by_git(folder / "cases.csv")
    subprocess.run([GIT, "-C", str(folder), "add", "cases.csv"], check=True)
    assert is_tracked_by_git(folder / "cases.csv")
    assert not is_tracked_by_git(folder / "case_file.csv")


def test_a_file_outside_any_repository_is_not_tracked(tmp_path):
    # tmp_path itself is not a repository (pytest's temporary folders live outside this one).
    (tmp_path / "cases.csv").write_text("case_id\n", encoding="utf-8")
    assert not is_tracked_by_git(tmp_path / "cases.csv")


def test_real_tracked_inputs_are_refused_naming_the_files_only(tmp_path):
    folder = _repository(tmp_path)
    (folder / "cases.csv").write_text("case_id\nSECRET-ID-1\n", encoding="utf-8")
    subprocess.run([GIT, "-C", str(folder), "add", "cases.csv", "behaviours.csv"], check=True)
    assert tracked_real_inputs(_paths(folder), synthetic=False) == [
        f"cases: {folder / 'cases.csv'}", f"behaviours: {folder / 'behaviours.csv'}"]
    with pytest.raises(TrackedRealDataError) as raised:
        refuse_tracked_real_inputs(_paths(folder), synthetic=False)
    message = str(raised.value)
    assert "cases.csv" in message and "behaviours.csv" in message
    assert "case_file.csv" not in message
    assert PRIVATE_FOLDER in message and "git rm --cached" in message
    assert "SECRET-ID-1" not in message  # a path, never a value


def test_synthetic_tracked_inputs_and_untracked_real_ones_are_accepted(tmp_path):
    folder = _repository(tmp_path)
    subprocess.run([GIT, "-C", str(folder), "add", "."], check=True)
    refuse_tracked_real_inputs(_paths(folder), synthetic=True)  # the shipped cohorts' case
    untracked = tmp_path / "elsewhere"
    untracked.mkdir()
    for path in _paths(untracked).values():
        path.write_text("case_id\n", encoding="utf-8")
    refuse_tracked_real_inputs(_paths(untracked), synthetic=False)


def test_the_private_data_folder_is_git_ignored_but_its_readme_is_not():
    if not (REPO / ".git").exists():
        pytest.fail("the test suite runs from a git clone of the repository")
    ignored = subprocess.run(
        [GIT, "-C", str(REPO), "check-ignore", "-q", f"{PRIVATE_FOLDER}/service/cases.csv"])
    assert ignored.returncode == 0
    readme = subprocess.run(
        [GIT, "-C", str(REPO), "check-ignore", "-q", f"{PRIVATE_FOLDER}/README.md"])
    assert readme.returncode == 1
