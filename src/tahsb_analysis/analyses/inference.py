"""Confidence intervals for proportions and tests of association for contingency tables.

Every function names the method it used, in words that go straight into the results table's
`method` column, and never switches method silently: when a chi-squared test would be unreliable
the function says which exact test it used instead and why (tableone's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.vocabulary import EMPTY_DENOMINATOR_WARNING

CI_METHODS = {"wilson": "Wilson", "clopper-pearson": "Clopper-Pearson exact"}
MIN_EXPECTED_COUNT = 5
DEFAULT_MONTE_CARLO_RESAMPLES = 99_999


def ci_method_label(method: str = "wilson", confidence: float = 0.95) -> str:
    """The method column's text for a proportion CI, e.g. "Wilson 95% CI"."""
    _check_ci_method(method)
    return f"{CI_METHODS[method]} {confidence:.0%} CI"


def proportion_ci(
    n, denominator, method: str = "wilson", confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for n/denominator, element-wise; NaN where the denominator is 0.

    Parameters
    ----------
    n, denominator : array-like of int
        Numerators and denominators (children or behaviours counted).
    method : {"wilson", "clopper-pearson"}
        Wilson score interval (default) or the Clopper-Pearson exact interval.
    confidence : float
        Coverage of the interval.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212. Clopper, C. J. and Pearson, E. S. (1934). The use of confidence
    or fiducial limits illustrated in the case of the binomial. Biometrika 26, 404-413.
    Computed by statsmodels.stats.proportion.proportion_confint ("wilson", "beta").
    """
    _check_ci_method(method)
    n = np.atleast_1d(np.asarray(n, dtype=float))
    denominator = np.atleast_1d(np.asarray(denominator, dtype=float))
    if np.any(n < 0) or np.any(n > denominator):
        raise ValueError("each n must lie between 0 and its denominator")
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    usable = denominator > 0
    if usable.any():
        low[usable], high[usable] = proportion_confint(
            n[usable],
            denominator[usable],
            alpha=1 - confidence,
            method="wilson" if method == "wilson" else "beta",
        )
    return low, high


def proportion_rows(
    levels,
    n,
    denominator,
    *,
    method: str,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    unit: str = "children",
    **columns,
) -> list[dict]:
    """Results rows of statistic "proportion" for n[i]/denominator of each level, with CIs.

    An empty denominator gives estimate and CI NaN and the "empty denominator" warning instead
    of a division warning. `columns` (variable, group, finding, ...) are copied onto every row.
    """
    n = np.asarray(n, dtype=np.int64)
    denominators = np.broadcast_to(np.asarray(denominator, dtype=np.int64), n.shape)
    low, high = proportion_ci(n, denominators, ci_method, confidence)
    return [
        {
            **columns,
            "level": level,
            "statistic": "proportion",
            "estimate": n[i] / denominators[i] if denominators[i] else np.nan,
            "ci_low": low[i],
            "ci_high": high[i],
            "n": int(n[i]),
            "denominator": int(denominators[i]),
            "unit": unit,
            "method": method,
            "warning": None if denominators[i] else EMPTY_DENOMINATOR_WARNING,
        }
        for i, level in enumerate(levels)
    ]


@dataclass(frozen=True)
class TestResult:
    """One test of association, ready to become a results row."""

    statistic: str  # "chi2", "fisher_exact", or "not_tested"
    estimate: float  # chi-squared value, 2x2 odds ratio, or NaN (r x c exact test)
    p_value: float
    method: str
    warning: str | None
    n: int

    def row_fields(self) -> dict:
        """The results-row columns of this test: its n is also its denominator."""
        return {"statistic": self.statistic, "estimate": self.estimate, "n": self.n,
                "denominator": self.n, "unit": "children", "method": self.method,
                "p_value": self.p_value, "warning": self.warning}


def association_test(
    table, *, seed: int = 0, resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES
) -> TestResult:
    """Test independence of rows and columns of a contingency table of counts.

    Rows or columns whose total is zero (a level with no children) are dropped first. Pearson's
    chi-squared test (no continuity correction) is used when every expected count is at least
    5; otherwise Fisher's exact test: the exact conditional test for a 2x2 table, and for a
    larger table the Fisher-Freeman-Halton test with a Monte Carlo p-value (`resamples` random
    tables with the observed margins, generated from `seed`, so the result is reproducible).

    References
    ----------
    scipy.stats.chi2_contingency(table, correction=False); scipy.stats.fisher_exact (2x2 exact;
    r x c via scipy.stats.random_table and MonteCarloMethod, SciPy >= 1.15).
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2:
        raise ValueError("a contingency table must be two-dimensional")
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("a contingency table holds non-negative whole counts")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    total = int(counts.sum())
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return TestResult(
            "not_tested",
            np.nan,
            np.nan,
            "no test",
            "not tested: fewer than two non-empty levels in a margin",
            total,
        )
    expected = stats.contingency.expected_freq(counts)
    if expected.min() >= MIN_EXPECTED_COUNT:
        result = stats.chi2_contingency(counts, correction=False)
        dof = int(result.dof)
        return TestResult(
            "chi2",
            float(result.statistic),
            float(result.pvalue),
            f"Pearson chi-squared test ({dof} df)",
            None,
            total,
        )
    reason = f"expected count below {MIN_EXPECTED_COUNT} (minimum {expected.min():.2f})"
    integer_counts = counts.astype(np.int64)
    if counts.shape == (2, 2):
        result = stats.fisher_exact(integer_counts)
        return TestResult(
            "fisher_exact",
            float(result.statistic),
            float(result.pvalue),
            "Fisher's exact test (two-sided)",
            f"exact test used: {reason}",
            total,
        )
    monte_carlo = stats.MonteCarloMethod(n_resamples=resamples, rng=np.random.default_rng(seed))
    result = stats.fisher_exact(integer_counts, method=monte_carlo)
    # SciPy's statistic here is the probability of the observed table, which no reader
    # needs; the row keeps only the p-value and names the test.
    # SciPy 1.17 returns the p-value as a 1-element array for some small tables.
    p_value = float(np.ravel(result.pvalue)[0])
    return TestResult(
        "fisher_exact",
        np.nan,
        p_value,
        f"Fisher-Freeman-Halton exact test, Monte Carlo p-value ({resamples} tables, seed {seed})",
        f"exact test used: {reason}",
        total,
    )


def crosstab_counts(frame: pd.DataFrame, row: str, column: str) -> pd.DataFrame:
    """Counts of `row` levels by `column` levels, keeping categorical levels with zero children.

    Rows where either variable is missing are left out (callers count them separately).
    """
    both = frame[[row, column]].dropna()
    return pd.crosstab(both[row], both[column], dropna=False)


def _check_ci_method(method: str) -> None:
    if method not in CI_METHODS:
        raise ValueError(f"unknown CI method {method!r}; choose one of {sorted(CI_METHODS)}")
