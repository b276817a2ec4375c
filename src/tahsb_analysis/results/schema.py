"""The long results table: one row per statistic, the single output of every analysis.

In the spirit of gtsummary's "analysis results dataset" (ARD): analyses compute rows of this
table; disclosure control acts on it; tables and figures only render it. Numbers stay numeric
here. Rounding and formatting happen once, when a table is rendered.

Columns (`RESULT_COLUMNS`, in this order):

=================  ========  ==================================================================
column             dtype     meaning
=================  ========  ==================================================================
cohort             string    cohort label the row was computed on
synthetic          boolean   True when the cohort is synthetic (outputs must say SYNTHETIC)
analysis           string    which analysis produced the row (e.g. "prevalence")
output             string    the rendered table or figure the row belongs to ("prevalence_overall")
finding            string    published finding(s) the row bears on ("P1", "R1;R2"), or <NA>
variable           string    the variable described (e.g. "hsb_group", "ta_hsb_type")
level              string    the level of the variable (e.g. "dual"), "missing: <reason>", or <NA>
group_variable     string    the variable that splits the population (e.g. "sex"), or <NA>
group              string    the level of group_variable, or <NA> for the whole population
statistic          string    what estimate is: "proportion", "count", "mean", "median",
                             "chi2", "fisher_exact", ...; one vocabulary,
                             tahsb_analysis.vocabulary.STATISTICS
estimate           Float64   the number itself (a proportion as 0-1, not a percentage)
ci_low, ci_high    Float64   confidence limits of estimate, or <NA>
n                  Int64     numerator: the children (or behaviours) counted in estimate
denominator        Int64     the population estimate is a share of (excludes missing values)
unit               string    what n and denominator count: "children" or "behaviours"
method             string    how estimate, CI and p-value were computed, in words
                             ("Wilson 95% CI", "Pearson chi-squared test")
p_value            Float64   p-value of the test in this row, or <NA>
p_adjusted         Float64   multiplicity-adjusted p-value, or <NA>
p_adjust_method    string    "Holm", "Benjamini-Hochberg", or <NA>
warning            string    anything a reader must know (small expected counts, separation,
                             empty denominator), or <NA>
disclosure         string    "not checked" (internal tier: the analyses' own rows), "released"
                             or "suppressed" (release tier: set only by disclosure.py)
disclosure_reason  string    why a row was suppressed, or what was done to it, or <NA>
=================  ========  ==================================================================
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.spreadsheet import to_csv_neutralised
from tahsb_analysis.vocabulary import STATISTICS

RESULT_COLUMNS: dict[str, str] = {
    "cohort": "string",
    "synthetic": "boolean",
    "analysis": "string",
    "output": "string",
    "finding": "string",
    "variable": "string",
    "level": "string",
    "group_variable": "string",
    "group": "string",
    "statistic": "string",
    "estimate": "Float64",
    "ci_low": "Float64",
    "ci_high": "Float64",
    "n": "Int64",
    "denominator": "Int64",
    "unit": "string",
    "method": "string",
    "p_value": "Float64",
    "p_adjusted": "Float64",
    "p_adjust_method": "string",
    "warning": "string",
    "disclosure": "string",
    "disclosure_reason": "string",
}

# Disclosure states of a row. Analyses never set them: their rows are "not checked" until the
# disclosure gate (disclosure.py) marks each one "released" or "suppressed".
NOT_CHECKED = "not checked"
RELEASED = "released"
SUPPRESSED = "suppressed"
DISCLOSURE_STATES = (NOT_CHECKED, RELEASED, SUPPRESSED)

REQUIRED_VALUES = (
    "cohort", "synthetic", "analysis", "output", "variable", "statistic", "method", "disclosure"
)
UNITS = ("children", "behaviours", "years")


class ResultsSchemaError(ValueError):
    """A results table does not follow the schema (a programming error in an analysis)."""


def make_results(rows: list[dict] | pd.DataFrame, **common) -> pd.DataFrame:
    """Build a schema-conforming results table from row dicts (or a frame).

    Columns not given are <NA>; keyword arguments fill a column on every row (e.g.
    ``analysis="prevalence"``). The result is validated before it is returned.
    """
    frame = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    unknown = set(frame.columns) - set(RESULT_COLUMNS) | (set(common) - set(RESULT_COLUMNS))
    if unknown:
        raise ResultsSchemaError(f"unknown results columns: {sorted(unknown)}")
    for column, value in common.items():
        frame[column] = value
    for column, dtype in RESULT_COLUMNS.items():
        if column not in frame.columns:
            frame[column] = pd.NA
        frame[column] = frame[column].astype(dtype)
    frame["disclosure"] = frame["disclosure"].fillna(NOT_CHECKED)
    frame = frame[list(RESULT_COLUMNS)].reset_index(drop=True)
    validate_results(frame)
    return frame


def empty_results() -> pd.DataFrame:
    return make_results([])


def concat_results(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack results tables (each already valid) into one, keeping dtypes."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_results()
    frame = pd.concat(parts, ignore_index=True)
    validate_results(frame)
    return frame


def validate_results(frame: pd.DataFrame) -> None:
    """Raise ResultsSchemaError unless `frame` follows the results schema exactly."""
    problems = []
    if list(frame.columns) != list(RESULT_COLUMNS):
        problems.append(f"columns must be {list(RESULT_COLUMNS)}, got {list(frame.columns)}")
    else:
        for column, dtype in RESULT_COLUMNS.items():
            if str(frame[column].dtype) != dtype:
                problems.append(f"{column}: dtype {frame[column].dtype}, expected {dtype}")
        if not problems:
            for column in REQUIRED_VALUES:
                if frame[column].isna().any():
                    problems.append(f"{column}: must be filled on every row")
            bad_states = ~frame["disclosure"].isin(DISCLOSURE_STATES) & frame["disclosure"].notna()
            if bad_states.any():
                problems.append(f"disclosure: only {DISCLOSURE_STATES} allowed")
            unknown = ~frame["statistic"].isin(STATISTICS) & frame["statistic"].notna()
            if unknown.any():
                names = sorted(frame.loc[unknown, "statistic"].unique())
                problems.append(f"statistic: {names} not in the vocabulary "
                                "(tahsb_analysis.vocabulary.STATISTICS)")
            bad_units = ~frame["unit"].isin(UNITS) & frame["unit"].notna()
            if bad_units.any():
                problems.append(f"unit: only {UNITS} allowed")
            counts = frame[["n", "denominator"]]
            if (counts < 0).any().any():
                problems.append("n and denominator must not be negative")
            over = (frame["n"] > frame["denominator"]).fillna(False)
            share = frame["statistic"].eq("proportion")
            if (over & share).any():
                problems.append("a proportion's n exceeds its denominator")
            p_cols = frame[["p_value", "p_adjusted"]]
            if ((p_cols < 0) | (p_cols > 1)).any().any():
                problems.append("p-values must lie in [0, 1]")
            has_adjusted = frame["p_adjusted"].notna()
            if (has_adjusted & frame["p_adjust_method"].isna()).any():
                problems.append("an adjusted p-value needs p_adjust_method")
            ci = frame[["ci_low", "estimate", "ci_high"]]
            inverted = (ci["ci_low"] > ci["ci_high"]).fillna(False)
            if inverted.any():
                problems.append("ci_low exceeds ci_high")
    if problems:
        raise ResultsSchemaError("; ".join(problems))


def write_results_csv(results: pd.DataFrame, path) -> None:
    """The results table as CSV: unrounded numbers, UTF-8, "\\n" line endings (deterministic)."""
    validate_results(results)
    # A cohort label or a warning can never start a spreadsheet formula (spreadsheet.py).
    to_csv_neutralised(results, path, lineterminator="\n")
