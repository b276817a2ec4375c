"""Links between TA-HSB and offline HSB among dual children (findings L1-L3, and C1's ages).

Which came first for each dual child of the in-depth sample (offline HSB, pornography use or
other TA-HSB), how far apart the first offline and the first other TA-HSB were (L2), how often
practitioners named pornography as a trigger for offline HSB (L1), and the flows from the first
kind of HSB to the next (L3). Returns rows of the results table; the per-child onsets behind
them come from `onset` (whose `onset_ages` and `dual_timelines` are for internal use only), the
L2 gap rows (the conditional gap and the paired difference) from `onset_gap`.

Every statistic is an array operation over children (the bootstrap is a matrix of resample
indices, or for a very large group multinomial counts of its distinct gaps), so the same code
runs on the study's 91 case files and on a cohort of a million.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tahsb_analysis.analyses.group_comparison import (
    P_ADJUST_METHODS,
    adjust_p_values,
    compare_groups,
)
from tahsb_analysis.analyses.group_statistics import CONTINUOUS_TESTS
from tahsb_analysis.analyses.groups import DUAL_SUBGROUPS, hsb_group
from tahsb_analysis.analyses.inference import (
    DEFAULT_MONTE_CARLO_RESAMPLES,
    ci_method_label,
    proportion_ci,
)
from tahsb_analysis.analyses.missing import DEFAULT_REASON, missing_reason, missing_rows
from tahsb_analysis.analyses.onset import (
    OFFLINE,
    ORDER_LEVELS,
    OTHER_TA,
    PORNOGRAPHY,
    any_online_order,
    check_cohort,
    dual_children,
    first_onsets,
    missing_onset_reason,
    subgroup_order,
    trajectory_parts,
    trajectory_variables,
)
from tahsb_analysis.analyses.onset_gap import (
    DEFAULT_GAP_CI,
    GAP_CI_METHODS,
    PAIRED_TESTS,
    onset_gap_rows,
)
from tahsb_analysis.analyses.sensitivity import missing_bounds
from tahsb_analysis.input.cohort import Cohort, id_positions, missing_column
from tahsb_analysis.results.schema import RESULT_COLUMNS, concat_results, make_results
from tahsb_analysis.vocabulary import EMPTY_DENOMINATOR_WARNING

ANALYSIS = "links"
GROUP_VARIABLE = "dual_subgroup"
# All dual children together; reported before the two R5 sub-groups.
ALL_DUAL = "all_dual"
# Cannot happen in a validated cohort (a dual child has an offline and an online behaviour);
# guards the trajectory of any other input.
ONE_KIND_REASON = "fewer than two kinds of HSB coded"

BINOMIAL_METHOD = "exact binomial test, one-sided (H1: share > 0.5)"

NO_CHILD_WARNING = "insufficient data: no children with a known value"

# The results columns the row builders fill; make_results adds cohort, synthetic and analysis.
OWN_COLUMNS = [c for c in RESULT_COLUMNS if c not in ("cohort", "synthetic", "analysis")]


def links(
    cohort: Cohort,
    *,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    gap_ci: str = DEFAULT_GAP_CI,
    bootstrap_resamples: int = 9_999,
    bootstrap_seed: int = 0,
    paired_test: str = "wilcoxon",
    continuous_test: str = "kruskal-wallis",
    p_adjust: str = "holm",
    exact_test_seed: int = 0,
    exact_test_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
) -> pd.DataFrame:
    """All L1-L3 rows for one cohort, and the age at first HSB by HSB group (C1).

    The population is the dual children (TA-HSB and offline HSB) of the in-depth sample, in
    the two R5 sub-groups of `groups.dual_subgroup` and together ("all_dual"). A child's first
    onset of a kind (offline HSB; inappropriate pornography use; other TA-HSB) is the lowest
    age_at_onset of their behaviours of that kind. A child with any missing onset age among
    the behaviours of a kind has no known first onset of that kind: left out of every ordering,
    gap and trajectory that needs it and counted in a row of level "missing: onset age not
    recorded". Two onsets in the same whole year of age (floor(a) == floor(b)) are "same year",
    a category of its own.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort; its tables are never modified.
    ci_method : {"wilson", "clopper-pearson"}
        Confidence interval of each proportion (`inference.proportion_ci`).
    confidence : float
        Coverage of every interval, strictly between 0 and 1.
    gap_ci : {"cox", "t", "bootstrap", "bca"}
        Interval of the mean conditional gap and of the mean paired difference: t-based (the
        default: it covers best at the study's sizes, benchmarks/coverage_gap.py), bootstrap
        percentile or bootstrap BCa (`bootstrap.bca_mean_ci`, SciPy's BCa).
    bootstrap_resamples, bootstrap_seed : int
        Number of bootstrap resamples and the seed of `numpy.random.default_rng` (bootstrap
        intervals only). How the resamples are drawn (resample indices; for more than
        `BOOTSTRAP_INDEX_LIMIT` draws, counts of the distinct values) is in
        `bootstrap_mean_ci` and in the mean row's method.
    paired_test : {"wilcoxon", "sign"}
        Paired test of first other TA-HSB onset against first offline onset.
    continuous_test, p_adjust, exact_test_seed, exact_test_resamples
        Settings of `group_comparison.compare_groups` for the age at first HSB by HSB group.
        `p_adjust` also adjusts this analysis's own two tests (L1 binomial test, L2 paired
        test) as one family; the age comparison keeps its own family, as in compare_groups.

    Returns
    -------
    pandas.DataFrame
        A results table (`results.RESULT_COLUMNS`), analysis "links", with outputs:

        * "onset_order" (L2;L3): variable "onset_order", levels "offline_first",
          "online_first", "same_year"; online is the first pornography onset for
          pornography_only children, the first other TA-HSB onset for other_ta_hsb children
          and the first TA-HSB of any kind for "all_dual". Shares of children with both ages
          known, and missing rows.
        * "porn_trigger" (L1): share with porn_trigger_offline "yes" per group, missing rows,
          and for "all_dual" an exact one-sided binomial test of share > 0.5 (statistic
          "binomial_test", estimate the share, n the children with "yes", denominator those
          with a known value).
        * "onset_gap" (L2), first other TA-HSB minus first offline onset in years, two
          estimands (`onset_gap`): the conditional gap, among other_ta_hsb children with
          offline_first (same-year onsets left out): "mean" (with CI), "sd", "median", "q1",
          "q3" (level "offline_first"); the paired difference over every other_ta_hsb child
          with both ages known, whichever came first (same-year onsets kept at their recorded
          difference): "mean" with CI (level "paired_difference"); and a paired test
          (Wilcoxon signed-rank or sign test) over those children, estimate the median paired
          difference (level <NA>).
        * "first_hsb_age_by_group" (C1): `compare_groups` of age_first_hsb across the
          ta_only, dual and offline_only children of the in-depth sample.
        * "trajectories" (L3): variable "trajectory", level "<first> -> <second>" for the
          first two kinds by onset, or "<a> + <b> (same year)" when they began in the same
          whole year (a third kind in that year too: "<a> + <b> + <c> (same year)"); shares
          of children with every onset known, and missing rows. Then the nodes of the flow
          diagram over the same children: variable "trajectory_first", level the first step
          ("<a>", or the same-year level itself), and "trajectory_later", level the kind that
          followed ("<b>", or "same_year" for a same-year level); each a sum of trajectories.

    Notes
    -----
    Fewer than 2 children in the gap or paired analysis give rows with estimate <NA> and the
    warning "insufficient data: fewer than 2 children"; an empty population gives proportion
    rows with denominator 0 and an "empty denominator" warning. Nothing raises.
    This function is longer than 80 lines only because of this docstring, the reference for
    every output it returns; the rows are built by the functions below.

    References
    ----------
    Hollis, V. and Belton, E. (2017). Children and young people who engage in
    technology-assisted harmful sexual behaviour. London: NSPCC.
    Exact binomial test: scipy.stats.binomtest(k, n, p=0.5, alternative="greater").
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    Biometrics Bulletin 1, 80-83 (scipy.stats.wilcoxon). Dixon, W. J. and Mood, A. M. (1946).
    The statistical sign test. JASA 41, 557-566 (statsmodels.stats.descriptivestats.sign_test).
    Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13
    (percentile interval) and ch. 14 (BCa interval).
    """
    settings = _settings(
        ci_method,
        confidence,
        gap_ci,
        bootstrap_resamples,
        bootstrap_seed,
        paired_test,
        continuous_test,
        p_adjust,
    )
    check_cohort(cohort, "links")
    children = dual_children(cohort)
    onsets = first_onsets(children, cohort.behaviours)

    own = pd.concat(
        [
            _onset_order_rows(children, onsets, settings),
            _porn_trigger_rows(children, cohort.case_file, settings),
            onset_gap_rows(children, onsets, settings),
            _trajectory_rows(children, onsets, settings),
        ],
        ignore_index=True,
    ).reindex(columns=OWN_COLUMNS)  # every column, also p_value when no test could run
    own["p_adjusted"] = adjust_p_values(own["p_value"], p_adjust)
    own["p_adjust_method"] = pd.array(
        np.where(own["p_adjusted"].notna().to_numpy(dtype=bool), P_ADJUST_METHODS[p_adjust], None),
        dtype="string",
    )
    own_results = make_results(
        own, cohort=cohort.label, synthetic=cohort.synthetic, analysis=ANALYSIS
    )
    ages = compare_groups(
        _in_depth_ages(cohort),
        "hsb_group",
        ["age_first_hsb"],
        continuous=["age_first_hsb"],
        ci_method=ci_method,
        confidence=confidence,
        continuous_test=continuous_test,
        p_adjust=p_adjust,
        exact_test_seed=exact_test_seed,
        exact_test_resamples=exact_test_resamples,
        findings={"age_first_hsb": "C1"},
    )
    age_results = make_results(
        ages,
        cohort=cohort.label,
        synthetic=cohort.synthetic,
        analysis=ANALYSIS,
        output="first_hsb_age_by_group",
    )
    bounds = missing_bounds(own_results, "porn_trigger", "porn_trigger_missing_bounds",
                            every_share=True)
    return concat_results([own_results, age_results, bounds])


# ---------------------------------------------------------------------------------------------
# Outputs


def _onset_order_rows(children, onsets, settings) -> pd.DataFrame:
    """L2, L3: which came first, offline HSB or the sub-group's online behaviour."""
    shown, known = onsets["shown"], onsets["known"]
    subgroup = children["dual_subgroup"].astype("string")
    porn_only = subgroup.eq("pornography_only").fillna(False).to_numpy(dtype=bool)
    online_kind = np.where(porn_only, PORNOGRAPHY, OTHER_TA)
    rows_at = np.arange(len(children))
    needed_sub = np.column_stack([np.full(len(children), OFFLINE), online_kind])
    sub_reason = missing_onset_reason(
        known[rows_at[:, None], needed_sub], shown[rows_at[:, None], needed_sub]
    )
    all_reason = missing_onset_reason(known, shown)  # offline and every online kind
    per_group = {
        ALL_DUAL: (np.ones(len(children), dtype=bool), any_online_order(onsets), all_reason),
    }
    sub_order = subgroup_order(children, onsets)
    for name in DUAL_SUBGROUPS:
        member = subgroup.eq(name).fillna(False).to_numpy(dtype=bool)
        per_group[name] = (member, sub_order, sub_reason)
    rows = _level_share_rows("onset_order", ORDER_LEVELS, per_group, settings)
    rows["finding"] = "L2;L3"
    rows["output"] = "onset_order"
    return rows


def _porn_trigger_rows(children, case_file, settings) -> pd.DataFrame:
    """L1: share of dual children for whom pornography was a trigger, and a binomial test."""
    at = id_positions(children["case_id"], case_file["case_id"])
    values = case_file["porn_trigger_offline"].astype("boolean").array.take(at, allow_fill=True)
    code_column = missing_column("porn_trigger_offline")
    codes = None
    if code_column in case_file.columns:
        codes = pd.Series(case_file[code_column].astype("string").array.take(at, allow_fill=True))
    reasons = missing_reason(pd.Series(values), codes).astype("string")
    code = np.where(pd.Series(values).eq(True).fillna(False).to_numpy(dtype=bool), 0, 1)
    code = np.where(pd.Series(values).isna().to_numpy(dtype=bool), -1, code)
    subgroup = children["dual_subgroup"].astype("string")
    per_group = {ALL_DUAL: (np.ones(len(children), dtype=bool), code, reasons)}
    for name in DUAL_SUBGROUPS:
        per_group[name] = (subgroup.eq(name).fillna(False).to_numpy(dtype=bool), code, reasons)
    rows = _level_share_rows(
        "porn_trigger_offline", ("yes", "no"), per_group, settings, reported=("yes",)
    )
    yes, known = int((code == 0).sum()), int((code >= 0).sum())
    test = {
        "variable": "porn_trigger_offline",
        "level": "yes",
        "group_variable": GROUP_VARIABLE,
        "group": ALL_DUAL,
        "statistic": "binomial_test",
        "n": yes,
        "denominator": known,
        "unit": "children",
        "method": BINOMIAL_METHOD,
    }
    if known:
        result = stats.binomtest(yes, known, p=0.5, alternative="greater")
        test.update(estimate=yes / known, p_value=float(result.pvalue))
    else:
        test.update(estimate=np.nan, warning=NO_CHILD_WARNING)
    rows = pd.concat([rows, pd.DataFrame([test])], ignore_index=True)
    rows["finding"] = "L1"
    rows["output"] = "porn_trigger"
    return rows


def _trajectory_rows(children, onsets, settings) -> pd.DataFrame:
    """L3: flows from the first kind of HSB to the second per group, then the children of each
    first step and of each later step (the nodes of the flow diagram: sums of the flows)."""
    _, _, level = trajectory_parts(onsets)
    shown, known = onsets["shown"], onsets["known"]
    reason = missing_onset_reason(known, shown)
    too_few = (shown.sum(axis=1) < 2) & reason.isna().to_numpy(dtype=bool)
    reason = reason.mask(too_few, ONE_KIND_REASON)
    subgroup = children["dual_subgroup"].astype("string")
    everyone = np.ones(len(children), dtype=bool)
    parts = []
    for variable, levels, code in trajectory_variables(level):
        levels = list(levels)
        parts.append(
            _level_share_rows(variable, levels, {ALL_DUAL: (everyone, code, reason)}, settings)
        )
        for name in DUAL_SUBGROUPS:
            member = subgroup.eq(name).fillna(False).to_numpy(dtype=bool)
            # A pornography_only child shows no other TA-HSB: report only the levels it can take.
            possible = [
                i
                for i, text in enumerate(levels)
                if name != "pornography_only" or "other_ta" not in text
            ]
            remap = np.full(len(levels) + 1, -1)
            remap[possible] = np.arange(len(possible))
            parts.append(
                _level_share_rows(
                    variable,
                    [levels[i] for i in possible],
                    {name: (member, remap[code], reason)},
                    settings,
                )
            )
    rows = pd.concat(parts, ignore_index=True)
    rows["finding"] = "L3"
    rows["output"] = "trajectories"
    return rows


# ---------------------------------------------------------------------------------------------
# Row builders


def _level_share_rows(variable, levels, per_group, settings, reported=None) -> pd.DataFrame:
    """Shares of each level among the members of each group with a known level, then the
    group's missing rows.

    `per_group` maps a group name to (member mask, level code per child (-1 unknown), reason
    per child (<NA> where the level is known)); `reported` are the levels given rows (all by
    default), so a yes/no variable can report "yes" only.
    """
    reported = list(levels if reported is None else reported)
    at = [list(levels).index(level) for level in reported]
    parts = []
    for group, (member, code, reason) in per_group.items():
        counts = np.bincount(code[member & (code >= 0)], minlength=len(levels))
        denominator = int(counts.sum())
        excluded = int((member & (code < 0)).sum())
        n = counts[at]
        estimate = np.full(n.shape, np.nan)
        np.divide(n, denominator, out=estimate, where=denominator > 0)
        low, high = proportion_ci(
            n, np.full(n.shape, denominator), settings["ci_method"], settings["confidence"]
        )
        shares = pd.DataFrame(
            {
                "variable": variable,
                "level": reported,
                "group_variable": GROUP_VARIABLE,
                "group": group,
                "statistic": "proportion",
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "denominator": denominator,
                "unit": "children",
                "method": settings["ci_label"],
                "warning": None if denominator else _empty_warning(excluded),
            },
            index=pd.RangeIndex(len(reported)),
        )
        # An unknown level with no reason of its own (impossible in a validated cohort) is
        # counted as not recorded rather than dropped from the accounting.
        missing = missing_rows(
            pd.Series(reason.array[member & (code < 0)], dtype="string").fillna(DEFAULT_REASON),
            variable=variable,
            denominator=int(member.sum()),
            group_variable=GROUP_VARIABLE,
            group=group,
        )
        parts += [shares, pd.DataFrame(missing)]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _empty_warning(excluded: int) -> str:
    if not excluded:
        return EMPTY_DENOMINATOR_WARNING
    left_out = f"{excluded} left out for a missing value"
    return f"{EMPTY_DENOMINATOR_WARNING} with a known value ({left_out})"


# ---------------------------------------------------------------------------------------------
# Settings and inputs


def _settings(
    ci_method, confidence, gap_ci, resamples, seed, paired_test, continuous_test, p_adjust
) -> dict:
    ci_label = ci_method_label(ci_method, confidence)  # ValueError naming the allowed methods
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    for name, value, allowed in (
        ("gap_ci", gap_ci, GAP_CI_METHODS),
        ("paired_test", paired_test, PAIRED_TESTS),
        ("continuous_test", continuous_test, CONTINUOUS_TESTS),
        ("p_adjust", p_adjust, P_ADJUST_METHODS),
    ):
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}; choose one of {sorted(allowed)}")
    if isinstance(resamples, bool) or int(resamples) != resamples or resamples < 1:
        raise ValueError(f"bootstrap_resamples must be a positive whole number, got {resamples!r}")
    return {
        "ci_method": ci_method,
        "ci_label": ci_label,
        "confidence": confidence,
        "gap_ci": gap_ci,
        "resamples": int(resamples),
        "seed": int(seed),
        "paired_test": paired_test,
    }


def _in_depth_ages(cohort: Cohort) -> pd.DataFrame:
    """One row per in-depth child: hsb_group and age_first_hsb (with its "__missing" codes)."""
    cases = cohort.cases
    in_depth = cases["in_depth_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    chosen = cases.loc[in_depth]
    case_file = cohort.case_file
    at = id_positions(chosen["case_id"], case_file["case_id"])
    frame = pd.DataFrame(
        {
            "hsb_group": hsb_group(chosen).array,
            # A child without a case_file row (validation refuses one) counts as not recorded.
            "age_first_hsb": case_file["age_first_hsb"]
            .astype("Float64")
            .array.take(at, allow_fill=True),
        },
        index=pd.RangeIndex(len(chosen)),
    )
    code_column = missing_column("age_first_hsb")
    if code_column in case_file.columns:
        frame[code_column] = case_file[code_column].astype("string").array.take(at, allow_fill=True)
    return frame
