"""The replication register (data/replication_register.yaml, versioned): its JSON Schema, and
loading and validating it. The rules it may use and what each checks are described in
`replication`; the evaluators are in `verdicts`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from tahsb_analysis.json_schema import Draft202012Validator
from tahsb_analysis.yaml_files import load_yaml

KINDS = ("value", "ranking", "categories", "direction", "grouping", "interpretive")
RULES = ("equivalence", "share_above", "rank_is", "all_present", "direction")
ALTERNATIVES = ("two-sided", "greater", "less")
SELECT_KEYS = ("output", "variable", "level", "group_variable", "group", "statistic")
DIRECTIONS = ("higher", "lower")


class ReplicationRegisterError(ValueError):
    """The register is malformed, or one of its selectors matches several results rows."""


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


def _test_schema() -> dict:
    """A test row the analyses emit, declared for a directional check."""
    return {
        "type": "object",
        "description": "the results row holding this comparison's test (its p_value is used)",
        "required": ["select"],
        "additionalProperties": False,
        "properties": {
            "select": _select_schema(),
            "alternative": {"enum": list(ALTERNATIVES),
                            "description": "the row's alternative hypothesis (default two-sided)"},
            "published_side": {
                "enum": ["above", "below"],
                "description": "the row's estimate (an adjusted effect) lies above/below "
                               "effect_null when the published direction holds; the direction "
                               "is then read from it, not from the crude estimates",
            },
            "effect_null": {"type": "number", "description": "the effect of no difference "
                                                             "(1 for an odds ratio)"},
        },
        "dependentRequired": {"published_side": ["effect_null"]},
    }


# Keys of each rule beside the common ones (rule, measure, published, select); the keys in
# OPTIONAL_PROPERTIES may be left out.
RULE_PROPERTIES: dict[str, dict] = {
    "equivalence": {
        "value": {"type": "number", "description": "the published value (proportions 0-1)"},
        "margin": {"type": "number", "exclusiveMinimum": 0,
                   "description": "equivalence margin: a cohort within published +/- margin "
                                  "agrees with the study (same scale as value)"},
        "margin_reason": {"type": "string", "minLength": 1,
                          "description": "why this margin: the documented assumption"},
    },
    "share_above": {"threshold": _THRESHOLD, "test": _test_schema()},
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
        "tests": {
            "type": "object",
            "additionalProperties": _test_schema(),
            "description": "per compared value: the results row holding its test (else the "
                           "test is computed from the rows' counts)",
        },
    },
}
OPTIONAL_PROPERTIES = {"test", "tests"}


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
    required = ["rule", "measure", "select",
                *(k for k in RULE_PROPERTIES[rule] if k not in OPTIONAL_PROPERTIES)]
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
    "required": ["version", "source", "alpha", "claims"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "integer", "minimum": 1, "description": "bumped on every change"},
        "alpha": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5,
                  "description": "significance level of every test (Holm-adjusted for the "
                                 "directional ones) and of the equivalence tests"},
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
        register = load_yaml(path)
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
    validator = Draft202012Validator(REGISTER_SCHEMA)
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
            validator = Draft202012Validator(check_schema(rule))
            errors = sorted(validator.iter_errors(check), key=lambda e: list(map(str, e.path)))
            for error in errors:
                rest = _path_text(error.absolute_path)
                problems.append(f"{at}{' ' + rest if rest else ''}: {error.message}")
            if errors:
                continue
            statistic = check["select"]["statistic"]
            if rule == "equivalence" and statistic == "proportion" and not 0 <= check[
                "value"
            ] <= 1:
                problems.append(
                    f"{at}: value {check['value']} is not a proportion; write proportions "
                    "as 0-1 (46% is 0.46), as the results table does"
                )
            if rule == "direction":
                compared = {str(v) for values in check["compared_with"].values() for v in values}
                for value in sorted(set(check.get("tests", {})) - compared):
                    problems.append(f"{at}: tests names {value!r}, which is not compared")
            if rule == "rank_is" and statistic != "rank":
                problems.append(f"{at}: select.statistic must be 'rank', got {statistic!r}")
    return problems


def resolve_register(register) -> dict:
    """The register given: loaded (None: the packaged one; a path: that file) and validated."""
    if register is None:
        return load_register()
    if isinstance(register, str | Path):
        return load_register(register)
    validate_register(register)
    return register
