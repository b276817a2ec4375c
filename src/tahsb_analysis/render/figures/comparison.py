"""Forest plots of cohort comparisons, drawn only from comparison rows (comparison.py).

One figure per section of the comparison page: the risk difference of every share two cohorts
have, in percentage points with its Newcombe CI, one marker style per cohort pair. Numbers in
captions are formatted by `tables`, so the figure, its caption and the page's tables agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import pandas as pd
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from tahsb_analysis.compare.cohorts import SECTION_TITLES, section_of
from tahsb_analysis.compare.statistics import RISK_DIFFERENCE
from tahsb_analysis.render.figures.blocks import dot, marker_handle, symmetric_axis
from tahsb_analysis.render.figures.output import SUPPRESSED_WORDS, FigureOutput
from tahsb_analysis.render.figures.rows import ci_limits, percent
from tahsb_analysis.render.figures.style import (
    FONT_SIZE_PT,
    MARKER_EDGE_COLOUR,
    OKABE_ITO,
    ROW_RULE_COLOUR,
    TIER_LABEL,
    mark_internal_tier,
    mark_synthetic,
    new_figure,
    style_context,
)
from tahsb_analysis.render.tables import (
    NOT_AVAILABLE,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
    ci_label,
    format_ci,
    format_number,
    level_label,
    short_group_label,
    tier_of,
    upper_first,
    variable_label,
)
from tahsb_analysis.results.schema import SUPPRESSED
from tahsb_analysis.vocabulary import INTERNAL_TIER

NO_COMPARABLE_ROWS = "no comparable rows"
_TEXT_TO_PATH = TextToPath()
FIGURE_PREFIX = "comparison_"
# One marker style per cohort pair (shape and colour, so pairs stay apart in greyscale).
PAIR_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
PAIR_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"],
                OKABE_ITO["reddish_purple"], OKABE_ITO["orange"], OKABE_ITO["sky_blue"],
                OKABE_ITO["black"])
COMPARISON_FIGURE_WIDTH = "double"  # 174 mm: every section's forest plot
# Compact rows: one line of 7 pt text each (the smallest size journals take), so the longest
# section (about 65 statistics) stays within a page (240 mm).
_ROW_FONT_PT = 7
_LINE_IN = _ROW_FONT_PT * 1.2 / 72  # a 7 pt text box is 8.15 pt high
# Wrapped lines of a cell one text line apart (matplotlib's default, 1.2, would make a
# two-line cell taller than two rows).
_LINE_SPACING = 1.0
_FIRST_LINE = 0.1  # where a heading's first line starts within its row (lines)
_BLOCK_GAP = 0.15  # between blocks (lines), where a light rule goes
# Columns (inches, 174 mm in all with the gaps): statistic, group, forest, status.
_COLUMN_WIDTHS_IN = (2.45, 1.2, 1.8, 1.2)
_COLUMN_PAD_PT = 4  # kept free at the right of a text column
_TOP_IN = 0.35  # the title and the status heading
_BOTTOM_IN = 0.55  # the x axis with its two-line label
_LEGEND_LINE_IN = 0.2
_LEGEND_COLUMNS = 2
# Shorter words for a group in the group column (the caption and the table give the full ones).
_FIGURE_GROUP_WORDS = {"pornography_only": "pornography use only"}


def figure_name(section: str) -> str:
    """The file stem of a section's forest plot: "prevalence" -> "comparison_prevalence"."""
    return f"{FIGURE_PREFIX}{section}"


def _is_na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def item_label(row) -> str:
    """A compared statistic in words: "Any TA-HSB (sex: female)", "Looked after: yes (HSB
    group: TA-HSB only)"; "[behaviours]" when behaviours, not children, are counted."""
    text = _statistic_words(row)
    if not _is_na(row["group"]):
        text += (f" ({variable_label(row['group_variable'])}: "
                 f"{level_label(row['group_variable'], row['group'])})")
    return text + (" [behaviours]" if row["unit"] == "behaviours" else "")


def _statistic_words(row) -> str:
    """"Any TA-HSB", "Looked after: yes": the variable and level in words, no group."""
    variable, level = row["variable"], row["level"]
    if variable == "hsb_group" and not _is_na(level):
        return upper_first(level_label(variable, level))
    text = upper_first(variable_label(variable))
    if not _is_na(level):
        text += f": {level_label(variable, level)}"
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


@dataclass(frozen=True)
class ForestRow:
    """One line of a comparison forest plot: a compared statistic for one pair of cohorts.

    `heading` (the statistic) is written once per block of rows that share it, `sub` (the
    group, e.g. "TA-HSB only") on every row, `status` in the status column: the difference and
    its CI, "[c]" when suppressed, "n/a" without an estimate."""

    key: tuple
    pair: str
    heading: str
    sub: str
    status: str
    row: pd.Series


def _heading(row) -> str:
    """The compared statistic without its group: "Police involvement because of the HSB:
    yes", "Any TA-HSB"; "[behaviours]" when behaviours, not children, are counted."""
    return _statistic_words(row) + (" [behaviours]" if row["unit"] == "behaviours" else "")


def _sub(row) -> str:
    """The group a statistic is of, short: "TA-HSB only", "sex: female"; "all children" for the
    whole population."""
    if _is_na(row["group"]):
        return "all children"
    if row["group_variable"] in ("hsb_group", "dual_subgroup"):
        group = str(row["group"])
        return _FIGURE_GROUP_WORDS.get(group) or short_group_label(group)
    variable = row["group_variable"]
    return f"{variable_label(variable)}: {level_label(variable, row['group'])}"


def _status(row) -> str:
    """"3.1 (-5.0 to 11.2)", "[c]" or "n/a": what the status column says of a row."""
    if row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    if _is_na(row["estimate"]):
        return NOT_AVAILABLE
    if _is_na(row["ci_low"]) or _is_na(row["ci_high"]):
        return _points(row)
    return f"{_points(row)} ({format_ci(row['ci_low'], row['ci_high'])})"


def forest_rows(rows: pd.DataFrame, pairs: list[str]) -> list[ForestRow]:
    """The plot's lines: blocks of rows with the same heading (in order of first appearance),
    within a block each statistic in order of appearance, its pairs in the order `pairs`."""
    lines = [ForestRow(_item_key(r), str(r["cohort"]), _heading(r), _sub(r), _status(r), r)
             for _, r in rows.iterrows()]
    headings = list(dict.fromkeys(line.heading for line in lines))
    items = list(dict.fromkeys(line.key for line in lines))
    return sorted(lines, key=lambda line: (headings.index(line.heading), items.index(line.key),
                                           pairs.index(line.pair)))


@dataclass(frozen=True)
class ForestLayout:
    """Where each line goes, in lines of text from the top (the y axis runs downwards)."""

    headings: list[tuple[float, str]]  # (top, wrapped heading), once per block
    subs: list[tuple[float, str]]  # (centre, wrapped group) of every row
    centres: list[float]  # the centre of every row (marker and status)
    rules: list[float]  # between blocks
    lines: float  # in all


def wrap_to_width(text: str, width_pt: float, size_pt: float = _ROW_FONT_PT) -> str:
    """`text` broken into lines no wider than `width_pt` points at `size_pt` in the figure
    font, measured by matplotlib (a word longer than a line keeps a line of its own)."""
    prop = FontProperties(family=matplotlib.rcParams["font.family"], size=size_pt)

    def width(words: str) -> float:
        return _TEXT_TO_PATH.get_text_width_height_descent(words, prop, ismath=False)[0]

    lines: list[str] = []
    for word in str(text).split():
        if lines and width(f"{lines[-1]} {word}") <= width_pt:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _column_pt(column: int) -> float:
    return _COLUMN_WIDTHS_IN[column] * 72 - _COLUMN_PAD_PT


def forest_layout(forest: list[ForestRow], heading_pt: float, sub_pt: float) -> ForestLayout:
    """Rows one text line high (more when the group wraps); a block's heading wrapped to
    `heading_pt` points and written from its first row down, the block made taller when its
    heading needs more lines than its rows give. The later pairs of a statistic repeat no
    group (their marker style tells them apart)."""
    headings, subs, centres, rules = [], [], [], []
    top = 0.0
    blocks = list(dict.fromkeys(line.heading for line in forest))
    for number, heading in enumerate(blocks):
        block = [line for line in forest if line.heading == heading]
        wrapped = wrap_to_width(heading, heading_pt)
        start = top
        seen = set()
        for line in block:
            sub = "" if line.key in seen else wrap_to_width(line.sub, sub_pt)
            seen.add(line.key)
            height = max(sub.count("\n") + 1, 1)
            centres.append(top + height / 2)
            subs.append((top + height / 2, sub))
            top += height
        top = max(top, start + wrapped.count("\n") + 1)
        headings.append((start, wrapped))
        if number < len(blocks) - 1:
            rules.append(top + _BLOCK_GAP / 2)
            top += _BLOCK_GAP
    return ForestLayout(headings, subs, centres, rules, max(top, 1.0))


def forest_figure(comparison_rows: pd.DataFrame, section: str) -> FigureOutput:
    """Risk differences of one section of the comparison page as a forest plot that fits a
    page.

    `comparison_rows` are rows of `comparison.compare_cohorts` (any sections; those of
    `section`, by `comparison.section_of`, with statistic "risk_difference" are drawn). Four
    columns side by side: the statistic (written once per block), the group, the forest
    (a marker and CI line per cohort pair, one style each, a dashed line at 0) and a status
    column with the difference and its CI, or "[c]" when suppressed and "n/a" without an
    estimate, so no two words are ever printed on one another. One line of text per row.
    SYNTHETIC DATA in the band above when any compared cohort is synthetic; the
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
    forest = forest_rows(rows, pairs)
    with style_context(), matplotlib.rc_context({"font.size": _ROW_FONT_PT}):
        layout = forest_layout(forest, _column_pt(0), _column_pt(1))
        legend_lines = -(-len(pairs) // _LEGEND_COLUMNS) if pairs else 0
        height = (layout.lines * _LINE_IN + _TOP_IN + _BOTTOM_IN
                  + legend_lines * _LEGEND_LINE_IN)
        fig = new_figure(COMPARISON_FIGURE_WIDTH, height=height)
        head_ax, sub_ax, ax, status_ax = fig.subplots(
            1, 4, sharey=True, width_ratios=_COLUMN_WIDTHS_IN,
            gridspec_kw={"wspace": 0.01})
        ax.set_ylim(layout.lines, 0)
        for text_ax in (head_ax, sub_ax, status_ax):
            text_ax.set_axis_off()
        for top, heading in layout.headings:
            head_ax.text(0, top + _FIRST_LINE, heading, ha="left", va="top",
                         linespacing=_LINE_SPACING)
        for centre, sub in layout.subs:
            sub_ax.text(0, centre, sub, ha="left", va="center", linespacing=_LINE_SPACING)
        for centre, line in zip(layout.centres, forest, strict=True):
            status_ax.text(0, centre, line.status, ha="left", va="center",
                           linespacing=_LINE_SPACING)
        for rule in layout.rules:
            for rule_ax in (head_ax, sub_ax, ax, status_ax):
                rule_ax.axhline(rule, color=ROW_RULE_COLOUR, linewidth=0.5, zorder=1)
        ax.axvline(0.0, color=MARKER_EDGE_COLOUR, linewidth=0.7, linestyle="--", zorder=1)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        for centre, line in zip(layout.centres, forest, strict=True):
            if _drawn(line.row):
                dot(ax, centre, percent(line.row["estimate"]), ci_limits(line.row, 100),
                    *styles[line.pair])
        symmetric_axis(ax, [percent(v) for _, r in rows.iterrows() if _drawn(r)
                            for v in (r["estimate"], r["ci_low"], r["ci_high"]) if not _is_na(v)])
        ax.set_xlabel("risk difference (percentage points),\nfirst cohort minus second")
        status_ax.set_title(f"difference ({ci_label(_first_method(rows))})", loc="left",
                            fontsize=_ROW_FONT_PT)
        fig.suptitle(f"{title}: differences between cohorts", x=0.01, ha="left",
                     fontsize=FONT_SIZE_PT + 1)
        if not items:
            ax.text(0.5, 0.5, NO_COMPARABLE_ROWS, transform=ax.transAxes, ha="center",
                    va="center")
        if pairs:
            fig.legend([marker_handle(*styles[p]) for p in pairs], pairs,
                       loc="outside lower center", ncol=min(len(pairs), _LEGEND_COLUMNS),
                       handlelength=1.0)
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


def _first_method(rows: pd.DataFrame) -> str:
    methods = rows["method"].dropna()
    return str(methods.iloc[0]) if len(methods) else "95% CI"


def _drawn(row) -> bool:
    """A difference that is drawn: released and estimated."""
    return row["disclosure"] != SUPPRESSED and not _is_na(row["estimate"])


def _words(rows: pd.DataFrame, items: dict, title: str) -> tuple[str, str]:
    if not items:
        text = (f"{title}: {NO_COMPARABLE_ROWS} (no share is in both cohorts of any compared "
                "pair).")
        return text, f"Empty forest plot of risk differences between cohorts. {text}"
    methods = list(dict.fromkeys(str(m) for m in rows["method"].dropna()))
    keyed = [(_item_key(row), row) for _, row in rows.iterrows()]  # once, not once per item
    lines = [f"{label}: " + "; ".join(_row_words(row) for k, row in keyed if k == key)
             for key, label in items.items()]
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
