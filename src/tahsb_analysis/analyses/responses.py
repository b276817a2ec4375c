"""Professional responses to the three HSB groups (findings S1-S3), in-depth sample.

Two outputs: "responses" describes and tests every response field and the codebook's composite
responses by group (`group_comparison.compare_groups`, TA-HSB only as the reference), and
"response_models" gives odds ratios from logistic regressions of each binary response (and a
proportional-odds model of the social-care level) on the group, adjusted for age at referral
(`response_models`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.characteristics import (
    GROUP_VARIABLE,
    in_depth_frame,
    not_compared_rows,
)
from tahsb_analysis.analyses.design_weights import (
    name_unweighted,
    sampling_design,
    weighted_share_rows,
)
from tahsb_analysis.analyses.group_comparison import (
    COMPARISON_COLUMNS,
    GROUPS,
    P_ADJUST_METHODS,
    adjust_p_values,
    as_comparison_table,
    compare_groups,
)
from tahsb_analysis.analyses.group_statistics import ALL
from tahsb_analysis.analyses.imputation import (
    DEFAULT_IMPUTATIONS,
    MAX_ABS_COEFFICIENT,
    fit_log_odds,
    imputation_method,
    impute,
    model_design,
    numeric_frame,
    pooled_group_rows,
    restore_types,
    separation_reason,
)
from tahsb_analysis.analyses.inference import DEFAULT_MONTE_CARLO_RESAMPLES
from tahsb_analysis.analyses.response_models import (
    AGE,
    MODEL_REFERENCE,
    group_contrasts,
    logistic_odds_ratios,
    ordinal_odds_ratios,
)
from tahsb_analysis.analyses.sensitivity import (
    SCENARIO_RESAMPLES,
    missing_bounds,
    missing_scenario_tests,
)
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.cohort import Cohort, missing_column
from tahsb_analysis.results.schema import concat_results, make_results
from tahsb_analysis.vocabulary import ODDS_RATIO

ANALYSIS = "responses"
TABLE_OUTPUT = "responses"
MODELS_OUTPUT = "response_models"
# Missing-data sensitivity analyses (bounds of the shares; multiple imputation of the models).
BOUNDS_OUTPUT = "responses_missing_bounds"
TESTS_OUTPUT = "responses_missing_tests"
IMPUTED_OUTPUT = "response_models_imputed"
ORDINAL_OUTCOME = "social_care_level"
# Binary cuts of the two ordered responses (documented choices, not the study's).
BINARY_CUTS = {
    "social_care_section_47": ("social_care_level", ("section_47",), "S1"),
    "cj_out_of_court_or_court": ("cj_outcome", ("out_of_court", "court_order"), "S1;S2"),
}
BINARY_RESPONSES = (
    "police_involvement",
    "yos_involvement",
    "school_exclusion_hsb",
    "therapeutic_intervention",
)
COMPOSITE_FINDING = "S1"
NOT_APPLICABLE = "-8"


def response_composites(frame: pd.DataFrame, composites: Mapping) -> pd.DataFrame:
    """One boolean column per composite response: does any of its conditions hold?

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per child, typed as a `Cohort` (yes/no fields boolean, categorical fields
        Categorical) with the optional "<field>__missing" columns; never modified.
    composites : mapping
        Name -> {"any_of": [{"field": ..., "values": [...]}, ...]} (the codebook's
        `response_composites`).

    Returns
    -------
    pandas.DataFrame
        Indexed like `frame`, one "boolean" column per composite: True when any condition
        holds; False when none holds and every listed field is known or not applicable ("-8");
        <NA> otherwise (a field not recorded and no condition holding).
    """
    result = pd.DataFrame(index=frame.index)
    for name, composite in composites.items():
        conditions = composite.get("any_of") or []
        if not conditions:
            raise ValueError(f"composite response {name!r} lists no condition (any_of)")
        holds = np.zeros(len(frame), dtype=bool)
        settled = np.ones(len(frame), dtype=bool)
        for condition in conditions:
            field = condition["field"]
            if field not in frame.columns:
                raise KeyError(
                    f"composite response {name!r} needs column {field!r}, which the frame lacks"
                )
            values = frame[field]
            holds |= _matches(values, condition["values"])
            known = np.array(values.notna(), dtype=bool)
            codes = frame.get(missing_column(field))
            if codes is not None:
                known |= codes.astype("string").eq(NOT_APPLICABLE).fillna(False).to_numpy(bool)
            settled &= known
        column = pd.array(np.where(holds, True, False), dtype="boolean")
        column[~holds & ~settled] = pd.NA
        result[name] = column
    return result


def responses(
    cohort: Cohort,
    *,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    continuous_test: str = "kruskal-wallis",
    p_adjust: str = "holm",
    exact_test_seed: int = 0,
    exact_test_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
    covariates: Sequence[str] = (),
    adjust_for_age: bool = True,
    imputations: int = DEFAULT_IMPUTATIONS,
    imputation_seed: int = 0,
) -> pd.DataFrame:
    """Professional responses by HSB group (S1-S3): the by-group table and odds-ratio models.

    The population is the in-depth sample, as in `characteristics.characteristics`.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort.
    ci_method, confidence, continuous_test, p_adjust, exact_test_seed, exact_test_resamples
        Settings of `group_comparison.compare_groups`; `confidence` and `p_adjust` also apply to
        the models (Wald intervals; one adjustment family per output).
    covariates : sequence of str
        Further background fields (codebook role "background") to adjust every model for.
    adjust_for_age : bool
        Adjust every model for age at referral.
    imputations, imputation_seed : int
        Imputed data sets and seed of the missing-data sensitivity analysis of the models
        (`imputation`; output "response_models_imputed"); 0 imputations leaves it out.

    Returns
    -------
    pandas.DataFrame
        A results table, analysis "responses", outputs "responses" (`compare_groups` rows for
        every response field and composite, reference TA-HSB only) and "response_models"
        (odds-ratio rows per model term, and count rows for children left out), and the
        missing-data sensitivity analyses "responses_missing_bounds" (`sensitivity`) and
        "response_models_imputed" (the group odds ratios after multiple imputation).
    """
    if not isinstance(cohort, Cohort):
        raise TypeError(
            f"responses needs a Cohort from validation.validate_cohort, got {type(cohort).__name__}"
        )
    codebook = load_codebook()
    response_fields = codebook.fields_with_role("response")
    composites = codebook.response_composites
    frame, model_covariates = _response_frame(cohort, codebook, covariates, adjust_for_age)
    findings = {fld.name: ";".join(fld.findings) for _, fld in response_fields if fld.findings}
    findings.update(dict.fromkeys(composites, COMPOSITE_FINDING))
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
    variables = [fld.name for _, fld in response_fields] + list(composites)
    table = compare(frame, GROUP_VARIABLE, variables)
    # The "all" shares pool groups sampled at different fractions: each gets a weighted twin,
    # as in characteristics.
    weighted = as_comparison_table(weighted_share_rows(
        table, sampling_design(cohort.cases, GROUPS), total=ALL, confidence=confidence))
    table = name_unweighted(table, ALL)
    not_compared = pd.DataFrame(not_compared_rows(frame), columns=list(COMPARISON_COLUMNS))
    table = pd.concat(
        [part.astype(COMPARISON_COLUMNS) for part in (not_compared, table, weighted)
         if len(part)],
        ignore_index=True,
    )
    models = _response_models(frame, composites, findings, model_covariates, confidence, p_adjust)
    common = {"cohort": cohort.label, "synthetic": cohort.synthetic, "analysis": ANALYSIS}
    first = make_results(table, output=TABLE_OUTPUT, **common)
    second = make_results(models, output=MODELS_OUTPUT, **common)
    scenario_compare = partial(
        compare, exact_test_resamples=min(exact_test_resamples, SCENARIO_RESAMPLES))
    scenario_tests = missing_scenario_tests(frame, GROUP_VARIABLE, variables, TESTS_OUTPUT,
                                            scenario_compare)
    parts = [first, second, missing_bounds(first, TABLE_OUTPUT, BOUNDS_OUTPUT),
             make_results(scenario_tests, output=TESTS_OUTPUT, **common)]
    if imputations:
        imputed = imputed_models(frame, composites, findings, model_covariates, confidence,
                                 imputations, imputation_seed)
        parts.append(make_results(imputed, output=IMPUTED_OUTPUT, **common))
    return concat_results(parts)


def _response_frame(cohort: Cohort, codebook, covariates, adjust_for_age: bool):
    """The in-depth sample with every response field, composite and model covariate, and the
    covariates of the models (age at referral first when adjusted for)."""
    response_fields = codebook.fields_with_role("response")
    background = {fld.name: (table, fld) for table, fld in codebook.fields_with_role("background")}
    covariates = list(dict.fromkeys(covariates))
    unknown = [c for c in covariates if c not in background]
    if unknown:
        raise ValueError(
            f"covariates must be background fields of the codebook ({sorted(background)}); "
            f"got {unknown}"
        )
    model_covariates = ([AGE] if adjust_for_age else []) + [c for c in covariates if c != AGE]
    fields = response_fields + [background[c] for c in model_covariates]
    frame = in_depth_frame(cohort, fields)
    composites = codebook.response_composites
    frame = pd.concat([frame, response_composites(frame, composites)], axis=1)
    return frame, model_covariates


def _response_models(frame, composites, findings, model_covariates, confidence, p_adjust):
    """Rows of output "response_models": a logistic model per binary response, composite and
    binary cut (added to `frame`), then the proportional-odds model; p-values adjusted as one
    family."""
    for name, (source, values, _) in BINARY_CUTS.items():
        frame[name] = _matches_or_na(frame[source], values)
        if missing_column(source) in frame:
            frame[missing_column(name)] = frame[missing_column(source)]
    model_rows: list[dict] = []
    outcomes = [*BINARY_RESPONSES, *composites, *BINARY_CUTS]
    for outcome in outcomes:
        rows = logistic_odds_ratios(
            frame,
            outcome,
            GROUP_VARIABLE,
            reference=MODEL_REFERENCE,
            covariates=model_covariates,
            confidence=confidence,
        )
        finding = findings.get(outcome) or BINARY_CUTS.get(outcome, (None, None, None))[2]
        model_rows += [{**row, "finding": finding} for row in rows]
    model_rows += [
        {**row, "finding": findings.get(ORDINAL_OUTCOME)}
        for row in ordinal_odds_ratios(
            frame,
            ORDINAL_OUTCOME,
            GROUP_VARIABLE,
            reference=MODEL_REFERENCE,
            covariates=model_covariates,
            confidence=confidence,
        )
    ]
    models = pd.DataFrame(model_rows, columns=list(COMPARISON_COLUMNS)).astype(COMPARISON_COLUMNS)
    models["p_adjusted"] = adjust_p_values(models["p_value"], p_adjust)
    models["p_adjust_method"] = (
        models["p_adjusted"]
        .notna()
        .map({True: P_ADJUST_METHODS[p_adjust], False: None})
        .astype("string")
    )
    return models


def imputed_models(frame, composites, findings, model_covariates, confidence, imputations,
                   seed) -> list[dict]:
    """Rows of output "response_models_imputed": every model of `_response_models` refitted on
    `imputations` data sets imputed by chained equations (`imputation`), the group odds ratios
    (and the contrast of the two non-reference groups) pooled by Rubin's rules."""
    children = frame[frame[GROUP_VARIABLE].isin(GROUPS).fillna(False)].reset_index(drop=True)
    raw = [fld.name for _, fld in load_codebook().fields_with_role("response")]
    others = [g for g in GROUPS if g != MODEL_REFERENCE]
    data = numeric_frame(children, [*raw, *model_covariates])
    for g in others:  # the groups inform the imputations, as they do the models
        data[f"group_{g}"] = children[GROUP_VARIABLE].eq(g).astype(float).to_numpy()
    datasets = []
    try:
        imputed = impute(data, imputations=imputations, seed=seed)
    except (np.linalg.LinAlgError, ValueError) as error:
        # A cohort too small or too uniform for the imputation models (a tiny test cohort):
        # every row says why, no estimate.
        imputed, failure = [], f"multiple imputation not run ({type(error).__name__})"
    else:
        failure = None
    for completed in imputed:
        typed = restore_types(completed[[*raw, *model_covariates]], children)
        for name, column in response_composites(typed, composites).items():
            typed[name] = column
        for name, (source, values, _) in BINARY_CUTS.items():
            typed[name] = _matches_or_na(typed[source], values)
        design = model_design(typed, GROUP_VARIABLE, others, model_covariates)
        datasets.append((typed, design))
    group_codes = children[GROUP_VARIABLE].astype(str).to_numpy()
    rows = []
    for outcome in [*BINARY_RESPONSES, *composites, *BINARY_CUTS, ORDINAL_OUTCOME]:
        kind = "ordinal" if outcome == ORDINAL_OUTCOME else "logit"
        fits, n, parameters = ([failure] * imputations if failure else []), 0, 0
        for typed, full_design in datasets:
            known = typed[outcome].notna().to_numpy(dtype=bool)
            values = typed[outcome][known]
            y = (values.cat.codes if kind == "ordinal" else values.astype(int)).to_numpy(float)
            groups = group_codes[known]
            design = full_design[known]
            n = int(known.sum())
            parameters = design.shape[1] + (1 if kind == "logit" else len(np.unique(y)) - 1)
            reason = separation_reason(y, groups)
            if reason is None:
                try:
                    fits.append(fit_log_odds(y, design, kind))
                except (np.linalg.LinAlgError, ValueError) as error:
                    reason = f"model not fitted ({type(error).__name__})"
                else:
                    if not np.all(np.abs(fits[-1][0][others]) <= MAX_ABS_COEFFICIENT):
                        fits[-1] = f"|log odds ratio| > {MAX_ABS_COEFFICIENT:g}: separation"
            if reason is not None:
                fits.append(reason)
        model = ("proportional-odds logistic regression" if kind == "ordinal"
                 else "logistic regression")
        base = {
            "variable": outcome, "group_variable": GROUP_VARIABLE, "statistic": ODDS_RATIO,
            "n": n, "denominator": n, "unit": "children",
            "finding": findings.get(outcome) or BINARY_CUTS.get(outcome, (None,) * 3)[2],
            "method": imputation_method(model, imputations, seed, model_covariates,
                                        MODEL_REFERENCE, confidence),
        }
        rows += pooled_group_rows(fits, others, group_contrasts(others), n=n,
                                  n_parameters=parameters, base=base, confidence=confidence)
    return rows


def _matches(values: pd.Series, wanted: Sequence[str]) -> np.ndarray:
    """True where the value is one of the codebook codes `wanted` (boolean fields: yes/no)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        targets = [{"yes": True, "no": False}[w] for w in wanted]
        return np.isin(values.to_numpy(dtype=object, na_value=None), targets)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = [values.cat.categories.get_loc(w) for w in wanted if w in values.cat.categories]
        return np.isin(np.asarray(values.cat.codes), codes)
    return np.isin(values.astype("string").to_numpy(dtype=object, na_value=None), list(wanted))


def _matches_or_na(values: pd.Series, wanted: Sequence[str]) -> pd.Series:
    result = pd.Series(pd.array(_matches(values, wanted), dtype="boolean"), index=values.index)
    result[values.isna().to_numpy(dtype=bool)] = pd.NA
    return result
