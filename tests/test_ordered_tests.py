"""Ordered categories are tested as ordered: Kruskal-Wallis on the level codes across the groups
and the linear-by-linear (Mantel trend) test per pair, checked against a published worked
example and hand computations; the nominal tests stay as secondary, out of the Holm family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tahsb_analysis.analyses.group_comparison import compare_groups
from tahsb_analysis.analyses.ordered_tests import (
    KRUSKAL_ORDERED_METHOD,
    LINEAR_BY_LINEAR_METHOD,
    is_secondary_test,
    kruskal_on_ordered_codes,
    linear_by_linear,
)


def test_linear_by_linear_reproduces_agrestis_worked_example():
    # Agresti, A. (2007). An Introduction to Categorical Data Analysis, 2nd ed., Table 2.13 and
    # section 2.5.3: infant malformation by mother's alcohol consumption, scores 0, 0.5, 1.5,
    # 4.0, 7.0; "r = 0.0142, M^2 = (32,573)(0.0142)^2 = 6.57, P-value = 0.01".
    table = np.array([[17066, 14464, 788, 126, 37], [48, 38, 5, 1, 1]])
    m2, p = linear_by_linear(table, row_scores=[0, 1], column_scores=[0, 0.5, 1.5, 4.0, 7.0])
    assert m2 == pytest.approx(6.57, abs=0.005)
    assert p == pytest.approx(0.0104, abs=0.0005)


def test_linear_by_linear_is_n_minus_one_times_pearson_r_squared():
    table = np.array([[5, 3, 1], [2, 4, 6]])
    rows = np.repeat([0, 0, 0, 1, 1, 1], table.ravel())
    columns = np.repeat([0, 1, 2, 0, 1, 2], table.ravel())
    r = stats.pearsonr(rows, columns).statistic
    m2, p = linear_by_linear(table)
    assert m2 == pytest.approx((table.sum() - 1) * r**2, rel=1e-12)
    assert p == pytest.approx(stats.chi2.sf(m2, 1), rel=1e-12)
    # By hand: N = 21, row mean 4/7, column mean 1; sum of cross-products 16/7 + 12/7 = 4,
    # sums of squares 36/7 and 14, so r^2 = 16 / 72 = 2/9 and M2 = 20 * 2/9 = 40/9.
    assert m2 == pytest.approx(40 / 9, rel=1e-12)


def test_linear_by_linear_needs_two_levels_in_each_margin():
    assert linear_by_linear(np.array([[3, 0, 0], [4, 0, 0]])) is None
    assert linear_by_linear(np.array([[3, 2, 1], [0, 0, 0]])) is None


def test_kruskal_on_ordered_codes_matches_a_hand_computed_tie_corrected_h():
    # Three groups, levels 0 < 1 < 2. Mid-ranks of the 12 children: level 0 (4 children)
    # 2.5, level 1 (4) 6.5, level 2 (4) 10.5.
    table = np.array([[3, 1, 0], [1, 2, 1], [0, 1, 3]])
    h, p = kruskal_on_ordered_codes(table)
    rank_sums = np.array([3 * 2.5 + 6.5, 2.5 + 2 * 6.5 + 10.5, 6.5 + 3 * 10.5])
    n, sizes = 12, np.array([4, 4, 4])
    h_raw = 12 / (n * (n + 1)) * (rank_sums**2 / sizes).sum() - 3 * (n + 1)
    ties = 1 - 3 * (4**3 - 4) / (n**3 - n)
    assert h == pytest.approx(h_raw / ties, rel=1e-12)
    assert p == pytest.approx(stats.chi2.sf(h_raw / ties, 2), rel=1e-12)
    assert kruskal_on_ordered_codes(np.array([[4, 0], [3, 0]])) is None


def _ordered_frame() -> pd.DataFrame:
    levels = ["stable", "some_instability", "unstable"]
    groups = ["ta_only"] * 8 + ["dual"] * 8 + ["offline_only"] * 8
    values = (["stable"] * 6 + ["some_instability"] * 2
              + ["stable"] * 2 + ["some_instability"] * 3 + ["unstable"] * 3
              + ["stable"] * 3 + ["some_instability"] * 2 + ["unstable"] * 3)
    return pd.DataFrame({
        "hsb_group": groups,
        "family_stability": pd.Categorical(values, categories=levels, ordered=True),
        "looked_after": pd.array([True, False] * 12, dtype="boolean"),
    })


def test_compare_groups_adds_ordered_tests_and_keeps_nominal_ones_as_secondary():
    table = compare_groups(_ordered_frame(), "hsb_group", ["family_stability", "looked_after"])
    ordered = table[table["variable"].eq("family_stability") & table["p_value"].notna()]
    kruskal = ordered[ordered["statistic"].eq("kruskal_wallis")]
    assert len(kruskal) == 1 and kruskal["method"].iloc[0] == KRUSKAL_ORDERED_METHOD
    codes = _ordered_frame()["family_stability"].cat.codes
    by_group = [codes[_ordered_frame()["hsb_group"].eq(g)] for g in ("ta_only", "dual",
                                                                       "offline_only")]
    assert kruskal["p_value"].iloc[0] == pytest.approx(stats.kruskal(*by_group).pvalue)
    trend = ordered[ordered["statistic"].eq("linear_by_linear")]
    assert list(trend["group"]) == ["ta_only vs dual", "ta_only vs offline_only"]
    assert set(trend["method"]) == {LINEAR_BY_LINEAR_METHOD}
    # ta_only vs dual: 2 x 3 table [[6, 2, 0], [2, 3, 3]]
    assert trend["estimate"].iloc[0] == pytest.approx(
        linear_by_linear(np.array([[6, 2, 0], [2, 3, 3]]))[0])
    secondary = is_secondary_test(table)
    nominal = table[secondary]
    assert len(nominal) == 3 and set(nominal["variable"]) == {"family_stability"}
    assert nominal["p_adjusted"].isna().all()
    # A yes/no variable is not ordered: no ordered test, its nominal test stays primary.
    looked_after = table[table["variable"].eq("looked_after") & table["p_value"].notna()]
    assert not looked_after["statistic"].isin(["kruskal_wallis", "linear_by_linear"]).any()
    assert looked_after["p_adjusted"].notna().all()
    # The Holm family is every primary test: its size is the number of adjusted p-values.
    family = table.loc[~secondary, "p_value"].dropna()
    smallest = family.idxmin()
    assert table.loc[smallest, "p_adjusted"] == pytest.approx(
        min(1.0, family.min() * len(family)))


def test_unordered_categories_get_no_ordered_test():
    frame = _ordered_frame()
    frame["family_stability"] = frame["family_stability"].cat.as_unordered()
    table = compare_groups(frame, "hsb_group", ["family_stability"])
    assert not table["statistic"].isin(["kruskal_wallis", "linear_by_linear"]).any()
    assert not is_secondary_test(table).any()
