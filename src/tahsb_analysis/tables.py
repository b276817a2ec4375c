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
from tahsb_analysis.results import RELEASED, SUPPRESSED
from tahsb_analysis.spreadsheet import to_csv_neutralised

SYNTHETIC_BANNER = "SYNTHETIC DATA: describes no real child"
# Every output says which tier it belongs to (results.py: a row is "not checked" until the
# disclosure gate marks it): internal outputs must never be mistaken for releasable ones.
INTERNAL_BANNER = "INTERNAL: not checked for release"
RELEASE_BANNER = "Checked for release: disclosure control applied"
INTERNAL_TIER = "internal"
RELEASE_TIER = "release"
# A value hidden by the disclosure gate (the ONS convention "[c]": confidential).
SUPPRESSED_MARKER = "[c]"
SUPPRESSED_NOTE = (
    f"{SUPPRESSED_MARKER} Suppressed by disclosure control: a count below the policy's threshold,"
    " a count that would reveal one through a total, or a statistic computed from one; the"
    " release manifest lists each suppressed cell and its reason."
)
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
        "anova",
        "binomial_test",
        "wilcoxon",
        "sign_test",
        "z",
    }
)
# Tests of one group against a fixed value (a share against 0.5, a paired difference against
# 0): their footnote names the group tested instead of "across" a grouping variable.
ONE_SAMPLE_TESTS = frozenset({"binomial_test", "wilcoxon", "sign_test"})
# What a test's `estimate` is, in words, for the test line.
TEST_STATISTIC_NAMES = {
    "chi2": "chi-squared",
    "t": "t",
    "welch_t": "t",
    "mann_whitney_u": "U",
    "kruskal_wallis": "H",
    "anova": "F",
    "z": "z",
}
# Every statistic of the results vocabulary in words (tests, effect sizes, summaries).
STATISTIC_LABELS = {
    "proportion": "proportion",
    "count": "count",
    "rank": "rank",
    "mean": "mean",
    "sd": "standard deviation",
    "median": "median",
    "q1": "25th percentile",
    "q3": "75th percentile",
    "chi2": "chi-squared test",
    "fisher_exact": "Fisher's exact test",
    "not_tested": "not tested",
    "t": "t-test",
    "welch_t": "Welch's t-test",
    "mann_whitney_u": "Mann-Whitney U test",
    "kruskal_wallis": "Kruskal-Wallis test",
    "anova": "one-way ANOVA",
    "binomial_test": "binomial test",
    "wilcoxon": "Wilcoxon signed-rank test",
    "sign_test": "sign test",
    "z": "z-test",
    "risk_difference": "risk difference",
    "cramers_v": "Cramér's V",
    "hodges_lehmann": "Hodges-Lehmann estimate",
    "rank_biserial": "rank-biserial correlation",
    "odds_ratio": "odds ratio",
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
    "characteristics": "Backgrounds and characteristics by HSB group",
    "onset_order": "Which came first: offline HSB or TA-HSB (dual children)",
    "porn_trigger": "Pornography identified as a trigger for offline HSB (dual children)",
    "onset_gap": "Years from first offline HSB to other TA-HSB",
    "first_hsb_age_by_group": "Age at first HSB by group",
    "trajectories": "First and later behaviour (dual children)",
    "responses": "Professional responses by HSB group",
    "response_models": (
        "Adjusted odds ratios of professional responses (reference: offline HSB only)"
    ),
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
    "onset_order": "which came first",
    "trajectory": "first and later behaviour",
    "onset_gap": "years from first offline HSB to first other TA-HSB",
    "sex": "sex",
    "age_band": "age band",
    "learning_disability": "learning disability recorded",
    "population": "population",
    # Binary cuts of the ordered responses, modelled as outcomes (finding S1-S2).
    "social_care_section_47": "section 47 (significant harm) vs lower",
    "cj_out_of_court_or_court": "out-of-court disposal or court order",
}
POPULATION_LABELS = {
    "all": "all children assessed",
    "any_ta_hsb": "children with any TA-HSB",
    "in_depth_sample": "in-depth sample",
    "any_online_behaviour": "children with any online behaviour coded",
}
# Groups of the links analyses (L1-L3): the R5 sub-groups and all dual children together.
DUAL_GROUP_LABELS = {**DUAL_SUBGROUP_LABELS, "all_dual": "all dual children"}
ONSET_ORDER_LABELS = {
    "offline_first": "offline HSB first",
    "online_first": "TA-HSB first",
    "same_year": "both in the same year",
}
# The kinds of behaviour a trajectory level is made of ("offline -> other_ta").
BEHAVIOUR_KINDS = ("offline", "pornography", "other_ta")
BEHAVIOUR_KIND_LABELS = {
    "offline": "offline HSB",
    "pornography": "inappropriate pornography use",
    "other_ta": "other TA-HSB",
    "online": "TA-HSB",
}
TRAJECTORY_STEP = " -> "
TRAJECTORY_TIE = " + "
SAME_YEAR = "(same year)"
UNIT_SINGULAR = {"children": "child", "behaviours": "behaviour", "years": "year"}
# Short HSB group names for column headings and pairwise comparisons ("TA-HSB only vs dual").
SHORT_GROUP_LABELS = {
    "ta_only": "TA-HSB only",
    "dual": "dual",
    "offline_only": "offline only",
    "neither": "no HSB recorded",
    "all": "all",
}
PAIR_SEPARATOR = " vs "


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
    tier: str = INTERNAL_TIER


# --- formatting: the only place numbers become text -------------------------------------------


def tier_of(results: pd.DataFrame) -> str:
    """"release" only when every row has been through the disclosure gate, else "internal"."""
    if "disclosure" not in results.columns or not len(results):
        return INTERNAL_TIER
    checked = results["disclosure"].isin([RELEASED, SUPPRESSED]).all()
    return RELEASE_TIER if checked else INTERNAL_TIER


def tier_banner(tier: str) -> str:
    return RELEASE_BANNER if tier == RELEASE_TIER else INTERNAL_BANNER


def is_suppressed(row) -> bool:
    """True for a row the disclosure gate hid (its values are blank and show as [c])."""
    try:
        return row["disclosure"] == SUPPRESSED
    except (KeyError, IndexError):
        return False


def _suppression_notes(rows: pd.DataFrame) -> list[str]:
    if "disclosure" in rows.columns and rows["disclosure"].eq(SUPPRESSED).any():
        return [SUPPRESSED_NOTE]
    return []


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
    for name, composite in codebook.response_composites.items():
        titles.setdefault(name, _lower_first(str(composite.get("title", _fallback(name)))))
    behaviour_labels = codebook.behaviour_labels()
    categories["ta_hsb_type"] = behaviour_labels
    categories["behaviour_type"] = behaviour_labels
    return titles, categories


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym ("Sex" -> "sex", "HSB" stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """The text with its first letter in capitals, for the start of a label or sentence."""
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
        if PAIR_SEPARATOR in level:
            return pair_label(level)
        return HSB_GROUP_LABELS.get(level, _fallback(level))
    if variable == "dual_subgroup":
        return DUAL_GROUP_LABELS.get(level, _fallback(level))
    if variable in ("onset_order", "onset_gap"):  # the gap is summarised for one order
        return ONSET_ORDER_LABELS.get(level, _fallback(level))
    if variable == "trajectory":
        return trajectory_label(level)
    if variable == "population":
        return POPULATION_LABELS.get(level, _fallback(level))
    _, categories = _codebook_labels()
    return categories.get(variable, {}).get(level, _fallback(level))


def trajectory_steps(level: str) -> list[tuple[tuple[str, ...], bool]]:
    """A trajectory level as its steps in time: [(kinds, same year?), ...].

    "offline -> other_ta" -> [(("offline",), False), (("other_ta",), False)];
    "offline + pornography (same year)" -> [(("offline", "pornography"), True)].
    """
    steps = []
    for step in str(level).split(TRAJECTORY_STEP):
        step = step.strip()
        tie = step.endswith(SAME_YEAR)
        step = step.removesuffix(SAME_YEAR).strip()
        kinds = tuple(k.strip() for k in step.split(TRAJECTORY_TIE.strip()) if k.strip())
        steps.append((kinds, tie or len(kinds) > 1))
    return steps


def behaviour_kind_label(kind: str) -> str:
    """"other_ta" -> "other TA-HSB"; unknown kinds read with spaces for underscores."""
    return BEHAVIOUR_KIND_LABELS.get(str(kind), _fallback(kind))


def trajectory_step_label(kinds: tuple[str, ...], same_year: bool) -> str:
    """One step: "offline HSB", or "offline HSB and inappropriate pornography use (same year)"."""
    text = " and ".join(behaviour_kind_label(k) for k in kinds)
    return f"{text} {SAME_YEAR}" if same_year else text


def trajectory_label(level) -> str:
    """A trajectory in words: "offline -> other_ta" -> "offline HSB, then other TA-HSB"."""
    if _is_missing(level):
        return ""
    return ", then ".join(trajectory_step_label(k, t) for k, t in trajectory_steps(level))


def pair_label(pair: str) -> str:
    """A pairwise comparison's name: "ta_only vs dual" -> "TA-HSB only vs dual"."""
    return PAIR_SEPARATOR.join(
        SHORT_GROUP_LABELS.get(part.strip(), _fallback(part.strip()))
        for part in str(pair).split(PAIR_SEPARATOR)
    )


def group_label(group_variable, group) -> str:
    """A column block's heading: the group's label, or "All" for the whole population."""
    if _is_missing(group):
        return ALL_GROUPS
    return upper_first(level_label(group_variable, group))


def output_title(output: str) -> str:
    return OUTPUT_TITLES.get(output, upper_first(_fallback(output)))


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
    become footnotes. Summary rows of a continuous variable (mean, sd, median, q1, q3) become
    the lines "Mean (95% CI)", "SD" and "Median (IQR)", with the number of children on the
    first of them. The group comparisons ("characteristics", "first_hsb_age_by_group") are
    laid out as a Table 1 instead (see `render_characteristics`). Raises TableError when
    `output` has no rows and is not a known output, or when two rows would fill the same cell.
    """
    rows = output_rows(results, output)
    if rows.empty and output not in OUTPUT_TITLES:
        present = sorted(results["output"].dropna().unique().tolist())
        raise TableError(
            f"the results table has no rows for output {output!r}; outputs present: {present}"
        )
    if output in GROUP_COMPARISON_OUTPUTS and len(rows):
        return render_characteristics(rows, output)
    if output == RESPONSE_MODELS_OUTPUT and len(rows):
        return render_odds_ratios(rows, output)
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
    for (variable, level, unit, summary_line), by_block in cells.items():
        label_variable = upper_first(variable_label(variable))
        if several_units and unit is not None:
            label_variable += f" ({unit})"
        shown_variable = label_variable if label_variable != previous_variable else ""
        previous_variable = label_variable
        level_text = upper_first(level_label(variable, level))
        if summary_line is not None:
            words = _summary_line_text(summary_line, by_block)
            level_text = f"{level_text}: {words}" if level_text else upper_first(words)
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
                if summary_line is not None:
                    shown_n = _summary_n(cells, (variable, level, unit), summary_line, key)
                    main, ci = _summary_cells(summary_line, by_statistic, shown_n)
                else:
                    main, ci = _estimate_cells(estimate) if estimate is not None else ("", "")
                line.append(main)
                if block["ci"]:
                    line.append(ci)
            if block["rank"]:
                rank = by_statistic.get("rank")
                if rank is not None and is_suppressed(rank):
                    line.append(SUPPRESSED_MARKER)
                else:
                    line.append(format_rank(rank["estimate"]) if rank is not None else "")
        table_rows.append(line)

    footnotes = [f"{upper_first(m)}." for m in methods]
    footnotes += [format_test(r) for r in tests]
    footnotes += [format_test(r) for r in body if not _is_missing(r["p_value"])]
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
    footnotes += _suppression_notes(rows)

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
        tier=tier_of(source),
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
        if r["statistic"] == "rank":
            kind = "rank"
        elif r["statistic"] in SUMMARY_LINES:
            kind = str(r["statistic"])  # a summary line shows several statistics
        else:
            kind = "estimate"
        by_statistic = cells.setdefault(_row_key(r), {}).setdefault(key, {})
        if kind in by_statistic:
            raise TableError(
                f"output {output!r}: two rows fill the same cell ({_where(r)}; statistics "
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
    """A body row: (variable, level, unit, summary line), with None for a missing level or
    unit and for rows that are not summaries; q1 and q3 share the median's line."""
    level = None if _is_missing(row["level"]) else row["level"]
    unit = None if _is_missing(row["unit"]) else row["unit"]
    return (row["variable"], level, unit, SUMMARY_LINES.get(str(row["statistic"])))


# Summary statistics of a continuous variable in a generic table: the line each belongs to.
SUMMARY_LINES = {"mean": "mean", "sd": "sd", "median": "median", "q1": "median",
                 "q3": "median"}
SUMMARY_LINE_ORDER = ("mean", "sd", "median")


def _summary_line_text(summary_line: str, by_block: dict) -> str:
    """"mean (95% CI)", "SD", "median (IQR)": the interval named from the rows' methods."""
    rows = [r for by_statistic in by_block.values() for r in by_statistic.values()]
    if summary_line == "mean":
        with_ci = [r for r in rows if not _is_missing(r["ci_low"])]
        return f"mean ({ci_label(with_ci[0]['method'])})" if with_ci else "mean"
    if summary_line == "sd":
        return "SD"
    has_quartiles = any(r["statistic"] in ("q1", "q3") for r in rows)
    return MEDIAN_IQR if has_quartiles else "median"


def _summary_size(row) -> int | None:
    """The children a summary describes: its denominator, else its n."""
    for column in ("denominator", "n"):
        if row is not None and not _is_missing(row[column]):
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
    digits = _summary_digits(next(iter(by_statistic.values())))
    if summary_line == "median":
        main = _median_iqr_cell(by_statistic) if row is not None else NOT_AVAILABLE
    else:
        main = NOT_AVAILABLE if row is None else format_number(row["estimate"], digits)
    if shown_n is not None:
        main += f" (N = {shown_n})"
    ci = ""
    if summary_line == "mean" and row is not None and not _is_missing(row["ci_low"]):
        ci = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
    return main, ci


def _distinct(values) -> list:
    seen: list = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _estimate_cells(row) -> tuple[str, str]:
    """The main cell and the CI cell of one estimate row."""
    if is_suppressed(row):
        return SUPPRESSED_MARKER, ""
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
    text = upper_first(variable_label(row["variable"]))
    if not _is_missing(row["level"]):
        text += f": {level_label(row['variable'], row['level'])}"
    if not _is_missing(row["group"]):
        group = level_label(row["group_variable"], row["group"])
        text += f", {variable_label(row['group_variable'])} {group}"
    return text


def format_test(row) -> str:
    """One test (or a p-value on an estimate row) in words, as a sentence: "Test of ... across
    HSB group: Pearson chi-squared test: chi-squared = 12.35, p < 0.001." """
    subject = variable_label(row["variable"])
    if not _is_missing(row["level"]):
        subject += f" ({level_label(row['variable'], row['level'])})"
    across = (
        f" across {variable_label(row['group_variable'])}"
        if not _is_missing(row["group_variable"])
        else ""
    )
    if row["statistic"] in ONE_SAMPLE_TESTS and not _is_missing(row["group"]):
        # One group tested against a fixed value: name the group, not a comparison.
        across = (
            f" ({variable_label(row['group_variable'])}: "
            f"{level_label(row['group_variable'], row['group'])})"
        )
    method = "" if _is_missing(row["method"]) else str(row["method"])
    if is_suppressed(row):
        return f"Test of {subject}{across}: {method}: {SUPPRESSED_MARKER}."
    if row["statistic"] == "not_tested":
        text = f"Test of {subject}{across}: not tested"
        if not _is_missing(row["warning"]):
            reason = str(row["warning"])
            reason = reason.removeprefix("not tested: ")
            text += f" ({reason})"
        return text + "."
    if row["statistic"] in ONE_SAMPLE_TESTS:
        parts = [] if _is_missing(row["estimate"]) else [_one_sample_estimate(row)]
    elif row["statistic"] in TEST_STATISTICS:
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


def _one_sample_estimate(row) -> str:
    """What a one-sample test estimated: "share = 12/20 (60.0%)" for a binomial test (its
    estimate is the share), "median paired difference = 3.0 years" for a signed-rank or sign
    test (its estimate is the median difference)."""
    if row["statistic"] == "binomial_test":
        if _is_missing(row["n"]) or _is_missing(row["denominator"]):
            return f"share = {format_percent(row['estimate'])}"
        return f"share = {format_share(row['n'], row['denominator'], row['estimate'])}"
    digits = 1 if row["unit"] == "years" else 2
    text = f"median paired difference = {format_number(row['estimate'], digits)}"
    if not _is_missing(row["unit"]):
        text += f" {row['unit']}"  # "1.0 years": decimals read as plural
    return text


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
    reason = upper_first(str(row["level"]).removeprefix(MISSING_PREFIX))
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


# --- Table 1: backgrounds and characteristics by HSB group ---------------------------------

CHARACTERISTICS_OUTPUT = "characteristics"
FIRST_HSB_AGE_OUTPUT = "first_hsb_age_by_group"
RESPONSES_OUTPUT = "responses"
RESPONSE_MODELS_OUTPUT = "response_models"
# Outputs laid out as a Table 1 (one column per group compared).
GROUP_COMPARISON_OUTPUTS = (CHARACTERISTICS_OUTPUT, FIRST_HSB_AGE_OUTPUT, RESPONSES_OUTPUT)
# What the rows of a Table 1 describe, for its "N = children with the ... recorded" note.
GROUP_COMPARISON_SUBJECTS = {RESPONSES_OUTPUT: "response"}
COMPARED_GROUPS = ("ta_only", "dual", "offline_only")
ALL_GROUP_CODE = "all"
ALL_DUAL_GROUP_CODE = "all_dual"
EFFECT_STATISTICS = ("risk_difference", "cramers_v", "hodges_lehmann", "rank_biserial")
SUMMARY_STATISTICS = ("median", "q1", "q3", "mean", "sd")
EFFECT_ABBREVIATIONS = {
    "risk_difference": "RD",
    "cramers_v": "V",
    "hodges_lehmann": "HL",
    "rank_biserial": "r",
}
# How to read each effect size, in its footnote.
EFFECT_DEFINITIONS = {
    "risk_difference": "in percentage points",
    "cramers_v": "0 = no association, 1 = complete association",
    "hodges_lehmann": "in the variable's unit",
    "rank_biserial": "from -1 to 1, positive when the first group tends to have larger values",
}
MEDIAN_IQR = "median (IQR)"
MEAN_SD = "mean (SD)"
P_HEADER = "p"
P_ADJUSTED_HEADER = "p adj."


def is_all_group(group) -> bool:
    """True for the whole-population column: group <NA> or "all"."""
    return _is_missing(group) or str(group) == ALL_GROUP_CODE


def is_pair(group) -> bool:
    """True for a pairwise comparison's group ("ta_only vs dual")."""
    return not _is_missing(group) and PAIR_SEPARATOR in str(group)


def format_p_cell(p) -> str:
    """A p-value for a table column: "0.043", "< 0.001"; "n/a" when missing."""
    if _is_missing(p):
        return NOT_AVAILABLE
    return format_p_value(p).removeprefix("p = ").removeprefix("p ")


def format_effect(row) -> str:
    """A pairwise effect size in words: "RD 25.0 (3.1 to 44.2)", "V = 0.21", "HL 3.0", "r = 0.52".

    Risk differences are in percentage points; a Hodges-Lehmann shift is in the row's unit
    (one decimal for years). Limits follow in brackets when the row has them.
    """
    statistic = row["statistic"]
    abbreviation = EFFECT_ABBREVIATIONS.get(statistic, _fallback(statistic))
    if is_suppressed(row):
        return f"{abbreviation} {SUPPRESSED_MARKER}"
    if statistic == "risk_difference":
        value = (
            NOT_AVAILABLE if _is_missing(row["estimate"])
            else format_number(float(row["estimate"]) * 100, 1)
        )
        limits = format_ci(row["ci_low"], row["ci_high"])
        return f"{abbreviation} {value}" + ("" if limits == NOT_AVAILABLE else f" ({limits})")
    if statistic == "hodges_lehmann":
        digits = 1 if row["unit"] == "years" else 2
        text = f"{abbreviation} {format_number(row['estimate'], digits)}"
        limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
        return text + ("" if limits == NOT_AVAILABLE else f" ({limits})")
    if _is_missing(row["estimate"]):
        return f"{abbreviation} {NOT_AVAILABLE}"
    text = f"{abbreviation} = {format_number(row['estimate'], 2)}"
    limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=2)
    return text + ("" if limits == NOT_AVAILABLE else f" ({limits})")


def _summary_digits(row) -> int:
    return 1 if row is not None and row["unit"] == "years" else 2


def _median_iqr_cell(by_statistic: dict) -> str:
    """"11.2 (9.8 to 13.0)": median and quartiles."""
    median = by_statistic.get("median")
    if median is not None and is_suppressed(median):
        return SUPPRESSED_MARKER
    if median is None or _is_missing(median["estimate"]):
        return NOT_AVAILABLE
    digits = _summary_digits(median)
    quartiles = [by_statistic.get(q) for q in ("q1", "q3")]
    if any(q is None or _is_missing(q["estimate"]) for q in quartiles):
        return format_number(median["estimate"], digits)
    q1, q3 = (format_number(q["estimate"], digits) for q in quartiles)
    return f"{format_number(median['estimate'], digits)} ({q1} to {q3})"


def _mean_sd_cell(by_statistic: dict) -> str:
    """"11.4 (2.1) [10.4 to 12.4]": mean, SD and the CI of the mean when given."""
    mean = by_statistic.get("mean")
    if mean is not None and is_suppressed(mean):
        return SUPPRESSED_MARKER
    if mean is None or _is_missing(mean["estimate"]):
        return NOT_AVAILABLE
    digits = _summary_digits(mean)
    text = format_number(mean["estimate"], digits)
    sd = by_statistic.get("sd")
    if sd is not None and not _is_missing(sd["estimate"]):
        text += f" ({format_number(sd['estimate'], digits)})"
    if not _is_missing(mean["ci_low"]) and not _is_missing(mean["ci_high"]):
        text += f" [{format_ci(mean['ci_low'], mean['ci_high'], percent=False, digits=digits)}]"
    return text


def _share_cell(row) -> str:
    """"5/19 (26.3%) [11.8 to 48.8]": n/N (%) and the CI in brackets when given."""
    if is_suppressed(row):
        return SUPPRESSED_MARKER
    text = format_share(row["n"], row["denominator"], row["estimate"])
    limits = format_ci(row["ci_low"], row["ci_high"])
    return text if limits == NOT_AVAILABLE else f"{text} [{limits}]"


def _row_kind(row) -> str:
    """What a row of a group comparison is: a share, a summary, a test, an effect, ..."""
    statistic = row["statistic"]
    if _is_missing_row(row):
        return "missing"
    if statistic in EFFECT_STATISTICS:
        return "effect"
    if statistic in TEST_STATISTICS:
        return "pair_test" if is_pair(row["group"]) else "test"
    if statistic in SUMMARY_STATISTICS:
        return "summary"
    if statistic == "proportion":
        return "share"
    return "other"


def _group_key(group) -> str:
    return ALL_GROUP_CODE if is_all_group(group) else str(group)


def _line_key(row) -> tuple:
    """The table line a share, summary or other estimate row belongs to (tagged by kind)."""
    level = None if _is_missing(row["level"]) else str(row["level"])
    if row["kind"] == "share":
        return ("level", level)
    if row["kind"] == "summary":
        return ("summary", "median" if row["statistic"] in ("median", "q1", "q3") else "mean")
    return ("other", str(row["statistic"]), level)


def _group_column_order(records: list) -> list[str]:
    """Compared groups in study order, then any other group, then all dual children and all."""
    seen = _distinct(
        _group_key(r["group"])
        for r in records
        if r["kind"] in ("share", "summary", "other", "missing")
    )
    totals = (ALL_DUAL_GROUP_CODE, ALL_GROUP_CODE)  # whole populations go last
    ordered = [g for g in COMPARED_GROUPS if g in seen]
    ordered += [g for g in seen if g not in ordered and g not in totals]
    ordered += [g for g in totals if g in seen]
    return ordered


def group_sizes(rows: pd.DataFrame) -> dict[str, int]:
    """Children per group of a group comparison: recorded plus missing, per variable.

    For each variable and group, the children with a value recorded (the denominator of its
    shares or summaries) plus those counted as missing; the largest over variables is the
    group's size (any variable without missing values gives it exactly). Groups without a
    usable count are left out. Keys are group codes, "all" for the whole population.
    """
    recorded: dict[tuple[str, str], int] = {}
    missing: dict[tuple[str, str], int] = {}
    for _, r in rows.iterrows():
        if is_pair(r["group"]) or r["statistic"] in TEST_STATISTICS:
            continue
        key = (str(r["variable"]), _group_key(r["group"]))
        if _is_missing_row(r):
            count = r["n"] if not _is_missing(r["n"]) else r["estimate"]
            if not _is_missing(count):
                missing[key] = missing.get(key, 0) + int(count)
        elif r["statistic"] in ("proportion", *SUMMARY_STATISTICS):
            count = r["denominator"] if not _is_missing(r["denominator"]) else r["n"]
            if not _is_missing(count):
                recorded[key] = max(recorded.get(key, 0), int(count))
    sizes: dict[str, int] = {}
    for key in list(recorded) + list(missing):
        total = recorded.get(key, 0) + missing.get(key, 0)
        sizes[key[1]] = max(sizes.get(key[1], 0), total)
    return sizes


def short_group_label(group: str) -> str:
    """A group's short name: "ta_only" -> "TA-HSB only", "all" -> "all"."""
    if is_pair(group):
        return pair_label(group)
    if str(group) in DUAL_GROUP_LABELS:
        return DUAL_GROUP_LABELS[str(group)]
    return SHORT_GROUP_LABELS.get(str(group), level_label("hsb_group", group))


def characteristics_group_heading(group: str, sizes: dict[str, int]) -> str:
    """A group's column heading with its size: "TA-HSB only (N = 19)"."""
    label = upper_first(short_group_label(group))
    return f"{label} (N = {sizes[group]})" if group in sizes else label


def render_characteristics(
    rows: pd.DataFrame, output: str = CHARACTERISTICS_OUTPUT
) -> RenderedTable:
    """Lay out a group comparison (the "characteristics" output) as a Table 1.

    One block of lines per variable, in order of appearance: a line per level for shares
    ("n/N (%) [CI]"), the two lines "Median (IQR)" and "Mean (SD)" for a continuous variable.
    Columns: one per group (TA-HSB only, dual, offline only, then all) headed with its size,
    the overall test's "p" and "p adj." on the variable's first line, and for each pairwise
    comparison its effect sizes and adjusted p. Every p cell points ("[k]") to the footnote
    naming its test. Methods, the multiplicity adjustment, warnings, missing counts per
    variable and group and the findings served become footnotes.

    Raises TableError for rows of several cohorts or two rows that would fill the same cell.
    """
    if rows["cohort"].nunique() > 1:
        cohorts = sorted(rows["cohort"].dropna().astype(str).unique())
        raise TableError(
            f"output {output!r} holds rows of several cohorts ({', '.join(cohorts)}); "
            "render one cohort at a time"
        )
    compared_by = _comparison_variable(rows)
    records = []
    for _, row in rows.iterrows():
        row = row.copy()
        row["kind"] = _row_kind(row)
        if row["kind"] == "missing" and row["group_variable"] != compared_by:
            row["kind"] = "not_compared"  # children outside the groups compared
        records.append(row)
    groups = _group_column_order(records)
    pairs = _distinct(str(r["group"]) for r in records if r["kind"] in ("effect", "pair_test"))
    lines = _characteristics_lines(records)
    slots = _characteristics_slots(records, lines, output)

    footnotes: list[str] = []

    def note(text: str) -> int:
        if text not in footnotes:
            footnotes.append(text)
        return footnotes.index(text) + 1

    note(_layout_note(records, GROUP_COMPARISON_SUBJECTS.get(output, "characteristic")))
    for method in _distinct(
        str(r["method"])
        for r in records
        if r["kind"] in ("share", "summary", "other") and not _is_missing(r["method"])
    ):
        note(f"{upper_first(method)}.")
    pointers = _test_notes(records, "test", note)
    _adjustment_notes(records, note)
    for statistic in EFFECT_STATISTICS:
        effects = [r for r in records if r["kind"] == "effect" and r["statistic"] == statistic]
        methods = _distinct(str(r["method"]) for r in effects if not _is_missing(r["method"]))
        if effects:
            described = "; ".join(methods) or STATISTIC_LABELS[statistic]
            note(f"{EFFECT_ABBREVIATIONS[statistic]}: {described}; "
                 f"{EFFECT_DEFINITIONS[statistic]}.")
    pointers.update(_test_notes(records, "pair_test", note))
    for text in _characteristics_warning_notes(records):
        note(text)
    for text in _characteristics_missing_notes(records, groups):
        note(text)
    for text in _not_compared_notes(records):
        note(text)
    findings = _findings_note(records)
    if findings:
        note(findings)

    header = ["Variable", "Level"]
    sizes = group_sizes(rows)
    header += [characteristics_group_heading(g, sizes) for g in groups]
    header += [P_HEADER, P_ADJUSTED_HEADER]
    for pair in pairs:
        header += [upper_first(pair_label(pair)), f"{upper_first(pair_label(pair))}: p adj."]

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

    return _rendered(rows, output, header, table_rows, footnotes)


def _comparison_variable(rows: pd.DataFrame):
    """The variable whose levels are the groups compared (the group_variable of the tests)."""
    for statistics in (TEST_STATISTICS, {"proportion", *SUMMARY_STATISTICS}):
        chosen = rows["group_variable"][rows["statistic"].isin(statistics).fillna(False)]
        chosen = chosen.dropna()
        if len(chosen):
            return chosen.iloc[0]
    return "hsb_group"


def _characteristics_lines(records: list) -> dict[str, list[tuple]]:
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
            text = upper_first(STATISTIC_LABELS.get(key[1], _fallback(key[1])))
            if key[2] is not None:
                text += f": {level_label(variable, key[2])}"
        variable_lines.append((key, text))
    for variable_lines in lines.values():
        variable_lines.sort(key=lambda item: item[0] == ("summary", "mean"))
        if not variable_lines:
            variable_lines.append((("empty",), ""))
    return lines


def _characteristics_slots(records: list, lines: dict, output: str) -> dict[str, dict]:
    """Every row in its place: estimates by (variable, line)[group][statistic], the overall
    test by variable, pairwise tests and effects by (variable, line, pair).

    Pairwise rows sit on the line of their level, or on the variable's first line when they
    have no level (Cramér's V, a Hodges-Lehmann shift).
    """
    slots: dict[str, dict] = {"estimate": {}, "test": {}, "pair_test": {}, "effect": {}}

    def clash(row, other) -> TableError:
        return TableError(
            f"output {output!r}: two rows fill the same cell ({_where(row)}; statistics "
            f"{other['statistic']!r} and {row['statistic']!r}); an analysis wrote a "
            "duplicate row"
        )

    for r in records:
        variable = str(r["variable"])
        if variable not in lines:
            continue  # only children outside the groups compared: a footnote
        known = [k for k, _ in lines[variable]]
        if r["kind"] in ("share", "summary", "other"):
            by_group = slots["estimate"].setdefault((variable, _line_key(r)), {})
            by_statistic = by_group.setdefault(_group_key(r["group"]), {})
            if r["statistic"] in by_statistic:
                raise clash(r, by_statistic[r["statistic"]])
            by_statistic[r["statistic"]] = r
        elif r["kind"] == "test":
            if variable in slots["test"]:
                raise clash(r, slots["test"][variable])
            slots["test"][variable] = r
        elif r["kind"] in ("pair_test", "effect"):
            level = ("level", None if _is_missing(r["level"]) else str(r["level"]))
            line = level if level in known else known[0]
            key = (variable, line, str(r["group"]))
            if r["kind"] == "pair_test":
                if key in slots["pair_test"]:
                    raise clash(r, slots["pair_test"][key])
                slots["pair_test"][key] = r
            else:
                by_statistic = slots["effect"].setdefault(key, {})
                if r["statistic"] in by_statistic:
                    raise clash(r, by_statistic[r["statistic"]])
                by_statistic[r["statistic"]] = r
    return slots


def _estimate_text(line_key: tuple, by_statistic: dict | None) -> str:
    """One group's cell on one line."""
    if not by_statistic:
        return ""
    if line_key[0] == "summary":
        return (_median_iqr_cell if line_key[1] == "median" else _mean_sd_cell)(by_statistic)
    (row,) = by_statistic.values()
    if line_key[0] == "level":
        return _share_cell(row)
    return _estimate_cells(row)[0]


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


def _test_notes(records: list, kind: str, note) -> dict:
    """A footnote per test method (naming the variables it tested) and each untested
    comparison with its reason; returns the footnote number of each test:
    {("test", variable): k} for overall tests, {(pair, variable): k} for pairwise ones.
    """
    tests = [r for r in records if r["kind"] == kind]
    pointers: dict = {}
    for method in _distinct(str(r["method"]) for r in tests if r["statistic"] != "not_tested"):
        used = [r for r in tests if str(r["method"]) == method and r["statistic"] != "not_tested"]
        variables = ", ".join(_distinct(variable_label(r["variable"]) for r in used))
        if kind == "test":
            prefix = "p"
        else:
            prefix = f"Pairwise p ({', '.join(_distinct(pair_label(r['group']) for r in used))})"
        number = note(f"{prefix}: {method}; {variables}.")
        for r in used:
            pointers[_pointer_key(r)] = number
    for r in tests:
        if r["statistic"] == "not_tested":
            text = format_test(r)
            if kind == "pair_test":
                text = text.replace(" across HSB group:", f" ({pair_label(r['group'])}):", 1)
            pointers[_pointer_key(r)] = note(text)
    return pointers


def _pointer_key(row) -> tuple:
    variable = str(row["variable"])
    return ("test", variable) if row["kind"] == "test" else (str(row["group"]), variable)


def _adjustment_notes(records: list, note) -> None:
    """"p adj.: Holm adjustment across all tests in this table (...)." per method."""
    tested = [r for r in records if not _is_missing(r["p_value"])]
    adjusted = [r for r in records if not _is_missing(r["p_adjusted"])]
    for method in _distinct(str(r["p_adjust_method"]) for r in adjusted):
        family = [r for r in adjusted if str(r["p_adjust_method"]) == method]
        if len(family) == len(tested):
            scope = "all tests in this table"
        else:
            scope = f"{len(family)} of the {len(tested)} tests in this table"
        overall = sum(r["kind"] == "test" for r in family)
        pairwise = sum(r["kind"] == "pair_test" for r in family)
        note(
            f"{P_ADJUSTED_HEADER}: {method} adjustment across {scope} ({overall} overall and "
            f"{pairwise} pairwise p-values)."
        )
    if tested and not adjusted:
        note(f"{P_ADJUSTED_HEADER}: no multiplicity adjustment was applied.")


def _layout_note(records: list, subject: str = "characteristic") -> str:
    """How to read the cells, with the intervals named from the rows' methods."""
    shares = [r for r in records if r["kind"] == "share"]
    summaries = [r for r in records if r["kind"] == "summary"]
    means = [r for r in summaries if r["statistic"] == "mean" and not _is_missing(r["ci_low"])]
    parts = []
    if shares:
        parts.append(
            f"n/N (%) [{ci_label(shares[0]['method'])}], N = children with the "
            f"{subject} recorded"
        )
    if summaries:
        units = _distinct(str(r["unit"]) for r in summaries if not _is_missing(r["unit"]))
        text = "median (IQR: 25th to 75th percentile) and mean (SD)"
        if means:
            text += f" [{ci_label(means[0]['method'])} of the mean]"
        parts.append(text + (f" in {', '.join(units)}" if units else ""))
    parts.append("p: test across the groups")
    references = _distinct(
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


_DETAIL = re.compile(r"^(?P<base>.*\S)\s*\((?P<detail>[^()]*)\)$")


def _characteristics_warning_notes(records: list) -> list[str]:
    """Each kind of warning once, with the rows it concerns.

    A trailing detail in brackets ("expected count below 5 (minimum 4.05)") moves to the row it
    belongs to, so one footnote lists every exact test; a whole group is named once when every
    row of it has the warning. Untested comparisons are left out: their footnote gives the
    reason.
    """
    flagged: dict[str, list[tuple]] = {}
    for r in records:
        if _is_missing(r["warning"]) or r["statistic"] == "not_tested":
            continue
        match = _DETAIL.match(str(r["warning"]))
        base, detail = (match["base"], match["detail"]) if match else (str(r["warning"]), "")
        flagged.setdefault(base, []).append((r, detail))
    notes = []
    for warning, flagged_rows in flagged.items():
        whole = set()
        for group in _distinct(_group_key(r["group"]) for r, _ in flagged_rows):
            mine = [(r, d) for r, d in flagged_rows if _group_key(r["group"]) == group]
            group_rows = [r for r in records if _group_key(r["group"]) == group
                          and r["kind"] != "missing"]
            if (len(mine) > 1 and len(mine) == len(group_rows) and group != ALL_GROUP_CODE
                    and len({d for _, d in mine}) == 1):
                whole.add(group)
        where: list[str] = []
        for r, detail in flagged_rows:
            group = _group_key(r["group"])
            if group in whole:
                where.append(f"every row for {short_group_label(group)}")
                continue
            text = _characteristics_where(r)
            where.append(f"{text}: {detail}" if detail else text)
        notes.append(f"Warning: {_lower_first(warning)} ({'; '.join(_distinct(where))}).")
    return notes


def _characteristics_where(row) -> str:
    """"Stability of the family: stable, dual"; a test is named by its comparison."""
    text = upper_first(variable_label(row["variable"]))
    if not _is_missing(row["level"]) and row["kind"] not in ("effect", "pair_test"):
        text += f": {level_label(row['variable'], row['level'])}"
    if row["kind"] == "test":
        return text + ", test across the groups"
    if row["kind"] == "pair_test":
        return text + f", {pair_label(row['group'])}"
    if row["kind"] == "effect":
        name = STATISTIC_LABELS.get(row["statistic"], _fallback(row["statistic"]))
        return text + f", {pair_label(row['group'])} ({name})"
    if row["kind"] == "summary":
        name = STATISTIC_LABELS.get(row["statistic"], _fallback(row["statistic"]))
        return text + f", {name}, {short_group_label(_group_key(row['group']))}"
    return text + f", {short_group_label(_group_key(row['group']))}"


def _characteristics_missing_notes(records: list, groups: list[str]) -> list[str]:
    """"Not recorded: stability of the family for TA-HSB only 1, dual 3, all 4 children; ..."

    One note per variable and reason; groups with none missing are not listed.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}
    units: dict[tuple[str, str], str] = {}
    for r in records:
        if r["kind"] != "missing":
            continue
        count = r["n"] if not _is_missing(r["n"]) else r["estimate"]
        if _is_missing(count) or int(count) == 0:
            continue
        key = (str(r["variable"]), str(r["level"]).removeprefix(MISSING_PREFIX))
        by_group = counts.setdefault(key, {})
        group = _group_key(r["group"])
        by_group[group] = by_group.get(group, 0) + int(count)
        units.setdefault(key, "" if _is_missing(r["unit"]) else str(r["unit"]))
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
        count = r["n"] if not _is_missing(r["n"]) else r["estimate"]
        count_text = NOT_AVAILABLE if _is_missing(count) else str(int(count))
        reason = upper_first(str(r["level"]).removeprefix(MISSING_PREFIX))
        where = (
            "" if _is_missing(r["group"])
            else f" ({level_label(r['group_variable'], r['group'])})"
        )
        notes.append(
            f"{reason}: {variable_label(r['variable'])} for {count_text} "
            f"{unit_word(r['unit'], count) or 'cases'}{where}; not in any group compared."
        )
    return notes


def _findings_note(records: list) -> str:
    """"Bears on published finding(s): C1 (age ...), C2 (stability of the family)." """
    served: dict[str, list[str]] = {}
    for r in records:
        if _is_missing(r["finding"]):
            continue
        for part in str(r["finding"]).split(";"):
            if part.strip():
                labels = served.setdefault(part.strip(), [])
                label = variable_label(r["variable"])
                if label not in labels:
                    labels.append(label)
    if not served:
        return ""
    parts = [f"{finding} ({'; '.join(labels)})" for finding, labels in served.items()]
    return "Bears on published finding(s): " + ", ".join(parts) + "."


# --- adjusted odds ratios of professional responses (S1-S3) ---------------------------------

ODDS_RATIO_STATISTIC = "odds_ratio"
NOT_ESTIMABLE = "not estimable"
OR_HEADER = "OR (95% CI)"
N_IN_MODEL_HEADER = "n in model"
# Model terms of the HSB groups come first, in study order; covariates follow as they appear.
GROUP_TERMS = ("ta_only", "dual")
# A categorical covariate's term as a formula library writes it: "sex[T.female]".
_TREATMENT_TERM = re.compile(r"^(?P<variable>[^\[\]]+)\[T\.(?P<level>[^\[\]]+)\]$")


def format_odds_ratio(estimate, low=None, high=None) -> str:
    """An odds ratio with its limits: "3.25 (1.10 to 9.61)"; "not estimable" when missing.

    Two decimals, as is usual for ratios; limits are left out when the row has none.
    """
    if _is_missing(estimate) or not math.isfinite(float(estimate)):
        return NOT_ESTIMABLE
    text = format_number(estimate, 2)
    limits = format_ci(low, high, percent=False, digits=2)
    return text if limits == NOT_AVAILABLE else f"{text} ({limits})"


FIRTH_STATISTIC = "odds_ratio_firth"
FIRTH_TERM_SUFFIX = " (Firth)"


def term_label(term) -> str:
    """A model term in words: "ta_only" -> "TA-HSB only", "age_at_referral" -> "age at
    referral", "sex[T.female]" -> "sex: female"; a Firth line "ta_only (Firth)" -> "TA-HSB
    only, Firth penalised"."""
    if _is_missing(term):
        return ""
    term = str(term)
    if term.endswith(FIRTH_TERM_SUFFIX):
        return term_label(term[: -len(FIRTH_TERM_SUFFIX)]) + ", Firth penalised"
    if term in HSB_GROUP_LABELS:
        return short_group_label(term)
    match = _TREATMENT_TERM.match(term)
    if match:
        variable = match["variable"].strip()
        return f"{variable_label(variable)}: {level_label(variable, match['level'].strip())}"
    return variable_label(term)


def _model_size(row):
    """Children in the model: the denominator, else n."""
    for column in ("denominator", "n"):
        if not _is_missing(row[column]):
            return int(row[column])
    return None


def render_odds_ratios(
    rows: pd.DataFrame, output: str = RESPONSE_MODELS_OUTPUT
) -> RenderedTable:
    """Lay out model odds ratios (the "response_models" output) as one line per outcome and
    term.

    Columns: outcome, term, "OR (95% CI)", "p" (and "p adj." when any row has one) and
    "n in model". An odds ratio without an estimate reads "not estimable" (separation).
    Footnotes: how to read the table, each model's method with the outcomes fitted that way
    (outcome labels point to it as "[k]" when models differ), every warning with the outcome
    and term it concerns, children left out for missing values per outcome, any other row and
    the findings served. Raises TableError for rows of several cohorts or two rows for one
    line.
    """
    if rows["cohort"].nunique() > 1:
        cohorts = sorted(rows["cohort"].dropna().astype(str).unique())
        raise TableError(
            f"output {output!r} holds rows of several cohorts ({', '.join(cohorts)}); "
            "render one cohort at a time"
        )
    records = [row for _, row in rows.iterrows()]
    # Firth rows (penalised estimates for terms the ordinary model could not estimate) get a
    # line of their own under the ordinary one.
    ratio_statistics = (ODDS_RATIO_STATISTIC, FIRTH_STATISTIC)
    ratios = [r for r in records if r["statistic"] in ratio_statistics]
    missing = [r for r in records if _is_missing_row(r) and r["statistic"] == "count"]
    others = [r for r in records if r["statistic"] not in ratio_statistics
              and not (_is_missing_row(r) and r["statistic"] == "count")]

    lines: dict[str, dict[str, pd.Series]] = {}
    for r in ratios:
        terms = lines.setdefault(str(r["variable"]), {})
        term = "" if _is_missing(r["level"]) else str(r["level"])
        if r["statistic"] == FIRTH_STATISTIC:
            term += FIRTH_TERM_SUFFIX
        if term in terms:
            raise TableError(
                f"output {output!r}: two rows fill the same line ({_where(r)}); an analysis "
                "wrote a duplicate row"
            )
        terms[term] = r
    for outcome, terms in lines.items():
        grouped = [t for g in GROUP_TERMS for t in (g, g + FIRTH_TERM_SUFFIX) if t in terms]
        order = grouped + [t for t in terms if t not in grouped]
        lines[outcome] = {t: terms[t] for t in order}

    footnotes: list[str] = []

    def note(text: str) -> int:
        if text not in footnotes:
            footnotes.append(text)
        return footnotes.index(text) + 1

    note(
        "Cells: odds ratio with its confidence interval from one model per outcome; terms of "
        "the HSB groups compare each group with offline HSB only (OR above 1: higher odds of "
        "the response); n in model = children with the outcome and every covariate recorded; "
        f"\"{NOT_ESTIMABLE}\": the model could not estimate the odds ratio (see warnings)."
    )
    if any("proportional-odds" in str(r["method"]).lower() for r in ratios):
        note("Proportional-odds models: the odds ratio compares the odds of a higher level of "
             "the response (any cut-point) between the groups.")
    method_notes: dict[str, int] = {}
    for method in _distinct(str(r["method"]) for r in ratios if not _is_missing(r["method"])):
        outcomes = _distinct(variable_label(r["variable"]) for r in ratios
                             if str(r["method"]) == method)
        method_notes[method] = note(f"{upper_first(method)}; outcomes: {', '.join(outcomes)}.")
    mark_methods = len(method_notes) > 1
    show_adjusted = any(not _is_missing(r["p_adjusted"]) for r in ratios)
    for method in _distinct(str(r["p_adjust_method"]) for r in ratios
                            if not _is_missing(r["p_adjusted"])):
        note(f"{P_ADJUSTED_HEADER}: {method} adjustment.")
    for text in _odds_ratio_warning_notes(lines):
        note(text)
    for text in _model_missing_notes(missing):
        note(text)
    for r in others:
        if _is_test(r):
            note(format_test(r))
        else:
            name = STATISTIC_LABELS.get(str(r["statistic"]), _fallback(r["statistic"]))
            note(f"{_where(r)}: {name} {_estimate_cells(r)[0]}; {r['method']}.")
    findings = _findings_note(records)
    if findings:
        note(findings)
    if not ratios:
        note("No odds ratios in the results for this output.")

    header = ["Outcome", "Term", OR_HEADER, P_HEADER]
    if show_adjusted:
        header.append(P_ADJUSTED_HEADER)
    header.append(N_IN_MODEL_HEADER)
    table_rows = []
    for outcome, terms in lines.items():
        for index, (term, r) in enumerate(terms.items()):
            label = ""
            if index == 0:
                label = upper_first(variable_label(outcome))
                if mark_methods and not _is_missing(r["method"]):
                    label += f" [{method_notes[str(r['method'])]}]"
            if is_suppressed(r):
                line = [label, upper_first(term_label(term)) if term else "",
                        SUPPRESSED_MARKER, SUPPRESSED_MARKER]
                line += [SUPPRESSED_MARKER] if show_adjusted else []
                table_rows.append(line + [SUPPRESSED_MARKER])
                continue
            line = [label, upper_first(term_label(term)) if term else "",
                    format_odds_ratio(r["estimate"], r["ci_low"], r["ci_high"]),
                    format_p_cell(r["p_value"]) if not _is_missing(r["estimate"])
                    or not _is_missing(r["p_value"]) else ""]
            if show_adjusted:
                line.append(format_p_cell(r["p_adjusted"]) if not _is_missing(r["p_adjusted"])
                            else "")
            size = _model_size(r)
            line.append(NOT_AVAILABLE if size is None else str(size))
            table_rows.append(line)

    return _rendered(rows, output, header, table_rows, footnotes)


def _odds_ratio_warning_notes(lines: dict) -> list[str]:
    """"Warning: quasi-complete separation: ... (police involvement: TA-HSB only)." per
    distinct warning; an outcome whose every term has the warning is named once."""
    flagged: dict[str, dict[str, list[str]]] = {}
    for outcome, terms in lines.items():
        for term, r in terms.items():
            if not _is_missing(r["warning"]):
                by_outcome = flagged.setdefault(str(r["warning"]), {})
                by_outcome.setdefault(outcome, []).append(term)
    notes = []
    for warning, by_outcome in flagged.items():
        where = []
        for outcome, terms in by_outcome.items():
            text = variable_label(outcome)
            if len(terms) < len(lines[outcome]):
                text += ": " + ", ".join(term_label(t) for t in terms if t)
            where.append(text)
        notes.append(f"Warning: {_lower_first(warning)} ({'; '.join(where)}).")
    return notes


def _model_missing_notes(missing: list) -> list[str]:
    """"Not recorded: police involvement for 3 children (TA-HSB only 1, dual 2); left out of
    the model." One note per outcome and reason."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    units: dict[tuple[str, str], str] = {}
    for r in missing:
        count = r["n"] if not _is_missing(r["n"]) else r["estimate"]
        if _is_missing(count) or int(count) == 0:
            continue
        key = (str(r["variable"]), str(r["level"]).removeprefix(MISSING_PREFIX))
        group = "" if is_all_group(r["group"]) else str(r["group"])
        by_group = counts.setdefault(key, {})
        by_group[group] = by_group.get(group, 0) + int(count)
        units.setdefault(key, "" if _is_missing(r["unit"]) else str(r["unit"]))
    notes = []
    for (variable, reason), by_group in counts.items():
        groups = [g for g in by_group if g]
        total = by_group.get("", sum(by_group[g] for g in groups))
        text = (f"{upper_first(reason)}: {variable_label(variable)} for {total} "
                f"{unit_word(units[(variable, reason)], total) or 'cases'}")
        if groups:
            text += " (" + ", ".join(f"{short_group_label(g)} {by_group[g]}" for g in groups) + ")"
        notes.append(text + "; left out of the model.")
    return notes


# --- Markdown, HTML, CSV -------------------------------------------------------------------


def _markdown_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_to_markdown(rendered: RenderedTable) -> str:
    """The table as GitHub-flavoured Markdown; the first line is the banner when synthetic."""
    lines: list[str] = [f"**{tier_banner(rendered.tier)}**", ""]
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
.tier { font-weight: bold; padding: 0.3em 0.6em; display: inline-block; border: 2px solid; }
.tier.internal { color: #d55e00; }
.tier.release { color: #009e73; }
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
        table_to_html_fragment(rendered).rstrip("\n"),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def table_to_html_fragment(rendered: RenderedTable) -> str:
    """The table as an HTML fragment to embed in a larger page (the study report): the tier
    banner, the SYNTHETIC banner when synthetic, the <table> and its numbered footnotes.

    Every text is escaped; the classes are those styled by `_HTML_STYLE`, which the
    embedding page must include.
    """
    esc = html.escape
    parts = [f'<p class="tier {rendered.tier}">{esc(tier_banner(rendered.tier))}</p>']
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
    return "\n".join(parts) + "\n"


def table_to_csv(results: pd.DataFrame, output: str) -> str:
    """The machine-readable table: every column of `output`'s rows, unrounded, "\\n" endings."""
    return to_csv_neutralised(output_rows(results, output), lineterminator="\n")


def write_table(results: pd.DataFrame, output: str, stem: Path) -> dict[str, Path]:
    """Write `stem`.csv, `stem`.md and `stem`.html for one output; return the paths by format."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rendered = render_table(results, output)
    return write_texts(
        {
            "csv": table_to_csv(results, output),
            "md": table_to_markdown(rendered),
            "html": table_to_html(rendered),
        },
        stem,
    )


def write_texts(texts: dict[str, str], stem: Path) -> dict[str, Path]:
    """Write each text as `stem`.<suffix> (UTF-8, line endings as given); paths by suffix."""
    stem = Path(stem)
    paths = {}
    for suffix, text in texts.items():
        path = stem.with_name(f"{stem.name}.{suffix}")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        paths[suffix] = path
    return paths


def _rendered(rows: pd.DataFrame, output: str, header, table_rows, footnotes) -> RenderedTable:
    """The finished table: the title names the cohort, and the SYNTHETIC flag comes from the
    rows themselves, decided here once for every layout."""
    footnotes = [*footnotes, *_suppression_notes(rows)]
    cohorts = _distinct(str(c) for c in rows["cohort"].dropna())
    title = output_title(output)
    if cohorts:
        title += f" (cohort {', '.join(cohorts)})"
    return RenderedTable(
        title=title,
        header=header,
        rows=table_rows,
        footnotes=footnotes,
        synthetic=bool(rows["synthetic"].fillna(False).any()),
        output=output,
        tier=tier_of(rows),
    )
