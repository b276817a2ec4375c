"""Exact allocations for the SYNTHETIC cohort: counts that add up, shuffled with the seeded
generator, and one-decimal ages with an exact mean.

Every count the study implies is hit exactly by allocating that many codes (largest-remainder
rounding when the cohort is rescaled) and shuffling them; ages are handled in tenths of a year
(integers), so one-decimal values and exact means never meet floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tahsb_analysis.synthetic.parameters import ParameterError

# Onset ages are handled in tenths of a year (integers) so one-decimal values and exact means
# never meet floating-point rounding. The codebook allows 3 to 18; 17.9 keeps every onset below
# 18 so an age at referral of at most 18 can still be at least the onset's whole years.
MIN_ONSET = 30
MAX_ONSET = 179

# Lookup tables turn integer arrays into text without per-row Python formatting (fast at 10^6).
INTEGER_TEXT = np.array([str(i) for i in range(100)], dtype=object)
TENTHS_TEXT = np.array([f"{i // 10}.{i % 10}" for i in range(MAX_ONSET + 2)], dtype=object)


def largest_remainder(total: int, weights) -> np.ndarray:
    """Split `total` in proportion to `weights` into integers that add up to `total`.

    When `total` equals the sum of integer weights the weights come back unchanged, which is
    what makes every count exact at the calibrated size. Ties go to the earlier category so the
    split never depends on the random stream.
    """
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=np.int64)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    short = int(total - counts.sum())
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def scaled(count: int, reference: int, size: int) -> int:
    """`count` out of `reference`, rescaled to `size` (half rounds up)."""
    if reference == 0:
        return 0
    return int(np.floor(count * size / reference + 0.5))


def shuffled_codes(rng: np.random.Generator, counts: Mapping, size: int) -> np.ndarray:
    """Exactly the (rescaled) number of each code, in random order."""
    codes = [str(code) for code in counts]
    allocation = largest_remainder(size, [counts[code] for code in counts])
    return rng.permutation(np.repeat(np.array(codes, dtype=object), allocation))


def scaled_code_count(counts: Mapping, size: int, code: str) -> int:
    """How many of `size` children get `code`, as `shuffled_codes` would allocate it."""
    codes = [str(c) for c in counts]
    allocation = largest_remainder(size, [counts[c] for c in counts])
    return int(allocation[codes.index(code)]) if code in codes else 0


def tenths_with_exact_mean(
    rng: np.random.Generator, size: int, mean: float, sd: float, low: float, high: float
) -> np.ndarray:
    """One-decimal values (in tenths) between `low` and `high` whose mean is exactly `mean`.

    Draw from a normal distribution, round, cut to the bounds, then move single tenths up or
    down on randomly chosen children until the sum is right: the spread looks natural and the
    published-style mean is met to one decimal at any size.
    """
    lo, hi = round(low * 10), round(high * 10)
    target = round(mean * 10) * size
    if not lo * size <= target <= hi * size:
        raise ParameterError(f"a mean of {mean} is impossible between {low} and {high}")
    values = np.clip(np.rint(rng.normal(mean * 10, sd * 10, size)), lo, hi).astype(np.int64)
    residual = int(target - values.sum())
    while residual:
        step = 1 if residual > 0 else -1
        movable = np.flatnonzero(values < hi) if step > 0 else np.flatnonzero(values > lo)
        chosen = rng.choice(movable, size=min(abs(residual), len(movable)), replace=False)
        values[chosen] += step
        residual -= step * len(chosen)
    return values


def uniform_tenths(rng: np.random.Generator, size: int, low: float, high: float) -> np.ndarray:
    return rng.integers(round(low * 10), round(high * 10) + 1, size)
