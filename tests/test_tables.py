"""Tables render the results table faithfully: hand-made rows, exact expected cells."""

from io import StringIO

import pandas as pd
import pytest

from tahsb_analysis.render.tables import (
    INTERNAL_BANNER,
    OUTPUT_TITLES,
    RELEASE_BANNER,
    STATISTIC_LABELS,
    SYNTHETIC_BANNER,
    TableError,
    ci_label,
    format_ci,
    format_effect,
    format_odds_ratio,
    format_p_cell,
    format_p_value,
    format_percent,
    format_share,
    level_label,
    render_table,
    table_to_csv,
    table_to_html,
    table_to_markdown,
    trajectory_label,
    trajectory_steps,
    variable_label,
    write_table,
)
from tahsb_analysis.results.schema import RESULT_COLUMNS, concat_results, make_results

WILSON = "Wilson 95% CI"


def proportion(level, n, denominator, estimate, low, high, **extra):
    return dict(
        variable="hsb_group", level=level, statistic="proportion", estimate=estimate,
        ci_low=low, ci_high=high, n=n, denominator=denominator, unit="children",
        method=WILSON, **extra,
    )


@pytest.fixture
def overall():
    """prevalence_overall: 3/10 with Wilson limits 0.1078-0.6032 (statsmodels
    proportion_confint(3, 10, method="wilson")), and 2 children not recorded."""
    rows = [
        proportion("any_ta_hsb", 3, 10, 0.3, 0.1078, 0.6032, finding="P1"),
        proportion("ta_only", 1, 10, 0.1, 0.0179, 0.4042, finding="P2"),
        dict(variable="hsb_group", level="missing: not recorded", statistic="count", n=2,
             denominator=12, unit="children", method="count of children not recorded"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="prevalence",
                        output="prevalence_overall")


@pytest.fixture
def by_sex():
    """prevalence_by_sex: two groups, a missing count for sex, two tests."""
    rows = [
        proportion("any_ta_hsb", 3, 10, 0.3, 0.1078, 0.6032, group_variable="sex",
                   group="male"),
        proportion("any_ta_hsb", 1, 4, 0.25, 0.0456, 0.6994, group_variable="sex",
                   group="female"),
        dict(variable="sex", level="missing: not recorded", statistic="count", n=2,
             denominator=16, unit="children", method="count of children not recorded"),
        dict(variable="hsb_group", group_variable="sex", statistic="fisher_exact",
             estimate=0.5, p_value=0.0432, n=14,
             method="Fisher-Freeman-Halton exact test, Monte Carlo p-value",
             warning="exact test used: expected count below 5"),
        dict(variable="any_ta_hsb", group_variable="sex", statistic="chi2", estimate=12.3456,
             p_value=0.0004, n=14, method="Pearson chi-squared test (1 df)"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=False, analysis="prevalence",
                        output="prevalence_by_sex")


def column(rendered, heading):
    return [row[rendered.header.index(heading)] for row in rendered.rows]


def test_proportion_cell_reads_n_over_denominator_with_percent():
    assert format_share(3, 10, 0.3) == "3/10 (30.0%)"


def test_ci_cell_reads_limits_as_percentages_joined_by_to():
    assert format_ci(0.1078, 0.6032) == "10.8 to 60.3"


def test_percent_rounds_half_up_as_a_reader_would():
    assert format_percent(0.0125) == "1.3%"
    assert format_percent(0.125) == "12.5%"


def test_p_value_below_one_in_a_thousand_reads_less_than():
    assert format_p_value(0.0004) == "p < 0.001"


def test_p_value_otherwise_has_three_decimals():
    assert format_p_value(0.0432) == "p = 0.043"
    assert format_p_value(0.001) == "p = 0.001"


def test_missing_values_are_shown_as_not_available():
    assert format_percent(pd.NA) == "n/a"
    assert format_ci(pd.NA, pd.NA) == "n/a"
    assert format_share(0, 0, pd.NA) == "0/0 (n/a)"


def test_ci_level_is_read_from_the_method_text():
    assert ci_label("Wilson 95% CI") == "95% CI"
    assert ci_label("Clopper-Pearson exact 90% CI") == "90% CI"
    assert ci_label("count") == "CI"


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


def test_an_output_missing_from_the_results_is_an_error_naming_those_present(overall):
    with pytest.raises(TableError, match="prevalence_overall"):
        render_table(overall, "prevalnce_overall")


def test_a_known_output_without_rows_renders_an_empty_table_that_says_so(overall):
    rendered = render_table(overall, "ta_hsb_types")
    assert rendered.rows == []
    assert rendered.footnotes == ["No results for this output."]


def test_markdown_starts_with_the_tier_then_the_synthetic_banner_when_synthetic(overall):
    lines = table_to_markdown(render_table(overall, "prevalence_overall")).splitlines()
    assert lines[0] == f"**{INTERNAL_BANNER}**"
    assert SYNTHETIC_BANNER in lines[2]


def test_a_table_is_release_tier_only_when_every_row_went_through_the_gate(overall):
    checked = overall.assign(disclosure="released")
    assert render_table(checked, "prevalence_overall").tier == "release"
    half = checked.copy()
    half.loc[half.index[0], "disclosure"] = "not checked"
    assert render_table(half, "prevalence_overall").tier == "internal"
    lines = table_to_markdown(render_table(checked, "prevalence_overall")).splitlines()
    assert lines[0] == f"**{RELEASE_BANNER}**"


def test_markdown_has_no_synthetic_banner_for_real_data(by_sex):
    assert "SYNTHETIC" not in table_to_markdown(render_table(by_sex, "prevalence_by_sex"))


def test_markdown_lays_out_header_rows_and_numbered_footnotes(overall):
    lines = table_to_markdown(render_table(overall, "prevalence_overall")).splitlines()
    assert "| Variable | Level | All: n/N (%) | All: 95% CI |" in lines
    assert "| HSB group | Any TA-HSB | 3/10 (30.0%) | 10.8 to 60.3 |" in lines
    assert "1. Wilson 95% CI." in lines


def test_html_shows_the_synthetic_banner_first_when_synthetic(overall):
    page = table_to_html(render_table(overall, "prevalence_overall"))
    body = page.split("<body>", 1)[1].lstrip().splitlines()
    assert body[0] == f'<p class="tier internal">{INTERNAL_BANNER}</p>'
    assert body[1] == f'<p class="synthetic">{SYNTHETIC_BANNER}</p>'


def test_html_has_no_synthetic_banner_for_real_data(by_sex):
    assert "SYNTHETIC" not in table_to_html(render_table(by_sex, "prevalence_by_sex"))


def test_html_escapes_text_and_loads_nothing_from_outside():
    rows = [dict(variable="x", level="<script>&", statistic="proportion", estimate=0.5, n=1,
                 denominator=2, unit="children", method='Wilson 95% CI "<b>"')]
    frame = make_results(rows, cohort="c", synthetic=True, analysis="a", output="x_out")
    page = table_to_html(render_table(frame, "x_out"))
    assert "<script>" not in page
    assert "&lt;script&gt;&amp;" in page
    assert "<b>" not in page
    assert "http" not in page
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page


def test_csv_round_trips_to_exactly_the_rows_of_that_output(overall, by_sex):
    both = concat_results([overall, by_sex])
    text = table_to_csv(both, "prevalence_by_sex")
    back = pd.read_csv(StringIO(text), dtype=RESULT_COLUMNS, keep_default_na=True)
    pd.testing.assert_frame_equal(back, by_sex)


def test_csv_keeps_numbers_unrounded_with_newline_endings(overall):
    text = table_to_csv(overall, "prevalence_overall")
    assert "0.1078" in text and "0.6032" in text
    assert "\r" not in text
    assert text.endswith("\n")


def test_write_table_writes_csv_markdown_and_html_deterministically(overall, tmp_path):
    first = write_table(overall, "prevalence_overall", tmp_path / "a" / "prevalence")
    again = write_table(overall, "prevalence_overall", tmp_path / "b" / "prevalence")
    assert sorted(p.name for p in first.values()) == [
        "prevalence.csv", "prevalence.html", "prevalence.md",
    ]
    for key in first:
        assert first[key].read_bytes() == again[key].read_bytes()


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


def test_markdown_escapes_pipes_in_cells():
    rows = [dict(variable="v", level="a|b", statistic="count", n=4, unit="children",
                 method="count")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert "| V | A\\|b | 4 |" in table_to_markdown(render_table(frame, "x")).splitlines()


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


# --- the "characteristics" output: a Table 1 by HSB group -----------------------------------

GROUPS = ("ta_only", "dual", "offline_only", "all")
PAIRS = ("ta_only vs dual", "ta_only vs offline_only")
HOLM = dict(p_adjust_method="Holm")
BY_GROUP = dict(group_variable="hsb_group")


def characteristic_share(variable, level, group, n, denominator, low, high, **extra):
    estimate = None if denominator == 0 else n / denominator
    return dict(variable=variable, level=level, group=group, statistic="proportion",
                estimate=estimate, ci_low=low, ci_high=high, n=n, denominator=denominator,
                unit="children", method=WILSON, **BY_GROUP, **extra)


def age_summary(group, mean, sd, low, high, median, q1, q3, n):
    common = dict(variable="age_first_hsb", group=group, n=n, denominator=n, unit="years",
                  finding="C1", **BY_GROUP)
    return [
        dict(common, statistic="mean", estimate=mean, ci_low=low, ci_high=high,
             method="mean with t-based 95% CI"),
        dict(common, statistic="sd", estimate=sd, method="standard deviation (n - 1)"),
        dict(common, statistic="median", estimate=median, method="median and quartiles"),
        dict(common, statistic="q1", estimate=q1, method="median and quartiles"),
        dict(common, statistic="q3", estimate=q3, method="median and quartiles"),
    ]


def characteristics_rows(synthetic=True):
    """Three variables, hand-made numbers (limits illustrative): a yes/no variable (C4), a
    categorical one (C2, two levels for brevity) and an age (C1); every p adjusted by Holm."""
    mh = dict(finding="C4")
    rows = [
        characteristic_share("mental_health_difficulties", "yes", "ta_only", 3, 14, 0.076,
                             0.476, **mh),
        characteristic_share("mental_health_difficulties", "yes", "dual", 26, 51, 0.377,
                             0.641, **mh),
        characteristic_share("mental_health_difficulties", "yes", "offline_only", 11, 25,
                             0.267, 0.629, **mh),
        characteristic_share("mental_health_difficulties", "yes", "all", 40, 90, 0.346, 0.547,
                             **mh),
        dict(variable="mental_health_difficulties", level="missing: not recorded",
             group="dual", statistic="count", estimate=1, n=1, denominator=52,
             unit="children", method="count of children whose value is missing", **BY_GROUP,
             **mh),
        dict(variable="mental_health_difficulties", level="missing: not recorded",
             group="all", statistic="count", estimate=1, n=1, denominator=91,
             unit="children", method="count of children whose value is missing", **BY_GROUP,
             **mh),
        dict(variable="mental_health_difficulties", statistic="chi2", estimate=6.28,
             p_value=0.0432, p_adjusted=0.1296, n=90, denominator=90, unit="children",
             method="Pearson chi-squared test (2 df)", **BY_GROUP, **HOLM, **mh),
        dict(variable="mental_health_difficulties", level="yes", group="ta_only vs dual",
             statistic="risk_difference", estimate=0.25, ci_low=0.031, ci_high=0.442, n=65,
             denominator=65, unit="children",
             method="risk difference (reference minus comparison), Newcombe hybrid score "
             "95% CI", **BY_GROUP, **mh),
        dict(variable="mental_health_difficulties", group="ta_only vs dual", statistic="chi2",
             estimate=5.1, p_value=0.024, p_adjusted=0.096, n=65, denominator=65,
             unit="children", method="Pearson chi-squared test (1 df)", **BY_GROUP, **HOLM,
             **mh),
    ]
    for group, n, denominator in (("ta_only", 8, 14), ("dual", 12, 52), ("all", 26, 90)):
        for level, count in (("stable", n), ("unstable", denominator - n)):
            rows.append(characteristic_share("family_stability", level, group, count,
                                             denominator, 0.1, 0.6, finding="C2"))
    rows += [
        dict(variable="family_stability", statistic="fisher_exact", p_value=0.0004,
             p_adjusted=0.0012, n=90, denominator=90, unit="children",
             method="Fisher-Freeman-Halton exact test, Monte Carlo p-value (999 tables, seed 0)",
             warning="exact test used: expected count below 5 (minimum 3.23)", finding="C2",
             **BY_GROUP, **HOLM),
        dict(variable="family_stability", group="ta_only vs dual", statistic="cramers_v",
             estimate=0.2149, n=66, denominator=66, unit="children", method="Cramer's V",
             finding="C2", **BY_GROUP),
    ]
    rows += age_summary("ta_only", 11.44, 2.1, 10.4, 12.4, 11.2, 9.8, 13.0, 14)
    rows += age_summary("all", 10.4, 2.7, 9.9, 11.0, 10.3, 8.5, 12.6, 91)
    common = dict(variable="age_first_hsb", finding="C1", **BY_GROUP)
    rows += [
        dict(common, statistic="kruskal_wallis", estimate=1.39, p_value=0.5, p_adjusted=1.0,
             n=91, denominator=91, unit="children", method="Kruskal-Wallis H test (ties "
             "corrected)", **HOLM),
        dict(common, group="ta_only vs offline_only", statistic="hodges_lehmann", estimate=3.0,
             n=39, denominator=39, unit="years",
             method="Hodges-Lehmann shift (reference minus comparison)"),
        dict(common, group="ta_only vs offline_only", statistic="rank_biserial", estimate=0.52,
             n=39, denominator=39, unit="children", method="rank-biserial correlation"),
        dict(common, group="ta_only vs offline_only", statistic="mann_whitney_u",
             estimate=120.0, p_value=0.01, p_adjusted=0.03, n=39, denominator=39,
             unit="children", method="Mann-Whitney U test (two-sided)", **HOLM),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=synthetic,
                        analysis="characteristics", output="characteristics")


@pytest.fixture
def table_one():
    return render_table(characteristics_rows(), "characteristics")


def line(rendered, variable, level):
    """The body line of `level` within the block of `variable` (labels as displayed)."""
    current = None
    for row in rendered.rows:
        current = row[0] or current
        if current == variable and row[1] == level:
            return dict(zip(rendered.header, row, strict=True))
    raise AssertionError(f"no line {variable!r} / {level!r} in {rendered.rows}")


def test_table_one_has_a_column_per_group_in_study_order_then_p_and_pairwise_columns(table_one):
    assert table_one.title == "Backgrounds and characteristics by HSB group (cohort ttp-2015)"
    assert table_one.header == [
        "Variable", "Level", "TA-HSB only (N = 14)", "Dual (N = 52)", "Offline only (N = 25)",
        "All (N = 91)", "p", "p adj.", "TA-HSB only vs dual", "TA-HSB only vs dual: p adj.",
        "TA-HSB only vs offline only", "TA-HSB only vs offline only: p adj.",
    ]


def test_table_one_labels_variables_by_codebook_title_and_levels_by_label(table_one):
    assert [row[:2] for row in table_one.rows] == [
        ["Recorded mental-health difficulties", "Yes"],
        ["Stability of the family", "Stable"],
        ["", "Unstable"],
        ["Age when the child first displayed HSB (years)", "Median (IQR)"],
        ["", "Mean (SD)"],
    ]


def test_shares_read_n_over_denominator_percent_and_the_ci_in_brackets(table_one):
    cells = line(table_one, "Recorded mental-health difficulties", "Yes")
    assert cells["TA-HSB only (N = 14)"] == "3/14 (21.4%) [7.6 to 47.6]"
    assert cells["All (N = 91)"] == "40/90 (44.4%) [34.6 to 54.7]"


def test_continuous_variables_read_median_iqr_and_mean_sd(table_one):
    variable = "Age when the child first displayed HSB (years)"
    median = line(table_one, variable, "Median (IQR)")
    mean = line(table_one, variable, "Mean (SD)")
    assert median["TA-HSB only (N = 14)"] == "11.2 (9.8 to 13.0)"
    assert mean["TA-HSB only (N = 14)"] == "11.4 (2.1) [10.4 to 12.4]"
    assert median["Dual (N = 52)"] == ""  # no age rows for dual in this hand-made table


def test_overall_p_and_adjusted_p_sit_on_the_first_line_and_point_to_their_test(table_one):
    footnotes = table_one.footnotes
    yes = line(table_one, "Recorded mental-health difficulties", "Yes")
    chi2 = footnotes.index(
        "p: Pearson chi-squared test (2 df); recorded mental-health difficulties.") + 1
    assert (yes["p"], yes["p adj."]) == (f"0.043 [{chi2}]", "0.130")
    stable = line(table_one, "Stability of the family", "Stable")
    assert stable["p"].startswith("< 0.001 [") and stable["p adj."] == "0.001"
    unstable = line(table_one, "Stability of the family", "Unstable")
    assert (unstable["p"], unstable["p adj."]) == ("", "")


def test_risk_difference_is_in_percentage_points_with_its_ci(table_one):
    yes = line(table_one, "Recorded mental-health difficulties", "Yes")
    assert yes["TA-HSB only vs dual"] == "RD 25.0 (3.1 to 44.2)"
    assert yes["TA-HSB only vs dual: p adj."].startswith("0.096 [")
    assert yes["TA-HSB only vs offline only"] == ""


def test_cramers_v_and_the_shift_of_ages_go_on_the_first_line_of_their_variable(table_one):
    assert line(table_one, "Stability of the family", "Stable")["TA-HSB only vs dual"] == (
        "V = 0.21"
    )
    median = line(table_one, "Age when the child first displayed HSB (years)", "Median (IQR)")
    assert median["TA-HSB only vs offline only"] == "HL 3.0; r = 0.52"
    assert median["TA-HSB only vs offline only: p adj."].startswith("0.030 [")


def test_footnotes_name_holm_every_test_and_every_effect_size(table_one):
    footnotes = table_one.footnotes
    assert (
        "p adj.: Holm adjustment across all tests in this table (3 overall and 2 pairwise "
        "p-values)." in footnotes
    )
    for test in ("Pearson chi-squared test (2 df)", "Fisher-Freeman-Halton exact test",
                 "Kruskal-Wallis H test", "Mann-Whitney U test (two-sided)",
                 "Pearson chi-squared test (1 df)"):
        assert any(test in note for note in footnotes), test
    assert any(note.startswith("RD: risk difference") and "Newcombe" in note
               and "percentage points" in note for note in footnotes)
    assert any(note.startswith("V: Cramer's V") for note in footnotes)
    assert any(note.startswith("HL: Hodges-Lehmann") for note in footnotes)
    assert any(note.startswith("r: rank-biserial") for note in footnotes)
    assert "Wilson 95% CI." in footnotes


def test_footnotes_give_warnings_missing_counts_per_group_and_findings(table_one):
    footnotes = table_one.footnotes
    assert (
        "Warning: exact test used: expected count below 5 (Stability of the family, test "
        "across the groups: minimum 3.23)." in footnotes
    )
    assert (
        "Not recorded: recorded mental-health difficulties, children by group: dual 1, all 1; "
        "excluded from percentages and summaries." in footnotes
    )
    assert footnotes[-1] == (
        "Bears on published finding(s): C4 (recorded mental-health difficulties), C2 "
        "(stability of the family), C1 (age when the child first displayed HSB (years))."
    )


def test_p_value_pointers_lead_to_the_footnote_naming_the_test(table_one):
    for row in table_one.rows:
        for heading, cell in zip(table_one.header, row, strict=True):
            if heading.startswith("p") or heading.endswith("p adj."):
                if "[" in cell:
                    number = int(cell.split("[")[1].rstrip("]"))
                    note = table_one.footnotes[number - 1]
                    assert "test" in note.lower(), (cell, note)


def test_an_empty_group_renders_zero_over_zero_and_names_the_group_once():
    frame = make_results(
        [characteristic_share("impulsivity", "yes", "ta_only", 0, 0, None, None,
                              warning="empty denominator: no children in this population"),
         characteristic_share("family_stability", "stable", "ta_only", 0, 0, None, None,
                              warning="empty denominator: no children in this population"),
         characteristic_share("impulsivity", "yes", "dual", 2, 4, 0.15, 0.85),
         dict(variable="impulsivity", group="ta_only vs dual", level="yes",
              statistic="risk_difference", n=4, denominator=4, unit="children",
              method="risk difference", warning="not estimated: no child with a known value "
              "in ta_only", **BY_GROUP),
         dict(variable="impulsivity", group="ta_only vs dual", statistic="not_tested", n=4,
              denominator=4, unit="children", method="no test",
              warning="not tested: fewer than two non-empty levels in a margin", **BY_GROUP)],
        cohort="c", synthetic=False, analysis="characteristics", output="characteristics",
    )
    rendered = render_table(frame, "characteristics")
    assert rendered.header[2:4] == ["TA-HSB only (N = 0)", "Dual (N = 4)"]
    impulsivity = line(rendered, "Problems with impulsivity", "Yes")
    assert impulsivity["TA-HSB only (N = 0)"] == "0/0 (n/a)"
    assert impulsivity["TA-HSB only vs dual"] == "RD n/a"
    assert impulsivity["TA-HSB only vs dual: p adj."].startswith("not tested [")
    assert (
        "Warning: empty denominator: no children in this population (every row for TA-HSB "
        "only)." in rendered.footnotes
    )
    assert (
        "Test of problems with impulsivity (TA-HSB only vs dual): not tested (fewer than two "
        "non-empty levels in a margin)." in rendered.footnotes
    )


def test_children_outside_the_groups_compared_are_a_footnote_not_a_column():
    frame = concat_results([
        characteristics_rows(),
        make_results([dict(variable="hsb_group", level="missing: neither (no HSB recorded)",
                           group_variable="population", group="in_depth_sample",
                           statistic="count", estimate=2, n=2, denominator=93,
                           unit="children", method="count")],
                     cohort="ttp-2015", synthetic=True, analysis="characteristics",
                     output="characteristics"),
    ])
    rendered = render_table(frame, "characteristics")
    assert not any("sample" in heading for heading in rendered.header)
    assert all(row[0] != "HSB group" for row in rendered.rows)
    assert (
        "Neither (no HSB recorded): HSB group for 2 children (in-depth sample); not in any "
        "group compared." in rendered.footnotes
    )


def test_table_one_refuses_two_rows_for_one_cell():
    row = characteristic_share("impulsivity", "yes", "dual", 2, 4, 0.15, 0.85)
    frame = make_results([row, row], cohort="c", synthetic=False, analysis="a",
                         output="characteristics")
    with pytest.raises(TableError, match="same cell"):
        render_table(frame, "characteristics")


def test_table_one_refuses_rows_of_several_cohorts():
    frame = concat_results([
        characteristics_rows(),
        make_results([characteristic_share("impulsivity", "yes", "dual", 2, 4, 0.15, 0.85)],
                     cohort="other", synthetic=False, analysis="a", output="characteristics"),
    ])
    with pytest.raises(TableError, match="one cohort at a time"):
        render_table(frame, "characteristics")


def test_table_one_writes_markdown_and_html_with_the_synthetic_banner(tmp_path):
    paths = write_table(characteristics_rows(), "characteristics", tmp_path / "characteristics")
    markdown = paths["md"].read_text(encoding="utf-8")
    assert markdown.splitlines()[2] == f"**{SYNTHETIC_BANNER}**"
    assert "| Recorded mental-health difficulties | Yes | 3/14 (21.4%) [7.6 to 47.6] |" in (
        markdown
    )
    assert "RD 25.0 (3.1 to 44.2)" in paths["html"].read_text(encoding="utf-8")


def test_table_one_does_not_modify_its_input():
    frame = characteristics_rows()
    before = frame.copy()
    render_table(frame, "characteristics")
    pd.testing.assert_frame_equal(frame, before)


def test_effect_sizes_and_p_cells_are_formatted_in_one_place():
    def effect(statistic, estimate, low=None, high=None, unit="children"):
        return pd.Series(dict(statistic=statistic, estimate=estimate, ci_low=low,
                              ci_high=high, unit=unit))

    assert format_effect(effect("risk_difference", -0.296, -0.487, -0.002)) == (
        "RD -29.6 (-48.7 to -0.2)"
    )
    assert format_effect(effect("cramers_v", 0.2149)) == "V = 0.21"
    assert format_effect(effect("hodges_lehmann", 3.0, unit="years")) == "HL 3.0"
    assert format_effect(effect("rank_biserial", pd.NA)) == "r n/a"
    assert format_p_cell(0.0004) == "< 0.001"
    assert format_p_cell(0.12345) == "0.123"
    assert format_p_cell(pd.NA) == "n/a"


def test_pairwise_comparisons_and_new_tests_have_labels():
    assert level_label("hsb_group", "ta_only vs offline_only") == (
        "TA-HSB only vs offline only"
    )
    assert STATISTIC_LABELS["kruskal_wallis"] == "Kruskal-Wallis test"
    assert STATISTIC_LABELS["anova"] == "one-way ANOVA"


def test_an_anova_row_in_a_generic_output_is_a_test_footnote_with_its_f():
    rows = [dict(variable="age_first_hsb", group_variable="hsb_group", statistic="anova",
                 estimate=4.256, p_value=0.0171, n=91, method="one-way ANOVA")]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a", output="x")
    assert render_table(frame, "x").footnotes[-1] == (
        "Test of age when the child first displayed HSB (years) across HSB group: one-way "
        "ANOVA: F = 4.26, p = 0.017."
    )


def test_rows_of_compare_groups_render_one_line_per_level_with_every_p_filled():
    characteristics = pytest.importorskip("tahsb_analysis.analyses.characteristics")
    frame = pd.DataFrame({
        "hsb_group": ["ta_only"] * 6 + ["dual"] * 6 + ["offline_only"] * 6,
        "impulsivity": pd.array([True, False] * 9, dtype="boolean"),
        "family_stability": pd.Categorical(
            ["stable", "unstable", "some_instability"] * 6,
            categories=["stable", "some_instability", "unstable"]),
        "age_first_hsb": [float(v) for v in range(18)],
    })
    rows = characteristics.compare_groups(
        frame, "hsb_group", ["impulsivity", "family_stability", "age_first_hsb"],
        continuous=["age_first_hsb"], exact_test_resamples=99,
    )
    results = make_results(rows, cohort="c", synthetic=True, analysis="characteristics",
                           output="characteristics")
    rendered = render_table(results, "characteristics")
    assert [row[1] for row in rendered.rows] == [
        "Yes", "Stable", "Some instability", "Unstable", "Median (IQR)", "Mean (SD)",
    ]
    firsts = [row for row in rendered.rows if row[0]]
    p_columns = [i for i, h in enumerate(rendered.header) if h == "p" or h.endswith("p adj.")]
    assert all(row[i] for row in firsts for i in p_columns)


# --- links between TA-HSB and offline HSB (L1-L3) -----------------------------------------

DUAL = dict(group_variable="dual_subgroup")
LINKS = dict(cohort="ttp-2015", synthetic=False, analysis="links")
BOOTSTRAP = "mean with bootstrap percentile 95% CI (9999 resamples, seed 7)"
QUARTILES = "median and quartiles"


def dual_share(variable, level, group, n, denominator, low=None, high=None, **extra):
    estimate = None if denominator == 0 else n / denominator
    return dict(variable=variable, level=level, group=group, statistic="proportion",
                estimate=estimate, ci_low=low, ci_high=high, n=n, denominator=denominator,
                unit="children", method=WILSON, **DUAL, **extra)


def onset_order_results():
    """Dual children 8 + 12 = 20; which kind came first (limits are illustrative)."""
    rows = [
        dual_share("onset_order", "offline_first", "pornography_only", 3, 8, 0.14, 0.69),
        dual_share("onset_order", "online_first", "pornography_only", 5, 8, 0.31, 0.86),
        dual_share("onset_order", "offline_first", "other_ta_hsb", 9, 12, 0.47, 0.91),
        dual_share("onset_order", "same_year", "other_ta_hsb", 3, 12, 0.09, 0.53),
        dual_share("onset_order", "offline_first", "all_dual", 12, 20, 0.39, 0.78),
        dual_share("onset_order", "online_first", "all_dual", 5, 20, 0.11, 0.47),
        dual_share("onset_order", "same_year", "all_dual", 3, 20, 0.05, 0.36),
        dict(variable="onset_order", level="missing: onset age not recorded", group="all_dual",
             statistic="count", n=2, unit="children", method="count of children", **DUAL),
    ]
    return make_results(rows, output="onset_order", finding="L2", **LINKS)


def gap_rows(overrides=None):
    """The onset gap of 9 children with other TA-HSB; `overrides` changes rows by statistic."""
    common = dict(variable="onset_gap", group="other_ta_hsb", unit="years", n=9,
                  denominator=9, **DUAL)
    rows = [
        dict(common, statistic="mean", estimate=3.04, ci_low=2.21, ci_high=3.95,
             method=BOOTSTRAP),
        dict(common, statistic="sd", estimate=1.36, method="standard deviation"),
        dict(common, statistic="median", estimate=3.0, method=QUARTILES),
        dict(common, statistic="q1", estimate=2.0, method=QUARTILES),
        dict(common, statistic="q3", estimate=4.0, method=QUARTILES),
        dict(common, statistic="wilcoxon", estimate=3.0, p_value=0.0039,
             method="Wilcoxon signed-rank test, two-sided"),
    ]
    for row in rows:
        row.update((overrides or {}).get(row["statistic"], {}))
    return rows


def test_dual_groups_levels_and_new_tests_have_labels():
    assert level_label("dual_subgroup", "all_dual") == "all dual children"
    assert level_label("dual_subgroup", "pornography_only") == (
        "TA-HSB solely inappropriate pornography use"
    )
    assert level_label("onset_order", "online_first") == "TA-HSB first"
    assert level_label("onset_order", "same_year") == "both in the same year"
    assert STATISTIC_LABELS["wilcoxon"] == "Wilcoxon signed-rank test"
    assert STATISTIC_LABELS["sign_test"] == "sign test"
    assert STATISTIC_LABELS["binomial_test"] == "binomial test"


def test_trajectory_levels_read_as_first_then_later_behaviour():
    assert trajectory_label("offline -> other_ta") == "offline HSB, then other TA-HSB"
    assert trajectory_label("pornography -> offline") == (
        "inappropriate pornography use, then offline HSB"
    )
    assert trajectory_label("offline + pornography (same year)") == (
        "offline HSB and inappropriate pornography use (same year)"
    )
    assert trajectory_label("offline + pornography (same year) -> other_ta") == (
        "offline HSB and inappropriate pornography use (same year), then other TA-HSB"
    )
    assert trajectory_steps("offline -> other_ta") == [(("offline",), False),
                                                       (("other_ta",), False)]


def test_links_outputs_have_their_titles():
    titles = {
        "onset_order": "Which came first: offline HSB or TA-HSB (dual children)",
        "porn_trigger": "Pornography identified as a trigger for offline HSB (dual children)",
        "onset_gap": "Years from first offline HSB to other TA-HSB",
        "first_hsb_age_by_group": "Age at first HSB by group",
        "trajectories": "First and later behaviour (dual children)",
    }
    for output, title in titles.items():
        assert OUTPUT_TITLES[output] == title


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


def first_hsb_age_rows():
    rows = []
    for group, (median, n) in {"ta_only": (14.0, 4), "dual": (11.0, 10),
                               "offline_only": (10.5, 6)}.items():
        common = dict(variable="age_first_hsb", group_variable="hsb_group", group=group,
                      unit="years", n=n, denominator=n)
        rows += [
            dict(common, statistic="mean", estimate=median + 0.2, ci_low=median - 1,
                 ci_high=median + 1.4, method="mean with t-based 95% CI"),
            dict(common, statistic="sd", estimate=1.5, method="standard deviation"),
            dict(common, statistic="median", estimate=median, method=QUARTILES),
            dict(common, statistic="q1", estimate=median - 1, method=QUARTILES),
            dict(common, statistic="q3", estimate=median + 1, method=QUARTILES),
        ]
    rows.append(dict(variable="age_first_hsb", group_variable="hsb_group",
                     statistic="kruskal_wallis", estimate=6.1, p_value=0.047, n=20,
                     method="Kruskal-Wallis test"))
    return rows


def test_first_hsb_age_by_group_is_laid_out_as_table_one():
    frame = make_results(first_hsb_age_rows(), output="first_hsb_age_by_group", finding="C1",
                         **LINKS)
    rendered = render_table(frame, "first_hsb_age_by_group")
    assert rendered.title == "Age at first HSB by group (cohort ttp-2015)"
    assert rendered.header == [
        "Variable", "Level", "TA-HSB only (N = 4)", "Dual (N = 10)", "Offline only (N = 6)",
        "p", "p adj.",
    ]
    assert rendered.rows[0][1:4] == ["Median (IQR)", "14.0 (13.0 to 15.0)", "11.0 (10.0 to 12.0)"]
    assert rendered.rows[0][5].startswith("0.047 [")
    assert rendered.rows[1][1:3] == ["Mean (SD)", "14.2 (1.5) [13.0 to 15.4]"]


def test_first_hsb_age_by_dual_subgroup_puts_all_dual_children_last():
    names = {"ta_only": "all_dual", "dual": "other_ta_hsb", "offline_only": "pornography_only"}
    rows = [dict(r, group_variable="dual_subgroup", group=names.get(r.get("group")))
            for r in first_hsb_age_rows()]
    frame = make_results(rows, output="first_hsb_age_by_group", **LINKS)
    header = render_table(frame, "first_hsb_age_by_group").header
    assert header[2:5] == [
        "Other TA-HSB (N = 10)", "TA-HSB solely inappropriate pornography use (N = 6)",
        "All dual children (N = 4)",
    ]


def test_onset_gap_summaries_for_one_onset_order_name_it_on_each_line():
    levels = {s: {"level": "offline_first"} for s in ("mean", "sd", "median", "q1", "q3")}
    frame = make_results(gap_rows(levels), output="onset_gap", **LINKS)
    labels = [row[1].split(" [")[0] for row in render_table(frame, "onset_gap").rows]
    assert labels == [
        "Offline HSB first: mean (95% CI)", "Offline HSB first: SD",
        "Offline HSB first: median (IQR)",
    ]


# --- professional responses (S1-S3) -------------------------------------------------------

LOGIT = ("logistic regression (statsmodels Logit), adjusted for age at referral; reference "
         "group offline HSB only; Wald 95% CI")
ORDINAL = ("proportional-odds logistic regression (statsmodels OrderedModel), adjusted for age "
           "at referral; reference group offline HSB only; Wald 95% CI")
SEPARATION = ("quasi-complete separation: no child of offline HSB only excluded from school; "
              "odds ratio not estimable")
EPV = "few events per variable (EPV = 4.2 < 10): estimates unstable"


def odds_ratio(outcome, term, estimate, low, high, p, n=88, method=LOGIT, **extra):
    return dict(variable=outcome, level=term, group_variable="hsb_group",
                statistic="odds_ratio", estimate=estimate, ci_low=low, ci_high=high,
                p_value=p, n=n, denominator=n, unit="children", method=method, **extra)


def response_model_rows():
    """Police involvement (two groups and age), school exclusion with TA-HSB only separated,
    social care level by proportional odds with few events per variable, 3 children missing."""
    rows = [
        odds_ratio("police_involvement", "age_at_referral", 1.2, 1.01, 1.43, 0.04),
        odds_ratio("police_involvement", "dual", 0.8, 0.3, 2.1, 0.6, finding="S2"),
        odds_ratio("police_involvement", "ta_only", 3.25, 1.1, 9.61, 0.033, finding="S2"),
        odds_ratio("school_exclusion_hsb", "ta_only", None, None, None, None,
                   warning=SEPARATION, finding="S3"),
        odds_ratio("school_exclusion_hsb", "dual", 1.5, 0.5, 4.4, 0.4, finding="S3"),
        odds_ratio("social_care_level", "ta_only", 0.5, 0.2, 1.3, 0.15, n=90, method=ORDINAL,
                   warning=EPV),
        odds_ratio("social_care_level", "dual", 0.9, 0.4, 1.9, 0.75, n=90, method=ORDINAL,
                   warning=EPV),
        odds_ratio("social_care_section_47", "ta_only", 2.0, 0.7, 5.7, 0.2),
        odds_ratio("cj_out_of_court_or_court", "ta_only", 4.1, 1.2, 14.0, 0.02),
        odds_ratio("punitive_response", "ta_only", 5.0, 1.5, 16.7, 0.009, finding="S2"),
        dict(variable="police_involvement", level="missing: not recorded", statistic="count",
             estimate=3, n=3, unit="children", group_variable="hsb_group",
             method="count of children whose value is missing"),
    ]
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="responses",
                        output="response_models")


@pytest.fixture
def odds_table():
    return render_table(response_model_rows(), "response_models")


def test_odds_ratio_table_has_its_title_and_columns(odds_table):
    assert odds_table.title == (
        "Adjusted odds ratios of professional responses (reference: offline HSB only) "
        "(cohort ttp-2015)"
    )
    assert odds_table.header == ["Outcome", "Term", "OR (95% CI)", "p", "n in model"]
    assert odds_table.synthetic


def test_odds_ratio_reads_with_two_decimals_and_its_limits(odds_table):
    police = odds_table.rows[0]
    assert police[1:] == ["TA-HSB only", "3.25 (1.10 to 9.61)", "0.033", "88"]
    assert format_odds_ratio(3.25, 1.1, 9.61) == "3.25 (1.10 to 9.61)"
    assert format_odds_ratio(0.5) == "0.50"


def test_group_terms_come_first_in_study_order_then_covariates(odds_table):
    assert [row[1] for row in odds_table.rows[:3]] == [
        "TA-HSB only", "Dual", "Age at referral (whole years)",
    ]
    assert odds_table.rows[0][0].startswith("Police involvement")
    assert odds_table.rows[1][0] == "" and odds_table.rows[2][0] == ""


def test_a_separated_odds_ratio_reads_not_estimable_and_its_warning_is_a_footnote(odds_table):
    exclusion = next(row for row in odds_table.rows if row[0].startswith("Excluded"))
    assert exclusion[1:] == ["TA-HSB only", "not estimable", "", "88"]
    assert format_odds_ratio(None) == "not estimable"
    assert (
        "Warning: quasi-complete separation: no child of offline HSB only excluded from "
        "school; odds ratio not estimable (excluded from school because of the HSB: "
        "TA-HSB only)." in odds_table.footnotes
    )


def test_a_warning_on_every_term_of_an_outcome_names_the_outcome_once(odds_table):
    assert (
        "Warning: few events per variable (EPV = 4.2 < 10): estimates unstable (highest level "
        "of children's social care involvement)." in odds_table.footnotes
    )


def test_each_model_method_is_a_footnote_the_outcomes_point_to(odds_table):
    notes = odds_table.footnotes
    logit = next(i for i, n in enumerate(notes, 1) if n.startswith("Logistic regression"))
    ordinal = next(i for i, n in enumerate(notes, 1) if n.startswith("Proportional-odds log"))
    assert "outcomes: police involvement because of the HSB" in notes[logit - 1]
    assert odds_table.rows[0][0] == f"Police involvement because of the HSB [{logit}]"
    social = next(row for row in odds_table.rows if row[0].startswith("Highest level"))
    assert social[0].endswith(f"[{ordinal}]")
    assert any("odds of a higher level" in n for n in notes)


def test_missing_outcomes_are_counted_in_a_footnote(odds_table):
    assert ("Not recorded: police involvement because of the HSB for 3 children; left out of "
            "the model." in odds_table.footnotes)


def test_binary_cuts_and_composites_have_labels(odds_table):
    labels = [row[0].split(" [")[0] for row in odds_table.rows if row[0]]
    assert "Section 47 (significant harm) vs lower" in labels
    assert "Out-of-court disposal or court order" in labels
    assert "Criminal-justice or sanction response" in labels
    assert variable_label("therapeutic_response") == "therapeutic response"


def test_odds_ratio_table_writes_markdown_with_the_banner_and_html(tmp_path):
    paths = write_table(response_model_rows(), "response_models", tmp_path / "models")
    markdown = paths["md"].read_text(encoding="utf-8")
    assert markdown.startswith(f"**{INTERNAL_BANNER}**\n\n**{SYNTHETIC_BANNER}**")
    assert "3.25 (1.10 to 9.61)" in markdown and "not estimable" in markdown
    assert "3.25 (1.10 to 9.61)" in paths["html"].read_text(encoding="utf-8")


def test_odds_ratio_table_refuses_two_rows_for_one_line():
    rows = response_model_rows()
    doubled = concat_results([rows, rows.iloc[[0]]])
    with pytest.raises(TableError, match="two rows fill the same line"):
        render_table(doubled, "response_models")


def test_odds_ratio_table_does_not_modify_its_input():
    rows = response_model_rows()
    before = rows.copy()
    render_table(rows, "response_models")
    pd.testing.assert_frame_equal(rows, before)


def response_rows():
    """The responses output as compare_groups writes it: a yes/no response, a categorical
    one and a composite, for the groups and all, with a test."""
    rows = []
    for group, n, denominator in (("ta_only", 12, 19), ("dual", 30, 107),
                                  ("offline_only", 20, 149), ("all", 62, 275)):
        rows.append(characteristic_share("police_involvement", "yes", group, n, denominator,
                                         0.2, 0.8, finding="S2"))
        rows.append(characteristic_share("punitive_response", "yes", group, n + 1,
                                         denominator, 0.2, 0.8, finding="S2"))
        for level, count in (("none", denominator - n), ("section_47", n)):
            rows.append(characteristic_share("social_care_level", level, group, count,
                                             denominator, 0.1, 0.9))
    rows.append(dict(variable="police_involvement", statistic="chi2", estimate=20.1,
                     p_value=0.0001, n=275, denominator=275, unit="children",
                     method="Pearson chi-squared test (2 df)", **BY_GROUP))
    return make_results(rows, cohort="ttp-2015", synthetic=True, analysis="responses",
                        output="responses")


def test_responses_render_as_a_table_one_with_their_title_and_labels():
    rendered = render_table(response_rows(), "responses")
    assert rendered.title == "Professional responses by HSB group (cohort ttp-2015)"
    assert rendered.header[:6] == [
        "Variable", "Level", "TA-HSB only (N = 19)", "Dual (N = 107)",
        "Offline only (N = 149)", "All (N = 275)",
    ]
    assert [row[0] for row in rendered.rows if row[0]] == [
        "Police involvement because of the HSB", "Criminal-justice or sanction response",
        "Highest level of children's social care involvement",
    ]
    assert line(rendered, "Highest level of children's social care involvement",
                "Section 47 (significant harm)")["TA-HSB only (N = 19)"] == (
        "12/19 (63.2%) [10.0 to 90.0]"
    )
    assert rendered.footnotes[0].startswith("Cells: n/N (%) [95% CI], N = children with the "
                                            "response recorded")


def test_table_one_of_characteristics_still_speaks_of_characteristics(table_one):
    assert "N = children with the characteristic recorded" in table_one.footnotes[0]


def test_firth_rows_render_as_their_own_line_under_the_ordinary_odds_ratio():
    from tahsb_analysis.render.tables import render_table

    common = dict(cohort="c", synthetic=False, analysis="responses", output="response_models",
                  variable="police_involvement", group_variable="hsb_group", unit="children",
                  n=40, denominator=40)
    rows = make_results([
        dict(common, level="ta_only", statistic="odds_ratio", method="logistic regression",
             warning="quasi-complete separation: TA-HSB only has all children with police "
                     "involvement; odds ratio not estimable"),
        dict(common, level="ta_only", statistic="odds_ratio_firth", estimate=9.0, ci_low=1.2,
             ci_high=80.5, p_value=0.02, method="Firth penalised logistic regression",
             warning="used because of separation in the ordinary model"),
        dict(common, level="dual", statistic="odds_ratio", estimate=1.5, ci_low=0.5,
             ci_high=4.5, p_value=0.4, method="logistic regression"),
    ])
    rendered = render_table(rows, "response_models")
    terms = [line[1] for line in rendered.rows]
    assert terms[:2] == ["TA-HSB only", "TA-HSB only, Firth penalised"]
    firth_line = rendered.rows[1]
    assert "9.00 (1.20 to 80.50)" in firth_line
    assert any("used because of separation" in note for note in rendered.footnotes)
