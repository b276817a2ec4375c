"""Design weights for the in-depth sample: shares over all HSB groups, weighted back to the
service's children.

The in-depth sample is a stratified sample of the prevalence cohort: each HSB group (stratum)
is sampled at its own fraction (in the shipped cohort about 74% of TA-HSB-only, 49% of dual and
17% of offline-only children). A share pooled over the sample without weights therefore
describes the sample, not the children the service assessed. The stratified estimator weights
each group's share by the group's share of the prevalence cohort (equivalently, each child by
the inverse of its group's sampling fraction):

    p_w = sum_g W_g p_g,    W_g = N_g / N,    p_g = y_g / n_g

with N_g the group's children in the prevalence cohort and n_g its in-depth children with a
known value. Its design-based variance, for sampling without replacement within each group
(Cochran 1977, eq. 5.7 with the unbiased within-group variance s_g^2 = n_g p_g (1 - p_g) /
(n_g - 1)):

    v(p_w) = sum_g W_g^2 (1 - f_g) p_g (1 - p_g) / (n_g - 1),    f_g = n_g / N_g

The interval is Wilson's score interval at the effective sample size n_eff = p_w (1 - p_w) /
v*(p_w) (Kish's design effect; the survey literature's "Wilson with effective sample size"), so
it stays inside [0, 1]. v* is v with each group's share taken as (y_g + 1/2) / (n_g + 1) (the
Jeffreys prior's mean): a group of 25 sampled children with none (or all) having the level
says its share is small, not known exactly, and with the plain v the interval undercovered
rare levels (0.84-0.91 at population shares of 2-11%). Coverage under the shipped cohort's
design is measured by `benchmarks/coverage_design.py` (0.94 or more in every scenario).

References
----------
Cochran, W. G. (1977). Sampling Techniques, 3rd ed. Wiley, ch. 5 (stratified random sampling).
Kish, L. (1965). Survey Sampling. Wiley (design effect, effective sample size).
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. Survey Methodology 24, 193-201.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from tahsb_analysis.analyses.groups import hsb_group
from tahsb_analysis.vocabulary import WEIGHTED_PROPORTION

WEIGHTED_METHOD = (
    "weighted by inverse sampling fraction (stratified by HSB group, each group weighted by its "
    "share of the prevalence cohort): describes the service's children; Wilson {percent} CI "
    "at the effective sample size of the stratified variance, finite-population corrected"
)
UNWEIGHTED_NOTE = (
    "pooled in-depth sample, unweighted: describes the sample, not the service's children"
)
NOT_ESTIMABLE_WARNING = (
    "not estimated: a group of the prevalence cohort has no in-depth child with a known value"
)


@dataclass(frozen=True)
class SamplingDesign:
    """Per HSB group (stratum): children in the prevalence cohort and in the in-depth sample."""

    groups: tuple[str, ...]
    population: np.ndarray  # N_g
    sampled: np.ndarray  # in-depth children of the group (recorded or not)

    @property
    def population_shares(self) -> np.ndarray:
        """W_g = N_g / N over the groups."""
        total = self.population.sum()
        return self.population / total if total else np.full(len(self.groups), np.nan)

    @property
    def sampling_fractions(self) -> np.ndarray:
        """f_g = in-depth children / prevalence-cohort children of the group."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.population > 0, self.sampled / self.population, np.nan)


def sampling_design(cases: pd.DataFrame, groups: tuple[str, ...]) -> SamplingDesign:
    """The design of the in-depth sample, from the cases table (every child assessed)."""
    group = hsb_group(cases).astype("string")
    in_depth = cases["in_depth_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    codes = pd.Index(groups).get_indexer(group.fillna("").to_numpy(dtype=object))
    known = codes >= 0
    population = np.bincount(codes[known], minlength=len(groups))
    sampled = np.bincount(codes[known & in_depth], minlength=len(groups))
    return SamplingDesign(tuple(groups), population.astype(float), sampled.astype(float))


def stratified_share(yes, known, design: SamplingDesign, confidence: float = 0.95) -> dict:
    """The stratified (design-weighted) share over the groups, its variance and Wilson CI.

    Parameters
    ----------
    yes, known : array-like of int, one per group of `design`
        In-depth children of each group with the level, and with a known value (n_g).
    design : SamplingDesign
        Prevalence-cohort and in-depth sizes of each group.

    Returns
    -------
    dict
        estimate; variance (Cochran's v above); interval_variance (v*, the interval's);
        effective_n; ci_low, ci_high. NaN when not estimable: a group with children in the
        prevalence cohort but none in the sample with a known value.
    """
    yes = np.asarray(yes, dtype=float)
    n = np.asarray(known, dtype=float)
    weights = design.population_shares
    present = design.population > 0
    nan = {"estimate": np.nan, "variance": np.nan, "effective_n": np.nan,
           "ci_low": np.nan, "ci_high": np.nan}
    if not present.any() or np.any(present & (n <= 0)):
        return nan
    share = np.where(n > 0, yes / np.where(n > 0, n, 1), 0.0)
    # Fraction of the group's children whose value is in the sample: the FPC of the share.
    fraction = np.where(present, np.minimum(n / np.where(present, design.population, 1), 1), 0)
    estimate = float(np.sum(weights[present] * share[present]))

    def variance_at(group_share: np.ndarray) -> float:
        within = np.where(n > 1, group_share * (1 - group_share) / np.maximum(n - 1, 1), 0.0)
        return float(np.sum((weights**2 * (1 - fraction) * within)[present]))

    variance = variance_at(share)
    interval_variance = variance_at((yes + 0.5) / (n + 1))
    effective_n = _effective_n(estimate, interval_variance, float(n[present].sum()))
    low, high = wilson_interval(estimate, effective_n, confidence)
    return {"estimate": estimate, "variance": variance,
            "interval_variance": interval_variance, "effective_n": effective_n,
            "ci_low": low, "ci_high": high}


def _effective_n(estimate: float, variance: float, sample_size: float) -> float:
    """n_eff = p (1 - p) / v: the sample size of a simple random sample with this variance.

    When the variance is 0 (every group's share 0 or 1, or every group fully sampled) there is
    no design effect to estimate: the sample size itself is used (Korn and Graubard 1998 cap
    the effective size at the actual one in the same spirit)."""
    spread = estimate * (1 - estimate)
    if variance <= 0 or spread <= 0:
        return sample_size
    return spread / variance


def wilson_interval(share: float, size: float, confidence: float = 0.95,
                    df: float | None = None) -> tuple[float, float]:
    """Wilson's score interval for a share observed on `size` (possibly fractional) trials;
    with `df`, Student's t quantile on df degrees of freedom replaces the normal one."""
    if not size > 0 or np.isnan(share):
        return np.nan, np.nan
    level = 0.5 + confidence / 2
    z = stats.norm.ppf(level) if df is None else stats.t.ppf(level, df)
    centre = (share + z * z / (2 * size)) / (1 + z * z / size)
    half = z / (1 + z * z / size) * np.sqrt(share * (1 - share) / size + z * z / (4 * size**2))
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def weighted_share_rows(table: pd.DataFrame, design: SamplingDesign, *, total: str,
                        confidence: float = 0.95) -> list[dict]:
    """A weighted row beside every unweighted share of the whole population in a comparison.

    `table` has the comparison's proportion rows per group (`design.groups`) and for `total`
    (all groups together). For each (variable, level) with a row for `total`, the weighted
    share of the groups' rows; n and denominator are the children with a known value (the
    unweighted row's denominator), since a weighted share counts no children of its own. The
    gate treats the row as derived from every group's counts of its variable.
    """
    shares = table[table["statistic"].eq("proportion").fillna(False)]
    percent = f"{confidence * 100:g}%"
    rows = []
    for _, row in shares[shares["group"].eq(total).fillna(False)].iterrows():
        same = (shares["variable"].eq(row["variable"]).fillna(False)
                & shares["level"].eq(row["level"]).fillna(False))
        by_group = shares[same].set_index(shares.loc[same, "group"].astype(str))
        if not all(g in by_group.index for g in design.groups):
            continue
        yes = [int(by_group.at[g, "n"]) for g in design.groups]
        known = [int(by_group.at[g, "denominator"]) for g in design.groups]
        result = stratified_share(yes, known, design, confidence)
        estimable = not np.isnan(result["estimate"])
        rows.append({
            **{c: row.get(c) for c in ("variable", "level", "group_variable", "group", "finding")},
            "statistic": WEIGHTED_PROPORTION,
            "estimate": result["estimate"],
            "ci_low": result["ci_low"],
            "ci_high": result["ci_high"],
            "n": int(sum(known)),
            "denominator": int(sum(known)),
            "unit": row["unit"],
            "method": WEIGHTED_METHOD.format(percent=percent),
            "warning": None if estimable else NOT_ESTIMABLE_WARNING,
        })
    return rows


def name_unweighted(table: pd.DataFrame, total: str) -> pd.DataFrame:
    """The unweighted shares of `total` (the pooled in-depth sample) say what they describe."""
    table = table.copy()
    pooled = (table["group"].eq(total) & table["statistic"].eq("proportion")).fillna(False)
    table.loc[pooled, "method"] = table.loc[pooled, "method"] + "; " + UNWEIGHTED_NOTE
    return table
