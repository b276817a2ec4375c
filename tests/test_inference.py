"""Proportion CIs and association tests against independent references."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.analyses.inference import (
    association_test,
    ci_method_label,
    crosstab_counts,
    proportion_ci,
)


def test_wilson_interval_matches_the_hand_computed_formula():
    # Wilson (1927) by hand for 3/10, z = 1.959964: centre (0.3 + z^2/20) / (1 + z^2/10)
    # = 0.355506, half-width z*sqrt(0.021 + z^2/400) / (1 + z^2/10) = 0.247715.
    low, high = proportion_ci(3, 10, "wilson")
    assert low[0] == pytest.approx(0.107791, abs=2e-6)
    assert high[0] == pytest.approx(0.603221, abs=2e-6)


def test_clopper_pearson_interval_matches_beta_quantiles():
    # Clopper-Pearson 95% for 3/10: Beta(3, 8).ppf(0.025) and Beta(4, 7).ppf(0.975),
    # the textbook values 0.0667 and 0.6525.
    low, high = proportion_ci(3, 10, "clopper-pearson")
    assert low[0] == pytest.approx(stats.beta.ppf(0.025, 3, 8))
    assert high[0] == pytest.approx(stats.beta.ppf(0.975, 4, 7))
    assert (round(low[0], 4), round(high[0], 4)) == (0.0667, 0.6525)


def test_vectorised_intervals_agree_with_statsmodels_element_by_element():
    n, d = np.array([0, 5, 19, 126]), np.array([12, 5, 275, 275])
    low, high = proportion_ci(n, d, "wilson", confidence=0.9)
    for i in range(len(n)):
        ref = proportion_confint(n[i], d[i], alpha=0.1, method="wilson")
        assert (low[i], high[i]) == pytest.approx(ref)


def test_empty_denominator_gives_nan_limits_not_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high = proportion_ci([0, 2], [0, 4])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert not np.isnan(low[1])


def test_numerator_above_denominator_is_refused():
    with pytest.raises(ValueError, match="between 0 and its denominator"):
        proportion_ci(5, 4)


def test_unknown_ci_method_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown CI method 'wald'"):
        proportion_ci(1, 2, "wald")


def test_ci_method_label_names_method_and_level():
    assert ci_method_label("wilson") == "Wilson 95% CI"
    assert ci_method_label("clopper-pearson", 0.9) == "Clopper-Pearson exact 90% CI"


def test_chi_squared_used_when_every_expected_count_is_at_least_5():
    # By hand: expected counts 22.5 and 27.5; chi2 = 2*(2.5^2/22.5) + 2*(2.5^2/27.5) = 1.0101.
    result = association_test([[20, 30], [25, 25]])
    assert result.statistic == "chi2"
    assert result.estimate == pytest.approx(1.010101, abs=1e-6)
    reference = stats.chi2_contingency([[20, 30], [25, 25]], correction=False)
    assert result.p_value == pytest.approx(reference.pvalue)
    assert result.method == "Pearson chi-squared test (1 df)"
    assert result.warning is None


def test_fisher_exact_for_small_cell_count_in_a_2x2_table():
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2)) (Fisher's tea tasting): p-value = 0.4857.
    result = association_test([[3, 1], [1, 3]])
    assert result.statistic == "fisher_exact"
    assert result.p_value == pytest.approx(0.4857, abs=1e-4)
    assert result.method == "Fisher's exact test (two-sided)"
    assert "expected count below 5" in result.warning


def test_switch_happens_exactly_at_expected_count_5():
    # Margins 10/10 by 10/10: every expected count is exactly 5 -> chi-squared.
    assert association_test([[5, 5], [5, 5]]).statistic == "chi2"
    # Margins 9/11 by 10/10: smallest expected count 4.5 -> exact test.
    assert association_test([[4, 5], [6, 5]]).statistic == "fisher_exact"


def test_r_by_c_exact_test_matches_r_fisher_test_job_satisfaction():
    # R: Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4); fisher.test(Job)
    # p-value = 0.7827 (network algorithm). Monte Carlo with 99,999 tables: within 0.01.
    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
    result = association_test(job, seed=1)
    assert result.statistic == "fisher_exact"
    assert result.p_value == pytest.approx(0.7827, abs=0.01)
    assert "Monte Carlo" in result.method and "seed 1" in result.method
    assert np.isnan(result.estimate)


def test_r_by_c_exact_test_is_reproducible_with_a_seed():
    table = [[2, 8, 4], [12, 20, 20], [6, 10, 9]]
    first = association_test(table, seed=7, resamples=999)
    second = association_test(table, seed=7, resamples=999)
    assert first.p_value == second.p_value


def test_level_with_zero_children_is_dropped_before_testing():
    with_empty = association_test([[20, 30, 0], [25, 25, 0]])
    assert with_empty.statistic == "chi2"
    assert with_empty.p_value == pytest.approx(association_test([[20, 30], [25, 25]]).p_value)


def test_table_with_one_non_empty_level_is_not_tested_and_says_why():
    result = association_test([[4, 0], [6, 0]])
    assert result.statistic == "not_tested"
    assert np.isnan(result.p_value)
    assert "fewer than two non-empty levels" in result.warning


def test_negative_or_fractional_counts_are_refused():
    with pytest.raises(ValueError):
        association_test([[1, -1], [2, 2]])
    with pytest.raises(ValueError):
        association_test([[1.5, 1], [2, 2]])


def test_crosstab_counts_keeps_categorical_levels_with_zero_children():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "g": pd.Categorical(["a", "a", "b"], categories=["a", "b", "c"]),
            "h": pd.Categorical(["x", "y", None], categories=["x", "y"]),
        }
    )
    table = crosstab_counts(frame, "g", "h")
    assert list(table.index) == ["a", "b", "c"]
    assert table.loc["a"].tolist() == [1, 1] and table.loc["c"].tolist() == [0, 0]


def test_r_by_c_exact_test_on_a_tiny_table_returns_a_plain_float():
    # SciPy returns an array of shape (1,) for this table; the row needs a number.
    result = association_test([[1, 1, 0], [1, 0, 1]], resamples=99)
    assert isinstance(result.p_value, float)
    assert result.p_value == pytest.approx(1.0)


def test_proportion_rows_carry_n_denominator_method_and_an_empty_warning():
    from tahsb_analysis.analyses.inference import proportion_rows

    rows = proportion_rows(["a", "b"], [3, 0], [10, 0], method="Wilson 95% CI", variable="v")
    first, empty = rows
    # 3/10 by hand; the Wilson limits as in the hand computation above.
    assert (first["level"], first["n"], first["denominator"]) == ("a", 3, 10)
    assert first["estimate"] == pytest.approx(0.3)
    assert first["ci_low"] == pytest.approx(0.107791, abs=2e-6)
    assert first["variable"] == "v" and first["method"] == "Wilson 95% CI"
    assert first["warning"] is None
    assert np.isnan(empty["estimate"]) and empty["denominator"] == 0
    assert empty["warning"].startswith("empty denominator")
