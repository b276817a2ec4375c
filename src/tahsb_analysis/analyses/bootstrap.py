"""Percentile and BCa bootstrap intervals of a mean, for samples of a few to a million values.

The resamples are a matrix of resample indices (computed in blocks for a large sample), or, for
very many draws of few distinct values, multinomial counts of those values: the same bootstrap
distribution at a cost that does not grow with the number of children.
"""

from __future__ import annotations

import numpy as np
from scipy import special

# Bound on the resample-index matrix held at once (resamples x children), so that a bootstrap
# over a very large group is computed in blocks of resamples; the random stream, and so the
# interval, is the same as with one matrix.
BOOTSTRAP_BLOCK_CELLS = 10_000_000

# Beyond this many draws (resamples x values), when the values take few distinct values (at
# most BOOTSTRAP_DISTINCT_SHARE of them), each resample is drawn as multinomial counts of the
# distinct values instead of one index per value: the same bootstrap distribution of the mean
# at a cost that does not grow with the number of children, but another random stream, so the
# limits differ by Monte Carlo error (well under a tenth of a standard error of the mean); the
# row's method says so. With 9,999 resamples the index matrix serves up to 10,000 gaps, which
# the synthetic cohort reaches at about 100,000 children.
BOOTSTRAP_INDEX_LIMIT = 100_000_000
BOOTSTRAP_DISTINCT_SHARE = 0.1


def bootstrap_mean_ci(
    values, *, confidence: float = 0.95, resamples: int = 9_999, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of `values`.

    The resamples are rows of a matrix of resample indices drawn by
    ``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))`` (computed in blocks
    of rows for a very large sample; the random stream, and so the interval, is the same), and
    the limits are the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the resample
    means (linear interpolation).

    When that matrix would exceed `BOOTSTRAP_INDEX_LIMIT` draws and the values take few
    distinct values (`bootstrap_counts_of_distinct` says when), each resample is instead the
    counts of the k distinct values drawn by ``default_rng(seed).multinomial(n, counts / n)``:
    a resample of n values with replacement has exactly that distribution of counts, so the
    bootstrap distribution of the mean is the same, at a cost of resamples x k rather than
    resamples x n; the random stream differs, so the limits differ by Monte Carlo error.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall,
    ch. 13 (the percentile interval).
    """
    means = bootstrap_means(values, resamples=resamples, seed=seed)
    alpha = 1 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_means(values, *, resamples: int = 9_999, seed: int = 0) -> np.ndarray:
    """The means of `resamples` bootstrap resamples of `values`, drawn as `bootstrap_mean_ci`
    says (a seeded resample-index matrix, or multinomial counts of the distinct values)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 1 or np.isnan(values).any():
        raise ValueError("the bootstrap needs at least one value and no missing values")
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    distinct_count = bootstrap_counts_of_distinct(values, resamples)
    if distinct_count is None:
        block = max(1, BOOTSTRAP_BLOCK_CELLS // n)
        for start in range(0, resamples, block):  # one block unless the sample is very large
            stop = min(start + block, resamples)
            means[start:stop] = values[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    else:
        distinct, counts = np.unique(values, return_counts=True)
        shares = counts / n
        block = max(1, BOOTSTRAP_BLOCK_CELLS // len(distinct))
        for start in range(0, resamples, block):  # rows are drawn in order: blocks change nothing
            stop = min(start + block, resamples)
            means[start:stop] = rng.multinomial(n, shares, size=stop - start) @ distinct / n
    return means


def bca_mean_ci(
    values, *, confidence: float = 0.95, resamples: int = 9_999, seed: int = 0
) -> tuple[float, float]:
    """Bias-corrected and accelerated (BCa) bootstrap confidence interval of the mean.

    The resample means are those of `bootstrap_means` (same seed, same stream as
    `bootstrap_mean_ci`); then, as ``scipy.stats.bootstrap(method="BCa")`` computes it, the
    bias correction z0 = Phi^-1(share of resample means below the mean, ties counted half), the
    acceleration a = sum(d^3) / (6 sum(d^2)^1.5) with d = x - mean (the jackknife of a mean in
    closed form, so the cost stays linear in n where SciPy's jackknife is quadratic), and the
    limits are the quantiles (linear interpolation) of the resample means at
    Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = Phi^-1 of (1 -/+ confidence) / 2. With the
    index matrix this is SciPy's interval for ``rng=numpy.random.default_rng(seed)`` (tested).
    Values that are all equal give the interval (mean, mean), where SciPy gives NaN.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 14.3 and
    eq. 14.15 (acceleration from the jackknife).
    """
    values = np.asarray(values, dtype=float)
    means = bootstrap_means(values, resamples=resamples, seed=seed)
    mean = float(values.mean())
    deviations = values - mean
    spread = float(np.sum(deviations**2))
    if spread == 0:
        return mean, mean
    below = np.count_nonzero(means < mean) + np.count_nonzero(means <= mean)
    z0 = special.ndtri(below / (2 * resamples))
    acceleration = float(np.sum(deviations**3)) / (6 * spread**1.5)
    z = special.ndtri((1 - confidence) / 2)
    levels = [
        special.ndtr(z0 + (z0 + side) / (1 - acceleration * (z0 + side))) for side in (z, -z)
    ]
    low, high = np.quantile(means, levels)
    return float(low), float(high)


def bootstrap_counts_of_distinct(values, resamples: int) -> int | None:
    """How `bootstrap_mean_ci` draws its resamples: None for the resample-index matrix, or the
    number of distinct values when it draws multinomial counts of them (more than
    `BOOTSTRAP_INDEX_LIMIT` draws and at most `BOOTSTRAP_DISTINCT_SHARE` of the values
    distinct)."""
    values = np.asarray(values, dtype=float)
    if len(values) * resamples <= BOOTSTRAP_INDEX_LIMIT:
        return None
    distinct = len(np.unique(values))
    return distinct if distinct <= BOOTSTRAP_DISTINCT_SHARE * len(values) else None
