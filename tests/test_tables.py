"""Tables render the results table faithfully: hand-made rows, exact expected cells."""

from io import StringIO

import pandas as pd
import pytest

from tahsb_analysis.results import RESULT_COLUMNS, concat_results, make_results
from tahsb_analysis.tables import (
    SYNTHETIC_BANNER,
    TableError,
    ci_label,
    format_ci,
    format_p_value,
    format_percent,
    format_share,
    render_table,
    table_to_csv,
    table_to_html,
    table_to_markdown,
    write_table,
)

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


def test_markdown_starts_with_the_synthetic_banner_when_synthetic(overall):
    markdown = table_to_markdown(render_table(overall, "prevalence_overall"))
    assert SYNTHETIC_BANNER in markdown.splitlines()[0]


def test_markdown_has_no_synthetic_banner_for_real_data(by_sex):
    assert "SYNTHETIC" not in table_to_markdown(render_table(by_sex, "prevalence_by_sex"))


def test_markdown_lays_out_header_rows_and_numbered_footnotes(overall):
    lines = table_to_markdown(render_table(overall, "prevalence_overall")).splitlines()
    assert "| Variable | Level | All: n/N (%) | All: 95% CI |" in lines
    assert "| HSB group | Any TA-HSB | 3/10 (30.0%) | 10.8 to 60.3 |" in lines
    assert "1. Wilson 95% CI." in lines


def test_html_shows_the_synthetic_banner_first_when_synthetic(overall):
    page = table_to_html(render_table(overall, "prevalence_overall"))
    body = page.split("<body>", 1)[1]
    assert body.lstrip().startswith(f'<p class="synthetic">{SYNTHETIC_BANNER}</p>')


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
