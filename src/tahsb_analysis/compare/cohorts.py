"""Cohort comparison: the same statistic of two cohorts set side by side as results rows.

Pure functions over results tables (results.py): `compare_cohorts` turns the proportion and
mean rows two cohorts share into differences, odds ratios and tests (analysis "comparison");
`published_cohort_results` turns a published cohort's aggregate figures
(data/published_cohorts.yaml) into rows that can be compared like a cohort of our own; and
`replication_side_by_side` lines up the replication verdicts of several cohorts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from tahsb_analysis.analyses.inference import MIN_EXPECTED_COUNT, association_test, proportion_ci
from tahsb_analysis.compare.replication import OVERALL_PART
from tahsb_analysis.results.numbers import round_half_up
from tahsb_analysis.results.schema import (
    NOT_CHECKED,
    RELEASED,
    SUPPRESSED,
    empty_results,
    make_results,
    validate_results,
)
from tahsb_analysis.vocabulary import MISSING_PREFIX

COMPARISON_ANALYSIS = "comparison"
PUBLISHED_ANALYSIS = "published"
PAIR_SEPARATOR = " vs "
# The columns that say which statistic two cohorts share.
KEY_COLUMNS = ("output", "variable", "level", "group_variable", "group", "unit")
DEFAULT_DIFFERENCING_THRESHOLD = 10

# Comparison statistics (the results vocabulary, with "mean_difference" added here).
RISK_DIFFERENCE = "risk_difference"
ODDS_RATIO = "odds_ratio"
MEAN_DIFFERENCE = "mean_difference"
WELCH_T = "welch_t"
NOT_TESTED = "not_tested"
P_ADJUST_METHOD = "Holm"

SUPPRESSED_REASON = "computed from a suppressed count"
PUBLISHED_REASON = "published figure: public, outside disclosure control"
DIFFERENCING_WARNING = (
    "differencing: counts differ by fewer than {threshold}; if these cohorts overlap (one "
    "contains the other), the difference reveals a small group: check before release"
)
BEHAVIOURS_WARNING = (
    "unit is behaviours: several behaviours of one child are not independent, but the CI and "
    "test treat them as if they were"
)

# The page's sections and the outputs each holds; an output no section names goes to "other".
SECTION_TITLES = {
    "prevalence": "Prevalence of TA-HSB",
    "range": "Range of TA-HSB",
    "characteristics": "Backgrounds and characteristics",
    "links": "Links between TA-HSB and offline HSB",
    "responses": "Professional responses",
    "other": "Other outputs",
}
COMPARISON_SECTIONS: dict[str, str] = {
    "prevalence_overall": "prevalence",
    "prevalence_by_sex": "prevalence",
    "prevalence_by_age_band": "prevalence",
    "prevalence_by_learning_disability": "prevalence",
    "ta_hsb_types": "range",
    "ta_hsb_forms_per_child": "range",
    "ta_hsb_aimed_at_other": "range",
    "dual_subgroups": "range",
    "characteristics": "characteristics",
    "onset_order": "links",
    "porn_trigger": "links",
    "onset_gap": "links",
    "first_hsb_age_by_group": "links",
    "trajectories": "links",
    "responses": "responses",
    "response_models": "responses",
}
PREVALENCE_PREFIX = "prevalence_"
OTHER_SECTION = "other"

# The side-by-side replication table: these columns, then one column per cohort.
SIDE_BY_SIDE_COLUMNS = ("finding", "claim", "kind", "published")


class ComparisonError(ValueError):
    """Cohorts cannot be compared as asked (the message names the cohort, key or pair)."""


class PublishedCohortsError(ValueError):
    """The published-cohorts file is malformed (the message names file, entry and key)."""


def section_of(output) -> str:
    """The comparison page's section of an output: "prevalence_by_sex" -> "prevalence"."""
    output = str(output)
    if output in COMPARISON_SECTIONS:
        return COMPARISON_SECTIONS[output]
    if output.startswith(PREVALENCE_PREFIX):
        return "prevalence"
    return OTHER_SECTION


def pairs_against(labels, reference: str) -> list[tuple[str, str]]:
    """Every cohort but the reference, each compared with the reference, in the given order.

    Raises ValueError when the reference is not among the labels.
    """
    labels = list(labels)
    if reference not in labels:
        raise ValueError(f"reference cohort {reference!r} is not one of {labels}")
    return [(label, reference) for label in labels if label != reference]


def section_outputs(comparison: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The outputs each section's forest plot draws, keyed by the plot's file stem (for the
    manifest: a plot's status is that of the rows it shows)."""
    outputs = sorted(set(comparison["output"].dropna().astype(str)))
    return {
        f"comparison_{section}": tuple(o for o in outputs if section_of(o) == section)
        for section in SECTION_TITLES
    }


# --- published cohorts ---------------------------------------------------------------------

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
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
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
    validator = jsonschema.Draft202012Validator(PUBLISHED_COHORTS_SCHEMA)
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


# --- comparing cohorts ---------------------------------------------------------------------


def _is_na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _value(value):
    return None if _is_na(value) else value


def _key(row) -> tuple:
    return tuple(_value(row[column]) for column in KEY_COLUMNS)


def _key_words(key: tuple) -> str:
    return ", ".join(f"{column}={value!r}" for column, value in zip(KEY_COLUMNS, key, strict=True)
                     if value is not None)


def _rows_of(table: pd.DataFrame, label: str) -> tuple[dict, dict]:
    """({key: proportion row}, {key: (mean row, sd row or None)}) of one cohort, in order."""
    mask_level = ~table["level"].astype("string").str.startswith(MISSING_PREFIX).fillna(False)
    statistic = table["statistic"].astype(str)
    proportions: dict[tuple, pd.Series] = {}
    means: dict[tuple, pd.Series] = {}
    sds: dict[tuple, pd.Series] = {}
    for kind, store in (("proportion", proportions), ("mean", means), ("sd", sds)):
        rows = table[(statistic.eq(kind) & mask_level).to_numpy(dtype=bool)]
        for _, row in rows.iterrows():
            key = _key(row)
            if key in store:
                raise ComparisonError(
                    f"cohort {label!r}: several {kind} rows share {_key_words(key)}; a "
                    "comparison needs one row per statistic"
                )
            store[key] = row
    return proportions, {key: (row, sds.get(key)) for key, row in means.items()}


def _disclosure(rows: list) -> str:
    """Suppressed when any source row is, or a released one lacks its values; "not checked"
    when any source is (internal tier); otherwise released."""
    states = [str(r["disclosure"]) for r in rows if r is not None]
    if SUPPRESSED in states:
        return SUPPRESSED
    if NOT_CHECKED in states:
        return NOT_CHECKED
    return RELEASED


def _blank(row, columns) -> bool:
    return row is None or any(_is_na(row[c]) for c in columns)


def _findings(row_a, row_b):
    found = []
    for row in (row_a, row_b):
        if row is not None and not _is_na(row["finding"]):
            for part in str(row["finding"]).split(";"):
                if part.strip() and part.strip() not in found:
                    found.append(part.strip())
    return ";".join(found) if found else pd.NA


def _differencing(n_a, n_b, d_a, d_b, threshold: int) -> str | None:
    close = [abs(int(x) - int(y)) for x, y in ((n_a, n_b), (d_a, d_b))
             if not _is_na(x) and not _is_na(y)]
    if any(0 < gap < threshold for gap in close):
        return DIFFERENCING_WARNING.format(threshold=threshold)
    return None


def _joined(*warnings) -> str | object:
    parts = [w for w in warnings if w]
    return "; ".join(parts) if parts else pd.NA


def _percent(confidence: float) -> str:
    return f"{confidence:.0%}"


def _base(pair: str, row_a, row_b, key: tuple) -> dict:
    base = dict(zip(KEY_COLUMNS, key, strict=True))
    return {
        **{k: (pd.NA if v is None else v) for k, v in base.items()},
        "cohort": pair,
        "synthetic": bool(row_a["synthetic"]) or bool(row_b["synthetic"]),
        "finding": _findings(row_a, row_b),
    }


def _proportion_methods(confidence: float) -> dict[str, str]:
    level = _percent(confidence)
    return {
        RISK_DIFFERENCE: f"risk difference (first cohort minus second), Newcombe hybrid score "
                         f"{level} CI (method 10)",
        ODDS_RATIO: f"odds ratio (first cohort vs second), Woolf logit {level} CI",
        "odds_ratio_zero": f"odds ratio (first cohort vs second), Woolf logit {level} CI with "
                           "0.5 added to every cell because a cell is 0 (Haldane-Anscombe)",
        "chi2": "Pearson chi-squared test (1 df, no continuity correction), used because every "
                f"expected count is at least {MIN_EXPECTED_COUNT}",
        "fisher_exact": f"Fisher's exact test (two-sided), used because an expected count is "
                        f"below {MIN_EXPECTED_COUNT}",
        NOT_TESTED: "no test",
        "suppressed_test": "test of two proportions (Pearson chi-squared, or Fisher's exact when "
                           f"an expected count is below {MIN_EXPECTED_COUNT})",
    }


def _compare_proportions(labels, row_a, row_b, key, *, confidence, threshold) -> list[dict]:
    """Risk difference, odds ratio and test of one share two cohorts have."""
    methods = _proportion_methods(confidence)
    base = _base(PAIR_SEPARATOR.join(labels), row_a, row_b, key)
    state = _disclosure([row_a, row_b])
    counts = ("n", "denominator")
    if state == SUPPRESSED or (
        state == RELEASED and (_blank(row_a, counts) or _blank(row_b, counts))
    ):
        blank = {**base, "disclosure": SUPPRESSED, "disclosure_reason": SUPPRESSED_REASON}
        return [
            {**blank, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE]},
            {**blank, "statistic": ODDS_RATIO, "method": methods[ODDS_RATIO]},
            {**blank, "statistic": NOT_TESTED, "method": methods["suppressed_test"]},
        ]
    warnings = []
    if base["unit"] == "behaviours":
        warnings.append(BEHAVIOURS_WARNING)
    if state == RELEASED:
        warnings.append(_differencing(row_a["n"], row_b["n"], row_a["denominator"],
                                      row_b["denominator"], threshold))
    common = {**base, "disclosure": state}
    if _blank(row_a, counts) or _blank(row_b, counts):
        missing = "a source row has no count (n or denominator blank): not compared"
        return [
            {**common, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE],
             "warning": _joined(missing, *warnings)},
            {**common, "statistic": ODDS_RATIO, "method": methods[ODDS_RATIO],
             "warning": _joined(missing, *warnings)},
            {**common, "statistic": NOT_TESTED, "method": methods[NOT_TESTED],
             "warning": _joined(missing, *warnings)},
        ]
    a, d_a, b, d_b = (int(row_a["n"]), int(row_a["denominator"]),
                      int(row_b["n"]), int(row_b["denominator"]))
    common.update(n=a + b, denominator=d_a + d_b)
    alpha = 1 - confidence
    empty = [label for label, d in zip(labels, (d_a, d_b), strict=True) if d == 0]
    if empty:
        note = f"empty denominator in {' and '.join(empty)}: no estimate"
        rd = {"estimate": np.nan, "warning": _joined(note, *warnings)}
        odds = {"estimate": np.nan, "method": methods[ODDS_RATIO],
                "warning": _joined(note, *warnings)}
    else:
        low, high = confint_proportions_2indep(a, d_a, b, d_b, method="newcomb",
                                               compare="diff", alpha=alpha)
        rd = {"estimate": a / d_a - b / d_b, "ci_low": float(low), "ci_high": float(high),
              "warning": _joined(*warnings)}
        odds = _odds_ratio(a, d_a, b, d_b, alpha, methods, warnings)
    test = association_test([[a, d_a - a], [b, d_b - b]])
    statistic = test.statistic
    estimate = test.estimate if math.isfinite(test.estimate) else np.nan
    test_row = {
        "statistic": statistic,
        "estimate": estimate,
        "p_value": test.p_value,
        "method": methods[statistic],
        "warning": _joined(test.warning, *warnings),
    }
    return [
        {**common, "statistic": RISK_DIFFERENCE, "method": methods[RISK_DIFFERENCE], **rd},
        {**common, "statistic": ODDS_RATIO, **odds},
        {**common, **test_row},
    ]


def _odds_ratio(a, d_a, b, d_b, alpha, methods, warnings) -> dict:
    """Woolf's logit CI; with a zero cell, 0.5 added to every cell (statsmodels
    "logit-adjusted") so that the odds ratio and its CI are finite, and the method says so."""
    zero_cell = 0 in (a, d_a - a, b, d_b - b)
    method = "logit-adjusted" if zero_cell else "logit"
    low, high = confint_proportions_2indep(a, d_a, b, d_b, method=method,
                                           compare="odds-ratio", alpha=alpha)
    add = 0.5 if zero_cell else 0.0
    cells = (a + add, d_a - a + add, b + add, d_b - b + add)
    estimate = (cells[0] * cells[3]) / (cells[1] * cells[2])
    extra = ["a cell is 0: 0.5 added to every cell"] if zero_cell else []
    return {
        "estimate": estimate,
        "ci_low": float(low),
        "ci_high": float(high),
        "method": methods["odds_ratio_zero" if zero_cell else ODDS_RATIO],
        "warning": _joined(*extra, *warnings),
    }


def welch_interval(mean_a, sd_a, n_a, mean_b, sd_b, n_b, confidence=0.95):
    """(difference, low, high, df) of mean_a - mean_b with Welch's CI (Welch-Satterthwaite
    degrees of freedom); NaN limits when either n is below 2 or both SDs are 0."""
    difference = float(mean_a) - float(mean_b)
    if n_a < 2 or n_b < 2:
        return difference, np.nan, np.nan, np.nan
    var_a, var_b = float(sd_a) ** 2 / n_a, float(sd_b) ** 2 / n_b
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return difference, np.nan, np.nan, np.nan
    df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
    half = stats.t.ppf(1 - (1 - confidence) / 2, df) * se
    return difference, difference - half, difference + half, df


def _compare_means(labels, source_a, source_b, key, *, confidence, threshold) -> list[dict]:
    """Difference in means (Welch CI) and Welch's t-test of one mean two cohorts have."""
    (mean_a, sd_a), (mean_b, sd_b) = source_a, source_b
    level = _percent(confidence)
    difference_method = (f"difference in means (first cohort minus second), Welch {level} CI "
                         "(Welch-Satterthwaite df)")
    test_method = ("Welch's t-test (two-sided, unequal variances) from each cohort's mean, SD "
                   "and n")
    base = _base(PAIR_SEPARATOR.join(labels), mean_a, mean_b, key)
    sources = [mean_a, sd_a, mean_b, sd_b]
    state = _disclosure(sources)
    needed = ("estimate", "n")
    blank = any(_blank(r, needed) for r in sources)
    if state == SUPPRESSED or (state == RELEASED and blank):
        hidden = {**base, "disclosure": SUPPRESSED, "disclosure_reason": SUPPRESSED_REASON}
        return [{**hidden, "statistic": MEAN_DIFFERENCE, "method": difference_method},
                {**hidden, "statistic": WELCH_T, "method": test_method}]
    warnings = []
    if state == RELEASED:
        warnings.append(_differencing(mean_a["n"], mean_b["n"], mean_a["denominator"],
                                      mean_b["denominator"], threshold))
    common = {**base, "disclosure": state}
    if _blank(mean_a, needed) or _blank(mean_b, needed):
        missing = "a source mean has no value or n: not compared"
        return [{**common, "statistic": MEAN_DIFFERENCE, "method": difference_method,
                 "warning": _joined(missing, *warnings)},
                {**common, "statistic": WELCH_T, "method": test_method,
                 "warning": _joined(missing, *warnings)}]
    n_a, n_b = int(mean_a["n"]), int(mean_b["n"])
    d_a = n_a if _is_na(mean_a["denominator"]) else int(mean_a["denominator"])
    d_b = n_b if _is_na(mean_b["denominator"]) else int(mean_b["denominator"])
    common.update(n=n_a + n_b, denominator=d_a + d_b)
    difference = {"statistic": MEAN_DIFFERENCE, "method": difference_method,
                  "estimate": float(mean_a["estimate"]) - float(mean_b["estimate"])}
    test = {"statistic": WELCH_T, "method": test_method}
    if _blank(sd_a, ("estimate",)) or _blank(sd_b, ("estimate",)):
        note = "no standard deviation for a cohort: no CI or test"
        return [{**common, **difference, "warning": _joined(note, *warnings)},
                {**common, **test, "warning": _joined(note, *warnings)}]
    s_a, s_b = float(sd_a["estimate"]), float(sd_b["estimate"])
    m_a, m_b = float(mean_a["estimate"]), float(mean_b["estimate"])
    _, low, high, df = welch_interval(m_a, s_a, n_a, m_b, s_b, n_b, confidence)
    if math.isnan(df):
        note = ("fewer than 2 children in a cohort, or both SDs 0: no CI or test"
                if min(n_a, n_b) < 2 or (s_a == 0 and s_b == 0) else "no CI or test")
        return [{**common, **difference, "warning": _joined(note, *warnings)},
                {**common, **test, "warning": _joined(note, *warnings)}]
    result = stats.ttest_ind_from_stats(m_a, s_a, n_a, m_b, s_b, n_b, equal_var=False)
    return [
        {**common, **difference, "ci_low": low, "ci_high": high,
         "warning": _joined(*warnings)},
        {**common, **test, "estimate": float(result.statistic),
         "p_value": float(result.pvalue), "warning": _joined(*warnings)},
    ]


TEST_ROWS = frozenset({"chi2", "fisher_exact", WELCH_T})


def _holm(records: list[dict]) -> None:
    """Holm-adjust the p-values of the test rows of one pair, in place."""
    tested = [r for r in records if r["statistic"] in TEST_ROWS and not _is_na(r.get("p_value"))]
    if not tested:
        return
    adjusted = multipletests([float(r["p_value"]) for r in tested], method="holm")[1]
    for record, p in zip(tested, adjusted, strict=True):
        record["p_adjusted"] = float(p)
        record["p_adjust_method"] = P_ADJUST_METHOD


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    for label, table in tables.items():
        validate_results(table)
        cohorts = set(table["cohort"].astype(str))
        if cohorts - {str(label)}:
            raise ComparisonError(
                f"the table given as cohort {label!r} holds rows of cohort(s) "
                f"{sorted(cohorts - {str(label)})}; give each cohort's own results table"
            )


def _default_pairs(labels: list[str]) -> list[tuple[str, str]]:
    return [(label, labels[0]) for label in labels[1:]]


def compare_cohorts(
    tables: Mapping[str, pd.DataFrame],
    pairs: list[tuple[str, str]] | None = None,
    *,
    confidence: float = 0.95,
    threshold: int = DEFAULT_DIFFERENCING_THRESHOLD,
) -> pd.DataFrame:
    """Compare cohorts statistic by statistic; results rows with analysis "comparison".

    Parameters
    ----------
    tables
        Cohort label -> that cohort's results table (internal or release tier, or the rows of
        `published_cohort_results`). Every row of a table must be of its cohort.
    pairs
        (A, B) pairs to compare, A minus B; default each cohort against the first, in order.
    confidence
        Coverage of every CI.
    threshold
        The disclosure threshold: released pairs whose counts differ by fewer than this get a
        differencing warning.

    Returns
    -------
    Results rows (results.py schema), per pair in order and per key (`KEY_COLUMNS`) in the
    order of A's table. cohort is "A vs B"; output, variable, level, group_variable, group,
    unit are the key; finding joins both rows' findings; n and denominator are the sums of
    both cohorts'. For a key both cohorts have as a proportion row: "risk_difference" (Newcombe
    hybrid score CI), "odds_ratio" (Woolf logit CI; 0.5 added to every cell when one is 0)
    and a test row, "chi2" (Pearson, 1 df, no continuity correction) when every expected count
    is at least 5, else "fisher_exact" (estimate: the sample odds ratio), "not_tested" when a
    margin is empty. For a key both have as a mean row with an SD row: "mean_difference"
    (Welch CI, Welch-Satterthwaite df) and "welch_t". Test p-values are Holm-adjusted within
    each pair. disclosure is "suppressed" (values blank) when a source row is suppressed or,
    being released, blank; "not checked" when a source is; else "released". The two cohorts
    are assumed independent (no child in both).

    References
    ----------
    Newcombe, R. G. (1998) Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17, 873-890 (method 10;
    statsmodels confint_proportions_2indep(method="newcomb")). Woolf, B. (1955) On estimating
    the relation between blood group and disease. Ann Hum Genet 19, 251-253
    (method="logit"; "logit-adjusted" adds 0.5 to each cell, Haldane 1956). Welch, B. L.
    (1947) Biometrika 34, 28-35 (scipy.stats.ttest_ind_from_stats(equal_var=False)). Holm, S.
    (1979) Scand J Stat 6, 65-70 (statsmodels multipletests(method="holm")).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative whole number, got {threshold!r}")
    _check_tables(tables)
    labels = [str(label) for label in tables]
    pairs = _default_pairs(labels) if pairs is None else [tuple(p) for p in pairs]
    for pair in pairs:
        if len(pair) != 2:
            raise ComparisonError(f"a pair names two cohorts, got {pair!r}")
        unknown = [c for c in pair if c not in tables]
        if unknown:
            raise ComparisonError(
                f"pair {pair!r}: no results table for cohort(s) {unknown}; tables were given "
                f"for {labels}"
            )
        if pair[0] == pair[1]:
            raise ComparisonError(f"pair {pair!r} compares a cohort with itself")
    rows_by_cohort = {label: _rows_of(tables[label], label) for label in labels}
    records: list[dict] = []
    for first, second in pairs:
        (shares_a, means_a), (shares_b, means_b) = rows_by_cohort[first], rows_by_cohort[second]
        pair_records: list[dict] = []
        order = list(dict.fromkeys([*shares_a, *means_a]))
        for key in _in_table_order(tables[first], order):
            if key in shares_a and key in shares_b:
                pair_records += _compare_proportions(
                    (first, second), shares_a[key], shares_b[key], key, confidence=confidence,
                    threshold=threshold)
            if key in means_a and key in means_b:
                pair_records += _compare_means(
                    (first, second), means_a[key], means_b[key], key, confidence=confidence,
                    threshold=threshold)
        _holm(pair_records)
        records += pair_records
    if not records:
        return empty_results()
    return make_results(records, analysis=COMPARISON_ANALYSIS)


def _in_table_order(table: pd.DataFrame, keys: list[tuple]) -> list[tuple]:
    """`keys` in the order their first row appears in `table`."""
    wanted = set(keys)
    ordered = []
    for _, row in table.iterrows():
        key = _key(row)
        if key in wanted and key not in ordered:
            ordered.append(key)
    return ordered


# --- replication verdicts side by side ----------------------------------------------------


def replication_side_by_side(evaluations: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The overall verdict (part 0) of every finding per cohort, side by side.

    `evaluations` maps cohort label -> `replication.evaluate_register` frame of that cohort.
    Returns columns finding, claim, kind, published, then one column per cohort (its verdict,
    <NA> where that cohort's evaluation lacks the finding); one row per finding, in register
    order. Raises ComparisonError when an evaluation holds another cohort's rows or the
    cohorts were evaluated with different register versions.
    """
    frames = []
    versions: dict[str, str] = {}
    for label, frame in evaluations.items():
        if str(label) in SIDE_BY_SIDE_COLUMNS:
            raise ComparisonError(f"cohort label {label!r} clashes with a column name; rename it")
        cohorts = set(frame["cohort"].dropna().astype(str))
        if cohorts - {str(label)}:
            raise ComparisonError(
                f"the evaluation given as cohort {label!r} holds rows of cohort(s) "
                f"{sorted(cohorts - {str(label)})}; evaluate each cohort on its own"
            )
        for version in frame["register_version"].dropna().astype(str).unique():
            versions.setdefault(version, str(label))
        overall = frame[frame["part"].eq(OVERALL_PART).fillna(False).to_numpy(dtype=bool)]
        frames.append((str(label), overall))
    if len(versions) > 1:
        listed = ", ".join(f"version {v} ({c})" for v, c in sorted(versions.items()))
        raise ComparisonError(
            f"the cohorts were evaluated with different replication registers ({listed}); "
            "evaluate every cohort with the same register"
        )
    findings: dict[str, dict] = {}
    for _, overall in frames:
        for _, row in overall.iterrows():
            findings.setdefault(str(row["finding"]), {
                "finding": str(row["finding"]), "claim": row["claim"], "kind": row["kind"],
                "published": row["published"],
            })
    records = []
    for finding, fixed in findings.items():
        record = dict(fixed)
        for label, overall in frames:
            match = overall[overall["finding"].eq(finding).fillna(False).to_numpy(dtype=bool)]
            record[label] = match["verdict"].iloc[0] if len(match) else pd.NA
        records.append(record)
    columns = [*SIDE_BY_SIDE_COLUMNS, *(label for label, _ in frames)]
    return pd.DataFrame.from_records(records, columns=columns).astype("string")
