"""Figures comparing the HSB groups (C1-C6, S1-S3): backgrounds and characteristics as a dot
plot, professional responses as grouped bars. One row per variable, one mark per group."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.figures.blocks import (
    group_handles,
    grouped_bars,
    grouped_dots,
    rows_axis,
)
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.rows import (
    ci_limits,
    codebook_levels,
    cohort_text,
    drawable,
    findings_words,
    is_synthetic,
    mask,
    median_quartiles,
    method_text,
    percent,
    share_words,
    source_output,
)
from tahsb_analysis.render.figures.style import (
    mark_synthetic,
    new_figure,
    no_data,
    percent_axis,
    registry_width,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.group_comparison_table import (
    reported_group_sizes as group_sizes,
)
from tahsb_analysis.render.tables import (
    format_number,
    level_label,
    output_rows,
    short_group_label,
    upper_first,
    variable_label,
)

CHARACTERISTICS_GROUPS = ("ta_only", "dual", "offline_only")
# Vertical offsets of the three groups within a row (TA-HSB only on top); bars a little wider.
_GROUP_OFFSETS = {"ta_only": 0.24, "dual": 0.0, "offline_only": -0.24}
_BAR_OFFSETS = {group: offset * 1.1 for group, offset in _GROUP_OFFSETS.items()}
_ROW_HEIGHT_IN = 0.3
# The level drawn for an ordered categorical response: its most serious level.
RESPONSE_FIGURE_LEVELS = {"social_care_level": "section_47", "cj_outcome": "court_order"}


def characteristic_level(variable: str, levels: list[str]) -> str | None:
    """The level whose share is drawn: "yes" for a yes/no variable, otherwise the first
    codebook level present (family_stability "stable"), else the first level in the results."""
    kind, coded = codebook_levels().get(variable, ("", ()))
    if kind == "boolean" or levels == ["yes"]:
        return "yes" if "yes" in levels else (levels[0] if levels else None)
    for level in coded:
        if level in levels:
            return level
    return levels[0] if levels else None


def response_level(variable: str, levels: list[str]) -> str | None:
    """The level whose share is drawn: "yes" for a yes/no response, the most serious level of
    an ordered one (social care "section_47", criminal justice "court_order"), else the last
    codebook level present, else the first level in the results."""
    if "yes" in levels:
        return "yes"
    wanted = RESPONSE_FIGURE_LEVELS.get(variable)
    if wanted in levels:
        return wanted
    _, coded = codebook_levels().get(variable, ("", ()))
    for level in reversed(coded):
        if level in levels:
            return level
    return levels[0] if levels else None


def characteristic_label(variable: str, level: str) -> str:
    """"Recorded mental-health difficulties" for yes/no, "Stability of the family: stable"."""
    name = upper_first(variable_label(variable))
    if level == "yes":
        return name
    return f"{name}: {level_label(variable, level)}"


def _compared(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[mask(rows["group"].isin(CHARACTERISTICS_GROUPS))]


def _shares(rows: pd.DataFrame, choose_level) -> dict[tuple[str, str], dict[str, pd.Series]]:
    """{(variable, drawn level): {group: proportion row}} of the compared groups, variables in
    order of appearance; `choose_level(variable, levels)` picks the level drawn."""
    shares_frame = rows[mask(rows["statistic"].eq("proportion"))]
    shares: dict[tuple[str, str], dict[str, pd.Series]] = {}
    for variable in dict.fromkeys(shares_frame["variable"].astype(str)):
        mine = shares_frame[shares_frame["variable"].eq(variable).to_numpy(dtype=bool)]
        level = choose_level(variable, list(dict.fromkeys(str(v) for v in mine["level"].dropna())))
        if level is None:
            continue
        chosen = mine[mask(mine["level"].eq(level))]
        shares[(variable, level)] = {str(r["group"]): r for _, r in chosen.iterrows()}
    return shares


def _ages(rows: pd.DataFrame) -> dict[str, dict[str, dict[str, pd.Series]]]:
    """{variable: {group: {statistic: row}}} of the median and quartile rows."""
    ages: dict[str, dict[str, dict[str, pd.Series]]] = {}
    for _, r in rows[mask(rows["statistic"].isin(("median", "q1", "q3")))].iterrows():
        by_group = ages.setdefault(str(r["variable"]), {}).setdefault(str(r["group"]), {})
        by_group[str(r["statistic"])] = r
    return ages


def _share_point(row):
    return (percent(row["estimate"]), ci_limits(row, 100)) if drawable(row) else None


def _age_point(by_statistic):
    values = median_quartiles(by_statistic or {})
    return None if values is None else (values[0], values[1:])


def _group_words(rows: pd.DataFrame) -> dict[str, str]:
    """"TA-HSB only (N = 4)" for each compared group (N from `tables.group_sizes`)."""
    sizes = group_sizes(rows)
    return {g: f"{short_group_label(g)} (N = {sizes[g]})" if g in sizes else short_group_label(g)
            for g in CHARACTERISTICS_GROUPS}


def _legend(fig, words: dict[str, str], drawn: set[str], kind: str, handle_length: float):
    labels = [words[g] + ("" if g in drawn else ": no data") for g in CHARACTERISTICS_GROUPS]
    fig.legend(group_handles(CHARACTERISTICS_GROUPS, kind), labels, loc="outside lower center",
               ncol=3, handlelength=handle_length)


def _share_lines(shares: dict) -> list[str]:
    """"Unresolved trauma: TA-HSB only 1/4 (25.0%, ...), dual ..." per row of shares."""
    return [f"{characteristic_label(v, lvl)}: "
            + ", ".join(f"{short_group_label(g)} {share_words(by_group.get(g))}"
                        for g in CHARACTERISTICS_GROUPS)
            for (v, lvl), by_group in shares.items()]


def _age_words(by_statistic: dict | None) -> str:
    values = median_quartiles(by_statistic or {})
    if values is None:
        return "no data"
    median, low, high = (format_number(v, 1) for v in values)
    return f"{median} ({low} to {high})"


def characteristics_figure(results: pd.DataFrame) -> FigureOutput:
    """Backgrounds and characteristics by HSB group as a dot plot.

    Top panel: one row per characteristic, the share of each group with it ("yes" for a
    yes/no variable, the first codebook level of a categorical one, named in the row label),
    a marker per group (colour and shape) with its CI as a horizontal line. Bottom panel, when
    the output has ages: the median of each group with the interquartile range as the line, in
    years. Groups or rows without an estimate are left out of the drawing and named in the
    caption.
    """
    output = source_output("characteristics")
    rows = output_rows(results, output)
    synthetic = is_synthetic(results, output)
    shares, ages = _shares(_compared(rows), characteristic_level), _ages(_compared(rows))
    drawn = {g for by_group in shares.values() for g, r in by_group.items() if drawable(r)}
    drawn |= {g for by_group in ages.values() for g, s in by_group.items()
              if median_quartiles(s)}
    words = _group_words(rows)
    share_labels = [wrap_label(characteristic_label(v, lvl), 44) for v, lvl in shares]
    age_labels = [wrap_label(upper_first(variable_label(v)), 44) for v in ages]
    n_share, n_age = max(len(share_labels), 1), len(age_labels)
    with style_context():
        height = 1.3 + _ROW_HEIGHT_IN * (n_share + n_age) + (0.5 if n_age else 0)
        fig = new_figure(registry_width("characteristics"), height=height)
        if n_age:
            top, bottom = fig.subplots(2, 1, height_ratios=[n_share, n_age + 0.6])
        else:
            top, bottom = fig.add_subplot(), None
        grouped_dots(top, rows_axis(top, share_labels), shares.values(), CHARACTERISTICS_GROUPS,
                     _GROUP_OFFSETS, _share_point)
        percent_axis(top, "x", "children (%)")
        top.set_title("Share with each characteristic (or the level named)", loc="left")
        if not shares:
            top.set_yticks([])
            no_data(top)
        if bottom is not None:
            grouped_dots(bottom, rows_axis(bottom, age_labels), ages.values(),
                         CHARACTERISTICS_GROUPS, _GROUP_OFFSETS, _age_point)
            bottom.set_xlabel("years")
            bottom.set_title("Age: median and interquartile range", loc="left")
        _legend(fig, words, drawn, "marker", 1.0)
        if synthetic:
            mark_synthetic(fig)
    caption, alt_text = _characteristics_words(results, output, shares, ages, drawn, words)
    return finished(fig, caption, alt_text, synthetic, output)


def _characteristics_words(results, output, shares, ages, drawn, words) -> tuple[str, str]:
    ci_method = method_text([r for by_group in shares.values() for r in by_group.values()])
    age_lines = [
        f"{upper_first(variable_label(v))}, median (IQR) in years: "
        + ", ".join(f"{short_group_label(g)} {_age_words(by_group.get(g))}"
                    for g in CHARACTERISTICS_GROUPS)
        for v, by_group in ages.items()
    ]
    absent = [short_group_label(g) for g in CHARACTERISTICS_GROUPS if g not in drawn]
    groups = ", ".join(words[g] for g in CHARACTERISTICS_GROUPS)
    caption = (
        f"Backgrounds and characteristics by HSB group{cohort_text(results, output)}: "
        f"{groups}. Top: percentage of each group with the characteristic (for a "
        "characteristic with several levels, the level named), among children with it "
        f"recorded; markers show the share, lines the {ci_method}."
    )
    if ages:
        caption += " Bottom: age in years, median (marker) and interquartile range (line)."
    if not shares and not ages:
        caption += " No data."
    if absent:
        caption += f" No data: {', '.join(absent)}."
    caption += " Tests, effect sizes and missing values are given in the table."
    caption += findings_words(output_rows(results, output))
    alt_text = (
        f"Dot plot comparing TA-HSB only, dual and offline-only HSB groups ({groups}) on "
        f"background characteristics, with {ci_method}s. "
        + (" ".join(f"{w}." for w in _share_lines(shares) + age_lines) or "No data.")
    )
    return caption, alt_text


def responses_figure(results: pd.DataFrame) -> FigureOutput:
    """Professional responses by HSB group as grouped horizontal bars.

    One row per response: the percentage of each group (TA-HSB only, dual, offline only) with
    it ("yes" for a yes/no response or composite, the most serious level of an ordered one,
    named in the row label), among children with it recorded, with its CI as an error bar.
    Groups differ in colour and hatching. Rows or groups without an estimate are left out of
    the drawing and named in the caption.
    """
    output = source_output("responses")
    rows = output_rows(results, output)
    synthetic = is_synthetic(results, output)
    shares = _shares(_compared(rows), response_level)
    drawn = {g for by_group in shares.values() for g, r in by_group.items() if drawable(r)}
    words = _group_words(rows)
    labels = [wrap_label(characteristic_label(v, lvl), 44) for v, lvl in shares]
    with style_context():
        height = 1.3 + 0.42 * max(len(labels), 1)
        fig = new_figure(registry_width("responses"), height=height)
        ax = fig.add_subplot()
        grouped_bars(ax, rows_axis(ax, labels), shares.values(), CHARACTERISTICS_GROUPS,
                     _BAR_OFFSETS)
        percent_axis(ax, "x", "children (%)")
        ax.set_title("Share of each group with the response", loc="left")
        if not shares:
            ax.set_yticks([])
            no_data(ax)
        _legend(fig, words, drawn, "bar", 1.5)
        if synthetic:
            mark_synthetic(fig)

    ci_method = method_text([r for by_group in shares.values() for r in by_group.values()])
    groups = ", ".join(words[g] for g in CHARACTERISTICS_GROUPS)
    absent = [short_group_label(g) for g in CHARACTERISTICS_GROUPS if g not in drawn]
    named = [characteristic_label(v, lvl) for v, lvl in shares if lvl != "yes"]
    caption = (
        f"Professional responses by HSB group{cohort_text(results, output)}: {groups}. Bars: "
        "percentage of each group with the response among children with it recorded; error "
        f"bars: the {ci_method}."
    )
    if named:
        caption += (" For an ordered response the most serious level is drawn: "
                    f"{'; '.join(named)}.")
    if not shares:
        caption += " No data."
    if absent:
        caption += f" No data: {', '.join(absent)}."
    caption += " Tests, effect sizes and missing values are given in the table."
    caption += findings_words(rows)
    alt_text = (
        "Grouped horizontal bar chart of professional responses for the TA-HSB only, dual "
        f"and offline-only HSB groups ({groups}), percentages with {ci_method}s. "
        + (" ".join(f"{w}." for w in _share_lines(shares)) or "No data.")
    )
    return finished(fig, caption, alt_text, synthetic, output)
