"""Figures comparing the HSB groups: characteristics as a dot plot (shares with CIs, ages as
median and IQR), responses as hatched grouped bars; empty groups are said, not drawn."""

from figure_rows import bars, characteristics_rows, markers, response_results, texts
from matplotlib.text import Text

from tahsb_analysis.render.figures.groups import characteristics_figure, responses_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.style import (
    DOUBLE_COLUMN_IN,
    FONT_RANGE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_HATCHES,
    HSB_GROUP_MARKERS,
    save_figure,
)
from tahsb_analysis.results.schema import make_results


def characteristics_results(synthetic=True, empty_group=None):
    return make_results(characteristics_rows(empty_group), cohort="ttp-2015",
                        synthetic=synthetic, analysis="characteristics",
                        output="characteristics")


def test_characteristics_rows_name_the_level_drawn_and_use_the_first_codebook_level():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # Top to bottom in the order of the results; family stability shows "stable", the first
    # level of the codebook, although "some instability" comes first in the rows.
    by_height = [label for _, label in sorted(zip(ax.get_yticks(), labels, strict=True),
                                              reverse=True)]
    assert by_height == [
        "Unresolved trauma", "Problems with impulsivity", "Stability of the family: stable",
    ]
    assert ax.get_xlabel() == "children (%)"
    assert ax.get_xlim() == (0.0, 100.0)


def test_characteristics_groups_differ_in_colour_and_marker_shape():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    top_row = markers(ax)[:3]
    expected = [(HSB_GROUP_MARKERS[g], HSB_GROUP_COLOURS[g].upper())
                for g in ("ta_only", "dual", "offline_only")]
    assert [(m, c) for m, c, _, _ in top_row] == expected
    assert len({m for m, _ in expected}) == 3
    # Unresolved trauma: 1/4, 6/10, 3/6 as percentages.
    assert [round(x, 6) for _, _, x, _ in top_row] == [25.0, 60.0, 50.0]
    assert len(markers(ax)) == 9


def test_characteristics_ci_lines_span_the_limits_in_percent():
    ax = characteristics_figure(characteristics_results()).figure.axes[0]
    segments = [seg for collection in ax.collections for seg in collection.get_segments()]
    assert len(segments) == 9
    assert all(sorted([seg[0][0], seg[1][0]]) == [5.0, 90.0] for seg in segments)


def test_characteristics_ages_panel_draws_medians_with_iqr_in_years():
    figure = characteristics_figure(characteristics_results()).figure
    ages = figure.axes[1]
    assert ages.get_xlabel() == "years"
    assert [round(x, 6) for _, _, x, _ in markers(ages)] == [14.0, 11.0, 10.5]
    segments = [seg for c in ages.collections for seg in c.get_segments()]
    assert sorted((s[0][0], s[1][0]) for s in segments) == [(9.0, 12.0), (9.5, 12.5),
                                                            (13.0, 15.0)]


def test_characteristics_figure_is_double_column_with_readable_fonts():
    figure = characteristics_figure(characteristics_results()).figure
    assert figure.get_figwidth() == DOUBLE_COLUMN_IN
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text()]
    assert FONT_RANGE_PT[0] <= min(sizes) and max(sizes) <= FONT_RANGE_PT[1]


def test_characteristics_caption_and_alt_text_give_n_per_group_and_the_ci_method():
    output = characteristics_figure(characteristics_results(synthetic=False))
    for words in (output.caption, output.alt_text):
        assert "TA-HSB only (N = 4), dual (N = 10), offline only (N = 6)" in words
        assert "Wilson 95% CI" in words
    assert "Unresolved trauma: TA-HSB only 1/4 (25.0%, 95% CI 5.0 to 90.0)" in output.alt_text
    assert "median (IQR) in years: TA-HSB only 14.0 (13.0 to 15.0)" in output.alt_text
    assert "C5" in output.caption and "C1" in output.caption


def test_characteristics_figure_survives_an_empty_group_and_says_so(tmp_path):
    output = characteristics_figure(characteristics_results(empty_group="ta_only"))
    top, ages = output.figure.axes[:2]
    assert HSB_GROUP_MARKERS["ta_only"] not in {m for m, _, _, _ in markers(top)}
    assert len(markers(top)) == 6 and len(markers(ages)) == 2
    assert "TA-HSB only (N = 0): no data" in texts(output.figure)
    assert "No data: TA-HSB only." in output.caption
    assert "TA-HSB only no data" in output.alt_text
    paths = write_figure(output, tmp_path / "characteristics")
    assert paths["png"].stat().st_size > 0


def test_characteristics_figure_re_saved_gives_byte_identical_files(tmp_path):
    figure = characteristics_figure(characteristics_results()).figure
    first = save_figure(figure, tmp_path / "a", "alt")
    second = save_figure(figure, tmp_path / "b", "alt")
    for fmt in ("png", "svg", "pdf"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_characteristics_figure_without_ages_has_one_panel():
    rows = [r for r in characteristics_rows() if r["variable"] != "age_first_hsb"]
    frame = make_results(rows, cohort="c", synthetic=False, analysis="a",
                         output="characteristics")
    figure = characteristics_figure(frame).figure
    assert len(figure.axes) == 1


def test_responses_draw_the_yes_share_and_the_most_serious_level_per_group():
    output = responses_figure(response_results())
    ax = output.figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "Police involvement because of the HSB", "Therapeutic response",
        "Highest level of children's social care\ninvolvement: section 47 (significant harm)",
    ]
    drawn = bars(ax)
    assert [width for _, _, width in drawn] == [75.0, 40.0, 16.666667, 25.0, 60.0, 83.333333,
                                                50.0, 60.0, 50.0]
    assert ax.get_xlabel() == "children (%)"


def test_response_groups_differ_in_colour_and_in_hatching_for_greyscale():
    drawn = bars(responses_figure(response_results()).figure.axes[0])
    by_group = dict(zip(("ta_only", "dual", "offline_only"), drawn[:3], strict=True))
    for group, (colour, hatch, _) in by_group.items():
        assert colour == HSB_GROUP_COLOURS[group].upper()
        assert hatch == HSB_GROUP_HATCHES[group]
    assert len({hatch for _, hatch, _ in by_group.values()}) == 3


def test_responses_caption_names_the_level_drawn_n_per_group_and_the_ci():
    output = responses_figure(response_results())
    assert "TA-HSB only (N = 4), dual (N = 10), offline only (N = 6)" in output.caption
    assert "Highest level of children's social care involvement: section 47" in output.caption
    assert "Wilson 95% CI" in output.caption
    assert "Police involvement because of the HSB: TA-HSB only 3/4 (75.0%" in output.alt_text


def test_responses_figure_survives_an_empty_group_and_says_so():
    output = responses_figure(response_results(empty_group="ta_only"))
    assert "No data: TA-HSB only." in output.caption
    assert len(bars(output.figure.axes[0])) == 6
