"""The odds-ratio layout: one line per outcome and model term."""

import pandas as pd
import pytest
from table_rows import group_sizes_of, response_model_rows

from tahsb_analysis.render.labels import variable_label
from tahsb_analysis.render.numbers import format_odds_ratio
from tahsb_analysis.render.rendered_table import INTERNAL_BANNER, SYNTHETIC_BANNER, TableError
from tahsb_analysis.render.tables import render_table, write_table
from tahsb_analysis.results.schema import concat_results, make_results


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



def test_group_size_rows_are_not_lines_of_an_odds_ratio_table(odds_table):
    sizes = make_results(group_sizes_of({"ta_only": 19, "dual": 107}), cohort="ttp-2015",
                         synthetic=True, analysis="responses", output="response_models")
    rows = concat_results([response_model_rows(), sizes])
    assert render_table(rows, "response_models") == odds_table


def test_a_contrast_of_two_groups_reads_as_both_groups_in_words():
    from tahsb_analysis.render.odds_ratio_table import term_label

    assert term_label("ta_only vs dual") == "TA-HSB only vs dual"
    assert term_label("ta_only") == "TA-HSB only"
