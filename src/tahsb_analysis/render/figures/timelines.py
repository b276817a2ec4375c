"""The swimmer plot of the dual children: one line per child, INTERNAL USE ONLY.

Unlike every other figure it is drawn from individual-level data (`links.dual_timelines`), not
the results table, so the registry declares it `drawn_from: cohort` and it is never released.
Its caption counts the children it shows (see the report of issue #13: no results row holds
these counts).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D

from tahsb_analysis.render.figures.blocks import marker_handle
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.style import (
    BEHAVIOUR_KIND_COLOURS,
    BEHAVIOUR_KIND_MARKERS,
    DUAL_SUBGROUP_LINESTYLES,
    MARKER_EDGE_COLOUR,
    TIMELINE_LINE_COLOUR,
    UNKNOWN_SUBGROUP_LINESTYLE,
    mark_internal_use,
    mark_synthetic,
    new_figure,
    no_data,
    registry_width,
    style_context,
)
from tahsb_analysis.render.tables import short_group_label

# The registry's figure drawn from the cohort (its file stem).
TIMELINE_FIGURE = "dual_timelines"
TIMELINE_AGES = {
    "first_offline": "offline",
    "first_pornography": "pornography",
    "first_other_ta": "other_ta",
}
TIMELINE_COLUMNS = ("child", "dual_subgroup", *TIMELINE_AGES)
UNKNOWN_SUBGROUP = "unknown"
_TIMELINE_KIND_WORDS = {
    "offline": "first offline HSB",
    "pornography": "first inappropriate pornography use",
    "other_ta": "first other TA-HSB",
}
_INTERNAL = "INTERNAL USE ONLY, never for release: this figure shows individual children."


def _ages(timelines: pd.DataFrame) -> pd.DataFrame:
    """The three onset-age columns as Float64; a readable error for anything else."""
    missing = [c for c in TIMELINE_COLUMNS if c not in timelines.columns]
    if missing:
        raise ValueError(
            f"the timelines frame lacks column(s) {missing}; expected {list(TIMELINE_COLUMNS)} "
            "(see links.dual_timelines)"
        )
    ages = {}
    for column in TIMELINE_AGES:
        try:
            ages[column] = timelines[column].astype("Float64")
        except (TypeError, ValueError):
            # The value itself is not echoed: it belongs to a child.
            raise ValueError(
                f"timelines column {column!r} must hold ages in years (numbers or <NA>)"
            ) from None
    return pd.DataFrame(ages, index=timelines.index)


def _line_style(key: str) -> str:
    return DUAL_SUBGROUP_LINESTYLES.get(key, UNKNOWN_SUBGROUP_LINESTYLE)


def timeline_figure(timelines: pd.DataFrame, *, synthetic: bool, cohort: str) -> FigureOutput:
    """A swimmer plot of the dual children: one line per child, for internal use only.

    `timelines` is `links.dual_timelines(cohort)`: columns child, dual_subgroup, first_offline,
    first_pornography, first_other_ta (ages in years, <NA> when none). Each child gets one
    horizontal line from the first to the last onset, top to bottom in the order given, with
    a marker (shape and colour) for each first onset; the line style shows the dual sub-group.
    The figure shows individual children: its title, caption and alt text say it is for
    internal use only and never for release, and the alt text gives counts only, no ages.
    """
    ages = _ages(timelines)
    n = len(ages)
    first = ages.min(axis=1, skipna=True)
    subgroup_keys = timelines["dual_subgroup"].astype("string").fillna(UNKNOWN_SUBGROUP)
    # Sub-groups in a fixed order (R5 order, then unknown) for the legend and the caption.
    subgroup_order = [k for k in (*DUAL_SUBGROUP_LINESTYLES, UNKNOWN_SUBGROUP)
                      if k in set(subgroup_keys)]
    subgroup_order += sorted(set(subgroup_keys) - set(subgroup_order))

    with style_context():
        height = min(max(2.4, 1.2 + 0.12 * n), 9.0)
        fig = new_figure(registry_width(TIMELINE_FIGURE), height=height)
        ax = fig.add_subplot()
        drawn_subgroups = _draw_children(ax, ages, subgroup_keys)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_ylim(-0.8, max(n, 1) - 0.2)
        ax.set_xlabel("age (years)")
        ax.set_ylabel("dual children\n(one line each)")  # two lines: fits a short axis
        ax.set_title(f"Dual children: first onset of each kind of behaviour (n = {n})",
                     loc="left")
        if not first.notna().any():
            ax.set_xticks([])
            no_data(ax)
        else:
            _legend(fig, [k for k in subgroup_order if k in drawn_subgroups])
        mark_internal_use(fig)
        if synthetic:
            mark_synthetic(fig)
    caption, alt_text = _words(ages, first, subgroup_keys, subgroup_order, cohort)
    return finished(fig, caption, alt_text, synthetic, TIMELINE_FIGURE)


def _draw_children(ax, ages: pd.DataFrame, subgroup_keys: pd.Series) -> set[str]:
    """A line per child from the first to the last onset (the first child on top), then a
    marker per kind of first onset; returns the sub-groups drawn."""
    first = ages.min(axis=1, skipna=True)
    last = ages.max(axis=1, skipna=True)
    has_onset = first.notna().to_numpy(dtype=bool)
    positions = [float(y) for y in range(len(ages))][::-1]
    drawn_subgroups = set()
    for y, low, high, key, recorded in zip(
        positions, first, last, subgroup_keys, has_onset, strict=True
    ):
        if not recorded:
            continue
        drawn_subgroups.add(key)
        ax.hlines(y, float(low), float(high), colors=TIMELINE_LINE_COLOUR,
                  linestyles=_line_style(key), linewidth=0.9, zorder=2)
    for column, kind in TIMELINE_AGES.items():
        recorded = ages[column].notna().to_numpy(dtype=bool)
        xs = [float(v) for v, r in zip(ages[column], recorded, strict=True) if r]
        ys = [y for y, r in zip(positions, recorded, strict=True) if r]
        ax.plot(xs, ys, linestyle="none", marker=BEHAVIOUR_KIND_MARKERS[kind],
                markersize=4.5, markerfacecolor=BEHAVIOUR_KIND_COLOURS[kind],
                markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5, zorder=3)
    return drawn_subgroups


def _legend(fig, subgroups: list[str]) -> None:
    """The markers of the kinds of onset, then the line styles of the sub-groups drawn."""
    kinds = list(TIMELINE_AGES.values())
    handles = [marker_handle(BEHAVIOUR_KIND_MARKERS[k], BEHAVIOUR_KIND_COLOURS[k])
               for k in kinds]
    labels = [_TIMELINE_KIND_WORDS[kind] for kind in kinds]
    for key in subgroups:
        handles.append(Line2D([], [], color=TIMELINE_LINE_COLOUR, linestyle=_line_style(key)))
        labels.append(_subgroup_words(key))
    # Two columns: three of these long labels do not fit side by side in 174 mm.
    fig.legend(handles, labels, loc="outside lower center", ncol=2, handlelength=2.0)


def _words(ages, first, subgroup_keys, subgroup_order, cohort: str) -> tuple[str, str]:
    """Caption and alt text; counts of children only (the alt text gives no ages)."""
    n = len(ages)
    if n == 0:
        return (f"{_INTERNAL} Dual children (cohort {cohort}): none, no data.",
                "Swimmer plot for internal use only, never for release, of individual dual "
                "children: no data.")
    # Counts of the children shown (individual-level data: no results row holds them).
    counts = {kind: int(ages[column].notna().sum()) for column, kind in TIMELINE_AGES.items()}
    no_onset = int(first.isna().sum())
    subgroup_words = ", ".join(
        f"{_subgroup_words(key)} {int(subgroup_keys.eq(key).sum())} "
        f"({_linestyle_words(key)})"
        for key in subgroup_order
    )
    marker_words = ", ".join(
        f"{_TIMELINE_KIND_WORDS[kind]} ({counts[kind]} of {n} children)"
        for kind in TIMELINE_AGES.values()
    )
    caption = (
        f"{_INTERNAL} Age in years at {marker_words}, for each of the {n} dual children "
        f"(cohort {cohort}), one line per child from the first to the last onset, "
        f"{_timeline_order_words(first)}; markers at the same age overlap. Dual sub-group by "
        f"line style: {subgroup_words}."
    )
    if no_onset:
        caption += f" No onset age recorded for {no_onset} of {n} children (no line)."
    alt_text = (
        f"Swimmer plot for internal use only, never for release, showing {n} individual "
        "dual children, one horizontal line each along an age axis in years, with markers "
        f"for {marker_words}." + (" No data." if no_onset == n else "")
    )
    return caption, alt_text


def _subgroup_words(key: str) -> str:
    if key == UNKNOWN_SUBGROUP:
        return "sub-group not known"
    return short_group_label(key)


def _linestyle_words(key: str) -> str:
    style = _line_style(key)
    return {"-": "solid", ":": "dotted", "--": "dashed"}.get(style, style)


def _timeline_order_words(first: pd.Series) -> str:
    """Say how the children are ordered, checked rather than assumed."""
    known = first.dropna()
    sorted_known = known.is_monotonic_increasing
    missing_last = first.isna().to_numpy(dtype=bool)
    missing_last = not missing_last.any() or bool(
        missing_last[int(missing_last.argmax()):].all()
    )
    if len(known) and sorted_known and missing_last:
        return "ordered by age at first onset, earliest at the top"
    return "in the order supplied"
