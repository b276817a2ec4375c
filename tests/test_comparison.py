"""Cohort comparison: statistics checked against independent references quoted beside each
expected number, disclosure states carried from the source rows, the published cohorts file,
the forest plots and the comparison page, on tiny hand-made results tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.text import Text
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.compare.cohorts import (
    COMPARISON_SECTIONS,
    DIFFERENCING_WARNING,
    SECTION_TITLES,
    SUPPRESSED_REASON,
    ComparisonError,
    PublishedCohortsError,
    compare_cohorts,
    default_published_cohorts_path,
    load_published_cohorts,
    published_cohort_results,
    replication_side_by_side,
    rounding_range,
    section_of,
    welch_interval,
)
from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.comparison_figures import NO_COMPARABLE_ROWS, figure_name, forest_figure
from tahsb_analysis.render.figure_style import SYNTHETIC_LABEL, TIER_LABEL
from tahsb_analysis.render.figures import write_figure
from tahsb_analysis.render.report import (
    ReportError,
    build_comparison_report,
    collect_comparison_provenance,
)
from tahsb_analysis.render.tables import (
    INTERNAL_BANNER,
    RELEASE_BANNER,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
)
from tahsb_analysis.results.schema import (
    NOT_CHECKED,
    RELEASED,
    SUPPRESSED,
    make_results,
    validate_results,
)

WILSON = "Wilson 95% CI"
T_MEAN = "mean with t-based 95% CI"
SD = "standard deviation (n - 1)"


# --- hand-made results tables ---------------------------------------------------------------


def share(n, denominator, level="any_ta_hsb", output="prevalence_overall", **extra) -> dict:
    """A proportion row of HSB group `level` (n/denominator) in `output`."""
    row = dict(output=output, variable="hsb_group", level=level, statistic="proportion",
               estimate=n / denominator if denominator else np.nan, n=n,
               denominator=denominator, unit="children", method=WILSON)
    row.update(extra)
    return row


def mean_rows(mean, sd, n, group="ta_only") -> list[dict]:
    """The mean and SD rows of age at referral for one HSB group (characteristics)."""
    common = dict(output="characteristics", variable="age_at_referral",
                  group_variable="hsb_group", group=group, n=n, denominator=n, unit="years")
    return [dict(common, statistic="mean", estimate=mean, method=T_MEAN),
            dict(common, statistic="sd", estimate=sd, method=SD)]


def table(cohort, rows, *, disclosure=None, synthetic=True) -> pd.DataFrame:
    extra = {} if disclosure is None else {"disclosure": disclosure}
    return make_results(rows, cohort=cohort, synthetic=synthetic, analysis="made_up", **extra)


def compared(rows_a, rows_b, **kwargs) -> pd.DataFrame:
    """Compare cohort "a" (first) with "b"; kwargs go to `table` for both."""
    return compare_cohorts({"b": table("b", rows_b, **kwargs), "a": table("a", rows_a, **kwargs)},
                           [("a", "b")])


def one(frame: pd.DataFrame, statistic: str) -> pd.Series:
    rows = frame[frame["statistic"].eq(statistic).to_numpy(dtype=bool)]
    assert len(rows) == 1, f"{len(rows)} rows of {statistic}"
    return rows.iloc[0]


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


# --- published cohorts ------------------------------------------------------------------------


def test_the_packaged_file_derives_galvins_count_from_60_percent_of_289():
    cohorts = {c["id"]: c for c in load_published_cohorts()}
    (figure,) = cohorts["galvin-2024"]["figures"]
    assert figure["wording"] == "289 young people, 60% with any TA-HSB"
    assert figure["n"] == round(0.60 * 289) == 173
    assert figure["n_derived"] is True and figure["n_range"] == [172, 174]


def test_rounding_range_lists_every_count_that_rounds_to_the_percentage():
    # 172/289 = 59.52% and 174/289 = 60.21% round to 60%; 171/289 = 59.17%, 175/289 = 60.55%.
    assert rounding_range(60, 0, 289) == (172, 174)
    assert rounding_range(60, 0, 10) == (6, 6)


def test_galvins_row_is_released_with_a_wilson_ci_and_names_its_source():
    galvin = {c["id"]: c for c in load_published_cohorts()}["galvin-2024"]
    row = published_cohort_results(galvin).iloc[0]
    # statsmodels proportion_confint(173, 289, method="wilson") -> 0.541166 to 0.653479
    low, high = proportion_confint(173, 289, method="wilson")
    assert (row["cohort"], row["analysis"], row["output"], row["level"]) == (
        "galvin-2024", "published", "prevalence_overall", "any_ta_hsb")
    assert row["estimate"] == pytest.approx(173 / 289)
    assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
    assert row["method"] == ("published figure (Galvin et al. 2024); n derived from a rounded "
                             "percentage; Wilson 95% CI")
    assert "172 to 174" in row["warning"]
    assert row["disclosure"] == RELEASED and not row["synthetic"]


def test_context_figures_give_no_rows_and_each_says_why():
    cohorts = {c["id"]: c for c in load_published_cohorts()}
    for label in ("hackett-2013", "hollis-2017"):
        assert published_cohort_results(cohorts[label]).empty
        assert all(not f["comparable"] and f["reason"] for f in cohorts[label]["figures"])


def test_a_published_cohort_compares_like_a_cohort_of_our_own():
    galvin = {c["id"]: c for c in load_published_cohorts()}["galvin-2024"]
    ours = table("ours", [share(126, 275)], disclosure=RELEASED)
    result = compare_cohorts({"ours": ours, "galvin-2024": published_cohort_results(galvin)},
                             [("galvin-2024", "ours")])
    row = one(result, "risk_difference")
    assert row["estimate"] == pytest.approx(173 / 289 - 126 / 275)
    assert row["disclosure"] == RELEASED and row["synthetic"]


def _document() -> dict:
    return yaml.safe_load(default_published_cohorts_path().read_text(encoding="utf-8"))


def _load_changed(tmp_path, change) -> list[dict]:
    document = _document()
    change(document)
    path = tmp_path / "cohorts.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_published_cohorts(path)


def test_a_missing_key_is_an_error_naming_file_entry_and_key(tmp_path):
    def drop_wording(document):
        del document["cohorts"][0]["figures"][0]["wording"]

    with pytest.raises(PublishedCohortsError) as error:
        _load_changed(tmp_path, drop_wording)
    message = str(error.value)
    assert str(tmp_path / "cohorts.yaml") in message
    assert "cohort 'galvin-2024' (cohorts[0]), figure 'any_ta_hsb' (figures[0])" in message
    assert "'wording' is a required property" in message


def test_a_count_that_is_not_the_rounded_percentage_is_an_error(tmp_path):
    def wrong_n(document):
        document["cohorts"][0]["figures"][0]["n"] = 175

    with pytest.raises(PublishedCohortsError, match=r"key 'n': 60% of 289 rounds to 173, not 175"):
        _load_changed(tmp_path, wrong_n)


def test_a_wrong_rounding_range_is_an_error(tmp_path):
    def wrong_range(document):
        document["cohorts"][0]["figures"][0]["n_range"] = [172, 175]

    with pytest.raises(PublishedCohortsError, match="are 172 to 174, not"):
        _load_changed(tmp_path, wrong_range)


def test_a_comparable_figure_needs_the_row_it_maps_to(tmp_path):
    def no_target(document):
        del document["cohorts"][0]["figures"][0]["maps_to"]

    with pytest.raises(PublishedCohortsError, match="'maps_to' is a required property"):
        _load_changed(tmp_path, no_target)


def test_a_figure_not_compared_needs_a_reason(tmp_path):
    def no_reason(document):
        del document["cohorts"][1]["figures"][0]["reason"]

    with pytest.raises(PublishedCohortsError, match="cohort 'hackett-2013'.*'reason'"):
        _load_changed(tmp_path, no_reason)


def test_a_misspelt_key_is_an_error(tmp_path):
    def misspell(document):
        document["cohorts"][0]["citaton"] = document["cohorts"][0]["citation"]

    with pytest.raises(PublishedCohortsError, match="'citaton' was unexpected"):
        _load_changed(tmp_path, misspell)


def test_a_repeated_cohort_id_is_an_error(tmp_path):
    def repeat(document):
        document["cohorts"][2]["id"] = "galvin-2024"

    with pytest.raises(PublishedCohortsError, match="used by an earlier cohort"):
        _load_changed(tmp_path, repeat)


def test_a_file_that_is_not_yaml_is_an_error_naming_it(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("cohorts: [unclosed\n", encoding="utf-8")
    with pytest.raises(PublishedCohortsError, match="broken.yaml: not valid YAML"):
        load_published_cohorts(path)


# --- sections and replication side by side -----------------------------------------------------


def test_every_output_of_the_study_belongs_to_a_named_section():
    outputs = [output.name for output in load_registry().outputs]
    assert {section_of(output) for output in outputs} <= set(SECTION_TITLES) - {"other"}
    assert set(COMPARISON_SECTIONS) == set(outputs)


def test_a_new_prevalence_output_goes_to_prevalence_and_an_unknown_one_to_other():
    assert section_of("prevalence_by_region") == "prevalence"
    assert section_of("something_new") == "other"


def evaluation(cohort, verdicts, version="3") -> pd.DataFrame:
    records = []
    for finding, verdict in verdicts.items():
        records.append(dict(cohort=cohort, register_version=version, finding=finding, part=0,
                            claim=f"claim {finding}", kind="value", published=f"pub {finding}",
                            verdict=verdict))
        records.append(dict(cohort=cohort, register_version=version, finding=finding, part=1,
                            claim=f"claim {finding}", kind="value", published="part",
                            verdict="not consistent"))
    return pd.DataFrame(records)


def test_side_by_side_gives_each_cohorts_overall_verdict_per_finding():
    frame = replication_side_by_side({
        "a": evaluation("a", {"P1": "consistent", "P2": "insufficient data"}),
        "b": evaluation("b", {"P1": "not consistent"}),
    })
    assert list(frame.columns) == ["finding", "claim", "kind", "published", "a", "b"]
    assert frame["finding"].tolist() == ["P1", "P2"]
    assert frame["published"].tolist() == ["pub P1", "pub P2"]
    assert frame["a"].tolist() == ["consistent", "insufficient data"]
    assert frame.loc[0, "b"] == "not consistent" and pd.isna(frame.loc[1, "b"])


def test_side_by_side_refuses_evaluations_with_different_registers():
    with pytest.raises(ComparisonError, match="different replication registers"):
        replication_side_by_side({"a": evaluation("a", {"P1": "consistent"}, version="2"),
                                  "b": evaluation("b", {"P1": "consistent"}, version="3")})


# --- the forest plot ------------------------------------------------------------------------


def comparison_rows(disclosure=None, synthetic=True) -> pd.DataFrame:
    """a vs b on any TA-HSB (RD 0.2), dual (suppressed when released) and a characteristic."""
    looked_after = dict(output="characteristics", variable="looked_after", level="yes",
                        group_variable="hsb_group", group="ta_only", statistic="proportion",
                        n=10, denominator=40, estimate=0.25, unit="children", method=WILSON)
    rows_a = [share(60, 100), share(30, 100, level="dual"), looked_after]
    rows_b = [share(40, 100), share(20, 100, level="dual"), dict(looked_after, n=12)]
    if disclosure == RELEASED:
        rows_a[1].update(disclosure=SUPPRESSED, n=pd.NA, estimate=pd.NA)
    return compare_cohorts({
        "b": table("b", rows_b, disclosure=disclosure, synthetic=synthetic),
        "a": table("a", rows_a, disclosure=disclosure, synthetic=synthetic),
    }, [("a", "b")])


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text)]


def test_the_forest_plot_draws_risk_differences_in_percentage_points():
    output = forest_figure(comparison_rows(), "prevalence")
    ax = output.figure.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert sorted(float(line.get_xdata()[0]) for line in markers) == pytest.approx([10.0, 20.0])
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.get_lines())  # line at 0
    assert "Any TA-HSB" in texts(output.figure)
    assert "n/N = 100/200" in output.caption and "Newcombe" in output.caption
    assert "n/N = 100/200" in output.alt_text
    assert output.output == figure_name("prevalence") == "comparison_prevalence"


def test_a_suppressed_comparison_is_written_c_and_not_drawn():
    output = forest_figure(comparison_rows(disclosure=RELEASED), "prevalence")
    assert f"a vs b: {SUPPRESSED_MARKER}" in texts(output.figure)
    ax = output.figure.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert len(markers) == 1
    assert "suppressed by disclosure control" in output.caption


def test_an_empty_section_says_there_are_no_comparable_rows():
    output = forest_figure(comparison_rows(), "links")
    assert NO_COMPARABLE_ROWS in texts(output.figure)
    assert NO_COMPARABLE_ROWS in output.caption


def test_synthetic_sources_put_synthetic_on_the_face_caption_and_alt_text():
    output = forest_figure(comparison_rows(), "prevalence")
    assert SYNTHETIC_LABEL in texts(output.figure)
    assert "SYNTHETIC" in output.caption and "SYNTHETIC" in output.alt_text
    real = forest_figure(comparison_rows(synthetic=False), "prevalence")
    assert not any("SYNTHETIC" in t for t in texts(real.figure) + [real.caption])


def test_rows_not_checked_mark_the_figure_internal_and_released_rows_do_not():
    internal = forest_figure(comparison_rows(), "prevalence")
    assert TIER_LABEL in texts(internal.figure) and internal.caption.startswith(TIER_LABEL)
    released = forest_figure(comparison_rows(disclosure=RELEASED), "prevalence")
    assert TIER_LABEL not in texts(released.figure) + [released.caption]


def test_the_forest_plot_writes_byte_identical_files_twice(tmp_path):
    first = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "1" / "f")
    second = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "2" / "f")
    for fmt in ("png", "svg", "pdf", "alt", "caption"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="unknown comparison section 'nope'"):
        forest_figure(comparison_rows(), "nope")


# --- the comparison page ---------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.targets += [v for k, v in attrs if k in ("src", "href") and v is not None]


def _cohorts(synthetic=True) -> dict:
    published = {c["id"]: c for c in load_published_cohorts()}
    sources = {"cases": {"file": "cases.csv", "rows": 100, "sha256": "a" * 64}}
    return {"a": {"cohort": "a", "synthetic": synthetic, "sources": sources},
            "b": {"cohort": "b", "synthetic": synthetic, "sources": sources},
            "galvin-2024": published["galvin-2024"],
            "hackett-2013": published["hackett-2013"]}


def _page(tmp_path, disclosure=None, synthetic=True, with_figure=True) -> str:
    rows = comparison_rows(disclosure=disclosure, synthetic=synthetic)
    figures = {}
    if with_figure:
        paths = write_figure(forest_figure(rows, "prevalence"), tmp_path / "comparison_prevalence")
        figures["prevalence"] = paths["png"]
    side = replication_side_by_side({"a": evaluation("a", {"P1": "consistent"}),
                                     "b": evaluation("b", {"P1": "not consistent"})})
    return build_comparison_report(
        rows, side_by_side=side, figures=figures, cohorts=_cohorts(synthetic),
        provenance=collect_comparison_provenance(repo_dir=tmp_path),
    )


@pytest.fixture(scope="module")
def internal_page(tmp_path_factory) -> str:
    return _page(tmp_path_factory.mktemp("page"))


def test_the_page_loads_nothing_from_outside_itself(internal_page):
    parser = _Links()
    parser.feed(internal_page)
    assert parser.targets, "the page should at least link its own sections"
    outside = [t for t in parser.targets if not (t.startswith("#") or t.startswith("data:"))]
    assert outside == []
    assert "<script" not in internal_page and "@import" not in internal_page
    assert "data:image/png;base64," in internal_page


def test_an_internal_synthetic_page_carries_both_banners_at_the_top(internal_page):
    head = internal_page[: internal_page.index("<nav")]
    assert INTERNAL_BANNER in head and SYNTHETIC_BANNER in head
    title = re.search(r"<title>(.*)</title>", internal_page).group(1)
    assert INTERNAL_BANNER in title and SYNTHETIC_BANNER in title


def test_a_released_page_of_real_cohorts_has_the_release_banner_only(tmp_path):
    page = _page(tmp_path, disclosure=RELEASED, synthetic=False, with_figure=False)
    head = page[: page.index("<nav")]
    assert RELEASE_BANNER in head and INTERNAL_BANNER not in page
    assert SYNTHETIC_BANNER not in page
    assert SUPPRESSED_MARKER in page


def test_published_citations_are_listed_under_sources_with_why_a_figure_is_not_compared(
        internal_page):
    sources = internal_page[internal_page.index('<section id="sources">'):
                            internal_page.index('<section id="section-prevalence">')]
    assert "Galvin et al. (2024)" in sources and "Hackett et al. (2013)" in sources
    assert "&ldquo;289 young people, 60% with any TA-HSB&rdquo;" in sources
    assert "not compared: A mode of age" in sources


def test_each_section_shows_its_figure_and_a_table_of_its_comparisons(internal_page):
    prevalence = internal_page[internal_page.index('<section id="section-prevalence">'):
                               internal_page.index('<section id="section-range">')]
    assert "<img src=\"data:image/png;base64," in prevalence
    assert "20.0 pp (" in prevalence and "chi-squared = " in prevalence
    assert "100/200" in prevalence
    links = internal_page[internal_page.index('<section id="section-links">'):
                          internal_page.index('<section id="section-responses">')]
    assert "No comparable rows" in links


def test_the_side_by_side_verdicts_and_the_methods_are_shown(internal_page):
    replication = internal_page[internal_page.index('<section id="replication">'):
                                internal_page.index('<section id="methods">')]
    assert "consistent" in replication and "not consistent" in replication
    methods = internal_page[internal_page.index('<section id="methods">'):]
    assert "Newcombe hybrid score 95% CI (method 10)" in methods
    assert "Holm" in methods


def test_a_compared_cohort_missing_from_cohorts_is_an_error(tmp_path):
    rows = comparison_rows()
    cohorts = _cohorts()
    del cohorts["b"]
    with pytest.raises(ReportError, match=r"cohort\(s\) \['b'\] are compared but not described"):
        build_comparison_report(rows, side_by_side=replication_side_by_side({}), figures={},
                                cohorts=cohorts)


def test_a_figure_for_an_unknown_section_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="name no section"):
        build_comparison_report(comparison_rows(), side_by_side=replication_side_by_side({}),
                                figures={"nope": tmp_path / "x.png"}, cohorts=_cohorts())


def test_building_the_page_twice_gives_the_same_bytes(tmp_path):
    first = _page(tmp_path / "one")
    second = _page(tmp_path / "two")
    assert first == second


def test_a_page_without_provenance_says_so():
    page = build_comparison_report(comparison_rows(), side_by_side=replication_side_by_side({}),
                                   figures={}, cohorts=_cohorts())
    assert "Not recorded: no provenance was given" in page



def test_a_suppressed_source_suppresses_the_comparison_even_if_its_counts_are_still_there():
    # A suppressed row is hidden whatever it still holds (say, a gate's internal copy).
    kept = share(30, 100, disclosure=SUPPRESSED)
    result = compare_cohorts({"a": table("a", [kept]),
                              "b": table("b", [share(50, 130)], disclosure=RELEASED)})
    assert set(result["disclosure"]) == {SUPPRESSED} and result["estimate"].isna().all()


def test_every_cohort_is_compared_with_the_reference_in_the_order_given():
    from tahsb_analysis.compare.cohorts import pairs_against

    assert pairs_against(["b", "ref", "galvin-2024"], "ref") == [("b", "ref"),
                                                                ("galvin-2024", "ref")]
    with pytest.raises(ValueError, match="'ref' is not one of"):
        pairs_against(["a", "b"], "ref")


def test_each_forest_plot_is_mapped_to_the_outputs_of_its_section():
    from tahsb_analysis.compare.cohorts import section_outputs

    rows = pd.DataFrame({"output": ["prevalence_by_sex", "responses", "prevalence_overall",
                                    "ta_hsb_types", "responses"]})
    mapping = section_outputs(rows)
    assert mapping["comparison_prevalence"] == ("prevalence_by_sex", "prevalence_overall")
    assert mapping["comparison_responses"] == ("responses",)
    assert mapping["comparison_range"] == ("ta_hsb_types",)
    assert mapping["comparison_links"] == ()
