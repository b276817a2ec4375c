"""The drawing blocks the figures are made of.

Each block draws one kind of mark from values the caller has picked from results rows:
labelled rows, share bars with CI whiskers and n/N labels, a stacked share bar, grouped dots
and bars (one per HSB group), forest plots (log or linear scale, "not estimable" notes, a
reference line) and a box-and-point summary. The flow diagram is in `flow`. The only
arithmetic here is layout (a share in percent, whisker lengths, axis limits).
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullFormatter
from matplotlib.transforms import blended_transform_factory

from tahsb_analysis.render.figures.rows import ci_limits, drawable, is_na, percent
from tahsb_analysis.render.figures.style import (
    BAR_COLOUR,
    ERROR_BAR_COLOUR,
    FONT_SIZE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_HATCHES,
    HSB_GROUP_MARKERS,
    MARKER_EDGE_COLOUR,
    OKABE_ITO,
    ROW_RULE_COLOUR,
)
from tahsb_analysis.render.tables import format_number

# --- rows of labels --------------------------------------------------------------------------


def rows_axis(ax, labels: list[str], at_least: int = 0) -> list[float]:
    """Y positions from the top, light rules between rows, labels as ticks (room for at least
    `at_least` rows)."""
    positions = [float(y) for y in range(len(labels))][::-1]
    ax.set_yticks(positions, labels)
    ax.set_ylim(-0.6, max(len(labels), at_least) - 0.4)
    for y in positions[:-1]:
        ax.axhline(y - 0.5, color=ROW_RULE_COLOUR, linewidth=0.5, zorder=1)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    return positions


# --- share bars with CI whiskers and n/N labels ------------------------------------------------


def ci_whisker(ax, at: float, value: float, limits: tuple[float, float], *,
               vertical: bool = False, width: float = 0.7, cap: float = 2,
               zorder: float | None = None) -> None:
    """An error bar from limits[0] to limits[1] around `value`, at position `at`."""
    low, high = limits
    lengths = [[max(value - low, 0)], [max(high - value, 0)]]
    style = dict(fmt="none", ecolor=ERROR_BAR_COLOUR, elinewidth=width, capsize=cap)
    if zorder is not None:
        style["zorder"] = zorder
    if vertical:
        ax.errorbar(at, value, yerr=lengths, **style)
    else:
        ax.errorbar(value, at, xerr=lengths, **style)


def share_axis_upper(rows, pad: float) -> float:
    """The end of a percentage axis: room for every drawn share and CI plus `pad` (<= 100)."""
    drawn = [row for row in rows if drawable(row)]
    shares = [percent(row["estimate"]) for row in drawn]
    highs = [percent(row["ci_high"]) for row in drawn if not is_na(row["ci_high"])]
    return min(100.0, max([10.0, *shares, *highs]) + pad)


def share_bars(ax, rows, positions, *, label, upper: float, vertical: bool = False,
               thickness: float = 0.65) -> None:
    """One bar per row (its share in percent) with the CI as a whisker and `label(row)` (n/N)
    beyond it; a row without an estimate is written "no data"."""
    for at, row in zip(positions, rows, strict=True):
        if not drawable(row):
            if vertical:
                ax.text(at, 1, "no data", ha="center", va="bottom", rotation=90)
            else:
                ax.text(1, at, "no data", va="center", ha="left", color="black")
            continue
        share = percent(row["estimate"])
        if vertical:
            ax.bar(at, share, width=thickness, color=BAR_COLOUR)
        else:
            ax.barh(at, share, height=thickness, color=BAR_COLOUR)
        end = share
        limits = ci_limits(row, 100)
        if limits is not None:
            ci_whisker(ax, at, share, limits, vertical=vertical)
            end = max(end, limits[1])
        if vertical:
            ax.text(at, min(end + 1, upper), label(row), ha="center", va="bottom")
        else:
            ax.text(min(end + 1, upper), at, label(row), va="center", ha="left",
                    fontsize=FONT_SIZE_PT)


@dataclass(frozen=True)
class Segment:
    """One part of a stacked share bar: its width in percent and how it is labelled."""

    width: float
    colour: str
    legend: str
    text: str
    text_colour: str = "black"


def stacked_bar(ax, segments: list[Segment], inside_min: float) -> None:
    """Segments side by side from 0; a segment narrower than `inside_min` gets its text under
    the bar."""
    left = 0.0
    for segment in segments:
        width = segment.width
        ax.barh(0, width, left=left, height=0.6, color=segment.colour, edgecolor="white",
                linewidth=0.5, label=segment.legend)
        if width >= inside_min:
            ax.text(left + width / 2, 0, segment.text, ha="center", va="center",
                    color=segment.text_colour)
        else:
            ax.text(left + width / 2, -0.36, segment.text, ha="center", va="top")
        left += width


def bracket(ax, right: float, text: str) -> None:
    """A bracket over the stacked bar from 0 to `right`, with `text` above it."""
    ax.plot([0, 0, right, right], [0.36, 0.42, 0.42, 0.36], color="black", linewidth=0.6)
    ax.text(right / 2 if right > 30 else 0, 0.46, text,
            ha="center" if right > 30 else "left", va="bottom")


# --- one mark per HSB group --------------------------------------------------------------------


def group_style(group: str) -> tuple[str, str]:
    """(marker, colour) of an HSB group."""
    return HSB_GROUP_MARKERS[group], HSB_GROUP_COLOURS[group]


def dot(ax, y: float, value: float, limits: tuple[float, float] | None, marker: str,
        colour: str) -> None:
    """A marker at `value` with its interval as a horizontal line."""
    if limits is not None:
        ax.hlines(y, limits[0], limits[1], colors=colour, linewidth=1.2, zorder=2)
    ax.plot(value, y, linestyle="none", marker=marker, markersize=4.5, markerfacecolor=colour,
            markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5, zorder=3)


def grouped_dots(ax, positions, by_row, groups, offsets: dict[str, float], point) -> None:
    """A dot per group in each row: `point(value)` gives (value, limits or None), or None when
    the group has nothing to draw; `by_row` holds one {group: value} per row."""
    for y, by_group in zip(positions, by_row, strict=True):
        for group in groups:
            drawn = point(by_group.get(group))
            if drawn is not None:
                dot(ax, y + offsets[group], *drawn, *group_style(group))


def grouped_bars(ax, positions, by_row, groups, offsets: dict[str, float],
                 thickness: float = 0.24) -> None:
    """A hatched bar per group in each row (its share, CI as a whisker); `by_row` holds one
    {group: row} per row; groups without an estimate are left out."""
    for y, by_group in zip(positions, by_row, strict=True):
        for group in groups:
            row = by_group.get(group)
            if not drawable(row):
                continue
            at, share = y + offsets[group], percent(row["estimate"])
            ax.barh(at, share, height=thickness, color=HSB_GROUP_COLOURS[group],
                    hatch=HSB_GROUP_HATCHES[group], edgecolor=MARKER_EDGE_COLOUR,
                    linewidth=0.5, zorder=2)
            limits = ci_limits(row, 100)
            if limits is not None:
                ci_whisker(ax, at, share, limits, cap=1.5, zorder=3)


def marker_handle(marker: str, colour: str) -> Line2D:
    """A legend key: the marker alone."""
    return Line2D([], [], linestyle="none", marker=marker, markerfacecolor=colour,
                  markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5, markersize=5)


def group_handles(groups, kind: str) -> list:
    """Legend keys of the groups: hatched patches ("bar") or markers ("marker")."""
    if kind == "bar":
        return [Rectangle((0, 0), 1, 1, facecolor=HSB_GROUP_COLOURS[g],
                          hatch=HSB_GROUP_HATCHES[g], edgecolor=MARKER_EDGE_COLOUR,
                          linewidth=0.5) for g in groups]
    return [marker_handle(*group_style(g)) for g in groups]


# --- forest plots ------------------------------------------------------------------------------

# Ticks of a log-scale ratio axis, written as plain numbers ("0.5", "2", "10").
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0,
             500.0, 1000.0)


@dataclass(frozen=True)
class ForestMark:
    """One estimate of a forest plot at height `y`: a marker with its CI, or, when `value` is
    None, `note` written at the left ("not estimable", "[c]")."""

    y: float
    value: float | None
    limits: tuple[float, float] | None = None
    marker: str = "o"
    colour: str = MARKER_EDGE_COLOUR
    note: str = ""


def forest_axes(ax, labels: list[str], *, reference: float, log: bool = False,
                at_least: int = 0) -> list[float]:
    """Labelled rows with a dashed reference line (no difference); the row positions."""
    if log:
        ax.set_xscale("log")
    positions = rows_axis(ax, labels, at_least)
    ax.axvline(reference, color=MARKER_EDGE_COLOUR, linewidth=0.7, linestyle="--", zorder=1)
    return positions


def forest_marks(ax, marks: list[ForestMark], note_x: float) -> None:
    """Draw the marks in order; notes at `note_x` (axes fraction from the left)."""
    text_x = blended_transform_factory(ax.transAxes, ax.transData)
    for mark in marks:
        if mark.value is None:
            ax.text(note_x, mark.y, mark.note, transform=text_x, ha="left", va="center",
                    color=MARKER_EDGE_COLOUR, fontstyle="italic")
        else:
            dot(ax, mark.y, mark.value, mark.limits, mark.marker, mark.colour)


def tick_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else format_number(value, 2).rstrip("0")


def log_ratio_axis(ax, values: list[float]) -> None:
    """A log axis around 1 wide enough for `values`, with plain-number ticks."""
    low, high = (min(values + [1.0]), max(values + [1.0])) if values else (0.5, 2.0)
    ax.set_xlim(low / 1.6, high * 1.6)
    ticks = [t for t in LOG_TICKS if low / 1.6 <= t <= high * 1.6]
    ax.set_xticks(ticks, [tick_text(t) for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())


def symmetric_axis(ax, values: list[float], least: float = 5.0) -> None:
    """A linear axis symmetric around 0, wide enough for `values` (at least +-`least`)."""
    values = [0.0, *values]
    span = max(abs(min(values)), abs(max(values)), least) * 1.1
    ax.set_xlim(-span, span)


# --- a box-and-point summary (median, IQR; mean, CI) -------------------------------------------

SUMMARY_BOX_COLOUR = OKABE_ITO["sky_blue"]


def summary_box(ax, y: float, quartiles: tuple[float, float, float] | None,
                mean: float | None, mean_limits: tuple[float, float] | None) -> list[float]:
    """Above `y`, a box from q1 to q3 with the median as a line; below it, the mean as a point
    with its CI as an error bar. Returns the x values drawn (for the axis limits)."""
    drawn: list[float] = []
    if quartiles is not None:
        median, q1, q3 = quartiles
        ax.add_patch(Rectangle((q1, y + 0.02), q3 - q1, 0.3, facecolor=SUMMARY_BOX_COLOUR,
                               edgecolor=MARKER_EDGE_COLOUR, linewidth=0.6, zorder=2))
        ax.vlines(median, y + 0.02, y + 0.32, colors=MARKER_EDGE_COLOUR, linewidth=1.4,
                  zorder=3)
        drawn += [q1, q3]
    if mean is not None:
        if mean_limits is not None:
            ci_whisker(ax, y - 0.2, mean, mean_limits, width=0.8, zorder=3)
            drawn += list(mean_limits)
        ax.plot(mean, y - 0.2, linestyle="none", marker="o", markersize=4.5,
                markerfacecolor=BAR_COLOUR, markeredgecolor=MARKER_EDGE_COLOUR,
                markeredgewidth=0.5, zorder=4)
        drawn.append(mean)
    return drawn


def summary_box_handles() -> list:
    """Legend keys of `summary_box`: the box, and the point with its error bar."""
    return [
        Rectangle((0, 0), 1, 1, facecolor=SUMMARY_BOX_COLOUR, edgecolor=MARKER_EDGE_COLOUR,
                  linewidth=0.6),
        Line2D([], [], color=ERROR_BAR_COLOUR, marker="o", markersize=4.5,
               markerfacecolor=BAR_COLOUR, markeredgecolor=MARKER_EDGE_COLOUR,
               markeredgewidth=0.5, linewidth=0.8),
    ]
