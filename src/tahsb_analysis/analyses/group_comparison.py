"""Compare groups of children on many variables: `compare_groups`, one results row per statistic.

A pure function of a DataFrame and column names: it describes every variable per group (shares
with CIs, or mean/SD/quartiles), tests it across the groups, compares a reference group with
each other group (effect size with CI, and a test), and adjusts every p-value for multiplicity.
The rows of one variable come from `group_statistics`; `characteristics`, `responses` and
`links` feed it their populations.

Counts are bincounts over integer codes and each test is one call per variable and comparison,
so the same code runs on the study's 91 case files and on a million children.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.group_statistics import (
    ALL,
    CONTINUOUS_TESTS,
    VariableContext,
    continuous_rows,
    level_rows,
)
from tahsb_analysis.analyses.inference import DEFAULT_MONTE_CARLO_RESAMPLES, ci_method_label
from tahsb_analysis.analyses.missing import missing_reason
from tahsb_analysis.analyses.ordered_tests import is_secondary_test, ordered_variable_rows
from tahsb_analysis.input.cohort import missing_column
from tahsb_analysis.results.multiplicity import adjust
from tahsb_analysis.results.schema import RESULT_COLUMNS
from tahsb_analysis.vocabulary import GROUP_SIZE

GROUPS = ("ta_only", "dual", "offline_only")
P_ADJUST_METHODS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}
GROUP_SIZE_METHOD = "children in the group (values recorded or not)"

# The results-table columns a comparison fills; the caller adds cohort, synthetic, analysis and
# output (make_results(rows, cohort=..., synthetic=..., analysis=..., output=...)).
COMPARISON_COLUMNS = {
    column: dtype
    for column, dtype in RESULT_COLUMNS.items()
    if column not in ("cohort", "synthetic", "analysis", "output")
}


def compare_groups(
    frame: pd.DataFrame,
    group: str,
    variables: Sequence[str],
    *,
    groups: Sequence[str] = GROUPS,
    reference: str = "ta_only",
    continuous: Sequence[str] = (),
    ci_method: str = "wilson",
    confidence: float = 0.95,
    continuous_test: str = "kruskal-wallis",
    p_adjust: str = "holm",
    exact_test_seed: int = 0,
    exact_test_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
    findings: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Describe, test and compare variables across groups; one results row per statistic.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per child; never modified. Rows whose `group` is not one of `groups` (missing,
        or another code) are left out.
    group : str
        Column holding each child's group code; it becomes the rows' group_variable.
    variables : sequence of str
        Columns to compare. Each is boolean (pandas "boolean" or numpy bool: the share "yes" is
        reported), Categorical (every category is a level, also one with no children), or
        numeric and listed in `continuous`. <NA> is missing; the reason comes from the
        optional column "<variable>__missing" ("-9" not recorded, "-8" not applicable).
    groups : sequence of str
        The groups compared, in reporting order; "all" is the groups together.
    reference : str
        The group each other group is compared with (pairwise rows "reference vs other").
    continuous : sequence of str
        The numeric variables among `variables`.
    ci_method : {"wilson", "clopper-pearson"}
        Confidence interval of each share (`inference.proportion_ci`).
    confidence : float
        Coverage of every interval, strictly between 0 and 1.
    continuous_test : {"kruskal-wallis", "anova"}
        Overall test of a continuous variable across the groups.
    p_adjust : {"holm", "fdr_bh"}
        Multiplicity adjustment over every p-value of the returned table (one family).
    exact_test_seed, exact_test_resamples : int
        Monte Carlo settings of the r x c exact test (used only when expected counts are small,
        see `inference.association_test`); the seed also drives the Hodges-Lehmann fallback
        for very many distinct values.
    findings : mapping of str to str, optional
        Published finding(s) each variable bears on ("C1", "C4;C5"), copied to its rows.

    Returns
    -------
    pandas.DataFrame
        Columns `COMPARISON_COLUMNS` (the results table without cohort, synthetic, analysis,
        output), typed as the results schema. First, for each group and "all", a row
        "group_size" (variable and group_variable `group`, estimate and n the children in the
        group, recorded and missing values together: the N of a column heading). Then per
        variable, for each group and "all":
        proportion rows (boolean: level "yes"; categorical: every level) or, for a continuous
        variable, "mean" (t CI), "sd", "median", "q1", "q3"; count rows "missing: <reason>"
        when a value is missing. Then one overall test row (group and level <NA>) and, per
        comparison "reference vs other": "risk_difference" (boolean, Newcombe CI) or
        "cramers_v" (categorical) plus a test row, or "hodges_lehmann", "rank_biserial" and
        "mann_whitney_u" (continuous). Every row with a p-value gets p_adjusted.

    Notes
    -----
    Shares and tests of categorical variables use the children with a known value; a test's
    method and warning say which test was used (chi-squared, or an exact test when an expected
    count is below 5). A group with no child with a value gets rows with denominator 0,
    estimate <NA> and a warning. SciPy's Mann-Whitney test chooses an exact p-value for small
    samples without ties and the normal approximation (tie and continuity corrected) otherwise.
    This function is longer than 80 lines only because of this docstring, the reference for
    every row it returns; the rows themselves are built in `group_statistics`.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17, 873-890 (method 10, hybrid score;
    statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")).
    Kruskal, W. H. and Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis.
    JASA 47, 583-621 (scipy.stats.kruskal). Mann, H. B. and Whitney, D. R. (1947). Ann Math
    Stat 18, 50-60 (scipy.stats.mannwhitneyu). Hodges, J. L. and Lehmann, E. L. (1963).
    Estimates of location based on rank tests. Ann Math Stat 34, 598-611. Kerby, D. S. (2014).
    The simple difference formula: an approach to teaching nonparametric correlation.
    Comprehensive Psychology 3 (rank-biserial correlation). Cramer, H. (1946). Mathematical
    Methods of Statistics (scipy.stats.contingency.association). Holm, S. (1979). Scand J Stat
    6, 65-70; Benjamini, Y. and Hochberg, Y. (1995). JRSS B 57, 289-300
    (statsmodels.stats.multitest.multipletests).
    """
    settings = _settings(
        ci_method, confidence, continuous_test, p_adjust, exact_test_seed, exact_test_resamples
    )
    groups = _check_inputs(frame, group, variables, groups, reference, continuous)
    group_codes = _group_codes(frame[group], groups)
    findings = dict(findings or {})
    rows = group_size_rows(group_codes, groups, group)
    for variable in variables:
        values = frame[variable]
        codes = frame[missing_column(variable)] if missing_column(variable) in frame else None
        context = VariableContext(
            variable=variable,
            labels={
                "variable": variable,
                "group_variable": group,
                "finding": findings.get(variable),
            },
            groups=groups,
            reference=groups.index(reference),
            group_codes=group_codes,
            reasons=missing_reason(values, codes),
            settings=settings,
        )
        if variable in continuous:
            rows += continuous_rows(_numeric_values(values, variable), context)
        else:
            level_codes, levels, is_boolean = _level_codes(values, variable)
            variable_rows = level_rows(level_codes, levels, is_boolean, context)
            if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered:
                variable_rows = ordered_variable_rows(variable_rows, level_codes, context)
            rows += variable_rows
    return _with_adjusted_p_values(as_comparison_table(rows), p_adjust)


def group_size_rows(group_codes: np.ndarray, groups: tuple[str, ...], group: str) -> list[dict]:
    """One "group_size" row per group and for "all": the children of the population compared
    in each (recorded and missing values together), so that no renderer has to add counts up
    for a column heading."""
    sizes = np.bincount(group_codes[group_codes >= 0], minlength=len(groups))
    return [
        {
            "variable": group,
            "level": None,
            "group_variable": group,
            "group": name,
            "statistic": GROUP_SIZE,
            "estimate": float(size),
            "n": int(size),
            "denominator": None,
            "unit": "children",
            "method": GROUP_SIZE_METHOD,
        }
        for name, size in [*zip(groups, sizes.tolist(), strict=True), (ALL, int(sizes.sum()))]
    ]


def adjust_p_values(p_values, method: str = "holm") -> pd.Series:
    """Multiplicity-adjusted p-values over the non-missing entries; <NA> stays <NA>.

    Parameters
    ----------
    p_values : array-like of float
        P-values, <NA>/NaN where a row has none (the others are adjusted as one family).
    method : {"holm", "fdr_bh"}
        Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    pandas.Series
        Float64, aligned with `p_values`.

    References
    ----------
    statsmodels.stats.multitest.multipletests(p, method="holm" | "fdr_bh").
    """
    _check_choice("p_adjust", method, P_ADJUST_METHODS)
    p = pd.Series(p_values, copy=True).astype("Float64")
    adjusted = pd.Series(pd.NA, index=p.index, dtype="Float64")
    known = p.notna().to_numpy(dtype=bool)
    if known.any():
        # Holm without statsmodels' per-call gc.collect() (results.multiplicity.holm, tested
        # equal to multipletests): this runs once per comparison and per sensitivity rerun.
        adjusted.iloc[np.flatnonzero(known)] = adjust(p[known].to_numpy(dtype=float), method)
    return adjusted


# ---------------------------------------------------------------------------------------------
# Settings and inputs


def _settings(ci_method, confidence, continuous_test, p_adjust, seed, resamples) -> dict:
    ci_label = ci_method_label(ci_method, confidence)  # ValueError naming the allowed methods
    _check_choice("continuous_test", continuous_test, CONTINUOUS_TESTS)
    _check_choice("p_adjust", p_adjust, P_ADJUST_METHODS)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    percent = f"{confidence * 100:g}%"
    return {
        "ci_method": ci_method,
        "ci_label": ci_label,
        "confidence": confidence,
        "continuous_test": continuous_test,
        "mean_method": f"mean with t-based {percent} CI",
        "risk_difference_method": (
            f"risk difference (reference minus comparison), Newcombe hybrid score {percent} CI"
        ),
        "test": {"seed": int(seed), "resamples": int(resamples)},
        "seed": int(seed),
    }


def _check_choice(name: str, value: str, allowed: Mapping) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(allowed)}")


def _check_inputs(frame, group, variables, groups, reference, continuous) -> tuple[str, ...]:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"compare_groups needs a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(variables, str) or isinstance(continuous, str) or isinstance(groups, str):
        raise TypeError("variables, continuous and groups are sequences of names, not one string")
    absent = [c for c in [group, *variables] if c not in frame.columns]
    if absent:
        raise ValueError(f"the frame has no column(s) {absent}")
    if group in variables:
        raise ValueError(f"the group column {group!r} cannot also be a variable")
    if len(set(variables)) != len(variables):
        raise ValueError("each variable may be listed once")
    stray = [c for c in continuous if c not in variables]
    if stray:
        raise ValueError(f"continuous variable(s) {stray} are not among the variables")
    groups = tuple(str(g) for g in groups)
    if not groups or len(set(groups)) != len(groups) or ALL in groups:
        raise ValueError(f"groups must be distinct codes other than {ALL!r}, got {list(groups)}")
    if reference not in groups:
        raise ValueError(f"the reference group {reference!r} is not among the groups {groups}")
    return groups


def _group_codes(values: pd.Series, groups: tuple[str, ...]) -> np.ndarray:
    """0..G-1 for each child in one of `groups` (in that order), -1 for anybody else."""
    # Recode the distinct values, not the rows; the appended -1 is where code -1 (NA) lands.
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
    positions = pd.Index(groups).get_indexer(pd.Index(distinct).astype(str))
    return np.append(positions, -1)[codes].astype(np.int64)


def _level_codes(values: pd.Series, variable: str) -> tuple[np.ndarray, list[str], bool]:
    """Integer level codes (-1 missing), every level, and whether the variable is yes/no."""
    if pd.api.types.is_bool_dtype(values.dtype):
        flags = values.astype("boolean")
        known = flags.notna().to_numpy(dtype=bool)
        yes = flags.fillna(False).to_numpy(dtype=bool)
        return np.where(known, np.where(yes, 0, 1), -1), ["yes", "no"], True
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = [str(level) for level in values.cat.categories]
        return values.cat.codes.to_numpy().astype(np.int64), levels, False
    if pd.api.types.is_numeric_dtype(values.dtype):
        raise ValueError(
            f"variable {variable!r} is numeric: list it in `continuous` to compare it as a "
            "continuous variable, or make it boolean or Categorical"
        )
    raise ValueError(
        f"variable {variable!r} has dtype {values.dtype}, neither boolean nor Categorical: "
        "convert it with .astype('boolean') or pd.Categorical(values, categories=[...]) so "
        "that every level, also one with no children, is known"
    )


def _numeric_values(values: pd.Series, variable: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise ValueError(
            f"continuous variable {variable!r} must be numeric, got dtype {values.dtype}"
        )
    return values.to_numpy(dtype=float, na_value=np.nan)


# ---------------------------------------------------------------------------------------------
# The table


def as_comparison_table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS), index=pd.RangeIndex(len(rows)))
    return table.astype(COMPARISON_COLUMNS)


def _with_adjusted_p_values(table: pd.DataFrame, method: str) -> pd.DataFrame:
    table = table.copy()
    # A secondary test (the nominal test of an ordered variable) is not in the family.
    family = table["p_value"].mask(is_secondary_test(table))
    table["p_adjusted"] = adjust_p_values(family, method)
    table["p_adjust_method"] = pd.Series(
        np.where(table["p_adjusted"].notna().to_numpy(dtype=bool), P_ADJUST_METHODS[method], None),
        index=table.index,
        dtype="string",
    )
    return table
