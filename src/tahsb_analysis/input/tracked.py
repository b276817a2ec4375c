"""Keep real case-file data out of git: find input files that a git repository tracks.

Real inputs belong in a git-ignored folder (data/private/ in this repository). A real cohort
whose files git tracks is one `git push` away from leaving the analyst's machine, so the
workflow refuses it; a SYNTHETIC cohort (every row's data_origin is "synthetic") describes no
child and may be tracked, as the shipped ones are.

Only paths are reported, never file contents.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

PRIVATE_FOLDER = "data/private"


class TrackedRealDataError(RuntimeError):
    """Real (non-synthetic) input files are tracked by git."""


def is_tracked_by_git(path: str | Path) -> bool:
    """True when a git repository holding `path` tracks it (committed or staged).

    False when git is not installed or the file is in no repository: then nothing can be
    pushed by accident, and there is nothing to refuse.
    """
    git = shutil.which("git")
    if git is None:
        return False
    path = Path(path).resolve()
    result = subprocess.run(
        [git, "-C", str(path.parent), "ls-files", "--error-unmatch", "--", path.name],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def tracked_real_inputs(paths: Mapping[str, str | Path], synthetic: bool) -> list[str]:
    """The input files (by table) a git repository tracks, when the cohort is not synthetic.

    A synthetic cohort may be tracked: the list is empty.
    """
    if synthetic:
        return []
    return [f"{table}: {path}" for table, path in paths.items() if is_tracked_by_git(path)]


def refuse_tracked_real_inputs(paths: Mapping[str, str | Path], synthetic: bool) -> None:
    """Raise TrackedRealDataError naming the tracked files and what to do, for a real cohort
    whose input files git tracks."""
    tracked = tracked_real_inputs(paths, synthetic)
    if tracked:
        listed = "; ".join(tracked)
        raise TrackedRealDataError(
            f"refusing to analyse real (not synthetic) case-file data that git tracks: {listed}. "
            f"Real inputs must stay out of git: move them to {PRIVATE_FOLDER}/ (git-ignored), "
            "remove them from the index with `git rm --cached <file>` (and from the history "
            "if they were committed), and point config.yaml at the new paths."
        )
