"""Figures of prevalence and the range of TA-HSB: stacked groups, forms sorted by share with
n/N, forms per child in numeric order; levels without data are said, not drawn."""

from figure_rows import results, share, texts

from tahsb_analysis.render.figures.prevalence import (
    forms_per_child_figure,
    prevalence_figure,
    ta_hsb_types_figure,
)
from tahsb_analysis.results.schema import concat_results, make_results


def test_prevalence_figure_stacks_the_three_groups_and_notes_any_ta_hsb():
    output = prevalence_figure(results())
    bars = output.figure.axes[0].patches
    assert [round(b.get_width(), 6) for b in bars] == [10.0, 35.0, 55.0]
    assert [round(b.get_x(), 6) for b in bars] == [0.0, 10.0, 45.0]
    assert "any TA-HSB: 45.0%" in texts(output.figure)
    assert "N = 20" in output.caption and "Wilson 95% CI" in output.caption
    assert "Not recorded: HSB group for 1 child; excluded from percentages." in output.caption


def test_types_figure_sorts_by_share_and_labels_n_over_denominator():
    output = ta_hsb_types_figure(results())
    ax = output.figure.axes[0]
    by_height = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True))
    top_label = by_height[-1][1].get_text().replace("\n", " ")
    assert top_label.startswith("possession, making and/or distribution")
    assert "6/9" in texts(output.figure) and "3/9" in texts(output.figure)
    assert "children with any TA-HSB (N = 9)" in output.caption


def test_types_figure_can_use_the_in_depth_sample_as_denominator():
    output = ta_hsb_types_figure(results(), population="in_depth_sample")
    assert "6/15" in texts(output.figure)
    assert "N = 15" in output.caption


def test_forms_figure_orders_levels_numerically_and_states_more_than_one():
    output = forms_per_child_figure(results())
    ax = output.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert "More than one form: 6/9 (66.7%, 95% CI 35.0 to 88.0)." in output.caption
    assert ax.get_ylabel() == "children with any TA-HSB (%)"


def test_na_estimates_and_absent_levels_are_drawn_as_no_data():
    population = dict(group_variable="population", group="any_ta_hsb")
    frame = concat_results([
        make_results([share("hsb_group", "dual", 0, 0), share("hsb_group", "ta_only", 1, 2)],
                     cohort="c", synthetic=False, analysis="a", output="prevalence_overall"),
        make_results([share("ta_hsb_type", "iioc", 0, 0, **population)],
                     cohort="c", synthetic=False, analysis="a", output="ta_hsb_types"),
        make_results([share("n_ta_hsb_types", "1", 0, 0, **population)],
                     cohort="c", synthetic=False, analysis="a",
                     output="ta_hsb_forms_per_child"),
    ])
    prevalence = prevalence_figure(frame)
    assert len(prevalence.figure.axes[0].patches) == 1
    assert "No data: dual (TA-HSB and offline HSB), offline HSB only." in prevalence.caption
    assert "no data" in texts(ta_hsb_types_figure(frame).figure)
    forms = forms_per_child_figure(frame)
    assert "no data" in texts(forms.figure)
    assert "not in the results" in forms.caption


def test_an_empty_prevalence_segment_is_not_drawn_but_stays_in_the_caption():
    frame = make_results(
        [share("hsb_group", "dual", 2, 2, 0.34, 1.0), share("hsb_group", "neither", 0, 2, 0, 0.66)],
        cohort="c", synthetic=False, analysis="a", output="prevalence_overall",
    )
    output = prevalence_figure(frame)
    assert len(output.figure.axes[0].patches) == 1
    assert "0.0%" not in texts(output.figure)
    assert "no HSB recorded 0/2 (0.0%, 95% CI 0.0 to 66.0)" in output.caption
