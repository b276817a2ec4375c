"""Shares of behaviours when a child displays several: children as clusters.

The behaviour-level R4 share (behaviours aimed at another person over all behaviours) counts
every behaviour of a child; behaviours of one child are alike, so the binomial (Wilson) interval,
which treats them as independent, is too narrow (coverage 0.91 at a within-child correlation of
0.23, 0.86 at 0.55). Here the share is the same pooled ratio, and its interval comes from the
cluster-robust (sandwich) variance of an intercept-only GEE with children as clusters and an
independence working correlation: the share's variance is

    v = K / (K - 1) * sum_i (y_i - p m_i)^2 / M^2

(y_i behaviours of child i with the level, m_i its behaviours with a known value, M = sum m_i,
K children; K/(K-1) is the usual small-sample factor of a cluster-robust variance). The
interval is Wilson's at the effective sample size p (1 - p) / v with the t quantile on K - 1
degrees of freedom (as for the design-weighted shares, `design_weights.wilson_interval`); its
coverage, 0.94-0.96 at within-child correlations 0 to 0.5 where the naive interval falls to
0.88, is measured by `benchmarks/coverage_design.py`. The within-child correlation is the
exchangeable working correlation of the same GEE, estimated as statsmodels does (Liang and
Zeger's moment estimator, iterated with the mean to convergence), so a reader sees how far
behaviours are from independent.

Everything is a sum per child (one groupby), so it runs on a million behaviours as on 119.

References
----------
Liang, K.-Y. and Zeger, S. L. (1986). Longitudinal data analysis using generalized linear
models. Biometrika 73, 13-22. statsmodels.genmod.generalized_estimating_equations.GEE,
cov_struct.Exchangeable (the moment estimator copied here), cov_type="robust".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.design_weights import wilson_interval
from tahsb_analysis.vocabulary import WITHIN_CHILD_CORRELATION

CLUSTER_METHOD = (
    "cluster-robust Wilson {percent} CI (children as clusters: GEE sandwich variance with "
    "small-sample factor K/(K-1), at the effective sample size, t on K-1 df)"
)
CORRELATION_METHOD = (
    "within-child correlation of behaviours, {children} children as clusters (GEE "
    "exchangeable working correlation, moment estimator as statsmodels' Exchangeable)"
)
ONE_BEHAVIOUR_WARNING = (
    "not estimated: fewer than two pairs of behaviours of one child with a known value"
)


def cluster_sums(clusters, values) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster: how many values are True (y_i) and how many are known (m_i).

    `values` is boolean with <NA> for a missing value (left out); `clusters` the child of each.
    """
    values = pd.array(values, dtype="boolean")
    known = ~np.asarray(values.isna(), dtype=bool)
    codes, _ = pd.factorize(pd.Series(clusters)[known].to_numpy(dtype=object))
    yes = np.asarray(values[known].fillna(False), dtype=float)
    size = int(codes.max()) + 1 if len(codes) else 0
    return (np.bincount(codes, weights=yes, minlength=size),
            np.bincount(codes, minlength=size).astype(float))


def cluster_robust_share(yes, size, confidence: float = 0.95) -> dict:
    """The pooled share sum(y_i) / sum(m_i), its cluster-robust variance and Wilson CI.

    Returns estimate, variance, effective_n, ci_low, ci_high, clusters (children with at least
    one known value) and correlation (the within-child correlation, NaN with fewer than two
    pairs of known values).
    """
    yes = np.asarray(yes, dtype=float)
    size = np.asarray(size, dtype=float)
    keep = size > 0
    yes, size = yes[keep], size[keep]
    total, clusters = size.sum(), len(size)
    if not total:
        return {"estimate": np.nan, "variance": np.nan, "effective_n": np.nan,
                "ci_low": np.nan, "ci_high": np.nan, "clusters": 0, "correlation": np.nan}
    share = yes.sum() / total
    factor = clusters / (clusters - 1) if clusters > 1 else np.nan
    variance = factor * np.sum((yes - share * size) ** 2) / total**2
    spread = share * (1 - share)
    effective_n = spread / variance if variance > 0 and spread > 0 else total
    low, high = wilson_interval(share, effective_n, confidence, df=max(clusters - 1, 1))
    return {"estimate": float(share), "variance": float(variance),
            "effective_n": float(effective_n), "ci_low": low, "ci_high": high,
            "clusters": clusters, "correlation": exchangeable_correlation(yes, size)}


def exchangeable_correlation(yes, size, *, tolerance: float = 1e-10,
                             max_iterations: int = 100) -> float:
    """The exchangeable working correlation of an intercept-only binomial GEE.

    Alternates, as statsmodels' GEE does, the mean given the correlation (for an intercept-only
    model the estimating equation sum_i 1' V_i^-1 (y_i - mu) = 0 gives the mean of the
    children's shares weighted by m_i / (1 + (m_i - 1) rho)) and the correlation given the mean
    (`Exchangeable.update`: sum over pairs of one child's standardised residuals, over the
    scale, with one degree of freedom for the mean). NaN with fewer than two pairs of values.
    """
    yes = np.asarray(yes, dtype=float)
    size = np.asarray(size, dtype=float)
    keep = size > 0
    yes, size = yes[keep], size[keep]
    pairs = np.sum(size * (size - 1) / 2)
    nobs = size.sum()
    if pairs < 2 or nobs < 2:
        return np.nan  # statsmodels divides by (pairs - 1): one pair leaves no degree of freedom
    rho = 0.0
    for _ in range(max_iterations):
        weight = 1 / (1 + (size - 1) * rho)
        mean = np.sum(weight * yes) / np.sum(weight * size)
        if mean <= 0 or mean >= 1:
            return np.nan  # every behaviour alike: no residual to correlate
        updated = _moment_correlation(yes, size, mean, pairs, nobs)
        if abs(updated - rho) < tolerance:
            return float(updated)
        rho = updated
    return float(rho)


def _moment_correlation(yes, size, mean, pairs, nobs) -> float:
    """statsmodels' Exchangeable.update for binary values at mean `mean` (ddof_scale 1).

    With r = (y - mean) / sd for each value, a child's sum of r is (y_i - m_i mean) / sd and
    its sum of r^2 is (y_i (1 - mean)^2 + (m_i - y_i) mean^2) / sd^2."""
    variance = mean * (1 - mean)
    sum_r = (yes - size * mean) / np.sqrt(variance)
    sum_r2 = (yes * (1 - mean) ** 2 + (size - yes) * mean**2) / variance
    scale = sum_r2.sum() / (nobs * (nobs - 1) / nobs)
    cross = np.sum((sum_r**2 - sum_r2) / 2) / scale
    return float(cross / (pairs * (pairs - 1) / pairs))


def clustered_share_fields(clusters, values, confidence: float = 0.95) -> tuple[dict, dict]:
    """The CI fields of a behaviour-level share row, and a within-child correlation row.

    The share row keeps its n and denominator (counts of behaviours); only its interval and
    method change. The correlation row's n and denominator are the behaviours with a known
    value (the share's denominator), and its method names how many children they come from.
    """
    yes, size = cluster_sums(clusters, values)
    result = cluster_robust_share(yes, size, confidence)
    percent = f"{confidence * 100:g}%"
    share_fields = {"ci_low": result["ci_low"], "ci_high": result["ci_high"],
                    "method": CLUSTER_METHOD.format(percent=percent)}
    correlation = result["correlation"]
    correlation_row = {
        "statistic": WITHIN_CHILD_CORRELATION,
        "estimate": correlation,
        "n": int(size.sum()),
        "denominator": int(size.sum()),
        "unit": "behaviours",
        "method": CORRELATION_METHOD.format(children=int(result["clusters"])),
        "warning": ONE_BEHAVIOUR_WARNING if np.isnan(correlation) else None,
    }
    return share_fields, correlation_row
