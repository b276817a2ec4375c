"""Percentile bootstrap interval of a mean, for samples from a handful to a million values.

The resamples are a matrix of resample indices (computed in blocks for a large sample), or, for
very many draws of few distinct values, multinomial counts of those values: the same bootstrap
distribution at a cost that does not grow with the number of children.
"""

from __future__ import annotations

import numpy as np

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
    alpha = 1 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
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
