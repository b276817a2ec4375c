"""Backgrounds and characteristics of the three HSB groups (findings C1-C6), in-depth sample.

`characteristics` feeds `group_comparison.compare_groups` the codebook's background variables
for the TA-HSB-only, dual and offline-only children of a cohort; `in_depth_frame` and
`not_compared_rows` give the in-depth sample (also to `responses`).
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from tahsb_analysis.analyses.design_weights import (
    name_unweighted,
    sampling_design,
    weighted_share_rows,
)
from tahsb_analysis.analyses.group_comparison import (
    GROUPS,
    as_comparison_table,
    compare_groups,
)
from tahsb_analysis.analyses.group_statistics import ALL
from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS, hsb_group
from tahsb_analysis.analyses.inference import DEFAULT_MONTE_CARLO_RESAMPLES
from tahsb_analysis.analyses.missing import missing_reason, missing_rows
from tahsb_analysis.analyses.sensitivity import (
    SCENARIO_RESAMPLES,
    missing_bounds,
    missing_scenario_tests,
)
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.cohort import Cohort, id_positions, missing_column
from tahsb_analysis.results.schema import concat_results, make_results

ANALYSIS = "characteristics"
# Missing-data sensitivity analysis of the shares (`sensitivity.missing_bounds`).
BOUNDS_OUTPUT = "characteristics_missing_bounds"
TESTS_OUTPUT = "characteristics_missing_tests"
GROUP_VARIABLE = "hsb_group"
POPULATION = "population"
IN_DEPTH = "in_depth_sample"
# Children of the in-depth sample outside the three groups are counted, not compared.
NOT_COMPARED_REASON = f"neither ({HSB_GROUP_LABELS['neither']})"


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

    The shares of group "all" pool the groups, which the in-depth sample draws at different
    fractions: their method says they describe the sample, and each has a twin of statistic
    "weighted_proportion" (group "all") weighted by the groups' inverse sampling fractions
    (`design_weights`), which describes the service's children.

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
    continuous = [fld.name for _, fld in background if fld.type in ("integer", "number")]
    findings = {fld.name: ";".join(fld.findings) for _, fld in background if fld.findings}
    compare = partial(
        compare_groups,
        groups=GROUPS,
        reference="ta_only",
        ci_method=ci_method,
        confidence=confidence,
        continuous_test=continuous_test,
        p_adjust=p_adjust,
        exact_test_seed=exact_test_seed,
        exact_test_resamples=exact_test_resamples,
        findings=findings,
    )
    variables = [fld.name for _, fld in background]
    table = compare(frame, GROUP_VARIABLE, variables, continuous=continuous)
    # The "all" shares pool groups sampled at different fractions: each gets a weighted twin.
    weighted = as_comparison_table(weighted_share_rows(
        table, sampling_design(cohort.cases, GROUPS), total=ALL, confidence=confidence))
    table = name_unweighted(table, ALL)
    not_compared = as_comparison_table(not_compared_rows(frame))
    parts = [part for part in (not_compared, table, weighted) if len(part)]
    rows = pd.concat(parts, ignore_index=True) if parts else as_comparison_table([])
    results = make_results(
        rows, cohort=cohort.label, synthetic=cohort.synthetic, analysis=ANALYSIS, output=ANALYSIS
    )
    scenario_tests = missing_scenario_tests(
        frame, GROUP_VARIABLE, [v for v in variables if v not in continuous], TESTS_OUTPUT,
        partial(compare, exact_test_resamples=min(exact_test_resamples, SCENARIO_RESAMPLES)))
    return concat_results([
        results,
        missing_bounds(results, ANALYSIS, BOUNDS_OUTPUT),
        make_results(scenario_tests, cohort=cohort.label, synthetic=cohort.synthetic,
                     analysis=ANALYSIS, output=TESTS_OUTPUT),
    ])


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
