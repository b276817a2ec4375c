"""The verdicts of the replication check: each rule of the register (`register.RULES`)
evaluated on the results rows its check selects, giving one part (or one part per level or
compared row) with a verdict and the reason for it. The rules are described in `replication`.

No statistic of a cohort is computed here: every number is read from a results row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tahsb_analysis.compare.register import SELECT_KEYS, ReplicationRegisterError
from tahsb_analysis.compare.wording import (
    count_text,
    difference_text,
    format_rank,
    is_missing,
    key_words,
    level_label,
    published_number,
    row_text,
    with_ci,
)
from tahsb_analysis.results.schema import SUPPRESSED

CONSISTENT = "consistent"
NOT_CONSISTENT = "not consistent"
INSUFFICIENT = "insufficient data"
VERDICTS = (CONSISTENT, NOT_CONSISTENT, INSUFFICIENT)


def _match(rows: pd.DataFrame, select: Mapping) -> pd.DataFrame:
    mask = np.ones(len(rows), dtype=bool)
    for key in SELECT_KEYS:
        if key not in select:
            continue
        value = select[key]
        if value is None:
            mask &= rows[key].isna().to_numpy(dtype=bool)
        else:
            mask &= rows[key].eq(str(value)).fillna(False).to_numpy(dtype=bool)
    return rows[mask]


def _describe(select: Mapping) -> str:
    """A selector in words for messages: "prevalence_overall: hsb_group = dual, proportion"."""
    text = f"{select['output']}: {select['variable']}"
    if select.get("level") is not None:
        text += f" = {select['level']}"
    if select.get("group") is not None:
        text += f" in {select['group_variable']} {select['group']}"
    return f"{text}, {select['statistic']}"


def _lookup(rows: pd.DataFrame, select: Mapping, where: str, need: tuple[str, ...]):
    """(row or None, problem or None): the one row matching `select`, and why it cannot be
    used for a check needing the columns `need` ("estimate", "ci", "n")."""
    found = _match(rows, select)
    if len(found) > 1:
        raise ReplicationRegisterError(
            f"{where}: {len(found)} results rows match {_describe(select)}; the selector must "
            "name exactly one row"
        )
    if found.empty:
        return None, f"no results row for {_describe(select)}"
    row = found.iloc[0]
    if row["disclosure"] == SUPPRESSED:
        why = "" if is_missing(row["disclosure_reason"]) else f" ({row['disclosure_reason']})"
        return row, f"the row for {_describe(select)} is suppressed by disclosure control{why}"
    if not is_missing(row["denominator"]) and int(row["denominator"]) == 0:
        return row, f"the row for {_describe(select)} has an empty denominator"
    words = {"estimate": "no estimate", "n": "no count (n)", "ci": "no confidence interval"}
    for column in need:
        values = [row["ci_low"], row["ci_high"]] if column == "ci" else [row[column]]
        if any(is_missing(v) for v in values):
            return row, f"the row for {_describe(select)} has {words[column]}"
    return row, None


def _row_values(row, prefix: str = "") -> dict:
    columns = ("estimate", "ci_low", "ci_high", "n", "denominator")
    if row is None:
        values = dict.fromkeys(columns, pd.NA)
        if not prefix:
            values["unit"] = pd.NA
        return {f"{prefix}{c}": v for c, v in values.items()}
    values = {f"{prefix}{c}": row[c] for c in columns}
    if not prefix:
        values["unit"] = row["unit"]
    return values


def _methods(rule_words: str, *rows) -> str:
    used = []
    for row in rows:
        if row is not None and not is_missing(row["method"]) and row["method"] not in used:
            used.append(str(row["method"]))
    return "; ".join([*used, f"rule: {rule_words}"])


def _part(check, row, rule_words, published, **values) -> dict:
    statistic = check["select"]["statistic"]
    return {
        "measure": check["measure"],
        "published": published,
        "rule": check["rule"],
        "statistic": statistic,
        **_row_values(row),
        "method": _methods(rule_words, row),
        **values,
    }


def _value_in_ci(check, rows, where) -> list[dict]:
    select, value = check["select"], check["value"]
    statistic = select["statistic"]
    row, problem = _lookup(rows, select, where, need=("estimate", "ci"))
    unit = None if row is None else row["unit"]
    published_value = published_number(value, statistic, unit)
    words = "consistent when the published value lies inside the estimate's confidence interval"
    part = _part(check, row, words, check.get("published", published_value))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    inside = float(row["ci_low"]) <= value <= float(row["ci_high"])
    difference = float(row["estimate"]) - value
    shown = with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, unit,
                     row["method"])
    reason = (
        f"{shown} {'contains' if inside else 'does not contain'} the published "
        f"{published_value}; the estimate differs from it by "
        f"{difference_text(difference, statistic, unit)}"
    )
    return [{**part, "difference": difference, "verdict": CONSISTENT if inside else NOT_CONSISTENT,
             "reason": reason}]


def _threshold_words(threshold) -> str:
    return f"{float(threshold) * 100:g}%"


def _share_above(check, rows, where) -> list[dict]:
    select, threshold = check["select"], check["threshold"]
    statistic = select["statistic"]
    row, problem = _lookup(rows, select, where, need=("estimate",))
    words = (f"consistent when the estimate is above {_threshold_words(threshold)} (strictly; "
             "the CI is shown, not used)")
    part = _part(check, row, words, check.get("published", f"above {_threshold_words(threshold)}"))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    estimate = float(row["estimate"])
    above = estimate > threshold
    reason = (f"{row_text(row, statistic)} is {'above' if above else 'not above'} "
              f"{_threshold_words(threshold)}")
    return [{**part, "difference": estimate - threshold,
             "verdict": CONSISTENT if above else NOT_CONSISTENT, "reason": reason}]


def _rank_is(check, rows, where) -> list[dict]:
    select, rank = check["select"], check["rank"]
    row, problem = _lookup(rows, select, where, need=("estimate",))
    words = f"consistent when the level holds rank {rank} alone (a tie is not consistent)"
    part = _part(check, row, words, check.get("published", f"rank {rank}"))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    ranking = _match(rows, {k: v for k, v in select.items() if k != "level"})
    shown = ranking[ranking["disclosure"].ne(SUPPRESSED).fillna(True).to_numpy(dtype=bool)]
    others = shown[shown["estimate"].eq(row["estimate"]).fillna(False).to_numpy(dtype=bool)
                   & shown["level"].ne(row["level"]).fillna(True).to_numpy(dtype=bool)]
    held = f"{format_rank(row['estimate'])} of {len(ranking)} levels"
    if float(row["estimate"]) != rank:
        verdict, reason = NOT_CONSISTENT, f"ranked {held}, not {rank}"
    elif len(others):
        tied = ", ".join(level_label(select["variable"], lv) for lv in others["level"])
        verdict, reason = NOT_CONSISTENT, f"shares rank {rank} with {tied}"
    else:
        count = count_text(row["n"], row["denominator"], "rank", row["unit"])
        verdict, reason = CONSISTENT, f"ranked {held} ({count} {row['unit']})"
    return [{**part, "verdict": verdict, "reason": reason}]


def _all_present(check, rows, where) -> list[dict]:
    parts = []
    words = "consistent when every listed level has n > 0"
    for level in check["levels"]:
        select = {**check["select"], "level": level}
        row, problem = _lookup(rows, select, where, need=("n",))
        label = level_label(select["variable"], level)
        part = {**_part({**check, "select": select}, row, words, "present"),
                "measure": f"{check['measure']}: {label}"}
        if problem:
            parts.append({**part, "verdict": INSUFFICIENT, "reason": problem})
            continue
        count = count_text(row["n"], row["denominator"], "proportion", row["unit"])
        present = int(row["n"]) > 0
        parts.append({**part, "verdict": CONSISTENT if present else NOT_CONSISTENT,
                      "reason": f"{'present' if present else 'absent'}: {count} {row['unit']}"})
    return parts


def _direction(check, rows, where) -> list[dict]:
    select, direction = check["select"], check["direction"]
    statistic = select["statistic"]
    (key, values), = check["compared_with"].items()
    words = (f"consistent when the estimate is {direction} than each compared estimate "
             "(strictly; CIs are shown, not used)")
    row, problem = _lookup(rows, select, where, need=("estimate",))
    label = key_words(select, key)
    parts = []
    for value in values:
        other_select = {**select, key: value}
        other, other_problem = _lookup(rows, other_select, where, need=("estimate",))
        other_label = key_words(other_select, key)
        part = {
            **_part(check, row, words, check.get("published", f"{direction} than {other_label}")),
            "measure": f"{check['measure']}: {label} vs {other_label}",
            "compared_with": other_label,
            **_row_values(other, prefix="compared_"),
            "method": _methods(words, row, other),
        }
        if problem or other_problem:
            parts.append({**part, "verdict": INSUFFICIENT, "reason": problem or other_problem})
            continue
        estimate, compared = float(row["estimate"]), float(other["estimate"])
        holds = estimate > compared if direction == "higher" else estimate < compared
        reason = (f"{label} {row_text(row, statistic)} is {'' if holds else 'not '}{direction} "
                  f"than {other_label} {row_text(other, statistic)}")
        parts.append({**part, "difference": estimate - compared,
                      "verdict": CONSISTENT if holds else NOT_CONSISTENT, "reason": reason})
    return parts


EVALUATORS = {
    "value_in_ci": _value_in_ci,
    "share_above": _share_above,
    "rank_is": _rank_is,
    "all_present": _all_present,
    "direction": _direction,
}
