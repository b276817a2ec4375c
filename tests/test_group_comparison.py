"""Group comparisons (`compare_groups`): tiny frames with known answers.

Each test builds a frame whose answer is known by construction (counts, hand-computed ranks) or
from an independent reference (SciPy, statsmodels, a published worked example), quoted next to
the expected number.
"""

import copy
import warnings
from math import comb

import numpy as np
import pandas as pd
import pytest
from conftest import one, select
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from tahsb_analysis.analyses.group_comparison import (
    COMPARISON_COLUMNS,
    GROUPS,
    adjust_p_values,
    compare_groups,
)
from tahsb_analysis.analyses.group_statistics import ONE_CHILD_WARNING, hodges_lehmann
from tahsb_analysis.analyses.inference import proportion_ci
from tahsb_analysis.results.schema import make_results, validate_results
from tahsb_analysis.vocabulary import EMPTY_DENOMINATOR_WARNING

GROUP = "hsb_group"
TWO_GROUPS = ("ta_only", "dual")
STAGE = ["stable", "some_instability", "unstable"]


# ---------------------------------------------------------------------------------------------
# Helpers


def frame_of(
    values_by_group: dict[str, list], dtype: str, name: str = "x", categories=None
) -> pd.DataFrame:
    """One row per value: the group code in "hsb_group" and the value in column `name`."""
    groups = [g for g, values in values_by_group.items() for _ in values]
    values = [v for values in values_by_group.values() for v in values]
    frame = pd.DataFrame({GROUP: pd.Series(groups, dtype="string")})
    if dtype == "category":
        frame[name] = pd.Categorical(values, categories=categories)
    else:
        frame[name] = pd.Series(values, dtype=dtype)
    return frame


def yes_no(yes: int, no: int, missing: int = 0) -> list:
    return [True] * yes + [False] * no + [None] * missing


def overall_test(result: pd.DataFrame, variable: str = "x") -> pd.Series:
    return one(result, variable=variable, group=None, level=None)


def compare(frame, variables=("x",), **options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy/scipy warning may escape
        return compare_groups(frame, GROUP, list(variables), **options)


# ---------------------------------------------------------------------------------------------
# Shares and the chi-squared / exact switch


def test_boolean_variable_gives_the_share_yes_per_group_and_for_all_groups_together():
    frame = frame_of(
        {"ta_only": yes_no(1, 3), "dual": yes_no(2, 2), "offline_only": yes_no(3, 1, missing=1)},
        "boolean",
    )

    result = compare(frame)

    shares = select(result, statistic="proportion")
    assert shares["level"].unique().tolist() == ["yes"]
    counted = {
        g: (int(n), int(d))
        for g, n, d in zip(shares["group"], shares["n"], shares["denominator"], strict=True)
    }
    # by construction: 1/4, 2/4, 3/4 (one missing left out), all 6/12
    assert counted == {"ta_only": (1, 4), "dual": (2, 4), "offline_only": (3, 4), "all": (6, 12)}
    low, high = proportion_ci([6], [12], "wilson", 0.95)
    row = one(result, statistic="proportion", group="all")
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((0.5, low[0], high[0]))
    assert row["method"] == "Wilson 95% CI"
    assert row["group_variable"] == GROUP


def test_clopper_pearson_limits_come_from_proportion_ci():
    frame = frame_of({"ta_only": yes_no(3, 7), "dual": yes_no(5, 5)}, "boolean")

    result = compare(frame, groups=TWO_GROUPS, ci_method="clopper-pearson", confidence=0.9)

    row = one(result, statistic="proportion", group="ta_only")
    # statsmodels proportion_confint(3, 10, alpha=0.1, method="beta")
    low, high = proportion_ci([3], [10], "clopper-pearson", 0.9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low[0], high[0]))
    assert row["method"] == "Clopper-Pearson exact 90% CI"


def test_chi_squared_is_used_when_the_smallest_expected_count_is_exactly_5():
    # 7/10 vs 3/10 yes: margins 10, 10 and 10, 10, so every expected count is 5.
    frame = frame_of({"ta_only": yes_no(7, 3), "dual": yes_no(3, 7)}, "boolean")

    result = compare(frame, groups=TWO_GROUPS)

    test = overall_test(result)
    # scipy.stats.chi2_contingency([[7, 3], [3, 7]], correction=False): statistic 3.2,
    # p 0.07363827012030258; by hand X2 = 4 * (7 - 5)**2 / 5 = 3.2
    assert test["statistic"] == "chi2"
    assert test["estimate"] == pytest.approx(3.2)
    assert test["p_value"] == pytest.approx(0.07363827012030258)
    assert test["method"] == "Pearson chi-squared test (1 df)"
    assert pd.isna(test["warning"])


def test_fisher_exact_test_is_used_when_the_smallest_expected_count_is_4_5():
    # 7/9 vs 2/9 yes: margins 9, 9 and 9, 9, so every expected count is 4.5.
    frame = frame_of({"ta_only": yes_no(7, 2), "dual": yes_no(2, 7)}, "boolean")

    result = compare(frame, groups=TWO_GROUPS)

    test = overall_test(result)
    # Hypergeometric tables at least as extreme (first cell 0, 1, 2, 7, 8, 9):
    # 2 * (C(9,7)C(9,2) + C(9,8)C(9,1) + C(9,9)C(9,0)) / C(18,9) = 2756 / 48620;
    # scipy.stats.fisher_exact([[7, 2], [2, 7]]) -> p 0.056684491978609634, odds ratio 12.25
    by_hand = 2 * (comb(9, 7) * comb(9, 2) + comb(9, 8) * comb(9, 1) + 1) / comb(18, 9)
    assert by_hand == pytest.approx(2756 / 48620)
    assert test["statistic"] == "fisher_exact"
    assert test["p_value"] == pytest.approx(by_hand)
    assert test["estimate"] == pytest.approx(12.25)
    assert test["method"] == "Fisher's exact test (two-sided)"
    assert test["warning"] == "exact test used: expected count below 5 (minimum 4.50)"


def test_an_r_by_c_table_with_small_counts_gets_the_fisher_freeman_halton_monte_carlo_test():
    frame = frame_of(
        {
            "ta_only": ["stable"] * 3 + ["unstable"],
            "dual": ["some_instability"] * 2 + ["unstable"] * 3,
            "offline_only": ["stable", "some_instability", "unstable", "unstable"],
        },
        "category",
        categories=STAGE,
    )

    result = compare(frame, exact_test_seed=7, exact_test_resamples=9_999)

    test = overall_test(result)
    table = np.array([[3, 0, 1], [0, 2, 3], [1, 1, 2]])
    # scipy.stats.fisher_exact(table, method=MonteCarloMethod(n_resamples=9999,
    # rng=np.random.default_rng(7)))
    reference = stats.fisher_exact(
        table, method=stats.MonteCarloMethod(n_resamples=9_999, rng=np.random.default_rng(7))
    )
    assert test["statistic"] == "fisher_exact"
    assert test["p_value"] == pytest.approx(float(np.ravel(reference.pvalue)[0]))
    assert test["method"] == (
        "Fisher-Freeman-Halton exact test, Monte Carlo p-value (9999 tables, seed 7)"
    )
    assert test["warning"].startswith("exact test used: expected count below 5")
    assert (test["n"], test["denominator"]) == (13, 13)


def test_a_categorical_variable_reports_every_level_also_one_with_zero_children():
    frame = frame_of(
        {
            "ta_only": ["stable"] * 12 + ["some_instability"] * 8,
            "dual": ["stable"] * 6 + ["some_instability"] * 14,
        },
        "category",
        categories=STAGE,
    )

    result = compare(frame, groups=TWO_GROUPS)

    unstable = select(result, statistic="proportion", level="unstable")
    assert unstable["group"].tolist() == ["ta_only", "dual", "all"]
    assert unstable["n"].tolist() == [0, 0, 0]
    assert unstable["estimate"].tolist() == [0.0, 0.0, 0.0]
    # The empty level carries nothing: test and Cramer's V equal those of the 2 x 2 table.
    # scipy.stats.chi2_contingency([[12, 8], [6, 14]], correction=False) and
    # scipy.stats.contingency.association([[12, 8], [6, 14]], method="cramer")
    reduced = np.array([[12, 8], [6, 14]])
    chi2 = stats.chi2_contingency(reduced, correction=False)
    test = overall_test(result)
    assert (test["statistic"], test["estimate"]) == ("chi2", pytest.approx(chi2.statistic))
    assert test["p_value"] == pytest.approx(chi2.pvalue)
    v = one(result, statistic="cramers_v")
    assert v["group"] == "ta_only vs dual"
    assert v["estimate"] == pytest.approx(stats.contingency.association(reduced, method="cramer"))
    assert v["method"] == "Cramer's V"


def test_pairwise_categorical_rows_give_cramers_v_and_a_test_of_the_2_by_k_table():
    frame = frame_of(
        {
            "ta_only": ["stable"] * 8 + ["some_instability"] * 6 + ["unstable"] * 6,
            "dual": ["stable"] * 4 + ["some_instability"] * 8 + ["unstable"] * 8,
            "offline_only": ["stable"] * 10 + ["some_instability"] * 6 + ["unstable"] * 6,
        },
        "category",
        categories=STAGE,
    )

    result = compare(frame)

    pair = np.array([[8, 6, 6], [10, 6, 6]])
    # scipy.stats.contingency.association(pair, method="cramer");
    # scipy.stats.chi2_contingency(pair, correction=False)
    v = one(result, statistic="cramers_v", group="ta_only vs offline_only")
    assert v["estimate"] == pytest.approx(stats.contingency.association(pair, method="cramer"))
    test = select(result, group="ta_only vs offline_only").query("statistic != 'cramers_v'")
    assert len(test) == 1
    chi2 = stats.chi2_contingency(pair, correction=False)
    assert test.iloc[0]["statistic"] == "chi2"
    assert test.iloc[0]["p_value"] == pytest.approx(chi2.pvalue)
    assert test.iloc[0]["method"] == "Pearson chi-squared test (2 df)"


# ---------------------------------------------------------------------------------------------
# Risk difference


def test_risk_difference_ci_matches_newcombe_1998_worked_example_and_statsmodels():
    # Newcombe (1998), Stat Med 17:873, example (c): 56/70 vs 48/80, difference 0.2,
    # method 10 (hybrid score) 95% CI 0.0524 to 0.3339.
    frame = frame_of({"ta_only": yes_no(56, 14), "dual": yes_no(48, 32)}, "boolean")

    result = compare(frame, groups=TWO_GROUPS)

    row = one(result, statistic="risk_difference")
    assert row["group"] == "ta_only vs dual"
    assert row["level"] == "yes"
    assert row["estimate"] == pytest.approx(0.2)
    assert row["ci_low"] == pytest.approx(0.0524, abs=5e-5)
    assert row["ci_high"] == pytest.approx(0.3339, abs=5e-5)
    # statsmodels confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    low, high = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["method"] == (
        "risk difference (reference minus comparison), Newcombe hybrid score 95% CI"
    )
    assert (row["n"], row["denominator"]) == (150, 150)


def test_risk_difference_is_reference_minus_comparison_at_the_chosen_confidence():
    frame = frame_of(
        {"ta_only": yes_no(2, 8), "dual": yes_no(6, 4), "offline_only": yes_no(5, 5)}, "boolean"
    )

    result = compare(frame, reference="dual", confidence=0.9)

    rows = select(result, statistic="risk_difference")
    assert rows["group"].tolist() == ["dual vs ta_only", "dual vs offline_only"]
    assert rows["estimate"].tolist() == pytest.approx([0.6 - 0.2, 0.6 - 0.5])
    # confint_proportions_2indep(6, 10, 2, 10, method="newcomb", compare="diff", alpha=0.1)
    low, high = confint_proportions_2indep(
        6, 10, 2, 10, method="newcomb", compare="diff", alpha=0.1
    )
    assert (rows.iloc[0]["ci_low"], rows.iloc[0]["ci_high"]) == pytest.approx((low, high))
    assert rows.iloc[0]["method"].endswith("Newcombe hybrid score 90% CI")
    tests = select(result, group="dual vs ta_only").query("statistic != 'risk_difference'")
    # 2 x 2 table [[6, 4], [2, 8]] has expected counts 4 and 6: Fisher's exact test;
    # scipy.stats.fisher_exact([[6, 4], [2, 8]])
    assert tests.iloc[0]["statistic"] == "fisher_exact"
    assert tests.iloc[0]["p_value"] == pytest.approx(stats.fisher_exact([[6, 4], [2, 8]]).pvalue)


# ---------------------------------------------------------------------------------------------
# Continuous variables


def test_kruskal_wallis_with_ties_matches_a_hand_computed_h_and_scipy():
    # Values 1, 2, 2 (ta_only); 3, 4 (dual); 2, 5 (offline_only). Ranks of the 7 values:
    # 1 -> 1; the three 2s share ranks 2, 3, 4 -> 3 each; 3 -> 5; 4 -> 6; 5 -> 7.
    # Rank sums: ta_only 1 + 3 + 3 = 7, dual 5 + 6 = 11, offline_only 3 + 7 = 10.
    # H = 12 / (7 * 8) * (7**2/3 + 11**2/2 + 10**2/2) - 3 * 8 = 761/28 - 24 = 89/28;
    # tie correction 1 - (3**3 - 3) / (7**3 - 7) = 13/14; corrected H = 89/26 = 3.4230769.
    frame = frame_of({"ta_only": [1, 2, 2], "dual": [3, 4], "offline_only": [2, 5]}, "Float64")

    result = compare(frame, continuous=["x"])

    test = overall_test(result)
    assert test["statistic"] == "kruskal_wallis"
    assert test["estimate"] == pytest.approx(89 / 26)
    # scipy.stats.kruskal([1, 2, 2], [3, 4], [2, 5]) -> H 3.423076923076921, p 0.18058775148419245
    reference = stats.kruskal([1, 2, 2], [3, 4], [2, 5])
    assert test["estimate"] == pytest.approx(reference.statistic)
    assert test["p_value"] == pytest.approx(reference.pvalue)
    assert test["p_value"] == pytest.approx(stats.chi2.sf(89 / 26, 2))
    assert test["method"] == "Kruskal-Wallis H test (ties corrected)"
    assert (test["n"], test["denominator"], test["unit"]) == (7, 7, "children")


def test_kruskal_wallis_on_many_tied_ages_matches_scipy():
    rng = np.random.default_rng(3)
    samples = {
        g: np.round(rng.uniform(8, 16, size), 0).tolist()
        for g, size in zip(GROUPS, (15, 40, 25), strict=True)
    }
    frame = frame_of(samples, "Float64")

    result = compare(frame, continuous=["x"])

    # scipy.stats.kruskal(*samples.values())
    reference = stats.kruskal(*samples.values())
    test = overall_test(result)
    assert test["estimate"] == pytest.approx(reference.statistic)
    assert test["p_value"] == pytest.approx(reference.pvalue)


def test_anova_matches_scipy_f_oneway_and_a_hand_computed_f():
    # Groups 1, 2, 3 and 4, 5, 6: grand mean 3.5, between SS 2 * 3 * 1.5**2 = 13.5 on 1 df,
    # within SS 2 + 2 = 4 on 4 df, so F = 13.5 / (4 / 4) = 13.5.
    frame = frame_of({"ta_only": [1, 2, 3], "dual": [4, 5, 6]}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"], continuous_test="anova")

    test = overall_test(result)
    # scipy.stats.f_oneway([1, 2, 3], [4, 5, 6]) -> F 13.5, p 0.021311641128756713
    reference = stats.f_oneway([1, 2, 3], [4, 5, 6])
    assert test["statistic"] == "anova"
    assert test["estimate"] == pytest.approx(13.5)
    assert test["p_value"] == pytest.approx(reference.pvalue)
    assert test["method"] == "one-way ANOVA"


def test_summary_rows_give_mean_with_t_interval_sd_and_linear_quartiles_in_years():
    values = [10.0, 11.5, 12.0, 15.5]
    frame = frame_of({"ta_only": values, "dual": [9.0, 9.5]}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    rows = select(result, variable="x", group="ta_only").set_index("statistic")
    assert rows.index.tolist() == ["mean", "sd", "median", "q1", "q3"]
    # scipy.stats.t.interval(0.95, 3, loc=mean, scale=sd / 2)
    mean, sd = np.mean(values), np.std(values, ddof=1)
    low, high = stats.t.interval(0.95, 3, loc=mean, scale=sd / 2)
    assert rows.loc["mean", ["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [12.25, low, high]
    )
    assert rows.loc["sd", "estimate"] == pytest.approx(sd)
    # linear interpolation (type 7): positions 0.75, 1.5, 2.25 of 10, 11.5, 12, 15.5
    assert rows.loc[["q1", "median", "q3"], "estimate"].tolist() == pytest.approx(
        [11.125, 11.75, 12.875]
    )
    assert rows.loc["mean", "method"] == "mean with t-based 95% CI"
    assert rows.loc["sd", "method"] == "standard deviation (n - 1)"
    assert set(rows.loc[["median", "q1", "q3"], "method"]) == {
        "median and quartiles (linear interpolation)"
    }
    assert set(rows["unit"]) == {"years"}
    assert set(rows["n"]) == set(rows["denominator"]) == {4}
    assert one(result, group="all", statistic="mean")["estimate"] == pytest.approx(
        np.mean(values + [9.0, 9.5])
    )


def test_mann_whitney_u_and_rank_biserial_match_scipy():
    reference_values = [12.5, 14.0, 14.0, 15.5, 16.0, 13.0]
    other_values = [9.0, 14.0, 11.5, 10.0, 12.5]
    frame = frame_of({"ta_only": reference_values, "dual": other_values}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    # scipy.stats.mannwhitneyu(reference_values, other_values, alternative="two-sided")
    scipy_result = stats.mannwhitneyu(reference_values, other_values, alternative="two-sided")
    test = one(result, statistic="mann_whitney_u")
    assert test["group"] == "ta_only vs dual"
    assert test["estimate"] == pytest.approx(scipy_result.statistic)
    assert test["p_value"] == pytest.approx(scipy_result.pvalue)
    assert test["method"] == "Mann-Whitney U test (two-sided)"
    r = one(result, statistic="rank_biserial")
    assert r["estimate"] == pytest.approx(2 * scipy_result.statistic / (6 * 5) - 1)
    assert r["estimate"] > 0  # the reference group tends to be older
    assert r["method"] == "rank-biserial correlation"


def test_rank_biserial_is_1_when_every_reference_value_is_larger():
    # Every one of the 3 x 2 pairs has the reference larger: U = 6, r = 2 * 6 / 6 - 1 = 1.
    # Pairwise differences 2, 1, 3, 2, 4, 3 -> sorted 1, 2, 2, 3, 3, 4 -> median 2.5.
    frame = frame_of({"ta_only": [3, 4, 5], "dual": [1, 2]}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    assert one(result, statistic="mann_whitney_u")["estimate"] == 6
    assert one(result, statistic="rank_biserial")["estimate"] == pytest.approx(1.0)
    assert one(result, statistic="hodges_lehmann")["estimate"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    "reference_values, other_values",
    [
        ([14.2, 12.9, 15.1, 13.3, 16.0], [11.0, 13.7, 9.8, 12.2]),  # 20 pairs, no ties
        ([14.0, 14.0, 12.5, 15.0, 12.5, 14.0, 13.0], [12.5, 14.0, 11.0, 11.0, 12.5]),  # ties
        ([10.0, 11.0, 12.0], [10.0, 10.5, 12.0]),  # 9 pairs: odd count
    ],
)
def test_hodges_lehmann_equals_the_brute_force_median_of_all_pairwise_differences(
    reference_values, other_values
):
    # np.median(np.subtract.outer(reference, other)): every pairwise difference
    brute_force = np.median(np.subtract.outer(reference_values, other_values))
    frame = frame_of({"ta_only": reference_values, "dual": other_values}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    row = one(result, statistic="hodges_lehmann")
    assert row["estimate"] == pytest.approx(brute_force)
    assert pd.isna(row["ci_low"]) and pd.isna(row["ci_high"])
    assert row["method"] == "Hodges-Lehmann shift (reference minus comparison)"
    assert row["unit"] == "years"
    assert hodges_lehmann(reference_values, other_values) == (pytest.approx(brute_force), None)


def test_hodges_lehmann_beyond_the_exact_limit_uses_seeded_random_pairs_and_says_so():
    rng = np.random.default_rng(11)
    x, y = rng.normal(14, 2, 300), rng.normal(12, 2, 200)
    brute_force = np.median(np.subtract.outer(x, y))

    estimate, warning = hodges_lehmann(x, y, seed=5, exact_limit=1_000, random_pairs=200_000)

    assert estimate == pytest.approx(brute_force, abs=0.05)
    assert "200000 random pairs (seed 5)" in warning
    assert "300 x 200 distinct values" in warning
    again = hodges_lehmann(x, y, seed=5, exact_limit=1_000, random_pairs=200_000)
    assert again == (estimate, warning)


# ---------------------------------------------------------------------------------------------
# Multiplicity


def test_holm_and_benjamini_hochberg_match_a_hand_example_and_statsmodels():
    p = [0.01, 0.04, 0.03]
    # Holm: sorted 0.01, 0.03, 0.04 times 3, 2, 1 -> 0.03, 0.06, 0.04, made monotone 0.06.
    assert adjust_p_values(p, "holm").tolist() == pytest.approx([0.03, 0.06, 0.06])
    # BH: 0.01 * 3/1 = 0.03, 0.03 * 3/2 = 0.045, 0.04 * 3/3 = 0.04; step-up min -> 0.04, 0.04.
    assert adjust_p_values(p, "fdr_bh").tolist() == pytest.approx([0.03, 0.04, 0.04])
    # statsmodels.stats.multitest.multipletests(p, method="holm" / "fdr_bh")
    for method in ("holm", "fdr_bh"):
        assert adjust_p_values(p, method).tolist() == pytest.approx(
            multipletests(p, method=method)[1]
        )


def test_a_missing_p_value_stays_missing_and_leaves_the_others_adjusted():
    adjusted = adjust_p_values(pd.Series([0.01, np.nan, 0.04, 0.03]), "holm")

    assert pd.isna(adjusted[1])
    assert adjusted.drop(1).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert str(adjusted.dtype) == "Float64"


def test_every_p_value_of_the_table_is_adjusted_as_one_family_and_untested_rows_stay_na():
    frame = frame_of(
        {"ta_only": yes_no(7, 3), "dual": yes_no(3, 7), "offline_only": yes_no(4, 6)}, "boolean"
    )
    frame["age"] = pd.Series([12.0] * len(frame), dtype="Float64")  # one value: not tested
    frame["y"] = frame["x"].copy()

    for method, label in (("holm", "Holm"), ("fdr_bh", "Benjamini-Hochberg")):
        result = compare(frame, ["x", "age", "y"], continuous=["age"], p_adjust=method)

        tested = result[result["p_value"].notna()]
        # statsmodels multipletests over the non-missing p-values of the whole table
        expected = multipletests(tested["p_value"].to_numpy(dtype=float), method=method)[1]
        assert tested["p_adjusted"].to_numpy(dtype=float) == pytest.approx(expected)
        assert set(tested["p_adjust_method"]) == {label}
        assert len(tested) == 2 * 3 + 2  # x and y: overall + 2 pairwise; age: 2 Mann-Whitney
        untested = overall_test(result, "age")
        assert untested["statistic"] == "not_tested"
        assert untested["warning"] == "not tested: every child has the same value"
        assert pd.isna(untested["p_value"]) and pd.isna(untested["p_adjusted"])
        assert pd.isna(untested["p_adjust_method"])
        assert result.loc[result["p_value"].isna(), "p_adjusted"].isna().all()


# ---------------------------------------------------------------------------------------------
# Edge cases


def test_a_group_with_a_single_child_has_no_standard_deviation_and_says_so():
    frame = frame_of({"ta_only": [14.5], "dual": [10.0, 11.0, 12.5]}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    rows = select(result, group="ta_only").set_index("statistic")
    assert pd.isna(rows.loc["sd", "estimate"])
    assert rows.loc["sd", "warning"] == ONE_CHILD_WARNING == "one child: no standard deviation"
    assert rows.loc["mean", "estimate"] == 14.5
    assert pd.isna(rows.loc["mean", "ci_low"])
    assert rows.loc[["median", "q1", "q3"], "estimate"].tolist() == [14.5, 14.5, 14.5]
    assert set(rows["n"]) == {1}
    # scipy.stats.mannwhitneyu([14.5], [10, 11, 12.5]) still compares the single child
    assert one(result, statistic="mann_whitney_u")["estimate"] == 3


def test_a_boolean_variable_missing_for_everyone_in_one_group_gives_empty_denominators():
    frame = frame_of(
        {"ta_only": yes_no(3, 2), "dual": yes_no(0, 0, missing=4), "offline_only": yes_no(1, 4)},
        "boolean",
    )
    frame["x__missing"] = pd.Series(
        [None] * 5 + ["-9", "-9", "-8", "-9"] + [None] * 5, dtype="string"
    )

    result = compare(frame)

    share = one(result, statistic="proportion", group="dual")
    assert (share["n"], share["denominator"]) == (0, 0)
    assert pd.isna(share["estimate"]) and pd.isna(share["ci_low"])
    assert share["warning"] == EMPTY_DENOMINATOR_WARNING
    assert EMPTY_DENOMINATOR_WARNING == "empty denominator: no children in this population"
    missing = select(result, group="dual", statistic="count")
    assert list(zip(missing["level"], missing["n"], missing["denominator"], strict=True)) == [
        ("missing: not recorded", 3, 4),
        ("missing: not applicable", 1, 4),
    ]
    everyone = select(result, group="all", statistic="count")
    assert everyone["n"].tolist() == [3, 1] and everyone["denominator"].tolist() == [14, 14]
    assert select(result, group="ta_only", statistic="count").empty  # no missing: no row
    difference = one(result, statistic="risk_difference", group="ta_only vs dual")
    assert pd.isna(difference["estimate"])
    assert difference["warning"] == (
        "not estimated: no child with a known value in dual (TA-HSB and offline HSB)"
    )
    pair_test = select(result, group="ta_only vs dual").query("statistic != 'risk_difference'")
    assert pair_test.iloc[0]["statistic"] == "not_tested"
    # The overall test uses the two groups with known values: [[3, 2], [1, 4]], exact.
    assert overall_test(result)["p_value"] == pytest.approx(
        stats.fisher_exact([[3, 2], [1, 4]]).pvalue
    )


def test_a_continuous_variable_missing_for_everyone_in_one_group_is_left_out_of_the_test():
    frame = frame_of(
        {
            "ta_only": [13.0, 14.5, 15.0],
            "dual": [None, None],
            "offline_only": [9.0, 10.5, 11.0, 12.0],
        },
        "Float64",
    )

    result = compare(frame, continuous=["x"])

    empty = select(result, group="dual", unit="years")
    assert empty["statistic"].tolist() == ["mean", "sd", "median", "q1", "q3"]
    assert empty["estimate"].isna().all() and (empty["denominator"] == 0).all()
    assert set(empty["warning"]) == {EMPTY_DENOMINATOR_WARNING}
    missing = one(result, group="dual", statistic="count")
    assert (missing["level"], missing["n"], missing["denominator"]) == (
        "missing: not recorded",
        2,
        2,
    )
    test = overall_test(result)
    # scipy.stats.kruskal([13, 14.5, 15], [9, 10.5, 11, 12])
    assert test["estimate"] == pytest.approx(
        stats.kruskal([13, 14.5, 15], [9, 10.5, 11, 12]).statistic
    )
    assert test["warning"] == "group(s) with no value left out of the test: dual"
    pair = select(result, group="ta_only vs dual")
    assert pair["statistic"].tolist() == ["hodges_lehmann", "rank_biserial", "not_tested"]
    assert pair["estimate"].isna().all()


def test_fewer_than_two_groups_with_a_value_is_not_tested():
    frame = frame_of({"ta_only": [13.0, 14.5], "dual": [None]}, "Float64")

    result = compare(frame, groups=TWO_GROUPS, continuous=["x"])

    test = overall_test(result)
    assert (test["statistic"], test["method"]) == ("not_tested", "no test")
    assert test["warning"] == "not tested: fewer than two groups with a value"


def test_a_group_with_no_children_at_all_gives_empty_rows_without_numpy_warnings():
    frame = frame_of({"ta_only": yes_no(2, 3), "dual": yes_no(1, 1)}, "boolean")
    frame["age"] = pd.Series([10.0, 11.0, 12.0, 13.0, 14.0, 9.0, 9.5], dtype="Float64")

    result = compare(frame, ["x", "age"], continuous=["age"])  # no offline_only child

    assert one(result, group="offline_only", statistic="group_size")["n"] == 0
    empty = select(result, group="offline_only")
    empty = empty[empty["statistic"] != "group_size"]
    assert len(empty) == 1 + 5
    assert (empty["denominator"] == 0).all() and empty["estimate"].isna().all()
    assert set(empty["warning"]) == {EMPTY_DENOMINATOR_WARNING}
    assert select(result, group="offline_only", statistic="count").empty


def test_children_outside_the_compared_groups_are_left_out():
    frame = frame_of(
        {"ta_only": yes_no(2, 2), "neither": yes_no(5, 0), "dual": yes_no(1, 3)}, "boolean"
    )
    frame.loc[0, GROUP] = pd.NA

    result = compare(frame, groups=TWO_GROUPS)

    assert one(result, statistic="proportion", group="ta_only")["denominator"] == 3
    assert one(result, statistic="proportion", group="all")["denominator"] == 7
    assert "neither" not in set(result["group"].dropna())


def test_a_categorical_group_column_is_read_by_its_codes():
    frame = frame_of(
        {"ta_only": yes_no(2, 2), "dual": yes_no(1, 3), "neither": yes_no(1, 0)}, "boolean"
    )
    frame[GROUP] = pd.Categorical(
        frame[GROUP], categories=["neither", "dual", "ta_only", "offline_only"]
    )

    result = compare(frame)

    shares = select(result, statistic="proportion")
    assert shares["group"].tolist() == ["ta_only", "dual", "offline_only", "all"]
    assert shares["denominator"].tolist() == [4, 4, 0, 8]


# ---------------------------------------------------------------------------------------------
# Contract


def test_input_data_not_modified():
    frame = frame_of(
        {"ta_only": yes_no(3, 2, 1), "dual": yes_no(2, 4), "offline_only": yes_no(1, 1)}, "boolean"
    )
    frame["age"] = pd.Series(np.linspace(8, 15, len(frame)), dtype="Float64")
    frame["stage"] = pd.Categorical(["stable", "unstable"] * 7, categories=STAGE)
    frame["x__missing"] = pd.Series([None] * 5 + ["-9"] + [None] * 8, dtype="string")
    before = copy.deepcopy(frame)

    compare(frame, ["x", "age", "stage"], continuous=["age"])

    pd.testing.assert_frame_equal(frame, before)


def test_output_has_the_results_columns_and_types_and_make_results_accepts_it():
    frame = frame_of(
        {"ta_only": yes_no(3, 2, 1), "dual": yes_no(2, 4), "offline_only": yes_no(1, 1)}, "boolean"
    )
    frame["age"] = pd.Series(np.linspace(8, 15, len(frame)), dtype="Float64")

    result = compare(frame, ["x", "age"], continuous=["age"], findings={"x": "C4"})

    assert {c: str(t) for c, t in result.dtypes.items()} == COMPARISON_COLUMNS
    table = make_results(
        result, cohort="test", synthetic=True, analysis="characteristics", output="characteristics"
    )
    validate_results(table)
    assert set(select(table, variable="x")["finding"]) == {"C4"}
    assert select(table, variable="age")["finding"].isna().all()


@pytest.mark.parametrize(
    "option, value, allowed",
    [
        ("p_adjust", "bonferroni", "['fdr_bh', 'holm']"),
        ("continuous_test", "t-test", "['anova', 'kruskal-wallis']"),
        ("ci_method", "wald", "['clopper-pearson', 'wilson']"),
    ],
)
def test_an_unknown_method_is_refused_naming_the_allowed_ones(option, value, allowed):
    frame = frame_of({"ta_only": yes_no(1, 1), "dual": yes_no(1, 1)}, "boolean")

    with pytest.raises(ValueError, match=rf"{value!r}.*{allowed}".replace("[", r"\[")):
        compare_groups(frame, GROUP, ["x"], **{option: value})


def test_a_string_variable_is_refused_with_a_hint_to_make_it_categorical():
    frame = frame_of({"ta_only": ["a", "b"], "dual": ["a", "a"]}, "string")

    with pytest.raises(ValueError, match="Categorical"):
        compare_groups(frame, GROUP, ["x"])


def test_a_numeric_variable_not_listed_as_continuous_is_refused():
    frame = frame_of({"ta_only": [1.0, 2.0], "dual": [3.0, 4.0]}, "Float64")

    with pytest.raises(ValueError, match="continuous"):
        compare_groups(frame, GROUP, ["x"])


def test_a_reference_outside_the_groups_is_refused():
    frame = frame_of({"ta_only": yes_no(1, 1), "dual": yes_no(1, 1)}, "boolean")

    with pytest.raises(ValueError, match="reference"):
        compare_groups(frame, GROUP, ["x"], reference="neither")


# ---------------------------------------------------------------------------------------------
# Group sizes


def test_each_group_and_all_get_one_group_size_row_before_the_other_rows():
    # ta_only: 3 yes, 1 no, 2 missing (6 children); dual: 2 yes (2); offline_only: none;
    # two children outside the groups (missing group, "neither") are not counted anywhere.
    frame = frame_of({"ta_only": yes_no(3, 1, 2), "dual": yes_no(2, 0)}, "boolean")
    outside = pd.DataFrame(
        {GROUP: pd.Series([None, "neither"], dtype="string"),
         "x": pd.array([True, False], dtype="boolean")}
    )
    frame = pd.concat([frame, outside], ignore_index=True)

    result = compare(frame)

    sizes = result.iloc[:4]
    assert sizes["statistic"].tolist() == ["group_size"] * 4
    assert sizes["group"].tolist() == ["ta_only", "dual", "offline_only", "all"]
    assert sizes["n"].tolist() == [6, 2, 0, 8]
    assert sizes["estimate"].tolist() == [6.0, 2.0, 0.0, 8.0]
    assert (sizes["variable"] == GROUP).all() and (sizes["group_variable"] == GROUP).all()
    assert sizes["level"].isna().all() and sizes["denominator"].isna().all()
    assert (sizes["unit"] == "children").all()
    assert set(sizes["method"]) == {"children in the group (values recorded or not)"}
    assert sizes[["p_value", "p_adjusted", "warning", "finding"]].isna().all().all()
    assert (result.iloc[4:]["statistic"] != "group_size").all()
    # The size is what the group's share and missing rows add up to.
    share = one(result, variable="x", group="ta_only", statistic="proportion")
    missing = one(result, variable="x", group="ta_only", statistic="count")
    assert share["denominator"] + missing["n"] == 6 == missing["denominator"]
