"""Render one output of the results table as a table: CSV (unrounded), Markdown and HTML.

No statistics are computed here. This module is the one place where numbers become text:
every percentage, interval, p-value and label a reader sees is formatted by the `format_*`
functions and label look-ups below, which the figures reuse for their captions.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tahsb_analysis.codebook import load_codebook
from tahsb_analysis.groups import DUAL_SUBGROUP_LABELS, HSB_GROUP_LABELS

SYNTHETIC_BANNER = "SYNTHETIC DATA: describes no real child"
MISSING_PREFIX = "missing: "
NOT_AVAILABLE = "n/a"
ALL_GROUPS = "All"

# Statistics whose rows are tests (rendered as footnotes), not cells of the table body.
TEST_STATISTICS = frozenset(
    {
        "chi2",
        "fisher_exact",
        "not_tested",
        "t",
        "welch_t",
        "mann_whitney_u",
        "kruskal_wallis",
        "binomial_test",
        "z",
    }
)
# What a test's `estimate` is, in words, for the test line.
TEST_STATISTIC_NAMES = {
    "chi2": "chi-squared",
    "t": "t",
    "welch_t": "t",
    "mann_whitney_u": "U",
    "kruskal_wallis": "H",
    "z": "z",
}

OUTPUT_TITLES = {
    "prevalence_overall": "HSB groups among all children assessed",
    "prevalence_by_sex": "HSB groups by sex",
    "prevalence_by_age_band": "HSB groups by age band",
    "prevalence_by_learning_disability": "HSB groups by learning disability recorded",
    "ta_hsb_types": "Forms of TA-HSB",
    "ta_hsb_forms_per_child": "Number of forms of TA-HSB per child",
    "ta_hsb_aimed_at_other": "TA-HSB aimed at another person",
    "dual_subgroups": "Sub-groups of children with dual HSB",
}

# Labels for derived variables; codebook fields fall back to their codebook title.
VARIABLE_LABELS = {
    "hsb_group": "HSB group",
    "any_ta_hsb": "any TA-HSB",
    "ta_hsb_type": "form of TA-HSB",
    "behaviour_type": "form of HSB",
    "n_ta_hsb_types": "number of forms of TA-HSB",
    "aimed_at_other": "aimed at another person",
    "dual_subgroup": "dual sub-group",
    "sex": "sex",
    "age_band": "age band",
    "learning_disability": "learning disability recorded",
    "population": "population",
}
POPULATION_LABELS = {
    "all": "all children assessed",
    "any_ta_hsb": "children with any TA-HSB",
    "in_depth_sample": "in-depth sample",
    "any_online_behaviour": "children with any online behaviour coded",
}
UNIT_SINGULAR = {"children": "child", "behaviours": "behaviour", "years": "year"}


class TableError(ValueError):
    """An output cannot be rendered (e.g. it is not in the results table)."""


@dataclass(frozen=True)
class RenderedTable:
    """One output as display strings, ready for Markdown or HTML.

    `header` names every column; each entry of `rows` has one string per column. Footnotes are
    numbered from 1 in the order given; body labels refer to method footnotes as "[k]" when a
    table uses more than one method.
    """

    title: str
    header: list[str]
    rows: list[list[str]]
    footnotes: list[str] = field(default_factory=list)
    synthetic: bool = False
    output: str = ""


# --- formatting: the only place numbers become text -------------------------------------------


def _is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value: float, digits: int) -> Decimal:
    """`value` rounded as a reader would by hand (0.125 -> 0.13), via its shortest repr."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def format_number(value, digits: int = 1) -> str:
    """A number with `digits` decimal places; "n/a" when missing."""
    if _is_missing(value) or not math.isfinite(float(value)):
        return NOT_AVAILABLE
    rounded = round_half_up(value, digits)
    return str(abs(rounded) if rounded == 0 else rounded)  # never "-0.0"


def format_percent(proportion, digits: int = 1, sign: bool = True) -> str:
    """A proportion (0-1) as a percentage: 0.3 -> "30.0%"."""
    if _is_missing(proportion):
        return NOT_AVAILABLE
    text = format_number(float(proportion) * 100, digits)
    return f"{text}%" if sign else text


def format_ci(low, high, *, percent: bool = True, digits: int = 1) -> str:
    """Confidence limits as "10.8 to 60.3" (percentages when `percent`); "n/a" when missing."""
    if _is_missing(low) or _is_missing(high):
        return NOT_AVAILABLE
    if percent:
        return f"{format_percent(low, digits, sign=False)} to {format_percent(high, digits, False)}"
    return f"{format_number(low, digits)} to {format_number(high, digits)}"


def format_share(n, denominator, proportion, digits: int = 1) -> str:
    """"3/10 (30.0%)"; "0/0 (n/a)" for an empty denominator."""
    n_text = NOT_AVAILABLE if _is_missing(n) else str(int(n))
    d_text = NOT_AVAILABLE if _is_missing(denominator) else str(int(denominator))
    return f"{n_text}/{d_text} ({format_percent(proportion, digits)})"


def format_p_value(p) -> str:
    """"p < 0.001" below 0.001, otherwise "p = 0.043" (three decimals)."""
    if _is_missing(p):
        return "p not computed"
    if float(p) < 0.001:
        return "p < 0.001"
    return f"p = {format_number(p, 3)}"


def format_rank(rank) -> str:
    """A rank: "1", or "2.5" for a tie."""
    if _is_missing(rank):
        return NOT_AVAILABLE
    value = float(rank)
    return str(int(value)) if value.is_integer() else format_number(value, 1)


def ci_label(method) -> str:
    """The interval's name from the method text: "Wilson 95% CI" -> "95% CI"; else "CI"."""
    if _is_missing(method):
        return "CI"
    match = re.search(r"(\d+(?:\.\d+)?)\s*%\s*(?:CI|confidence)", str(method), re.IGNORECASE)
    return f"{match.group(1)}% CI" if match else "CI"


# --- labels --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _codebook_labels() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Field titles and category labels from the packaged codebook."""
    codebook = load_codebook()
    titles: dict[str, str] = {}
    categories: dict[str, dict[str, str]] = {}
    for table in codebook.tables.values():
        for fld in table.fields:
            titles.setdefault(fld.name, _lower_first(fld.title))
            if fld.is_categorical:
                categories.setdefault(fld.name, {c.value: c.label for c in fld.categories})
    behaviour_labels = codebook.behaviour_labels()
    categories["ta_hsb_type"] = behaviour_labels
    categories["behaviour_type"] = behaviour_labels
    return titles, categories


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym ("Sex" -> "sex", "HSB" stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fallback(code: str) -> str:
    return str(code).replace("_", " ")


def variable_label(variable) -> str:
    """A variable's name in words, lower case: "hsb_group" -> "HSB group"."""
    if _is_missing(variable):
        return ""
    if variable in VARIABLE_LABELS:
        return VARIABLE_LABELS[variable]
    titles, _ = _codebook_labels()
    return titles.get(variable, _fallback(variable))


def level_label(variable, level) -> str:
    """A level's label given its variable: ("hsb_group", "dual") -> "dual (TA-HSB and ...)".

    Missing-value levels ("missing: not recorded") read "missing: not recorded"; unknown codes
    read as the code with underscores as spaces.
    """
    if _is_missing(level):
        return ""
    level = str(level)
    if level.startswith(MISSING_PREFIX):
        return level
    if variable == "hsb_group":
        return HSB_GROUP_LABELS.get(level, _fallback(level))
    if variable == "dual_subgroup":
        return DUAL_SUBGROUP_LABELS.get(level, _fallback(level))
    if variable == "population":
        return POPULATION_LABELS.get(level, _fallback(level))
    _, categories = _codebook_labels()
    return categories.get(variable, {}).get(level, _fallback(level))


def group_label(group_variable, group) -> str:
    """A column block's heading: the group's label, or "All" for the whole population."""
    if _is_missing(group):
        return ALL_GROUPS
    return _upper_first(level_label(group_variable, group))


def output_title(output: str) -> str:
    return OUTPUT_TITLES.get(output, _upper_first(_fallback(output)))


def unit_word(unit, count) -> str:
    """"children" / "child" to agree with `count`."""
    if _is_missing(unit):
        return ""
    if not _is_missing(count) and int(count) == 1:
        return UNIT_SINGULAR.get(str(unit), str(unit))
    return str(unit)


# --- the table -----------------------------------------------------------------------------


def output_rows(results: pd.DataFrame, output: str) -> pd.DataFrame:
    """The rows of `results` that belong to `output`, in their original order."""
    return results[results["output"].eq(output).fillna(False).to_numpy(dtype=bool)]


def _is_test(row) -> bool:
    return row["statistic"] in TEST_STATISTICS


def _is_missing_row(row) -> bool:
    return not _is_missing(row["level"]) and str(row["level"]).startswith(MISSING_PREFIX)


def _block_key(row, several_cohorts: bool) -> tuple:
    group = None if _is_missing(row["group"]) else str(row["group"])
    cohort = str(row["cohort"]) if several_cohorts else None
    return (cohort, group)


def _block_heading(key: tuple, group_variable) -> str:
    cohort, group = key
    label = group_label(group_variable, group)
    return f"{cohort}: {label}" if cohort is not None else label


def render_table(results: pd.DataFrame, output: str) -> RenderedTable:
    """Lay out one output of the results table as display strings.

    Body rows are the (variable, level, unit) combinations in order of appearance; each group
    (or "All" when the row has no group) gets a column block with "n/N (%)" and the CI, plus a
    rank column when the output ranks levels. Tests, methods, warnings and missing-value counts
    become footnotes. Raises TableError when `output` has no rows and is not a known output, or
    when two rows would fill the same cell.
    """
    rows = output_rows(results, output)
    if rows.empty and output not in OUTPUT_TITLES:
        present = sorted(results["output"].dropna().unique().tolist())
        raise TableError(
            f"the results table has no rows for output {output!r}; outputs present: {present}"
        )
    source = rows if len(rows) else results
    synthetic = bool(source["synthetic"].fillna(False).any())
    records = [row for _, row in rows.iterrows()]
    body = [r for r in records if not _is_test(r)]
    tests = [r for r in records if _is_test(r)]
    several_cohorts = rows["cohort"].nunique() > 1
    several_units = len({r["unit"] for r in body if not _is_missing(r["unit"])}) > 1

    blocks = _column_blocks(body, several_cohorts)
    cells = _cells(body, blocks, several_cohorts, output)
    methods, mark_methods = _methods(body, cells)

    table_rows: list[list[str]] = []
    previous_variable = None
    for (variable, level, unit), by_block in cells.items():
        label_variable = _upper_first(variable_label(variable))
        if several_units and unit is not None:
            label_variable += f" ({unit})"
        shown_variable = label_variable if label_variable != previous_variable else ""
        previous_variable = label_variable
        level_text = _upper_first(level_label(variable, level))
        if mark_methods:
            used = _distinct(
                r["method"]
                for by_statistic in by_block.values()
                for r in by_statistic.values()
                if not _is_missing_row(r) and not _is_missing(r["method"])
            )
            if used:
                level_text += " " + "".join(f"[{methods.index(m) + 1}]" for m in used)
        line = [shown_variable, level_text]
        for key, block in blocks.items():
            by_statistic = by_block.get(key, {})
            if block["main"]:
                estimate = by_statistic.get("estimate")
                main, ci = _estimate_cells(estimate) if estimate is not None else ("", "")
                line.append(main)
                if block["ci"]:
                    line.append(ci)
            if block["rank"]:
                rank = by_statistic.get("rank")
                line.append(format_rank(rank["estimate"]) if rank is not None else "")
        table_rows.append(line)

    footnotes = [f"{_upper_first(m)}." for m in methods]
    footnotes += [_test_line(r) for r in tests]
    footnotes += [_test_line(r) for r in body if not _is_missing(r["p_value"])]
    footnotes += _warning_lines(body, several_cohorts)
    footnotes += [missing_note(r) for r in body if _is_missing_row(r)]
    findings = _distinct(
        part.strip()
        for value in rows["finding"].dropna()
        for part in str(value).split(";")
        if part.strip()
    )
    if findings:
        footnotes.append("Bears on published finding(s): " + ", ".join(findings) + ".")
    if rows.empty:
        footnotes.append("No results for this output.")

    cohorts = _distinct(str(c) for c in rows["cohort"].dropna())
    title = output_title(output)
    if cohorts:
        title += f" (cohort {', '.join(cohorts)})"
    return RenderedTable(
        title=title,
        header=_header(blocks),
        rows=table_rows,
        footnotes=footnotes,
        synthetic=synthetic,
        output=output,
    )


def _column_blocks(body: list, several_cohorts: bool) -> dict[tuple, dict]:
    """One block of columns per group (per cohort and group), in order of appearance.

    A block made only of missing-value counts (sex not recorded, in a table split by sex) would
    be an empty column: those counts are given in the footnotes instead.
    """
    blocks: dict[tuple, dict] = {}
    for r in body:
        if _is_missing_row(r):
            continue
        block = blocks.setdefault(
            _block_key(r, several_cohorts),
            {"group_variable": r["group_variable"], "main": set(), "ci": [], "rank": False},
        )
        if r["statistic"] == "rank":
            block["rank"] = True
            continue
        block["main"].add(r["statistic"])
        if r["statistic"] == "proportion" or not _is_missing(r["ci_low"]):
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
        kind = "rank" if r["statistic"] == "rank" else "estimate"
        by_statistic = cells.setdefault(_row_key(r), {}).setdefault(key, {})
        if kind in by_statistic:
            raise TableError(
                f"output {output!r}: two rows fill the same cell ({_where(r)}; statistics "
                f"{by_statistic[kind]['statistic']!r} and {r['statistic']!r}); an analysis "
                "wrote a duplicate row"
            )
        by_statistic[kind] = r
    return cells


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
    methods = _distinct(
        [r["method"] for r in shown if not _is_missing(r["method"])]
        + [r["method"] for r in body if not _is_missing(r["method"])]
    )
    per_row = [
        frozenset(
            r["method"]
            for by_statistic in by_block.values()
            for r in by_statistic.values()
            if not _is_missing_row(r)
        )
        for by_block in cells.values()
    ]
    return methods, len({m for m in per_row if m}) > 1


def _row_key(row) -> tuple:
    """A body row: (variable, level, unit), with None for a missing level or unit."""
    level = None if _is_missing(row["level"]) else row["level"]
    unit = None if _is_missing(row["unit"]) else row["unit"]
    return (row["variable"], level, unit)


def _distinct(values) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _estimate_cells(row) -> tuple[str, str]:
    """The main cell and the CI cell of one estimate row."""
    statistic = row["statistic"]
    if statistic == "proportion":
        return (
            format_share(row["n"], row["denominator"], row["estimate"]),
            format_ci(row["ci_low"], row["ci_high"]),
        )
    if statistic == "count":
        count = row["n"] if not _is_missing(row["n"]) else row["estimate"]
        return (NOT_AVAILABLE if _is_missing(count) else str(int(count))), ""
    main = format_number(row["estimate"], 2 if row["unit"] != "years" else 1)
    if not _is_missing(row["denominator"]):
        main += f" (N = {int(row['denominator'])})"
    ci = (
        ""
        if _is_missing(row["ci_low"])
        else format_ci(row["ci_low"], row["ci_high"], percent=False, digits=2)
    )
    return main, ci


def _where(row) -> str:
    """Words naming a row: "HSB group: dual (...), among Male"."""
    text = _upper_first(variable_label(row["variable"]))
    if not _is_missing(row["level"]):
        text += f": {level_label(row['variable'], row['level'])}"
    if not _is_missing(row["group"]):
        group = level_label(row["group_variable"], row["group"])
        text += f", {variable_label(row['group_variable'])} {group}"
    return text


def _test_line(row) -> str:
    """One test (or a p-value on an estimate row) in words."""
    subject = variable_label(row["variable"])
    if not _is_missing(row["level"]):
        subject += f" ({level_label(row['variable'], row['level'])})"
    across = (
        f" across {variable_label(row['group_variable'])}"
        if not _is_missing(row["group_variable"])
        else ""
    )
    method = "" if _is_missing(row["method"]) else str(row["method"])
    if row["statistic"] == "not_tested":
        text = f"Test of {subject}{across}: not tested"
        if not _is_missing(row["warning"]):
            reason = str(row["warning"])
            reason = reason.removeprefix("not tested: ")
            text += f" ({reason})"
        return text + "."
    if row["statistic"] in TEST_STATISTICS:
        name = TEST_STATISTIC_NAMES.get(row["statistic"], "statistic")
        if row["statistic"] == "fisher_exact" and method.startswith("Fisher's exact test"):
            name = "odds ratio"
        # Some tests have no statistic to report (a Monte Carlo exact test): only p.
        parts = [] if _is_missing(row["estimate"]) else [
            f"{name} = {format_number(row['estimate'], 2)}"
        ]
    else:
        parts = []
    parts.append(format_p_value(row["p_value"]))
    if not _is_missing(row["p_adjusted"]):
        adjusted = format_p_value(row["p_adjusted"]).removeprefix("p ")
        parts.append(f"{row['p_adjust_method']}-adjusted p {adjusted}")
    text = f"Test of {subject}{across}: {method}: " + ", ".join(parts)
    if not _is_missing(row["warning"]):
        text += f"; {row['warning']}"
    return text + "."


def _warning_lines(body: list, several_cohorts: bool) -> list[str]:
    """Each distinct warning on an estimate row, with the rows it applies to.

    When several rows of one group share a warning (every level of an empty group), the
    group is named once instead of every row.
    """
    by_warning: dict[str, list] = {}
    for r in body:
        if not _is_missing(r["warning"]):
            by_warning.setdefault(str(r["warning"]), []).append(r)
    lines = []
    for warning, rows in by_warning.items():
        groups = {(r["cohort"], r["group_variable"], r["group"]) for r in rows}
        first = rows[0]
        if len(rows) > 1 and len(groups) == 1 and not _is_missing(first["group"]):
            where = [
                f"every row for {variable_label(first['group_variable'])} "
                f"{level_label(first['group_variable'], first['group'])}"
            ]
            rows = rows[:1]
        else:
            where = [_where(r) for r in rows]
        if several_cohorts:
            where = [f"{r['cohort']}: {w}" for r, w in zip(rows, where, strict=True)]
        where = _distinct(where)
        lines.append(f"Warning: {_lower_first(warning)} ({'; '.join(where)}).")
    return lines


def missing_note(row) -> str:
    """"Not recorded: sex for 2 children; excluded from percentages." """
    reason = _upper_first(str(row["level"]).removeprefix(MISSING_PREFIX))
    count = row["n"] if not _is_missing(row["n"]) else row["estimate"]
    count_text = NOT_AVAILABLE if _is_missing(count) else str(int(count))
    unit = unit_word(row["unit"], count) or "cases"
    text = f"{reason}: {variable_label(row['variable'])} for {count_text} {unit}"
    if not _is_missing(row["group"]):
        text += (
            f" ({variable_label(row['group_variable'])}: "
            f"{level_label(row['group_variable'], row['group'])})"
        )
    return text + "; excluded from percentages."


# --- Markdown, HTML, CSV -------------------------------------------------------------------


def _markdown_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_to_markdown(rendered: RenderedTable) -> str:
    """The table as GitHub-flavoured Markdown; the first line is the banner when synthetic."""
    lines: list[str] = []
    if rendered.synthetic:
        lines += [f"**{SYNTHETIC_BANNER}**", ""]
    lines += [f"**{_markdown_cell(rendered.title)}**", ""]
    lines.append("| " + " | ".join(_markdown_cell(h) for h in rendered.header) + " |")
    lines.append("|" + "|".join(["---", "---"] + ["---:"] * (len(rendered.header) - 2)) + "|")
    for row in rendered.rows:
        lines.append("| " + " | ".join(_markdown_cell(c) for c in row) + " |")
    if rendered.footnotes:
        lines.append("")
        lines += [
            f"{number}. {_markdown_cell(note)}"
            for number, note in enumerate(rendered.footnotes, start=1)
        ]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """\
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #000000; }
.synthetic { color: #ffffff; background: #d55e00; font-weight: bold; padding: 0.3em 0.6em;
  display: inline-block; }
table { border-collapse: collapse; margin: 0.5em 0; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { padding: 0.2em 0.6em; vertical-align: top; }
thead th { border-top: 1.5px solid #000000; border-bottom: 1px solid #000000; text-align: left; }
tbody tr:last-child td { border-bottom: 1.5px solid #000000; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
ol.footnotes { font-size: 9pt; padding-left: 1.5em; }
"""


def table_to_html(rendered: RenderedTable) -> str:
    """The table as a self-contained HTML5 page (inline style, no external resources)."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(rendered.title)}</title>",
        f"<style>\n{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
    ]
    if rendered.synthetic:
        parts.append(f'<p class="synthetic">{esc(SYNTHETIC_BANNER)}</p>')
    parts.append("<table>")
    parts.append(f"<caption>{esc(rendered.title)}</caption>")
    parts.append("<thead><tr>")
    parts += [f'<th scope="col">{esc(h)}</th>' for h in rendered.header]
    parts.append("</tr></thead>")
    parts.append("<tbody>")
    for row in rendered.rows:
        cells = [f'<th scope="row">{esc(row[0])}</th>', f"<td>{esc(row[1])}</td>"]
        cells += [f'<td class="number">{esc(c)}</td>' for c in row[2:]]
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody>")
    parts.append("</table>")
    if rendered.footnotes:
        parts.append('<ol class="footnotes">')
        parts += [f"<li>{esc(note)}</li>" for note in rendered.footnotes]
        parts.append("</ol>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def table_to_csv(results: pd.DataFrame, output: str) -> str:
    """The machine-readable table: every column of `output`'s rows, unrounded, "\\n" endings."""
    return output_rows(results, output).to_csv(index=False, lineterminator="\n")


def write_table(results: pd.DataFrame, output: str, stem: Path) -> dict[str, Path]:
    """Write `stem`.csv, `stem`.md and `stem`.html for one output; return the paths by format."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rendered = render_table(results, output)
    texts = {
        "csv": table_to_csv(results, output),
        "md": table_to_markdown(rendered),
        "html": table_to_html(rendered),
    }
    paths = {}
    for suffix, text in texts.items():
        path = stem.with_name(f"{stem.name}.{suffix}")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        paths[suffix] = path
    return paths
