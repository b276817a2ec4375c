"""The group-comparison layout (Table 1): a column per group, tests and pairwise comparisons."""

import pandas as pd
import pytest
from table_rows import (
    BY_GROUP,
    CHARACTERISTICS_SIZES,
    LINKS,
    characteristic_share,
    characteristics_rows,
    first_hsb_age_rows,
    group_sizes_of,
    line,
    response_rows,
)

from tahsb_analysis.render.group_comparison_table import reported_group_sizes
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    SUPPRESSED_NOTE,
    SYNTHETIC_BANNER,
    TableError,
)
from tahsb_analysis.render.tables import render_table, write_table
from tahsb_analysis.results.schema import concat_results, make_results


@pytest.fixture
def table_one():
    return render_table(characteristics_rows(), "characteristics")


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
        "p adj.: Holm adjustment over the tests of this report section (one family per "
        "section; a test shown twice counts once); 5 of the 5 p-values in this table (3 overall "
        "and 2 pairwise)." in footnotes
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
              warning="not tested: fewer than two non-empty levels in a margin", **BY_GROUP),
         *group_sizes_of({"ta_only": 0, "dual": 4})],
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
    for r in rows:
        if r["statistic"] == "group_size":
            r["variable"] = "dual_subgroup"
    frame = make_results(rows, output="first_hsb_age_by_group", **LINKS)
    header = render_table(frame, "first_hsb_age_by_group").header
    assert header[2:5] == [
        "Other TA-HSB (N = 10)", "TA-HSB solely inappropriate pornography use (N = 6)",
        "All dual children (N = 4)",
    ]


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



# --- group sizes: read from the group-size rows, never added up ----------------------------

HEADINGS_WITHOUT_N = ["TA-HSB only", "Dual", "Offline only", "All"]


def size_row_index(frame, group):
    return frame.index[(frame["statistic"].eq("group_size") & frame["group"].eq(group))
                       .to_numpy(dtype=bool)][0]


def test_group_size_rows_give_the_headings_their_n_and_change_nothing_else():
    with_sizes = render_table(characteristics_rows(), "characteristics")
    without = render_table(characteristics_rows(with_sizes=False), "characteristics")
    assert with_sizes.header[2:6] == [
        "TA-HSB only (N = 14)", "Dual (N = 52)", "Offline only (N = 25)", "All (N = 91)",
    ]
    assert without.header[2:6] == HEADINGS_WITHOUT_N
    assert with_sizes.header[6:] == without.header[6:]
    assert with_sizes.rows == without.rows
    assert with_sizes.footnotes == without.footnotes


def test_a_group_without_a_size_row_is_headed_by_its_label_alone():
    frame = characteristics_rows()
    frame = frame.drop(index=size_row_index(frame, "dual"))
    header = render_table(frame, "characteristics").header
    assert header[2:6] == ["TA-HSB only (N = 14)", "Dual", "Offline only (N = 25)",
                           "All (N = 91)"]


def test_a_suppressed_group_size_reads_c_in_its_heading_and_the_note_says_why():
    frame = characteristics_rows().assign(disclosure="released")
    dual = size_row_index(frame, "dual")
    frame.loc[dual, ["n", "estimate"]] = pd.NA
    frame.loc[dual, "disclosure"] = "suppressed"
    rendered = render_table(frame, "characteristics")
    assert rendered.header[3] == f"Dual (N = {SUPPRESSED_MARKER})"
    assert rendered.footnotes[-1] == SUPPRESSED_NOTE
    assert rendered.tier == "release"
    assert reported_group_sizes(frame) == {"ta_only": 14, "offline_only": 25, "all": 91}


def test_group_size_rows_are_neither_lines_nor_footnotes():
    frame = concat_results([
        characteristics_rows(with_sizes=False),
        make_results(group_sizes_of(CHARACTERISTICS_SIZES, finding="C9"), cohort="ttp-2015",
                     synthetic=True, analysis="characteristics", output="characteristics"),
    ])
    rendered = render_table(frame, "characteristics")
    assert "HSB group" not in [row[0] for row in rendered.rows]
    assert not any("children in the group" in note.lower() for note in rendered.footnotes)
    assert not any("C9" in note for note in rendered.footnotes)
    assert rendered.header[2] == "TA-HSB only (N = 14)"


def test_group_sizes_are_those_of_the_variable_compared():
    frame = concat_results([
        characteristics_rows(),
        make_results(group_sizes_of({"dual": 7}, group_variable="dual_subgroup"),
                     cohort="ttp-2015", synthetic=True, analysis="characteristics",
                     output="characteristics"),
    ])
    assert render_table(frame, "characteristics").header[3] == "Dual (N = 52)"
