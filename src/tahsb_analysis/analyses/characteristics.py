"""Backgrounds and characteristics of the three HSB groups (findings C1-C6), in-depth sample.

`compare_groups` is the statistics: a pure function of a DataFrame and column names that
describes every variable per group (shares with CIs, or mean/SD/quartiles), tests it across the
groups, compares a reference group with each other group (effect size with CI, and a test), and
adjusts every p-value for multiplicity. `characteristics` feeds it the codebook's background
variables for the TA-HSB-only, dual and offline-only children of a cohort.

Counts are bincounts over integer codes and each test is one call per variable and comparison,
so the same code runs on the study's 91 case files and on a million children.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS, hsb_group
from tahsb_analysis.analyses.inference import (
    DEFAULT_MONTE_CARLO_RESAMPLES,
    association_test,
    ci_method_label,
    proportion_rows,
)
from tahsb_analysis.analyses.missing import missing_reason, missing_rows
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.cohort import Cohort, id_positions, missing_column
from tahsb_analysis.results.schema import RESULT_COLUMNS, make_results

ANALYSIS = "characteristics"
GROUP_VARIABLE = "hsb_group"
GROUPS = ("ta_only", "dual", "offline_only")
ALL = "all"  # the groups together
POPULATION = "population"
IN_DEPTH = "in_depth_sample"
# Children of the in-depth sample outside the three groups are counted, not compared.
NOT_COMPARED_REASON = f"neither ({HSB_GROUP_LABELS['neither']})"

CONTINUOUS_TESTS = {
    "kruskal-wallis": ("kruskal_wallis", "Kruskal-Wallis H test (ties corrected)"),
    "anova": ("anova", "one-way ANOVA"),
}
P_ADJUST_METHODS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}

# Hodges-Lehmann: exact over the grid of distinct values up to this many cells, otherwise the
# median of this many random pairs of children.
HODGES_LEHMANN_EXACT_LIMIT = 20_000_000
HODGES_LEHMANN_RANDOM_PAIRS = 1_000_000

# The results schema's only unit for a measured (not counted) quantity is years: every numeric
# variable of the codebook is an age.
CONTINUOUS_UNIT = "years"
SD_METHOD = "standard deviation (n - 1)"
QUARTILE_METHOD = "median and quartiles (linear interpolation)"
HODGES_LEHMANN_METHOD = "Hodges-Lehmann shift (reference minus comparison)"
RANK_BISERIAL_METHOD = "rank-biserial correlation"
MANN_WHITNEY_METHOD = "Mann-Whitney U test (two-sided)"
CRAMERS_V_METHOD = "Cramer's V"
NO_TEST = "no test"

EMPTY_WARNING = "empty denominator: no children in this population"
ONE_CHILD_WARNING = "one child: no standard deviation"

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
        output), typed as the results schema. Per variable, for each group and "all":
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
    rows: list[dict] = []
    for variable in variables:
        values = frame[variable]
        codes = frame[missing_column(variable)] if missing_column(variable) in frame else None
        context = _Context(
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
            rows += _continuous_rows(_numeric_values(values, variable), context)
        else:
            rows += _level_rows(*_level_codes(values, variable), context)
    return _with_adjusted_p_values(_as_table(rows), p_adjust)


def characteristics(
    cohort: Cohort,
    *,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    continuous_test: str = "kruskal-wallis",
    p_adjust: str = "holm",
    exact_test_seed: int = 0,
    exact_test_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
) -> pd.DataFrame:
    """Compare the TA-HSB-only, dual and offline-only children on every background variable.

    The population is the in-depth sample (cases with in_depth_sample = yes, joined to their
    case_file row). The variables are every codebook field with role "background", from either
    table; integer and number fields are continuous. Children whose HSB group is missing, or
    "neither", are not compared: they are counted in rows of variable "hsb_group" (level
    "missing: <reason>", group "in_depth_sample"). Settings are those of `compare_groups`.

    Returns
    -------
    pandas.DataFrame
        A results table (`results.RESULT_COLUMNS`), analysis and output "characteristics".
    """
    if not isinstance(cohort, Cohort):
        raise TypeError(
            f"characteristics needs a Cohort from validation.validate_cohort, got "
            f"{type(cohort).__name__}"
        )
    background = load_codebook().fields_with_role("background")
    frame = in_depth_frame(cohort, background)
    table = compare_groups(
        frame,
        GROUP_VARIABLE,
        [fld.name for _, fld in background],
        groups=GROUPS,
        reference="ta_only",
        continuous=[fld.name for _, fld in background if fld.type in ("integer", "number")],
        ci_method=ci_method,
        confidence=confidence,
        continuous_test=continuous_test,
        p_adjust=p_adjust,
        exact_test_seed=exact_test_seed,
        exact_test_resamples=exact_test_resamples,
        findings={fld.name: ";".join(fld.findings) for _, fld in background if fld.findings},
    )
    not_compared = _as_table(not_compared_rows(frame))
    parts = [part for part in (not_compared, table) if len(part)]
    rows = pd.concat(parts, ignore_index=True) if parts else _as_table([])
    return make_results(
        rows, cohort=cohort.label, synthetic=cohort.synthetic, analysis=ANALYSIS, output=ANALYSIS
    )


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
        adjusted.iloc[np.flatnonzero(known)] = multipletests(
            p[known].to_numpy(dtype=float), method=method
        )[1]
    return adjusted


def hodges_lehmann(
    reference,
    other,
    *,
    seed: int = 0,
    exact_limit: int = HODGES_LEHMANN_EXACT_LIMIT,
    random_pairs: int = HODGES_LEHMANN_RANDOM_PAIRS,
) -> tuple[float, str | None]:
    """Median of all pairwise differences reference - other, and a warning (or None).

    Computed exactly from the distinct values and their counts: the weighted median of the
    k1 x k2 grid of distinct differences, each weighted by how many pairs of children give it,
    so a million children with ages to one decimal cost a grid of a few thousand cells. Beyond
    `exact_limit` cells, the median of `random_pairs` random pairs of children (seeded), and
    the warning says so.

    References
    ----------
    Hodges, J. L. and Lehmann, E. L. (1963). Ann Math Stat 34, 598-611.
    """
    x = np.asarray(reference, dtype=float)
    y = np.asarray(other, dtype=float)
    if not len(x) or not len(y):
        raise ValueError("the Hodges-Lehmann shift needs at least one value in each group")
    x_values, x_counts = np.unique(x, return_counts=True)
    y_values, y_counts = np.unique(y, return_counts=True)
    cells = len(x_values) * len(y_values)
    if cells > exact_limit:
        rng = np.random.default_rng(seed)
        first = rng.integers(len(x), size=random_pairs)
        second = rng.integers(len(y), size=random_pairs)
        pairs = x[first] - y[second]
        warning = (
            f"Hodges-Lehmann shift estimated from {random_pairs} random pairs (seed {seed}): "
            f"{len(x_values)} x {len(y_values)} distinct values exceed the exact limit of "
            f"{exact_limit} cells"
        )
        return float(np.median(pairs)), warning
    differences = np.subtract.outer(x_values, y_values).ravel()
    weights = np.multiply.outer(x_counts.astype(np.int64), y_counts.astype(np.int64)).ravel()
    order = np.argsort(differences, kind="stable")
    differences = differences[order]
    cumulative = np.cumsum(weights[order])
    total = int(cumulative[-1])  # n1 * n2 pairs
    # The middle order statistics (1-based): one when the number of pairs is odd, two otherwise.
    lower = differences[np.searchsorted(cumulative, (total + 1) // 2)]
    upper = differences[np.searchsorted(cumulative, total // 2 + 1)]
    return float((lower + upper) / 2), None


# ---------------------------------------------------------------------------------------------
# Settings and inputs


class _Context:
    """What every row builder of one variable needs (plain attributes, no behaviour)."""

    def __init__(self, variable, labels, groups, reference, group_codes, reasons, settings):
        self.variable = variable
        self.labels = labels
        self.groups = groups
        self.reference = reference
        self.group_codes = group_codes
        self.settings = settings
        in_groups = group_codes >= 0
        self.group_sizes = np.bincount(group_codes[in_groups], minlength=len(groups))
        # Only the (few) children of the groups whose value is missing, for the missing rows.
        missing = np.flatnonzero(in_groups & np.asarray(reasons.notna(), dtype=bool))
        self.missing_groups = group_codes[missing]
        self.missing_reasons = pd.Series(reasons.array[missing])


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
# Boolean and categorical variables


def _level_rows(level_codes, levels, is_boolean, context: _Context) -> list[dict]:
    """Shares per group, the overall test, and reference-vs-other effect sizes and tests."""
    groups, g_codes = context.groups, context.group_codes
    reported = ["yes"] if is_boolean else levels
    k = len(levels)
    known = (g_codes >= 0) & (level_codes >= 0)
    table = np.bincount(g_codes[known] * k + level_codes[known], minlength=len(groups) * k).reshape(
        len(groups), k
    )
    rows = []
    for g, name, counts in _each_group(table, context):
        rows += _proportion_rows(counts, levels, reported, name, context)
        rows += _missing_rows_of(g, name, context)
    rows.append(_test_row(association_test(table, **context.settings["test"]), None, context))
    for other in _others(context):
        pair = table[[context.reference, other]]
        label = _pair_label(context, other)
        if is_boolean:
            rows.append(_risk_difference_row(pair, label, context))
        else:
            rows.append(_cramers_v_row(pair, label, context))
        rows.append(_test_row(association_test(pair, **context.settings["test"]), label, context))
    return rows


def _proportion_rows(counts, levels, reported, name, context) -> list[dict]:
    settings = context.settings
    n = [counts[levels.index(level)] for level in reported]
    return proportion_rows(
        reported, n, int(counts.sum()), method=settings["ci_label"],
        ci_method=settings["ci_method"], confidence=settings["confidence"],
        **context.labels, group=name,
    )


def _risk_difference_row(pair, label, context) -> dict:
    """p_reference - p_other for level "yes" (column 0), with Newcombe's hybrid score CI."""
    (yes_ref, no_ref), (yes_other, no_other) = pair
    n_ref, n_other = int(yes_ref + no_ref), int(yes_other + no_other)
    row = {
        **context.labels,
        "level": "yes",
        "group": label,
        "statistic": "risk_difference",
        "n": n_ref + n_other,
        "denominator": n_ref + n_other,
        "unit": "children",
        "method": context.settings["risk_difference_method"],
    }
    if not n_ref or not n_other:
        return {**row, "estimate": np.nan, "warning": _no_value_warning(pair, label)}
    low, high = confint_proportions_2indep(
        int(yes_ref),
        n_ref,
        int(yes_other),
        n_other,
        method="newcomb",
        compare="diff",
        alpha=1 - context.settings["confidence"],
    )
    return {
        **row,
        "estimate": yes_ref / n_ref - yes_other / n_other,
        "ci_low": float(low),
        "ci_high": float(high),
    }


def _cramers_v_row(pair, label, context) -> dict:
    row = {
        **context.labels,
        "group": label,
        "statistic": "cramers_v",
        "n": int(pair.sum()),
        "denominator": int(pair.sum()),
        "unit": "children",
        "method": CRAMERS_V_METHOD,
    }
    if (pair.sum(axis=1) == 0).any():
        return {**row, "estimate": np.nan, "warning": _no_value_warning(pair, label)}
    used = pair[:, pair.sum(axis=0) > 0]  # a level no child of either group has carries nothing
    if used.shape[1] < 2:
        return {
            **row,
            "estimate": np.nan,
            "warning": "not estimated: every child compared has the same level",
        }
    return {**row, "estimate": float(stats.contingency.association(used, method="cramer"))}


def _test_row(result, label, context) -> dict:
    return {
        **context.labels,
        "group": label,
        "statistic": result.statistic,
        "estimate": result.estimate,
        "n": result.n,
        "denominator": result.n,
        "unit": "children",
        "method": result.method,
        "p_value": result.p_value,
        "warning": result.warning,
    }


# ---------------------------------------------------------------------------------------------
# Continuous variables


def _continuous_rows(values: np.ndarray, context: _Context) -> list[dict]:
    g_codes = context.group_codes
    known = (g_codes >= 0) & ~np.isnan(values)
    samples = [values[known & (g_codes == g)] for g in range(len(context.groups))]
    rows = []
    sizes = [len(s) for s in samples]
    for g, name, _ in _each_group(np.array(sizes)[:, None], context):
        sample = np.concatenate(samples) if g is None else samples[g]
        rows += _summary_rows(sample, name, context)
        rows += _missing_rows_of(g, name, context)
    rows.append(_continuous_test_row(samples, context))
    for other in _others(context):
        rows += _shift_rows(
            samples[context.reference], samples[other], _pair_label(context, other), context
        )
    return rows


def _summary_rows(sample: np.ndarray, name: str, context) -> list[dict]:
    """Mean (t CI), SD, median and quartiles of one group's values."""
    settings = context.settings
    n = len(sample)
    common = {**context.labels, "group": name, "n": n, "denominator": n, "unit": CONTINUOUS_UNIT}
    methods = {
        "mean": settings["mean_method"],
        "sd": SD_METHOD,
        "median": QUARTILE_METHOD,
        "q1": QUARTILE_METHOD,
        "q3": QUARTILE_METHOD,
    }
    if n == 0:
        return [
            {**common, "statistic": s, "estimate": np.nan, "method": m, "warning": EMPTY_WARNING}
            for s, m in methods.items()
        ]
    mean = float(sample.mean())
    q1, median, q3 = np.quantile(sample, [0.25, 0.5, 0.75])  # linear interpolation (type 7)
    mean_row = {**common, "statistic": "mean", "estimate": mean, "method": methods["mean"]}
    if n > 1:
        sd = float(sample.std(ddof=1))
        half = stats.t.ppf(0.5 + settings["confidence"] / 2, n - 1) * sd / np.sqrt(n)
        mean_row.update(ci_low=mean - half, ci_high=mean + half)
        sd_row = {**common, "statistic": "sd", "estimate": sd, "method": SD_METHOD}
    else:
        mean_row["warning"] = ONE_CHILD_WARNING  # no SD, so no CI either
        sd_row = {
            **common,
            "statistic": "sd",
            "estimate": np.nan,
            "method": SD_METHOD,
            "warning": ONE_CHILD_WARNING,
        }
    quartiles = [
        {**common, "statistic": s, "estimate": float(v), "method": QUARTILE_METHOD}
        for s, v in (("median", median), ("q1", q1), ("q3", q3))
    ]
    return [mean_row, sd_row, *quartiles]


def _continuous_test_row(samples: list[np.ndarray], context) -> dict:
    statistic, method = CONTINUOUS_TESTS[context.settings["continuous_test"]]
    used = [s for s in samples if len(s) >= 1]
    total = int(sum(len(s) for s in used))
    row = {
        **context.labels,
        "statistic": statistic,
        "n": total,
        "denominator": total,
        "unit": "children",
        "method": method,
    }
    reason = None
    if len(used) < 2:
        reason = "not tested: fewer than two groups with a value"
    elif np.ptp(np.concatenate(used)) == 0:
        reason = "not tested: every child has the same value"
    elif statistic == "anova" and total - len(used) < 1:
        reason = "not tested: one child per group leaves no within-group variation"
    if reason:
        return {
            **row,
            "statistic": "not_tested",
            "estimate": np.nan,
            "method": NO_TEST,
            "warning": reason,
        }
    if statistic == "anova":
        result = stats.f_oneway(*used)
        warning = None
        if not np.isfinite(result.statistic):
            warning = "no variation within any group: the F statistic is infinite"
    else:
        result = stats.kruskal(*used)
        warning = None
    left_out = [context.groups[i] for i, s in enumerate(samples) if not len(s)]
    if left_out:
        note = f"group(s) with no value left out of the test: {', '.join(left_out)}"
        warning = f"{warning}; {note}" if warning else note
    return {
        **row,
        "estimate": float(result.statistic),
        "p_value": float(result.pvalue),
        "warning": warning,
    }


def _shift_rows(reference: np.ndarray, other: np.ndarray, label: str, context) -> list[dict]:
    """Hodges-Lehmann shift, rank-biserial correlation and the Mann-Whitney U test."""
    n_ref, n_other = len(reference), len(other)
    total = n_ref + n_other
    common = {**context.labels, "group": label, "n": total, "denominator": total}
    rows = [
        {
            **common,
            "statistic": "hodges_lehmann",
            "unit": CONTINUOUS_UNIT,
            "method": HODGES_LEHMANN_METHOD,
        },
        {
            **common,
            "statistic": "rank_biserial",
            "unit": "children",
            "method": RANK_BISERIAL_METHOD,
        },
        {
            **common,
            "statistic": "mann_whitney_u",
            "unit": "children",
            "method": MANN_WHITNEY_METHOD,
        },
    ]
    if not n_ref or not n_other:
        warning = _no_value_warning(np.array([[n_ref], [n_other]]), label)
        rows[0].update(estimate=np.nan, warning=warning)
        rows[1].update(estimate=np.nan, warning=warning)
        rows[2].update(
            statistic="not_tested",
            estimate=np.nan,
            method=NO_TEST,
            warning=warning.replace("not estimated", "not tested"),
        )
        return rows
    shift, warning = hodges_lehmann(reference, other, seed=context.settings["seed"])
    result = stats.mannwhitneyu(reference, other, alternative="two-sided")
    u = float(result.statistic)  # U of the reference group
    rows[0].update(estimate=shift, warning=warning)
    rows[1].update(estimate=2 * u / (n_ref * n_other) - 1)
    rows[2].update(estimate=u, p_value=float(result.pvalue))
    return rows


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _each_group(table: np.ndarray, context: _Context):
    """(group code, name, counts of known values by level) per group, then (None, "all", ...)."""
    for g, name in enumerate(context.groups):
        yield g, name, table[g]
    yield None, ALL, table.sum(axis=0)


def _missing_rows_of(g: int | None, name: str, context: _Context) -> list[dict]:
    """Missing rows of group code `g` (None: all groups together)."""
    if g is None:
        reasons, size = context.missing_reasons, int(context.group_sizes.sum())
    else:
        reasons = context.missing_reasons[context.missing_groups == g]
        size = int(context.group_sizes[g])
    return missing_rows(
        reasons,
        variable=context.variable,
        denominator=size,
        group_variable=context.labels["group_variable"],
        group=name,
        finding=context.labels["finding"],
    )


def _others(context: _Context) -> list[int]:
    return [g for g in range(len(context.groups)) if g != context.reference]


def _pair_label(context: _Context, other: int) -> str:
    return f"{context.groups[context.reference]} vs {context.groups[other]}"


def _no_value_warning(pair: np.ndarray, label: str) -> str:
    names = label.split(" vs ")
    empty = [HSB_GROUP_LABELS.get(names[i], names[i]) for i in range(2) if pair[i].sum() == 0]
    return f"not estimated: no child with a known value in {' and '.join(empty)}"


def _as_table(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS), index=pd.RangeIndex(len(rows)))
    return table.astype(COMPARISON_COLUMNS)


def _with_adjusted_p_values(table: pd.DataFrame, method: str) -> pd.DataFrame:
    table = table.copy()
    table["p_adjusted"] = adjust_p_values(table["p_value"], method)
    table["p_adjust_method"] = pd.Series(
        np.where(table["p_adjusted"].notna().to_numpy(dtype=bool), P_ADJUST_METHODS[method], None),
        index=table.index,
        dtype="string",
    )
    return table


# ---------------------------------------------------------------------------------------------
# The in-depth sample of a cohort


def in_depth_frame(cohort: Cohort, background) -> pd.DataFrame:
    """One row per in-depth child: hsb_group, the reason a group is missing, and every
    background variable (with its "__missing" column) from cases and case_file."""
    cases = cohort.cases
    in_depth = cases["in_depth_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    chosen = cases.loc[in_depth].reset_index(drop=True)
    frame = pd.DataFrame(
        {"case_id": chosen["case_id"].astype("string"), GROUP_VARIABLE: hsb_group(chosen)}
    )
    ta = missing_reason(chosen["ta_hsb"], chosen.get(missing_column("ta_hsb")))
    offline = missing_reason(chosen["offline_hsb"], chosen.get(missing_column("offline_hsb")))
    frame["hsb_group_reason"] = ta.astype("string").fillna(offline.astype("string"))

    def columns(table: pd.DataFrame, names: list[str]) -> list[str]:
        wanted = [c for name in names for c in (name, missing_column(name))]
        return [c for c in wanted if c in table.columns]

    from_cases = columns(chosen, [f.name for t, f in background if t == "cases"])
    for column in from_cases:
        frame[column] = chosen[column].array
    from_file = columns(cohort.case_file, [f.name for t, f in background if t == "case_file"])
    if from_file:
        case_file = cohort.case_file
        rows = id_positions(frame["case_id"], case_file["case_id"])
        for column in from_file:
            # A child without a case_file row (validation refuses one) would get <NA>, and so
            # count as "not recorded".
            frame[column] = case_file[column].array.take(rows, allow_fill=True)
    return frame


def not_compared_rows(frame: pd.DataFrame) -> list[dict]:
    """Count rows for in-depth children outside the compared groups (missing or "neither")."""
    group = frame[GROUP_VARIABLE]
    reasons = frame["hsb_group_reason"].where(group.isna())
    reasons = reasons.mask(group.eq("neither").fillna(False), NOT_COMPARED_REASON)
    return missing_rows(
        reasons,
        variable=GROUP_VARIABLE,
        denominator=len(frame),
        group_variable=POPULATION,
        group=IN_DEPTH,
    )
