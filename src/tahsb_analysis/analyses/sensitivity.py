"""Missing-data sensitivity analysis: the bounds of each share when every value "not recorded"
is counted as the level (upper bound) or as another level (lower bound).

The primary analysis is complete-case: a child whose value was not recorded is left out of a
share's denominator and counted in its own "missing: not recorded" row. For a case-file study
that can change what is measured (a difficulty not recorded is not a difficulty absent; a
trigger not recorded inflates the share recorded as a trigger). The bounds answer "how far could
the share move if every unrecorded value went one way?" without any model of why values are
missing (worst- and best-case bounds, Manski 1989; Horowitz and Manski 2000).

The rows are computed from the primary rows only (the share's n and denominator and the
"not recorded" count of the same variable and group), so they describe no child the primary
rows do not, and the disclosure gate protects them as derived from those rows (outputs.yaml
`disclosure: derived_from`). A value "not applicable" is not missing data and stays out.

References
----------
Manski, C. F. (1989). Anatomy of the selection problem. J Human Resources 24, 343-360.
Horowitz, J. L. and Manski, C. F. (2000). Nonparametric analysis of randomized experiments with
missing covariate and outcome data. JASA 95, 77-84.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.missing import missing_reason
from tahsb_analysis.input.cohort import missing_column
from tahsb_analysis.results.schema import make_results
from tahsb_analysis.vocabulary import (
    MISSING_BOUNDS,
    MISSING_PREFIX,
    PROPORTION,
    SECONDARY_TEST,
    SENSITIVITY_ANALYSIS,
    TEST_STATISTICS,
)

NOT_RECORDED_LEVEL = MISSING_PREFIX + "not recorded"
BOUNDS_METHOD = (
    f"{SENSITIVITY_ANALYSIS}: bounds on the share if every child whose value was not recorded "
    "had this level (upper) or had not (lower), of the children with the value recorded or not "
    "recorded; the estimate is the complete-case share of the primary analysis"
)
_KEY = ["variable", "group_variable", "group"]


def missing_bounds(results: pd.DataFrame, source_output: str, output: str, *,
                   every_share: bool = False) -> pd.DataFrame:
    """Bounds rows (statistic "missing_bounds") for every share of `source_output` whose
    variable has a value not recorded in at least one group.

    Parameters
    ----------
    results : pandas.DataFrame
        A results table holding the primary rows of `source_output`: shares (statistic
        "proportion") and "missing: not recorded" count rows of the same variable and group.
    source_output : str
        The output whose shares are bounded.
    output : str
        The output the bounds rows belong to.
    every_share : bool
        Bound every share, also of a variable with no value not recorded (bounds equal to the
        estimate: the finding is shown to be unaffected).

    Returns
    -------
    pandas.DataFrame
        A results table (same cohort, synthetic and analysis columns as the source rows), one
        row per share of a variable with any value not recorded, in the source's order:
        estimate the complete-case share, ci_low = n / (N + m), ci_high = (n + m) / (N + m)
        with n the share's count, N its denominator and m the children whose value was not
        recorded in that group; n = denominator = N + m. Empty when nothing is missing.
    """
    rows = results[results["output"].eq(source_output).fillna(False)]
    shares = rows[rows["statistic"].eq(PROPORTION).fillna(False)]
    missing = rows[rows["statistic"].eq("count").fillna(False)
                   & rows["level"].eq(NOT_RECORDED_LEVEL).fillna(False)]
    not_recorded = {
        tuple(_text(row[c]) for c in _KEY): int(row["n"])
        for _, row in missing.iterrows() if not pd.isna(row["n"])
    }
    with_missing = {key[0] for key, count in not_recorded.items() if count > 0}
    bounds = []
    for _, share in shares.iterrows():
        if share["variable"] not in with_missing and not every_share:
            continue
        if pd.isna(share["n"]) or pd.isna(share["denominator"]):
            continue
        m = not_recorded.get(tuple(_text(share[c]) for c in _KEY), 0)
        bounds.append(_bounds_row(share, m, output))
    if not bounds:
        return make_results([])
    return make_results(bounds)


def share_bounds(n: int, denominator: int, not_recorded: int) -> tuple[float, float]:
    """(lower, upper): n / (N + m) and (n + m) / (N + m); NaN for an empty population."""
    total = denominator + not_recorded
    if total == 0:
        return float("nan"), float("nan")
    return n / total, (n + not_recorded) / total


def _bounds_row(share: pd.Series, not_recorded: int, output: str) -> dict:
    n, denominator = int(share["n"]), int(share["denominator"])
    low, high = share_bounds(n, denominator, not_recorded)
    total = denominator + not_recorded
    return {
        **{c: share[c] for c in ("cohort", "synthetic", "analysis", "finding", "variable",
                                 "level", "group_variable", "group", "unit")},
        "output": output,
        "statistic": MISSING_BOUNDS,
        "estimate": share["estimate"],
        "ci_low": low,
        "ci_high": high,
        "n": total,
        "denominator": total,
        "method": BOUNDS_METHOD,
        "warning": None if total else "empty denominator: no children in this population",
    }


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


# ---------------------------------------------------------------------------------------------
# The comparisons' tests under each extreme


# The scenario is named in the level, under the "missing: " prefix: a test row with an ordinary
# level is a test of one share (whose n is a count of children with that level), and the
# disclosure gate reads it so; this one is a test of the whole table, computed from all of the
# variable's counts, and must be protected with them.
# Monte Carlo tables of an exact test rerun in a scenario (at most): a sensitivity analysis
# reads whether p crosses 0.05, where 9,999 tables give a standard error of 0.002, and each
# variable is rerun once per level, so the primary analysis's 99,999 would cost ten times more.
SCENARIO_RESAMPLES = 9_999
SCENARIO_PREFIX = MISSING_PREFIX + "not recorded counted as "


def missing_scenario_tests(frame: pd.DataFrame, group: str, variables, output: str,
                           compare) -> pd.DataFrame:
    """The group comparison's tests rerun with every value "not recorded" counted as one level,
    once per level (for a yes/no variable: all yes, then all no).

    The primary comparison is complete-case; these rows show whether its conclusion survives
    the most extreme ways the unrecorded values could fall (the bounds of `missing_bounds` are
    the same two scenarios for each share). A value "not applicable" stays out, as in the
    primary analysis, and a variable with nothing "not recorded" gets no rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The primary analysis's frame: `group`, each variable and its "<field>__missing" column.
    group : str
        The grouping column.
    variables : sequence of str
        Categorical or yes/no variables to rerun (continuous ones have no level to count as).
    output : str
        The output the rows belong to.
    compare : callable
        `compare(frame, group, [variable])`: the primary comparison with its settings (e.g. a
        `functools.partial` of `group_comparison.compare_groups`), so each scenario uses the
        very tests of the primary analysis (ordered variables their trend test).

    Returns
    -------
    pandas.DataFrame
        Comparison rows (not a results table: the caller adds cohort and output), one per test
        of the primary comparison and scenario; level "not recorded counted as <level>";
        method "sensitivity analysis: <test>, ..." so that no multiplicity family holds them;
        p_adjusted empty.
    """
    parts = []
    for variable in variables:
        codes = frame.get(missing_column(variable))
        reasons = missing_reason(frame[variable], codes).astype("string")
        not_recorded = reasons.eq(NOT_RECORDED_LEVEL.removeprefix(MISSING_PREFIX)).fillna(False)
        not_recorded &= frame[group].notna()
        if not not_recorded.any():
            continue
        for value, label in _levels(frame[variable]):
            parts.append(_scenario_rows(frame, group, variable, not_recorded, value, label,
                                        compare))
    if not parts:
        return pd.DataFrame(columns=frame.columns[:0])
    return pd.concat(parts, ignore_index=True)


def _levels(values: pd.Series) -> list[tuple[object, str]]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [(level, str(level)) for level in values.cat.categories]
    return [(True, "yes"), (False, "no")]


def _scenario_rows(frame, group, variable, not_recorded, value, label, compare) -> pd.DataFrame:
    filled = frame[[group, variable]].copy()
    column = filled[variable].copy()
    column[not_recorded.to_numpy(dtype=bool)] = value
    filled[variable] = column
    rows = compare(filled, group, [variable])
    tests = rows[rows["statistic"].isin(TEST_STATISTICS).fillna(False)
                 & ~rows["method"].fillna("").str.contains(SECONDARY_TEST, regex=False)].copy()
    scenario = SCENARIO_PREFIX + label
    tests["level"] = scenario
    tests["method"] = (f"{SENSITIVITY_ANALYSIS}: " + tests["method"].astype("string")
                       + f", every value not recorded counted as {label}")
    tests["p_adjusted"] = np.nan
    if "p_adjust_method" in tests:
        tests["p_adjust_method"] = pd.NA
    return tests
