"""The flow-diagram block: nodes on the left and the right, joined by bands whose widths are
proportional to a number of children (drawn with plain patches, no Sankey library).

Only layout arithmetic happens here: band widths scale with each flow's count, and a node is
as tall as the bands that leave or reach it. The words on the nodes (with their counts) come
from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from tahsb_analysis.render.figures.style import FONT_SIZE_PT, MARKER_EDGE_COLOUR, no_data

# Geometry: the data range of the y axis, one line of text and the figure's margins around the
# axes (title, padding) in inches; the width of a node and the gap between nodes (data units).
_Y_RANGE = 1.12
_LINE_IN = FONT_SIZE_PT * 1.25 / 72
_AXES_MARGIN_IN = 0.45
_NODE_WIDTH = 0.05
_NODE_GAP = 0.04


@dataclass(frozen=True)
class Flow:
    """A band from node `source` (left) to node `target` (right) of `size` children."""

    source: str
    target: str
    size: int
    label: str  # written where the band leaves its node ("8/20")


@dataclass(frozen=True)
class FlowLayout:
    height_in: float  # of the whole figure
    per_inch: float  # data units per inch on the y axis


def flow_layout(sources: dict[str, str], targets: dict[str, str]) -> FlowLayout:
    """A figure height at which the node labels (`{node: label}` per side) fit one under
    another (see `spread`)."""
    slots = max(len(sources), len(targets), 1)
    lines = max(sum(t.count("\n") + 1 for t in texts.values()) for texts in (sources, targets))
    axes_height = max(1.75 + 0.35 * slots, _Y_RANGE * (lines * _LINE_IN + 0.06 * slots))
    return FlowLayout(axes_height + _AXES_MARGIN_IN, _Y_RANGE / axes_height)


def band(x0: float, x1: float, left: tuple[float, float], right: tuple[float, float],
         colour: str) -> PathPatch:
    """A band from a left segment (top, bottom) to a right one, with S-shaped edges."""
    middle = (x0 + x1) / 2
    (left_top, left_bottom), (right_top, right_bottom) = left, right
    vertices = [
        (x0, left_top), (middle, left_top), (middle, right_top), (x1, right_top),
        (x1, right_bottom), (middle, right_bottom), (middle, left_bottom), (x0, left_bottom),
        (x0, left_top),
    ]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4,
             MplPath.LINETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    return PathPatch(MplPath(vertices, codes), facecolor=colour, edgecolor="none", alpha=0.5,
                     zorder=2)


def stack(nodes: list[str], sizes: dict[str, int], scale: float, gap: float):
    """{node: (top, bottom)} stacked from the top of the unit column."""
    spans, top = {}, 1.0
    for node in nodes:
        bottom = top - sizes[node] * scale
        spans[node] = (top, bottom)
        top = bottom - gap
    return spans


def spread(centres: list[float], heights: list[float], low: float = -0.02,
           high: float = 1.02) -> list[float]:
    """Label centres (top to bottom) moved apart just enough that labels of the given heights
    do not overlap, kept within [low, high] when they fit."""
    ys = list(centres)
    for i in range(len(ys)):
        ceiling = high - heights[i] / 2 if i == 0 else ys[i - 1] - (heights[i - 1] + heights[i]) / 2
        ys[i] = min(ys[i], ceiling)
    if ys and ys[-1] - heights[-1] / 2 < low:
        ys[-1] = low + heights[-1] / 2
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = max(ys[i], ys[i + 1] + (heights[i] + heights[i + 1]) / 2)
    return ys


def flow_diagram(ax, flows: list[Flow], sources: dict[str, str], targets: dict[str, str],
                 colour, per_inch: float) -> None:
    """Nodes `sources` (left) and `targets` (right), each {node: label} top to bottom, joined
    by `flows`; `colour(node)` colours a node and the bands leaving it. "no data" without
    flows."""
    ax.set_xlim(-0.55, 1.55)
    ax.set_ylim(1.1 - _Y_RANGE, 1.1)
    ax.set_axis_off()
    if not flows:
        no_data(ax)
        return
    lefts, rights = list(sources), list(targets)
    # Bands leave a node in the order of the nodes they reach (and arrive likewise), which
    # keeps crossings few.
    flows = sorted(flows, key=lambda f: (lefts.index(f.source), rights.index(f.target)))
    # Layout: a node is as tall as its bands together.
    left_sizes = {node: sum(f.size for f in flows if f.source == node) for node in lefts}
    right_sizes = {node: sum(f.size for f in flows if f.target == node) for node in rights}
    slots = max(len(lefts), len(rights), 1)
    scale = (1.0 - _NODE_GAP * (slots - 1)) / sum(left_sizes.values())
    left_spans = stack(lefts, left_sizes, scale, _NODE_GAP)
    right_spans = stack(rights, right_sizes, scale, _NODE_GAP)
    line = _LINE_IN * per_inch
    _bands(ax, flows, left_spans, right_spans, scale, colour, line)
    for spans, labels, side in ((left_spans, sources, "left"), (right_spans, targets, "right")):
        _nodes(ax, spans, labels, side, colour, line)
    ax.text(_NODE_WIDTH / 2, 1.04, "first", ha="center", va="bottom", fontweight="bold")
    ax.text(1 - _NODE_WIDTH / 2, 1.04, "later", ha="center", va="bottom", fontweight="bold")


def _bands(ax, flows: list[Flow], left_spans: dict, right_spans: dict, scale: float, colour,
           line: float) -> None:
    """The bands, each labelled where it leaves its node (bands never overlap there), the
    labels moved apart only as far as needed for thin neighbouring bands."""
    rights = list(right_spans)
    lefts = list(left_spans)
    left_used = {node: span[0] for node, span in left_spans.items()}
    right_used = {node: span[0] for node, span in right_spans.items()}
    arriving = sorted(range(len(flows)),
                      key=lambda i: (rights.index(flows[i].target), lefts.index(flows[i].source)))
    right_segments = {}
    for index in arriving:
        flow = flows[index]
        height = flow.size * scale
        top = right_used[flow.target]
        right_segments[index] = (top, top - height)
        right_used[flow.target] = top - height
    flow_centres = []
    for index, flow in enumerate(flows):
        height = flow.size * scale
        top = left_used[flow.source]
        left_used[flow.source] = top - height
        ax.add_patch(band(_NODE_WIDTH, 1 - _NODE_WIDTH, (top, top - height),
                          right_segments[index], colour(flow.source)))
        flow_centres.append(top - height / 2)
    for flow, y in zip(flows, spread(flow_centres, [line] * len(flows)), strict=True):
        ax.text(_NODE_WIDTH + 0.015, y, flow.label, ha="left", va="center", zorder=4,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.6, alpha=0.85))


def _nodes(ax, spans: dict, labels: dict[str, str], side: str, colour, line: float) -> None:
    """The nodes of one side with their labels; a label moved away from its node points to
    it."""
    x = 0.0 if side == "left" else 1 - _NODE_WIDTH
    texts = [labels[node] for node in spans]
    centres = [(top + bottom) / 2 for top, bottom in spans.values()]
    heights = [(t.count("\n") + 1) * line + 0.01 for t in texts]
    for (node, (top, bottom)), text, centre, y in zip(
        spans.items(), texts, centres, spread(centres, heights), strict=True
    ):
        ax.add_patch(Rectangle((x, bottom), _NODE_WIDTH, top - bottom, facecolor=colour(node),
                               edgecolor=MARKER_EDGE_COLOUR, linewidth=0.5, zorder=3))
        edge, label_x = (-0.005, -0.06) if side == "left" else (1.005, 1.06)
        if abs(y - centre) > 0.005:
            ax.plot([edge, label_x + (0.01 if side == "left" else -0.01)], [centre, y],
                    color=MARKER_EDGE_COLOUR, linewidth=0.5)
        ax.text(label_x, y, text, ha="right" if side == "left" else "left", va="center")
