"""The onset gap of finding L2: two estimands, each named, and the interval of a mean.

* The conditional gap (level "offline_first", the study's): first other TA-HSB minus first
  offline onset, in years, among dual children with other TA-HSB whose offline HSB came first
  (an earlier whole year of age). Positive by construction: with no ordering at all it is still
  about two years in simulation, so it answers "how long after, when offline came first", not
  "which came first, and by how much".
* The paired difference (level "paired_difference"): the same difference over every dual child
  with other TA-HSB and both onset ages, whichever came first; its mean is zero when neither
  tends to come first. The paired test (Wilcoxon signed-rank or sign) covers the same children.

Same-year onsets (the same whole year of age, `onset._order`) have no order: the conditional gap
leaves them out (offline did not come first), the paired difference keeps them at their
recorded difference (under a year; zero when the ages are whole years). Every row's method says
which children it covers and what happened to same-year onsets.

The interval of a mean is t-based (the default: it covers best at the study's sizes, see
benchmarks/coverage_gap.py), bootstrap percentile or BCa (`bootstrap`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test

from tahsb_analysis.analyses.bootstrap import (
    bca_mean_ci,
    bootstrap_counts_of_distinct,
    bootstrap_mean_ci,
)
from tahsb_analysis.analyses.group_statistics import QUARTILE_METHOD, SD_METHOD
from tahsb_analysis.analyses.onset import OFFLINE, OTHER_TA, subgroup_order

GROUP_VARIABLE = "dual_subgroup"
CONDITIONAL_LEVEL = "offline_first"
PAIRED_LEVEL = "paired_difference"
GAP_UNIT = "years"

# t first: the default, chosen by coverage at n = 5, 10 and 26 (benchmarks/coverage_gap.py).
GAP_CI_METHODS = ("cox", "t", "bootstrap", "bca")
# "cox": the modified Cox interval for the conditional gap (positive, right-skewed) and t for
# the paired difference (which can be zero or negative): the only choice that covered at
# least 93% at n = 5, 10 and 26 for both gamma and lognormal gaps (benchmarks/coverage_gap.py).
DEFAULT_GAP_CI = "cox"

CONDITIONAL_POPULATION = (
    "conditional on offline HSB first: dual children with other TA-HSB whose first offline HSB "
    "came in an earlier whole year of age than their first other TA-HSB (same-year onsets "
    "left out)"
)
PAIRED_POPULATION = (
    "over all dual children with other TA-HSB and both onset ages, whichever came first "
    "(same-year onsets kept at their recorded difference)"
)
# The paired tests: the same children as the paired difference.
_TESTED = (
    "onset of other TA-HSB vs offline HSB, over all other-TA-HSB dual children with both "
    "ages (not only those whose offline HSB came first; same-year onsets kept at their recorded "
    "difference)"
)
PAIRED_TESTS = {
    "wilcoxon": ("wilcoxon", f"Wilcoxon signed-rank test (two-sided), {_TESTED}"),
    "sign": ("sign_test", f"sign test (two-sided), {_TESTED}"),
}

INSUFFICIENT_WARNING = "insufficient data: fewer than 2 children"
ALL_ZERO_WARNING = "not tested: every paired difference is zero"


def onset_gap_rows(children: pd.DataFrame, onsets: dict, settings: dict) -> pd.DataFrame:
    """L2: the conditional gap's summaries, the mean paired difference and the paired test.

    `settings` holds "gap_ci", "confidence", "resamples", "seed" and "paired_test"
    (validated by `links`)."""
    other = children["dual_subgroup"].astype("string").eq("other_ta_hsb").fillna(False)
    other = other.to_numpy(dtype=bool)
    order = subgroup_order(children, onsets)
    both = other & (order >= 0)
    differences = onsets["age"][both, OTHER_TA] - onsets["age"][both, OFFLINE]
    conditional = differences[order[both] == 0]
    common = {
        "variable": "onset_gap",
        "group_variable": GROUP_VARIABLE,
        "group": "other_ta_hsb",
        "finding": "L2",
        "output": "onset_gap",
    }
    rows = gap_summary_rows(conditional, {**common, "level": CONDITIONAL_LEVEL}, settings)
    rows.append(paired_difference_row(differences, {**common, "level": PAIRED_LEVEL}, settings))
    rows.append(paired_test_row(differences, common, settings))
    return pd.DataFrame(rows)


def gap_summary_rows(gaps: np.ndarray, common: dict, settings: dict) -> list[dict]:
    """Mean (with CI), SD, median and quartiles of the conditional gap."""
    n = len(gaps)
    common = {**common, "n": n, "denominator": n, "unit": GAP_UNIT}
    methods = {
        "mean": f"mean with {ci_words(gaps, settings, 'gaps', positive=True)}; "
                f"{CONDITIONAL_POPULATION}",
        "sd": SD_METHOD,
        "median": QUARTILE_METHOD,
        "q1": QUARTILE_METHOD,
        "q3": QUARTILE_METHOD,
    }
    if n < 2:
        return [
            {**common, "statistic": s, "estimate": np.nan, "method": m,
             "warning": INSUFFICIENT_WARNING}
            for s, m in methods.items()
        ]
    low, high = mean_ci(gaps, settings, positive=True)
    q1, median, q3 = np.quantile(gaps, [0.25, 0.5, 0.75])  # linear interpolation (type 7)
    estimates = {
        "mean": gaps.mean(), "sd": gaps.std(ddof=1), "median": median, "q1": q1, "q3": q3,
    }
    rows = [
        {**common, "statistic": s, "estimate": float(estimates[s]), "method": m}
        for s, m in methods.items()
    ]
    rows[0].update(ci_low=low, ci_high=high)
    return rows


def paired_difference_row(differences: np.ndarray, common: dict, settings: dict) -> dict:
    """The mean paired difference (first other TA-HSB minus first offline onset) with its CI."""
    n = len(differences)
    row = {
        **common,
        "statistic": "mean",
        "n": n,
        "denominator": n,
        "unit": GAP_UNIT,
        "method": f"mean paired difference with {ci_words(differences, settings, 'differences')}; "
        f"{PAIRED_POPULATION}",
    }
    if n < 2:
        return {**row, "estimate": np.nan, "warning": INSUFFICIENT_WARNING}
    low, high = mean_ci(differences, settings)
    return {**row, "estimate": float(differences.mean()), "ci_low": low, "ci_high": high}


def paired_test_row(differences: np.ndarray, common: dict, settings: dict) -> dict:
    """Wilcoxon signed-rank or sign test of the paired differences against zero; the estimate
    is their median."""
    statistic, method = PAIRED_TESTS[settings["paired_test"]]
    n = len(differences)
    row = {
        **common,
        "statistic": statistic,
        "n": n,
        "denominator": n,
        "unit": GAP_UNIT,
        "method": method,
    }
    if n < 2:
        return {**row, "estimate": np.nan, "warning": INSUFFICIENT_WARNING}
    median = float(np.median(differences))
    if not np.any(differences != 0):
        return {**row, "estimate": median, "warning": ALL_ZERO_WARNING}
    if statistic == "wilcoxon":
        p_value = stats.wilcoxon(differences).pvalue
    else:
        p_value = sign_test(differences, mu0=0)[1]
    return {**row, "estimate": median, "p_value": float(p_value)}


def cox_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """The modified Cox interval for the mean of positive, right-skewed values: on the log
    scale, mean + s^2/2 +/- t(n-1) * sqrt(s^2/n + s^4 / (2 (n - 1))), exponentiated.

    References: Land, C. E. (1971) Ann Math Stat 42, 1187-1205; Zhou, X.-H. and Gao, S. (1997)
    Stat Med 16, 783-790; Olsson, U. (2005) Confidence intervals for the mean of a log-normal
    distribution. J Stat Educ 13(1) (the t quantile: "modified Cox method")."""
    logs = np.log(values)
    n = len(logs)
    variance = logs.var(ddof=1)
    centre = logs.mean() + variance / 2
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * np.sqrt(
        variance / n + variance**2 / (2 * (n - 1)))
    return float(np.exp(centre - half)), float(np.exp(centre + half))


def _uses_cox(values: np.ndarray, settings: dict, positive: bool) -> bool:
    return settings["gap_ci"] == "cox" and positive and bool(np.all(values > 0))


def mean_ci(values: np.ndarray, settings: dict, positive: bool = False) -> tuple[float, float]:
    """The CI of the mean of two or more values by settings["gap_ci"]; "cox" is the modified
    Cox interval for `positive` estimands whose values are all above 0, else t."""
    confidence = settings["confidence"]
    if _uses_cox(values, settings, positive):
        return cox_interval(values, confidence)
    if settings["gap_ci"] in ("t", "cox"):
        # scipy.stats.ttest_1samp(values, 0).confidence_interval(confidence), in closed form.
        n = len(values)
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
        mean = float(values.mean())
        return mean - half, mean + half
    interval = bootstrap_mean_ci if settings["gap_ci"] == "bootstrap" else bca_mean_ci
    return interval(
        values, confidence=confidence, resamples=settings["resamples"], seed=settings["seed"]
    )


def ci_words(values: np.ndarray, settings: dict, noun: str, positive: bool = False) -> str:
    """ "t-based 95% CI", "bootstrap percentile 95% CI (9999 resamples, seed 7)", "bootstrap
    BCa 95% CI (...)"; a bootstrap drawn as counts of the distinct `noun` says so."""
    percent = f"{settings['confidence'] * 100:g}%"
    if _uses_cox(values, settings, positive):
        return (f"modified Cox {percent} CI (log scale, for positive right-skewed {noun}; "
                "Olsson 2005)")
    if settings["gap_ci"] in ("t", "cox"):
        return f"t-based {percent} CI"
    name = "percentile" if settings["gap_ci"] == "bootstrap" else "BCa"
    resamples, seed = settings["resamples"], settings["seed"]
    distinct = bootstrap_counts_of_distinct(values, resamples) if len(values) else None
    drawn = "" if distinct is None else (
        f"each drawn as multinomial counts of the {distinct} distinct {noun} because the "
        f"{len(values)} {noun} are many, "
    )
    return f"bootstrap {name} {percent} CI ({resamples} resamples, {drawn}seed {seed})"
