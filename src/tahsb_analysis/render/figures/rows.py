"""Picking a figure's rows from the results table, and saying them in words.

A figure reads the rows of the output the registry names for it (`source_output`); a level
without rows or with an <NA> estimate is "no data". Numbers in words are formatted by
`render.tables`, so figures and tables always agree. Nothing here adds counts up.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.tables import (
    ci_label,
    format_ci,
    format_share,
    missing_note,
    output_rows,
)
from tahsb_analysis.vocabulary import (
    MISSING_PREFIX,
)

# --- which rows ------------------------------------------------------------------------------


def source_output(figure: str) -> str:
    """The output whose rows the registry figure `figure` draws."""
    return load_registry().figure(figure).output


def is_na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def drawable(row) -> bool:
    """A row with an estimate (None and <NA> estimates are "no data")."""
    return row is not None and not is_na(row["estimate"])


def mask(series: pd.Series) -> pd.Series:
    """A boolean mask of a comparison that may hold <NA> (<NA> counts as False)."""
    return series.fillna(False).to_numpy(dtype=bool)


def select(
    results: pd.DataFrame, output: str, variable: str, group: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(proportion rows of `variable` within `group`, missing-value rows) of one output."""
    rows = output_rows(results, output)
    in_group = rows["group"].isna() if group is None else rows["group"].eq(group)
    in_group = in_group.fillna(False).to_numpy(dtype=bool)
    share = (
        rows["statistic"].eq("proportion").fillna(False).to_numpy(dtype=bool)
        & rows["variable"].eq(variable).fillna(False).to_numpy(dtype=bool)
        & in_group
    )
    missing = (
        rows["level"].str.startswith(MISSING_PREFIX).fillna(False).to_numpy(dtype=bool)
        & rows["statistic"].eq("count").fillna(False).to_numpy(dtype=bool)
    )
    proportions = rows[share]
    proportions = proportions[~proportions["level"].duplicated()]
    return proportions, rows[missing]


def by_level(proportions: pd.DataFrame) -> dict[str, pd.Series]:
    return {str(row["level"]): row for _, row in proportions.iterrows() if not is_na(row["level"])}


def is_synthetic(results: pd.DataFrame, output: str) -> bool:
    rows = output_rows(results, output)
    source = rows if len(rows) else results
    return bool(source["synthetic"].fillna(False).any())


@lru_cache(maxsize=1)
def codebook_levels() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{field: ("boolean" | "categorical", levels in codebook order)} for coded fields."""
    levels: dict[str, tuple[str, tuple[str, ...]]] = {}
    for table in load_codebook().tables.values():
        for fld in table.fields:
            if fld.is_boolean:
                levels.setdefault(fld.name, ("boolean", ("yes",)))
            elif fld.is_categorical:
                levels.setdefault(fld.name, ("categorical", tuple(fld.valid_codes)))
    return levels


# --- values for drawing (layout only: a share in percent, limits as numbers) -----------------


def percent(value) -> float:
    """A proportion as a percentage, for drawing."""
    return float(value) * 100


def ci_limits(row, scale: float = 1.0) -> tuple[float, float] | None:
    """(low, high) of a row's CI times `scale`, or None when either limit is missing."""
    if is_na(row["ci_low"]) or is_na(row["ci_high"]):
        return None
    return float(row["ci_low"]) * scale, float(row["ci_high"]) * scale


def median_quartiles(by_statistic: dict) -> tuple[float, float, float] | None:
    """(median, q1, q3) when the median is known; quartiles fall back to the median."""
    median = by_statistic.get("median")
    if not drawable(median):
        return None
    value = float(median["estimate"])
    q1, q3 = (by_statistic.get(q) for q in ("q1", "q3"))
    low = float(q1["estimate"]) if drawable(q1) else value
    high = float(q3["estimate"]) if drawable(q3) else value
    return value, low, high


# --- words -----------------------------------------------------------------------------------


def count_text(value) -> str:
    return "n/a" if is_na(value) else str(int(value))


def cohort_text(results: pd.DataFrame, output: str) -> str:
    cohorts = sorted(output_rows(results, output)["cohort"].dropna().astype(str).unique())
    return f" (cohort {', '.join(cohorts)})" if cohorts else ""


def denominator_text(proportions: pd.DataFrame) -> str:
    """"N = 275", or a list when rows were computed on different denominators."""
    values = sorted({int(d) for d in proportions["denominator"].dropna()})
    if not values:
        return "N not available"
    return "N = " + ", ".join(str(v) for v in values)


def method_text(rows) -> str:
    """The methods of `rows` (a frame or a list of rows), "; "-joined."""
    if not isinstance(rows, pd.DataFrame):
        if not rows:
            return "method not stated"
        rows = pd.DataFrame(rows)
    methods = list(dict.fromkeys(str(m) for m in rows["method"].dropna()))
    return "; ".join(methods) if methods else "method not stated"


def share_words(row) -> str:
    """"19/275 (6.9%, 95% CI 4.5 to 10.6)"; "no data" for an empty denominator."""
    if not drawable(row):
        return "no data"
    text = format_share(row["n"], row["denominator"], row["estimate"])
    if not is_na(row["ci_low"]):
        interval = format_ci(row["ci_low"], row["ci_high"])
        text = text[:-1] + f", {ci_label(row['method'])} {interval})"
    return text


def missing_words(missing: pd.DataFrame) -> str:
    """" Not recorded: ..." for each missing-value row; "" when there are none."""
    if not len(missing):
        return ""
    return " " + " ".join(missing_note(row) for _, row in missing.iterrows())


def warnings(rows: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(str(w) for w in rows["warning"].dropna()))


def warning_words(rows: pd.DataFrame) -> str:
    return "".join(f" Warning: {w}." for w in warnings(rows))


def findings_words(rows: pd.DataFrame) -> str:
    """" Bears on published finding(s): C1, C5." for the findings of `rows`; "" if none."""
    parts = (p.strip() for value in rows["finding"].dropna() for p in str(value).split(";"))
    findings = list(dict.fromkeys(p for p in parts if p))
    return f" Bears on published finding(s): {', '.join(findings)}." if findings else ""
