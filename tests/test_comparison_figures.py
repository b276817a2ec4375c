"""Forest plots of cohort comparisons (render/figures/comparison.py), drawn from hand-made
comparison rows: risk differences in percentage points, suppressed values written [c], the
SYNTHETIC and internal-tier labels, byte-identical files."""

from __future__ import annotations

import pandas as pd
import pytest
from comparison_helpers import comparison_rows
from matplotlib.text import Text

from tahsb_analysis.render.figures.comparison import (
    NO_COMPARABLE_ROWS,
    figure_name,
    forest_figure,
    forest_layout,
    forest_rows,
    wrap_to_width,
)
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.style import (
    SYNTHETIC_LABEL,
    TIER_LABEL,
    new_figure,
    style_context,
)
from tahsb_analysis.render.tables import SUPPRESSED_MARKER
from tahsb_analysis.results.schema import RELEASED


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text)]


def forest_axes(figure):
    """The forest of the four columns (statistic, group, forest, status): the only one with an
    x axis."""
    (ax,) = [ax for ax in figure.axes if ax.axison]
    return ax


def status_column(figure) -> list[str]:
    """The status column's words, top to bottom."""
    status = figure.axes[3]
    return [t.get_text() for t in sorted(status.texts, key=lambda t: t.get_position()[1])]


def test_the_forest_plot_draws_risk_differences_in_percentage_points():
    output = forest_figure(comparison_rows(), "prevalence")
    ax = forest_axes(output.figure)
    markers = [line for line in ax.get_lines() if line.get_marker() not in (None, "None", "")]
    assert sorted(float(line.get_xdata()[0]) for line in markers) == pytest.approx([10.0, 20.0])
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.get_lines())  # line at 0
    assert "Any TA-HSB" in texts(output.figure)
    assert "n/N = 100/200" in output.caption and "Newcombe" in output.caption
    assert "n/N = 100/200" in output.alt_text
    assert output.output == figure_name("prevalence") == "comparison_prevalence"


def test_a_suppressed_comparison_is_written_c_and_not_drawn():
    output = forest_figure(comparison_rows(disclosure=RELEASED), "prevalence")
    # Any TA-HSB: 60/100 - 40/100 = 20 points; dual suppressed (its Newcombe CI is the table's).
    assert status_column(output.figure)[0].startswith("20.0 (")
    assert status_column(output.figure)[1] == SUPPRESSED_MARKER
    ax = forest_axes(output.figure)
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


def test_a_statistic_is_named_once_per_block_and_its_groups_on_every_row():
    rows = comparison_rows()
    output = forest_figure(rows, "characteristics")
    head, sub = output.figure.axes[0], output.figure.axes[1]
    assert [t.get_text().replace("\n", " ") for t in head.texts] == [
        "Looked-after child at referral: yes"]
    assert [t.get_text() for t in sub.texts] == ["TA-HSB only"]


def test_forest_rows_keep_blocks_together_and_pairs_in_order():
    rows = comparison_rows()
    second_pair = rows.assign(cohort="c vs b")
    both = pd.concat([rows, second_pair], ignore_index=True)
    section = both[both["statistic"].eq("risk_difference").to_numpy(dtype=bool)
                   & both["output"].eq("prevalence_overall").to_numpy(dtype=bool)]
    lines = forest_rows(section, ["a vs b", "c vs b"])
    assert [(line.heading, line.pair) for line in lines] == [
        ("Any TA-HSB", "a vs b"), ("Any TA-HSB", "c vs b"),
        ("Dual (TA-HSB and offline HSB)", "a vs b"), ("Dual (TA-HSB and offline HSB)", "c vs b"),
    ]
    layout = forest_layout(lines, heading_pt=300, sub_pt=100)
    # One line a row, a gap of 0.15 between blocks; the second pair repeats no group.
    assert layout.centres == pytest.approx([0.5, 1.5, 2.65, 3.65])
    assert [sub for _, sub in layout.subs] == ["all children", "", "all children", ""]
    assert layout.lines == pytest.approx(4.15)


def test_a_heading_longer_than_its_rows_makes_its_block_taller():
    rows = comparison_rows()
    section = rows[rows["statistic"].eq("risk_difference").to_numpy(dtype=bool)
                   & rows["output"].eq("characteristics").to_numpy(dtype=bool)]
    lines = forest_rows(section, ["a vs b"])
    # "Looked-after child at referral: yes" at 7 pt is 117 pt wide (matplotlib's own measure,
    # below); at 60 pt a line it takes 3 lines, and its one row becomes 3 lines tall.
    layout = forest_layout(lines, heading_pt=60, sub_pt=100)
    assert layout.headings[0][1].count("\n") == 2
    assert layout.lines == pytest.approx(3.0)


def test_wrapping_keeps_every_line_within_the_width_measured_by_the_renderer():
    text = "Highest level of children's social care involvement: section 47 (significant harm)"
    with style_context():
        wrapped = wrap_to_width(text, 100, 7)
        figure = new_figure("single", 1)
        renderer = figure.canvas.get_renderer()
        widths = [figure.text(0, 0, line, fontsize=7).get_window_extent(renderer).width
                  / figure.dpi * 72 for line in wrapped.split("\n")]
    assert wrapped.replace("\n", " ") == text
    assert len(widths) > 1 and max(widths) <= 100 + 0.5
    # Greedy: each line but the last could not take the next line's first word.
    assert all(w > 60 for w in widths[:-1])


def test_the_forest_plot_writes_byte_identical_files_twice(tmp_path):
    first = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "1" / "f")
    second = write_figure(forest_figure(comparison_rows(), "prevalence"), tmp_path / "2" / "f")
    for fmt in ("png", "screen", "svg", "pdf", "alt", "caption"):
        assert first[fmt].read_bytes() == second[fmt].read_bytes(), fmt


def test_an_unknown_section_is_refused():
    with pytest.raises(ValueError, match="unknown comparison section 'nope'"):
        forest_figure(comparison_rows(), "nope")
