"""The legend of the replication verdicts: every word of the three scales of
`compare.verdicts` with what it means, for a page that shows verdicts without each cohort's
full replication table (the comparison page).

The words are the constants of `compare.verdicts`, never retyped here, so a change of wording
there reaches the legend; a verdict without a meaning below is an error when the legend is
built, not a silent gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from tahsb_analysis.compare.verdicts import (
    AS_PUBLISHED,
    CONSISTENT,
    CONTRADICTED,
    DESCRIPTIVE_VERDICTS,
    DIRECTION_VERDICTS,
    INCONSISTENT,
    INSUFFICIENT,
    NOT_AS_PUBLISHED,
    NOT_SUPPORTED,
    OPPOSITE,
    SUPPORTED,
    UNINFORMATIVE,
    VALUE_VERDICTS,
    VERDICTS,
)

# What each verdict means; "{alpha}" is replaced by the register's alpha.
MEANINGS: dict[str, str] = {
    SUPPORTED: "the published direction, and the claim's test significant (p at most {alpha} "
               "after Holm's adjustment)",
    NOT_SUPPORTED: "the published direction, but the test is not significant",
    OPPOSITE: "the other direction, or no difference at all, not significant",
    CONTRADICTED: "the other direction, and significant",
    CONSISTENT: "an equivalence test (TOST) against the published value plus or minus the "
                "register's margin passes at alpha {alpha}",
    INCONSISTENT: "the confidence interval lies entirely outside that margin",
    UNINFORMATIVE: "the interval overlaps the margin but the TOST does not pass, so the "
                   "cohort cannot tell",
    AS_PUBLISHED: "the rank or the presence of each named form reads as published (from "
                  "counts; no test)",
    NOT_AS_PUBLISHED: "the rank differs, or a named form is absent",
    INSUFFICIENT: "a results row the check needs is absent, suppressed by disclosure control "
                  "or empty, or too few children to compute the test",
}

SCALES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Directional findings", DIRECTION_VERDICTS),
    ("Published values", VALUE_VERDICTS),
    ("Ranks and presence", DESCRIPTIVE_VERDICTS),
)


@dataclass(frozen=True)
class LegendLine:
    """One scale: its name and (verdict, meaning) pairs, in the order of `compare.verdicts`."""

    scale: str
    entries: tuple[tuple[str, str], ...]


def verdict_legend(alpha: float | None = None) -> list[LegendLine]:
    """The legend, one line per scale, then one for `insufficient data` (shared by all
    three). `alpha` is the register's (None: "the register's alpha").

    Raises KeyError when a verdict of `compare.verdicts` has no meaning in `MEANINGS`.
    """
    shown = "the register's alpha" if alpha is None else f"{alpha:g}"
    missing = [v for v in VERDICTS if v not in MEANINGS]
    if missing:
        raise KeyError(f"verdict(s) {missing} have no meaning in the legend (MEANINGS)")
    lines = [
        LegendLine(scale, tuple((v, MEANINGS[v].format(alpha=shown))
                                for v in verdicts if v != INSUFFICIENT))
        for scale, verdicts in SCALES
    ]
    lines.append(LegendLine("Every kind of finding",
                            ((INSUFFICIENT, MEANINGS[INSUFFICIENT].format(alpha=shown)),)))
    return lines
