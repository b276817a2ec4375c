"""The verdicts of the replication check: each rule of the register (`register.RULES`)
evaluated on the results rows its check selects, giving one part (or one part per level or
compared row) with the evidence it rests on. The rules and scales are described in
`replication`.

Estimates, CIs, counts and the analyses' own tests are read from results rows; where a claim
has no test row, the test is computed from the rows' counts (`evidence`) and named in the part.
Directional parts leave their verdict open (`verdict` None, `holds` set): it is decided by
`decide_direction` after Holm's adjustment across the register's directional tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tahsb_analysis.compare import evidence
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
from tahsb_analysis.vocabulary import FIRTH_PRIMARY, ODDS_RATIO, ODDS_RATIO_FIRTH

# Directional claims (a group higher or lower than another, a share above a threshold).
SUPPORTED = "supported"
NOT_SUPPORTED = "same direction, not statistically supported"
OPPOSITE = "opposite direction"
CONTRADICTED = "contradicted"
INSUFFICIENT = "insufficient data"
DIRECTION_VERDICTS = (SUPPORTED, NOT_SUPPORTED, OPPOSITE, CONTRADICTED, INSUFFICIENT)
# Published values, by an equivalence test (TOST) with the register's margin.
CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
UNINFORMATIVE = "uninformative"
VALUE_VERDICTS = (CONSISTENT, INCONSISTENT, UNINFORMATIVE, INSUFFICIENT)
# Descriptive checks (a rank, levels present): read from counts, no sampling error involved.
AS_PUBLISHED = "as published"
NOT_AS_PUBLISHED = "not as published"
DESCRIPTIVE_VERDICTS = (AS_PUBLISHED, NOT_AS_PUBLISHED, INSUFFICIENT)
VERDICTS = tuple(dict.fromkeys(DIRECTION_VERDICTS + VALUE_VERDICTS + DESCRIPTIVE_VERDICTS))

# The scale of each rule's parts.
DIRECTION_SCALE, VALUE_SCALE, DESCRIPTIVE_SCALE = "direction", "value", "descriptive"
RULE_SCALES = {"equivalence": VALUE_SCALE, "share_above": DIRECTION_SCALE,
               "direction": DIRECTION_SCALE, "rank_is": DESCRIPTIVE_SCALE,
               "all_present": DESCRIPTIVE_SCALE}

NOT_TESTED = "not tested: a descriptive check read from the rows' counts"
NO_MDD = "not applicable: a descriptive check"
HOLM = "Holm"


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


_NEEDS = {"estimate": "no estimate", "n": "no count (n)", "ci": "no confidence interval",
          "denominator": "no denominator", "p_value": "no p-value"}


def _lookup(rows: pd.DataFrame, select: Mapping, where: str, need: tuple[str, ...]):
    """(row or None, problem or None): the one row matching `select`, and why it cannot be
    used for a check needing the columns `need` (keys of _NEEDS)."""
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
    for column in need:
        values = [row["ci_low"], row["ci_high"]] if column == "ci" else [row[column]]
        if any(is_missing(v) for v in values):
            return row, f"the row for {_describe(select)} has {_NEEDS[column]}"
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


def _evidence(test=pd.NA, p=pd.NA, mdd=pd.NA, mdd_method=pd.NA, margin=pd.NA) -> dict:
    def number(value):
        return pd.NA if value is None or is_missing(value) else float(value)
    return {"test": test, "p_value": number(p), "p_adjusted": pd.NA, "p_adjust_method": pd.NA,
            "mdd": number(mdd), "mdd_method": mdd_method, "margin": number(margin)}


def _part(check, row, rule_words, published, **values) -> dict:
    return {
        "measure": check["measure"],
        "published": published,
        "rule": check["rule"],
        "scale": RULE_SCALES[check["rule"]],
        "statistic": check["select"]["statistic"],
        **_row_values(row),
        "method": _methods(rule_words, row),
        **_evidence(),
        "holds": None,
        **values,
    }


def _sd_of(rows, select, where) -> float:
    """The SD row beside a mean row (same selector, statistic "sd"), or NaN."""
    row, problem = _lookup(rows, {**select, "statistic": "sd"}, where, need=("estimate",))
    return math.nan if problem else float(row["estimate"])


# --- published values: equivalence (TOST) ------------------------------------------------------

def _equivalence(check, rows, where, alpha) -> list[dict]:
    select, value, margin = check["select"], check["value"], check["margin"]
    statistic = select["statistic"]
    need = ("estimate", "ci", "n") + (("denominator",) if statistic == "proportion" else ())
    row, problem = _lookup(rows, select, where, need=need)
    unit = None if row is None else row["unit"]
    published_value = published_number(value, statistic, unit)
    low, high = value - margin, value + margin
    if statistic == "proportion":
        low, high = max(low, 0.0), min(high, 1.0)
    words = (f"consistent when the TOST against {published_value} +/- "
             f"{difference_text(margin, statistic, unit)} passes at alpha {alpha:g}; "
             "inconsistent when the CI lies outside that band; otherwise uninformative")
    part = _part(check, row, words, check.get("published", published_value),
                 **_evidence(margin=margin))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    n = int(row["n"])
    if statistic == "proportion":
        p, test = evidence.tost_share(n, int(row["denominator"]), low, high)
        mdd, mdd_method = evidence.mdd_one_share(int(row["denominator"]), value, alpha)
    else:
        sd = _sd_of(rows, select, where)
        p, test = evidence.tost_mean(float(row["estimate"]), sd, n, low, high)
        mdd, mdd_method = evidence.mdd_one_mean(n, sd, alpha)
    ci_low, ci_high = float(row["ci_low"]), float(row["ci_high"])
    band = f"[{number_words(low, statistic, unit)}, {number_words(high, statistic, unit)}]"
    shown = with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, unit,
                    row["method"])
    if math.isnan(p):
        verdict, reason = INSUFFICIENT, f"{shown}: no SD or too few children for the TOST"
    elif p <= alpha:
        verdict, reason = CONSISTENT, f"{shown} is equivalent to {band} (TOST p = {p:.3g})"
    elif ci_high < low or ci_low > high:
        verdict, reason = INCONSISTENT, f"{shown} lies outside {band}"
    else:
        verdict = UNINFORMATIVE
        reason = f"{shown} overlaps {band} but the TOST does not pass (p = {p:.3g})"
    return [{**part, **_evidence(test, p, mdd, mdd_method, margin),
             "difference": float(row["estimate"]) - value, "verdict": verdict,
             "reason": reason}]


def number_words(value, statistic, unit) -> str:
    return published_number(value, statistic, unit) if statistic == "proportion" else \
        f"{value:g}" + (" years" if unit == "years" else "")


# --- directional claims ------------------------------------------------------------------------

def _primary_select(rows, select: dict) -> dict:
    """The selector of the row a model's own method calls primary: the Firth row of an odds
    ratio when events per variable are few (its warning says so), else `select` itself."""
    if select.get("statistic") != ODDS_RATIO:
        return select
    firth = {**select, "statistic": ODDS_RATIO_FIRTH}
    found = _match(rows, firth)
    primary = found["warning"].astype("string").str.startswith(FIRTH_PRIMARY).fillna(False)
    return firth if len(found) == 1 and bool(primary.iloc[0]) else select


def _test_row(rows, spec, where):
    """(p, name, row, problem) of a declared test row (the primary Firth row of a model term
    when there is one: the estimate the model's method calls primary)."""
    row, problem = _lookup(rows, _primary_select(rows, spec["select"]), where, need=("p_value",))
    if problem:
        return math.nan, pd.NA, row, problem
    name = f"{row['method']} (results row {spec['select']['output']}, {row['statistic']})"
    return float(row["p_value"]), name, row, None


def _share_above(check, rows, where, alpha) -> list[dict]:
    select, threshold = check["select"], check["threshold"]
    statistic = select["statistic"]
    row, problem = _lookup(rows, select, where, need=("estimate", "n", "denominator"))
    spec = check.get("test")
    alternative = spec.get("alternative", evidence.TWO_SIDED) if spec else evidence.TWO_SIDED
    words = f"the estimate above {threshold * 100:g}%, tested"
    part = _part(check, row, words, check.get("published", f"above {threshold * 100:g}%"))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    estimate, n, d = float(row["estimate"]), int(row["n"]), int(row["denominator"])
    holds = None if estimate == threshold else estimate > threshold
    if spec:
        p, test, _, test_problem = _test_row(rows, spec, where)
        if test_problem:
            return [{**part, "verdict": INSUFFICIENT, "reason": test_problem}]
        if alternative != evidence.TWO_SIDED and holds is not True:
            # A one-sided row tests only the published side: the other side from the counts.
            p, test = evidence.binomial_share(n, d, threshold, evidence.LESS)
            test += " (the results row tests only the published side)"
    else:
        p, test = evidence.binomial_share(n, d, threshold, alternative)
    mdd, mdd_method = evidence.mdd_one_share(d, threshold, alpha, alternative)
    side = "above" if holds else "not above"
    reason = f"{row_text(row, statistic)} is {side} {threshold * 100:g}%"
    return [{**part, **_evidence(test, p, mdd, mdd_method), "difference": estimate - threshold,
             "holds": holds, "verdict": None, "reason": reason}]


def _computed_direction(rows, check, row, other, key, where, alpha):
    """(p, test, mdd, mdd_method) computed from the two rows' counts or summaries."""
    statistic = check["select"]["statistic"]
    if statistic == "mean":
        sd_a = _sd_of(rows, check["select"], where)
        sd_b = _sd_of(rows, {**check["select"], key: other[key]}, where)
        n_a, n_b = int(row["n"]), int(other["n"])
        p, test = evidence.welch_test(float(row["estimate"]), sd_a, n_a,
                                      float(other["estimate"]), sd_b, n_b)
        mdd, mdd_method = evidence.mdd_two_means(n_a, n_b, evidence.pooled_sd(sd_a, n_a, sd_b,
                                                                               n_b), alpha)
        return p, test, mdd, mdd_method
    a, b = int(row["n"]), int(other["n"])
    if key == "level":  # two levels of one population: which is the more common
        p, test = evidence.sign_test(a, b)
        mdd, mdd_method = evidence.mdd_one_share(a + b, 0.5, alpha)
        return p, test, mdd, mdd_method
    d_a, d_b = int(row["denominator"]), int(other["denominator"])
    p, test = evidence.fisher_two_shares(a, d_a, b, d_b)
    mdd, mdd_method = evidence.mdd_two_shares(d_a, d_b, float(other["estimate"]), alpha)
    return p, test, mdd, mdd_method


def _direction_holds(estimate, compared, direction):
    if estimate == compared:
        return None
    return estimate > compared if direction == "higher" else estimate < compared


def _direction(check, rows, where, alpha) -> list[dict]:
    select, direction = check["select"], check["direction"]
    statistic = select["statistic"]
    (key, values), = check["compared_with"].items()
    tests = check.get("tests", {})
    need = ("estimate", "n") + (("denominator",) if statistic == "proportion" else ())
    words = f"the estimate {direction} than each compared estimate, tested"
    row, problem = _lookup(rows, select, where, need=need)
    label = key_words(select, key)
    parts = []
    for value in values:
        other_select = {**select, key: value}
        other, other_problem = _lookup(rows, other_select, where, need=need)
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
        holds = _direction_holds(estimate, compared, direction)
        reason = (f"{label} {row_text(row, statistic)} is {'' if holds else 'not '}{direction} "
                  f"than {other_label} {row_text(other, statistic)}")
        p, test, mdd, mdd_method = _computed_direction(rows, check, row, other, key, where, alpha)
        spec = tests.get(str(value))
        if spec:
            p, test, test_row, test_problem = _test_row(rows, spec, where)
            if test_problem:
                parts.append({**part, "verdict": INSUFFICIENT, "reason": test_problem})
                continue
            mdd_method += " (crude shares: an approximation for the model's test)" \
                if test_row["statistic"] not in ("mann_whitney_u",) else \
                " (t-test approximation for the rank test)"
            if "published_side" in spec and not is_missing(test_row["estimate"]):
                # The direction of an adjusted model is its effect's side, not the crude shares'.
                effect, null = float(test_row["estimate"]), float(spec["effect_null"])
                holds = None if effect == null else (effect > null) == (
                    spec["published_side"] == "above")
                reason += (f"; adjusted effect {effect:.3g} is "
                           f"{'on' if holds else 'not on'} the published side of {null:g}")
        parts.append({**part, **_evidence(test, p, mdd, mdd_method),
                      "difference": estimate - compared, "holds": holds, "verdict": None,
                      "reason": reason})
    return parts


def decide_direction(part: dict, alpha: float) -> str:
    """The verdict of a directional part once its p-value is adjusted: supported or
    contradicted when the adjusted p is at most alpha, by the side the estimate lies on."""
    p = part.get("p_adjusted")
    if p is None or is_missing(p):
        return INSUFFICIENT
    significant = float(p) <= alpha
    if part["holds"]:
        return SUPPORTED if significant else NOT_SUPPORTED
    if part["holds"] is None:  # equal estimates show no direction
        return OPPOSITE
    return CONTRADICTED if significant else OPPOSITE


# --- descriptive checks ------------------------------------------------------------------------

def _descriptive(part: dict) -> dict:
    return {**part, "test": NOT_TESTED, "mdd_method": NO_MDD}


def _rank_is(check, rows, where, alpha) -> list[dict]:
    select, rank = check["select"], check["rank"]
    row, problem = _lookup(rows, select, where, need=("estimate",))
    words = f"as published when the level holds rank {rank} alone (a tie is not)"
    part = _descriptive(_part(check, row, words, check.get("published", f"rank {rank}")))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    ranking = _match(rows, {k: v for k, v in select.items() if k != "level"})
    shown = ranking[ranking["disclosure"].ne(SUPPRESSED).fillna(True).to_numpy(dtype=bool)]
    others = shown[shown["estimate"].eq(row["estimate"]).fillna(False).to_numpy(dtype=bool)
                   & shown["level"].ne(row["level"]).fillna(True).to_numpy(dtype=bool)]
    held = f"{format_rank(row['estimate'])} of {len(ranking)} levels"
    if float(row["estimate"]) != rank:
        verdict, reason = NOT_AS_PUBLISHED, f"ranked {held}, not {rank}"
    elif len(others):
        tied = ", ".join(level_label(select["variable"], lv) for lv in others["level"])
        verdict, reason = NOT_AS_PUBLISHED, f"shares rank {rank} with {tied}"
    else:
        count = count_text(row["n"], row["denominator"], "rank", row["unit"])
        verdict, reason = AS_PUBLISHED, f"ranked {held} ({count} {row['unit']})"
    return [{**part, "verdict": verdict, "reason": reason}]


def _all_present(check, rows, where, alpha) -> list[dict]:
    parts = []
    words = "as published when every listed level has n > 0"
    for level in check["levels"]:
        select = {**check["select"], "level": level}
        row, problem = _lookup(rows, select, where, need=("n",))
        label = level_label(select["variable"], level)
        part = _descriptive({**_part({**check, "select": select}, row, words, "present"),
                             "measure": f"{check['measure']}: {label}"})
        if problem:
            parts.append({**part, "verdict": INSUFFICIENT, "reason": problem})
            continue
        count = count_text(row["n"], row["denominator"], "proportion", row["unit"])
        present = int(row["n"]) > 0
        parts.append({**part, "verdict": AS_PUBLISHED if present else NOT_AS_PUBLISHED,
                      "reason": f"{'present' if present else 'absent'}: {count} {row['unit']}"})
    return parts


EVALUATORS = {
    "equivalence": _equivalence,
    "share_above": _share_above,
    "rank_is": _rank_is,
    "all_present": _all_present,
    "direction": _direction,
}
