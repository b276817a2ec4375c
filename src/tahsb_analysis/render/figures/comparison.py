"""Forest plots of cohort comparisons, drawn only from comparison rows (comparison.py).

One figure per section of the comparison page: the risk difference of every share two cohorts
have, in percentage points with its Newcombe CI, one marker style per cohort pair. Numbers in
captions are formatted by `tables`, so the figure, its caption and the page's tables agree.
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.compare.cohorts import SECTION_TITLES, section_of
from tahsb_analysis.compare.statistics import RISK_DIFFERENCE
from tahsb_analysis.render.figures.blocks import (
    ForestMark,
    forest_axes,
    forest_marks,
    marker_handle,
    symmetric_axis,
)
from tahsb_analysis.render.figures.output import SUPPRESSED_WORDS, FigureOutput
from tahsb_analysis.render.figures.rows import ci_limits, percent
from tahsb_analysis.render.figures.style import (
    FONT_SIZE_PT,
    OKABE_ITO,
    TIER_LABEL,
    mark_internal_tier,
    mark_synthetic,
    new_figure,
    no_data,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.tables import (
    NOT_AVAILABLE,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
    ci_label,
    format_ci,
    format_number,
    level_label,
    tier_of,
    upper_first,
    variable_label,
)
from tahsb_analysis.results.schema import SUPPRESSED
from tahsb_analysis.vocabulary import INTERNAL_TIER

NO_COMPARABLE_ROWS = "no comparable rows"
FIGURE_PREFIX = "comparison_"
# One marker style per cohort pair (shape and colour, so pairs stay apart in greyscale).
PAIR_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
PAIR_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
                OKABE_ITO["reddish_purple"], OKABE_ITO["orange"], OKABE_ITO["sky_blue"],
                OKABE_ITO["black"])
_ROW_HEIGHT_IN = 0.32
_LINE_HEIGHT_IN = FONT_SIZE_PT * 1.2 / 72  # one line of a wrapped label
_LABEL_WIDTH = 56
_TEXT_X = 0.01  # axes fraction: where "[c]" and "n/a" are written


def figure_name(section: str) -> str:
    """The file stem of a section's forest plot: "prevalence" -> "comparison_prevalence"."""
    return f"{FIGURE_PREFIX}{section}"


def _is_na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def item_label(row) -> str:
    """A compared statistic in words: "Any TA-HSB (sex: female)", "Looked after: yes (HSB
    group: TA-HSB only)"; "[behaviours]" when behaviours, not children, are counted."""
    variable, level = row["variable"], row["level"]
    if variable == "hsb_group" and not _is_na(level):
        text = upper_first(level_label(variable, level))
    else:
        text = upper_first(variable_label(variable))
        if not _is_na(level):
            text += f": {level_label(variable, level)}"
    if not _is_na(row["group"]):
        text += (f" ({variable_label(row['group_variable'])}: "
                 f"{level_label(row['group_variable'], row['group'])})")
    if row["unit"] == "behaviours":
        text += " [behaviours]"
    return text


def _section_rows(comparison: pd.DataFrame, section: str) -> pd.DataFrame:
    in_section = comparison["output"].map(section_of).eq(section).to_numpy(dtype=bool)
    difference = comparison["statistic"].eq(RISK_DIFFERENCE).fillna(False).to_numpy(dtype=bool)
    return comparison[in_section & difference]


def _item_key(row) -> tuple:
    return tuple(None if _is_na(row[c]) else str(row[c])
                 for c in ("output", "variable", "level", "group_variable", "group", "unit"))


def _points(row) -> str:
    return format_number(float(row["estimate"]) * 100, 1)


def _row_words(row) -> str:
    """"synthetic-b vs synthetic-a: RD 3.1 (95% CI -5.0 to 11.2) percentage points, n/N =
    250/560"; "[c]" when suppressed."""
    pair = str(row["cohort"])
    if row["disclosure"] == SUPPRESSED:
        return f"{pair}: {SUPPRESSED_MARKER}"
    if _is_na(row["estimate"]):
        return f"{pair}: {NOT_AVAILABLE}"
    text = f"{pair}: RD {_points(row)}"
    if not _is_na(row["ci_low"]) and not _is_na(row["ci_high"]):
        text += f" ({ci_label(row['method'])} {format_ci(row['ci_low'], row['ci_high'])})"
    text += " percentage points"
    if not _is_na(row["n"]) and not _is_na(row["denominator"]):
        text += f", n/N = {int(row['n'])}/{int(row['denominator'])}"
    return text


def forest_figure(comparison_rows: pd.DataFrame, section: str) -> FigureOutput:
    """Risk differences of one section of the comparison page as a forest plot.

    `comparison_rows` are rows of `comparison.compare_cohorts` (any sections; those of
    `section`, by `comparison.section_of`, with statistic "risk_difference" are drawn). One
    line per compared statistic, a marker and CI line per cohort pair (one style each), a
    dashed line at 0; a suppressed value is written "[c]" on its line, a value without an
    estimate "n/a". SYNTHETIC DATA on the face when any compared cohort is synthetic; the
    internal-tier label when any row is "not checked". An empty section says "no comparable
    rows".
    """
    if section not in SECTION_TITLES:
        raise ValueError(f"unknown comparison section {section!r}; choose one of "
                         f"{sorted(SECTION_TITLES)}")
    rows = _section_rows(comparison_rows, section)
    items: dict[tuple, str] = {}
    for _, row in rows.iterrows():
        items.setdefault(_item_key(row), item_label(row))
    pairs = list(dict.fromkeys(str(c) for c in rows["cohort"]))
    styles = {pair: (PAIR_MARKERS[i % len(PAIR_MARKERS)], PAIR_COLOURS[i % len(PAIR_COLOURS)])
              for i, pair in enumerate(pairs)}
    source = rows if len(rows) else comparison_rows
    synthetic = bool(source["synthetic"].fillna(False).any()) if len(source) else False
    tier = tier_of(source) if len(source) else INTERNAL_TIER
    title = SECTION_TITLES[section]
    labels = [wrap_label(label, _LABEL_WIDTH) for label in items.values()]
    lines = max([label.count("\n") + 1 for label in labels] + [1])
    row_height = max(_ROW_HEIGHT_IN, _LINE_HEIGHT_IN * lines + 0.08)

    with style_context():
        fig = new_figure("double", height=1.5 + row_height * max(len(items), 1))
        # An empty suptitle keeps a strip above the title for the SYNTHETIC and tier labels.
        fig.suptitle(" ", fontsize=FONT_SIZE_PT)
        ax = fig.add_subplot()
        positions = dict(zip(items, forest_axes(ax, labels, reference=0.0, at_least=1),
                             strict=True))
        forest_marks(ax, _marks(rows, positions, pairs, styles), _TEXT_X)
        symmetric_axis(ax, [percent(v) for _, r in rows.iterrows() if _drawn(r)
                            for v in (r["estimate"], r["ci_low"], r["ci_high"]) if not _is_na(v)])
        ax.set_xlabel("risk difference (percentage points): first cohort minus second")
        ax.set_title(f"{title}: differences between cohorts", loc="left")
        if not items:
            ax.set_yticks([])
            no_data(ax, NO_COMPARABLE_ROWS)
        if pairs:
            fig.legend([marker_handle(*styles[p]) for p in pairs], pairs,
                       loc="outside lower center", ncol=min(len(pairs), 3), handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)
        if tier == INTERNAL_TIER:
            mark_internal_tier(fig)

    caption, alt_text = _words(rows, items, title)
    if synthetic:
        caption, alt_text = f"{SYNTHETIC_BANNER}. {caption}", f"SYNTHETIC DATA. {alt_text}"
    if tier == INTERNAL_TIER:
        caption, alt_text = f"{TIER_LABEL}. {caption}", f"{TIER_LABEL}. {alt_text}"
    elif rows["disclosure"].eq(SUPPRESSED).any():
        caption, alt_text = f"{caption} {SUPPRESSED_WORDS}", f"{alt_text} {SUPPRESSED_WORDS}"
    return FigureOutput(fig, alt_text, caption, synthetic, figure_name(section))


def _drawn(row) -> bool:
    """A difference that is drawn: released and estimated."""
    return row["disclosure"] != SUPPRESSED and not _is_na(row["estimate"])


def _marks(rows: pd.DataFrame, positions: dict, pairs: list[str], styles: dict):
    """A mark per row: the pair's marker with its CI, or "[c]" / "n/a" written on its line."""
    offsets = _offsets(len(pairs))
    marks = []
    for _, row in rows.iterrows():
        pair = str(row["cohort"])
        y = positions[_item_key(row)] + offsets[pairs.index(pair)]
        if not _drawn(row):
            mark = SUPPRESSED_MARKER if row["disclosure"] == SUPPRESSED else NOT_AVAILABLE
            marks.append(ForestMark(y, None, note=f"{pair}: {mark}"))
        else:
            marks.append(ForestMark(y, percent(row["estimate"]), ci_limits(row, 100),
                                    *styles[pair]))
    return marks


def _offsets(count: int) -> list[float]:
    """Vertical offsets of the pairs within a line, first pair on top."""
    if count <= 1:
        return [0.0] * max(count, 1)
    step = min(0.5 / (count - 1), 0.2)
    top = step * (count - 1) / 2
    return [top - i * step for i in range(count)]


def _words(rows: pd.DataFrame, items: dict, title: str) -> tuple[str, str]:
    if not items:
        text = (f"{title}: {NO_COMPARABLE_ROWS} (no share is in both cohorts of any compared "
                "pair).")
        return text, f"Empty forest plot of risk differences between cohorts. {text}"
    methods = list(dict.fromkeys(str(m) for m in rows["method"].dropna()))
    lines = []
    for key, label in items.items():
        of_item = rows[[_item_key(r) == key for _, r in rows.iterrows()]]
        lines.append(f"{label}: " + "; ".join(_row_words(r) for _, r in of_item.iterrows()))
    warnings = list(dict.fromkeys(str(w) for w in rows["warning"].dropna()))
    caption = (
        f"{title}: risk differences between cohorts in percentage points (first cohort minus "
        "second; 0, dashed line, is no difference); markers show the difference, lines its "
        f"CI, one marker style per pair of cohorts. Method: {'; '.join(methods)}. "
        "n/N adds both cohorts' counts. " + ". ".join(lines) + "."
        + "".join(f" Warning: {w}." for w in warnings)
        + " Odds ratios, tests and differences in means are in the table."
    )
    alt_text = (f"Forest plot of risk differences between cohorts, {title.lower()}, in "
                f"percentage points with a line at 0. " + ". ".join(lines) + ".")
    return caption, alt_text
