"""Time the whole analysis of synthetic cohorts of growing size, stage by stage (issue #8).

Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/pipeline_benchmark.py [--sizes 1000 10000 100000 1000000] [--repeat 1]
        [--stages all] [--seed 20170] [--output measurements.csv] [--blas-threads 1]
        [--profile DIR]

For each size the script writes a SYNTHETIC cohort of that many children as CSV files
(`synthetic.generate_cohort(parameters, seed, n_cases=size)` with the packaged parameters, as
`tahsb synthesize` loads them; the in-depth sample and its behaviours scale with the cohort,
about a third of the children), then runs in fresh Python subprocesses:

* **the analysis ("without figures")**: validation of the three CSV files
  (`validation.validate_cohort`, as the workflow's validate rule does), storing the typed tables
  as Parquet and reading them back (`cohort.write_cohort` / `read_cohort`, which the workflow
  does between rules), every analysis in `analyses.ANALYSES` with the settings of
  config/config.yaml (`analyses.analysis_settings`), `results.concat_results`, the disclosure
  gate (`disclosure.apply_disclosure_control` with config/disclosure_policy.yaml) and the
  replication register (`replication.evaluate_register`);
* **the rendering ("with figures")**, from the results table that run wrote: every table the
  workflow renders (`tables.write_table`, CSV, Markdown, HTML, LaTeX, Word) and every figure in
  `figures.FIGURES` (`mark_tier` + `write_figure`, PNG + SVG + PDF), into a temporary folder.

Time is wall-clock per stage, with the process's CPU time (all threads) beside each total:
on a shared machine the CPU time is the steadier of the two. The subprocesses run with one
OpenBLAS/MKL/OpenMP thread, as Snakemake runs every rule of this workflow (`threads: 1`), unless
--blas-threads says otherwise.

Memory is the peak resident set of each subprocess, read inside it from
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (MB of 10^6 bytes). Because every subprocess
does one thing (generate; analyse; render), the analysis peak includes the interpreter, the
imports and the cohort but not the generator. The script also prints the peak after the imports
(before validation) so that the analysis' own share is visible.

At the end: the growth exponent of each stage, the least-squares slope of log(seconds) against
log(cases) over all sizes (1 = linear), and the slope between the two largest sizes, which
fixed costs at small sizes do not flatten.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "config.yaml"
POLICY = REPO / "config" / "disclosure_policy.yaml"
COMMON_SMK = REPO / "workflow" / "rules" / "common.smk"
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
DEFAULT_SEED = 20170  # the seed of the default synthetic cohort
ANALYSES = ("prevalence", "ta_hsb_range", "characteristics", "links", "responses")
# Stages in the order they run; each phase runs in its own subprocess.
PHASES = {
    "generate": ("synthesize", "write_csv"),
    "analysis": ("validate", "store", *ANALYSES, "concat", "disclosure", "replication"),
    "render": ("tables", "figures"),
}
STAGE_GROUPS = {
    "all": PHASES["analysis"] + PHASES["render"],
    "analysis": PHASES["analysis"],
    "render": PHASES["render"],
}
TOTALS = {"analysis": "total without figures", "render": "total tables + figures"}
TARGET_SECONDS = 30
TARGET_MB = 2000
# What Snakemake's shell (and so its script directive) sets to a rule's thread count.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB (10^6 bytes); Linux reports KiB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes
    return kib * scale / 1e6


class _Clock:
    """Times the stages of one phase; a stage not asked for runs all the same (a later stage
    needs its output) but is not reported."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # CPU time of the process (all its threads)

    def run(self, stage: str, action, *args, **kwargs):
        start, cpu = time.perf_counter(), time.process_time()
        value = action(*args, **kwargs)
        if stage in self.wanted:
            self.seconds[stage] = time.perf_counter() - start
            self.cpu[stage] = time.process_time() - cpu
        return value


# --- the three phases, each in its own process ---------------------------------------------


def phase_generate(size: int, seed: int, folder: Path, wanted: set[str]) -> dict:
    from tahsb_analysis.synthetic.generator import generate_cohort, write_cohort_csv
    from tahsb_analysis.synthetic.parameters import load_parameters

    clock = _Clock(wanted | set(PHASES["generate"]))
    parameters = load_parameters()  # the packaged, calibrated parameters, as `tahsb synthesize`
    tables = clock.run("synthesize", generate_cohort, parameters, seed, n_cases=size)
    clock.run("write_csv", write_cohort_csv, tables, folder / "input")
    rows = {name: len(frame) for name, frame in tables.items()}
    return {"seconds": clock.seconds, "cpu": clock.cpu, "rows": rows}


def phase_analysis(folder: Path, wanted: set[str]) -> dict:
    import yaml

    from tahsb_analysis.analyses.run import ANALYSES as REGISTERED
    from tahsb_analysis.analyses.run import analysis_settings, run_analysis
    from tahsb_analysis.compare.replication import evaluate_register
    from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook
    from tahsb_analysis.input.cohort import read_cohort, write_cohort
    from tahsb_analysis.input.validation import validate_cohort
    from tahsb_analysis.release.disclosure import apply_disclosure_control
    from tahsb_analysis.release.policy import load_policy
    from tahsb_analysis.results.schema import concat_results

    if tuple(REGISTERED) != ANALYSES:
        raise RuntimeError(f"the benchmark times the analyses {ANALYSES}, the package registers "
                           f"{tuple(REGISTERED)}: update ANALYSES in {Path(__file__).name}")
    codebook = load_codebook()
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    policy = load_policy(POLICY)
    paths = {name: folder / "input" / codebook.table(name).default_filename
             for name in TABLE_NAMES}
    imports_mb = peak_mb()
    clock = _Clock(wanted)
    cohort = clock.run("validate", validate_cohort, paths, codebook)

    def store(cohort):
        write_cohort(cohort, folder / "validated")
        return read_cohort(folder / "validated")

    cohort = clock.run("store", store, cohort)
    parts = []
    for name in ANALYSES:
        settings = analysis_settings(name, config)
        parts.append(clock.run(name, run_analysis, name, cohort, settings))
    results = clock.run("concat", concat_results, parts)
    results.to_parquet(folder / "results.parquet", index=False)
    outcome = clock.run("disclosure", apply_disclosure_control, results, policy)
    replication = clock.run("replication", evaluate_register, results)
    release = outcome.release
    return {
        "seconds": clock.seconds,
        "cpu": clock.cpu,
        "peak_mb": peak_mb(),
        "imports_mb": imports_mb,
        "result_rows": len(results),
        "suppressed": int((release["disclosure"] == "suppressed").sum()),
        "unprotected": int(outcome.unprotected),
        "verdicts": {str(k): int(v) for k, v in
                     replication.loc[replication["part"] == 0, "verdict"].value_counts().items()},
    }


def table_outputs() -> list[str]:
    """The tables the workflow renders (TABLE_OUTPUTS in workflow/rules/common.smk)."""
    import ast
    import re

    text = COMMON_SMK.read_text(encoding="utf-8")
    match = re.search(r"^TABLE_OUTPUTS = (\[.*?\])$", text, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise RuntimeError(f"TABLE_OUTPUTS not found in {COMMON_SMK}")
    return ast.literal_eval(match.group(1))


def phase_render(folder: Path, wanted: set[str]) -> dict:
    import pandas as pd

    from tahsb_analysis.render.figures.catalogue import FIGURES
    from tahsb_analysis.render.figures.output import mark_tier, write_figure
    from tahsb_analysis.render.tables import write_table

    results = pd.read_parquet(folder / "results.parquet")
    outputs = table_outputs()
    imports_mb = peak_mb()
    clock = _Clock(wanted)
    out = folder / "rendered"

    def render_tables():
        for output in outputs:
            write_table(results, output, out / "tables" / output)

    def render_figures():
        for name, draw in FIGURES.items():
            write_figure(mark_tier(draw(results), results, name), out / "figures" / name)

    if "tables" in wanted:
        clock.run("tables", render_tables)
    if "figures" in wanted:
        clock.run("figures", render_figures)
    return {"seconds": clock.seconds, "cpu": clock.cpu, "peak_mb": peak_mb(),
            "imports_mb": imports_mb, "tables": len(outputs), "figures": len(FIGURES)}


def worker(phase: str, size: int, seed: int, folder: Path, wanted: set[str], out: Path,
           profile: Path | None = None) -> None:
    if profile is not None and phase != "generate":
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        worker(phase, size, seed, folder, wanted, out)
        profiler.disable()
        profile.mkdir(parents=True, exist_ok=True)
        stem = profile / f"{phase}-{size}"
        profiler.dump_stats(stem.with_suffix(".prof"))
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
        stem.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")
        return
    if phase == "generate":
        record = phase_generate(size, seed, folder, wanted)
        record["peak_mb"] = peak_mb()
    elif phase == "analysis":
        record = phase_analysis(folder, wanted)
    else:
        record = phase_render(folder, wanted)
    out.write_text(json.dumps(record), encoding="utf-8")


# --- the driver ------------------------------------------------------------------------------


def subprocess_environment(blas_threads: int) -> dict[str, str]:
    """This environment, plus what Snakemake sets for a rule with `threads: 1` (every rule of
    this workflow): one thread for OpenBLAS, MKL and OpenMP. 0 leaves the environment as is."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if blas_threads > 0:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(blas_threads)))
    return env


def run_phase(phase: str, size: int, seed: int, folder: Path, stages: list[str],
              timeout: float, profile: Path | None = None, blas_threads: int = 1) -> dict:
    out = folder / f"{phase}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, __file__, "--worker", phase, "--sizes", str(size), "--seed",
               str(seed), "--folder", str(folder), "--out", str(out), "--stages", *stages]
    if profile is not None:
        command += ["--profile", str(profile.resolve())]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False, env=subprocess_environment(blas_threads))
    except subprocess.TimeoutExpired:
        return {"error": f"{phase} timed out after {timeout:g} s"}
    if done.returncode != 0 or not out.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{phase}: exit code {done.returncode}: {last}"}
    return json.loads(out.read_text(encoding="utf-8"))


def selected_stages(names: list[str]) -> list[str]:
    known = STAGE_GROUPS["all"]
    chosen: set[str] = set()
    for name in names:
        if name in STAGE_GROUPS:
            chosen |= set(STAGE_GROUPS[name])
        elif name in known:
            chosen.add(name)
        else:
            raise SystemExit(f"unknown stage {name!r}; choose from {list(STAGE_GROUPS)} or "
                             f"{list(known)}")
    return [stage for stage in known if stage in chosen]


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size); nan with fewer than two sizes."""
    pairs = [(s, t) for s, t in zip(sizes, seconds, strict=True) if t and t > 0]
    if len(pairs) < 2:
        return math.nan
    x = np.log([s for s, _ in pairs])
    y = np.log([t for _, t in pairs])
    return float(np.polyfit(x, y, 1)[0])


def _load() -> str:
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "n/a"


def _cell(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of children in the cohort (default: 10^3 to 10^6)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size; the tables show the median of each stage")
    parser.add_argument("--stages", nargs="+", default=["all"],
                        help="stages to time: all, analysis (without figures), render (tables "
                             "and figures), or single stages: " + ", ".join(STAGE_GROUPS["all"]))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed of the synthetic cohorts")
    parser.add_argument("--output", type=Path, help="also write every measurement to this CSV")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="threads of OpenBLAS/MKL/OpenMP in the subprocesses; 1 (default) as "
                             "Snakemake runs every rule of this workflow, 0 leaves the "
                             "environment unchanged")
    parser.add_argument("--profile", type=Path,
                        help="also run cProfile in each analysis and render subprocess and write "
                             "<phase>-<cases>.prof and .txt (top 60 by cumulative time) here; "
                             "the timings then include the profiler's overhead")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds allowed for one subprocess before it is abandoned")
    parser.add_argument("--worker", choices=tuple(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.sizes[0], args.seed, args.folder, set(args.stages), args.out,
               args.profile)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    stages = selected_stages(args.stages)
    phases = [p for p in ("analysis", "render") if any(s in PHASES[p] for s in stages)]
    import pandas as pd

    print(f"Whole-pipeline benchmark (SYNTHETIC cohorts), seed {args.seed}, {args.repeat} "
          f"run(s) per size, {date.today().isoformat()}, {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}")
    threads = ("BLAS threads as in the environment" if args.blas_threads <= 0
               else f"{args.blas_threads} BLAS/OpenMP thread(s) per subprocess, as Snakemake "
                    f"runs a rule with threads: {args.blas_threads}")
    print(f"{threads}; load average at start {_load()}")
    print("Times: median over runs, wall-clock seconds (CPU: process time of all threads). "
          "Peak: max resident set of the phase's own subprocess (getrusage RUSAGE_SELF "
          "ru_maxrss), MB.\n")

    measurements: list[dict] = []
    per_size: dict[int, dict] = {}
    failed = False
    for size in args.sizes:
        runs: list[dict] = []
        for repeat in range(1, args.repeat + 1):
            with tempfile.TemporaryDirectory(prefix="tahsb-bench-") as tmp:
                folder = Path(tmp)
                run = {"generate": run_phase("generate", size, args.seed, folder,
                                             list(PHASES["generate"]), args.timeout,
                                             blas_threads=args.blas_threads)}
                for phase in phases:
                    if "error" in run["generate"]:
                        break
                    wanted = [s for s in stages if s in PHASES[phase]]
                    if phase == "render" and "analysis" not in run:
                        # the render phase needs a results table: run the analysis untimed
                        run["analysis"] = run_phase("analysis", size, args.seed, folder,
                                                    ["none"], args.timeout,
                                                    blas_threads=args.blas_threads)
                    run[phase] = run_phase(phase, size, args.seed, folder, wanted or ["none"],
                                           args.timeout, args.profile, args.blas_threads)
            for phase, record in run.items():
                if "error" in record:
                    print(f"{size:,} cases, run {repeat}: {record['error']}", flush=True)
                    failed = True
                    continue
                for stage, seconds in record["seconds"].items():
                    measurements.append({"cases": size, "repeat": repeat, "phase": phase,
                                         "stage": stage, "seconds": seconds,
                                         "cpu_seconds": record["cpu"].get(stage),
                                         "peak_mb": record["peak_mb"],
                                         "imports_mb": record.get("imports_mb")})
            runs.append(run)
        per_size[size] = summarise(runs, stages)
        print_progress(size, per_size[size], runs[-1])

    print()
    print_tables(per_size, stages, phases)
    print(f"Load average at the end: {_load()} (on {os.cpu_count()} CPUs: a load above that "
          "means other processes competed for the CPUs and the wall times are inflated).")
    if args.output is not None:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["cases", "repeat", "phase", "stage",
                                                        "seconds", "cpu_seconds", "peak_mb",
                                                        "imports_mb"],
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(measurements)
        print(f"\n{len(measurements)} measurements written to {args.output}")
    return 1 if failed else 0


def summarise(runs: list[dict], stages: list[str]) -> dict:
    """Median seconds per stage and per phase total, max peak MB per phase."""
    summary: dict = {"seconds": {}, "cpu": {}, "peak_mb": {}, "imports_mb": {}}
    for phase in ("generate", "analysis", "render"):
        records = [r[phase] for r in runs if phase in r and "error" not in r[phase]]
        if not records:
            continue
        for stage in PHASES[phase]:
            values = [r["seconds"][stage] for r in records if stage in r["seconds"]]
            if values:
                summary["seconds"][stage] = statistics.median(values)
        totals = [sum(r["seconds"].values()) for r in records]
        summary["seconds"][phase] = statistics.median(totals)
        summary["cpu"][phase] = statistics.median(sum(r["cpu"].values()) for r in records)
        summary["peak_mb"][phase] = max(r["peak_mb"] for r in records)
        summary["imports_mb"][phase] = max(r.get("imports_mb") or 0 for r in records)
    return summary


def print_progress(size: int, summary: dict, last_run: dict) -> None:
    parts = [f"{size:,} cases"]
    generate = last_run.get("generate", {})
    if "rows" in generate:
        rows = generate["rows"]
        parts.append(f"in-depth {rows['case_file']:,}, behaviours {rows['behaviours']:,}")
    for phase in ("generate", "analysis", "render"):
        if phase in summary["seconds"]:
            parts.append(f"{phase} {summary['seconds'][phase]:.2f} s, "
                         f"peak {summary['peak_mb'][phase]:,.0f} MB")
    analysis = last_run.get("analysis", {})
    if "result_rows" in analysis:
        parts.append(f"{analysis['result_rows']} result rows, {analysis['suppressed']} "
                     f"suppressed ({analysis['unprotected']} recoverable), register "
                     f"{analysis['verdicts']}")
    print("; ".join(parts), flush=True)


def print_tables(per_size: dict[int, dict], stages: list[str], phases: list[str]) -> None:
    sizes = list(per_size)
    for phase in phases:
        shown = [s for s in PHASES[phase] if s in stages]
        total = TOTALS[phase] if len(shown) == len(PHASES[phase]) else "sum of these stages"
        columns = ["cases", *shown, total, "CPU s", "peak MB", "peak MB after imports"]
        print(f"### {'Analysis (without figures)' if phase == 'analysis' else 'Rendering'}")
        print()
        print("| " + " | ".join(columns) + " |")
        print("|" + "---:|" * len(columns))
        for size in sizes:
            summary = per_size[size]
            cells = [f"{size:,}"]
            cells += [_cell(summary["seconds"].get(stage), 2) for stage in shown]
            cells.append(_cell(summary["seconds"].get(phase), 2))
            cells.append(_cell(summary["cpu"].get(phase), 2))
            cells.append(_cell(summary["peak_mb"].get(phase), 0))
            cells.append(_cell(summary["imports_mb"].get(phase), 0))
            print("| " + " | ".join(cells) + " |")
        exponents = ["growth exponent (all sizes)"]
        last_pair = ["growth exponent (two largest)"]
        for key in [*shown, phase]:
            times = [per_size[s]["seconds"].get(key) for s in sizes]
            exponents.append(_cell(growth_exponent(sizes, times), 2))
            last_pair.append(_cell(growth_exponent(sizes[-2:], times[-2:]), 2)
                             if len(sizes) >= 2 else "n/a")
        cpu = [per_size[s]["cpu"].get(phase) for s in sizes]
        exponents.append(_cell(growth_exponent(sizes, cpu), 2))
        last_pair.append(_cell(growth_exponent(sizes[-2:], cpu[-2:]), 2)
                         if len(sizes) >= 2 else "n/a")
        print("| " + " | ".join(exponents + ["", ""]) + " |")
        print("| " + " | ".join(last_pair + ["", ""]) + " |")
        print()
    if set(PHASES["analysis"]) <= set(stages) and sizes:
        largest = per_size[sizes[-1]]
        seconds = largest["seconds"].get("analysis")
        peak = largest["peak_mb"].get("analysis")
        if seconds is not None and peak is not None:
            met = seconds <= TARGET_SECONDS and peak <= TARGET_MB
            print(f"Target at the largest size ({sizes[-1]:,} cases): at most {TARGET_SECONDS} s "
                  f"and {TARGET_MB:,} MB for the analysis without figures: {seconds:.1f} s, "
                  f"{peak:,.0f} MB, {'met' if met else 'NOT met'}.")
    generate = [per_size[s]["seconds"].get("generate") for s in sizes]
    if all(g is not None for g in generate):
        print("Not in the totals: generating the cohort and writing its CSV files, "
              + ", ".join(f"{s:,} cases {g:.1f} s" for s, g in zip(sizes, generate, strict=True))
              + ".")


if __name__ == "__main__":
    sys.exit(main())
