"""Closed-form sample sizes of the planner (`planner`): the precision of a share, the TOST of
a published value (share or mean), and the shares an odds ratio implies. Pure functions of
numbers; statsmodels (`statsmodels.stats.proportion.power_ztost_prop`) and scipy named in each.
"""

from __future__ import annotations

import math
import warnings

from scipy.stats import norm
from statsmodels.stats.proportion import power_ztost_prop


def _ceil(value: float) -> int:
    # Rounded first so that floating noise (45.0000000001) does not add a child.
    return math.ceil(round(float(value), 6))


def precision_n(p: float, margin: float, alpha: float = 0.05) -> int:
    """Children for a two-sided (1 - alpha) CI of half-width at most `margin` at share `p`:
    n = z^2 p (1 - p) / margin^2 rounded up (normal approximation)."""
    z = norm.ppf(1 - alpha / 2)
    return _ceil(z**2 * p * (1 - p) / margin**2)


def smallest_n(power_at, target: float) -> int | None:
    """The smallest n with power_at(n) >= target, for a power rising with n (doubling, then
    bisection); None when even 2^24 children do not reach it."""
    high = 2
    while power_at(high) < target:
        high *= 2
        if high > 2**24:
            return None
    low = high // 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if power_at(middle) < target else (low, middle)
    return high if power_at(low) < target or low < 2 else low


def tost_share_n(p: float, low: float, high: float, power: float = 0.8,
                 alpha: float = 0.05) -> int | None:
    """Children for the TOST of a share against [low, high] to pass with `power` when the
    true share is `p`: the smallest n at which statsmodels' normal-approximation power
    `power_ztost_prop(low, high, n, p, alpha, dist="norm", discrete=False)` reaches it; None
    when p is not strictly inside the band (the TOST cannot pass more often than alpha)."""
    if not low < p < high:
        return None

    def power_at(n: int) -> float:
        with warnings.catch_warnings():
            # statsmodels warns "no overlap, power is zero" at sizes too small: that is the point
            warnings.simplefilter("ignore")
            return float(power_ztost_prop(low, high, n, p, alpha=alpha, dist="norm",
                                          discrete=False)[0])

    return smallest_n(power_at, power)


def tost_mean_n(mean: float, sd: float, low: float, high: float, power: float = 0.8,
                alpha: float = 0.05) -> int | None:
    """Children for the one-sample TOST of a mean against [low, high] to pass with `power` when
    the true mean is `mean` and the SD `sd` (normal approximation: power(n) =
    Phi((high - mean)/se - z) - Phi((low - mean)/se + z), se = sd / sqrt(n), z = the one-sided
    1 - alpha quantile); None when the mean is not strictly inside the band or sd is 0."""
    if not low < mean < high or not sd > 0:
        return None
    z = norm.ppf(1 - alpha)

    def power_at(n: int) -> float:
        se = sd / math.sqrt(n)
        return max(0.0, float(norm.cdf((high - mean) / se - z) - norm.cdf((low - mean) / se + z)))

    return smallest_n(power_at, power)


def shares_from_odds_ratio(odds_ratio: float, baseline: float) -> float:
    """The share whose odds are `odds_ratio` times the odds of the share `baseline`."""
    odds = odds_ratio * baseline / (1 - baseline)
    return odds / (1 + odds)
