"""The evidence under a replication verdict: the tests computed from a results row's counts
when the analyses emit none, the equivalence tests (TOST) of published values, the minimum
detectable difference (MDD) of a test at a cohort's size, and Holm's adjustment.

Pure functions of numbers (counts, means, SDs): no results rows here. Each returns the value
and, where a reader needs it, the method's name as the replication table prints it. The
libraries used are named in each name: scipy.stats for the tests, statsmodels for TOST
(`statsmodels.stats.proportion.binom_tost`, exact) and power (`statsmodels.stats.power`).
"""

from __future__ import annotations

import math

from scipy import stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower, TTestPower
from statsmodels.stats.proportion import binom_tost

POWER = 0.8
TWO_SIDED = "two-sided"
GREATER = "greater"
LESS = "less"
ALTERNATIVES = (TWO_SIDED, GREATER, LESS)
# statsmodels' power classes spell the one-sided alternatives differently from scipy.
_POWER_ALTERNATIVE = {TWO_SIDED: "two-sided", GREATER: "larger", LESS: "smaller"}

FISHER_2X2 = "Fisher's exact test of the two shares (2x2 table from the rows' counts, {alt})"
BINOMIAL = "exact binomial test of the share against {value:g} (scipy binomtest, {alt})"
SIGN_TEST = ("exact binomial (sign) test of the two counts against an even split (scipy "
             "binomtest, {alt})")
WELCH = "Welch's t-test from the rows' means, SDs and n (scipy, {alt})"
TOST_PROPORTION = ("exact binomial TOST (statsmodels binom_tost) of the share against "
                   "[{low:g}, {high:g}]")
TOST_MEAN = ("one-sample t TOST from the row's mean, SD and n (two one-sided t-tests, scipy) "
             "against [{low:g}, {high:g}]")


def _finite(value) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def fisher_two_shares(a: int, d_a: int, b: int, d_b: int, alternative=TWO_SIDED):
    """(p, name): Fisher's exact test of a/d_a against b/d_b (scipy.stats.fisher_exact;
    "greater" means the first share is higher)."""
    table = [[a, d_a - a], [b, d_b - b]]
    p = float(stats.fisher_exact(table, alternative=alternative).pvalue)
    return p, FISHER_2X2.format(alt=alternative)


def binomial_share(count: int, nobs: int, value: float, alternative=TWO_SIDED):
    """(p, name): exact binomial test of count/nobs against `value` (scipy.stats.binomtest)."""
    p = float(stats.binomtest(count, nobs, value, alternative=alternative).pvalue)
    return p, BINOMIAL.format(value=value, alt=alternative)


def sign_test(first: int, second: int, alternative=TWO_SIDED):
    """(p, name): are `first` and `second` (counts of one population, e.g. which came first)
    an even split? scipy.stats.binomtest(first, first + second, 0.5)."""
    p = float(stats.binomtest(first, first + second, 0.5, alternative=alternative).pvalue)
    return p, SIGN_TEST.format(alt=alternative)


def welch_test(mean_a, sd_a, n_a, mean_b, sd_b, n_b, alternative=TWO_SIDED):
    """(p or NaN, name): Welch's t-test from summary statistics (scipy)."""
    name = WELCH.format(alt=alternative)
    if min(n_a, n_b) < 2 or (sd_a == 0 and sd_b == 0):
        return math.nan, name
    result = stats.ttest_ind_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, equal_var=False,
                                        alternative=alternative)
    return float(result.pvalue), name


def tost_share(count: int, nobs: int, low: float, high: float):
    """(p, name): exact binomial TOST of count/nobs for lying inside [low, high]
    (statsmodels.stats.proportion.binom_tost: the larger of the two one-sided p-values)."""
    p = float(binom_tost(count, nobs, low, high)[0])
    return p, TOST_PROPORTION.format(low=low, high=high)


def tost_mean(mean: float, sd: float, n: int, low: float, high: float):
    """(p or NaN, name): one-sample TOST of a mean for lying inside [low, high]: the larger
    of the one-sided t-test p-values of H0 mean <= low and H0 mean >= high (df n - 1)."""
    name = TOST_MEAN.format(low=low, high=high)
    if n < 2 or sd <= 0:
        return math.nan, name
    se = sd / math.sqrt(n)
    p_low = float(stats.t.sf((mean - low) / se, n - 1))
    p_high = float(stats.t.cdf((mean - high) / se, n - 1))
    return max(p_low, p_high), name


def _share_at(reference: float, h: float) -> float:
    """The share whose Cohen's h from `reference` is `h` upwards (or downwards when upwards
    leaves [0, 1]): the MDD as a difference of shares."""
    phi = 2 * math.asin(math.sqrt(min(max(reference, 0.0), 1.0)))
    up = phi + h
    target = up if up <= math.pi else phi - h
    return math.sin(max(min(target, math.pi), 0.0) / 2) ** 2


def _mdd_method(what: str, alpha: float, alternative: str, sizes: str) -> str:
    return (f"minimum detectable difference: {what}, {POWER:.0%} power, alpha {alpha:g} "
            f"{alternative}, {sizes}")


def mdd_two_shares(d_a: int, d_b: int, reference: float, alpha: float, alternative=TWO_SIDED):
    """(difference or NaN, method): the smallest difference of two shares (groups of d_a and
    d_b) detected with 80% power by a two-sample z-test on Cohen's h
    (statsmodels NormalIndPower), as a difference from the share `reference`."""
    method = _mdd_method("NormalIndPower (statsmodels), Cohen's h, two shares", alpha,
                         alternative, f"n = {d_a} and {d_b}; as a difference from "
                         f"{reference:.3g}")
    if min(d_a, d_b) < 1 or not _finite(reference):
        return math.nan, method
    h = NormalIndPower().solve_power(nobs1=d_a, ratio=d_b / d_a, alpha=alpha, power=POWER,
                                     alternative=_POWER_ALTERNATIVE[TWO_SIDED if alternative
                                                                    == TWO_SIDED else GREATER])
    return abs(_share_at(reference, float(h)) - reference), method


def mdd_one_share(nobs: int, reference: float, alpha: float, alternative=TWO_SIDED):
    """(difference or NaN, method): the smallest departure of one share (nobs trials) from
    `reference` detected with 80% power by a one-sample z-test on Cohen's h
    (statsmodels NormalIndPower with ratio 0)."""
    method = _mdd_method("NormalIndPower (statsmodels, ratio 0: one sample), Cohen's h, one "
                         "share", alpha, alternative, f"n = {nobs}; as a difference from "
                         f"{reference:g}")
    if nobs < 1:
        return math.nan, method
    h = NormalIndPower().solve_power(nobs1=nobs, ratio=0, alpha=alpha, power=POWER,
                                     alternative=_POWER_ALTERNATIVE[TWO_SIDED if alternative
                                                                    == TWO_SIDED else GREATER])
    return abs(_share_at(reference, float(h)) - reference), method


def mdd_two_means(n_a: int, n_b: int, sd: float | None, alpha: float, alternative=TWO_SIDED):
    """(difference or NaN, method): the smallest difference of two means detected with 80%
    power by a two-sample t-test (statsmodels TTestIndPower), times the pooled SD `sd`
    (Cohen's d when `sd` is not known)."""
    unit = "times the pooled SD" if _finite(sd) else "in SD units (Cohen's d; no SD row)"
    method = _mdd_method(f"TTestIndPower (statsmodels), {unit}", alpha, alternative,
                         f"n = {n_a} and {n_b}")
    if min(n_a, n_b) < 2:
        return math.nan, method
    d = TTestIndPower().solve_power(nobs1=n_a, ratio=n_b / n_a, alpha=alpha, power=POWER,
                                    alternative=_POWER_ALTERNATIVE[TWO_SIDED if alternative
                                                                   == TWO_SIDED else GREATER])
    return float(d) * (float(sd) if _finite(sd) else 1.0), method


def mdd_one_mean(n: int, sd: float | None, alpha: float):
    """(difference or NaN, method): the smallest departure of one mean from a value detected
    with 80% power by a one-sample t-test (statsmodels TTestPower), times `sd`."""
    method = _mdd_method("TTestPower (statsmodels), one mean, times the row's SD", alpha,
                         TWO_SIDED, f"n = {n}")
    if n < 2 or not _finite(sd):
        return math.nan, method
    d = TTestPower().solve_power(nobs=n, alpha=alpha, power=POWER, alternative="two-sided")
    return float(d) * float(sd), method


def pooled_sd(sd_a, n_a, sd_b, n_b) -> float:
    """The pooled standard deviation of two groups (NaN when it cannot be computed)."""
    if not (_finite(sd_a) and _finite(sd_b)) or n_a + n_b <= 2:
        return math.nan
    return math.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
