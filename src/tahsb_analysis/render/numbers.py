"""Numbers as text: the one place where a percentage, an interval or a p-value is formatted.

Tables, figure captions, the pages and the replication check all use these functions, so a
number reads the same wherever it is shown. Rounding is half up, as a reader would round by hand.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from tahsb_analysis.results.numbers import round_half_up

NOT_AVAILABLE = "n/a"
# An odds ratio a model could not estimate (separation): said in words, never a blank.
NOT_ESTIMABLE = "not estimable"


def is_missing(value) -> bool:
    """True for None, <NA> and NaN (and anything pandas reads as missing)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value, digits: int = 1) -> str:
    """A number with `digits` decimal places; "n/a" when missing."""
    if is_missing(value) or not math.isfinite(float(value)):
        return NOT_AVAILABLE
    rounded = round_half_up(value, digits)
    return str(abs(rounded) if rounded == 0 else rounded)  # never "-0.0"


def format_percent(proportion, digits: int = 1, sign: bool = True) -> str:
    """A proportion (0-1) as a percentage: 0.3 -> "30.0%"."""
    if is_missing(proportion):
        return NOT_AVAILABLE
    text = format_number(float(proportion) * 100, digits)
    return f"{text}%" if sign else text


def format_ci(low, high, *, percent: bool = True, digits: int = 1) -> str:
    """Confidence limits as "10.8 to 60.3" (percentages when `percent`); "n/a" when missing."""
    if is_missing(low) or is_missing(high):
        return NOT_AVAILABLE
    if percent:
        return f"{format_percent(low, digits, sign=False)} to {format_percent(high, digits, False)}"
    return f"{format_number(low, digits)} to {format_number(high, digits)}"


def format_share(n, denominator, proportion, digits: int = 1) -> str:
    """"3/10 (30.0%)"; "0/0 (n/a)" for an empty denominator."""
    n_text = NOT_AVAILABLE if is_missing(n) else str(int(n))
    d_text = NOT_AVAILABLE if is_missing(denominator) else str(int(denominator))
    return f"{n_text}/{d_text} ({format_percent(proportion, digits)})"


def format_p_value(p) -> str:
    """"p < 0.001" below 0.001, otherwise "p = 0.043" (three decimals)."""
    if is_missing(p):
        return "p not computed"
    if float(p) < 0.001:
        return "p < 0.001"
    return f"p = {format_number(p, 3)}"


def format_p_cell(p) -> str:
    """A p-value for a table column: "0.043", "< 0.001"; "n/a" when missing."""
    if is_missing(p):
        return NOT_AVAILABLE
    return format_p_value(p).removeprefix("p = ").removeprefix("p ")


def format_rank(rank) -> str:
    """A rank: "1", or "2.5" for a tie."""
    if is_missing(rank):
        return NOT_AVAILABLE
    value = float(rank)
    return str(int(value)) if value.is_integer() else format_number(value, 1)


def format_odds_ratio(estimate, low=None, high=None) -> str:
    """An odds ratio with its limits: "3.25 (1.10 to 9.61)"; "not estimable" when missing.

    Two decimals, as is usual for ratios; limits are left out when the row has none.
    """
    if is_missing(estimate) or not math.isfinite(float(estimate)):
        return NOT_ESTIMABLE
    text = format_number(estimate, 2)
    limits = format_ci(low, high, percent=False, digits=2)
    return text if limits == NOT_AVAILABLE else f"{text} ({limits})"


def ci_label(method) -> str:
    """The interval's name from the method text: "Wilson 95% CI" -> "95% CI"; else "CI"."""
    if is_missing(method):
        return "CI"
    if str(method).startswith("sensitivity analysis: bounds"):
        return "bounds (not recorded: no to yes)"
    match = re.search(r"(\d+(?:\.\d+)?)\s*%\s*(?:CI|confidence)", str(method), re.IGNORECASE)
    return f"{match.group(1)}% CI" if match else "CI"
