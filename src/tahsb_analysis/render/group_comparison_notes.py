"""The footnotes of a group comparison (Table 1): how to read the cells, each test and effect
size, the multiplicity adjustment, warnings, missing values per group, children outside the
groups compared and the findings served.

Rows arrive as records tagged with their `kind` (share, summary, test, pair_test, effect,
missing, not_compared, other) by `group_comparison_table`.
"""

from __future__ import annotations

import re

from tahsb_analysis.render.cells import EFFECT_ABBREVIATIONS, P_ADJUSTED_HEADER
from tahsb_analysis.render.footnotes import findings_note, format_test, missing_count
from tahsb_analysis.render.labels import (
    ALL_GROUP_CODE,
    STATISTIC_LABELS,
    code_words,
    group_code,
    is_pair,
    level_label,
    lower_first,
    pair_label,
    short_group_label,
    unit_word,
    upper_first,
    variable_label,
)
from tahsb_analysis.render.numbers import NOT_AVAILABLE, ci_label, format_p_value, is_missing
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    Footnotes,
    distinct,
    is_suppressed,
)
from tahsb_analysis.vocabulary import EFFECT_STATISTICS, MISSING_PREFIX, PAIR_SEPARATOR

# How to read each effect size, in its footnote.
EFFECT_DEFINITIONS = {
    "risk_difference": "in percentage points",
    "cramers_v": "0 = no association, 1 = complete association",
    "hodges_lehmann": "in the variable's unit",
    "rank_biserial": "from -1 to 1, positive when the first group tends to have larger values",
}
_DETAIL = re.compile(r"^(?P<base>.*\S)\s*\((?P<detail>[^()]*)\)$")


def group_comparison_footnotes(records: list, groups: list[str],
                               subject: str) -> tuple[list[str], dict]:
    """Every footnote of the table, in order, and the footnote number each p cell points to:
    {("test", variable): k} for overall tests, {(pair, variable): k} for pairwise ones.
    `subject` is what the rows describe ("characteristic", "response")."""
    footnotes = Footnotes()
    note = footnotes.note
    note(_layout_note(records, subject))
    for method in distinct(
        str(r["method"])
        for r in records
        if r["kind"] in ("share", "summary", "other") and not is_missing(r["method"])
    ):
        note(f"{upper_first(method)}.")
    pointers = _test_notes(records, "test", note)
    _adjustment_notes(records, note)
    for statistic in EFFECT_STATISTICS:
        effects = [r for r in records if r["kind"] == "effect" and r["statistic"] == statistic]
        if effects:
            note(_effect_note(statistic, effects))
    pointers.update(_test_notes(records, "pair_test", note))
    for text in _secondary_test_notes(records):
        note(text)
    for text in _warning_notes(records):
        note(text)
    for text in _missing_notes(records, groups):
        note(text)
    for text in _not_compared_notes(records):
        note(text)
    findings = findings_note(records)
    if findings:
        note(findings)
    return footnotes.texts, pointers


def _secondary_test_notes(records: list) -> list[str]:
    """One line per variable whose nominal tests are kept beside its ordered (primary) tests:
    "Secondary tests, categories unordered (not adjusted; the ordered tests are primary):
    stability of the family: across the groups p = 0.180; TA-HSB only vs dual p = 0.052." """
    by_variable: dict[str, list[str]] = {}
    for r in records:
        if r["kind"] != "secondary_test":
            continue
        where = pair_label(str(r["group"])) if is_pair(r["group"]) else "across the groups"
        value = SUPPRESSED_MARKER if is_suppressed(r) else format_p_value(r["p_value"])
        test = STATISTIC_LABELS.get(str(r["statistic"]), code_words(str(r["statistic"])))
        by_variable.setdefault(str(r["variable"]), []).append(f"{where} {value} ({test})")
    return [
        "Secondary tests with the categories treated as unordered (not in the multiplicity "
        f"adjustment; the ordered tests are primary): {variable_label(variable)}: "
        + "; ".join(parts) + "."
        for variable, parts in by_variable.items()
    ]


def _effect_note(statistic: str, effects: list) -> str:
    """"RD: risk difference ..., Newcombe ... 95% CI; in percentage points." """
    methods = distinct(str(r["method"]) for r in effects if not is_missing(r["method"]))
    described = "; ".join(methods) or STATISTIC_LABELS.get(statistic, code_words(statistic))
    abbreviation = EFFECT_ABBREVIATIONS.get(statistic, code_words(statistic))
    definition = EFFECT_DEFINITIONS.get(statistic)
    return f"{abbreviation}: {described}" + (f"; {definition}." if definition else ".")


def _layout_note(records: list, subject: str = "characteristic") -> str:
    """How to read the cells, with the intervals named from the rows' methods."""
    shares = [r for r in records if r["kind"] == "share"]
    summaries = [r for r in records if r["kind"] == "summary"]
    means = [r for r in summaries if r["statistic"] == "mean" and not is_missing(r["ci_low"])]
    parts = []
    if shares:
        parts.append(
            f"n/N (%) [{ci_label(shares[0]['method'])}], N = children with the "
            f"{subject} recorded"
        )
    if summaries:
        units = distinct(str(r["unit"]) for r in summaries if not is_missing(r["unit"]))
        text = "median (IQR: 25th to 75th percentile) and mean (SD)"
        if means:
            text += f" [{ci_label(means[0]['method'])} of the mean]"
        parts.append(text + (f" in {', '.join(units)}" if units else ""))
    parts.append("p: test across the groups")
    references = distinct(
        pair_label(str(r["group"]).split(PAIR_SEPARATOR)[0])
        for r in records
        if r["kind"] in ("effect", "pair_test")
    )
    if references:
        parts.append(
            f"pairwise columns compare {' and '.join(references)} (first) with each other group "
            "(second): effect size (CI) and the comparison's adjusted p"
        )
    return "Cells: " + "; ".join(parts) + "."


def _test_notes(records: list, kind: str, note) -> dict:
    """A footnote per test method (naming the variables it tested) and each untested
    comparison with its reason; returns the footnote number of each test:
    {("test", variable): k} for overall tests, {(pair, variable): k} for pairwise ones.
    """
    tests = [r for r in records if r["kind"] == kind]
    pointers: dict = {}
    for method in distinct(str(r["method"]) for r in tests if r["statistic"] != "not_tested"):
        used = [r for r in tests if str(r["method"]) == method and r["statistic"] != "not_tested"]
        variables = ", ".join(distinct(variable_label(r["variable"]) for r in used))
        if kind == "test":
            prefix = "p"
        else:
            prefix = f"Pairwise p ({', '.join(distinct(pair_label(r['group']) for r in used))})"
        number = note(f"{prefix}: {method}; {variables}.")
        for r in used:
            pointers[pointer_key(r)] = number
    for r in tests:
        if r["statistic"] == "not_tested":
            text = format_test(r)
            if kind == "pair_test":
                text = text.replace(" across HSB group:", f" ({pair_label(r['group'])}):", 1)
            pointers[pointer_key(r)] = note(text)
    return pointers


def pointer_key(row) -> tuple:
    """Where a test's footnote number is kept: ("test", variable) or (pair, variable)."""
    variable = str(row["variable"])
    return ("test", variable) if row["kind"] == "test" else (str(row["group"]), variable)


def _adjustment_notes(records: list, note) -> None:
    """"p adj.: Holm adjustment within the report section's family (...)." per method: the
    family is the section's tests (results.multiplicity), not this table's."""
    tested = [r for r in records if not is_missing(r["p_value"])]
    adjusted = [r for r in records if not is_missing(r["p_adjusted"])]
    for method in distinct(str(r["p_adjust_method"]) for r in adjusted):
        family = [r for r in adjusted if str(r["p_adjust_method"]) == method]
        overall = sum(r["kind"] == "test" for r in family)
        pairwise = sum(r["kind"] == "pair_test" for r in family)
        note(
            f"{P_ADJUSTED_HEADER}: {method} adjustment over the tests of this report section "
            f"(one family per section; a test shown twice counts once); {len(family)} of the "
            f"{len(tested)} p-values in this table ({overall} overall and {pairwise} pairwise)."
        )
    if tested and not adjusted:
        note(f"{P_ADJUSTED_HEADER}: no multiplicity adjustment was applied.")


def _warning_notes(records: list) -> list[str]:
    """Each kind of warning once, with the rows it concerns.

    A trailing detail in brackets ("expected count below 5 (minimum 4.05)") moves to the row it
    belongs to, so one footnote lists every exact test; a whole group is named once when every
    row of it has the warning. Untested comparisons are left out: their footnote gives the
    reason.
    """
    flagged: dict[str, list[tuple]] = {}
    for r in records:
        if is_missing(r["warning"]) or r["statistic"] == "not_tested":
            continue
        match = _DETAIL.match(str(r["warning"]))
        base, detail = (match["base"], match["detail"]) if match else (str(r["warning"]), "")
        flagged.setdefault(base, []).append((r, detail))
    notes = []
    for warning, flagged_rows in flagged.items():
        whole = _whole_groups(records, flagged_rows)
        where: list[str] = []
        for r, detail in flagged_rows:
            group = group_code(r["group"])
            if group in whole:
                where.append(f"every row for {short_group_label(group)}")
                continue
            text = _row_place(r)
            where.append(f"{text}: {detail}" if detail else text)
        notes.append(f"Warning: {lower_first(warning)} ({'; '.join(distinct(where))}).")
    return notes


def _whole_groups(records: list, flagged_rows: list[tuple]) -> set[str]:
    """Groups (not "all") every row of which has the warning with the same detail."""
    whole = set()
    for group in distinct(group_code(r["group"]) for r, _ in flagged_rows):
        mine = [(r, d) for r, d in flagged_rows if group_code(r["group"]) == group]
        group_rows = [r for r in records if group_code(r["group"]) == group
                      and r["kind"] != "missing"]
        if (len(mine) > 1 and len(mine) == len(group_rows) and group != ALL_GROUP_CODE
                and len({d for _, d in mine}) == 1):
            whole.add(group)
    return whole


def _row_place(row) -> str:
    """"Stability of the family: stable, dual"; a test is named by its comparison."""
    text = upper_first(variable_label(row["variable"]))
    if not is_missing(row["level"]) and row["kind"] not in ("effect", "pair_test"):
        text += f": {level_label(row['variable'], row['level'])}"
    if row["kind"] == "test":
        return text + ", test across the groups"
    if row["kind"] == "pair_test":
        return text + f", {pair_label(row['group'])}"
    if row["kind"] == "effect":
        name = STATISTIC_LABELS.get(row["statistic"], code_words(row["statistic"]))
        return text + f", {pair_label(row['group'])} ({name})"
    if row["kind"] == "summary":
        name = STATISTIC_LABELS.get(row["statistic"], code_words(row["statistic"]))
        return text + f", {name}, {short_group_label(group_code(row['group']))}"
    return text + f", {short_group_label(group_code(row['group']))}"


def _missing_notes(records: list, groups: list[str]) -> list[str]:
    """"Not recorded: stability of the family for TA-HSB only 1, dual 3, all 4 children; ..."

    One note per variable and reason; groups with none missing are not listed.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}
    units: dict[tuple[str, str], str] = {}
    for r in records:
        if r["kind"] != "missing":
            continue
        count = missing_count(r)
        if is_missing(count) or int(count) == 0:
            continue
        key = (str(r["variable"]), str(r["level"]).removeprefix(MISSING_PREFIX))
        by_group = counts.setdefault(key, {})
        group = group_code(r["group"])
        by_group[group] = by_group.get(group, 0) + int(count)
        units.setdefault(key, "" if is_missing(r["unit"]) else str(r["unit"]))
    notes = []
    for (variable, reason), by_group in counts.items():
        order = [g for g in groups if g in by_group] + [g for g in by_group if g not in groups]
        parts = ", ".join(f"{short_group_label(g)} {by_group[g]}" for g in order)
        unit = units[(variable, reason)] or "cases"
        notes.append(
            f"{upper_first(reason)}: {variable_label(variable)}, {unit} by group: {parts}; "
            "excluded from percentages and summaries."
        )
    return notes


def _not_compared_notes(records: list) -> list[str]:
    """"Not recorded: HSB group for 2 children (in-depth sample); not compared." """
    notes = []
    for r in records:
        if r["kind"] != "not_compared":
            continue
        count = missing_count(r)
        count_text = NOT_AVAILABLE if is_missing(count) else str(int(count))
        reason = upper_first(str(r["level"]).removeprefix(MISSING_PREFIX))
        where = (
            "" if is_missing(r["group"])
            else f" ({level_label(r['group_variable'], r['group'])})"
        )
        notes.append(
            f"{reason}: {variable_label(r['variable'])} for {count_text} "
            f"{unit_word(r['unit'], count) or 'cases'}{where}; not in any group compared."
        )
    return notes
