"""The generic layout: hand-made rows, exact expected cells."""

import pandas as pd
import pytest
from table_rows import (
    DUAL,
    LINKS,
    WILSON,
    by_sex_rows,
    column,
    dual_share,
    gap_rows,
    group_sizes_of,
    onset_order_results,
    overall_rows,
)

from tahsb_analysis.render.rendered_table import TableError
from tahsb_analysis.render.tables import render_table
from tahsb_analysis.render.writers import table_to_csv
from tahsb_analysis.results.schema import concat_results, make_results


@pytest.fixture
def overall():
    return overall_rows()


@pytest.fixture
def by_sex():
    return by_sex_rows()


def test_overall_table_has_exact_cells_for_hand_values(overall):
    rendered = render_table(overall, "prevalence_overall")
    assert rendered.header == ["Variable", "Level", "All: n/N (%)", "All: 95% CI"]
    assert rendered.rows[0] == ["HSB group", "Any TA-HSB", "3/10 (30.0%)", "10.8 to 60.3"]
    assert rendered.rows[1] == ["", "TA-HSB only", "1/10 (10.0%)", "1.8 to 40.4"]


def test_count_rows_show_n_only(overall):
    rendered = render_table(overall, "prevalence_overall")
    assert rendered.rows[2] == ["", "Missing: not recorded", "2", ""]


def test_footnotes_list_each_method_and_the_missing_counts_in_words(overall):
    footnotes = render_table(overall, "prevalence_overall").footnotes
    assert "Wilson 95% CI." in footnotes
    assert "Count of children not recorded." in footnotes
    assert "Not recorded: HSB group for 2 children; excluded from percentages." in footnotes
    assert "Bears on published finding(s): P1, P2." in footnotes


def test_one_column_block_per_group(by_sex):
    rendered = render_table(by_sex, "prevalence_by_sex")
    assert rendered.header == [
        "Variable", "Level", "Male: n/N (%)", "Male: 95% CI", "Female: n/N (%)",
        "Female: 95% CI",
    ]
    assert column(rendered, "Female: n/N (%)") == ["1/4 (25.0%)"]


def test_missing_count_of_the_grouping_variable_is_a_footnote_not_an_empty_column(by_sex):
    rendered = render_table(by_sex, "prevalence_by_sex")
    assert not any(h.startswith("All") for h in rendered.header)
    assert len(rendered.rows) == 1
    assert "Not recorded: sex for 2 children; excluded from percentages." in rendered.footnotes


def test_tests_become_footnotes_naming_the_test_and_formatted_p(by_sex):
    footnotes = render_table(by_sex, "prevalence_by_sex").footnotes
    assert (
        "Test of any TA-HSB across sex: Pearson chi-squared test (1 df): "
        "chi-squared = 12.35, p < 0.001." in footnotes
    )
    exact = [f for f in footnotes if f.startswith("Test of HSB group across sex")]
    assert exact == [
        "Test of HSB group across sex: Fisher-Freeman-Halton exact test, Monte Carlo "
        "p-value: statistic = 0.50, p = 0.043; exact test used: expected count below 5."
    ]


def test_adjusted_p_value_is_given_with_its_method(by_sex):
    frame = by_sex.copy()
    frame.loc[4, "p_adjusted"] = 0.0012
    frame.loc[4, "p_adjust_method"] = "Holm"
    footnotes = render_table(frame, "prevalence_by_sex").footnotes
    assert any(f.endswith("p < 0.001, Holm-adjusted p = 0.001.") for f in footnotes)


def test_untested_comparison_says_why():
    rows = [dict(variable="any_ta_hsb", group_variable="sex", statistic="not_tested",
                 method="no test",
                 warning="not tested: fewer than two non-empty levels in a margin")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert render_table(frame, "x").footnotes[-1] == (
        "Test of any TA-HSB across sex: not tested (fewer than two non-empty levels in a "
        "margin)."
    )


def test_rank_rows_get_a_rank_column_beside_the_share():
    rows = [
        dict(variable="ta_hsb_type", level="iioc", group_variable="population",
             group="any_ta_hsb", statistic="proportion", estimate=0.5, ci_low=0.3, ci_high=0.7,
             n=5, denominator=10, unit="children", method=WILSON),
        dict(variable="ta_hsb_type", level="iioc", group_variable="population",
             group="any_ta_hsb", statistic="rank", estimate=1, unit="children",
             method="rank by share"),
    ]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a",
                         output="ta_hsb_types")
    rendered = render_table(frame, "ta_hsb_types")
    assert rendered.header[2:] == [
        "Children with any TA-HSB: n/N (%)", "Children with any TA-HSB: 95% CI",
        "Children with any TA-HSB: rank",
    ]
    assert rendered.rows[0][1].startswith("Possession, making and/or distribution")
    assert rendered.rows[0][2:] == ["5/10 (50.0%)", "30.0 to 70.0", "1"]


def test_unknown_codes_read_with_spaces_for_underscores():
    rows = [dict(variable="new_variable", level="some_new_level", statistic="proportion",
                 estimate=0.5, n=1, denominator=2, unit="children", method=WILSON)]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="new_output")
    rendered = render_table(frame, "new_output")
    assert rendered.title == "New output (cohort c)"
    assert rendered.rows[0][:2] == ["New variable", "Some new level"]


def test_rows_counting_different_units_are_told_apart():
    common = dict(variable="aimed_at_other", level="yes", statistic="proportion", method=WILSON)
    rows = [
        dict(common, estimate=0.7, n=7, denominator=10, unit="behaviours"),
        dict(common, estimate=0.5, n=2, denominator=4, unit="children"),
    ]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a",
                         output="ta_hsb_aimed_at_other")
    labels = [row[0] for row in render_table(frame, "ta_hsb_aimed_at_other").rows]
    assert labels == ["Aimed at another person (behaviours)", "Aimed at another person (children)"]


def test_empty_denominator_renders_not_available_and_its_warning():
    rows = [dict(variable="aimed_at_other", level="yes", group_variable="dual_subgroup",
                 group="pornography_only", statistic="proportion", n=0, denominator=0,
                 unit="children", method=WILSON, warning="empty denominator")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a",
                         output="dual_subgroups")
    rendered = render_table(frame, "dual_subgroups")
    assert rendered.rows[0][2:] == ["0/0 (n/a)", "n/a"]
    assert rendered.footnotes[-1] == (
        "Warning: empty denominator (Aimed at another person: yes, dual sub-group TA-HSB "
        "solely inappropriate pornography use)."
    )


def test_input_results_are_not_modified(by_sex):
    before = by_sex.copy()
    render_table(by_sex, "prevalence_by_sex")
    table_to_csv(by_sex, "prevalence_by_sex")
    pd.testing.assert_frame_equal(by_sex, before)


def test_rows_point_to_their_method_when_methods_differ():
    rows = [
        dict(variable="v", level="a", statistic="proportion", estimate=0.5, n=1, denominator=2,
             unit="children", method=WILSON),
        dict(variable="v", level="b", statistic="proportion", estimate=0.5, n=1, denominator=2,
             unit="children", method="Clopper-Pearson exact 95% CI"),
    ]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    rendered = render_table(frame, "x")
    assert [row[1] for row in rendered.rows] == ["A [1]", "B [2]"]
    assert rendered.footnotes[:2] == ["Wilson 95% CI.", "Clopper-Pearson exact 95% CI."]


def test_two_rows_for_one_cell_are_an_error_not_a_silent_choice():
    row = dict(variable="v", level="a", statistic="proportion", estimate=0.5, n=1,
               denominator=2, unit="children", method=WILSON)
    frame = make_results([row, row], cohort="c", synthetic=False, analysis="a", output="x")
    with pytest.raises(TableError, match="same cell"):
        render_table(frame, "x")


def test_several_cohorts_get_a_column_block_each():
    row = dict(variable="v", level="a", statistic="proportion", estimate=0.5, n=1,
               denominator=2, unit="children", method=WILSON)
    frame = make_results([dict(row, cohort="one"), dict(row, cohort="two")], synthetic=False,
                         analysis="a", output="x")
    rendered = render_table(frame, "x")
    assert rendered.header[2::2] == ["one: All: n/N (%)", "two: All: n/N (%)"]
    assert rendered.title.endswith("(cohort one, two)")


def test_a_test_without_a_statistic_reports_only_its_p_value():
    rows = [dict(variable="hsb_group", group_variable="sex", statistic="fisher_exact",
                 p_value=0.533, method="Fisher-Freeman-Halton exact test, Monte Carlo p-value")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert render_table(frame, "x").footnotes[-1] == (
        "Test of HSB group across sex: Fisher-Freeman-Halton exact test, Monte Carlo p-value: "
        "p = 0.533."
    )


def test_a_warning_on_every_row_of_one_group_names_the_group_once():
    common = dict(variable="hsb_group", group_variable="sex", group="other", n=0,
                  statistic="proportion", denominator=0, unit="children", method=WILSON,
                  warning="empty denominator")
    frame = make_results([dict(common, level="dual"), dict(common, level="ta_only")],
                         cohort="c", synthetic=False, analysis="a", output="x")
    assert render_table(frame, "x").footnotes[-1] == (
        "Warning: empty denominator (every row for sex other or non-binary)."
    )


def test_an_anova_row_in_a_generic_output_is_a_test_footnote_with_its_f():
    rows = [dict(variable="age_first_hsb", group_variable="hsb_group", statistic="anova",
                 estimate=4.256, p_value=0.0171, n=91, method="one-way ANOVA")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert render_table(frame, "x").footnotes[-1] == (
        "Test of age when the child first displayed HSB (years) across HSB group: one-way "
        "ANOVA: F = 4.26, p = 0.017."
    )


def test_onset_order_has_a_column_block_per_dual_group_with_all_dual_children():
    rendered = render_table(onset_order_results(), "onset_order")
    assert rendered.title == (
        "Which came first: offline HSB or TA-HSB (dual children) (cohort ttp-2015)"
    )
    assert rendered.header == [
        "Variable", "Level",
        "TA-HSB solely inappropriate pornography use: n/N (%)",
        "TA-HSB solely inappropriate pornography use: 95% CI",
        "Other TA-HSB: n/N (%)", "Other TA-HSB: 95% CI",
        "All dual children: n/N (%)", "All dual children: 95% CI",
    ]
    assert rendered.rows[0] == [
        "Which came first", "Offline HSB first", "3/8 (37.5%)", "14.0 to 69.0",
        "9/12 (75.0%)", "47.0 to 91.0", "12/20 (60.0%)", "39.0 to 78.0",
    ]
    assert rendered.rows[1][:3] == ["", "TA-HSB first", "5/8 (62.5%)"]
    assert rendered.rows[1][4] == ""  # no row: an empty cell, not a zero
    assert rendered.rows[2][1] == "Both in the same year"
    assert (
        "Onset age not recorded: which came first for 2 children (dual sub-group: all dual "
        "children); excluded from percentages." in rendered.footnotes
    )


def test_binomial_test_footnote_names_the_group_the_share_and_the_one_sided_test():
    rows = [
        dual_share("porn_trigger_offline", "yes", "all_dual", 13, 20, 0.43, 0.82),
        dict(variable="porn_trigger_offline", level="yes", group="all_dual",
             statistic="binomial_test", estimate=0.65, n=13, denominator=20, p_value=0.1316,
             unit="children", method="exact binomial test, one-sided (H1: share > 0.5)",
             **DUAL),
    ]
    frame = make_results(rows, output="porn_trigger", finding="L1", **LINKS)
    rendered = render_table(frame, "porn_trigger")
    assert rendered.rows == [[
        "Pornography identified by practitioners as a trigger for offline HSB", "Yes",
        "13/20 (65.0%)", "43.0 to 82.0",
    ]]
    assert (
        "Test of pornography identified by practitioners as a trigger for offline HSB (yes) "
        "(dual sub-group: all dual children): exact binomial test, one-sided (H1: share > "
        "0.5): share = 13/20 (65.0%), p = 0.132." in rendered.footnotes
    )


def test_onset_gap_renders_mean_with_ci_sd_and_median_iqr_lines_with_n():
    frame = make_results(gap_rows(), output="onset_gap", finding="L2", **LINKS)
    rendered = render_table(frame, "onset_gap")
    assert rendered.header == [
        "Variable", "Level", "Other TA-HSB: estimate", "Other TA-HSB: 95% CI",
    ]
    assert rendered.rows == [
        ["Years from first offline HSB to first other TA-HSB", "Mean (95% CI) [1]",
         "3.0 (N = 9)", "2.2 to 4.0"],
        ["", "SD [2]", "1.4", ""],
        ["", "Median (IQR) [3]", "3.0 (2.0 to 4.0)", ""],
    ]
    assert rendered.footnotes[:3] == [
        "Mean with bootstrap percentile 95% CI (9999 resamples, seed 7).",
        "Standard deviation.",
        "Median and quartiles.",
    ]
    assert (
        "Test of years from first offline HSB to first other TA-HSB (dual sub-group: other "
        "TA-HSB): Wilcoxon signed-rank test, two-sided: median paired difference = 3.0 years, "
        "p = 0.004." in rendered.footnotes
    )


def test_summary_lines_keep_their_order_whatever_the_row_order():
    rows = gap_rows()
    shuffled = [rows[2], rows[4], rows[1], rows[3], rows[0], rows[5]]
    frame = make_results(shuffled, output="onset_gap", **LINKS)
    labels = [row[1].split(" [")[0] for row in render_table(frame, "onset_gap").rows]
    assert labels == ["Mean (95% CI)", "SD", "Median (IQR)"]


def test_a_median_on_fewer_children_than_the_mean_gives_its_own_n():
    rows = gap_rows({"median": {"n": 7, "denominator": 7}})
    frame = make_results(rows, output="onset_gap", **LINKS)
    rendered = render_table(frame, "onset_gap")
    assert rendered.rows[0][2] == "3.0 (N = 9)"
    assert rendered.rows[2][2] == "3.0 (2.0 to 4.0) (N = 7)"


def test_a_sign_test_reports_the_median_paired_difference():
    rows = gap_rows({"wilcoxon": {"statistic": "sign_test", "method": "exact sign test",
                                  "estimate": 2.5, "p_value": 0.0195}})
    frame = make_results(rows, output="onset_gap", **LINKS)
    assert render_table(frame, "onset_gap").footnotes[-1] == (
        "Test of years from first offline HSB to first other TA-HSB (dual sub-group: other "
        "TA-HSB): exact sign test: median paired difference = 2.5 years, p = 0.020."
    )


def test_insufficient_data_renders_not_available_and_says_why():
    warning = "insufficient data: fewer than 2 children"
    statistics = ("mean", "sd", "median", "q1", "q3")
    rows = [dict(variable="onset_gap", group="other_ta_hsb", statistic=s, unit="years", n=1,
                 denominator=1, method="mean and quartiles", warning=warning, **DUAL)
            for s in statistics]
    rows.append(dict(variable="onset_gap", group="other_ta_hsb", statistic="wilcoxon",
                     unit="years", n=1, method="Wilcoxon signed-rank test", warning=warning,
                     **DUAL))
    rendered = render_table(make_results(rows, output="onset_gap", **LINKS), "onset_gap")
    assert [row[1:] for row in rendered.rows] == [
        ["Mean", "n/a (N = 1)"], ["SD", "n/a"], ["Median (IQR)", "n/a"],
    ]
    assert (
        "Test of years from first offline HSB to first other TA-HSB (dual sub-group: other "
        "TA-HSB): Wilcoxon signed-rank test: p not computed; insufficient data: fewer than 2 "
        "children." in rendered.footnotes
    )
    assert (
        "Warning: insufficient data: fewer than 2 children (every row for dual sub-group "
        "other TA-HSB)." in rendered.footnotes
    )


def test_trajectories_read_as_first_then_later_behaviour_with_n_over_n():
    rows = [
        dual_share("trajectory", "offline -> other_ta", "all_dual", 8, 20),
        dual_share("trajectory", "offline + pornography (same year)", "all_dual", 2, 20),
        dual_share("trajectory", "offline -> other_ta", "other_ta_hsb", 8, 12),
    ]
    frame = make_results(rows, output="trajectories", **LINKS)
    rendered = render_table(frame, "trajectories")
    assert column(rendered, "Level") == [
        "Offline HSB, then other TA-HSB",
        "Offline HSB and inappropriate pornography use (same year)",
    ]
    assert column(rendered, "All dual children: n/N (%)") == ["8/20 (40.0%)", "2/20 (10.0%)"]
    assert column(rendered, "Other TA-HSB: n/N (%)") == ["8/12 (66.7%)", ""]


def test_onset_gap_summaries_for_one_onset_order_name_it_on_each_line():
    levels = {s: {"level": "offline_first"} for s in ("mean", "sd", "median", "q1", "q3")}
    frame = make_results(gap_rows(levels), output="onset_gap", **LINKS)
    labels = [row[1].split(" [")[0] for row in render_table(frame, "onset_gap").rows]
    assert labels == [
        "Offline HSB first: mean (95% CI)", "Offline HSB first: SD",
        "Offline HSB first: median (IQR)",
    ]



def test_group_size_rows_are_not_lines_of_a_generic_table(overall):
    sizes = make_results(group_sizes_of({"all": 12}), cohort="ttp-2015", synthetic=True,
                         analysis="prevalence", output="prevalence_overall")
    with_sizes = render_table(concat_results([overall, sizes]), "prevalence_overall")
    without = render_table(overall, "prevalence_overall")
    assert with_sizes == without
