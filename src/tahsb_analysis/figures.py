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

from tahsb_analysis.codebook import load_codebook
from tahsb_analysis.figure_style import (
    BAR_COLOUR,
    ERROR_BAR_COLOUR,
    FONT_SIZE_PT,
    HSB_GROUP_COLOURS,
    HSB_GROUP_MARKERS,
    MARKER_EDGE_COLOUR,
    ROW_RULE_COLOUR,
    mark_synthetic,
    new_figure,
    no_data,
    percent_axis,
    save_figure,
    style_context,
    wrap_label,
)
from tahsb_analysis.tables import (
    CHARACTERISTICS_OUTPUT,
    MISSING_PREFIX,
    SYNTHETIC_BANNER,
    ci_label,
    format_ci,
    format_number,
    format_percent,
    format_share,
    group_sizes,
    level_label,
    missing_note,
    output_rows,
    short_group_label,
    upper_first,
    variable_label,
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


# The figures the workflow draws for every cohort, by file stem. The workflow keeps the same
# list literally (workflow/rules/common.smk); tests/test_workflow_lists.py checks they agree.
FIGURES = {
    "prevalence": prevalence_figure,
    "ta_hsb_types": ta_hsb_types_figure,
    "forms_per_child": forms_per_child_figure,
    "characteristics": characteristics_figure,
}
