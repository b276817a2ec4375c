"""The replication register: each published finding of Hollis and Belton (2017) as a claim
checked against one cohort's results table, with a verdict and the reason for it.

The register (data/replication_register.yaml, versioned) is data: `register` loads and
validates it, `verdicts` evaluates each rule, this module evaluates the register on a results
table (results.py) and `render.replication_table` lays the verdicts out as a table. No statistic
is computed from a cohort: every number is read from a results row.

Verdicts (`verdicts.VERDICTS`) are exactly "consistent", "not consistent" and "insufficient data". A
check that needs a row which is absent, suppressed by disclosure control, without an estimate
(or without the CI or count the rule needs) or with an empty denominator is "insufficient
data", never an error. Threshold and direction rules compare point estimates, strictly ("more
than half" is not met by exactly 50%; equal shares do not show a direction): they say whether a
cohort points the published way, not whether the difference is statistically significant (the
tests are in the results table).

Rules (`register.RULES`), each with its own keys beside `rule`, `measure`, optional
`published` and the selector `select` (the six keys of `register.SELECT_KEYS`, null meaning
<NA>):

==================  =====================================================================
rule                consistent when
==================  =====================================================================
value_in_ci         the published `value` lies inside the row's confidence interval
share_above         the row's estimate is strictly above `threshold`
rank_is             the row's rank equals `rank` and no other level of the same ranking
                    shares it (a tie for first is not "the most common")
all_present         every level in `levels` (replacing `select`'s level) has n > 0
direction           the row's estimate is strictly `higher` / `lower` than that of every row
                    differing from it in the one selector key of `compared_with`
==================  =====================================================================

A check can have several parts (one per level of `all_present`, one per compared row of
`direction`); a claim can have several checks. A claim with one part gives one row of the
evaluation (part 0). A claim with several gives an overall row (part 0) and one row per part
(1, 2, ...); the overall verdict is "not consistent" when any part is, else "insufficient
data" when any part is, else "consistent".
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.compare.register import resolve_register
from tahsb_analysis.compare.verdicts import (
    CONSISTENT,
    EVALUATORS,
    INSUFFICIENT,
    NOT_CONSISTENT,
)
from tahsb_analysis.render.tables import tier_of
from tahsb_analysis.results.schema import validate_results

OVERALL_PART = 0

# Columns of the evaluation frame, in order, with their dtypes.
REPLICATION_COLUMNS: dict[str, str] = {
    "cohort": "string",  # cohort label of the results rows
    "synthetic": "boolean",  # True when the cohort is synthetic
    "tier": "string",  # "internal" or "release" (tables.tier_of of the cohort's rows)
    "register_version": "string",  # the register's `version`
    "finding": "string",  # published finding id ("P1")
    "part": "Int64",  # 0: the claim's verdict; 1, 2, ...: its parts (only when several)
    "claim": "string",  # the published finding, paraphrased
    "kind": "string",  # value, ranking, categories, direction, grouping, interpretive
    "published": "string",  # the published value or direction, in words
    "measure": "string",  # what was measured, in words
    "rule": "string",  # the rule(s) applied ("direction", "all_present+direction")
    "statistic": "string",  # the statistic of `estimate` ("proportion", "mean", "rank")
    "estimate": "Float64",  # the cohort's estimate (a proportion as 0-1)
    "ci_low": "Float64",
    "ci_high": "Float64",
    "n": "Int64",
    "denominator": "Int64",
    "unit": "string",  # what n and denominator count
    "compared_with": "string",  # direction rule: the compared group or level, in words
    "compared_estimate": "Float64",
    "compared_ci_low": "Float64",
    "compared_ci_high": "Float64",
    "compared_n": "Int64",
    "compared_denominator": "Int64",
    # estimate minus the reference: the published value (value_in_ci), the threshold
    # (share rules) or the compared estimate (direction); <NA> for rank_is and all_present
    "difference": "Float64",
    "method": "string",  # the results rows' method(s), then the rule in words
    "verdict": "string",  # one of VERDICTS
    "reason": "string",  # why, in words
    "note": "string",  # the register's note: assumptions made to make the claim checkable
}


def combine_verdicts(verdicts) -> str:
    """All parts must hold: "not consistent" if any part is, else "insufficient data" if any
    part is, else "consistent" (a part that fails decides, whatever the unknown parts say)."""
    verdicts = list(verdicts)
    if NOT_CONSISTENT in verdicts:
        return NOT_CONSISTENT
    if INSUFFICIENT in verdicts or not verdicts:
        return INSUFFICIENT
    return CONSISTENT


def _distinct(values) -> list:
    out = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _part_list(numbers: list[int]) -> str:
    words = [str(n) for n in numbers]
    if len(words) == 1:
        return f"part {words[0]}"
    return f"parts {', '.join(words[:-1])} and {words[-1]}"


def _overall(claim: dict, parts: list[dict]) -> dict:
    verdicts = [p["verdict"] for p in parts]
    verdict = combine_verdicts(verdicts)
    failing = [i for i, v in enumerate(verdicts, start=1) if v == NOT_CONSISTENT]
    unknown = [i for i, v in enumerate(verdicts, start=1) if v == INSUFFICIENT]
    if verdict == CONSISTENT:
        reason = f"all {len(parts)} parts are consistent"
    elif verdict == NOT_CONSISTENT:
        reason = f"{_part_list(failing)} of {len(parts)} not consistent"
        if unknown:
            reason += f"; insufficient data for {_part_list(unknown)}"
    elif len(unknown) < len(parts):
        reason = (f"insufficient data for {_part_list(unknown)} of {len(parts)}; the other "
                  "parts are consistent")
    else:
        reason = f"insufficient data for every one of the {len(parts)} parts"
    measures = _distinct(check["measure"] for check in claim["checks"])
    return {
        "measure": f"{len(parts)} parts: " + "; ".join(measures),
        "published": claim["published"],
        "rule": "+".join(_distinct(check["rule"] for check in claim["checks"])),
        "method": "every part must be consistent; not consistent when any part is not; "
                  "otherwise insufficient data",
        "verdict": verdict,
        "reason": reason,
    }


def _evaluate_claim(claim: dict, rows: pd.DataFrame, context: dict) -> list[dict]:
    where = f"claim {claim['id']!r}"
    parts = []
    for number, check in enumerate(claim["checks"], start=1):
        parts += EVALUATORS[check["rule"]](check, rows, f"{where}, check {number}")
    base = {**context, "finding": claim["id"], "claim": claim["finding"], "kind": claim["kind"],
            "note": claim.get("note", pd.NA)}
    if len(parts) == 1:
        return [{**base, **parts[0], "published": claim["published"], "part": OVERALL_PART}]
    records = [{**base, **_overall(claim, parts), "part": OVERALL_PART}]
    records += [{**base, **p, "part": i} for i, p in enumerate(parts, start=1)]
    return records


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(REPLICATION_COLUMNS))
    for column, dtype in REPLICATION_COLUMNS.items():
        values = frame[column].astype(object).where(frame[column].notna(), pd.NA)
        frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True)


def evaluate_register(results: pd.DataFrame, register=None) -> pd.DataFrame:
    """Evaluate every claim of the register on a results table; one frame, fixed columns.

    `results` is a results table (results.py schema), usually one cohort's; with several
    cohorts each is evaluated on its own rows. `register` is a loaded register (dict), a path,
    or None for the packaged one. Returns `REPLICATION_COLUMNS` with, per cohort and claim,
    the overall row (part 0) and, when the claim has several parts, one row per part. The
    input is never modified. Raises ReplicationRegisterError for a malformed register or a
    selector matching several rows; absent, suppressed or empty rows give "insufficient data".
    """
    register = resolve_register(register)
    validate_results(results)
    if results.empty:
        by_cohort = [(pd.NA, results)]
    else:
        by_cohort = list(results.groupby("cohort", sort=False))
    records: list[dict] = []
    for cohort, rows in by_cohort:
        context = {
            "cohort": cohort,
            "synthetic": bool(rows["synthetic"].fillna(False).any()),
            "tier": tier_of(rows),
            "register_version": str(register["version"]),
        }
        for claim in register["claims"]:
            records += _evaluate_claim(claim, rows, context)
    return _frame(records)
