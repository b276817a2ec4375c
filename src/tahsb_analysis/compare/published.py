"""Published cohorts: the aggregate figures of other services' studies
(data/published_cohorts.yaml), checked against their schema and turned into results rows that
can be compared like a cohort of our own.

`load_published_cohorts` reads and validates the file; `published_cohort_results` gives one
proportion row per comparable figure (analysis "published", disclosure "released": the figures
are public).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from tahsb_analysis.analyses.inference import proportion_ci
from tahsb_analysis.compare.statistics import KEY_COLUMNS
from tahsb_analysis.json_schema import Draft202012Validator
from tahsb_analysis.results.numbers import round_half_up
from tahsb_analysis.results.schema import RELEASED, empty_results, make_results
from tahsb_analysis.yaml_files import load_yaml

PUBLISHED_ANALYSIS = "published"
PUBLISHED_REASON = "published figure: public, outside disclosure control"


class PublishedCohortsError(ValueError):
    """The published-cohorts file is malformed (the message names file, entry and key)."""


_NULLABLE_TEXT = {"type": ["string", "null"]}
_MAPS_TO = {
    "type": "object",
    "description": "the results row this figure is compared with (null for <NA>)",
    "required": list(KEY_COLUMNS[:5]) + ["statistic", "unit"],
    "additionalProperties": False,
    "properties": {
        "output": {"type": "string", "minLength": 1, "description": "output of the row"},
        "variable": {"type": "string", "minLength": 1, "description": "variable described"},
        "level": {**_NULLABLE_TEXT, "description": "level of the variable"},
        "group_variable": {**_NULLABLE_TEXT, "description": "variable splitting the population"},
        "group": {**_NULLABLE_TEXT, "description": "level of group_variable"},
        "statistic": {"const": "proportion", "description": "only shares can be compared"},
        "unit": {"enum": ["children", "behaviours"], "description": "what n counts"},
    },
}
_FIGURE = {
    "type": "object",
    "required": ["id", "wording", "measure", "comparable"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9_]+$", "description": "figure id"},
        "wording": {"type": "string", "minLength": 1,
                    "description": "the figure in the exact words of its source"},
        "measure": {"type": "string", "minLength": 1, "description": "what was measured"},
        "percent": {"type": ["number", "null"], "minimum": 0, "maximum": 100,
                    "description": "the published percentage"},
        "percent_decimals": {"type": "integer", "minimum": 0, "maximum": 3,
                             "description": "decimals the percentage was rounded to"},
        "denominator": {"type": ["integer", "null"], "minimum": 1,
                        "description": "the population the figure is a share of"},
        "n": {"type": ["integer", "null"], "minimum": 0, "description": "the count"},
        "n_derived": {"type": "boolean",
                      "description": "true when n was derived from a rounded percentage"},
        "n_range": {"type": "array", "items": {"type": "integer", "minimum": 0},
                    "minItems": 2, "maxItems": 2,
                    "description": "lowest and highest n that round to the percentage"},
        "comparable": {"type": "boolean",
                       "description": "true when a results row has the same population"},
        "maps_to": _MAPS_TO,
        "reason": {"type": "string", "minLength": 1,
                   "description": "why a figure is not comparable"},
        "note": {"type": "string", "minLength": 1, "description": "assumptions made"},
    },
    "if": {"properties": {"comparable": {"const": True}}},
    "then": {"required": ["maps_to", "denominator", "n", "n_derived"]},
    "else": {"required": ["reason"], "not": {"required": ["maps_to"]}},
}
PUBLISHED_COHORTS_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Published cohorts (aggregate figures for cohort comparison)",
    "type": "object",
    "required": ["version", "source", "cohorts"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "integer", "minimum": 1, "description": "bumped on every change"},
        "source": {"type": "string", "minLength": 1, "description": "where the figures come from"},
        "cohorts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "citation", "full_reference", "setting", "population",
                             "figures"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$",
                           "description": "cohort label of the rows (lower case, -, _)"},
                    "citation": {"type": "string", "minLength": 1,
                                 "description": "short citation, e.g. Galvin et al. (2024)"},
                    "full_reference": {**_NULLABLE_TEXT,
                                       "description": "the full reference, or null if unknown"},
                    "reference_note": {"type": "string", "minLength": 1,
                                       "description": "what of the reference was checked"},
                    "figures_from": {"type": "string", "minLength": 1,
                                     "description": "where the encoded figures were read"},
                    "setting": {"type": "string", "minLength": 1, "description": "the service"},
                    "population": {"type": "string", "minLength": 1,
                                   "description": "who the figures describe"},
                    "size": {"type": "integer", "minimum": 1, "description": "cohort size"},
                    "not_encoded": {"type": "string", "minLength": 1,
                                    "description": "published figures left out, and why"},
                    "figures": {"type": "array", "minItems": 1, "items": _FIGURE},
                },
            },
        },
    },
}


def default_published_cohorts_path() -> Path:
    return Path(str(resources.files("tahsb_analysis") / "data" / "published_cohorts.yaml"))


def load_published_cohorts(path: str | Path | None = None) -> list[dict]:
    """Read and validate the published cohorts (the packaged file unless `path` is given).

    Returns the list of cohort entries (dicts as in the file). Raises PublishedCohortsError
    naming the file, the entry (cohort id and figure id) and the key of every problem: the
    JSON Schema (`PUBLISHED_COHORTS_SCHEMA`), then what it cannot say: ids are unique, a count
    fits its denominator, and a count derived from a rounded percentage and its range are
    those the percentage gives.
    """
    path = Path(path) if path is not None else default_published_cohorts_path()
    try:
        document = load_yaml(path)
    except OSError as error:
        raise PublishedCohortsError(f"published cohorts {path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise PublishedCohortsError(
            f"published cohorts {path}: not valid YAML: {error}"
        ) from error
    problems = _schema_problems(document)
    if not problems:
        problems = _figure_problems(document)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise PublishedCohortsError(
            f"published cohorts {path}: {len(problems)} problem(s):\n{listed}"
        )
    return document["cohorts"]


def _entry_where(document, path: list) -> tuple[str, list]:
    """("cohort 'galvin-2024' (cohorts[0]), figure 'any_ta_hsb' (figures[0])", rest of path)."""
    if len(path) < 2 or path[0] != "cohorts" or not isinstance(path[1], int):
        return "", path
    cohorts = document.get("cohorts") if isinstance(document, dict) else None
    cohort = cohorts[path[1]] if isinstance(cohorts, list) and path[1] < len(cohorts) else None
    where = f"cohorts[{path[1]}]"
    if isinstance(cohort, dict) and isinstance(cohort.get("id"), str):
        where = f"cohort {cohort['id']!r} ({where})"
    rest = path[2:]
    if len(rest) >= 2 and rest[0] == "figures" and isinstance(rest[1], int):
        figures = cohort.get("figures") if isinstance(cohort, dict) else None
        figure = figures[rest[1]] if isinstance(figures, list) and rest[1] < len(figures) else None
        label = f"figures[{rest[1]}]"
        if isinstance(figure, dict) and isinstance(figure.get("id"), str):
            label = f"figure {figure['id']!r} ({label})"
        where += f", {label}"
        rest = rest[2:]
    return where, rest


def _path_text(path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _schema_problems(document) -> list[str]:
    validator = Draft202012Validator(PUBLISHED_COHORTS_SCHEMA)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        where, rest = _entry_where(document, list(error.absolute_path))
        key = _path_text(rest)
        location = ", ".join(part for part in (where, f"key {key!r}" if key else "") if part)
        problems.append(f"{location or 'top level'}: {error.message}")
    return problems


def rounding_range(percent: float, decimals: int, denominator: int) -> tuple[int, int] | None:
    """The lowest and highest count n whose n/denominator rounds (half up) to `percent` with
    `decimals` decimals; None when no count does."""
    target = Decimal(repr(float(percent))).quantize(Decimal(1).scaleb(-decimals))
    matches = [n for n in range(denominator + 1)
               if round_half_up(100 * n / denominator, decimals) == target]
    return (matches[0], matches[-1]) if matches else None


def _figure_problems(document: dict) -> list[str]:
    problems = []
    seen: set[str] = set()
    for c, cohort in enumerate(document["cohorts"]):
        if cohort["id"] in seen:
            where, _ = _entry_where(document, ["cohorts", c])
            problems.append(f"{where}, key 'id': {cohort['id']!r} is used by an earlier cohort")
        seen.add(cohort["id"])
        figure_ids: set[str] = set()
        for f, figure in enumerate(cohort["figures"]):
            where, _ = _entry_where(document, ["cohorts", c, "figures", f])
            problems += [f"{where}, {p}" for p in _one_figure_problems(figure, figure_ids)]
            figure_ids.add(figure["id"])
    return problems


def _one_figure_problems(figure: dict, earlier_ids: set[str]) -> list[str]:
    problems = []
    if figure["id"] in earlier_ids:
        problems.append(f"key 'id': {figure['id']!r} is used by an earlier figure")
    n, denominator, percent = figure.get("n"), figure.get("denominator"), figure.get("percent")
    if n is not None and denominator is not None and n > denominator:
        problems.append(f"key 'n': {n} exceeds the denominator {denominator}")
    if not figure.get("n_derived"):
        if figure.get("n_range") is not None and n is not None and figure["n_range"] != [n, n]:
            problems.append(f"key 'n_range': a published n has no rounding range; give [{n}, "
                            f"{n}] or leave n_range out")
        return problems
    if percent is None or denominator is None or n is None:
        problems.append("key 'n_derived': a derived n needs percent, denominator and n")
        return problems
    decimals = figure.get("percent_decimals", 0)
    expected_n = int(round_half_up(percent / 100 * denominator, 0))
    if n != expected_n:
        problems.append(f"key 'n': {percent}% of {denominator} rounds to {expected_n}, not {n}")
    span = rounding_range(percent, decimals, denominator)
    if span is None:
        problems.append(f"key 'percent': no count of {denominator} rounds to {percent}%")
    elif figure.get("n_range") != list(span):
        problems.append(f"key 'n_range': the counts of {denominator} that round to {percent}% "
                        f"are {span[0]} to {span[1]}, not {figure.get('n_range')}")
    return problems


def _citation_words(citation: str) -> str:
    """"Galvin et al. (2024)" -> "Galvin et al. 2024" (for inside brackets)."""
    return re.sub(r"\((\d{4}[a-z]?)\)", r"\1", citation).strip()


def _derived_warning(figure: dict) -> str:
    percent = figure["percent"]
    decimals = figure.get("percent_decimals", 0)
    low, high = figure["n_range"]
    half = Decimal(5).scaleb(-(decimals + 1))
    exact = Decimal(repr(float(percent))).quantize(Decimal(1).scaleb(-decimals))
    return (f"n derived from the published {exact}% of {figure['denominator']}: any n from "
            f"{low} to {high} rounds to it ({exact - half}% to {exact + half}%); "
            f"{figure['n']} = round({exact}% x {figure['denominator']}) is used")


def published_cohorts_named(names, path: str | Path | None = None) -> list[dict]:
    """The entries of the published-cohorts file with these ids, in the order given.

    Raises PublishedCohortsError naming every id the file does not hold (a misspelt
    `comparison.published_cohorts` in config.yaml).
    """
    known = {entry["id"]: entry for entry in load_published_cohorts(path)}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise PublishedCohortsError(
            f"config.yaml: comparison.published_cohorts names {unknown}, which are not in "
            f"the published-cohorts file (known: {sorted(known)})")
    return [known[name] for name in names]


def published_cohort_results(
    cohort: Mapping, *, ci_method: str = "wilson", confidence: float = 0.95
) -> pd.DataFrame:
    """Results rows (analysis "published") for the comparable figures of one published cohort.

    `cohort` is one entry of `load_published_cohorts()`. Each figure with `comparable: true`
    gives one proportion row keyed like the results row it maps to, with n/denominator, the
    Wilson CI (inference.proportion_ci), a method naming the source and whether n was derived
    from a rounded percentage, and a warning with the rounding range. The rows are public:
    disclosure "released", synthetic False. A cohort with no comparable figure gives an empty
    results table.
    """
    citation = _citation_words(str(cohort["citation"]))
    records = []
    for figure in cohort["figures"]:
        if not figure["comparable"]:
            continue
        n, denominator = int(figure["n"]), int(figure["denominator"])
        low, high = proportion_ci([n], [denominator], ci_method, confidence)
        origin = ("n derived from a rounded percentage" if figure["n_derived"]
                  else "n as published")
        ci_name = {"wilson": "Wilson", "clopper-pearson": "Clopper-Pearson exact"}[ci_method]
        records.append({
            **{key: figure["maps_to"][key] for key in (*KEY_COLUMNS, "statistic")},
            "estimate": n / denominator,
            "ci_low": float(low[0]),
            "ci_high": float(high[0]),
            "n": n,
            "denominator": denominator,
            "method": f"published figure ({citation}); {origin}; "
                      f"{ci_name} {confidence:.0%} CI",
            "warning": _derived_warning(figure) if figure["n_derived"] else pd.NA,
            "disclosure_reason": PUBLISHED_REASON,
        })
    if not records:
        return empty_results()
    return make_results(records, cohort=str(cohort["id"]), synthetic=False,
                        analysis=PUBLISHED_ANALYSIS, disclosure=RELEASED)


def published_results(cohorts: list[Mapping]) -> dict[str, pd.DataFrame]:
    """{cohort id: its published rows} for every published cohort with a comparable figure."""
    tables = {str(c["id"]): published_cohort_results(c) for c in cohorts}
    return {label: rows for label, rows in tables.items() if len(rows)}
