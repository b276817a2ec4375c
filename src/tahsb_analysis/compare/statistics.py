"""Pairwise statistics: one share or one mean that two cohorts both report, compared.

`compare_proportions` gives the risk difference (Newcombe hybrid score CI), the odds ratio
(Woolf logit CI) and a test of two proportions; `compare_means` the difference in means (Welch
CI) and Welch's t-test; `holm_adjust` adjusts the tests of one pair of cohorts together. Each
returns results rows (partial records that `cohorts.compare_cohorts` completes), with the
disclosure state carried from the source rows. The methods and references are in the docstring
of `cohorts.compare_cohorts`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from tahsb_analysis.analyses.inference import MIN_EXPECTED_COUNT, association_test
from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.multiplicity import holm
from tahsb_analysis.results.schema import NOT_CHECKED, RELEASED, SUPPRESSED
from tahsb_analysis.vocabulary import PAIR_SEPARATOR

# The columns that say which statistic two cohorts share.
KEY_COLUMNS = ("output", "variable", "level", "group_variable", "group", "unit")

# Comparison statistics (the results vocabulary, with "mean_difference" added here).
RISK_DIFFERENCE = "risk_difference"
ODDS_RATIO = "odds_ratio"
MEAN_DIFFERENCE = "mean_difference"
WELCH_T = "welch_t"
NOT_TESTED = "not_tested"
P_ADJUST_METHOD = "Holm"

SUPPRESSED_REASON = "computed from a suppressed count"
DIFFERENCING_WARNING = (
    "differencing: counts differ by fewer than {threshold}; if these cohorts overlap (one "
    "contains the other), the difference reveals a small group: check before release"
)
BEHAVIOURS_WARNING = (
    "unit is behaviours: several behaviours of one child are not independent, but the CI and "
    "test treat them as if they were"
)


def is_na(value) -> bool:
    """True for None, <NA> and NaN."""
    return value is None or value is pd.NA or bool(pd.isna(value))


def _disclosure(rows: list) -> str:
    """Suppressed when any source row is, or a released one lacks its values; "not checked"
    when any source is (internal tier); otherwise released."""
    states = [str(r["disclosure"]) for r in rows if r is not None]
    if SUPPRESSED in states:
        return SUPPRESSED
    if NOT_CHECKED in states:
        return NOT_CHECKED
    return RELEASED


def _blank(row, columns) -> bool:
    return row is None or any(is_na(row[c]) for c in columns)


def _findings(row_a, row_b):
    found = []
    for row in (row_a, row_b):
        if row is not None and not is_na(row["finding"]):
            for part in str(row["finding"]).split(";"):
                if part.strip() and part.strip() not in found:
                    found.append(part.strip())
    return ";".join(found) if found else pd.NA


def _differencing(n_a, n_b, d_a, d_b, threshold: int) -> str | None:
    close = [abs(int(x) - int(y)) for x, y in ((n_a, n_b), (d_a, d_b))
             if not is_na(x) and not is_na(y)]
    if any(0 < gap < threshold for gap in close):
        return DIFFERENCING_WARNING.format(threshold=threshold)
    return None


def _joined(*warnings) -> str | object:
    parts = [w for w in warnings if w]
    return "; ".join(parts) if parts else pd.NA


def _percent(confidence: float) -> str:
    return f"{confidence:.0%}"


def _base(pair: str, row_a, row_b, key: tuple) -> dict:
    base = dict(zip(KEY_COLUMNS, key, strict=True))
    return {
        **{k: (pd.NA if v is None else v) for k, v in base.items()},
        "cohort": pair,
        "synthetic": bool(row_a["synthetic"]) or bool(row_b["synthetic"]),
        "finding": _findings(row_a, row_b),
    }


def _proportion_methods(confidence: float) -> dict[str, str]:
    level = _percent(confidence)
    return {
        RISK_DIFFERENCE: f"risk difference (first cohort minus second), Newcombe hybrid score "
                         f"{level} CI (method 10)",
        ODDS_RATIO: f"odds ratio (first cohort vs second), Woolf logit {level} CI",
        "odds_ratio_zero": f"odds ratio (first cohort vs second), Woolf logit {level} CI with "
                           "0.5 added to every cell because a cell is 0 (Haldane-Anscombe)",
        "chi2": "Pearson chi-squared test (1 df, no continuity correction), used because every "
                f"expected count is at least {MIN_EXPECTED_COUNT}",
        "fisher_exact": f"Fisher's exact test (two-sided), used because an expected count is "
                        f"below {MIN_EXPECTED_COUNT}",
        NOT_TESTED: "no test",
        "suppressed_test": "test of two proportions (Pearson chi-squared, or Fisher's exact when "
                           f"an expected count is below {MIN_EXPECTED_COUNT})",
    }


def compare_proportions(labels, row_a, row_b, key, *, confidence, threshold) -> list[dict]:
    """Risk difference, odds ratio and test of one share two cohorts have."""
    methods = _proportion_methods(confidence)
    base = _base(PAIR_SEPARATOR.join(labels), row_a, row_b, key)
    state = _disclosure([row_a, row_b])
    counts = ("n", "denominator")
    if state == SUPPRESSED or (
        state == RELEASED and (_blank(row_a, counts) or _blank(row_b, counts))
    ):
        blank = {**base, "disclosure": SUPPRESSED, "disclosure_reason": SUPPRESSED_REASON}
        return [
            {**blank, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE]},
            {**blank, "statistic": ODDS_RATIO, "method": methods[ODDS_RATIO]},
            {**blank, "statistic": NOT_TESTED, "method": methods["suppressed_test"]},
        ]
    warnings = []
    if base["unit"] == "behaviours":
        warnings.append(BEHAVIOURS_WARNING)
    if state == RELEASED:
        warnings.append(_differencing(row_a["n"], row_b["n"], row_a["denominator"],
                                      row_b["denominator"], threshold))
    common = {**base, "disclosure": state}
    if _blank(row_a, counts) or _blank(row_b, counts):
        missing = "a source row has no count (n or denominator blank): not compared"
        return [
            {**common, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE],
             "warning": _joined(missing, *warnings)},
            {**common, "statistic": ODDS_RATIO, "method": methods[ODDS_RATIO],
             "warning": _joined(missing, *warnings)},
            {**common, "statistic": NOT_TESTED, "method": methods[NOT_TESTED],
             "warning": _joined(missing, *warnings)},
        ]
    a, d_a, b, d_b = (int(row_a["n"]), int(row_a["denominator"]),
                      int(row_b["n"]), int(row_b["denominator"]))
    common.update(n=a + b, denominator=d_a + d_b)
    alpha = 1 - confidence
    empty = [label for label, d in zip(labels, (d_a, d_b), strict=True) if d == 0]
    if empty:
        note = f"empty denominator in {' and '.join(empty)}: no estimate"
        rd = {"estimate": np.nan, "warning": _joined(note, *warnings)}
        odds = {"estimate": np.nan, "method": methods[ODDS_RATIO],
                "warning": _joined(note, *warnings)}
    else:
        low, high = confint_proportions_2indep(a, d_a, b, d_b, method="newcomb",
                                               compare="diff", alpha=alpha)
        rd = {"estimate": a / d_a - b / d_b, "ci_low": float(low), "ci_high": float(high),
              "warning": _joined(*warnings)}
        odds = _odds_ratio(a, d_a, b, d_b, alpha, methods, warnings)
    test = association_test([[a, d_a - a], [b, d_b - b]])
    statistic = test.statistic
    estimate = test.estimate if math.isfinite(test.estimate) else np.nan
    test_row = {
        "statistic": statistic,
        "estimate": estimate,
        "p_value": test.p_value,
        "method": methods[statistic],
        "warning": _joined(test.warning, *warnings),
    }
    return [
        {**common, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE], **rd},
        {**common, "statistic": ODDS_RATIO, **odds},
        {**common, **test_row},
    ]


def _odds_ratio(a, d_a, b, d_b, alpha, methods, warnings) -> dict:
    """Woolf's logit CI; with a zero cell, 0.5 added to every cell (statsmodels
    "logit-adjusted") so that the odds ratio and its CI are finite, and the method says so."""
    zero_cell = 0 in (a, d_a - a, b, d_b - b)
    method = "logit-adjusted" if zero_cell else "logit"
    low, high = confint_proportions_2indep(a, d_a, b, d_b, method=method,
                                           compare="odds-ratio", alpha=alpha)
    add = 0.5 if zero_cell else 0.0
    cells = (a + add, d_a - a + add, b + add, d_b - b + add)
    estimate = (cells[0] * cells[3]) / (cells[1] * cells[2])
    extra = ["a cell is 0: 0.5 added to every cell"] if zero_cell else []
    return {
        "estimate": estimate,
        "ci_low": float(low),
        "ci_high": float(high),
        "method": methods["odds_ratio_zero" if zero_cell else ODDS_RATIO],
        "warning": _joined(*extra, *warnings),
    }


def welch_interval(mean_a, sd_a, n_a, mean_b, sd_b, n_b, confidence=0.95):
    """(difference, low, high, df) of mean_a - mean_b with Welch's CI (Welch-Satterthwaite
    degrees of freedom); NaN limits when either n is below 2 or both SDs are 0."""
    difference = float(mean_a) - float(mean_b)
    if n_a < 2 or n_b < 2:
        return difference, np.nan, np.nan, np.nan
    var_a, var_b = float(sd_a) ** 2 / n_a, float(sd_b) ** 2 / n_b
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return difference, np.nan, np.nan, np.nan
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    half = stats.t.ppf(1 - (1 - confidence) / 2, df) * se
    return difference, difference - half, difference + half, df


def compare_means(labels, source_a, source_b, key, *, confidence, threshold) -> list[dict]:
    """Difference in means (Welch CI) and Welch's t-test of one mean two cohorts have."""
    (mean_a, sd_a), (mean_b, sd_b) = source_a, source_b
    level = _percent(confidence)
    difference_method = (f"difference in means (first cohort minus second), Welch {level} CI "
                         "(Welch-Satterthwaite df)")
    test_method = ("Welch's t-test (two-sided, unequal variances) from each cohort's mean, SD "
                   "and n")
    base = _base(PAIR_SEPARATOR.join(labels), mean_a, mean_b, key)
    sources = [mean_a, sd_a, mean_b, sd_b]
    state = _disclosure(sources)
    needed = ("estimate", "n")
    blank = any(_blank(r, needed) for r in sources)
    if state == SUPPRESSED or (state == RELEASED and blank):
        hidden = {**base, "disclosure": SUPPRESSED, "disclosure_reason": SUPPRESSED_REASON}
        return [{**hidden, "statistic": MEAN_DIFFERENCE, "method": difference_method},
                {**hidden, "statistic": WELCH_T, "method": test_method}]
    warnings = []
    if state == RELEASED:
        warnings.append(_differencing(mean_a["n"], mean_b["n"], mean_a["denominator"],
                                      mean_b["denominator"], threshold))
    common = {**base, "disclosure": state}
    if _blank(mean_a, needed) or _blank(mean_b, needed):
        missing = "a source mean has no value or n: not compared"
        return [{**common, "statistic": MEAN_DIFFERENCE, "method": difference_method,
                 "warning": _joined(missing, *warnings)},
                {**common, "statistic": WELCH_T, "method": test_method,
                 "warning": _joined(missing, *warnings)}]
    n_a, n_b = int(mean_a["n"]), int(mean_b["n"])
    d_a = n_a if is_na(mean_a["denominator"]) else int(mean_a["denominator"])
    d_b = n_b if is_na(mean_b["denominator"]) else int(mean_b["denominator"])
    common.update(n=n_a + n_b, denominator=d_a + d_b)
    difference = {"statistic": MEAN_DIFFERENCE, "method": difference_method,
                  "estimate": float(mean_a["estimate"]) - float(mean_b["estimate"])}
    test = {"statistic": WELCH_T, "method": test_method}
    if _blank(sd_a, ("estimate",)) or _blank(sd_b, ("estimate",)):
        note = "no standard deviation for a cohort: no CI or test"
        return [{**common, **difference, "warning": _joined(note, *warnings)},
                {**common, **test, "warning": _joined(note, *warnings)}]
    s_a, s_b = float(sd_a["estimate"]), float(sd_b["estimate"])
    m_a, m_b = float(mean_a["estimate"]), float(mean_b["estimate"])
    _, low, high, df = welch_interval(m_a, s_a, n_a, m_b, s_b, n_b, confidence)
    if math.isnan(df):
        note = ("fewer than 2 children in a cohort, or both SDs 0: no CI or test"
                if min(n_a, n_b) < 2 or (s_a == 0 and s_b == 0) else "no CI or test")
        return [{**common, **difference, "warning": _joined(note, *warnings)},
                {**common, **test, "warning": _joined(note, *warnings)}]
    result = stats.ttest_ind_from_stats(m_a, s_a, n_a, m_b, s_b, n_b, equal_var=False)
    return [
        {**common, **difference, "ci_low": low, "ci_high": high,
         "warning": _joined(*warnings)},
        {**common, **test, "estimate": float(result.statistic),
         "p_value": float(result.pvalue), "warning": _joined(*warnings)},
    ]


TEST_ROWS = frozenset({"chi2", "fisher_exact", WELCH_T})


def holm_adjust(records: list[dict], sections: dict | None = None) -> None:
    """Holm-adjust the p-values of the test rows of one pair, in place: one family per report
    section (the output registry's section of each row's output), as in a cohort's own
    results (results.multiplicity)."""
    tested = [r for r in records if r["statistic"] in TEST_ROWS and not is_na(r.get("p_value"))]
    if not tested:
        return
    if sections is None:
        registry = load_registry()
        sections = {o.name: registry.section_of(o.name) for o in registry.outputs}
    families: dict[str, list[dict]] = {}
    for record in tested:
        families.setdefault(sections.get(record["output"]) or record["output"], []).append(record)
    for family in families.values():
        adjusted = holm([float(r["p_value"]) for r in family])
        for record, p in zip(family, adjusted, strict=True):
            record["p_adjusted"] = float(p)
            record["p_adjust_method"] = P_ADJUST_METHOD
