"""The group-comparison layout (a "Table 1"): one column per group compared, then the tests
and the pairwise comparisons.

One block of lines per variable, in order of appearance: a line per level for shares
("n/N (%) [CI]"), the lines "Median (IQR)" and "Mean (SD)" for a continuous variable. Each
group's column heading carries its size, read from the output's group-size rows (statistic
`GROUP_SIZE`); nothing is added up here. The footnotes are written by `group_comparison_notes`.
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.cells import (
    MEAN_SD,
    MEDIAN_IQR,
    P_ADJUSTED_HEADER,
    P_HEADER,
    estimate_cells,
    format_effect,
    mean_sd_cell,
    median_iqr_cell,
    share_cell,
    weighted_share_cell,
)
from tahsb_analysis.render.footnotes import row_place
from tahsb_analysis.render.group_comparison_notes import group_comparison_footnotes
from tahsb_analysis.render.labels import (
    ALL_GROUP_CODE,
    STATISTIC_LABELS,
    code_words,
    group_code,
    is_pair,
    level_label,
    pair_label,
    short_group_label,
    upper_first,
    variable_label,
)
from tahsb_analysis.render.numbers import format_p_cell, is_missing
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    RenderedTable,
    TableError,
    distinct,
    finish_table,
    is_group_size,
    is_missing_row,
    is_suppressed,
    refuse_several_cohorts,
    without_group_sizes,
)
from tahsb_analysis.vocabulary import (
    EFFECT_STATISTICS,
    SECONDARY_TEST,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
    WEIGHTED_PROPORTION,
)

# Default output of `render_characteristics` (figures of this output use the name too).
CHARACTERISTICS_OUTPUT = "characteristics"
RESPONSES_OUTPUT = "responses"
# What the rows of a group comparison describe, for its "N = children with the ... recorded"
# note ("characteristic" unless named here).
GROUP_COMPARISON_SUBJECTS = {RESPONSES_OUTPUT: "response"}
# Groups of the study in column order; whole populations go last.
COMPARED_GROUPS = ("ta_only", "dual", "offline_only")
ALL_DUAL_GROUP_CODE = "all_dual"
# The column of the weighted shares over all groups (statistic WEIGHTED_PROPORTION), after All.
ALL_WEIGHTED_COLUMN = "all_weighted"
_TESTS = frozenset(TEST_STATISTICS)
_EFFECTS = frozenset(EFFECT_STATISTICS)
_SUMMARIES = frozenset(SUMMARY_STATISTICS)


def render_characteristics(
    rows: pd.DataFrame, output: str = CHARACTERISTICS_OUTPUT
) -> RenderedTable:
    """Lay out a group comparison (e.g. the "characteristics" output) as a Table 1.

    Columns: one per group (TA-HSB only, dual, offline only, then all) headed with its size
    from the group-size rows, the overall test's "p" and "p adj." on the variable's first
    line, and for each pairwise comparison its effect sizes and adjusted p. Every p cell points
    ("[k]") to the footnote naming its test. Methods, the multiplicity adjustment, warnings,
    missing counts per variable and group and the findings served become footnotes.

    Raises TableError for rows of several cohorts or two rows that would fill the same cell.
    """
    refuse_several_cohorts(rows, output)
    compared_by = _comparison_variable(rows)
    records = _records(without_group_sizes(rows), compared_by)
    groups = _group_column_order(records)
    pairs = distinct(str(r["group"]) for r in records if r["kind"] in ("effect", "pair_test"))
    lines = _lines(records)
    slots = _slots(records, lines, output)
    subject = GROUP_COMPARISON_SUBJECTS.get(output, "characteristic")
    footnotes, pointers = group_comparison_footnotes(records, groups, subject)

    sizes = group_size_rows(rows, compared_by)
    header = ["Variable", "Level"]
    header += [group_heading(g, sizes) for g in groups]
    header += [P_HEADER, P_ADJUSTED_HEADER]
    for pair in pairs:
        header += [upper_first(pair_label(pair)), f"{upper_first(pair_label(pair))}: p adj."]
    table_rows = _body_lines(lines, slots, groups, pairs, pointers)
    return finish_table(rows, output, header, table_rows, footnotes)


# --- group sizes: read from the results, never added up ------------------------------------


def group_size_rows(rows: pd.DataFrame, group_variable=None) -> dict[str, pd.Series]:
    """Each group's size row (statistic "group_size") by group code, "all" for the whole
    population; only those of `group_variable` when it is given."""
    sizes: dict[str, pd.Series] = {}
    for _, r in rows[is_group_size(rows).to_numpy(dtype=bool)].iterrows():
        if group_variable is not None and (
            is_missing(r["group_variable"]) or str(r["group_variable"]) != str(group_variable)
        ):
            continue
        sizes.setdefault(group_code(r["group"]), r)
    return sizes


def _size_of(row) -> int | None:
    """The N of a group-size row (its n, else its estimate); None when it has none."""
    size = row["n"] if not is_missing(row["n"]) else row["estimate"]
    return None if is_missing(size) else int(size)


def reported_group_sizes(rows: pd.DataFrame) -> dict[str, int]:
    """Children per group as the results report them: {group code: N} from the group-size
    rows; a group whose size row is absent or suppressed is left out."""
    sizes = {}
    for group, row in group_size_rows(rows).items():
        size = None if is_suppressed(row) else _size_of(row)
        if size is not None:
            sizes[group] = size
    return sizes


def group_heading(group: str, sizes: dict[str, pd.Series]) -> str:
    """A group's column heading with its size: "TA-HSB only (N = 19)"; "(N = [c])" when the
    size was suppressed; the label alone when the results give no size."""
    label = upper_first(short_group_label(group))
    row = sizes.get(group)
    if row is None:
        return label
    if is_suppressed(row):
        return f"{label} (N = {SUPPRESSED_MARKER})"
    size = _size_of(row)
    return label if size is None else f"{label} (N = {size})"


# --- rows, lines and cells -----------------------------------------------------------------


def _comparison_variable(rows: pd.DataFrame):
    """The variable whose levels are the groups compared (the group_variable of the tests)."""
    for statistics in (_TESTS, {"proportion", *_SUMMARIES}):
        chosen = rows["group_variable"][rows["statistic"].isin(statistics).fillna(False)]
        chosen = chosen.dropna()
        if len(chosen):
            return chosen.iloc[0]
    return "hsb_group"


def _row_kind(row) -> str:
    """What a row of a group comparison is: a share, a summary, a test, an effect, ..."""
    statistic = row["statistic"]
    if is_missing_row(row):
        return "missing"
    if statistic in _EFFECTS:
        return "effect"
    if statistic in _TESTS:
        if SECONDARY_TEST in str(row["method"]):
            return "secondary_test"  # beside the primary test: a footnote, not a p cell
        return "pair_test" if is_pair(row["group"]) else "test"
    if statistic in _SUMMARIES:
        return "summary"
    if statistic in ("proportion", WEIGHTED_PROPORTION):
        return "share"
    return "other"


def _records(rows: pd.DataFrame, compared_by) -> list[pd.Series]:
    """Copies of the rows, each tagged with its kind; missing counts of another grouping are
    "not_compared" (children outside the groups compared)."""
    records = []
    for _, row in rows.iterrows():
        row = row.copy()
        row["kind"] = _row_kind(row)
        if row["statistic"] == WEIGHTED_PROPORTION:
            row["group"] = ALL_WEIGHTED_COLUMN  # its own column beside the unweighted "all"
        if row["kind"] == "missing" and row["group_variable"] != compared_by:
            row["kind"] = "not_compared"
        records.append(row)
    return records


def _line_key(row) -> tuple:
    """The table line a share, summary or other estimate row belongs to (tagged by kind)."""
    level = None if is_missing(row["level"]) else str(row["level"])
    if row["kind"] == "share":
        return ("level", level)
    if row["kind"] == "summary":
        return ("summary", "median" if row["statistic"] in ("median", "q1", "q3") else "mean")
    return ("other", str(row["statistic"]), level)


def _group_column_order(records: list) -> list[str]:
    """Compared groups in study order, then any other group, then all dual children and all."""
    seen = distinct(
        group_code(r["group"])
        for r in records
        if r["kind"] in ("share", "summary", "other", "missing")
    )
    totals = (ALL_DUAL_GROUP_CODE, ALL_GROUP_CODE, ALL_WEIGHTED_COLUMN)  # whole populations
    ordered = [g for g in COMPARED_GROUPS if g in seen]
    ordered += [g for g in seen if g not in ordered and g not in totals]
    ordered += [g for g in totals if g in seen]
    return ordered


def _lines(records: list) -> dict[str, list[tuple]]:
    """{variable: [(line key, level text), ...]}, variables and lines in order of appearance.

    A continuous variable's "Median (IQR)" line comes before its "Mean (SD)" line; a variable
    with only tests or missing counts still gets one empty line so its p-value has a place.
    """
    lines: dict[str, list[tuple]] = {}
    for r in records:
        if r["kind"] == "not_compared":
            continue
        variable = str(r["variable"])
        variable_lines = lines.setdefault(variable, [])
        if r["kind"] not in ("share", "summary", "other"):
            continue
        key = _line_key(r)
        if key in [k for k, _ in variable_lines]:
            continue
        if key[0] == "level":
            text = upper_first(level_label(variable, key[1]))
        elif key[0] == "summary":
            text = upper_first(MEDIAN_IQR if key[1] == "median" else MEAN_SD)
        else:
            text = upper_first(STATISTIC_LABELS.get(key[1], code_words(key[1])))
            if key[2] is not None:
                text += f": {level_label(variable, key[2])}"
        variable_lines.append((key, text))
    for variable_lines in lines.values():
        variable_lines.sort(key=lambda item: item[0] == ("summary", "mean"))
        if not variable_lines:
            variable_lines.append((("empty",), ""))
    return lines


def _clash(output: str, row, other) -> TableError:
    return TableError(
        f"output {output!r}: two rows fill the same cell ({row_place(row)}; statistics "
        f"{other['statistic']!r} and {row['statistic']!r}); an analysis wrote a "
        "duplicate row"
    )


def _slots(records: list, lines: dict, output: str) -> dict[str, dict]:
    """Every row in its place: estimates by (variable, line)[group][statistic], the overall
    test by variable, pairwise tests and effects by (variable, line, pair).

    Pairwise rows sit on the line of their level, or on the variable's first line when they
    have no level (Cramér's V, a Hodges-Lehmann shift).
    """
    slots: dict[str, dict] = {"estimate": {}, "test": {}, "pair_test": {}, "effect": {}}
    for r in records:
        variable = str(r["variable"])
        if variable not in lines:
            continue  # only children outside the groups compared: a footnote
        known = [k for k, _ in lines[variable]]
        if r["kind"] in ("share", "summary", "other"):
            by_group = slots["estimate"].setdefault((variable, _line_key(r)), {})
            by_statistic = by_group.setdefault(group_code(r["group"]), {})
            if r["statistic"] in by_statistic:
                raise _clash(output, r, by_statistic[r["statistic"]])
            by_statistic[r["statistic"]] = r
        elif r["kind"] == "test":
            if variable in slots["test"]:
                raise _clash(output, r, slots["test"][variable])
            slots["test"][variable] = r
        elif r["kind"] in ("pair_test", "effect"):
            level = ("level", None if is_missing(r["level"]) else str(r["level"]))
            line = level if level in known else known[0]
            key = (variable, line, str(r["group"]))
            if r["kind"] == "pair_test":
                if key in slots["pair_test"]:
                    raise _clash(output, r, slots["pair_test"][key])
                slots["pair_test"][key] = r
            else:
                by_statistic = slots["effect"].setdefault(key, {})
                if r["statistic"] in by_statistic:
                    raise _clash(output, r, by_statistic[r["statistic"]])
                by_statistic[r["statistic"]] = r
    return slots


def _body_lines(lines: dict, slots: dict, groups: list[str], pairs: list[str],
                pointers: dict) -> list[list[str]]:
    """Every line: variable (first line only), level, the groups' cells, the overall p cells
    (first line only) and each pair's effect sizes and adjusted p."""
    table_rows = []
    for variable, variable_lines in lines.items():
        for index, (line_key, level_text) in enumerate(variable_lines):
            first = index == 0
            line = [upper_first(variable_label(variable)) if first else "", level_text]
            estimates = slots["estimate"].get((variable, line_key), {})
            line += [_estimate_text(line_key, estimates.get(g)) for g in groups]
            test = slots["test"].get(variable) if first else None
            line += _overall_p_cells(test, pointers.get(("test", variable)))
            for pair in pairs:
                effects = slots["effect"].get((variable, line_key, pair), {})
                line.append("; ".join(format_effect(effects[s]) for s in EFFECT_STATISTICS
                                      if s in effects))
                test = slots["pair_test"].get((variable, line_key, pair))
                line.append(_pair_p_cell(test, pointers.get((pair, variable))))
            table_rows.append(line)
    return table_rows


def _estimate_text(line_key: tuple, by_statistic: dict | None) -> str:
    """One group's cell on one line."""
    if not by_statistic:
        return ""
    if line_key[0] == "summary":
        return (median_iqr_cell if line_key[1] == "median" else mean_sd_cell)(by_statistic)
    (row,) = by_statistic.values()
    if line_key[0] == "level":
        return weighted_share_cell(row) if row["statistic"] == WEIGHTED_PROPORTION else (
            share_cell(row))
    return estimate_cells(row)[0]


def _overall_p_cells(test, pointer) -> list[str]:
    """The "p" and "p adj." cells of the overall test; p points to its test's footnote."""
    if test is None:
        return ["", ""]
    mark = f" [{pointer}]" if pointer is not None else ""
    if test["statistic"] == "not_tested":
        return [f"not tested{mark}", ""]
    if is_suppressed(test):
        return [SUPPRESSED_MARKER + mark, SUPPRESSED_MARKER]
    return [format_p_cell(test["p_value"]) + mark, format_p_cell(test["p_adjusted"])]


def _pair_p_cell(test, pointer) -> str:
    """A pairwise comparison's adjusted p, pointing to its test's footnote."""
    if test is None:
        return ""
    mark = f" [{pointer}]" if pointer is not None else ""
    if test["statistic"] == "not_tested":
        return f"not tested{mark}"
    if is_suppressed(test):
        return SUPPRESSED_MARKER + mark
    return format_p_cell(test["p_adjusted"]) + mark
