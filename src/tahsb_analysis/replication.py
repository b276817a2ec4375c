"""The replication register: each published finding of Hollis and Belton (2017) as a claim
checked against one cohort's results table, with a verdict and the reason for it.

The register (data/replication_register.yaml, versioned) is data; this module loads and
validates it, evaluates it on a results table (results.py) and renders the verdicts. No
statistic is computed from a cohort here: every number is read from a results row.

Verdicts (`VERDICTS`) are exactly "consistent", "not consistent" and "insufficient data". A
check that needs a row which is absent, suppressed by disclosure control, without an estimate
(or without the CI or count the rule needs) or with an empty denominator is "insufficient
data", never an error. Threshold and direction rules compare point estimates, strictly ("more
than half" is not met by exactly 50%; equal shares do not show a direction): they say whether a
cohort points the published way, not whether the difference is statistically significant (the
tests are in the results table).

Rules (`RULES`), each with its own keys beside `rule`, `measure`, optional `published` and the
selector `select` (the six keys of `SELECT_KEYS`, null meaning <NA>):

==================  =====================================================================
rule                consistent when
==================  =====================================================================
value_in_ci         the published `value` lies inside the row's confidence interval
share_above         the row's estimate is strictly above `threshold`
count_share_above   n of the `select` row over n of the `within` row is strictly above
                    `threshold` (a share the results do not hold, e.g. dual among any TA-HSB)
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

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml

from tahsb_analysis import tables
from tahsb_analysis.results import SUPPRESSED, validate_results
from tahsb_analysis.spreadsheet import to_csv_neutralised

CONSISTENT = "consistent"
NOT_CONSISTENT = "not consistent"
INSUFFICIENT = "insufficient data"
VERDICTS = (CONSISTENT, NOT_CONSISTENT, INSUFFICIENT)

# The published findings (study.md); the packaged register covers each exactly once.
FINDING_IDS = (
    "P1", "P2", "R1", "R2", "R3", "R4", "R5", "C1", "C2", "C3", "C4", "C5", "C6",
    "L1", "L2", "L3", "S1", "S2", "S3",
)
KINDS = ("value", "ranking", "categories", "direction", "grouping", "interpretive")
RULES = (
    "value_in_ci", "share_above", "count_share_above", "rank_is", "all_present", "direction"
)
SELECT_KEYS = ("output", "variable", "level", "group_variable", "group", "statistic")
DIRECTIONS = ("higher", "lower")
OVERALL_PART = 0
REPLICATION_OUTPUT = "replication"
REPLICATION_TITLE = "Published findings of Hollis and Belton (2017) checked on"
SYNTHETIC_TITLE_NOTE = "SYNTHETIC cohort: consistent by construction"
SYNTHETIC_FOOTNOTE = (
    "SYNTHETIC cohort: it was generated to match the published findings, so consistency here "
    "holds by construction. It shows that the pipeline's arithmetic reproduces what the "
    "cohort was built to contain; it is no evidence for or against the findings themselves."
)
HEADER = ["Finding", "Published", "This cohort (estimate, CI, n/N)", "Verdict"]

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


class ReplicationRegisterError(ValueError):
    """The register is malformed, or one of its selectors matches several results rows."""


# --- the register and its schema ------------------------------------------------------------

_SELECT_DESCRIPTIONS = {
    "output": "the output of the results table (e.g. prevalence_overall)",
    "variable": "the variable described (e.g. hsb_group)",
    "level": "the level of the variable, or null for <NA>",
    "group_variable": "the variable splitting the population, or null",
    "group": "the level of group_variable, or null for the whole population",
    "statistic": "the statistic of the row (proportion, mean, rank, ...)",
}


def _select_schema(keys=SELECT_KEYS) -> dict:
    return {
        "type": "object",
        "description": "the results row(s) a check reads: every key given, null for <NA>",
        "required": list(keys),
        "additionalProperties": False,
        "properties": {
            key: {"type": ["string", "null"], "description": _SELECT_DESCRIPTIONS[key]}
            for key in keys
        },
    }


_THRESHOLD = {
    "type": "number",
    "minimum": 0,
    "maximum": 1,
    "description": "a proportion (0-1) the estimate must strictly exceed",
}
# Keys of each rule beside the common ones (rule, measure, published, select).
RULE_PROPERTIES: dict[str, dict] = {
    "value_in_ci": {
        "value": {"type": "number", "description": "the published value (proportions 0-1)"},
    },
    "share_above": {"threshold": _THRESHOLD},
    "count_share_above": {
        "threshold": _THRESHOLD,
        "within": {**_select_schema(), "description": "the row whose n is the denominator"},
    },
    "rank_is": {
        "rank": {"type": "integer", "minimum": 1, "description": "the published rank"},
    },
    "all_present": {
        "levels": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "uniqueItems": True,
            "description": "levels that must each have n > 0 (select has no level)",
        },
    },
    "direction": {
        "direction": {"enum": list(DIRECTIONS), "description": "the published direction"},
        "compared_with": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": {"enum": list(SELECT_KEYS)},
            "additionalProperties": {
                "type": "array",
                "items": {"type": ["string", "null"]},
                "minItems": 1,
            },
            "description": "one selector key and the values it takes in the compared rows",
        },
    },
}


def check_schema(rule: str) -> dict:
    """The JSON Schema of one check with rule `rule` (every key, no other key allowed)."""
    select = _select_schema(
        tuple(k for k in SELECT_KEYS if k != "level") if rule == "all_present" else SELECT_KEYS
    )
    properties = {
        "rule": {"const": rule, "description": "the rule type"},
        "measure": {"type": "string", "minLength": 1, "description": "what is measured"},
        "published": {
            "type": "string",
            "minLength": 1,
            "description": "this check's published value in words (default: from the rule)",
        },
        "select": select,
        **RULE_PROPERTIES[rule],
    }
    required = ["rule", "measure", "select", *RULE_PROPERTIES[rule]]
    return {
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
    }


REGISTER_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Replication register",
    "type": "object",
    "required": ["version", "source", "claims"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "integer", "minimum": 1, "description": "bumped on every change"},
        "source": {"type": "string", "minLength": 1, "description": "the study cited"},
        "claims": {
            "type": "array",
            "minItems": 1,
            "description": "one claim per published finding",
            "items": {
                "type": "object",
                "required": ["id", "finding", "kind", "published", "checks"],
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "type": "string",
                        "pattern": "^[A-Z][0-9]+$",
                        "description": "the finding's id in study.md (P1, ..., S3)",
                    },
                    "finding": {"type": "string", "minLength": 1,
                                "description": "the published sentence, paraphrased"},
                    "kind": {"enum": list(KINDS), "description": "what sort of finding"},
                    "published": {"type": "string", "minLength": 1,
                                  "description": "the published value or direction in words"},
                    "note": {"type": "string", "minLength": 1,
                             "description": "assumptions made to make the claim checkable"},
                    "checks": {
                        "type": "array",
                        "minItems": 1,
                        "description": "the checks that must all hold",
                        "items": {
                            "type": "object",
                            "required": ["rule"],
                            "properties": {
                                "rule": {"enum": list(RULES), "description": "the rule type"}
                            },
                        },
                    },
                },
            },
        },
    },
}


def default_register_path() -> Path:
    return Path(str(resources.files("tahsb_analysis") / "data" / "replication_register.yaml"))


def load_register(path: str | Path | None = None) -> dict:
    """Read and validate the register; the packaged one unless `path` is given."""
    path = Path(path) if path is not None else default_register_path()
    try:
        with open(path, encoding="utf-8") as handle:
            register = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise ReplicationRegisterError(
            f"replication register {path}: not valid YAML: {error}"
        ) from error
    validate_register(register, source=str(path))
    return register


def _path_text(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _claim_where(register, index: int) -> str:
    claims = register.get("claims") if isinstance(register, dict) else None
    claim = claims[index] if isinstance(claims, list) and index < len(claims) else None
    if isinstance(claim, dict) and isinstance(claim.get("id"), str):
        return f"claim {claim['id']!r} (claims[{index}])"
    return f"claims[{index}]"


def validate_register(register, source: str = "register") -> None:
    """Raise ReplicationRegisterError listing every problem of `register` (a loaded dict).

    Checks the structure against `REGISTER_SCHEMA`, each check against its rule's
    `check_schema`, then what a schema cannot say: claim ids are unique, a proportion's
    published value is written 0-1, and rank_is reads a rank row.
    """
    problems: list[str] = []
    validator = jsonschema.Draft202012Validator(REGISTER_SCHEMA)
    for error in sorted(validator.iter_errors(register), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "claims" and isinstance(path[1], int):
            where = _claim_where(register, path[1])
            rest = _path_text(path[2:])
            problems.append(f"{where}{' ' + rest if rest else ''}: {error.message}")
        else:
            problems.append(f"{_path_text(path) or 'top level'}: {error.message}")
    if not problems:
        problems += _check_problems(register)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ReplicationRegisterError(
            f"replication register {source}: {len(problems)} problem(s):\n{listed}"
        )


def _check_problems(register: dict) -> list[str]:
    problems = []
    seen: set[str] = set()
    for index, claim in enumerate(register["claims"]):
        where = _claim_where(register, index)
        if claim["id"] in seen:
            problems.append(f"{where}: id {claim['id']!r} is used by an earlier claim")
        seen.add(claim["id"])
        for number, check in enumerate(claim["checks"], start=1):
            rule = check["rule"]
            at = f"{where}, check {number} (rule {rule!r})"
            validator = jsonschema.Draft202012Validator(check_schema(rule))
            errors = sorted(validator.iter_errors(check), key=lambda e: list(map(str, e.path)))
            for error in errors:
                rest = _path_text(error.absolute_path)
                problems.append(f"{at}{' ' + rest if rest else ''}: {error.message}")
            if errors:
                continue
            statistic = check["select"]["statistic"]
            if rule == "value_in_ci" and statistic == "proportion" and not 0 <= check[
                "value"
            ] <= 1:
                problems.append(
                    f"{at}: value {check['value']} is not a proportion; write proportions "
                    "as 0-1 (46% is 0.46), as the results table does"
                )
            if rule == "rank_is" and statistic != "rank":
                problems.append(f"{at}: select.statistic must be 'rank', got {statistic!r}")
    return problems


def _resolve_register(register) -> dict:
    if register is None:
        return load_register()
    if isinstance(register, str | Path):
        return load_register(register)
    validate_register(register)
    return register


# --- reading results rows -------------------------------------------------------------------


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


def _missing(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


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
        why = "" if _missing(row["disclosure_reason"]) else f" ({row['disclosure_reason']})"
        return row, f"the row for {_describe(select)} is suppressed by disclosure control{why}"
    if not _missing(row["denominator"]) and int(row["denominator"]) == 0:
        return row, f"the row for {_describe(select)} has an empty denominator"
    words = {"estimate": "no estimate", "n": "no count (n)", "ci": "no confidence interval"}
    for column in need:
        values = [row["ci_low"], row["ci_high"]] if column == "ci" else [row[column]]
        if any(_missing(v) for v in values):
            return row, f"the row for {_describe(select)} has {words[column]}"
    return row, None


def _group_words(group_variable, group) -> str:
    if _missing(group):
        return "all"
    if group_variable in ("hsb_group", "dual_subgroup"):
        return tables.short_group_label(group)
    return tables.level_label(group_variable, group)


def _key_words(select: Mapping, key: str) -> str:
    """What distinguishes rows differing in `key`: a group, a level or a variable, in words."""
    value = select[key]
    if key == "group":
        return _group_words(select["group_variable"], value)
    if key == "level":
        return tables.level_label(select["variable"], value)
    if key == "variable":
        return tables.variable_label(value)
    return str(value)


# --- formatting ----------------------------------------------------------------------------


def _number_text(value, statistic, unit) -> str:
    """One number as a reader sees it: "46.0%", "3.0 years", "rank 1"."""
    if _missing(value):
        return tables.NOT_AVAILABLE
    if statistic == "proportion":
        return tables.format_percent(value)
    if statistic == "rank":
        return f"rank {tables.format_rank(value)}"
    text = tables.format_number(value, 1)
    return f"{text} years" if unit == "years" else text


def _published_number(value, statistic, unit) -> str:
    """A published value as written: 0.46 -> "46%", 3 -> "3 years"."""
    if statistic == "proportion":
        return f"{float(value) * 100:g}%"
    return f"{float(value):g}" + (" years" if unit == "years" else "")


def _difference_text(value, statistic, unit) -> str:
    if statistic == "proportion":
        return f"{tables.format_number(abs(float(value)) * 100, 1)} percentage points"
    text = tables.format_number(abs(float(value)), 1)
    return f"{text} years" if unit == "years" else text


def _with_ci(value, low, high, statistic, unit, method) -> str:
    text = _number_text(value, statistic, unit)
    if _missing(low) or _missing(high):
        return text
    percent = statistic == "proportion"
    return f"{text} ({tables.ci_label(method)} {tables.format_ci(low, high, percent=percent)})"


def _count_text(n, denominator, statistic, unit) -> str:
    if _missing(n):
        return ""
    if statistic in ("mean", "median"):
        return f"n = {int(n)}"
    if _missing(denominator):
        return f"n = {int(n)}"
    return f"{int(n)}/{int(denominator)}"


def _row_text(row, statistic) -> str:
    """A results row as "46.0% (95% CI 40.0 to 51.7), 126/275"."""
    text = _with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, row["unit"],
                    row["method"])
    count = _count_text(row["n"], row["denominator"], statistic, row["unit"])
    return f"{text}, {count}" if count else text


# --- evaluating one check -------------------------------------------------------------------


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
        if row is not None and not _missing(row["method"]) and row["method"] not in used:
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
    published_value = _published_number(value, statistic, unit)
    words = "consistent when the published value lies inside the estimate's confidence interval"
    part = _part(check, row, words, check.get("published", published_value))
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    inside = float(row["ci_low"]) <= value <= float(row["ci_high"])
    difference = float(row["estimate"]) - value
    shown = _with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, unit,
                     row["method"])
    reason = (
        f"{shown} {'contains' if inside else 'does not contain'} the published "
        f"{published_value}; the estimate differs from it by "
        f"{_difference_text(difference, statistic, unit)}"
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
    reason = (f"{_row_text(row, statistic)} is {'above' if above else 'not above'} "
              f"{_threshold_words(threshold)}")
    return [{**part, "difference": estimate - threshold,
             "verdict": CONSISTENT if above else NOT_CONSISTENT, "reason": reason}]


def _count_share_above(check, rows, where) -> list[dict]:
    select, within, threshold = check["select"], check["within"], check["threshold"]
    top, top_problem = _lookup(rows, select, where, need=("n",))
    bottom, bottom_problem = _lookup(rows, within, where, need=("n",))
    words = (f"share computed here as n of {_describe(select)} over n of {_describe(within)}; "
             f"consistent when above {_threshold_words(threshold)} (strictly)")
    part = {
        "measure": check["measure"],
        "published": check.get("published", f"above {_threshold_words(threshold)}"),
        "rule": check["rule"],
        "statistic": "proportion",
        **_row_values(None),
        "unit": pd.NA if top is None else top["unit"],
        "method": f"rule: {words}",
    }
    problem = top_problem or bottom_problem
    if not problem and int(bottom["n"]) == 0:
        problem = f"the denominator row ({_describe(within)}) counts no one"
    if problem:
        return [{**part, "verdict": INSUFFICIENT, "reason": problem}]
    n, denominator = int(top["n"]), int(bottom["n"])
    share = n / denominator
    above = share > threshold
    reason = (f"{n}/{denominator} = {tables.format_percent(share)} is "
              f"{'above' if above else 'not above'} {_threshold_words(threshold)}")
    return [{**part, "estimate": share, "n": n, "denominator": denominator,
             "difference": share - threshold,
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
    held = f"{tables.format_rank(row['estimate'])} of {len(ranking)} levels"
    if float(row["estimate"]) != rank:
        verdict, reason = NOT_CONSISTENT, f"ranked {held}, not {rank}"
    elif len(others):
        tied = ", ".join(tables.level_label(select["variable"], lv) for lv in others["level"])
        verdict, reason = NOT_CONSISTENT, f"shares rank {rank} with {tied}"
    else:
        count = _count_text(row["n"], row["denominator"], "rank", row["unit"])
        verdict, reason = CONSISTENT, f"ranked {held} ({count} {row['unit']})"
    return [{**part, "verdict": verdict, "reason": reason}]


def _all_present(check, rows, where) -> list[dict]:
    parts = []
    words = "consistent when every listed level has n > 0"
    for level in check["levels"]:
        select = {**check["select"], "level": level}
        row, problem = _lookup(rows, select, where, need=("n",))
        label = tables.level_label(select["variable"], level)
        part = {**_part({**check, "select": select}, row, words, "present"),
                "measure": f"{check['measure']}: {label}"}
        if problem:
            parts.append({**part, "verdict": INSUFFICIENT, "reason": problem})
            continue
        count = _count_text(row["n"], row["denominator"], "proportion", row["unit"])
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
    label = _key_words(select, key)
    parts = []
    for value in values:
        other_select = {**select, key: value}
        other, other_problem = _lookup(rows, other_select, where, need=("estimate",))
        other_label = _key_words(other_select, key)
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
        reason = (f"{label} {_row_text(row, statistic)} is {'' if holds else 'not '}{direction} "
                  f"than {other_label} {_row_text(other, statistic)}")
        parts.append({**part, "difference": estimate - compared,
                      "verdict": CONSISTENT if holds else NOT_CONSISTENT, "reason": reason})
    return parts


EVALUATORS = {
    "value_in_ci": _value_in_ci,
    "share_above": _share_above,
    "count_share_above": _count_share_above,
    "rank_is": _rank_is,
    "all_present": _all_present,
    "direction": _direction,
}


# --- evaluating the register ----------------------------------------------------------------


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
    register = _resolve_register(register)
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
            "tier": tables.tier_of(rows),
            "register_version": str(register["version"]),
        }
        for claim in register["claims"]:
            records += _evaluate_claim(claim, rows, context)
    return _frame(records)


# --- rendering -----------------------------------------------------------------------------


def _cohort_cell(row, parts_of_finding: int) -> str:
    """ "46.0% (95% CI 40.0 to 51.7), 126/275"; the two rows of a comparison joined by "vs",
    in the order the Finding column names them."""
    if row["part"] == OVERALL_PART and parts_of_finding > 1:
        return f"see {row['finding']}.1 to {row['finding']}.{parts_of_finding}"
    if _missing(row["estimate"]) and _missing(row["n"]):
        return tables.NOT_AVAILABLE
    statistic, unit = row["statistic"], row["unit"]
    if statistic == "rank":
        count = _count_text(row["n"], row["denominator"], statistic, unit)
        return f"{_number_text(row['estimate'], statistic, unit)} ({count} {unit})"
    main = _with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, unit,
                    row["method"])
    count = _count_text(row["n"], row["denominator"], statistic, unit)
    text = f"{main}, {count}" if count else main
    if _missing(row["compared_with"]):
        return text
    other = _with_ci(row["compared_estimate"], row["compared_ci_low"], row["compared_ci_high"],
                     statistic, unit, row["method"])
    other_count = _count_text(row["compared_n"], row["compared_denominator"], statistic, unit)
    other = f"{other}, {other_count}" if other_count else other
    return f"{text} vs {other}"


def render_replication(frame: pd.DataFrame) -> tables.RenderedTable:
    """Lay out an evaluation (from `evaluate_register`) of one cohort as a table.

    Columns: Finding | Published | This cohort (estimate, CI, n/N) | Verdict; a claim with
    several parts has its overall line, then one line per part ("C6.3"). On a synthetic
    cohort the title and the first footnote say that consistency holds by construction. The
    tier comes from the evaluation (that of the results rows). Raises tables.TableError for
    several cohorts.
    """
    cohorts = _distinct(str(c) for c in frame["cohort"].dropna())
    if len(cohorts) > 1:
        raise tables.TableError(
            f"the replication holds several cohorts ({', '.join(cohorts)}); render one cohort "
            "at a time"
        )
    synthetic = bool(frame["synthetic"].fillna(False).any())
    tiers = set(frame["tier"].dropna())
    tier = tables.RELEASE_TIER if tiers == {tables.RELEASE_TIER} else tables.INTERNAL_TIER
    parts = frame.groupby("finding", sort=False)["part"].max().to_dict()

    title = f"{REPLICATION_TITLE} cohort {cohorts[0] if cohorts else '(none)'}"
    if synthetic:
        title += f" ({SYNTHETIC_TITLE_NOTE})"

    table_rows = []
    for _, row in frame.iterrows():
        if row["part"] == OVERALL_PART:
            finding = f"{row['finding']}: {row['claim']}"
        else:
            finding = f"{row['finding']}.{row['part']} {tables.upper_first(row['measure'])}"
        table_rows.append([
            finding,
            str(row["published"]),
            _cohort_cell(row, int(parts.get(row["finding"], 0)) or 1),
            str(row["verdict"]),
        ])

    footnotes = [SYNTHETIC_FOOTNOTE] if synthetic else []
    footnotes.append(
        f"Verdicts: {CONSISTENT}; {NOT_CONSISTENT}; {INSUFFICIENT} (a row the claim needs is "
        "absent, suppressed by disclosure control, without an estimate or with an empty "
        "denominator). Thresholds and directions compare point estimates, strictly; they are "
        "not significance tests (the tests are in the results table)."
    )
    footnotes.append(
        "A finding with several parts is consistent only when every part is, not consistent "
        "when any part is not, and otherwise insufficient data."
    )
    overall = frame[frame["part"].eq(OVERALL_PART).fillna(False).to_numpy(dtype=bool)]
    for _, row in overall.iterrows():
        if not _missing(row["note"]):
            footnotes.append(f"{row['finding']}: {row['note']}")
    versions = _distinct(str(v) for v in frame["register_version"].dropna())
    if versions:
        footnotes.append(f"Replication register version {', '.join(versions)}; the rule and "
                         "the results method of every line are in the CSV (method column).")
    return tables.RenderedTable(
        title=title,
        header=list(HEADER),
        rows=table_rows,
        footnotes=footnotes,
        synthetic=synthetic,
        output=REPLICATION_OUTPUT,
        tier=tier,
    )


def write_replication(frame: pd.DataFrame, rendered: tables.RenderedTable,
                      stem: str | Path) -> dict[str, Path]:
    """Write `stem`.csv (the evaluation, unrounded), `stem`.md and `stem`.html; return the
    paths by format."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    texts = {
        "csv": to_csv_neutralised(frame, lineterminator="\n"),
        "md": tables.table_to_markdown(rendered),
        "html": tables.table_to_html(rendered),
    }
    return tables.write_texts(texts, stem)
