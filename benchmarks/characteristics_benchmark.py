"""Time `group_comparison.compare_groups` against tableone on the same synthetic frames.

Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/characteristics_benchmark.py [--sizes 10000 100000 1000000] [--seed 1]

For each size, each tool runs in a fresh Python subprocess, so the peak resident memory read
from ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` belongs to that run alone. Both build the
same frame from the same seed: a group column (ta_only / dual / offline_only in about 7/52/41
proportions), six yes/no and two three-level variables, one age in years to one decimal, each
with a few per cent missing. Only the call being compared is timed (not building the frame).

The script also checks that the overall p-values agree where both tools ran the same test:
Pearson's chi-squared test on a 3 x k table (tableone's "Chi-squared"; SciPy's continuity
correction, on by default in tableone, applies only to 1-df tables, so neither side corrects
a 3-group table) and the Kruskal-Wallis test (tableone's "Kruskal-Wallis" for a variable
listed as nonnormal). SciPy's Kruskal-Wallis H sums over the groups in the order given, and
tableone passes them sorted by name, so the last digits of H (and p) can differ by rounding
(about 1e-11 at 100,000 rows); the tolerance is 1e-10. Tests that differ are listed, not
compared: tableone's Fisher's exact test or its flagged "Chi-squared (warning: expected count
< 5)" against our exact tests.

tableone runs with ``include_null=False``. Its default (True) turns a missing value of a
categorical variable into a level "None" that enters the chi-squared test, whereas
compare_groups tests the children with a known value and counts the others in missing rows;
with the default, p-values differ for every variable with missing values (by up to 0.5 in our
runs), although both tools compute the same chi-squared statistic on their own tables.
Adjusted p-values are not compared either: ours adjust the overall and pairwise tests as one
family, tableone only its overall tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

GROUPS = ("ta_only", "dual", "offline_only")
GROUP_SHARES = (0.07, 0.52, 0.41)
# Yes/no variables: the share with "yes" in each group. Half differ between the groups (as in
# findings C4-C6), half do not, so that some p-values are moderate and the comparison of
# p-values is not only a comparison of numbers that underflow to zero.
BOOLEAN_SHARES = {
    "learning_disability": (0.38, 0.38, 0.38),
    "looked_after": (0.30, 0.30, 0.30),
    "mental_health_difficulties": (0.36, 0.38, 0.37),
    "unresolved_trauma": (0.25, 0.50, 0.55),
    "impulsivity": (0.40, 0.40, 0.40),
    "aggression_towards_others": (0.30, 0.45, 0.42),
}
CATEGORICAL_SHARES = {
    "family_stability": (
        ("stable", "some_instability", "unstable"),
        ((0.50, 0.30, 0.20), (0.30, 0.35, 0.35), (0.31, 0.35, 0.34)),
    ),
    "parent_relationship": (
        ("good", "mixed", "poor"),
        ((0.34, 0.33, 0.33), (0.33, 0.34, 0.33), (0.33, 0.33, 0.34)),
    ),
}
AGE = "age_first_hsb"
AGE_MEANS = (10.65, 10.6, 10.6)  # years, SD 2.5, tenths, 3-18; small shift: p not 0 at 1e6
MISSING_SHARE = 0.03
TOLERANCE = 1e-10
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
INSTALL_HINT = 'pip install -e ".[bench]"   (or: pip install "tableone>=0.9")'
# Our statistic and tableone's test name for the same test.
SAME_TEST = {"chi2": "Chi-squared", "kruskal_wallis": "Kruskal-Wallis", "anova": "One-way ANOVA"}


def variables() -> tuple[list[str], list[str]]:
    """(every variable, the categorical ones as tableone needs them listed)."""
    categorical = list(BOOLEAN_SHARES) + list(CATEGORICAL_SHARES)
    return [*categorical, AGE], categorical


def synthetic_frame(size: int, seed: int) -> pd.DataFrame:
    """`size` children: group, 8 yes/no or categorical variables and one age; ~3% missing.

    Yes/no variables are pandas "boolean" and categorical ones Categorical (compare_groups'
    contract); the same frame goes to tableone.
    """
    rng = np.random.default_rng(seed)
    group_codes = rng.choice(len(GROUPS), size=size, p=GROUP_SHARES)
    frame = pd.DataFrame(
        {"hsb_group": pd.Categorical.from_codes(group_codes, categories=list(GROUPS))}
    )
    for name, shares in BOOLEAN_SHARES.items():
        yes = rng.random(size) < np.asarray(shares)[group_codes]
        values = pd.array(yes, dtype="boolean")
        values[rng.random(size) < MISSING_SHARE] = pd.NA
        frame[name] = values
    for name, (levels, shares) in CATEGORICAL_SHARES.items():
        cumulative = np.cumsum(np.asarray(shares), axis=1)[group_codes]
        codes = (rng.random(size)[:, None] > cumulative).sum(axis=1)
        codes = np.minimum(codes, len(levels) - 1)
        codes[rng.random(size) < MISSING_SHARE] = -1
        frame[name] = pd.Categorical.from_codes(codes, categories=list(levels))
    ages = rng.normal(np.asarray(AGE_MEANS)[group_codes], 2.5).clip(3, 18).round(1)
    ages[rng.random(size) < MISSING_SHARE] = np.nan
    frame[AGE] = ages
    return frame


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB (10^6 bytes); Linux reports KiB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes
    return kib * scale / 1e6


# --- one run, in its own process -------------------------------------------------------------


def run_ours(frame: pd.DataFrame) -> tuple[float, dict]:
    from tahsb_analysis.analyses.group_comparison import compare_groups

    names, _ = variables()
    start = time.perf_counter()
    rows = compare_groups(frame, "hsb_group", names, continuous=[AGE])
    seconds = time.perf_counter() - start
    overall = rows[rows["group"].isna().to_numpy(dtype=bool)
                   & rows["p_value"].notna().to_numpy(dtype=bool)]
    tests = {
        str(r["variable"]): {"test": str(r["statistic"]), "method": str(r["method"]),
                             "p": float(r["p_value"])}
        for _, r in overall.iterrows()
    }
    return seconds, tests


def run_tableone(frame: pd.DataFrame) -> tuple[float, dict]:
    import warnings

    from tableone import TableOne

    names, categorical = variables()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tableone's advice on wide tables, not our concern
        table = TableOne(frame, columns=names, categorical=categorical, continuous=[AGE],
                         nonnormal=[AGE], groupby="hsb_group", pval=True, htest_name=True,
                         missing=True, include_null=False)
    seconds = time.perf_counter() - start
    tests = {
        str(variable): {"test": str(row["Test"]), "method": str(row["Test"]),
                        "p": float(row["P-Value"])}
        for variable, row in table.htest_table.iterrows()
    }
    return seconds, tests


def worker(tool: str, size: int, seed: int, out: Path) -> None:
    """Build the frame, run one tool once, write seconds, memory and p-values as JSON."""
    frame = synthetic_frame(size, seed)
    if tool == "ours":
        import tahsb_analysis.analyses.group_comparison  # noqa: F401  (imports not timed)
    else:
        import tableone  # noqa: F401
    data_mb = peak_mb()
    seconds, tests = (run_ours if tool == "ours" else run_tableone)(frame)
    out.write_text(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "data_mb": data_mb,
                               "tests": tests}), encoding="utf-8")


# --- the driver ------------------------------------------------------------------------------


def run_in_subprocess(tool: str, size: int, seed: int, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, __file__, "--worker", tool, "--sizes", str(size),
                   "--seed", str(seed), "--out", str(out)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:g} s"}
        if done.returncode != 0 or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": f"exit code {done.returncode}: {last}"}
        return json.loads(out.read_text(encoding="utf-8"))


def compare_p_values(ours: dict, theirs: dict) -> tuple[list[str], list[str], float]:
    """(compared "variable: test", not compared with reason, max |difference|)."""
    compared, skipped, worst = [], [], 0.0
    for variable, mine in ours.items():
        other = theirs.get(variable)
        if other is None:
            skipped.append(f"{variable}: no tableone p-value")
            continue
        if SAME_TEST.get(mine["test"]) != other["test"]:
            skipped.append(f"{variable}: ours {mine['method']}, tableone {other['test']}")
            continue
        if mine["test"] == "chi2" and "(1 df)" in mine["method"]:
            skipped.append(f"{variable}: 1-df table, tableone applies Yates' correction")
            continue
        difference = abs(mine["p"] - other["p"])
        worst = max(worst, difference)
        compared.append(f"{variable}: {mine['method']}, p = {mine['p']:.3g}, |difference| = "
                        f"{difference:.2g}")
    return compared, skipped, worst


def _cell(value: float | None, digits: int) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of children (rows) to benchmark")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic frames")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds allowed for one run before it is abandoned")
    parser.add_argument("--worker", choices=("ours", "tableone"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.sizes[0], args.seed, args.out)
        return 0

    have_tableone = importlib.util.find_spec("tableone") is not None
    if not have_tableone:
        print(f"tableone is not installed; timing compare_groups only. Install it with:\n"
              f"    {INSTALL_HINT}\n")
    tools = ("ours", "tableone") if have_tableone else ("ours",)
    names, _ = variables()
    print(f"compare_groups vs tableone: {len(names)} variables x {len(GROUPS)} groups, "
          f"seed {args.seed}, {date.today().isoformat()}, Python "
          f"{sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}"
          + (f", tableone {_tableone_version()}" if have_tableone else ""))
    print()
    columns = ["rows", "ours s", "ours peak MB", "tableone s", "tableone peak MB",
               "speed ratio (tableone / ours)", "ours before the call, peak MB"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---:|" * len(columns))
    outcomes = {}
    for size in args.sizes:
        runs = {tool: run_in_subprocess(tool, size, args.seed, args.timeout) for tool in tools}
        outcomes[size] = runs
        ours, theirs = runs["ours"], runs.get("tableone", {"error": "not installed"})
        ratio = (theirs["seconds"] / ours["seconds"]
                 if "seconds" in ours and "seconds" in theirs and ours["seconds"] > 0 else None)
        print(f"| {size:,} | {_cell(ours.get('seconds'), 2)} | "
              f"{_cell(ours.get('peak_mb'), 0)} | {_cell(theirs.get('seconds'), 2)} | "
              f"{_cell(theirs.get('peak_mb'), 0)} | {_cell(ratio, 2)} | "
              f"{_cell(ours.get('data_mb'), 0)} |", flush=True)
    print()
    failed = False
    for size, runs in outcomes.items():
        for tool, run in runs.items():
            if "error" in run:
                print(f"{size:,} rows, {tool}: {run['error']}")
                failed = True
        if not have_tableone or "error" in runs["ours"] or "error" in runs["tableone"]:
            continue
        compared, skipped, worst = compare_p_values(runs["ours"]["tests"],
                                                    runs["tableone"]["tests"])
        agree = worst <= TOLERANCE
        failed |= not agree
        print(f"{size:,} rows: {len(compared)} overall p-values compared, max |difference| = "
              f"{worst:.3g} ({'within' if agree else 'NOT within'} {TOLERANCE:g})")
        for line in compared:
            print(f"    compared  {line}")
        for line in skipped:
            print(f"    not compared  {line}")
    return 1 if failed else 0


def _tableone_version() -> str:
    from importlib.metadata import version

    return version("tableone")


if __name__ == "__main__":
    sys.exit(main())
