"""Rows in words, for footnotes: a test and its p-value, a count of missing values, the place
a row belongs to, and the published findings a table bears on.

Every layout words these the same way; figure captions reuse `format_test` and `missing_note`.
"""

from __future__ import annotations

from tahsb_analysis.render.labels import level_label, unit_word, upper_first, variable_label
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    format_number,
    format_p_value,
    format_percent,
    format_share,
    is_missing,
)
from tahsb_analysis.render.rendered_table import SUPPRESSED_MARKER, is_suppressed
from tahsb_analysis.vocabulary import MISSING_PREFIX, TEST_STATISTICS

_TESTS = frozenset(TEST_STATISTICS)
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
    "linear_by_linear": "M2",
}


def row_place(row) -> str:
    """Words naming a row: "HSB group: dual (...), among Male"."""
    text = upper_first(variable_label(row["variable"]))
    if not is_missing(row["level"]):
        text += f": {level_label(row['variable'], row['level'])}"
    if not is_missing(row["group"]):
        group = level_label(row["group_variable"], row["group"])
        text += f", {variable_label(row['group_variable'])} {group}"
    return text


def _test_subject(row) -> tuple[str, str]:
    """What a test is about and across what: ("impulsivity (yes)", " across HSB group")."""
    subject = variable_label(row["variable"])
    if not is_missing(row["level"]):
        subject += f" ({level_label(row['variable'], row['level'])})"
    across = (
        f" across {variable_label(row['group_variable'])}"
        if not is_missing(row["group_variable"])
        else ""
    )
    if row["statistic"] in ONE_SAMPLE_TESTS and not is_missing(row["group"]):
        # One group tested against a fixed value: name the group, not a comparison.
        across = (
            f" ({variable_label(row['group_variable'])}: "
            f"{level_label(row['group_variable'], row['group'])})"
        )
    return subject, across


def _test_statistic_parts(row, method: str) -> list[str]:
    """The test's own statistic in words ("chi-squared = 12.35"), or what a one-sample test
    estimated; none for a test without a statistic to report (a Monte Carlo exact test)."""
    if is_missing(row["estimate"]):
        return []
    if row["statistic"] in ONE_SAMPLE_TESTS:
        return [_one_sample_estimate(row)]
    if row["statistic"] not in _TESTS:
        return []
    name = TEST_STATISTIC_NAMES.get(row["statistic"], "statistic")
    if row["statistic"] == "fisher_exact" and method.startswith("Fisher's exact test"):
        name = "odds ratio"
    return [f"{name} = {format_number(row['estimate'], 2)}"]


def format_test(row) -> str:
    """One test (or a p-value on an estimate row) in words, as a sentence: "Test of ... across
    HSB group: Pearson chi-squared test: chi-squared = 12.35, p < 0.001." """
    subject, across = _test_subject(row)
    method = "" if is_missing(row["method"]) else str(row["method"])
    if is_suppressed(row):
        return f"Test of {subject}{across}: {method}: {SUPPRESSED_MARKER}."
    if row["statistic"] == "not_tested":
        text = f"Test of {subject}{across}: not tested"
        if not is_missing(row["warning"]):
            reason = str(row["warning"])
            reason = reason.removeprefix("not tested: ")
            text += f" ({reason})"
        return text + "."
    parts = _test_statistic_parts(row, method)
    parts.append(format_p_value(row["p_value"]))
    if not is_missing(row["p_adjusted"]):
        adjusted = format_p_value(row["p_adjusted"]).removeprefix("p ")
        parts.append(f"{row['p_adjust_method']}-adjusted p {adjusted}")
    text = f"Test of {subject}{across}: {method}: " + ", ".join(parts)
    if not is_missing(row["warning"]):
        text += f"; {row['warning']}"
    return text + "."


def _one_sample_estimate(row) -> str:
    """What a one-sample test estimated: "share = 12/20 (60.0%)" for a binomial test (its
    estimate is the share), "median paired difference = 3.0 years" for a signed-rank or sign
    test (its estimate is the median difference)."""
    if row["statistic"] == "binomial_test":
        if is_missing(row["n"]) or is_missing(row["denominator"]):
            return f"share = {format_percent(row['estimate'])}"
        return f"share = {format_share(row['n'], row['denominator'], row['estimate'])}"
    digits = 1 if row["unit"] == "years" else 2
    text = f"median paired difference = {format_number(row['estimate'], digits)}"
    if not is_missing(row["unit"]):
        text += f" {row['unit']}"  # "1.0 years": decimals read as plural
    return text


def missing_count(row):
    """The children a missing-value row counts: its n, else its estimate (may be missing)."""
    return row["n"] if not is_missing(row["n"]) else row["estimate"]


def missing_note(row) -> str:
    """"Not recorded: sex for 2 children; excluded from percentages." """
    reason = upper_first(str(row["level"]).removeprefix(MISSING_PREFIX))
    count = missing_count(row)
    count_text = NOT_AVAILABLE if is_missing(count) else str(int(count))
    unit = unit_word(row["unit"], count) or "cases"
    text = f"{reason}: {variable_label(row['variable'])} for {count_text} {unit}"
    if not is_missing(row["group"]):
        text += (
            f" ({variable_label(row['group_variable'])}: "
            f"{level_label(row['group_variable'], row['group'])})"
        )
    return text + "; excluded from percentages."


def findings_note(records: list) -> str:
    """"Bears on published finding(s): C1 (age ...), C2 (stability of the family)." """
    served: dict[str, list[str]] = {}
    for r in records:
        if is_missing(r["finding"]):
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
