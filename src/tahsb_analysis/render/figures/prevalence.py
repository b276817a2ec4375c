"""Figures of prevalence and of the range of TA-HSB (P1-P2, R1-R3): which rows, which block,
which words."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.figures.blocks import (
    Segment,
    bracket,
    share_axis_upper,
    share_bars,
    stacked_bar,
)
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.rows import (
    by_level,
    cohort_text,
    count_text,
    denominator_text,
    drawable,
    is_synthetic,
    method_text,
    missing_words,
    percent,
    select,
    share_words,
    source_output,
)
from tahsb_analysis.render.figures.style import (
    HSB_GROUP_COLOURS,
    mark_synthetic,
    new_figure,
    no_data,
    percent_axis,
    registry_width,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.tables import format_percent, level_label

PREVALENCE_SEGMENTS = ("ta_only", "dual", "offline_only", "neither")
MORE_THAN_ONE = "more than one"
# Segments narrower than this (percentage points) get their label under the bar.
_INSIDE_LABEL_MIN = 12


def prevalence_figure(results: pd.DataFrame) -> FigureOutput:
    """HSB groups of the whole cohort as one stacked horizontal bar.

    Segments are TA-HSB only, dual and offline HSB only (and no HSB recorded when present), as
    shares of the children with a recorded group; a bracket marks any TA-HSB (TA-HSB only and
    dual together) when the output has that row.
    """
    output = source_output("prevalence")
    proportions, missing = select(results, output, "hsb_group", None)
    levels = by_level(proportions)
    synthetic = is_synthetic(results, output)
    segments = [lvl for lvl in PREVALENCE_SEGMENTS if drawable(levels.get(lvl))]
    # An empty segment has nothing to label (usually "no HSB recorded" in an HSB service);
    # the caption still gives its 0/N.
    drawn = [lvl for lvl in segments if float(levels[lvl]["estimate"]) > 0]
    any_row = levels.get("any_ta_hsb")
    n_text = denominator_text(proportions)

    with style_context():
        fig = new_figure(registry_width("prevalence"), height=2.3)
        ax = fig.add_subplot()
        stacked_bar(ax, [
            Segment(percent(levels[lvl]["estimate"]), HSB_GROUP_COLOURS[lvl],
                    f"{level_label('hsb_group', lvl)} (n = {count_text(levels[lvl]['n'])})",
                    format_percent(levels[lvl]["estimate"]),
                    "white" if lvl == "dual" else "black")
            for lvl in drawn
        ], _INSIDE_LABEL_MIN)
        if drawable(any_row):
            bracket(ax, percent(any_row["estimate"]),
                    f"any TA-HSB: {format_percent(any_row['estimate'])}")
        if not drawn:
            no_data(ax)
        percent_axis(ax, "x", "children (%)")
        ax.set_ylim(-0.8, 0.8)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_title(f"All children assessed ({n_text})", loc="left")
        if drawn:
            fig.legend(loc="outside lower center", ncol=1, handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)

    absent = [lvl for lvl in PREVALENCE_SEGMENTS[:3] if lvl not in segments]
    group_words = "; ".join(
        f"{level_label('hsb_group', lvl)} {share_words(levels[lvl])}" for lvl in segments
    )
    caption = (
        f"HSB groups among all children assessed{cohort_text(results, output)}, {n_text}. "
        f"{group_words or 'No HSB group has data'}."
    )
    if any_row is not None:
        caption += f" Any TA-HSB (TA-HSB only or dual): {share_words(any_row)}."
    if absent:
        caption += " No data: " + ", ".join(level_label("hsb_group", a) for a in absent) + "."
    caption += f" Percentages of children with a recorded HSB group; {method_text(proportions)}."
    caption += missing_words(missing)
    alt_text = (
        f"Stacked horizontal bar chart of the children assessed ({n_text}) by HSB group: "
        f"{group_words or 'no data'}."
    )
    if drawable(any_row):
        alt_text += (
            f" Together, {count_text(any_row['n'])} of {count_text(any_row['denominator'])} "
            f"children ({format_percent(any_row['estimate'])}) displayed any TA-HSB."
        )
    return finished(fig, caption, alt_text, synthetic, output)


def ta_hsb_types_figure(results: pd.DataFrame, population: str = "any_ta_hsb") -> FigureOutput:
    """Forms of TA-HSB as horizontal bars sorted by share, with CIs and n/N.

    `population` picks the denominator: "any_ta_hsb" (children with any TA-HSB, the default)
    or "in_depth_sample".
    """
    output = source_output("ta_hsb_types")
    proportions, missing = select(results, output, "ta_hsb_type", population)
    synthetic = is_synthetic(results, output)
    rows = [row for _, row in proportions.iterrows()]
    drawn = sorted((r for r in rows if drawable(r)), key=lambda r: -float(r["estimate"]))
    ordered = drawn + [r for r in rows if not drawable(r)]
    labels = [wrap_label(level_label("ta_hsb_type", r["level"]), 48) for r in ordered]
    lines = sum(label.count("\n") + 1 for label in labels)
    population_words = level_label("population", population)
    n_text = denominator_text(proportions)

    with style_context():
        height = max(1.6, 0.8 + 0.16 * lines + 0.08 * len(labels))
        fig = new_figure(registry_width("ta_hsb_types"), height=height)
        ax = fig.add_subplot()
        positions = list(range(len(ordered)))[::-1]  # the largest share at the top
        upper = share_axis_upper(drawn, pad=15)
        share_bars(ax, ordered, positions, upper=upper,
                   label=lambda r: f"{count_text(r['n'])}/{count_text(r['denominator'])}")
        ax.set_yticks(positions, labels)
        percent_axis(ax, "x", f"{population_words} (%)", upper=upper)
        if not ordered:
            ax.set_yticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)

    listing = "; ".join(
        f"{level_label('ta_hsb_type', r['level'])} {share_words(r)}" for r in ordered
    )
    caption = (
        f"Forms of TA-HSB{cohort_text(results, output)}, sorted by share. Denominator: "
        f"{population_words} ({n_text}); a child may show more than one form, so shares can "
        f"add to more than 100%. Bars show the percentage with each form, error bars the "
        f"{method_text(proportions)}, numbers n/N."
    )
    if not ordered:
        caption += " No data."
    caption += missing_words(missing)
    alt_text = (
        f"Horizontal bar chart of the share of {population_words} ({n_text}) showing each "
        f"form of TA-HSB, largest first: {listing or 'no data'}."
    )
    return finished(fig, caption, alt_text, synthetic, output)


def _level_order(level: str) -> tuple[int, float]:
    try:
        return (0, float(int(level)))
    except ValueError:
        return (1, 0.0)


def forms_per_child_figure(
    results: pd.DataFrame, population: str = "any_ta_hsb"
) -> FigureOutput:
    """Number of forms of TA-HSB per child as bars with CIs.

    Levels "1", "2", ... are drawn in numeric order (other levels after them); the "more than
    one" share is stated in the caption, not drawn, because it overlaps the bars.
    """
    output = source_output("forms_per_child")
    proportions, missing = select(results, output, "n_ta_hsb_types", population)
    synthetic = is_synthetic(results, output)
    levels = by_level(proportions)
    more = levels.pop(MORE_THAN_ONE, None)
    order = sorted(levels, key=_level_order)  # stable: other levels keep their order
    population_words = level_label("population", population)
    n_text = denominator_text(proportions)

    with style_context():
        fig = new_figure(registry_width("forms_per_child"), height=2.4)
        ax = fig.add_subplot()
        rows = [levels[lvl] for lvl in order]
        upper = share_axis_upper(rows, pad=12)
        share_bars(ax, rows, range(len(order)), upper=upper, vertical=True, thickness=0.7,
                   label=lambda r: f"n = {count_text(r['n'])}")
        ax.set_xticks(range(len(order)), order)
        ax.set_xlabel("number of forms of TA-HSB")
        percent_axis(ax, "y", f"{population_words} (%)", upper=upper)
        if not order:
            ax.set_xticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)

    listing = "; ".join(f"{lvl} form(s) {share_words(levels[lvl])}" for lvl in order)
    more_words = (
        f"More than one form: {share_words(more)}."
        if more is not None
        else "The share with more than one form is not in the results."
    )
    caption = (
        f"Number of forms of TA-HSB per child among {population_words}"
        f"{cohort_text(results, output)}, {n_text}. {more_words} Bars show percentages, "
        f"error bars the {method_text(proportions)}."
    )
    if not order:
        caption += " No data by number of forms."
    caption += missing_words(missing)
    alt_text = (
        f"Bar chart of the number of forms of TA-HSB per child among {population_words} "
        f"({n_text}): {listing or 'no data'}. {more_words}"
    )
    return finished(fig, caption, alt_text, synthetic, output)
