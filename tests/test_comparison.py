"""Cohort comparison: statistics checked against independent references quoted beside each
expected number, disclosure states carried from the source rows, the page's sections (those of
the output registry), on tiny hand-made results tables. The replication verdicts side by side
are tested in test_replication_side_by_side.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from comparison_helpers import compared, mean_rows, one, share, table
from scipy import stats

from tahsb_analysis.compare.cohorts import (
    SECTION_TITLES,
    ComparisonError,
    compare_cohorts,
    pairs_against,
    section_of,
    section_outputs,
)
from tahsb_analysis.compare.statistics import (
    DIFFERENCING_WARNING,
    SUPPRESSED_REASON,
    welch_interval,
)
from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.schema import (
    NOT_CHECKED,
    RELEASED,
    SUPPRESSED,
    validate_results,
)

# --- statistics against independent references ---------------------------------------------


def test_risk_difference_matches_newcombes_worked_example():
    # Newcombe (1998) Stat Med 17:873, Table II, example (a): 56/70 vs 48/80, difference 0.2,
    # method 10 (hybrid score) 95% CI 0.0524 to 0.3339.
    result = compared([share(56, 70)], [share(48, 80)])
    row = one(result, "risk_difference")
    assert row["estimate"] == pytest.approx(0.2)
    assert round(row["ci_low"], 4) == 0.0524
    assert round(row["ci_high"], 4) == 0.3339
    assert "Newcombe hybrid score 95% CI" in row["method"]


def test_odds_ratio_uses_woolfs_logit_interval_as_computed_by_hand():
    # By hand: cells 20, 30 (a: 20/50) and 10, 40 (b: 10/50); OR = 20*40/(30*10) = 2.6667;
    # SE(log OR) = sqrt(1/20 + 1/30 + 1/10 + 1/40) = 0.456435; z = 1.959964;
    # exp(log 2.6667 -/+ z*SE) = 1.09006 to 6.52360.
    row = one(compared([share(20, 50)], [share(10, 50)]), "odds_ratio")
    assert row["estimate"] == pytest.approx(2.666667, rel=1e-6)
    assert row["ci_low"] == pytest.approx(1.090059, rel=1e-5)
    assert row["ci_high"] == pytest.approx(6.523600, rel=1e-5)
    assert "Woolf logit 95% CI" in row["method"] and "0.5" not in row["method"]


def test_a_zero_cell_adds_a_half_to_every_cell_and_says_so():
    # By hand: a 0/10, b 5/10 -> cells 0.5, 10.5, 5.5, 5.5; OR = 0.5*5.5/(10.5*5.5) = 0.047619;
    # SE = sqrt(1/0.5 + 1/10.5 + 1/5.5 + 1/5.5) = 1.568080; CI 0.0022031 to 1.029278.
    row = one(compared([share(0, 10)], [share(5, 10)]), "odds_ratio")
    assert row["estimate"] == pytest.approx(0.047619, rel=1e-5)
    assert row["ci_low"] == pytest.approx(0.0022031, rel=1e-4)
    assert row["ci_high"] == pytest.approx(1.029278, rel=1e-5)
    assert "0.5 added to every cell because a cell is 0" in row["method"]
    assert "a cell is 0" in row["warning"]


def test_chi_squared_is_used_when_the_smallest_expected_count_is_exactly_5():
    # 7/50 vs 3/50: expected count of the smallest cell 50*10/100 = 5.0.
    # scipy.stats.chi2_contingency([[7, 43], [3, 47]], correction=False) -> 1.7778, p 0.18242
    row = one(compared([share(7, 50)], [share(3, 50)]), "chi2")
    assert row["estimate"] == pytest.approx(1.777778, rel=1e-6)
    assert row["p_value"] == pytest.approx(0.1824224, rel=1e-6)
    assert "Pearson chi-squared" in row["method"] and "at least 5" in row["method"]


def test_fisher_exact_is_used_when_an_expected_count_is_4_9():
    # 7/49 vs 3/51: smallest expected count 49*10/100 = 4.9.
    # scipy.stats.fisher_exact([[7, 42], [3, 48]]) -> statistic 2.6667, p 0.195696
    row = one(compared([share(7, 49)], [share(3, 51)]), "fisher_exact")
    assert row["p_value"] == pytest.approx(0.1956959, rel=1e-6)
    assert row["estimate"] == pytest.approx(2.666667, rel=1e-6)
    assert "Fisher's exact test" in row["method"] and "below 5" in row["method"]
    assert "4.90" in row["warning"]


def test_welch_difference_and_test_match_scipy_on_the_raw_values():
    # x = 1..7 (mean 4, SD 2.160247, n 7), y = 2, 4, 6, 8, 10 (mean 6, SD 3.162278, n 5):
    # scipy.stats.ttest_ind(x, y, equal_var=False) -> t -1.224745, p 0.262454, df 6.6207,
    # .confidence_interval(0.95) -> -5.906718 to 1.906718.
    x, y = [1, 2, 3, 4, 5, 6, 7], [2, 4, 6, 8, 10]
    reference = stats.ttest_ind(x, y, equal_var=False)
    interval = reference.confidence_interval(0.95)
    result = compared(mean_rows(np.mean(x), np.std(x, ddof=1), 7),
                      mean_rows(np.mean(y), np.std(y, ddof=1), 5))
    difference, test = one(result, "mean_difference"), one(result, "welch_t")
    assert difference["estimate"] == pytest.approx(-2.0)
    assert difference["ci_low"] == pytest.approx(interval.low, rel=1e-9)
    assert difference["ci_high"] == pytest.approx(interval.high, rel=1e-9)
    assert round(difference["ci_low"], 6) == -5.906718
    assert test["estimate"] == pytest.approx(reference.statistic, rel=1e-9)
    assert test["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert difference["n"] == 12 and difference["unit"] == "years"


def test_welch_interval_gives_the_welch_satterthwaite_degrees_of_freedom():
    # By hand: v1 = 2.160247^2/7 = 0.666667, v2 = 3.162278^2/5 = 2.0;
    # df = (0.666667 + 2)^2 / (0.666667^2/6 + 2^2/4) = 7.111111/1.074074 = 6.620690.
    _, _, _, df = welch_interval(4.0, 2.1602469, 7, 6.0, 3.1622777, 5)
    assert df == pytest.approx(6.620690, rel=1e-5)


def test_holm_adjusts_the_p_values_of_each_pair_together():
    rows_a = [share(7, 50), share(30, 50, level="dual")]
    rows_b = [share(3, 50), share(10, 50, level="dual")]
    result = compared(rows_a, rows_b)
    tests = result[result["statistic"].eq("chi2").to_numpy(dtype=bool)]
    p = tests["p_value"].astype(float).to_numpy()
    # Holm by hand for two p-values: the smaller times 2, the larger times 1, kept monotone.
    small, large = sorted(p)
    expected = {small: min(1.0, 2 * small), large: max(min(1.0, 2 * small), large)}
    assert [float(a) for a in tests["p_adjusted"]] == pytest.approx([expected[v] for v in p])
    assert set(tests["p_adjust_method"]) == {"Holm"}


def test_tests_of_different_report_sections_are_separate_families():
    # prevalence_overall (section prevalence) and ta_hsb_types (section range): each test is
    # alone in its family, so Holm leaves both p-values as they are.
    rows_a = [share(7, 50), share(30, 50, level="iioc", output="ta_hsb_types",
                                   variable="ta_hsb_type")]
    rows_b = [share(3, 50), share(10, 50, level="iioc", output="ta_hsb_types",
                                   variable="ta_hsb_type")]
    tests = compared(rows_a, rows_b)
    tests = tests[tests["statistic"].eq("chi2").to_numpy(dtype=bool)]
    assert len(tests) == 2
    assert tests["p_adjusted"].astype(float).tolist() == pytest.approx(
        tests["p_value"].astype(float).tolist())


def test_pairs_are_adjusted_as_separate_families():
    tables = {"a": table("a", [share(7, 50), share(30, 50, level="dual")]),
              "b": table("b", [share(3, 50), share(10, 50, level="dual")]),
              "c": table("c", [share(20, 50)])}
    result = compare_cohorts(tables)
    c_vs_a = result[result["cohort"].eq("c vs a").to_numpy(dtype=bool)]
    test = one(c_vs_a, "chi2")
    # c vs a has a single test (only any_ta_hsb is in both): Holm leaves it unchanged.
    assert test["p_adjusted"] == pytest.approx(test["p_value"])


# --- shape of the output ---------------------------------------------------------------------


def test_rows_follow_the_results_schema_with_pair_key_and_summed_counts():
    result = compared([share(20, 50, finding="P1")], [share(10, 40)])
    validate_results(result)
    assert list(result["statistic"]) == ["risk_difference", "odds_ratio", "chi2"]
    assert set(result["cohort"]) == {"a vs b"} and set(result["analysis"]) == {"comparison"}
    assert set(result["output"]) == {"prevalence_overall"}
    assert set(result["level"]) == {"any_ta_hsb"} and set(result["finding"]) == {"P1"}
    assert set(result["n"]) == {30} and set(result["denominator"]) == {90}


def test_default_pairs_compare_each_cohort_with_the_first_in_order():
    tables = {name: table(name, [share(10 + i, 50)]) for i, name in enumerate(["x", "y", "z"])}
    result = compare_cohorts(tables)
    assert list(dict.fromkeys(result["cohort"])) == ["y vs x", "z vs x"]
    assert one(result[result["cohort"].eq("y vs x").to_numpy(dtype=bool)],
               "risk_difference")["estimate"] == pytest.approx(1 / 50)


def test_a_statistic_in_only_one_cohort_is_not_compared():
    result = compared([share(10, 50), share(5, 50, level="dual")], [share(10, 50)])
    assert set(result["level"]) == {"any_ta_hsb"}


def test_missing_value_counts_are_not_compared():
    missing = dict(output="prevalence_overall", variable="hsb_group",
                   level="missing: not recorded", statistic="count", estimate=2, n=2,
                   unit="children", method="count")
    result = compared([share(10, 50), missing], [share(12, 50), missing])
    assert not result["level"].str.startswith("missing").any()


def test_an_empty_denominator_gives_no_estimate_and_says_why():
    result = compared([share(0, 0)], [share(5, 50)])
    difference = one(result, "risk_difference")
    assert pd.isna(difference["estimate"]) and "empty denominator in a" in difference["warning"]
    assert one(result, "not_tested")["method"] == "no test"


def test_the_same_input_gives_the_same_rows_and_the_input_is_not_modified():
    a, b = table("a", [share(7, 50), *mean_rows(14.0, 2.0, 20)]), table("b", [share(3, 50),
                                                                            *mean_rows(13.0,
                                                                                       2.5, 30)])
    before = (a.copy(), b.copy())
    first = compare_cohorts({"a": a, "b": b})
    second = compare_cohorts({"a": a, "b": b})
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(a, before[0])
    pd.testing.assert_frame_equal(b, before[1])


def test_a_pair_naming_an_unknown_cohort_is_an_error_naming_it():
    with pytest.raises(ComparisonError, match=r"no results table for cohort\(s\) \['c'\]"):
        compare_cohorts({"a": table("a", [share(1, 10)])}, [("c", "a")])


def test_a_table_holding_another_cohorts_rows_is_an_error():
    with pytest.raises(ComparisonError, match="given as cohort 'a' holds rows of"):
        compare_cohorts({"a": table("b", [share(1, 10)]), "c": table("c", [share(1, 10)])})


def test_two_rows_with_the_same_key_are_an_error_naming_the_key():
    with pytest.raises(ComparisonError, match="cohort 'a': several proportion rows share"):
        compare_cohorts({"a": table("a", [share(1, 10), share(2, 10)]),
                         "b": table("b", [share(1, 10)])})


def test_a_threshold_that_is_not_a_whole_number_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        compare_cohorts({"a": table("a", [share(1, 10)])}, threshold=2.5)


# --- disclosure ------------------------------------------------------------------------------


def test_released_sources_give_released_comparisons():
    result = compared([share(30, 100)], [share(50, 130)], disclosure=RELEASED)
    assert set(result["disclosure"]) == {RELEASED}
    assert result["warning"].isna().all()


def test_a_suppressed_source_gives_suppressed_comparisons_with_blank_values():
    suppressed = share(30, 100, disclosure=SUPPRESSED, disclosure_reason="count below threshold")
    suppressed.update(n=pd.NA, estimate=pd.NA)
    result = compare_cohorts({"a": table("a", [suppressed]),
                              "b": table("b", [share(50, 130)], disclosure=RELEASED)})
    assert set(result["disclosure"]) == {SUPPRESSED}
    assert set(result["disclosure_reason"]) == {SUPPRESSED_REASON}
    values = ["estimate", "ci_low", "ci_high", "n", "denominator", "p_value", "p_adjusted"]
    assert result[values].isna().all().all()


def test_a_released_source_with_a_blank_count_counts_as_suppressed():
    blank = share(30, 100, disclosure=RELEASED)
    blank["n"] = pd.NA
    result = compare_cohorts({"a": table("a", [blank]),
                              "b": table("b", [share(50, 130)], disclosure=RELEASED)})
    assert set(result["disclosure"]) == {SUPPRESSED}


def test_a_suppressed_sd_suppresses_the_mean_difference():
    rows = mean_rows(14.0, 2.0, 20)
    rows[1].update(disclosure=SUPPRESSED, estimate=pd.NA)
    released = [dict(r, disclosure=RELEASED) for r in mean_rows(13.0, 2.5, 30)]
    result = compare_cohorts({"a": table("a", [dict(rows[0], disclosure=RELEASED), rows[1]]),
                              "b": table("b", released)})
    assert set(result["statistic"]) == {"mean_difference", "welch_t"}
    assert set(result["disclosure"]) == {SUPPRESSED} and result["estimate"].isna().all()


def test_not_checked_propagates_from_either_source():
    result = compare_cohorts({"a": table("a", [share(30, 100)]),
                              "b": table("b", [share(50, 130)], disclosure=RELEASED)})
    assert set(result["disclosure"]) == {NOT_CHECKED}
    assert result["estimate"].notna().all()


@pytest.mark.parametrize(
    ("n_b", "denominator_b", "warned"),
    [(29, 120, True),  # numerators differ by 9 < 10
     (30, 120, False),  # numerators differ by 10, denominators by 20
     (40, 109, True),  # denominators differ by 9
     (40, 110, False),  # denominators differ by 10
     (20, 100, False)],  # identical counts: nothing to difference
)
def test_differencing_warning_straddles_the_threshold(n_b, denominator_b, warned):
    result = compared([share(20, 100)], [share(n_b, denominator_b)], disclosure=RELEASED)
    warning = DIFFERENCING_WARNING.format(threshold=10)
    has = result["warning"].fillna("").str.contains(warning, regex=False)
    assert has.all() if warned else not has.any()


def test_differencing_warning_uses_the_given_threshold():
    result = compare_cohorts({"a": table("a", [share(20, 100)], disclosure=RELEASED),
                              "b": table("b", [share(29, 120)], disclosure=RELEASED)},
                             threshold=5)
    assert result["warning"].isna().all()


def test_internal_rows_get_no_differencing_warning():
    result = compared([share(20, 100)], [share(29, 120)])
    assert not result["warning"].fillna("").str.contains("differencing").any()


def test_behaviours_as_unit_are_flagged_as_not_independent():
    result = compared([share(20, 100, unit="behaviours")], [share(29, 120, unit="behaviours")])
    assert result["warning"].str.contains("not independent").all()


# --- sections (the verdicts side by side: test_replication_side_by_side.py) ----------


def test_the_sections_are_the_registrys_then_other():
    registry = load_registry()
    assert list(SECTION_TITLES) == [s.id for s in registry.sections] + ["other"]
    assert [SECTION_TITLES[s.id] for s in registry.sections] == [s.title for s in registry.sections]


def test_each_registered_output_goes_to_its_registry_section_and_an_unknown_one_to_other():
    assert section_of("prevalence_by_sex") == "prevalence"
    assert section_of("trajectories") == "links"
    assert section_of("response_models") == "responses"
    # A name that only looks like a prevalence output is not registered: "other".
    assert section_of("prevalence_by_region") == "other"
    assert section_of("something_new") == "other"


def test_a_suppressed_source_suppresses_the_comparison_even_if_its_counts_are_still_there():
    # A suppressed row is hidden whatever it still holds (say, a gate's internal copy).
    kept = share(30, 100, disclosure=SUPPRESSED)
    result = compare_cohorts({"a": table("a", [kept]),
                              "b": table("b", [share(50, 130)], disclosure=RELEASED)})
    assert set(result["disclosure"]) == {SUPPRESSED} and result["estimate"].isna().all()


def test_every_cohort_is_compared_with_the_reference_in_the_order_given():
    assert pairs_against(["b", "ref", "galvin-2024"], "ref") == [("b", "ref"),
                                                                ("galvin-2024", "ref")]
    with pytest.raises(ValueError, match="'ref' is not one of"):
        pairs_against(["a", "b"], "ref")


def test_each_forest_plot_is_mapped_to_the_outputs_of_its_section():
    rows = pd.DataFrame({"output": ["prevalence_by_sex", "responses", "prevalence_overall",
                                    "ta_hsb_types", "responses"]})
    mapping = section_outputs(rows)
    assert mapping["comparison_prevalence"] == ("prevalence_by_sex", "prevalence_overall")
    assert mapping["comparison_responses"] == ("responses",)
    assert mapping["comparison_range"] == ("ta_hsb_types",)
    assert mapping["comparison_links"] == ()
