"""Calibration of the replication register's verdicts (issue #15): how often a cohort with no
effect gets `supported`, and how often a cohort like the shipped one does (power).

Not a test: a simulation, run by hand and quoted in the README.

    PYTHONPATH=src python benchmarks/calibrate_register.py --cohorts 1000 --workers 2

The shipped synthetic cohort (data/synthetic/) is validated once; every simulated cohort is an
edit of that validated cohort (`input.cohort.Cohort`), analysed with the package's analyses
and evaluated with `evaluate_register`, exactly as the workflow does.

Null cohorts, every directional claim of the register without an effect at once:

* the case-file rows of the in-depth boys are shuffled among them (their case ids permuted),
  age at first HSB included, so the HSB groups carry no information about age at first HSB,
  backgrounds, characteristics or professional responses: C1-C6 and S1-S3 have no effect (age
  at referral stays with the child, in the cases table, so the age-adjusted models of S1-S3
  still adjust for it). Done after validation: validation ties age at first HSB to the
  child's own behaviours, which a permutation ignores, and the analyses do not need the tie;
* every recorded pornography trigger is redrawn as yes with probability 1/2: L1's share sits
  on its threshold;
* the claims read from the behaviours and the prevalence tables (R4, L3, and the direction
  parts of R5 and L2) are nulled in their results rows: a share against 50% (R4, L3) is
  redrawn as Binomial(denominator, 1/2); two groups' shares (R5) as Binomial(denominator,
  pooled share) each; two levels of one population (L2's order) as Binomial(both, 1/2). The
  analyses behind those rows are not re-run (their tables are not edited): these nulls test
  the verdict (test, direction, Holm) at the shipped sizes, not the analysis.

Power cohorts: a bootstrap of the shipped cohort: its children drawn with replacement (every
row of a child with it, ids made unique), separately inside and outside the in-depth sample,
so each cohort has the shipped cohort's size and in-depth size, the shipped cohort's effects
and the sampling error of a new cohort of that size. (The synthetic generator cannot serve:
it hits its counts exactly, so its cohorts differ only in who is who.)

Every cohort's random numbers come from `numpy.random.SeedSequence(seed).spawn`, so the output
depends on --seed and the cohort counts only, not on --workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohorts import REPO, shipped_cohort, write_tables  # noqa: E402

from tahsb_analysis.analyses.run import ANALYSES, run_analyses  # noqa: E402
from tahsb_analysis.compare.register import SELECT_KEYS, load_register  # noqa: E402
from tahsb_analysis.compare.replication import evaluate_register  # noqa: E402
from tahsb_analysis.compare.verdicts import SUPPORTED  # noqa: E402
from tahsb_analysis.input.cohort import Cohort  # noqa: E402
from tahsb_analysis.input.validation import validate_cohort  # noqa: E402
from tahsb_analysis.results.multiplicity import adjust_families  # noqa: E402
from tahsb_analysis.results.schema import concat_results  # noqa: E402

SEED = 20261130
NULL_ANALYSES = ("characteristics", "links", "responses")
NOMINAL = 0.05
# Case-file columns that stay with the child when the rows are shuffled: the trigger is
# "not applicable" without offline HSB, so it stays and is redrawn instead.
STAYS_WITH_THE_CHILD = ("case_id", "porn_trigger_offline", "porn_trigger_offline__missing")
# Directional claims nulled in their results rows (their tables are not edited).
ROW_NULLS = ("R4", "L3", "R5", "L2")
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))


def validated_shipped() -> Cohort:
    with tempfile.TemporaryDirectory() as folder:
        return validate_cohort(write_tables(shipped_cohort(), Path(folder)))


def _analyse(cohort: Cohort, names) -> pd.DataFrame:
    return run_analyses(cohort, CONFIG, names)


def null_cohort(base: Cohort, rng: np.random.Generator) -> Cohort:
    """The validated cohort with the in-depth boys' case-file rows shuffled among them and
    the recorded pornography triggers redrawn at 1/2."""
    cases, case_file = base.cases, base.case_file.copy()
    boys = set(cases.loc[cases["in_depth_sample"].fillna(False).to_numpy(dtype=bool)
                         & cases["sex"].eq("male").fillna(False).to_numpy(dtype=bool),
                         "case_id"])
    rows = case_file.index[case_file["case_id"].isin(boys)].to_numpy()
    shuffled = [c for c in case_file.columns if c not in STAYS_WITH_THE_CHILD]
    order = rng.permutation(rows)
    for column in shuffled:
        values = case_file[column].to_numpy(copy=True)
        positions = case_file.index.get_indexer(rows)
        values[positions] = case_file[column].to_numpy()[case_file.index.get_indexer(order)]
        case_file[column] = pd.array(values, dtype=case_file[column].dtype)
    recorded = case_file.index[case_file["porn_trigger_offline"].notna().to_numpy(dtype=bool)]
    case_file.loc[recorded, "porn_trigger_offline"] = rng.random(len(recorded)) < 0.5
    return replace(base, case_file=case_file)


def bootstrap_cohort(base: Cohort, rng: np.random.Generator) -> Cohort:
    """The children drawn with replacement, inside and outside the in-depth sample apart,
    every row of a child with it; the k-th draw of a child gets id "<id>~k"."""
    cases = base.cases
    in_depth = cases["in_depth_sample"].fillna(False).to_numpy(dtype=bool)
    drawn = np.concatenate([rng.choice(np.flatnonzero(stratum), stratum.sum(), replace=True)
                            for stratum in (in_depth, ~in_depth)])
    ids = cases["case_id"].to_numpy(dtype=object)[drawn]
    new_ids = [f"{case_id}~{k}" for k, case_id in enumerate(ids)]
    tables = {}
    for name in ("cases", "case_file", "behaviours"):
        table = base.table(name)
        by_id = table.groupby("case_id", sort=False).indices
        pieces, labels = [], []
        for case_id, new_id in zip(ids, new_ids, strict=True):
            found = by_id.get(case_id)
            if found is not None:
                pieces.append(found)
                labels += [new_id] * len(found)
        taken = table.iloc[np.concatenate(pieces)].reset_index(drop=True)
        taken["case_id"] = pd.array(labels, dtype=table["case_id"].dtype)
        tables[name] = taken
    return replace(base, **tables)


def _row_position(results: pd.DataFrame, select: dict) -> int:
    mask = np.ones(len(results), dtype=bool)
    for key in SELECT_KEYS:
        value = select.get(key)
        column = results[key]
        mask &= (column.isna() if value is None else column.eq(str(value)).fillna(False)
                 ).to_numpy(dtype=bool)
    (position,) = np.flatnonzero(mask)
    return int(position)


def _set_count(results: pd.DataFrame, position: int, n: int) -> None:
    results.loc[results.index[position], "n"] = n
    denominator = int(results["denominator"].iloc[position])
    results.loc[results.index[position], "estimate"] = n / denominator


def null_rows(results: pd.DataFrame, register: dict, rng: np.random.Generator) -> pd.DataFrame:
    """The results with the rows of R4, L3, R5's and L2's directional checks redrawn under
    their null (see the module docstring)."""
    results = results.copy()
    for claim in register["claims"]:
        if claim["id"] not in ROW_NULLS:
            continue
        for check in claim["checks"]:
            if check["rule"] == "share_above":
                at = _row_position(results, check["select"])
                d = int(results["denominator"].iloc[at])
                _set_count(results, at, int(rng.binomial(d, check["threshold"])))
            elif check["rule"] == "direction":
                (key, (value,)), = check["compared_with"].items()
                at = _row_position(results, check["select"])
                other = _row_position(results, {**check["select"], key: value})
                n = [int(results["n"].iloc[i]) for i in (at, other)]
                d = [int(results["denominator"].iloc[i]) for i in (at, other)]
                if key == "level":  # two levels of one population: split their children
                    first = int(rng.binomial(sum(n), 0.5))
                    _set_count(results, at, first)
                    _set_count(results, other, sum(n) - first)
                else:
                    pooled = sum(n) / sum(d)
                    for i, size in zip((at, other), d, strict=True):
                        _set_count(results, i, int(rng.binomial(size, pooled)))
    return results


def _verdicts(results: pd.DataFrame, register) -> dict[str, str]:
    frame = evaluate_register(results, register)
    overall = frame[frame["part"] == 0]
    return dict(zip(overall["finding"], overall["verdict"], strict=True))


_STATE: dict = {}


def _init(kind: str) -> None:
    _STATE["register"] = load_register()
    _STATE["base"] = validated_shipped()
    if kind == "null":
        fixed = [a for a in ANALYSES if a not in NULL_ANALYSES]
        _STATE["fixed"] = _analyse(_STATE["base"], fixed)


def _null_cohort(seed: np.random.SeedSequence) -> dict[str, str]:
    rng = np.random.default_rng(seed)
    cohort = null_cohort(_STATE["base"], rng)
    results = adjust_families(concat_results([_STATE["fixed"], _analyse(cohort, NULL_ANALYSES)]),
                              CONFIG["p_adjust"])
    return _verdicts(null_rows(results, _STATE["register"], rng), _STATE["register"])


def _power_cohort(seed: np.random.SeedSequence) -> dict[str, str]:
    cohort = bootstrap_cohort(_STATE["base"], np.random.default_rng(seed))
    return _verdicts(_analyse(cohort, ANALYSES), _STATE["register"])


def simulate(kind: str, cohorts: int, workers: int, seed: int) -> tuple[pd.DataFrame, float]:
    """One row per cohort, one column per claim (its overall verdict); seconds per cohort
    (wall clock over all workers)."""
    seeds = np.random.SeedSequence([seed, 0 if kind == "null" else 1]).spawn(cohorts)
    work = _null_cohort if kind == "null" else _power_cohort
    start = time.perf_counter()
    if workers > 1:
        with Pool(workers, initializer=_init, initargs=(kind,)) as pool:
            verdicts = pool.map(work, seeds, chunksize=max(1, cohorts // (4 * workers)))
    else:
        _init(kind)
        verdicts = [work(s) for s in seeds]
    return pd.DataFrame(verdicts), (time.perf_counter() - start) / cohorts


def supported_rates(verdicts: pd.DataFrame, claims) -> pd.DataFrame:
    """Per claim: cohorts, cohorts `supported`, the rate and its Clopper-Pearson 95% CI
    (statsmodels proportion_confint, method "beta")."""
    rows = []
    for claim in claims:
        k, n = int((verdicts[claim] == SUPPORTED).sum()), len(verdicts)
        low, high = proportion_confint(k, n, alpha=0.05, method="beta")
        rows.append({"claim": claim, "cohorts": n, "supported": k, "rate": k / n,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _table(rates: pd.DataFrame, verdict_label: str, flag_nominal: bool) -> str:
    lines = [f"| claim | {verdict_label} | rate | 95% CI (Clopper-Pearson) |"
             + (" at most 5%? |" if flag_nominal else ""),
             "|---|---|---|---|" + ("---|" if flag_nominal else "")]
    for row in rates.itertuples():
        ok = ("yes" if row.rate <= NOMINAL else
              "within simulation error" if row.ci_low <= NOMINAL else "NO")
        lines.append(f"| {row.claim} | {row.supported}/{row.cohorts} | {_percent(row.rate)} | "
                     f"{_percent(row.ci_low)} to {_percent(row.ci_high)} |"
                     + (f" {ok} |" if flag_nominal else ""))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=1000, help="null cohorts (default 1000)")
    parser.add_argument("--power-cohorts", type=int, default=None,
                        help="power cohorts (default: as many as --cohorts)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    power_cohorts = args.cohorts if args.power_cohorts is None else args.power_cohorts
    register = load_register()
    directional = [c["id"] for c in register["claims"]
                   if any(check["rule"] in ("direction", "share_above")
                          for check in c["checks"])]

    null, null_time = simulate("null", args.cohorts, args.workers, args.seed)
    print(f"Null cohorts: {args.cohorts} (seed {args.seed}, {args.workers} worker(s), "
          f"{null_time:.2f} s per cohort wall clock); every directional claim without effect")
    print(_table(supported_rates(null, directional), "`supported`", flag_nominal=True))
    any_null = (null[directional] == SUPPORTED).any(axis=1)
    k = int(any_null.sum())
    low, high = proportion_confint(k, len(null), alpha=0.05, method="beta")
    print(f"\nAt least one of the {len(directional)} directional claims `supported` (the "
          f"family-wise rate Holm controls at 5%): {k}/{len(null)}, {_percent(k / len(null))} "
          f"({_percent(low)} to {_percent(high)})")
    worst = {c: null[c].value_counts().to_dict() for c in directional}
    print("Verdicts per claim: " + "; ".join(
        f"{c}: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
        for c, counts in worst.items()))

    if power_cohorts:
        power, power_time = simulate("power", power_cohorts, args.workers, args.seed)
        print(f"\nPower cohorts: {power_cohorts} bootstrap cohorts of the shipped cohort "
              f"(seed {args.seed}, {power_time:.2f} s per cohort wall clock)")
        print(_table(supported_rates(power, directional), "`supported`", flag_nominal=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
