"""The drawing blocks: rows of labels, share bars with whiskers and n/N, forest marks
("not estimable" written instead of a point), axis limits, and the flow diagram's layout."""

import pandas as pd
import pytest
from figure_rows import share, texts
from matplotlib.patches import PathPatch, Rectangle

from tahsb_analysis.render.figures.blocks import (
    ForestMark,
    forest_axes,
    forest_marks,
    rows_axis,
    share_axis_upper,
    share_bars,
    symmetric_axis,
)
from tahsb_analysis.render.figures.flow import Flow, flow_diagram, spread
from tahsb_analysis.render.figures.style import new_figure, style_context


def axes():
    with style_context():
        return new_figure().add_subplot()


def test_rows_axis_puts_the_first_label_on_top_and_keeps_room_for_at_least_rows():
    ax = axes()
    assert rows_axis(ax, ["a", "b", "c"]) == [2.0, 1.0, 0.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    empty = axes()
    assert rows_axis(empty, [], at_least=1) == []
    assert empty.get_ylim() == pytest.approx((-0.6, 0.6))


def test_share_bars_draw_percentages_whiskers_and_labels_and_say_no_data():
    rows = [pd.Series(share("v", "a", 3, 10, 0.1, 0.6)), pd.Series(share("v", "b", 0, 0))]
    ax = axes()
    share_bars(ax, rows, [1, 0], upper=share_axis_upper(rows, pad=15),
               label=lambda r: f"{r['n']}/{r['denominator']}")
    (bar,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert bar.get_width() == pytest.approx(30.0)
    assert {"3/10", "no data"} <= set(texts(ax))
    assert share_axis_upper(rows, pad=15) == pytest.approx(75.0)  # the CI ends at 60%


def test_forest_marks_write_a_note_instead_of_a_point_and_draw_the_reference_line():
    ax = axes()
    positions = forest_axes(ax, ["outcome"], reference=1.0, log=True)
    forest_marks(ax, [ForestMark(positions[0] + 0.1, 2.0, (1.5, 3.0)),
                      ForestMark(positions[0] - 0.1, None, note="dual: not estimable")], 0.02)
    assert ax.get_xscale() == "log"
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert [float(line.get_xdata()[0]) for line in points] == [2.0]
    assert "dual: not estimable" in texts(ax)
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())


def test_a_symmetric_axis_spans_the_largest_value_either_side_of_zero():
    ax = axes()
    symmetric_axis(ax, [-12.0, 3.0])
    assert ax.get_xlim() == pytest.approx((-13.2, 13.2))
    symmetric_axis(ax, [])
    assert ax.get_xlim() == pytest.approx((-5.5, 5.5))


def test_spread_moves_overlapping_labels_apart_only_as_far_as_needed():
    assert spread([0.5, 0.2], [0.1, 0.1]) == [0.5, 0.2]
    assert spread([0.5, 0.48], [0.1, 0.1]) == pytest.approx([0.5, 0.4])


def test_flow_bands_are_proportional_to_their_sizes_and_nodes_as_tall_as_their_bands():
    ax = axes()
    flows = [Flow("a", "x", 3, "3/4"), Flow("a", "y", 1, "1/4")]
    flow_diagram(ax, flows, {"a": "A"}, {"x": "X", "y": "Y"}, lambda node: "#000000", 0.3)
    bands = [p.get_path().vertices for p in ax.patches if isinstance(p, PathPatch)]
    heights = [v[0][1] - v[-2][1] for v in bands]
    assert heights[0] == pytest.approx(3 * heights[1])
    nodes = {round(p.get_x(), 3): p.get_height() for p in ax.patches if isinstance(p, Rectangle)
             and p.get_x() == 0.0}
    assert nodes[0.0] == pytest.approx(sum(heights))
    assert {"3/4", "1/4", "A", "X", "Y", "first", "later"} <= set(texts(ax))
