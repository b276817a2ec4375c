"""One results row (or the rows of one summary) as the text of a table cell.

"3/10 (30.0%)", "11.2 (9.8 to 13.0)", "RD 25.0 (3.1 to 44.2)": each layout composes its cells
from these, and a row hidden by disclosure control reads "[c]" whichever layout shows it.
"""

from __future__ import annotations

from tahsb_analysis.render.labels import code_words
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    format_ci,
    format_number,
    format_percent,
    format_share,
    is_missing,
)
from tahsb_analysis.render.rendered_table import SUPPRESSED_MARKER, is_suppressed
from tahsb_analysis.vocabulary import MISSING_BOUNDS

P_HEADER = "p"
P_ADJUSTED_HEADER = "p adj."
MEDIAN_IQR = "median (IQR)"
MEAN_SD = "mean (SD)"
EFFECT_ABBREVIATIONS = {
    "risk_difference": "RD",
    "cramers_v": "V",
    "hodges_lehmann": "HL",
    "rank_biserial": "r",
}


def estimate_cells(row) -> tuple[str, str]:
    """The main cell and the CI cell of one estimate row."""
    if is_suppressed(row):
        return SUPPRESSED_MARKER, ""
    statistic = row["statistic"]
    if statistic == "proportion":
        return (
            format_share(row["n"], row["denominator"], row["estimate"]),
            format_ci(row["ci_low"], row["ci_high"]),
        )
    if statistic == MISSING_BOUNDS:  # complete-case share; its bounds, of N with not recorded
        size = "" if is_missing(row["denominator"]) else f" (N = {int(row['denominator'])})"
        return format_percent(row["estimate"]), format_ci(row["ci_low"], row["ci_high"]) + size
    if statistic == "count":
        count = row["n"] if not is_missing(row["n"]) else row["estimate"]
        return (NOT_AVAILABLE if is_missing(count) else str(int(count))), ""
    main = format_number(row["estimate"], 2 if row["unit"] != "years" else 1)
    if not is_missing(row["denominator"]):
        main += f" (N = {int(row['denominator'])})"
    ci = (
        ""
        if is_missing(row["ci_low"])
        else format_ci(row["ci_low"], row["ci_high"], percent=False, digits=2)
    )
    return main, ci


def share_cell(row) -> str:
    """"5/19 (26.3%) [11.8 to 48.8]": n/N (%) and the CI in brackets when given."""
    if is_suppressed(row):
        return SUPPRESSED_MARKER
    text = format_share(row["n"], row["denominator"], row["estimate"])
    limits = format_ci(row["ci_low"], row["ci_high"])
    return text if limits == NOT_AVAILABLE else f"{text} [{limits}]"


def weighted_share_cell(row) -> str:
    """"41.8% [31.6 to 52.8]": a weighted share counts no children of its own, so no n/N."""
    if is_suppressed(row):
        return SUPPRESSED_MARKER
    text = format_percent(row["estimate"])
    limits = format_ci(row["ci_low"], row["ci_high"])
    return text if limits == NOT_AVAILABLE else f"{text} [{limits}]"


def summary_digits(row) -> int:
    """Decimals of a summary: one for years, two otherwise."""
    return 1 if row is not None and row["unit"] == "years" else 2


def median_iqr_cell(by_statistic: dict) -> str:
    """"11.2 (9.8 to 13.0)": median and quartiles."""
    median = by_statistic.get("median")
    if median is not None and is_suppressed(median):
        return SUPPRESSED_MARKER
    if median is None or is_missing(median["estimate"]):
        return NOT_AVAILABLE
    digits = summary_digits(median)
    quartiles = [by_statistic.get(q) for q in ("q1", "q3")]
    if any(q is None or is_missing(q["estimate"]) for q in quartiles):
        return format_number(median["estimate"], digits)
    q1, q3 = (format_number(q["estimate"], digits) for q in quartiles)
    return f"{format_number(median['estimate'], digits)} ({q1} to {q3})"


def mean_sd_cell(by_statistic: dict) -> str:
    """"11.4 (2.1) [10.4 to 12.4]": mean, SD and the CI of the mean when given."""
    mean = by_statistic.get("mean")
    if mean is not None and is_suppressed(mean):
        return SUPPRESSED_MARKER
    if mean is None or is_missing(mean["estimate"]):
        return NOT_AVAILABLE
    digits = summary_digits(mean)
    text = format_number(mean["estimate"], digits)
    sd = by_statistic.get("sd")
    if sd is not None and not is_missing(sd["estimate"]):
        text += f" ({format_number(sd['estimate'], digits)})"
    if not is_missing(mean["ci_low"]) and not is_missing(mean["ci_high"]):
        text += f" [{format_ci(mean['ci_low'], mean['ci_high'], percent=False, digits=digits)}]"
    return text


def format_effect(row) -> str:
    """A pairwise effect size in words: "RD 25.0 (3.1 to 44.2)", "V = 0.21", "HL 3.0", "r = 0.52".

    Risk differences are in percentage points; a Hodges-Lehmann shift is in the row's unit
    (one decimal for years). Limits follow in brackets when the row has them.
    """
    statistic = row["statistic"]
    abbreviation = EFFECT_ABBREVIATIONS.get(statistic, code_words(statistic))
    if is_suppressed(row):
        return f"{abbreviation} {SUPPRESSED_MARKER}"
    if statistic == "risk_difference":
        value = (
            NOT_AVAILABLE if is_missing(row["estimate"])
            else format_number(float(row["estimate"]) * 100, 1)
        )
        limits = format_ci(row["ci_low"], row["ci_high"])
        return f"{abbreviation} {value}" + ("" if limits == NOT_AVAILABLE else f" ({limits})")
    if statistic == "hodges_lehmann":
        digits = 1 if row["unit"] == "years" else 2
        text = f"{abbreviation} {format_number(row['estimate'], digits)}"
        limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
        return text + ("" if limits == NOT_AVAILABLE else f" ({limits})")
    if is_missing(row["estimate"]):
        return f"{abbreviation} {NOT_AVAILABLE}"
    text = f"{abbreviation} = {format_number(row['estimate'], 2)}"
    limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=2)
    return text + ("" if limits == NOT_AVAILABLE else f" ({limits})")
