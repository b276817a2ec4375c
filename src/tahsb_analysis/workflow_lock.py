"""Remove Snakemake's lock left behind by a killed run, and only then (`make run` calls this).

Snakemake locks a working directory while it runs (`.snakemake/locks/`) and removes the lock when
it ends; a run killed with SIGKILL (or a lost terminal, or a machine that went down) cannot,
and the next run refuses to start until the user finds `snakemake --unlock`. The lock is stale
when no Snakemake process of this working directory is alive: neither Snakemake itself nor a
job it started (a `script:` job runs `.snakemake/scripts/...`). Then, and only then, this
module runs `snakemake --unlock`. While any such process lives, a second run must still be
refused, so the lock stays.

`tahsb workflow` (what `make run` runs) calls `unlock_if_stale` before Snakemake and passes it
the workflow profile (`recovery_arguments`), which makes Snakemake rerun the jobs a killed run
left incomplete. By hand: `python -m tahsb_analysis.workflow_lock [DIRECTORY]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

LOCK_DIRECTORY = Path(".snakemake") / "locks"
# Snakemake finds a workflow profile on its own only beside a Snakefile in workflow/; this
# project's Snakefile is at the top, so the profile is named on the command line.
WORKFLOW_PROFILE = Path("workflow") / "profiles" / "default"


def recovery_arguments(workdir: Path) -> list[str]:
    """Snakemake arguments that name the workflow profile of the project in `workdir` (it
    reruns incomplete jobs), or none if the project has none."""
    if (Path(workdir) / WORKFLOW_PROFILE / "config.yaml").is_file():
        return ["--workflow-profile", WORKFLOW_PROFILE.as_posix()]
    return []


def lock_files(workdir: Path) -> list[Path]:
    """Snakemake's lock files in `workdir` (empty when it is not locked)."""
    locks = Path(workdir) / LOCK_DIRECTORY
    return sorted(locks.glob("*.lock")) if locks.is_dir() else []


def _same_directory(path: str | os.PathLike, workdir: Path, base: str | os.PathLike) -> bool:
    try:
        return (Path(base) / path).resolve() == Path(workdir).resolve()
    except (OSError, RuntimeError):
        return False


def is_snakemake_of(cmdline: list[str], cwd: str | None, workdir: Path) -> bool:
    """Whether a process (its command line and working directory) is Snakemake, or a job it
    started, working on `workdir`: its command line names snakemake (the program, the module or
    a script under .snakemake/) and it runs in `workdir`, or names it with --directory / -d."""
    if not any("snakemake" in Path(argument).as_posix() for argument in cmdline):
        return False
    for flag, value in zip(cmdline, cmdline[1:], strict=False):
        if flag in ("--directory", "-d") and cwd is not None:
            return _same_directory(value, workdir, cwd)
    for argument in cmdline:
        if argument.startswith("--directory="):
            return cwd is not None and _same_directory(argument.split("=", 1)[1], workdir, cwd)
    return cwd is not None and _same_directory(cwd, workdir, "/")


def running_snakemake(workdir: Path, exclude: Iterable[int] = ()) -> list[int]:
    """Process ids of live Snakemake processes (and their jobs) of `workdir`, except
    `exclude`. A process whose working directory cannot be read counts as live if its command
    line names snakemake: better to leave a lock than to remove a live one."""
    import psutil

    excluded = set(exclude)
    found = []
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):
        info = process.info
        if info["pid"] in excluded or not info["cmdline"]:
            continue
        if info["cwd"] is None and any("snakemake" in part for part in info["cmdline"]):
            found.append(info["pid"])
        elif is_snakemake_of(info["cmdline"], info["cwd"], workdir):
            found.append(info["pid"])
    return found


def stale_lock(locks: list[Path], live: list[int]) -> bool:
    """A lock is stale when there is one and no Snakemake process of its directory lives."""
    return bool(locks) and not live


def _ancestors() -> list[int]:
    import psutil

    me = psutil.Process()
    return [me.pid] + [parent.pid for parent in me.parents()]


def unlock_if_stale(workdir: Path) -> str:
    """Run `snakemake --unlock` in `workdir` if its lock is stale; say what was done."""
    locks = lock_files(workdir)
    if not locks:
        return "no Snakemake lock"
    live = running_snakemake(workdir, exclude=_ancestors())
    if not stale_lock(locks, live):
        return (f"Snakemake lock kept: {len(live)} Snakemake process(es) of this directory "
                f"still running (pid {', '.join(map(str, live))})")
    subprocess.run([sys.executable, "-m", "snakemake", "--unlock"], cwd=workdir,
                   check=True, capture_output=True)
    return "removed a stale Snakemake lock left by a run that did not finish"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    workdir = Path(args[0]) if args else Path.cwd()
    message = unlock_if_stale(workdir)
    if message != "no Snakemake lock":
        print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
