"""Time the default workflow cold and as a no-op rerun, next to the floor (issue #19).

Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/workflow_benchmark.py [--cores 2] [--repeat 1] [--keep DIR] [--per-rule]

In a temporary copy of the project (Snakefile, config, workflow, data: what
tests/conftest.py `copy_project` copies) the script runs, as the README's command does,

* **cold**: `snakemake --cores N` with no results at all (the default configuration: every
  cohort of config/config.yaml, both tiers and the comparison);
* **no-op**: the same command again, with nothing to do;

and, in the same run on the same machine, **the floor** that no restructuring of the workflow
can go below: a Snakemake no-op on a one-rule workflow plus one Python process importing the
scientific stack every job of this workflow needs (`import pandas, scipy, statsmodels,
matplotlib`). The ratios say how far each run is above that floor.

Each command runs as a subprocess; its wall-clock time is measured around it and its CPU time
(user + system, of the whole process tree: Snakemake and every job it started and waited for)
is the growth of `resource.getrusage(RUSAGE_CHILDREN)` across it. The machine may be shared:
wall time then depends on what else runs, CPU time much less, so CPU time is the steadier figure.
With --repeat > 1 every figure is the median. With --per-rule it then times each rule's jobs
alone in one more copy (`--until RULE`, upstream rules first, one core, minus a no-op), to show
where a cold run's CPU goes.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT_PARTS = ["Snakefile", "config", "workflow", "data"]
FLOOR_IMPORT = "import pandas, scipy, statsmodels, matplotlib"
ONE_RULE_SNAKEFILE = """\
rule all:
    output:
        "done.txt",
    shell:
        "echo done > {output}"
"""


def copy_project(target: Path) -> Path:
    """A copy of the workflow in `target`, as tests/conftest.py `copy_project` makes."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run `command` in `cwd`; return (wall seconds, CPU seconds of its whole process tree).
    Fails with the command's last output if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def snakemake_command(cores: int) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", str(cores)]


def measure_once(cores: int, workdir: Path) -> dict[str, tuple[float, float]]:
    """One measurement of every run, in fresh copies under `workdir`."""
    project = copy_project(workdir / "project")
    floor_workflow = workdir / "one-rule"
    floor_workflow.mkdir()
    (floor_workflow / "Snakefile").write_text(ONE_RULE_SNAKEFILE, encoding="utf-8")
    command = snakemake_command(cores)
    runs = {}
    runs["cold"] = timed(command, project)
    runs["no-op"] = timed(command, project)
    timed(command, floor_workflow)  # builds done.txt: the next run has nothing to do
    runs["floor: Snakemake no-op, one rule"] = timed(command, floor_workflow)
    runs["floor: one import of the stack"] = timed([sys.executable, "-c", FLOOR_IMPORT], project)
    return runs


def rule_order(project: Path) -> list[str]:
    """The workflow's rules upstream first (Snakemake's rule graph, topologically sorted), so
    that `--until` each in turn runs that rule's jobs and no other's."""
    graph = subprocess.run([sys.executable, "-m", "snakemake", "--rulegraph"], cwd=project,
                           capture_output=True, text=True, check=True).stdout
    labels = dict(re.findall(r'^\s*(\d+)\[label = "([^"]+)"', graph, flags=re.MULTILINE))
    edges = re.findall(r"^\s*(\d+) -> (\d+)", graph, flags=re.MULTILINE)
    upstream = {node: {a for a, b in edges if b == node} for node in labels}
    order: list[str] = []
    while len(order) < len(labels):
        ready = sorted((n for n in labels if n not in order and upstream[n] <= set(order)),
                       key=lambda n: labels[n])
        order.append(ready[0])
    return [labels[n] for n in order if labels[n] != "all"]


def measure_rules(workdir: Path) -> dict[str, tuple[float, float]]:
    """Each rule's jobs alone (`snakemake --cores 1 --until RULE`, upstream already built), in
    a fresh copy: wall and CPU time minus a no-op's (Snakemake's own start-up and planning)."""
    project = copy_project(workdir / "per-rule")
    command = snakemake_command(1)
    runs = {}
    for rule in rule_order(project):
        wall, cpu = timed([*command, "--until", rule], project)
        idle_wall, idle_cpu = timed([*command, "--until", rule], project)
        runs[rule] = (wall - idle_wall, cpu - idle_cpu)
    return runs


def rule_table(runs: dict[str, tuple[float, float]]) -> str:
    rows = ["| rule (all its jobs, one core) | wall (s) | CPU (s) |", "|---|---:|---:|"]
    rows += [f"| {rule} | {wall:.1f} | {cpu:.1f} |" for rule, (wall, cpu) in runs.items()]
    total_wall = sum(wall for wall, _ in runs.values())
    total_cpu = sum(cpu for _, cpu in runs.values())
    rows.append(f"| total | {total_wall:.1f} | {total_cpu:.1f} |")
    return "\n".join(rows)


def median_runs(samples: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    return {
        name: (statistics.median(s[name][0] for s in samples),
               statistics.median(s[name][1] for s in samples))
        for name in samples[0]
    }


def table(runs: dict[str, tuple[float, float]]) -> str:
    """The runs as a Markdown table, with the floor (one-rule no-op + one import) and each
    run's ratio to it."""
    floor_wall = (runs["floor: Snakemake no-op, one rule"][0]
                  + runs["floor: one import of the stack"][0])
    floor_cpu = (runs["floor: Snakemake no-op, one rule"][1]
                 + runs["floor: one import of the stack"][1])
    rows = ["| run | wall (s) | CPU (s) | wall / floor | CPU / floor |",
            "|---|---:|---:|---:|---:|"]
    for name, (wall, cpu) in runs.items():
        ratio = "" if name.startswith("floor") else f"{wall / floor_wall:.1f}x"
        ratio_cpu = "" if name.startswith("floor") else f"{cpu / floor_cpu:.1f}x"
        rows.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {ratio} | {ratio_cpu} |")
    rows.append(f"| floor (sum of the two) | {floor_wall:.1f} | {floor_cpu:.1f} | 1.0x | 1.0x |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the copies in this (new) directory")
    parser.add_argument("--per-rule", action="store_true",
                        help="also time each rule's jobs alone, one core, in a further copy")
    args = parser.parse_args(argv)
    samples = []
    for repeat in range(args.repeat):
        if args.keep:
            workdir = args.keep / f"repeat-{repeat + 1}"
            workdir.mkdir(parents=True)
            samples.append(measure_once(args.cores, workdir))
        else:
            with tempfile.TemporaryDirectory(prefix="workflow-benchmark-") as directory:
                samples.append(measure_once(args.cores, Path(directory)))
    load = os.getloadavg()[0]
    print(f"snakemake --cores {args.cores}, {args.repeat} repeat(s)"
          f"{' (medians)' if args.repeat > 1 else ''}; load average at the end {load:.1f} "
          f"on {os.cpu_count()} cores (wall time depends on it; CPU time much less)\n")
    print(table(median_runs(samples)))
    if args.per_rule:
        with tempfile.TemporaryDirectory(prefix="workflow-benchmark-") as directory:
            print()
            print(rule_table(measure_rules(Path(directory))))


if __name__ == "__main__":
    main()
