"""The generic table layout: one line per variable and level, a block of columns per group.

Each group (or "All" when rows have no group; per cohort and group when rows of several cohorts
are shown) gets "n/N (%)" and the CI, plus a rank column when the output ranks levels. Summary
rows of a continuous variable become the lines "Mean (95% CI)", "SD" and "Median (IQR)". Tests,
methods, warnings and missing-value counts become footnotes.
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.cells import MEDIAN_IQR, estimate_cells, median_iqr_cell, summary_digits
from tahsb_analysis.render.footnotes import format_test, missing_note, row_place
from tahsb_analysis.render.labels import (
    STATISTIC_LABELS,
    group_label,
    level_label,
    lower_first,
    upper_first,
    variable_label,
)
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    ci_label,
    format_ci,
    format_number,
    format_rank,
    is_missing,
)
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    RenderedTable,
    TableError,
    distinct,
    finish_table,
    is_missing_row,
    is_suppressed,
    is_test,
    output_rows,
    without_group_sizes,
)
from tahsb_analysis.vocabulary import MISSING_BOUNDS, WITHIN_CHILD_CORRELATION

# Summary statistics of a continuous variable in a generic table: the line each belongs to.
SUMMARY_LINES = {"mean": "mean", "sd": "sd", "median": "median", "q1": "median",
                 "q3": "median"}
SUMMARY_LINE_ORDER = ("mean", "sd", "median")


def render_generic(results: pd.DataFrame, output: str) -> RenderedTable:
    """Lay out one output of `results` in the generic layout (see the module docstring).

    Body rows are the (variable, level, unit) combinations in order of appearance, with the
    number of children on the first summary line of a variable. Group-size rows are not lines.
    An output without rows renders an empty table that says so. Raises TableError when two
    rows would fill the same cell.
    """
    rows = without_group_sizes(output_rows(results, output))
    records = [row for _, row in rows.iterrows()]
    body = [r for r in records if not is_test(r)]
    tests = [r for r in records if is_test(r)]
    several_cohorts = rows["cohort"].nunique() > 1
    several_units = len({r["unit"] for r in body if not is_missing(r["unit"])}) > 1

    blocks = _column_blocks(body, several_cohorts)
    cells = _cells(body, blocks, several_cohorts, output)
    methods, mark_methods = _methods(body, cells)
    table_rows = _body_lines(cells, blocks, methods if mark_methods else None, several_units)
    footnotes = _footnotes(rows, body, tests, methods, several_cohorts)
    return finish_table(rows, output, _header(blocks), table_rows, footnotes,
                        source=rows if len(rows) else results)


def _block_key(row, several_cohorts: bool) -> tuple:
    group = None if is_missing(row["group"]) else str(row["group"])
    cohort = str(row["cohort"]) if several_cohorts else None
    return (cohort, group)


def _block_heading(key: tuple, group_variable) -> str:
    cohort, group = key
    label = group_label(group_variable, group)
    return f"{cohort}: {label}" if cohort is not None else label


def _column_blocks(body: list, several_cohorts: bool) -> dict[tuple, dict]:
    """One block of columns per group (per cohort and group), in order of appearance.

    A block made only of missing-value counts (sex not recorded, in a table split by sex) would
    be an empty column: those counts are given in the footnotes instead.
    """
    blocks: dict[tuple, dict] = {}
    for r in body:
        if is_missing_row(r):
            continue
        block = blocks.setdefault(
            _block_key(r, several_cohorts),
            {"group_variable": r["group_variable"], "main": set(), "ci": [], "rank": False},
        )
        if r["statistic"] == "rank":
            block["rank"] = True
            continue
        block["main"].add(r["statistic"])
        if r["statistic"] in ("proportion", MISSING_BOUNDS) or not is_missing(r["ci_low"]):
            label = ci_label(r["method"])
            if label not in block["ci"]:
                block["ci"].append(label)
    if not blocks:
        blocks[(None, None)] = {"group_variable": pd.NA, "main": set(), "ci": [], "rank": False}
    return blocks


def _header(blocks: dict[tuple, dict]) -> list[str]:
    header = ["Variable", "Level"]
    for key, block in blocks.items():
        heading = _block_heading(key, block["group_variable"])
        if block["main"] or not block["rank"]:
            if "proportion" in block["main"] or not block["main"]:
                header.append(f"{heading}: n/N (%)")
            elif block["main"] == {"count"}:
                header.append(f"{heading}: n")
            elif block["main"] == {MISSING_BOUNDS}:
                header.append(f"{heading}: complete-case %")
            else:
                header.append(f"{heading}: estimate")
            if block["ci"]:
                label = block["ci"][0] if len(block["ci"]) == 1 else "CI"
                header.append(f"{heading}: {label}")
        if block["rank"]:
            header.append(f"{heading}: rank")
    return header


def _cells(body: list, blocks: dict, several_cohorts: bool, output: str) -> dict:
    """{row key: {block key: {"estimate" or "rank": row}}} for the rows shown in the body."""
    cells: dict[tuple, dict[tuple, dict]] = {}
    for r in body:
        key = _block_key(r, several_cohorts)
        if key not in blocks:
            continue  # a missing-value count outside every block: footnoted instead
        if r["statistic"] == "rank":
            kind = "rank"
        elif r["statistic"] in SUMMARY_LINES:
            kind = str(r["statistic"])  # a summary line shows several statistics
        else:
            kind = "estimate"
        by_statistic = cells.setdefault(_row_key(r), {}).setdefault(key, {})
        if kind in by_statistic:
            raise TableError(
                f"output {output!r}: two rows fill the same cell ({row_place(r)}; statistics "
                f"{by_statistic[kind]['statistic']!r} and {r['statistic']!r}); an analysis "
                "wrote a duplicate row"
            )
        by_statistic[kind] = r
    # Summary lines of one variable stay together in a fixed order: mean, SD, median (IQR).
    first_seen = {key[:3]: index for index, key in reversed(list(enumerate(cells)))}
    order = sorted(
        enumerate(cells),
        key=lambda item: (
            first_seen[item[1][:3]],
            -1 if item[1][3] is None else SUMMARY_LINE_ORDER.index(item[1][3]),
            item[0],
        ),
    )
    return {key: cells[key] for _, key in order}


def _methods(body: list, cells: dict) -> tuple[list[str], bool]:
    """Every distinct method, those of cells shown first, and whether rows need pointers.

    Body labels point to their method ("[2]") only when rows were computed in different ways;
    a missing-value count needs no pointer.
    """
    shown = [
        r
        for by_block in cells.values()
        for by_statistic in by_block.values()
        for r in by_statistic.values()
    ]
    methods = distinct(
        [r["method"] for r in shown if not is_missing(r["method"])]
        + [r["method"] for r in body if not is_missing(r["method"])]
    )
    per_row = [
        frozenset(
            r["method"]
            for by_statistic in by_block.values()
            for r in by_statistic.values()
            if not is_missing_row(r)
        )
        for by_block in cells.values()
    ]
    return methods, len({m for m in per_row if m}) > 1


def _row_key(row) -> tuple:
    """A body row: (variable, level, unit, summary line), with None for a missing level or
    unit and for rows that are not summaries; q1 and q3 share the median's line."""
    level = None if is_missing(row["level"]) else row["level"]
    unit = None if is_missing(row["unit"]) else row["unit"]
    return (row["variable"], level, unit, SUMMARY_LINES.get(str(row["statistic"])))


def _body_lines(cells: dict, blocks: dict, methods: list[str] | None,
                several_units: bool) -> list[list[str]]:
    """The table's lines: the variable (on its first line only), the level, then each block's
    cells. `methods` is given when labels must point to their method's footnote."""
    table_rows: list[list[str]] = []
    previous_variable = None
    for (variable, level, unit, summary_line), by_block in cells.items():
        label_variable = upper_first(variable_label(variable))
        if several_units and unit is not None:
            label_variable += f" ({unit})"
        shown_variable = label_variable if label_variable != previous_variable else ""
        previous_variable = label_variable
        line = [shown_variable, _level_text(variable, level, summary_line, by_block, methods)]
        for key, block in blocks.items():
            line += _block_cells(block, by_block.get(key, {}), cells,
                                 (variable, level, unit), summary_line, key)
        table_rows.append(line)
    return table_rows


def _level_text(variable, level, summary_line, by_block: dict, methods) -> str:
    """The level's label, the summary line's words, and pointers to the methods used."""
    level_text = upper_first(level_label(variable, level))
    statistics = {str(r["statistic"]) for bs in by_block.values() for r in bs.values()}
    if not level_text and statistics & {WITHIN_CHILD_CORRELATION}:
        level_text = upper_first(STATISTIC_LABELS[WITHIN_CHILD_CORRELATION])
    if summary_line is not None:
        words = _summary_line_text(summary_line, by_block)
        level_text = f"{level_text}: {words}" if level_text else upper_first(words)
    if methods is not None:
        used = distinct(
            r["method"]
            for by_statistic in by_block.values()
            for r in by_statistic.values()
            if not is_missing_row(r) and not is_missing(r["method"])
        )
        if used:
            level_text += " " + "".join(f"[{methods.index(m) + 1}]" for m in used)
    return level_text


def _block_cells(block: dict, by_statistic: dict, cells: dict, variable_key: tuple,
                 summary_line, key) -> list[str]:
    """One block's cells on one line: the estimate, its CI and the rank, as the block has."""
    line = []
    if block["main"]:
        if summary_line is not None:
            shown_n = _summary_n(cells, variable_key, summary_line, key)
            main, ci = _summary_cells(summary_line, by_statistic, shown_n)
        else:
            estimate = by_statistic.get("estimate")
            main, ci = estimate_cells(estimate) if estimate is not None else ("", "")
        line.append(main)
        if block["ci"]:
            line.append(ci)
    if block["rank"]:
        rank = by_statistic.get("rank")
        if rank is not None and is_suppressed(rank):
            line.append(SUPPRESSED_MARKER)
        else:
            line.append(format_rank(rank["estimate"]) if rank is not None else "")
    return line


def _footnotes(rows: pd.DataFrame, body: list, tests: list, methods: list[str],
               several_cohorts: bool) -> list[str]:
    """Methods, tests, warnings, missing counts, findings (suppression is added last)."""
    footnotes = [f"{upper_first(m)}." for m in methods]
    footnotes += [format_test(r) for r in tests]
    footnotes += [format_test(r) for r in body if not is_missing(r["p_value"])]
    footnotes += _warning_lines(body, several_cohorts)
    footnotes += [missing_note(r) for r in body if is_missing_row(r)]
    findings = distinct(
        part.strip()
        for value in rows["finding"].dropna()
        for part in str(value).split(";")
        if part.strip()
    )
    if findings:
        footnotes.append("Bears on published finding(s): " + ", ".join(findings) + ".")
    if rows.empty:
        footnotes.append("No results for this output.")
    return footnotes


def _summary_line_text(summary_line: str, by_block: dict) -> str:
    """"mean (95% CI)", "SD", "median (IQR)": the interval named from the rows' methods."""
    rows = [r for by_statistic in by_block.values() for r in by_statistic.values()]
    if summary_line == "mean":
        with_ci = [r for r in rows if not is_missing(r["ci_low"])]
        return f"mean ({ci_label(with_ci[0]['method'])})" if with_ci else "mean"
    if summary_line == "sd":
        return "SD"
    has_quartiles = any(r["statistic"] in ("q1", "q3") for r in rows)
    return MEDIAN_IQR if has_quartiles else "median"


def _summary_size(row) -> int | None:
    """The children a summary describes: its denominator, else its n."""
    for column in ("denominator", "n"):
        if row is not None and not is_missing(row[column]):
            return int(row[column])
    return None


def _summary_n(cells: dict, variable_key: tuple, summary_line: str, block) -> int | None:
    """The N to print on this summary line of `block`: on the first line that has one, and
    again on a later line only when it differs (a median on fewer children than the mean)."""
    shown = None
    for line in SUMMARY_LINE_ORDER:
        by_statistic = cells.get((*variable_key, line), {}).get(block, {})
        size = _summary_size(by_statistic.get(line))
        if line == summary_line:
            return None if size is None or size == shown else size
        if size is not None and shown is None:
            shown = size
    return None


def _summary_cells(summary_line: str, by_statistic: dict, shown_n: int | None) -> tuple[str, str]:
    """The main cell and the CI cell of a summary line: "3.1 (N = 12)" and "2.2 to 4.0"."""
    if not by_statistic:
        return "", ""
    row = by_statistic.get(summary_line)
    if row is not None and is_suppressed(row):
        return SUPPRESSED_MARKER, ""
    digits = summary_digits(next(iter(by_statistic.values())))
    if summary_line == "median":
        main = median_iqr_cell(by_statistic) if row is not None else NOT_AVAILABLE
    else:
        main = NOT_AVAILABLE if row is None else format_number(row["estimate"], digits)
    if shown_n is not None:
        main += f" (N = {shown_n})"
    ci = ""
    if summary_line == "mean" and row is not None and not is_missing(row["ci_low"]):
        ci = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
    return main, ci


def _warning_lines(body: list, several_cohorts: bool) -> list[str]:
    """Each distinct warning on an estimate row, with the rows it applies to.

    When several rows of one group share a warning (every level of an empty group), the
    group is named once instead of every row.
    """
    by_warning: dict[str, list] = {}
    for r in body:
        if not is_missing(r["warning"]):
            by_warning.setdefault(str(r["warning"]), []).append(r)
    lines = []
    for warning, rows in by_warning.items():
        groups = {(r["cohort"], r["group_variable"], r["group"]) for r in rows}
        first = rows[0]
        if len(rows) > 1 and len(groups) == 1 and not is_missing(first["group"]):
            where = [
                f"every row for {variable_label(first['group_variable'])} "
                f"{level_label(first['group_variable'], first['group'])}"
            ]
            rows = rows[:1]
        else:
            where = [row_place(r) for r in rows]
        if several_cohorts:
            where = [f"{r['cohort']}: {w}" for r, w in zip(rows, where, strict=True)]
        where = distinct(where)
        lines.append(f"Warning: {lower_first(warning)} ({'; '.join(where)}).")
    return lines
