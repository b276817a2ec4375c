"""Tests that look at the figures: every registry figure, the swimmer plot and every section's
comparison forest plot is drawn at its journal size from small results tables, and the boxes of
the texts the renderer draws must not overlap one another, must stay on the canvas and must be
7-9 pt (titles 9 pt at most: the largest text of a figure). The marks sit in a band of their
own above the content.

The boxes come from matplotlib itself: every Text artist that is drawn (tick labels included;
texts of hidden axes are not drawn and not counted) and its `get_window_extent` with the
figure's Agg renderer, after the layout the files are saved with (`freeze_layout`).
"""

from __future__ import annotations

import pandas as pd
import pytest
from figure_rows import results
from matplotlib.text import Text

from tahsb_analysis.compare.cohorts import SECTION_TITLES, compare_cohorts
from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.catalogue import FIGURES, draw_figure
from tahsb_analysis.render.figures.comparison import forest_figure
from tahsb_analysis.render.figures.style import (
    COLUMN_WIDTHS_IN,
    FONT_RANGE_PT,
    MM_PER_INCH,
    freeze_layout,
    mark_internal_tier,
    mark_lines,
    mark_synthetic,
    mark_texts,
    new_figure,
    style_context,
)
from tahsb_analysis.render.figures.timelines import TIMELINE_FIGURE, timeline_figure
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED

TOLERANCE_PX = 1.0  # at the figure's 100 dpi: 0.25 mm


def drawn_texts(figure, monkeypatch) -> list[Text]:
    """The Text artists the renderer draws (visible, non-empty, in a visible parent), after the
    layout the saved files get."""
    freeze_layout(figure)
    drawn: list[Text] = []
    original = Text.draw

    def recording(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    with monkeypatch.context() as patch:
        patch.setattr(Text, "draw", recording)
        with style_context():
            figure.canvas.draw()
    return drawn


def boxes(figure, texts):
    renderer = figure.canvas.get_renderer()
    return [(text, text.get_window_extent(renderer)) for text in texts]


def overlaps(figure, texts) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than the tolerance both ways."""
    found = []
    measured = boxes(figure, texts)
    for i, (first, a) in enumerate(measured):
        for second, b in measured[i + 1:]:
            width = min(a.x1, b.x1) - max(a.x0, b.x0)
            height = min(a.y1, b.y1) - max(a.y0, b.y0)
            if width > TOLERANCE_PX and height > TOLERANCE_PX:
                found.append((first.get_text(), second.get_text()))
    return found


def off_canvas(figure, texts) -> list[str]:
    width, height = figure.canvas.get_width_height()
    return [text.get_text() for text, box in boxes(figure, texts)
            if box.x0 < -TOLERANCE_PX or box.y0 < -TOLERANCE_PX
            or box.x1 > width + TOLERANCE_PX or box.y1 > height + TOLERANCE_PX]


def assert_looks_right(figure, monkeypatch) -> None:
    texts = drawn_texts(figure, monkeypatch)
    assert texts, "nothing drawn"
    assert overlaps(figure, texts) == []
    assert off_canvas(figure, texts) == []
    sizes = {text.get_text(): text.get_fontsize() for text in texts}
    too_small_or_large = {t: s for t, s in sizes.items()
                          if not FONT_RANGE_PT[0] <= s <= FONT_RANGE_PT[1]}
    assert too_small_or_large == {}
    marks = mark_texts(figure)
    renderer = figure.canvas.get_renderer()
    content = [t for t in texts if t not in marks]
    if marks:  # the band: every mark above every other text
        lowest_mark = min(m.get_window_extent(renderer).y0 for m in marks)
        highest_content = max(t.get_window_extent(renderer).y1 for t in content)
        assert highest_content <= lowest_mark + TOLERANCE_PX


def timelines() -> pd.DataFrame:
    """Four dual children with onsets at several ages, one without any."""
    return pd.DataFrame({
        "child": pd.array([1, 2, 3, 4], dtype="Int64"),
        "dual_subgroup": pd.array(["other_ta_hsb", "pornography_only", None, "other_ta_hsb"],
                                  dtype="string"),
        "first_offline": pd.array([8.0, 9.5, None, None], dtype="Float64"),
        "first_pornography": pd.array([None, 9.0, 10.5, None], dtype="Float64"),
        "first_other_ta": pd.array([11.0, None, 13.0, None], dtype="Float64"),
    })


def released(table_rows: pd.DataFrame) -> pd.DataFrame:
    return table_rows.assign(disclosure=RELEASED)


# --- the checker itself can fail ----------------------------------------------------------------


def test_the_checker_finds_texts_on_one_another_and_off_the_canvas(monkeypatch):
    with style_context():
        figure = new_figure("single", height=1.5)
        ax = figure.add_subplot()
        ax.text(0.5, 0.5, "first words")
        ax.text(0.52, 0.5, "second words")
        figure.text(0.98, 0.5, "runs off the right edge")
    texts = drawn_texts(figure, monkeypatch)
    assert ("first words", "second words") in overlaps(figure, texts)
    assert off_canvas(figure, texts) == ["runs off the right edge"]


def test_the_marks_get_a_band_of_their_own_above_a_title(monkeypatch):
    with style_context():
        figure = new_figure("single", height=1.5)
        figure.add_subplot().set_title("a title at the very top", loc="left")
        mark_synthetic(figure)
        mark_internal_tier(figure)
    assert_looks_right(figure, monkeypatch)
    assert len(mark_texts(figure)) == 2
    # The band grew the figure, it did not squeeze the content.
    assert figure.get_figheight() > 1.5


def test_marks_that_do_not_fit_one_line_go_on_lines_of_their_own():
    assert mark_lines([2.0], [1.0], width=3.3, gap=0.15) == [([0], [0])]
    assert mark_lines([2.5], [1.0], width=3.3, gap=0.15) == [([0], []), ([], [0])]
    assert mark_lines([], [1.0], width=3.3, gap=0.15) == [([], [0])]


# --- every figure at its journal size ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_registry_figure_at_its_journal_size_has_no_overlapping_text(name, monkeypatch):
    # The internal tier: both marks (the released figures have one of them, and less text).
    figure = draw_figure(name, results()).figure
    declared = load_registry().figure(name).width
    assert figure.get_figwidth() == pytest.approx(COLUMN_WIDTHS_IN[declared])
    assert_looks_right(figure, monkeypatch)


def test_journal_widths_are_85_and_174_mm():
    assert COLUMN_WIDTHS_IN["single"] * MM_PER_INCH == pytest.approx(85)
    assert COLUMN_WIDTHS_IN["double"] * MM_PER_INCH == pytest.approx(174)


def test_the_swimmer_plot_has_no_overlapping_text(monkeypatch):
    figure = timeline_figure(timelines(), synthetic=True, cohort="c").figure
    declared = load_registry().figure(TIMELINE_FIGURE).width
    assert figure.get_figwidth() == pytest.approx(COLUMN_WIDTHS_IN[declared])
    assert_looks_right(figure, monkeypatch)


# --- the comparison forest plots ----------------------------------------------------------------


def three_cohorts() -> pd.DataFrame:
    """The figure tests' cohort compared with a copy of itself shifted by a few children (all
    rows released) and with a second copy whose every other row is suppressed and whose first
    row has no estimate: two pairs, [c] and n/a among drawn differences."""
    base = released(results())
    counts = base["n"].notna() & base["denominator"].notna() & base["denominator"].gt(0)
    shifted = base.copy()
    shifted.loc[counts, "n"] = (shifted.loc[counts, "n"] + 1).clip(
        upper=shifted.loc[counts, "denominator"])
    shifted.loc[counts, "estimate"] = shifted.loc[counts, "n"] / shifted.loc[counts, "denominator"]
    holes = base.copy()
    suppressed = counts & (pd.Series(range(len(holes)), index=holes.index) % 2 == 0)
    holes.loc[suppressed, ["n", "estimate", "ci_low", "ci_high"]] = pd.NA
    holes.loc[suppressed, "disclosure"] = SUPPRESSED
    tables = {name: frame.assign(cohort=pd.array([name] * len(frame), dtype="string"),
                                 disclosure=frame["disclosure"].astype("string"))
              for name, frame in (("reference", base), ("later", shifted), ("holes", holes))}
    return compare_cohorts(tables, [("later", "reference"), ("holes", "reference")])


@pytest.fixture(scope="module")
def compared() -> pd.DataFrame:
    return three_cohorts()


def test_the_fixture_has_two_pairs_suppressed_and_drawn_differences(compared):
    differences = compared[compared["statistic"].eq("risk_difference").to_numpy(dtype=bool)]
    assert differences["cohort"].nunique() == 2
    assert differences["disclosure"].eq(SUPPRESSED).any()
    assert differences["estimate"].notna().any()


@pytest.mark.parametrize("section", sorted(SECTION_TITLES))
def test_every_comparison_forest_plot_fits_a_page_without_overlapping_text(section, compared,
                                                                           monkeypatch):
    figure = forest_figure(compared, section).figure
    assert figure.get_figwidth() == pytest.approx(COLUMN_WIDTHS_IN["double"])
    assert_looks_right(figure, monkeypatch)
    # Each text column's words stay in their column (none runs into the next one).
    renderer = figure.canvas.get_renderer()
    for column, following in zip(figure.axes[:2], figure.axes[1:3], strict=True):
        right = following.get_window_extent(renderer).x0
        assert all(text.get_window_extent(renderer).x1 <= right + TOLERANCE_PX
                   for text in column.texts)
    assert figure.get_figheight() * MM_PER_INCH <= 240  # a journal page's text height
