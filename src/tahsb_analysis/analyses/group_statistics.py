"""The rows `group_comparison.compare_groups` computes for one variable, and the statistics
behind them.

A boolean or categorical variable gets shares per group (Wilson or Clopper-Pearson CIs), an
overall test of the groups-by-levels table and, for the reference group against each other
group, a risk difference (Newcombe CI) or Cramer's V and a test. A continuous variable gets its
mean (t CI), SD, median and quartiles per group, a Kruskal-Wallis or ANOVA test, and for each
pair a Hodges-Lehmann shift, the rank-biserial correlation and a Mann-Whitney U test. Every row
builder reads one `VariableContext`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS
from tahsb_analysis.analyses.inference import association_test, proportion_rows
from tahsb_analysis.analyses.missing import missing_rows
from tahsb_analysis.vocabulary import EMPTY_DENOMINATOR_WARNING, PAIR_SEPARATOR

ALL = "all"  # the groups together

CONTINUOUS_TESTS = {
    "kruskal-wallis": ("kruskal_wallis", "Kruskal-Wallis H test (ties corrected)"),
    "anova": ("anova", "one-way ANOVA"),
}

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
ONE_CHILD_WARNING = "one child: no standard deviation"


class VariableContext:
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


# ---------------------------------------------------------------------------------------------
# Boolean and categorical variables


def level_rows(level_codes, levels, is_boolean, context: VariableContext) -> list[dict]:
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
        **result.row_fields(),
    }


# ---------------------------------------------------------------------------------------------
# Continuous variables


def continuous_rows(values: np.ndarray, context: VariableContext) -> list[dict]:
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
            {
                **common,
                "statistic": s,
                "estimate": np.nan,
                "method": m,
                "warning": EMPTY_DENOMINATOR_WARNING,
            }
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
# Shared pieces


def _each_group(table: np.ndarray, context: VariableContext):
    """(group code, name, counts of known values by level) per group, then (None, "all", ...)."""
    for g, name in enumerate(context.groups):
        yield g, name, table[g]
    yield None, ALL, table.sum(axis=0)


def _missing_rows_of(g: int | None, name: str, context: VariableContext) -> list[dict]:
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


def _others(context: VariableContext) -> list[int]:
    return [g for g in range(len(context.groups)) if g != context.reference]


def _pair_label(context: VariableContext, other: int) -> str:
    return PAIR_SEPARATOR.join((context.groups[context.reference], context.groups[other]))


def _no_value_warning(pair: np.ndarray, label: str) -> str:
    names = label.split(PAIR_SEPARATOR)
    empty = [HSB_GROUP_LABELS.get(names[i], names[i]) for i in range(2) if pair[i].sum() == 0]
    return f"not estimated: no child with a known value in {' and '.join(empty)}"
