"""Figures drawn only from the results table (no statistics computed here).

Each function picks one output's rows, draws what exists (a level without rows or with an
<NA> estimate is said to have "no data"), and returns the figure with its caption and alt
text. Numbers in captions are formatted by `tables` so figures and tables always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import NullFormatter
from matplotlib.transforms import blended_transform_factory

from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.render.figure_style import (
    BAR_COLOUR,
    BEHAVIOUR_KIND_COLOURS,
    BEHAVIOUR_KIND_MARKERS,
    DUAL_SUBGROUP_LINESTYLES,
    ERROR_BAR_COLOUR,
    FONT_SIZE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_HATCHES,
    HSB_GROUP_MARKERS,
    MARKER_EDGE_COLOUR,
    NEUTRAL_GREY,
    OKABE_ITO,
    ROW_RULE_COLOUR,
    TIER_LABEL,
    TIMELINE_LINE_COLOUR,
    UNKNOWN_SUBGROUP_LINESTYLE,
    mark_internal_tier,
    mark_internal_use,
    mark_synthetic,
    new_figure,
    no_data,
    percent_axis,
    save_figure,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.group_comparison_table import reported_group_sizes as group_sizes
from tahsb_analysis.render.tables import (
    BEHAVIOUR_KINDS,
    CHARACTERISTICS_OUTPUT,
    NOT_ESTIMABLE,
    RESPONSE_MODELS_OUTPUT,
    RESPONSES_OUTPUT,
    SYNTHETIC_BANNER,
    behaviour_kind_label,
    ci_label,
    format_ci,
    format_number,
    format_odds_ratio,
    format_p_value,
    format_percent,
    format_share,
    format_test,
    level_label,
    missing_note,
    output_rows,
    short_group_label,
    tier_of,
    trajectory_label,
    trajectory_steps,
    upper_first,
    variable_label,
)
from tahsb_analysis.results.schema import SUPPRESSED
from tahsb_analysis.vocabulary import (
    INTERNAL_TIER,
    MISSING_PREFIX,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
)

PREVALENCE_SEGMENTS = ("ta_only", "dual", "offline_only", "neither")
MORE_THAN_ONE = "more than one"
# Segments narrower than this (percentage points) get their label under the bar.
_INSIDE_LABEL_MIN = 12


@dataclass
class FigureOutput:
    """A drawn figure with the words that must travel with it."""

    figure: Figure
    alt_text: str
    caption: str
    synthetic: bool = False
    output: str = ""


# --- picking rows --------------------------------------------------------------------------


def _is_na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _select(
    results: pd.DataFrame, output: str, variable: str, group: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(proportion rows of `variable` within `group`, missing-value rows) of one output."""
    rows = output_rows(results, output)
    in_group = rows["group"].isna() if group is None else rows["group"].eq(group)
    in_group = in_group.fillna(False).to_numpy(dtype=bool)
    share = (
        rows["statistic"].eq("proportion").fillna(False).to_numpy(dtype=bool)
        & rows["variable"].eq(variable).fillna(False).to_numpy(dtype=bool)
        & in_group
    )
    missing = (
        rows["level"].str.startswith(MISSING_PREFIX).fillna(False).to_numpy(dtype=bool)
        & rows["statistic"].eq("count").fillna(False).to_numpy(dtype=bool)
    )
    proportions = rows[share]
    proportions = proportions[~proportions["level"].duplicated()]
    return proportions, rows[missing]


def _by_level(proportions: pd.DataFrame) -> dict[str, pd.Series]:
    return {str(row["level"]): row for _, row in proportions.iterrows() if not _is_na(row["level"])}


def _count(value) -> str:
    return "n/a" if _is_na(value) else str(int(value))


def _drawable(row) -> bool:
    return row is not None and not _is_na(row["estimate"])


def _is_synthetic(results: pd.DataFrame, output: str) -> bool:
    rows = output_rows(results, output)
    source = rows if len(rows) else results
    return bool(source["synthetic"].fillna(False).any())


def _cohort_text(results: pd.DataFrame, output: str) -> str:
    cohorts = sorted(output_rows(results, output)["cohort"].dropna().astype(str).unique())
    return f" (cohort {', '.join(cohorts)})" if cohorts else ""


def _denominator_text(proportions: pd.DataFrame) -> str:
    """"N = 275", or a list when rows were computed on different denominators."""
    values = sorted({int(d) for d in proportions["denominator"].dropna()})
    if not values:
        return "N not available"
    return "N = " + ", ".join(str(v) for v in values)


def _method_text(proportions: pd.DataFrame) -> str:
    methods = list(dict.fromkeys(str(m) for m in proportions["method"].dropna()))
    return "; ".join(methods) if methods else "method not stated"


def _share_words(row) -> str:
    """"19/275 (6.9%, 95% CI 4.5 to 10.6)"; "no data" for an empty denominator."""
    if not _drawable(row):
        return "no data"
    text = format_share(row["n"], row["denominator"], row["estimate"])
    if not _is_na(row["ci_low"]):
        interval = format_ci(row["ci_low"], row["ci_high"])
        text = text[:-1] + f", {ci_label(row['method'])} {interval})"
    return text


def _wrap_words(synthetic: bool, caption: str, alt_text: str) -> tuple[str, str]:
    if synthetic:
        caption = f"{SYNTHETIC_BANNER}. {caption}"
        alt_text = f"SYNTHETIC DATA. {alt_text}"
    return caption, alt_text


def _missing_words(missing: pd.DataFrame) -> str:
    return " ".join(missing_note(row) for _, row in missing.iterrows())


# --- the figures ---------------------------------------------------------------------------


def prevalence_figure(results: pd.DataFrame) -> FigureOutput:
    """HSB groups of the whole cohort ("prevalence_overall") as one stacked horizontal bar.

    Segments are TA-HSB only, dual and offline HSB only (and no HSB recorded when present), as
    shares of the children with a recorded group; a bracket marks any TA-HSB (TA-HSB only and
    dual together) when the output has that row.
    """
    output = "prevalence_overall"
    proportions, missing = _select(results, output, "hsb_group", None)
    levels = _by_level(proportions)
    synthetic = _is_synthetic(results, output)
    segments = [lvl for lvl in PREVALENCE_SEGMENTS if _drawable(levels.get(lvl))]
    # An empty segment has nothing to label (usually "no HSB recorded" in an HSB service);
    # the caption still gives its 0/N.
    drawn = [lvl for lvl in segments if float(levels[lvl]["estimate"]) > 0]
    any_row = levels.get("any_ta_hsb")
    n_text = _denominator_text(proportions)

    with style_context():
        fig = new_figure("single", height=2.5)
        ax = fig.add_subplot()
        left = 0.0
        for level in drawn:
            row = levels[level]
            width = float(row["estimate"]) * 100
            label = f"{level_label('hsb_group', level)} (n = {_count(row['n'])})"
            ax.barh(0, width, left=left, height=0.6, color=HSB_GROUP_COLOURS[level],
                    edgecolor="white", linewidth=0.5, label=label)
            text = format_percent(row["estimate"])
            if width >= _INSIDE_LABEL_MIN:
                colour = "white" if level == "dual" else "black"
                ax.text(left + width / 2, 0, text, ha="center", va="center", color=colour)
            else:
                ax.text(left + width / 2, -0.36, text, ha="center", va="top")
            left += width
        if _drawable(any_row):
            right = float(any_row["estimate"]) * 100
            ax.plot([0, 0, right, right], [0.36, 0.42, 0.42, 0.36], color="black",
                    linewidth=0.6)
            ax.text(right / 2 if right > 30 else 0, 0.46,
                    f"any TA-HSB: {format_percent(any_row['estimate'])}",
                    ha="center" if right > 30 else "left", va="bottom")
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
        f"{level_label('hsb_group', lvl)} {_share_words(levels[lvl])}" for lvl in segments
    )
    caption = (
        f"HSB groups among all children assessed{_cohort_text(results, output)}, {n_text}. "
        f"{group_words or 'No HSB group has data'}."
    )
    if any_row is not None:
        caption += f" Any TA-HSB (TA-HSB only or dual): {_share_words(any_row)}."
    if absent:
        caption += " No data: " + ", ".join(level_label("hsb_group", a) for a in absent) + "."
    caption += f" Percentages of children with a recorded HSB group; {_method_text(proportions)}."
    if len(missing):
        caption += " " + _missing_words(missing)
    alt_text = (
        f"Stacked horizontal bar chart of the children assessed ({n_text}) by HSB group: "
        f"{group_words or 'no data'}."
    )
    if _drawable(any_row):
        alt_text += (
            f" Together, {_count(any_row['n'])} of {_count(any_row['denominator'])} children "
            f"({format_percent(any_row['estimate'])}) displayed any TA-HSB."
        )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


def ta_hsb_types_figure(results: pd.DataFrame, population: str = "any_ta_hsb") -> FigureOutput:
    """Forms of TA-HSB ("ta_hsb_types") as horizontal bars sorted by share, with CIs and n/N.

    `population` picks the denominator: "any_ta_hsb" (children with any TA-HSB, the default)
    or "in_depth_sample".
    """
    output = "ta_hsb_types"
    proportions, missing = _select(results, output, "ta_hsb_type", population)
    synthetic = _is_synthetic(results, output)
    rows = [row for _, row in proportions.iterrows()]
    drawn = sorted((r for r in rows if _drawable(r)), key=lambda r: -float(r["estimate"]))
    empty = [r for r in rows if not _drawable(r)]
    ordered = drawn + empty
    labels = [wrap_label(level_label("ta_hsb_type", r["level"]), 48) for r in ordered]
    lines = sum(label.count("\n") + 1 for label in labels)
    population_words = level_label("population", population)
    n_text = _denominator_text(proportions)

    with style_context():
        fig = new_figure("double", height=max(1.6, 0.8 + 0.16 * lines + 0.08 * len(labels)))
        ax = fig.add_subplot()
        positions = list(range(len(ordered)))[::-1]  # the largest share at the top
        highs = [float(r["ci_high"]) * 100 for r in drawn if not _is_na(r["ci_high"])]
        shares = [float(r["estimate"]) * 100 for r in drawn]
        upper = min(100.0, max([10.0, *shares, *highs]) + 15)
        for y, row in zip(positions, ordered, strict=True):
            if not _drawable(row):
                ax.text(1, y, "no data", va="center", ha="left", color="black")
                continue
            share = float(row["estimate"]) * 100
            ax.barh(y, share, height=0.65, color=BAR_COLOUR)
            end = share
            if not _is_na(row["ci_low"]) and not _is_na(row["ci_high"]):
                low, high = float(row["ci_low"]) * 100, float(row["ci_high"]) * 100
                ax.errorbar(share, y, xerr=[[max(share - low, 0)], [max(high - share, 0)]],
                            fmt="none", ecolor=ERROR_BAR_COLOUR, elinewidth=0.7, capsize=2)
                end = max(end, high)
            ax.text(min(end + 1, upper), y, f"{_count(row['n'])}/{_count(row['denominator'])}",
                    va="center", ha="left", fontsize=FONT_SIZE_PT)
        ax.set_yticks(positions, labels)
        percent_axis(ax, "x", f"{population_words} (%)", upper=upper)
        if not ordered:
            ax.set_yticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)

    listing = "; ".join(
        f"{level_label('ta_hsb_type', r['level'])} {_share_words(r)}" for r in ordered
    )
    caption = (
        f"Forms of TA-HSB{_cohort_text(results, output)}, sorted by share. Denominator: "
        f"{population_words} ({n_text}); a child may show more than one form, so shares can "
        f"add to more than 100%. Bars show the percentage with each form, error bars the "
        f"{_method_text(proportions)}, numbers n/N."
    )
    if not ordered:
        caption += " No data."
    if len(missing):
        caption += " " + _missing_words(missing)
    alt_text = (
        f"Horizontal bar chart of the share of {population_words} ({n_text}) showing each "
        f"form of TA-HSB, largest first: {listing or 'no data'}."
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


def _level_order(level: str) -> tuple[int, float]:
    try:
        return (0, float(int(level)))
    except ValueError:
        return (1, 0.0)


def forms_per_child_figure(
    results: pd.DataFrame, population: str = "any_ta_hsb"
) -> FigureOutput:
    """Number of forms of TA-HSB per child ("ta_hsb_forms_per_child") as bars with CIs.

    Levels "1", "2", ... are drawn in numeric order (other levels after them); the "more than
    one" share is stated in the caption, not drawn, because it overlaps the bars.
    """
    output = "ta_hsb_forms_per_child"
    proportions, missing = _select(results, output, "n_ta_hsb_types", population)
    synthetic = _is_synthetic(results, output)
    levels = _by_level(proportions)
    more = levels.pop(MORE_THAN_ONE, None)
    order = sorted(levels, key=_level_order)  # stable: other levels keep their order
    population_words = level_label("population", population)
    n_text = _denominator_text(proportions)

    with style_context():
        fig = new_figure("single", height=2.4)
        ax = fig.add_subplot()
        shares = [float(levels[lvl]["estimate"]) * 100 for lvl in order if _drawable(levels[lvl])]
        highs = [float(levels[lvl]["ci_high"]) * 100 for lvl in order
                 if _drawable(levels[lvl]) and not _is_na(levels[lvl]["ci_high"])]
        upper = min(100.0, max([10.0, *shares, *highs]) + 12)
        for x, level in enumerate(order):
            row = levels[level]
            if not _drawable(row):
                ax.text(x, 1, "no data", ha="center", va="bottom", rotation=90)
                continue
            share = float(row["estimate"]) * 100
            ax.bar(x, share, width=0.7, color=BAR_COLOUR)
            top = share
            if not _is_na(row["ci_low"]) and not _is_na(row["ci_high"]):
                low, high = float(row["ci_low"]) * 100, float(row["ci_high"]) * 100
                ax.errorbar(x, share, yerr=[[max(share - low, 0)], [max(high - share, 0)]],
                            fmt="none", ecolor=ERROR_BAR_COLOUR, elinewidth=0.7, capsize=2)
                top = max(top, high)
            ax.text(x, min(top + 1, upper), f"n = {_count(row['n'])}", ha="center", va="bottom")
        ax.set_xticks(range(len(order)), order)
        ax.set_xlabel("number of forms of TA-HSB")
        percent_axis(ax, "y", f"{population_words} (%)", upper=upper)
        if not order:
            ax.set_xticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)

    listing = "; ".join(f"{lvl} form(s) {_share_words(levels[lvl])}" for lvl in order)
    more_words = (
        f"More than one form: {_share_words(more)}."
        if more is not None
        else "The share with more than one form is not in the results."
    )
    caption = (
        f"Number of forms of TA-HSB per child among {population_words}"
        f"{_cohort_text(results, output)}, {n_text}. {more_words} Bars show percentages, "
        f"error bars the {_method_text(proportions)}."
    )
    if not order:
        caption += " No data by number of forms."
    if len(missing):
        caption += " " + _missing_words(missing)
    alt_text = (
        f"Bar chart of the number of forms of TA-HSB per child among {population_words} "
        f"({n_text}): {listing or 'no data'}. {more_words}"
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


# --- backgrounds and characteristics (C1-C6) -----------------------------------------------

CHARACTERISTICS_GROUPS = ("ta_only", "dual", "offline_only")
# Vertical offsets of the three groups within a row (TA-HSB only on top).
_GROUP_OFFSETS = {"ta_only": 0.24, "dual": 0.0, "offline_only": -0.24}
_ROW_HEIGHT_IN = 0.3


@lru_cache(maxsize=1)
def _codebook_levels() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{field: ("boolean" | "categorical", levels in codebook order)} for coded fields."""
    levels: dict[str, tuple[str, tuple[str, ...]]] = {}
    for table in load_codebook().tables.values():
        for fld in table.fields:
            if fld.is_boolean:
                levels.setdefault(fld.name, ("boolean", ("yes",)))
            elif fld.is_categorical:
                levels.setdefault(fld.name, ("categorical", tuple(fld.valid_codes)))
    return levels


def characteristic_level(variable: str, levels: list[str]) -> str | None:
    """The level whose share is drawn: "yes" for a yes/no variable, otherwise the first
    codebook level present (family_stability "stable"), else the first level in the results."""
    kind, coded = _codebook_levels().get(variable, ("", ()))
    if kind == "boolean" or levels == ["yes"]:
        return "yes" if "yes" in levels else (levels[0] if levels else None)
    for level in coded:
        if level in levels:
            return level
    return levels[0] if levels else None


def characteristic_label(variable: str, level: str) -> str:
    """"Recorded mental-health difficulties" for yes/no, "Stability of the family: stable"."""
    name = upper_first(variable_label(variable))
    if level == "yes":
        return name
    return f"{name}: {level_label(variable, level)}"


def _comparison_rows(results: pd.DataFrame, output: str):
    """(share rows by (variable, drawn level), age rows by variable) of the compared groups.

    Each value is {group: row}; variables keep their order of appearance.
    """
    rows = output_rows(results, output)
    compared = rows["group"].isin(CHARACTERISTICS_GROUPS).fillna(False).to_numpy(dtype=bool)
    rows = rows[compared]
    shares_frame = rows[rows["statistic"].eq("proportion").fillna(False).to_numpy(dtype=bool)]
    shares: dict[tuple[str, str], dict[str, pd.Series]] = {}
    for variable in dict.fromkeys(shares_frame["variable"].astype(str)):
        mine = shares_frame[shares_frame["variable"].eq(variable).to_numpy(dtype=bool)]
        levels = list(dict.fromkeys(str(v) for v in mine["level"].dropna()))
        level = characteristic_level(variable, levels)
        if level is None:
            continue
        chosen = mine[mine["level"].eq(level).fillna(False).to_numpy(dtype=bool)]
        shares[(variable, level)] = {str(r["group"]): r for _, r in chosen.iterrows()}
    summary = rows["statistic"].isin(("median", "q1", "q3")).fillna(False).to_numpy(dtype=bool)
    ages: dict[str, dict[str, dict[str, pd.Series]]] = {}
    for _, r in rows[summary].iterrows():
        by_group = ages.setdefault(str(r["variable"]), {}).setdefault(str(r["group"]), {})
        by_group[str(r["statistic"])] = r
    return shares, ages


def _age_values(by_statistic: dict) -> tuple[float, float, float] | None:
    """(median, q1, q3) when the median is known; quartiles fall back to the median."""
    median = by_statistic.get("median")
    if not _drawable(median):
        return None
    value = float(median["estimate"])
    q1, q3 = (by_statistic.get(q) for q in ("q1", "q3"))
    low = float(q1["estimate"]) if _drawable(q1) else value
    high = float(q3["estimate"]) if _drawable(q3) else value
    return value, low, high


def _age_words(by_statistic: dict | None) -> str:
    values = _age_values(by_statistic or {})
    if values is None:
        return "no data"
    median, low, high = (format_number(v, 1) for v in values)
    return f"{median} ({low} to {high})"


def _dot(ax, y: float, value: float, low: float | None, high: float | None, group: str) -> None:
    """One group's marker at `value` with a horizontal interval line."""
    colour = HSB_GROUP_COLOURS[group]
    if low is not None and high is not None:
        ax.hlines(y, low, high, colors=colour, linewidth=1.2, zorder=2)
    ax.plot(value, y, linestyle="none", marker=HSB_GROUP_MARKERS[group], markersize=4.5,
            markerfacecolor=colour, markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5,
            zorder=3)


def _rows_axis(ax, labels: list[str]) -> list[float]:
    """Y positions from the top, light rules between rows, labels as ticks."""
    positions = [float(y) for y in range(len(labels))][::-1]
    ax.set_yticks(positions, labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    for y in positions[:-1]:
        ax.axhline(y - 0.5, color=ROW_RULE_COLOUR, linewidth=0.5, zorder=1)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    return positions


def characteristics_figure(results: pd.DataFrame) -> FigureOutput:
    """Backgrounds and characteristics by HSB group ("characteristics") as a dot plot.

    Top panel: one row per characteristic, the share of each group with it ("yes" for a
    yes/no variable, the first codebook level of a categorical one, named in the row label),
    a marker per group (colour and shape) with its CI as a horizontal line. Bottom panel, when
    the output has ages: the median of each group with the interquartile range as the line, in
    years. Groups or rows without an estimate are left out of the drawing and named in the
    caption.
    """
    output = CHARACTERISTICS_OUTPUT
    rows = output_rows(results, output)
    synthetic = _is_synthetic(results, output)
    shares, ages = _comparison_rows(results, output)
    sizes = group_sizes(rows)
    share_rows = [r for by_group in shares.values() for r in by_group.values()]
    ci_method = _method_text(pd.DataFrame(share_rows)) if share_rows else "method not stated"
    group_words = {
        g: f"{short_group_label(g)} (N = {sizes[g]})" if g in sizes else short_group_label(g)
        for g in CHARACTERISTICS_GROUPS
    }
    drawn_groups = {
        g for by_group in shares.values() for g, r in by_group.items() if _drawable(r)
    } | {g for by_group in ages.values() for g, s in by_group.items() if _age_values(s)}

    share_labels = [wrap_label(characteristic_label(v, lvl), 44) for v, lvl in shares]
    age_labels = [wrap_label(upper_first(variable_label(v)), 44) for v in ages]
    n_share, n_age = max(len(share_labels), 1), len(age_labels)
    with style_context():
        height = 1.3 + _ROW_HEIGHT_IN * (n_share + n_age) + (0.5 if n_age else 0)
        fig = new_figure("double", height=height)
        if n_age:
            top, bottom = fig.subplots(2, 1, height_ratios=[n_share, n_age + 0.6])
        else:
            top, bottom = fig.add_subplot(), None
        positions = _rows_axis(top, share_labels)
        for y, by_group in zip(positions, shares.values(), strict=True):
            for group in CHARACTERISTICS_GROUPS:
                row = by_group.get(group)
                if not _drawable(row):
                    continue
                low = None if _is_na(row["ci_low"]) else float(row["ci_low"]) * 100
                high = None if _is_na(row["ci_high"]) else float(row["ci_high"]) * 100
                _dot(top, y + _GROUP_OFFSETS[group], float(row["estimate"]) * 100, low, high,
                     group)
        percent_axis(top, "x", "children (%)")
        top.set_title("Share with each characteristic (or the level named)", loc="left")
        if not shares:
            top.set_yticks([])
            no_data(top)
        if bottom is not None:
            positions = _rows_axis(bottom, age_labels)
            for y, by_group in zip(positions, ages.values(), strict=True):
                for group in CHARACTERISTICS_GROUPS:
                    values = _age_values(by_group.get(group, {}))
                    if values is not None:
                        _dot(bottom, y + _GROUP_OFFSETS[group], *values, group)
            bottom.set_xlabel("years")
            bottom.set_title("Age: median and interquartile range", loc="left")
        handles = [
            Line2D([], [], linestyle="none", marker=HSB_GROUP_MARKERS[g],
                   markerfacecolor=HSB_GROUP_COLOURS[g], markeredgecolor=MARKER_EDGE_COLOUR,
                   markeredgewidth=0.5, markersize=5)
            for g in CHARACTERISTICS_GROUPS
        ]
        labels = [group_words[g] + ("" if g in drawn_groups else ": no data")
                  for g in CHARACTERISTICS_GROUPS]
        fig.legend(handles, labels, loc="outside lower center", ncol=3, handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)

    share_words = [
        f"{characteristic_label(v, lvl)}: "
        + ", ".join(f"{short_group_label(g)} {_share_words(by_group.get(g))}"
                    for g in CHARACTERISTICS_GROUPS)
        for (v, lvl), by_group in shares.items()
    ]
    age_words = [
        f"{upper_first(variable_label(v))}, median (IQR) in years: "
        + ", ".join(f"{short_group_label(g)} {_age_words(by_group.get(g))}"
                    for g in CHARACTERISTICS_GROUPS)
        for v, by_group in ages.items()
    ]
    absent = [short_group_label(g) for g in CHARACTERISTICS_GROUPS if g not in drawn_groups]
    findings = _distinct_findings(rows)
    caption = (
        f"Backgrounds and characteristics by HSB group{_cohort_text(results, output)}: "
        f"{', '.join(group_words[g] for g in CHARACTERISTICS_GROUPS)}. Top: percentage of "
        "each group with the characteristic (for a characteristic with several levels, the "
        "level named), among children with it recorded; markers show the share, lines the "
        f"{ci_method}."
    )
    if ages:
        caption += " Bottom: age in years, median (marker) and interquartile range (line)."
    if not shares and not ages:
        caption += " No data."
    if absent:
        caption += f" No data: {', '.join(absent)}."
    caption += " Tests, effect sizes and missing values are given in the table."
    if findings:
        caption += f" Bears on published finding(s): {', '.join(findings)}."
    alt_text = (
        "Dot plot comparing TA-HSB only, dual and offline-only HSB groups "
        f"({', '.join(group_words[g] for g in CHARACTERISTICS_GROUPS)}) on background "
        f"characteristics, with {ci_method}s. "
        + (" ".join(f"{w}." for w in share_words + age_words) or "No data.")
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


def _distinct_findings(rows: pd.DataFrame) -> list[str]:
    parts = (p.strip() for value in rows["finding"].dropna() for p in str(value).split(";"))
    return list(dict.fromkeys(p for p in parts if p))


# --- links between TA-HSB and offline HSB (L1-L3) --------------------------------------------

ONSET_GAP_OUTPUT = "onset_gap"
TRAJECTORY_OUTPUT = "trajectories"
TRAJECTORY_GROUP = "all_dual"
# The swimmer plot is drawn from individual-level data, not the results table, so it is not
# in FIGURES: the workflow draws it separately, for internal use only, under this file stem.
TIMELINE_FIGURE = "dual_timelines"
TIMELINE_AGES = {
    "first_offline": "offline",
    "first_pornography": "pornography",
    "first_other_ta": "other_ta",
}
TIMELINE_COLUMNS = ("child", "dual_subgroup", *TIMELINE_AGES)
GAP_LABEL = "years from first offline HSB to first other TA-HSB"
UNKNOWN_SUBGROUP = "unknown"
NOTHING_LATER = "nothing later"
# A trajectory that is a same-year tie names the first two kinds but no order between them.
NO_ORDER = "same year (no order)"
# Short node names in the flow diagram (the table gives the long ones).
_KIND_SHORT = {"offline": "offline HSB", "pornography": "pornography use",
               "other_ta": "other TA-HSB"}
_TIMELINE_KIND_WORDS = {
    "offline": "first offline HSB",
    "pornography": "first inappropriate pornography use",
    "other_ta": "first other TA-HSB",
}


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
    subgroups = timelines["dual_subgroup"].astype("string")
    first = ages.min(axis=1, skipna=True)
    last = ages.max(axis=1, skipna=True)
    has_onset = first.notna().to_numpy(dtype=bool)
    counts = {kind: int(ages[column].notna().sum()) for column, kind in TIMELINE_AGES.items()}
    styles = DUAL_SUBGROUP_LINESTYLES
    subgroup_keys = subgroups.fillna(UNKNOWN_SUBGROUP)
    # Sub-groups in a fixed order (R5 order, then unknown) for the legend and the caption.
    subgroup_order = [k for k in (*styles, UNKNOWN_SUBGROUP) if k in set(subgroup_keys)]
    subgroup_order += sorted(set(subgroup_keys) - set(subgroup_order))

    with style_context():
        height = min(max(2.4, 1.2 + 0.12 * n), 9.0)
        fig = new_figure("double", height=height)
        ax = fig.add_subplot()
        positions = [float(y) for y in range(n)][::-1]  # the first child on top
        drawn_subgroups = set()
        for y, low, high, key, recorded in zip(
            positions, first, last, subgroup_keys, has_onset, strict=True
        ):
            if not recorded:
                continue
            drawn_subgroups.add(key)
            ax.hlines(y, float(low), float(high), colors=TIMELINE_LINE_COLOUR,
                      linestyles=styles.get(key, UNKNOWN_SUBGROUP_LINESTYLE), linewidth=0.9,
                      zorder=2)
        for column, kind in TIMELINE_AGES.items():
            recorded = ages[column].notna().to_numpy(dtype=bool)
            xs = [float(v) for v, r in zip(ages[column], recorded, strict=True) if r]
            ys = [y for y, r in zip(positions, recorded, strict=True) if r]
            ax.plot(xs, ys, linestyle="none", marker=BEHAVIOUR_KIND_MARKERS[kind],
                    markersize=4.5, markerfacecolor=BEHAVIOUR_KIND_COLOURS[kind],
                    markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5, zorder=3)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_ylim(-0.8, max(n, 1) - 0.2)
        ax.set_xlabel("age (years)")
        ax.set_ylabel("dual children (one line each)")
        ax.set_title(f"Dual children: first onset of each kind of behaviour (n = {n})",
                     loc="left")
        if not has_onset.any():
            ax.set_xticks([])
            no_data(ax)
        else:
            handles = [
                Line2D([], [], linestyle="none", marker=BEHAVIOUR_KIND_MARKERS[kind],
                       markerfacecolor=BEHAVIOUR_KIND_COLOURS[kind], markersize=5,
                       markeredgecolor=MARKER_EDGE_COLOUR, markeredgewidth=0.5)
                for kind in TIMELINE_AGES.values()
            ]
            labels = [_TIMELINE_KIND_WORDS[kind] for kind in TIMELINE_AGES.values()]
            for key in (k for k in subgroup_order if k in drawn_subgroups):
                handles.append(Line2D([], [], color=TIMELINE_LINE_COLOUR,
                                      linestyle=styles.get(key, UNKNOWN_SUBGROUP_LINESTYLE)))
                labels.append(_subgroup_words(key))
            fig.legend(handles, labels, loc="outside lower center", ncol=3, handlelength=2.0)
        mark_internal_use(fig)
        if synthetic:
            mark_synthetic(fig)

    order = _timeline_order_words(first)
    subgroup_words = ", ".join(
        f"{_subgroup_words(key)} {int(subgroup_keys.eq(key).sum())} "
        f"({_linestyle_words(styles, key)})"
        for key in subgroup_order
    )
    marker_words = ", ".join(
        f"{_TIMELINE_KIND_WORDS[kind]} ({counts[kind]} of {n} children)"
        for kind in TIMELINE_AGES.values()
    )
    no_onset = int((~has_onset).sum())
    internal = "INTERNAL USE ONLY, never for release: this figure shows individual children."
    if n == 0:
        caption = f"{internal} Dual children (cohort {cohort}): none, no data."
        alt_text = (
            "Swimmer plot for internal use only, never for release, of individual dual "
            "children: no data."
        )
    else:
        caption = (
            f"{internal} Age in years at {marker_words}, for each of the {n} dual children "
            f"(cohort {cohort}), one line per child from the first to the last onset, {order}; "
            f"markers at the same age overlap. Dual sub-group by line style: {subgroup_words}."
        )
        if no_onset:
            caption += f" No onset age recorded for {no_onset} of {n} children (no line)."
        alt_text = (
            f"Swimmer plot for internal use only, never for release, showing {n} individual "
            "dual children, one horizontal line each along an age axis in years, with markers "
            f"for {marker_words}." + (" No data." if not has_onset.any() else "")
        )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, TIMELINE_FIGURE)


def _subgroup_words(key: str) -> str:
    if key == UNKNOWN_SUBGROUP:
        return "sub-group not known"
    return short_group_label(key)


def _linestyle_words(styles: dict, key: str) -> str:
    style = styles.get(key, UNKNOWN_SUBGROUP_LINESTYLE)
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


def _summaries_by_group(rows: pd.DataFrame) -> dict[str, dict[str, pd.Series]]:
    """{group: {statistic: row}} for the summary rows (mean, sd, median, q1, q3)."""
    summary = rows["statistic"].isin(SUMMARY_STATISTICS).fillna(False).to_numpy(dtype=bool)
    by_group: dict[str, dict[str, pd.Series]] = {}
    for _, r in rows[summary].iterrows():
        group = "all" if _is_na(r["group"]) else str(r["group"])
        by_group.setdefault(group, {})[str(r["statistic"])] = r
    return by_group


def _gap_size(by_statistic: dict) -> int | None:
    for statistic in ("mean", "median", "sd", "q1", "q3"):
        row = by_statistic.get(statistic)
        if row is None:
            continue
        for column in ("denominator", "n"):
            if not _is_na(row[column]):
                return int(row[column])
    return None


def _gap_words(by_statistic: dict) -> str:
    """"median 3.0 (IQR 2.0 to 4.0), mean 3.0 (95% CI 2.2 to 4.0), SD 1.4"."""
    parts = []
    median = _age_values(by_statistic)
    if median is not None:
        value, low, high = (format_number(v, 1) for v in median)
        quartiles = all(_drawable(by_statistic.get(q)) for q in ("q1", "q3"))
        parts.append(f"median {value}" + (f" (IQR {low} to {high})" if quartiles else ""))
    mean = by_statistic.get("mean")
    if _drawable(mean):
        text = f"mean {format_number(mean['estimate'], 1)}"
        if not _is_na(mean["ci_low"]) and not _is_na(mean["ci_high"]):
            limits = format_ci(mean["ci_low"], mean["ci_high"], percent=False, digits=1)
            text += f" ({ci_label(mean['method'])} {limits})"
        parts.append(text)
    sd = by_statistic.get("sd")
    if _drawable(sd):
        parts.append(f"SD {format_number(sd['estimate'], 1)}")
    return ", ".join(parts) or "no data"


def onset_gap_figure(results: pd.DataFrame) -> FigureOutput:
    """Years from first offline HSB to first other TA-HSB ("onset_gap", finding L2).

    The results table holds summaries only, so each group (usually the dual children with
    other TA-HSB) gets a box from the 25th to the 75th percentile with the median as a line,
    and below it the mean as a point with its CI as an error bar; a dashed line marks no gap.
    No histogram: individual gaps never reach the results table.
    """
    output = ONSET_GAP_OUTPUT
    rows = output_rows(results, output)
    synthetic = _is_synthetic(results, output)
    by_group = _summaries_by_group(rows)
    groups = list(by_group)
    tests = rows[rows["statistic"].isin(TEST_STATISTICS).fillna(False).to_numpy(dtype=bool)]
    missing = rows[rows["level"].str.startswith(MISSING_PREFIX).fillna(False)
                   .to_numpy(dtype=bool)]

    def heading(group: str) -> str:
        size = _gap_size(by_group[group])
        label = upper_first(short_group_label(group))
        return f"{label} (N = {size})" if size is not None else label

    drawn = []
    with style_context():
        fig = new_figure("single", height=1.9 + 0.55 * max(len(groups), 1))
        ax = fig.add_subplot()
        positions = _rows_axis(ax, [wrap_label(heading(g), 22) for g in groups])
        for y, group in zip(positions, groups, strict=True):
            by_statistic = by_group[group]
            box = _age_values(by_statistic)
            if box is not None:
                median, q1, q3 = box
                ax.add_patch(Rectangle((q1, y + 0.02), q3 - q1, 0.3,
                                       facecolor=OKABE_ITO["sky_blue"],
                                       edgecolor=MARKER_EDGE_COLOUR, linewidth=0.6, zorder=2))
                ax.vlines(median, y + 0.02, y + 0.32, colors=MARKER_EDGE_COLOUR, linewidth=1.4,
                          zorder=3)
                drawn += [q1, q3]
            mean = by_statistic.get("mean")
            if _drawable(mean):
                value = float(mean["estimate"])
                has_ci = not _is_na(mean["ci_low"]) and not _is_na(mean["ci_high"])
                if has_ci:
                    low, high = float(mean["ci_low"]), float(mean["ci_high"])
                    ax.errorbar(value, y - 0.2, xerr=[[max(value - low, 0)], [max(high - value,
                                0)]], fmt="none", ecolor=ERROR_BAR_COLOUR, elinewidth=0.8,
                                capsize=2, zorder=3)
                    drawn += [low, high]
                ax.plot(value, y - 0.2, linestyle="none", marker="o", markersize=4.5,
                        markerfacecolor=BAR_COLOUR, markeredgecolor=MARKER_EDGE_COLOUR,
                        markeredgewidth=0.5, zorder=4)
                drawn.append(value)
        ax.set_xlabel(wrap_label(GAP_LABEL, 36))  # one line would not fit a single column
        if drawn:
            ax.axvline(0, color=NEUTRAL_GREY, linestyle="--", linewidth=0.7, zorder=1)
            low, high = min([0.0, *drawn]), max([0.0, *drawn])
            margin = max((high - low) * 0.08, 0.5)
            ax.set_xlim(low - margin, high + margin)
            handles = [
                Rectangle((0, 0), 1, 1, facecolor=OKABE_ITO["sky_blue"],
                          edgecolor=MARKER_EDGE_COLOUR, linewidth=0.6),
                Line2D([], [], color=ERROR_BAR_COLOUR, marker="o", markersize=4.5,
                       markerfacecolor=BAR_COLOUR, markeredgecolor=MARKER_EDGE_COLOUR,
                       markeredgewidth=0.5, linewidth=0.8),
            ]
            mean_ci = next((ci_label(by_group[g]["mean"]["method"]) for g in groups
                            if _drawable(by_group[g].get("mean"))), "CI")
            fig.legend(handles, ["median and interquartile range", f"mean and its {mean_ci}"],
                       loc="outside lower center", ncol=1, handlelength=1.5)
        else:
            ax.set_yticks([])
            no_data(ax)
        if synthetic:
            mark_synthetic(fig)

    means = [by_group[g]["mean"] for g in groups if _drawable(by_group[g].get("mean"))]
    summary_levels = list(dict.fromkeys(
        level_label(r["variable"], r["level"])
        for by_statistic in by_group.values() for r in by_statistic.values()
        if not _is_na(r["level"])
    ))
    ci_method = _method_text(pd.DataFrame(means)) if means else "method not stated"
    group_words = "; ".join(f"{heading(g)}: {_gap_words(by_group[g])}" for g in groups)
    caption = (
        f"Years from first offline HSB to first other TA-HSB{_cohort_text(results, output)}; "
        f"positive when other TA-HSB came later. {group_words or 'No data'}."
    )
    if summary_levels:
        caption += f" Summaries among children with {' or '.join(summary_levels)}."
    if drawn:
        caption += (
            " Box: median and interquartile range (25th to 75th percentile); point and error "
            f"bar: mean and its CI ({ci_method}). The dashed line marks no gap."
        )
    caption += "".join(f" {format_test(r)}" for _, r in tests.iterrows())
    summaries = rows["statistic"].isin(SUMMARY_STATISTICS).fillna(False).to_numpy(dtype=bool)
    caption += "".join(f" Warning: {w}." for w in _warnings(rows[summaries]))  # tests: above
    if len(missing):
        caption += " " + _missing_words(missing)
    findings = _distinct_findings(rows)
    if findings:
        caption += f" Bears on published finding(s): {', '.join(findings)}."
    alt_text = (
        f"Box-and-point summary of the {GAP_LABEL}: {group_words or 'no data'}."
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


def _warnings(rows: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(str(w) for w in rows["warning"].dropna()))


def _trajectory_nodes(level: str) -> tuple[str, str]:
    """(first node, later node) of a trajectory level; a same-year tie is a node of its own."""
    steps = trajectory_steps(level)
    first = _step_key(*steps[0])
    later = " -> ".join(_step_key(*step) for step in steps[1:])
    if not later:
        later = NO_ORDER if steps[0][1] else NOTHING_LATER
    return first, later


def _step_key(kinds: tuple[str, ...], same_year: bool) -> str:
    return " + ".join(kinds) + (" (same year)" if same_year else "")


def _node_words(node: str) -> str:
    """A node's short name: "offline HSB", "offline HSB + pornography use (same year)"."""
    if node in (NOTHING_LATER, NO_ORDER):
        return node
    return ", then ".join(
        " + ".join(_KIND_SHORT.get(k, behaviour_kind_label(k)) for k in kinds)
        + (" (same year)" if tie else "")
        for kinds, tie in trajectory_steps(node)
    )


def _node_colour(node: str) -> str:
    if node == NOTHING_LATER:
        return NEUTRAL_GREY
    if node == NO_ORDER:
        return BEHAVIOUR_KIND_COLOURS["same_year"]
    kinds, tie = trajectory_steps(node)[0]
    if tie:
        return BEHAVIOUR_KIND_COLOURS["same_year"]
    return BEHAVIOUR_KIND_COLOURS.get(kinds[0], NEUTRAL_GREY)


def _node_order(nodes) -> list[str]:
    """Single kinds in study order (offline, pornography, other TA-HSB), then ties and any
    other node in order of appearance, "same year (no order)" and "nothing later" last."""
    nodes = list(dict.fromkeys(nodes))
    last = [n for n in (NO_ORDER, NOTHING_LATER) if n in nodes]
    ordered = [k for k in BEHAVIOUR_KINDS if k in nodes]
    ordered += [n for n in nodes if n not in ordered and n not in last]
    return ordered + last


def _band(x0: float, x1: float, left: tuple[float, float], right: tuple[float, float],
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


def _stack(nodes: list[str], totals: dict[str, int], scale: float, gap: float):
    """{node: (top, bottom)} stacked from the top of the unit column."""
    spans, top = {}, 1.0
    for node in nodes:
        bottom = top - totals[node] * scale
        spans[node] = (top, bottom)
        top = bottom - gap
    return spans


# Flow diagram geometry: the data range of its y axis, one line of text and the figure's
# margins around the axes (title, padding) in inches.
_Y_RANGE = 1.12
_LINE_IN = FONT_SIZE_PT * 1.25 / 72
_AXES_MARGIN_IN = 0.45


def _spread(centres: list[float], heights: list[float], low: float = -0.02,
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


def trajectory_figure(results: pd.DataFrame) -> FigureOutput:
    """First kind of behaviour -> later kind, for all dual children ("trajectories").

    A flow diagram drawn with plain patches: on the left the kind that came first (offline
    HSB, pornography use, other TA-HSB, or kinds that began in the same year as a node of
    their own), on the right the kind that followed ("nothing later" when nothing did), and
    between them one band per trajectory whose width is proportional to its number of
    children, labelled n/N. Trajectories with no children are named in the caption only.
    """
    output = TRAJECTORY_OUTPUT
    proportions, missing = _select(results, output, "trajectory", TRAJECTORY_GROUP)
    in_group = missing["group"].eq(TRAJECTORY_GROUP).fillna(False).to_numpy(dtype=bool)
    missing = missing[in_group | missing["group"].isna().to_numpy(dtype=bool)]
    synthetic = _is_synthetic(results, output)
    rows = output_rows(results, output)
    group_rows = rows[rows["group"].eq(TRAJECTORY_GROUP).fillna(False).to_numpy(dtype=bool)]
    n_text = _denominator_text(proportions)

    flows = []  # (first node, later node, row)
    for _, row in proportions.iterrows():
        if _is_na(row["level"]) or _is_na(row["n"]) or int(row["n"]) == 0:
            continue
        flows.append((*_trajectory_nodes(str(row["level"])), row))
    lefts = _node_order(f for f, _, _ in flows)
    rights = _node_order(later for _, later, _ in flows)
    # Bands leave a node in the order of the nodes they reach (and arrive likewise), which
    # keeps crossings few.
    flows.sort(key=lambda f: (lefts.index(f[0]), rights.index(f[1])))
    left_totals = {node: sum(int(r["n"]) for f, _, r in flows if f == node) for node in lefts}
    right_totals = {node: sum(int(r["n"]) for _, t, r in flows if t == node) for node in rights}
    total = sum(left_totals.values())

    labels = {
        side: {node: f"{wrap_label(_node_words(node), 34)} (n = {totals[node]})"
               for node in nodes}
        for side, nodes, totals in (("left", lefts, left_totals), ("right", rights, right_totals))
    }
    slots = max(len(lefts), len(rights), 1)
    lines = max(sum(t.count("\n") + 1 for t in texts.values()) for texts in labels.values())
    # Tall enough for the node labels to sit one under another (see _spread).
    axes_height = max(1.75 + 0.35 * slots, _Y_RANGE * (lines * _LINE_IN + 0.06 * slots))
    per_inch = _Y_RANGE / axes_height

    with style_context():
        fig = new_figure("double", height=axes_height + _AXES_MARGIN_IN)
        ax = fig.add_subplot()
        ax.set_xlim(-0.55, 1.55)
        ax.set_ylim(1.1 - _Y_RANGE, 1.1)
        ax.set_axis_off()
        if flows:
            gap = 0.04
            scale = (1.0 - gap * (slots - 1)) / total
            left_spans = _stack(lefts, left_totals, scale, gap)
            right_spans = _stack(rights, right_totals, scale, gap)
            left_used = {node: span[0] for node, span in left_spans.items()}
            right_used = {node: span[0] for node, span in right_spans.items()}
            arriving = sorted(range(len(flows)),
                              key=lambda i: (rights.index(flows[i][1]), lefts.index(flows[i][0])))
            right_segments = {}
            for index in arriving:
                _, later, row = flows[index]
                height = int(row["n"]) * scale
                top = right_used[later]
                right_segments[index] = (top, top - height)
                right_used[later] = top - height
            node_width = 0.05
            flow_centres = []
            for index, (first, _, row) in enumerate(flows):
                height = int(row["n"]) * scale
                top = left_used[first]
                left_used[first] = top - height
                right = right_segments[index]
                ax.add_patch(_band(node_width, 1 - node_width, (top, top - height), right,
                                   _node_colour(first)))
                flow_centres.append(top - height / 2)
            # Labelled where the band leaves its node (bands never overlap there), moved apart
            # only as far as needed for thin neighbouring bands.
            line = _LINE_IN * per_inch
            for (_, _, row), y in zip(flows, _spread(flow_centres, [line] * len(flows)),
                                      strict=True):
                ax.text(node_width + 0.015, y,
                        f"{_count(row['n'])}/{_count(row['denominator'])}",
                        ha="left", va="center", zorder=4,
                        bbox=dict(facecolor="white", edgecolor="none", pad=0.6, alpha=0.85))
            for spans, side, x in ((left_spans, "left", 0.0), (right_spans, "right",
                                                                1 - node_width)):
                texts = [labels[side][node] for node in spans]
                centres = [(top + bottom) / 2 for top, bottom in spans.values()]
                heights = [(t.count("\n") + 1) * line + 0.01 for t in texts]
                for (node, (top, bottom)), text, centre, y in zip(
                    spans.items(), texts, centres, _spread(centres, heights), strict=True
                ):
                    ax.add_patch(Rectangle((x, bottom), node_width, top - bottom,
                                           facecolor=_node_colour(node),
                                           edgecolor=MARKER_EDGE_COLOUR, linewidth=0.5,
                                           zorder=3))
                    edge, label_x = (-0.005, -0.06) if side == "left" else (1.005, 1.06)
                    if abs(y - centre) > 0.005:  # a moved label points to its node
                        ax.plot([edge, label_x + (0.01 if side == "left" else -0.01)],
                                [centre, y], color=MARKER_EDGE_COLOUR, linewidth=0.5)
                    ax.text(label_x, y, text, ha="right" if side == "left" else "left",
                            va="center")
            ax.text(node_width / 2, 1.04, "first", ha="center", va="bottom", fontweight="bold")
            ax.text(1 - node_width / 2, 1.04, "later", ha="center", va="bottom",
                    fontweight="bold")
        else:
            no_data(ax)
        ax.set_title(f"All dual children ({n_text})", loc="left")
        if synthetic:
            mark_synthetic(fig)

    listing = "; ".join(
        f"{trajectory_label(r['level'])} {_share_words(r)}"
        for _, r in proportions.iterrows() if not _is_na(r["level"])
    )
    empty = [
        trajectory_label(r["level"]) for _, r in proportions.iterrows()
        if not _is_na(r["level"]) and (_is_na(r["n"]) or int(r["n"]) == 0)
    ]
    caption = (
        f"First and later behaviour among all dual children{_cohort_text(results, output)}, "
        f"{n_text}. Left: the kind of behaviour that came first; right: the kind that "
        "followed; kinds that began in the same year form a node of their own on the left "
        f"and lead to \"{NO_ORDER}\" on the right. Band widths "
        "are proportional to the number of children; labels give n/N. "
        f"{upper_first(listing) or 'No trajectory has data'}."
    )
    if empty:
        caption += f" Not drawn (no children): {'; '.join(empty)}."
    caption += "".join(f" Warning: {w}." for w in _warnings(group_rows))
    if len(missing):
        caption += " " + _missing_words(missing)
    caption += " Sub-groups are given in the table."
    findings = _distinct_findings(group_rows)
    if findings:
        caption += f" Bears on published finding(s): {', '.join(findings)}."
    alt_text = (
        "Flow diagram from the kind of behaviour that came first to the kind that followed, "
        f"among all dual children ({n_text}), band widths proportional to the number of "
        f"children: {listing or 'no data'}."
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


# --- professional responses (S1-S3) ----------------------------------------------------------

# The level drawn for an ordered categorical response: its most serious level.
RESPONSE_FIGURE_LEVELS = {"social_care_level": "section_47", "cj_outcome": "court_order"}
# Bar height of one group within a row of the responses figure.
_BAR_HEIGHT = 0.24
# Where "not estimable" is written in the forest plot (axes fraction, from the left).
_NOT_ESTIMABLE_X = 0.02


def response_level(variable: str, levels: list[str]) -> str | None:
    """The level whose share is drawn: "yes" for a yes/no response, the most serious level of
    an ordered one (social care "section_47", criminal justice "court_order"), else the last
    codebook level present, else the first level in the results."""
    if "yes" in levels:
        return "yes"
    wanted = RESPONSE_FIGURE_LEVELS.get(variable)
    if wanted in levels:
        return wanted
    _, coded = _codebook_levels().get(variable, ("", ()))
    for level in reversed(coded):
        if level in levels:
            return level
    return levels[0] if levels else None


def _bar(ax, y: float, row, group: str) -> None:
    """One group's bar of a share with its CI as an error bar."""
    share = float(row["estimate"]) * 100
    ax.barh(y, share, height=_BAR_HEIGHT, color=HSB_GROUP_COLOURS[group],
            hatch=HSB_GROUP_HATCHES[group], edgecolor=MARKER_EDGE_COLOUR, linewidth=0.5,
            zorder=2)
    if not _is_na(row["ci_low"]) and not _is_na(row["ci_high"]):
        low, high = float(row["ci_low"]) * 100, float(row["ci_high"]) * 100
        ax.errorbar(share, y, xerr=[[max(share - low, 0)], [max(high - share, 0)]],
                    fmt="none", ecolor=ERROR_BAR_COLOUR, elinewidth=0.7, capsize=1.5,
                    zorder=3)


def _group_handles(groups, kind: str) -> list:
    """Legend keys of the groups: hatched patches ("bar") or markers ("marker")."""
    if kind == "bar":
        return [Rectangle((0, 0), 1, 1, facecolor=HSB_GROUP_COLOURS[g],
                          hatch=HSB_GROUP_HATCHES[g], edgecolor=MARKER_EDGE_COLOUR,
                          linewidth=0.5) for g in groups]
    return [Line2D([], [], linestyle="none", marker=HSB_GROUP_MARKERS[g],
                   markerfacecolor=HSB_GROUP_COLOURS[g], markeredgecolor=MARKER_EDGE_COLOUR,
                   markeredgewidth=0.5, markersize=5) for g in groups]


def responses_figure(results: pd.DataFrame) -> FigureOutput:
    """Professional responses by HSB group ("responses") as grouped horizontal bars.

    One row per response: the percentage of each group (TA-HSB only, dual, offline only) with
    it ("yes" for a yes/no response or composite, the most serious level of an ordered one,
    named in the row label), among children with it recorded, with its CI as an error bar.
    Groups differ in colour and hatching. Rows or groups without an estimate are left out of
    the drawing and named in the caption.
    """
    output = RESPONSES_OUTPUT
    rows = output_rows(results, output)
    synthetic = _is_synthetic(results, output)
    compared = rows["group"].isin(CHARACTERISTICS_GROUPS).fillna(False).to_numpy(dtype=bool)
    in_groups = rows[compared]
    shares_frame = in_groups[in_groups["statistic"].eq("proportion").fillna(False)
                             .to_numpy(dtype=bool)]
    shares: dict[tuple[str, str], dict[str, pd.Series]] = {}
    for variable in dict.fromkeys(shares_frame["variable"].astype(str)):
        mine = shares_frame[shares_frame["variable"].eq(variable).to_numpy(dtype=bool)]
        levels = list(dict.fromkeys(str(v) for v in mine["level"].dropna()))
        level = response_level(variable, levels)
        if level is None:
            continue
        chosen = mine[mine["level"].eq(level).fillna(False).to_numpy(dtype=bool)]
        shares[(variable, level)] = {str(r["group"]): r for _, r in chosen.iterrows()}
    sizes = group_sizes(rows)
    share_rows = [r for by_group in shares.values() for r in by_group.values()]
    ci_method = _method_text(pd.DataFrame(share_rows)) if share_rows else "method not stated"
    group_words = {
        g: f"{short_group_label(g)} (N = {sizes[g]})" if g in sizes else short_group_label(g)
        for g in CHARACTERISTICS_GROUPS
    }
    drawn_groups = {g for by_group in shares.values() for g, r in by_group.items()
                    if _drawable(r)}
    labels = [wrap_label(characteristic_label(v, lvl), 44) for v, lvl in shares]

    with style_context():
        height = 1.3 + 0.42 * max(len(labels), 1)
        fig = new_figure("double", height=height)
        ax = fig.add_subplot()
        positions = _rows_axis(ax, labels)
        for y, by_group in zip(positions, shares.values(), strict=True):
            for group in CHARACTERISTICS_GROUPS:
                row = by_group.get(group)
                if _drawable(row):
                    _bar(ax, y + _GROUP_OFFSETS[group] * 1.1, row, group)
        percent_axis(ax, "x", "children (%)")
        ax.set_title("Share of each group with the response", loc="left")
        if not shares:
            ax.set_yticks([])
            no_data(ax)
        legend_labels = [group_words[g] + ("" if g in drawn_groups else ": no data")
                         for g in CHARACTERISTICS_GROUPS]
        fig.legend(_group_handles(CHARACTERISTICS_GROUPS, "bar"), legend_labels,
                   loc="outside lower center", ncol=3, handlelength=1.5)
        if synthetic:
            mark_synthetic(fig)

    share_words = [
        f"{characteristic_label(v, lvl)}: "
        + ", ".join(f"{short_group_label(g)} {_share_words(by_group.get(g))}"
                    for g in CHARACTERISTICS_GROUPS)
        for (v, lvl), by_group in shares.items()
    ]
    absent = [short_group_label(g) for g in CHARACTERISTICS_GROUPS if g not in drawn_groups]
    named = [characteristic_label(v, lvl) for v, lvl in shares
             if lvl != "yes"]
    findings = _distinct_findings(rows)
    caption = (
        f"Professional responses by HSB group{_cohort_text(results, output)}: "
        f"{', '.join(group_words[g] for g in CHARACTERISTICS_GROUPS)}. Bars: percentage of "
        "each group with the response among children with it recorded; error bars: the "
        f"{ci_method}."
    )
    if named:
        caption += (" For an ordered response the most serious level is drawn: "
                    f"{'; '.join(named)}.")
    if not shares:
        caption += " No data."
    if absent:
        caption += f" No data: {', '.join(absent)}."
    caption += " Tests, effect sizes and missing values are given in the table."
    if findings:
        caption += f" Bears on published finding(s): {', '.join(findings)}."
    alt_text = (
        "Grouped horizontal bar chart of professional responses for the TA-HSB only, dual "
        f"and offline-only HSB groups ({', '.join(group_words[g] for g in CHARACTERISTICS_GROUPS)}"
        f"), percentages with {ci_method}s. "
        + (" ".join(f"{w}." for w in share_words) or "No data.")
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


# Terms drawn in the forest plot, top to bottom within an outcome.
FOREST_TERMS = ("ta_only", "dual")
_FOREST_OFFSETS = {"ta_only": 0.16, "dual": -0.16}


# Ticks of the log-scale odds-ratio axis, written as plain numbers ("0.5", "2", "10").
_LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0,
              500.0, 1000.0)


def _tick_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else format_number(value, 2).rstrip("0")


def _estimable(row) -> bool:
    """An odds ratio that can be drawn on a log scale."""
    if not _drawable(row):
        return False
    value = float(row["estimate"])
    return value > 0 and value != float("inf")


def _limits(row) -> tuple[float, float] | None:
    """Finite, positive CI limits of an odds ratio, or None."""
    if _is_na(row["ci_low"]) or _is_na(row["ci_high"]):
        return None
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if not (0 < low <= high < float("inf")):
        return None
    return low, high


def _binary_outcome(variable: str) -> bool:
    """False for an ordered categorical outcome (modelled by proportional odds)."""
    kind, _ = _codebook_levels().get(variable, ("", ()))
    return kind != "categorical"


def response_models_figure(results: pd.DataFrame) -> FigureOutput:
    """Adjusted odds ratios of TA-HSB only and dual vs offline HSB only ("response_models").

    A forest plot: one row per binary outcome, a marker per group term (colour and shape) with
    its CI as a line, on a log scale with a line at 1 (no difference). An odds ratio the model
    could not estimate (separation) is written "not estimable" instead of a point. Ordered
    outcomes (proportional-odds models) and covariate terms are in the table only. The
    caption gives the children in each model and every warning.
    """
    output = RESPONSE_MODELS_OUTPUT
    rows = output_rows(results, output)
    synthetic = _is_synthetic(results, output)
    ratios = rows[rows["statistic"].eq("odds_ratio").fillna(False).to_numpy(dtype=bool)
                  & rows["level"].isin(FOREST_TERMS).fillna(False).to_numpy(dtype=bool)]
    outcomes: dict[str, dict[str, pd.Series]] = {}
    for _, r in ratios.iterrows():
        if _is_na(r["variable"]) or not _binary_outcome(str(r["variable"])):
            continue
        outcomes.setdefault(str(r["variable"]), {}).setdefault(str(r["level"]), r)
    ordinal = list(dict.fromkeys(
        str(v) for v in rows["variable"][rows["statistic"].eq("odds_ratio").fillna(False)]
        .dropna() if not _binary_outcome(str(v))
    ))
    labels = [wrap_label(upper_first(variable_label(v)), 40) for v in outcomes]
    values = [
        x for by_term in outcomes.values() for r in by_term.values() if _estimable(r)
        for x in ((float(r["estimate"]),) + (_limits(r) or ()))
    ]
    low, high = (min(values + [1.0]), max(values + [1.0])) if values else (0.5, 2.0)
    drawn = set()

    with style_context():
        fig = new_figure("double", height=1.3 + 0.42 * max(len(labels), 1))
        ax = fig.add_subplot()
        ax.set_xscale("log")
        positions = _rows_axis(ax, labels)
        ax.axvline(1.0, color=MARKER_EDGE_COLOUR, linewidth=0.7, linestyle="--", zorder=1)
        text_x = blended_transform_factory(ax.transAxes, ax.transData)
        for y, by_term in zip(positions, outcomes.values(), strict=True):
            for term in FOREST_TERMS:
                row = by_term.get(term)
                if row is None:
                    continue
                y_term = y + _FOREST_OFFSETS[term]
                if _estimable(row):
                    limits = _limits(row)
                    _dot(ax, y_term, float(row["estimate"]), *(limits or (None, None)), term)
                    drawn.add(term)
                else:
                    ax.text(_NOT_ESTIMABLE_X, y_term,
                            f"{short_group_label(term)}: {NOT_ESTIMABLE}", transform=text_x,
                            ha="left", va="center", color=MARKER_EDGE_COLOUR,
                            fontstyle="italic")
        ax.set_xlim(low / 1.6, high * 1.6)
        ticks = [t for t in _LOG_TICKS if low / 1.6 <= t <= high * 1.6]
        ax.set_xticks(ticks, [_tick_text(t) for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("odds ratio (log scale; reference: offline HSB only)")
        ax.set_title("Adjusted odds ratio of each response", loc="left")
        if not outcomes:
            ax.set_yticks([])
            no_data(ax)
        legend = [f"{upper_first(short_group_label(t))} vs offline HSB only"
                  + ("" if t in drawn else ": not drawn") for t in FOREST_TERMS]
        fig.legend(_group_handles(FOREST_TERMS, "marker"), legend, loc="outside lower center",
                   ncol=2, handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)

    def words(row) -> str:
        text = format_odds_ratio(row["estimate"], row["ci_low"], row["ci_high"])
        if not _estimable(row):
            return NOT_ESTIMABLE
        text = f"OR {text}"
        if not _is_na(row["p_value"]):
            text += f", {format_p_value(row['p_value'])}"
        return text

    outcome_words = []
    for variable, by_term in outcomes.items():
        first = next(iter(by_term.values()))
        size = first["denominator"] if not _is_na(first["denominator"]) else first["n"]
        outcome_words.append(
            f"{upper_first(variable_label(variable))} (n in model = {_count(size)}): "
            + "; ".join(f"{short_group_label(t)} {words(by_term[t])}"
                        for t in FOREST_TERMS if t in by_term)
        )
    chosen = pd.DataFrame([r for by_term in outcomes.values() for r in by_term.values()])
    methods = _method_text(chosen) if len(chosen) else "method not stated"
    caption = (
        f"Adjusted odds ratios of professional responses{_cohort_text(results, output)}: "
        "TA-HSB only and dual compared with offline HSB only (odds ratio 1, dashed line), on "
        f"a log scale; markers show the odds ratio, lines its CI. Models: {methods}. "
        f"{'. '.join(outcome_words) or 'No data'}."
    )
    if ordinal:
        caption += (" Ordered responses (proportional-odds models) are given in the table: "
                    f"{', '.join(variable_label(v) for v in ordinal)}.")
    warnings = _warnings(chosen) if len(chosen) else []
    caption += "".join(f" Warning: {w}." for w in warnings)
    caption += " Covariate terms and missing values are given in the table."
    findings = _distinct_findings(rows)
    if findings:
        caption += f" Bears on published finding(s): {', '.join(findings)}."
    alt_text = (
        "Forest plot of adjusted odds ratios, on a log scale, of professional responses for "
        "TA-HSB only and dual HSB compared with offline HSB only. "
        + (" ".join(f"{w}." for w in outcome_words) or "No data.")
    )
    caption, alt_text = _wrap_words(synthetic, caption, alt_text)
    return FigureOutput(fig, alt_text, caption, synthetic, output)


def write_figure(figure_output: FigureOutput, stem: Path,
                 formats: tuple[str, ...] = ("png", "svg", "pdf")) -> dict[str, Path]:
    """Save the figure (see `save_figure`) and its caption as `stem`.caption.txt."""
    stem = Path(stem)
    paths = save_figure(figure_output.figure, stem, figure_output.alt_text, formats)
    caption_path = stem.with_name(f"{stem.name}.caption.txt")
    with open(caption_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(figure_output.caption.rstrip("\n") + "\n")
    paths["caption"] = caption_path
    return paths


# The outputs of the results table each figure is drawn from (the manifest gives a released
# figure the status of these outputs; tests check the keys against FIGURES).
FIGURE_OUTPUTS = {
    "prevalence": ("prevalence_overall",),
    "ta_hsb_types": ("ta_hsb_types",),
    "forms_per_child": ("ta_hsb_forms_per_child",),
    "characteristics": ("characteristics",),
    "onset_gap": ("onset_gap",),
    "trajectories": ("trajectories",),
    "responses": ("responses",),
    "response_models": ("response_models",),
}
SUPPRESSED_WORDS = (
    "Values suppressed by disclosure control are not drawn (shown as [c] in the tables; the"
    " release manifest lists them)."
)


def mark_tier(figure_output: FigureOutput, results: pd.DataFrame, name: str) -> FigureOutput:
    """State the figure's tier: an internal figure says "INTERNAL: not checked for release"
    on its face, in its caption and alt text; a released figure drawn from rows with suppressed
    values says so in its caption and alt text."""
    rows = results[results["output"].isin(FIGURE_OUTPUTS.get(name, ()))]
    if tier_of(results) == INTERNAL_TIER:
        mark_internal_tier(figure_output.figure)
        figure_output.caption = f"{TIER_LABEL}. {figure_output.caption}"
        figure_output.alt_text = f"{TIER_LABEL}. {figure_output.alt_text}"
    elif rows["disclosure"].eq(SUPPRESSED).any():
        figure_output.caption = f"{figure_output.caption} {SUPPRESSED_WORDS}"
        figure_output.alt_text = f"{figure_output.alt_text} {SUPPRESSED_WORDS}"
    return figure_output


# The figures the workflow draws for every cohort, by file stem. The workflow keeps the same
# list literally (workflow/rules/common.smk); tests/test_workflow_lists.py checks they agree.
FIGURES = {
    "prevalence": prevalence_figure,
    "ta_hsb_types": ta_hsb_types_figure,
    "forms_per_child": forms_per_child_figure,
    "characteristics": characteristics_figure,
    "onset_gap": onset_gap_figure,
    "trajectories": trajectory_figure,
    "responses": responses_figure,
    "response_models": response_models_figure,
}
