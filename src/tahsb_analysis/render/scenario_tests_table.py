"""Lay out the missing-data sensitivity analysis of a group comparison's tests: one line per
variable and comparison, the primary (complete-case) p-value next to the p-values with every
value "not recorded" counted as each level.

A reader asks one question of these rows: could the unrecorded values have changed the
conclusion? So each line also gives the range of the scenario p-values and whether any of them
falls on the other side of the 5% level from the primary p. Nothing is computed here but that
comparison of numbers already in the rows (`analyses.sensitivity.missing_scenario_tests`).
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.analyses.sensitivity import SCENARIO_PREFIX
from tahsb_analysis.render.labels import level_label, pair_label, upper_first, variable_label
from tahsb_analysis.render.numbers import format_p_cell, is_missing
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    Footnotes,
    RenderedTable,
    distinct,
    finish_table,
    is_suppressed,
    is_test,
    output_rows,
    refuse_several_cohorts,
)
from tahsb_analysis.vocabulary import SECONDARY_TEST, SENSITIVITY_ANALYSIS

# The level at which "the conclusion" is read: the unadjusted two-sided 5% level of the
# primary table's p column (the scenarios change one variable, not the family).
CONCLUSION_LEVEL = 0.05
ALL_GROUPS = "all groups"
HEADER = ["Variable", "Comparison", "Primary p (complete case)",
          "p with not recorded counted as ...", "Range of p", "Conclusion at 5%"]
READING_NOTE = (
    "Sensitivity analysis of missing data: each test of the primary comparison rerun with every "
    "value not recorded counted as one level, once per level (for a yes/no variable: all yes, "
    "then all no). \"Unchanged\" means every scenario's p falls on the same side of 0.05 as the "
    "primary p; p-values are not adjusted for multiplicity (the primary table's are)."
)


def render_scenario_tests(results: pd.DataFrame, output: str) -> RenderedTable:
    """Lay out `output`'s scenario tests against the primary tests of its analysis's table.

    The primary rows are those of the output named like the rows' analysis (characteristics,
    responses) with the same variable and comparison; a primary test that is itself a
    secondary test is not shown. Suppressed rows read "[c]"; a conclusion is not drawn from a
    suppressed or missing p-value.
    """
    rows = output_rows(results, output)
    refuse_several_cohorts(rows, output)
    tests = [row for _, row in rows.iterrows() if is_test(row)]
    footnotes = Footnotes()
    footnotes.note(READING_NOTE)
    for method in distinct(_test_name(row["method"]) for row in tests):
        footnotes.note(f"Tests: {method}.")
    primary = _primary_tests(results, rows)
    lines = []
    for (variable, group), scenario_rows in _by_comparison(tests).items():
        lines.append(_line(variable, group, scenario_rows, primary.get((variable, group))))
    if not lines:
        footnotes.note("No value of a compared variable was not recorded: nothing to rerun.")
    return finish_table(rows, output, HEADER, lines, footnotes.texts, source=results)


def _by_comparison(tests: list) -> dict[tuple[str, str], list]:
    grouped: dict[tuple[str, str], list] = {}
    for row in tests:
        grouped.setdefault((str(row["variable"]), _comparison(row["group"])), []).append(row)
    return grouped


def _comparison(group) -> str:
    return ALL_GROUPS if is_missing(group) else str(group)


def _primary_tests(results: pd.DataFrame, rows: pd.DataFrame) -> dict[tuple[str, str], object]:
    analyses = distinct(str(a) for a in rows["analysis"].dropna())
    primary = {}
    for analysis in analyses:
        for _, row in output_rows(results, analysis).iterrows():
            method = "" if is_missing(row["method"]) else str(row["method"])
            if not is_test(row) or SECONDARY_TEST in method:
                continue
            primary[(str(row["variable"]), _comparison(row["group"]))] = row
    return primary


def _line(variable: str, group: str, scenario_rows: list, primary) -> list[str]:
    scenario_cells = "; ".join(
        f"{level_label(variable, _scenario_level(row))} {_p_cell(row)}" for row in scenario_rows
    )
    p_values = [float(row["p_value"]) for row in scenario_rows if _usable(row)]
    span = (f"{format_p_cell(min(p_values))} to {format_p_cell(max(p_values))}"
            if p_values else SUPPRESSED_MARKER)
    return [
        upper_first(variable_label(variable)),
        "All groups" if group == ALL_GROUPS else pair_label(group),
        _p_cell(primary) if primary is not None else "n/a",
        scenario_cells,
        span,
        _conclusion(primary, scenario_rows),
    ]


def _scenario_level(row) -> str:
    return str(row["level"]).removeprefix(SCENARIO_PREFIX)


def _usable(row) -> bool:
    return row is not None and not is_suppressed(row) and not is_missing(row["p_value"])


def _p_cell(row) -> str:
    return SUPPRESSED_MARKER if is_suppressed(row) else format_p_cell(row["p_value"])


def _conclusion(primary, scenario_rows: list) -> str:
    if not _usable(primary) or not all(_usable(row) for row in scenario_rows):
        return "not assessed"
    significant = float(primary["p_value"]) < CONCLUSION_LEVEL
    changed = any((float(row["p_value"]) < CONCLUSION_LEVEL) != significant
                  for row in scenario_rows)
    return "changes" if changed else "unchanged"


def _test_name(method) -> str:
    text = "" if is_missing(method) else str(method)
    text = text.removeprefix(f"{SENSITIVITY_ANALYSIS}: ")
    return text.split(", every value not recorded")[0]
