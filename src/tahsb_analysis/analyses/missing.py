"""Why a value is missing, and the count rows that report it (the "missing rows" convention).

Every analysis leaves a child (or behaviour) whose value is missing out of a statistic's
denominator and counts it in its own row of level "missing: <reason>", one row per reason that
occurs. The reasons are the codebook's missing-value labels, shortened: "-9" -> "not recorded",
"-8" -> "not applicable". These helpers are the one place that turns codes into those rows.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.vocabulary import MISSING_PREFIX

# A value that is <NA> with no code beside it (or an unknown code) was simply not recorded.
DEFAULT_REASON = "not recorded"
MISSING_METHOD = {
    "children": "count of children whose value is missing",
    "behaviours": "count of behaviours whose value is missing",
}
_SHORT_LABELS = ("not recorded", "not applicable")


def short_label(label: str) -> str:
    """The codebook's "not recorded in the case file" -> "not recorded" (likewise "not
    applicable to this child" -> "not applicable"); any other label is kept whole."""
    for short in _SHORT_LABELS:
        if label.startswith(short):
            return short
    return label


@cache
def missing_code_reasons() -> dict[str, str]:
    """Missing-value code -> short reason, from the codebook ({"-9": "not recorded", ...}).

    The codes mean the same in every field (the codebook says so), so the first label met for a
    code is its label everywhere.
    """
    reasons: dict[str, str] = {}
    for table in load_codebook().tables.values():
        for fld in table.fields:
            for code in fld.missing_codes:
                reasons.setdefault(code.value, short_label(code.label))
    return reasons


def missing_reason(values: pd.Series, codes: pd.Series | None = None) -> pd.Series:
    """The reason each missing value is missing; <NA> where the value is present.

    Parameters
    ----------
    values : pandas.Series
        The variable, <NA> where missing.
    codes : pandas.Series, optional
        The companion "<field>__missing" column ("-9", "-8", or <NA>), aligned with `values` by
        position. Without it, or where it holds no known code, a missing value is "not recorded".

    Returns
    -------
    pandas.Series
        Categorical of the short reasons (codebook order, then any other label), with the index
        of `values`. Categorical so that counting it by group over a million children stays a
        bincount.
    """
    reasons = missing_code_reasons()
    categories = list(dict.fromkeys([DEFAULT_REASON, *reasons.values()]))
    is_missing = np.asarray(values.isna(), dtype=bool)
    if codes is None:
        reason_codes = np.zeros(len(values), dtype=np.int8)
    else:
        if len(codes) != len(values):
            raise ValueError(
                f"missing-value codes ({len(codes)} rows) do not match the values "
                f"({len(values)} rows)"
            )
        codes = pd.Series(codes, copy=False)
        if isinstance(codes.dtype, pd.CategoricalDtype):
            coded = codes.array
        else:
            coded = pd.Categorical(codes)
        # Map the few distinct codes, not the rows; the extra last entry (code -1: no code
        # beside a missing value) is the default reason.
        per_category = [
            categories.index(reasons.get(str(c), DEFAULT_REASON)) for c in coded.categories
        ]
        lookup = np.array([*per_category, 0], dtype=np.int8)
        reason_codes = lookup[np.asarray(coded.codes)]
    reason_codes = np.where(is_missing, reason_codes, -1)
    return pd.Series(
        pd.Categorical.from_codes(reason_codes, categories=categories),
        index=values.index,
        name=values.name,
    )


def missing_rows(
    reasons: pd.Series, *, variable: str, denominator: int, unit: str = "children", **columns
) -> list[dict]:
    """One count row per missing-value reason that occurs among `reasons`.

    Parameters
    ----------
    reasons : pandas.Series
        A reason per member of the population, <NA> where the value is present (as returned by
        `missing_reason`).
    variable : str
        The variable whose value is missing.
    denominator : int
        The population the count is a part of (every member, missing or not).
    unit : {"children", "behaviours"}
        What is counted.
    **columns
        Further results-table columns filled on every row (group_variable, group, finding...).

    Returns
    -------
    list of dict
        Rows with level "missing: <reason>", statistic "count", estimate = n; reasons in
        codebook order ("not recorded" before "not applicable"); no row for a count of 0.
    """
    if unit not in MISSING_METHOD:
        raise ValueError(f"unknown unit {unit!r}; choose one of {sorted(MISSING_METHOD)}")
    present = pd.Series(reasons, copy=False).dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        counts = present.value_counts(sort=False)
    else:
        counts = present.astype("string").value_counts(sort=False)
        order = {r: i for i, r in enumerate(dict.fromkeys(missing_code_reasons().values()))}
        counts = counts.loc[sorted(counts.index, key=lambda r: (order.get(r, len(order)), r))]
    rows = []
    for reason, count in counts.items():
        if count > 0:
            rows.append(
                {
                    "variable": variable,
                    "level": MISSING_PREFIX + str(reason),
                    **columns,
                    "statistic": "count",
                    "estimate": float(count),
                    "n": int(count),
                    "denominator": int(denominator),
                    "unit": unit,
                    "method": MISSING_METHOD[unit],
                }
            )
    return rows
