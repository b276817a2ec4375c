"""Tests that use the order of ordered categories (codebook `categoriesOrdered: true`).

Family stability, relationship with parents, the social-care level and the criminal-justice
outcome are ordered; a chi-squared or exact test treats their levels as unordered and so spends
its power on every pattern, not the one the findings describe ("more stable", "better"). For an
ordered variable `compare_groups` adds, from the same groups-by-levels table:

- across the (unordered) HSB groups: the Kruskal-Wallis H test on the level codes (mid-ranks,
  tie corrected), the primary test;
- for each pair "reference vs other": the linear-by-linear association test (Mantel's trend
  test, M^2 = (N - 1) r^2 with integer scores, 1 df), the primary pairwise test.

The nominal test rows are kept as secondary: their method says so, and they are left out of the
multiplicity family so that no variable is tested twice in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tahsb_analysis.vocabulary import LINEAR_BY_LINEAR, PAIR_SEPARATOR, SECONDARY_TEST

KRUSKAL_ORDERED_METHOD = (
    "Kruskal-Wallis H test on the ordered categories (mid-ranks, ties corrected); "
    "primary test of an ordered variable"
)
LINEAR_BY_LINEAR_METHOD = (
    "linear-by-linear association (Mantel trend) test, M2 = (N - 1) r2 with integer scores, "
    "1 df; primary test of an ordered variable"
)
SECONDARY_NOTE = (
    f"{SECONDARY_TEST}: the categories treated as unordered (the ordered test is primary)"
)
NOMINAL_TESTS = ("chi2", "fisher_exact")


def kruskal_on_ordered_codes(table) -> tuple[float, float] | None:
    """Kruskal-Wallis H and p of a groups x ordered-levels table of counts (rows: groups).

    Each child is its level's code (0, 1, ...); scipy.stats.kruskal ranks them with mid-ranks
    and corrects H for ties. Returns None when fewer than two groups have children or every
    child has the same level (no test)."""
    counts = np.asarray(table, dtype=np.int64)
    samples = [np.repeat(np.arange(counts.shape[1]), row) for row in counts if row.sum() > 0]
    if len(samples) < 2 or len(np.unique(np.concatenate(samples))) < 2:
        return None
    result = stats.kruskal(*samples)
    return float(result.statistic), float(result.pvalue)


def linear_by_linear(table, row_scores=None, column_scores=None) -> tuple[float, float] | None:
    """Mantel's linear-by-linear association statistic M^2 = (N - 1) r^2 and its chi-squared
    (1 df) p-value, r the Pearson correlation of the row and column scores over the children.

    Scores default to 0, 1, ... (integer scores). Returns None when either margin has fewer
    than two non-empty levels (r undefined).

    References
    ----------
    Mantel, N. (1963). Chi-square tests with one degree of freedom; extensions of the
    Mantel-Haenszel procedure. JASA 58, 690-700. Agresti, A. (2007). An Introduction to
    Categorical Data Analysis, 2nd ed., section 2.5.1 (M^2 = (n - 1) r^2).
    """
    counts = np.asarray(table, dtype=float)
    rows = np.arange(counts.shape[0]) if row_scores is None else np.asarray(row_scores, float)
    columns = (np.arange(counts.shape[1]) if column_scores is None
               else np.asarray(column_scores, float))
    total = counts.sum()
    if (counts.sum(axis=1) > 0).sum() < 2 or (counts.sum(axis=0) > 0).sum() < 2:
        return None
    row_margin, column_margin = counts.sum(axis=1), counts.sum(axis=0)
    mean_u = rows @ row_margin / total
    mean_v = columns @ column_margin / total
    covariance = ((rows - mean_u)[:, None] * (columns - mean_v)[None, :] * counts).sum()
    var_u = ((rows - mean_u) ** 2 * row_margin).sum()
    var_v = ((columns - mean_v) ** 2 * column_margin).sum()
    r = covariance / np.sqrt(var_u * var_v)
    m2 = float((total - 1) * r**2)
    return m2, float(stats.chi2.sf(m2, 1))


def ordered_test_rows(table: np.ndarray, labels: dict, reference: int,
                      pair_labels: dict[int, str]) -> list[dict]:
    """The ordered test rows of one variable: Kruskal-Wallis across the groups (group <NA>),
    then a linear-by-linear test per pair (reference, other) named in `pair_labels`."""
    rows = [_test_row(labels, None, "kruskal_wallis", KRUSKAL_ORDERED_METHOD,
                      kruskal_on_ordered_codes(table), int(table.sum()))]
    for other, pair in pair_labels.items():
        pair_table = table[[reference, other]]
        rows.append(_test_row(labels, pair, LINEAR_BY_LINEAR, LINEAR_BY_LINEAR_METHOD,
                              linear_by_linear(pair_table), int(pair_table.sum())))
    return rows


def _test_row(labels, group, statistic, method, result, total) -> dict:
    row = {**labels, "group": group, "n": total, "denominator": total, "unit": "children"}
    if result is None:
        return {**row, "statistic": "not_tested", "estimate": np.nan, "method": "no test",
                "warning": "not tested: fewer than two groups or levels with children"}
    return {**row, "statistic": statistic, "estimate": result[0], "p_value": result[1],
            "method": method}


def mark_nominal_secondary(rows: list[dict]) -> list[dict]:
    """The nominal test rows of an ordered variable, with their method saying they are
    secondary (left out of the multiplicity family by `is_secondary_test`)."""
    return [
        {**row, "method": f"{row['method']}; {SECONDARY_NOTE}"}
        if row.get("statistic") in NOMINAL_TESTS else row
        for row in rows
    ]


def is_secondary_test(table: pd.DataFrame) -> np.ndarray:
    """True on the rows whose test is secondary (not in the multiplicity family)."""
    return table["method"].astype("string").str.contains(SECONDARY_TEST, regex=False).fillna(
        False).to_numpy(dtype=bool)


def ordered_variable_rows(rows: list[dict], level_codes: np.ndarray, context) -> list[dict]:
    """`level_rows`' rows of an ordered variable with the nominal tests marked secondary and
    the ordered tests added after them."""
    groups, g_codes = context.groups, context.group_codes
    k = int(level_codes.max()) + 1 if (level_codes >= 0).any() else 1
    k = max(k, _level_count(rows))
    known = (g_codes >= 0) & (level_codes >= 0)
    table = np.bincount(g_codes[known] * k + level_codes[known],
                        minlength=len(groups) * k).reshape(len(groups), k)
    pairs = {g: PAIR_SEPARATOR.join((groups[context.reference], groups[g]))
             for g in range(len(groups)) if g != context.reference}
    return mark_nominal_secondary(rows) + ordered_test_rows(
        table, context.labels, context.reference, pairs)


def _level_count(rows: list[dict]) -> int:
    return len({row["level"] for row in rows if row.get("statistic") == "proportion"})
