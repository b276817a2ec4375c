"""The words of the replication check: a results row, a number and a group as a reader sees
them ("46.0% (95% CI 40.0 to 51.7), 126/275"), for the reasons of the verdicts (`verdicts`) and
the cells of the replication table (`render.replication_table`).

Numbers and labels are formatted by the table renderer's functions, so a verdict's reason reads
like the tables. This is the one module of `compare` that borrows them from `render.tables`:
when number and label formatting move below `render`, only the import here changes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from tahsb_analysis.render.tables import (
    NOT_AVAILABLE,
    ci_label,
    format_ci,
    format_number,
    format_percent,
    format_rank,
    level_label,
    short_group_label,
    variable_label,
)


def is_missing(value) -> bool:
    """True for None, <NA> and NaN."""
    return value is None or value is pd.NA or bool(pd.isna(value))


def group_words(group_variable, group) -> str:
    if is_missing(group):
        return "all"
    if group_variable in ("hsb_group", "dual_subgroup"):
        return short_group_label(group)
    return level_label(group_variable, group)


def key_words(select: Mapping, key: str) -> str:
    """What distinguishes rows differing in `key`: a group, a level or a variable, in words."""
    value = select[key]
    if key == "group":
        return group_words(select["group_variable"], value)
    if key == "level":
        return level_label(select["variable"], value)
    if key == "variable":
        return variable_label(value)
    return str(value)


def number_text(value, statistic, unit) -> str:
    """One number as a reader sees it: "46.0%", "3.0 years", "rank 1"."""
    if is_missing(value):
        return NOT_AVAILABLE
    if statistic == "proportion":
        return format_percent(value)
    if statistic == "rank":
        return f"rank {format_rank(value)}"
    text = format_number(value, 1)
    return f"{text} years" if unit == "years" else text


def published_number(value, statistic, unit) -> str:
    """A published value as written: 0.46 -> "46%", 3 -> "3 years"."""
    if statistic == "proportion":
        return f"{float(value) * 100:g}%"
    return f"{float(value):g}" + (" years" if unit == "years" else "")


def difference_text(value, statistic, unit) -> str:
    if statistic == "proportion":
        return f"{format_number(abs(float(value)) * 100, 1)} percentage points"
    text = format_number(abs(float(value)), 1)
    return f"{text} years" if unit == "years" else text


def with_ci(value, low, high, statistic, unit, method) -> str:
    text = number_text(value, statistic, unit)
    if is_missing(low) or is_missing(high):
        return text
    percent = statistic == "proportion"
    return f"{text} ({ci_label(method)} {format_ci(low, high, percent=percent)})"


def count_text(n, denominator, statistic, unit) -> str:
    if is_missing(n):
        return ""
    if statistic in ("mean", "median"):
        return f"n = {int(n)}"
    if is_missing(denominator):
        return f"n = {int(n)}"
    return f"{int(n)}/{int(denominator)}"


def row_text(row, statistic) -> str:
    """A results row as "46.0% (95% CI 40.0 to 51.7), 126/275"."""
    text = with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, row["unit"],
                   row["method"])
    count = count_text(row["n"], row["denominator"], statistic, row["unit"])
    return f"{text}, {count}" if count else text
