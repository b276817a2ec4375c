"""Coverage of the design-weighted and cluster-robust intervals (issue #16, items 3 and 4).

Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/coverage_design.py [--simulations 1000] [--seed 1]

`cluster_coverage` simulates the behaviour-level R4 share at the shipped cohort's sizes (66
children with online behaviours: 21 with one, 35 with two, 10 with three, 121 behaviours) with
a within-child correlation of 0, 0.25 and 0.5 (beta-binomial: each child's probability drawn
from a beta distribution whose intraclass correlation is the one named), and reports how often
the cluster-robust interval (the default of `analyses/clustered.py`) and the naive Wilson
interval (behaviours as independent) cover the true share, with the mean estimated
within-child correlation.

`weighted_coverage` simulates the in-depth sample as the shipped cohort draws it: a finite
prevalence cohort of 19 TA-HSB-only, 107 dual and 149 offline-only children, of whom 14, 52 and
25 are sampled without replacement (fractions 0.74, 0.49, 0.17). For several population shares
per group it reports how often the design-weighted interval (`analyses/design_weights.py`), a
plain Wald interval on the same variance, and the unweighted pooled Wilson interval cover the
population's share (sum over groups of the group's share of the cohort times the share within
the group).

Importing this module runs nothing; the lead's `benchmarks/coverage.py` calls the two
functions.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from tahsb_analysis.analyses.clustered import cluster_robust_share
from tahsb_analysis.analyses.design_weights import SamplingDesign, stratified_share
from tahsb_analysis.analyses.inference import proportion_ci

CONFIDENCE = 0.95
# The shipped cohort (data/synthetic): children with online behaviours by how many they have.
BEHAVIOURS_PER_CHILD = {1: 21, 2: 35, 3: 10}
CORRELATIONS = (0.0, 0.25, 0.5)
BEHAVIOUR_SHARES = (0.6, 0.2)  # the shipped share aimed at another (73/119), and a rarer one
# The shipped cohort's prevalence cohort and in-depth sample per HSB group.
GROUPS = ("ta_only", "dual", "offline_only")
POPULATION = np.array([19, 107, 149])
SAMPLED = np.array([14, 52, 25])
# Shares within each group (TA-HSB only, dual, offline only) of the simulated populations.
GROUP_SHARES = (
    (0.5, 0.5, 0.5),
    (0.3, 0.6, 0.4),
    (0.1, 0.2, 0.05),
    (0.9, 0.6, 0.0),  # a type of TA-HSB: no offline-only child has one
    (0.2, 0.1, 0.0),
)


def cluster_coverage(simulations: int, seed: int) -> pd.DataFrame:
    """Coverage of the behaviour-level share's intervals, by within-child correlation.

    One row per (share, correlation, method): coverage, mean width, mean estimated
    within-child correlation, simulations.
    """
    rng = np.random.default_rng(seed)
    sizes = np.repeat(list(BEHAVIOURS_PER_CHILD), list(BEHAVIOURS_PER_CHILD.values()))
    sizes = sizes.astype(float)
    total = int(sizes.sum())
    rows = []
    for share in BEHAVIOUR_SHARES:
        for correlation in CORRELATIONS:
            hits = {"cluster-robust Wilson (default)": [], "naive Wilson": []}
            widths = {name: [] for name in hits}
            estimated = []
            for _ in range(simulations):
                yes = _beta_binomial(rng, sizes, share, correlation)
                result = cluster_robust_share(yes, sizes, CONFIDENCE)
                low, high = proportion_ci([int(yes.sum())], [total], "wilson", CONFIDENCE)
                for name, (lo, hi) in (
                    ("cluster-robust Wilson (default)", (result["ci_low"], result["ci_high"])),
                    ("naive Wilson", (low[0], high[0])),
                ):
                    hits[name].append(lo <= share <= hi)
                    widths[name].append(hi - lo)
                estimated.append(result["correlation"])
            for name in hits:
                rows.append({
                    "share": share,
                    "correlation": correlation,
                    "method": name,
                    "coverage": float(np.mean(hits[name])),
                    "mean_width": float(np.mean(widths[name])),
                    "estimated_correlation": float(np.nanmean(estimated)),
                    "simulations": simulations,
                })
    return pd.DataFrame(rows)


def _beta_binomial(rng, sizes, share, correlation) -> np.ndarray:
    """Behaviours with the level per child: binomial given the child's own probability, drawn
    from a beta distribution with mean `share` and intraclass correlation `correlation`."""
    if correlation <= 0:
        return rng.binomial(sizes.astype(int), share).astype(float)
    concentration = (1 - correlation) / correlation  # alpha + beta; ICC = 1 / (alpha+beta+1)
    child = rng.beta(share * concentration, (1 - share) * concentration, size=len(sizes))
    return rng.binomial(sizes.astype(int), child).astype(float)


def weighted_coverage(simulations: int, seed: int) -> pd.DataFrame:
    """Coverage of the population share by the design-weighted and unweighted intervals.

    One row per (group shares, method): the population share, the mean estimate, coverage,
    mean width, simulations.
    """
    rng = np.random.default_rng(seed)
    design = SamplingDesign(GROUPS, POPULATION.astype(float), SAMPLED.astype(float))
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    rows = []
    for shares in GROUP_SHARES:
        with_level = np.round(np.array(shares) * POPULATION).astype(int)
        truth = float(with_level.sum() / POPULATION.sum())
        hits = {"weighted Wilson, effective n (default)": [], "weighted Wald": [],
                "unweighted pooled Wilson": []}
        widths = {name: [] for name in hits}
        estimates = {name: [] for name in hits}
        for _ in range(simulations):
            yes = rng.hypergeometric(with_level, POPULATION - with_level, SAMPLED)
            result = stratified_share(yes, SAMPLED, design, CONFIDENCE)
            half = z * np.sqrt(result["variance"])
            low, high = proportion_ci([int(yes.sum())], [int(SAMPLED.sum())], "wilson",
                                      CONFIDENCE)
            pooled = yes.sum() / SAMPLED.sum()
            for name, estimate, lo, hi in (
                ("weighted Wilson, effective n (default)", result["estimate"],
                 result["ci_low"], result["ci_high"]),
                ("weighted Wald", result["estimate"], result["estimate"] - half,
                 result["estimate"] + half),
                ("unweighted pooled Wilson", pooled, low[0], high[0]),
            ):
                hits[name].append(lo <= truth <= hi)
                widths[name].append(hi - lo)
                estimates[name].append(estimate)
        for name in hits:
            rows.append({
                "group_shares": "/".join(f"{s:g}" for s in shares),
                "population_share": truth,
                "method": name,
                "mean_estimate": float(np.mean(estimates[name])),
                "coverage": float(np.mean(hits[name])),
                "mean_width": float(np.mean(widths[name])),
                "simulations": simulations,
            })
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A frame as a GitHub markdown table (numbers to 3 decimals), without tabulate."""
    def cell(value) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(frame.columns) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"## Behaviour-level share, children as clusters ({args.simulations} simulations)\n")
    print(markdown(cluster_coverage(args.simulations, args.seed)))
    print(f"\n## Design-weighted share of the in-depth sample ({args.simulations} simulations)\n")
    print(markdown(weighted_coverage(args.simulations, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
