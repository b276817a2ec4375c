"""Calibration of the replication register's verdicts (issue #15): how often a cohort with no
effect gets `supported`, and how often a cohort with the synthetic generator's effects does.

Not a test: a simulation, run by hand and quoted in the README.

    PYTHONPATH=src python benchmarks/calibrate_register.py --cohorts 1000 --workers 2

Null cohorts (the shipped synthetic cohort, data/synthetic/, edited per cohort):

* the case-file rows of the in-depth boys are shuffled among them (their case ids permuted),
  so the HSB groups carry no information about backgrounds, characteristics or professional
  responses: C1-C6 and S1-S3 have no effect (age at referral stays with the child, so the
  age-adjusted models of S1-S3 still adjust for it);
* then every recorded (yes/no) `porn_trigger_offline` is redrawn as yes with probability 1/2:
  L1's share sits exactly on its threshold.
The other directional claims (R4, L3, the direction parts of R5 and L2) read the cases and
behaviours tables, which are not edited: they are not null here and are printed apart. They
stay in the Holm family, as they would in a real cohort.

Only the analyses whose inputs change are re-run per cohort (characteristics, links,
responses); the rows of prevalence and ta_hsb_range are the shipped cohort's, computed once.

Power cohorts: `generate_cohort(parameters, seed)` at the calibrated size (275 children, as
shipped), a fresh seed per cohort: the effects the synthetic parameters build in (the ones the
shipped cohort shows), the sampling error of a new cohort of the same size.

Every cohort's random numbers come from `numpy.random.SeedSequence(seed).spawn`, so the output
depends on --seed and --cohorts only, not on --workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohorts import REPO, shipped_cohort, write_tables  # noqa: E402

from tahsb_analysis.analyses.run import ANALYSES, analysis_settings, run_analysis  # noqa: E402
from tahsb_analysis.compare.register import load_register  # noqa: E402
from tahsb_analysis.compare.replication import evaluate_register  # noqa: E402
from tahsb_analysis.compare.verdicts import SUPPORTED  # noqa: E402
from tahsb_analysis.input.validation import validate_cohort  # noqa: E402
from tahsb_analysis.results.schema import concat_results  # noqa: E402

SEED = 20261130
NULL_ANALYSES = ("characteristics", "links", "responses")
NULL_CLAIMS = ("C2", "C3", "C4", "C5", "C6", "S1", "S2", "S3", "L1")
NOMINAL = 0.05
RECORDED = ("yes", "no")
# Case-file columns validation ties to the child's own cases and behaviours rows (age at first
# HSB: no later than the first behaviour, below age at referral + 1; the trigger: not
# applicable without offline HSB); they stay with the child, so C1 is not null here.
TIED_TO_THE_CHILD = ("case_id", "age_first_hsb", "porn_trigger_offline")
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))


def _analyse(tables: dict[str, pd.DataFrame], names) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        cohort = validate_cohort(write_tables(tables, Path(folder)))
    return concat_results([run_analysis(name, cohort, analysis_settings(name, CONFIG))
                           for name in names])


def null_tables(rng: np.random.Generator, shipped=None) -> dict[str, pd.DataFrame]:
    """The shipped cohort with the in-depth boys' case-file rows shuffled among them and the
    recorded pornography triggers redrawn at 1/2."""
    tables = {k: v.copy() for k, v in (shipped or shipped_cohort()).items()}
    cases, case_file = tables["cases"], tables["case_file"]
    boys = set(cases.loc[(cases["in_depth_sample"] == "yes") & (cases["sex"] == "male"),
                         "case_id"])
    rows = case_file.index[case_file["case_id"].isin(boys)]
    shuffled = [c for c in case_file.columns if c not in TIED_TO_THE_CHILD]
    order = rng.permutation(rows.to_numpy())
    case_file.loc[rows, shuffled] = case_file.loc[order, shuffled].to_numpy()
    recorded = case_file.index[case_file["porn_trigger_offline"].isin(RECORDED)]
    draws = rng.random(len(recorded)) < 0.5
    case_file.loc[recorded, "porn_trigger_offline"] = np.where(draws, "yes", "no")
    tables["case_file"] = case_file
    return tables


def _verdicts(results: pd.DataFrame, register) -> dict[str, str]:
    frame = evaluate_register(results, register)
    overall = frame[frame["part"] == 0]
    return dict(zip(overall["finding"], overall["verdict"], strict=True))


_STATE: dict = {}


def _init(kind: str) -> None:
    _STATE["register"] = load_register()
    if kind == "null":
        _STATE["shipped"] = shipped_cohort()
        fixed = _analyse(_STATE["shipped"], [a for a in ANALYSES if a not in NULL_ANALYSES])
        _STATE["fixed"] = fixed


def _null_cohort(seed: np.random.SeedSequence) -> dict[str, str]:
    tables = null_tables(np.random.default_rng(seed), _STATE["shipped"])
    results = concat_results([_STATE["fixed"], _analyse(tables, NULL_ANALYSES)])
    return _verdicts(results, _STATE["register"])


def _power_cohort(seed: np.random.SeedSequence) -> dict[str, str]:
    from tahsb_analysis.synthetic.generator import generate_cohort
    from tahsb_analysis.synthetic.parameters import load_parameters

    tables = generate_cohort(load_parameters(), int(seed.generate_state(1)[0]))
    return _verdicts(_analyse(tables, ANALYSES), _STATE["register"])


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
          f"{null_time:.2f} s per cohort wall clock)")
    rates = supported_rates(null, NULL_CLAIMS)
    print(_table(rates, "`supported`", flag_nominal=True))
    any_c = (null[list(NULL_CLAIMS[:5])] == SUPPORTED).any(axis=1)
    any_null = (null[list(NULL_CLAIMS)] == SUPPORTED).any(axis=1)
    print(f"\nAt least one of C2-C6 `supported`: {_percent(any_c.mean())}; at least one of the "
          f"{len(NULL_CLAIMS)} null claims: {_percent(any_null.mean())} (Holm controls the "
          "family-wise rate at 5% only with the register's other tests in the family too).")
    not_null = [c for c in directional if c not in NULL_CLAIMS]
    kept = supported_rates(null, not_null)
    print("Not null in these cohorts (tables not edited): "
          + ", ".join(f"{r.claim} {_percent(r.rate)}" for r in kept.itertuples()))

    if power_cohorts:
        power, power_time = simulate("power", power_cohorts, args.workers, args.seed)
        print(f"\nPower cohorts: {power_cohorts} generated at 275 children (seed {args.seed}, "
              f"{power_time:.2f} s per cohort wall clock)")
        print(_table(supported_rates(power, directional), "`supported`", flag_nominal=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
