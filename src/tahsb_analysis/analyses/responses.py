"""Professional responses to the three HSB groups (findings S1-S3), in-depth sample.

Two outputs: "responses" describes and tests every response field and the codebook's composite
responses by group (`characteristics.compare_groups`, TA-HSB only as the reference), and
"response_models" gives odds ratios from logistic regressions of each binary response (and a
proportional-odds model of the social-care level) on the group, adjusted for age at referral.
Small samples are checked for separation and few events per variable before anything is
fitted, so a model that cannot be estimated yields a warning, never an absurd odds ratio.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from firthmodels import FirthLogisticRegression
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from tahsb_analysis.analyses.characteristics import (
    COMPARISON_COLUMNS,
    GROUP_VARIABLE,
    GROUPS,
    adjust_p_values,
    compare_groups,
    in_depth_frame,
    not_compared_rows,
)
from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS
from tahsb_analysis.analyses.inference import DEFAULT_MONTE_CARLO_RESAMPLES
from tahsb_analysis.analyses.missing import missing_reason, missing_rows
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.cohort import Cohort, missing_column
from tahsb_analysis.results.schema import make_results

ANALYSIS = "responses"
TABLE_OUTPUT = "responses"
MODELS_OUTPUT = "response_models"
MODEL_REFERENCE = "offline_only"
AGE = "age_at_referral"
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
EPV_THRESHOLD = 10
# A log odds ratio beyond this is the signature of (quasi-)separation, not an estimate.
MAX_ABS_COEFFICIENT = 15.0
COVARIATE_LABELS = {AGE: "age at referral"}
COVARIATE_MISSING_LEVEL = "missing: a covariate not recorded"
FIRTH_STATISTIC = "odds_ratio_firth"
FIRTH_WARNING = "used because of separation in the ordinary model"
SEPARATION = "quasi-complete separation"


class _ExpitLogistic(type(stats.logistic)):
    """SciPy's standard logistic distribution whose cdf skips the generic argument handling.

    OrderedModel evaluates the cdf twice per child for every likelihood evaluation (hundreds
    per fit, as its gradient is numerical), and SciPy's generic `cdf` wrapper (argument checks,
    masks, `np.place`) costs four times the cdf itself. For the standard distribution (loc 0,
    scale 1) that wrapper returns exactly `scipy.special.expit(x)`, also at -inf, inf and NaN,
    so the fit and every number from it are bit for bit those of distr="logit".
    """

    def cdf(self, x, *args, **kwds):
        if args or kwds:
            return super().cdf(x, *args, **kwds)
        x = np.asarray(x)
        return special.expit(x.astype(np.promote_types(x.dtype, np.float64), copy=False))


_LOGISTIC = _ExpitLogistic(name="logistic")


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
) -> pd.DataFrame:
    """Professional responses by HSB group (S1-S3): the by-group table and odds-ratio models.

    The population is the in-depth sample, as in `characteristics.characteristics`.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort.
    ci_method, confidence, continuous_test, p_adjust, exact_test_seed, exact_test_resamples
        Settings of `characteristics.compare_groups`; `confidence` and `p_adjust` also apply to
        the models (Wald intervals; one adjustment family per output).
    covariates : sequence of str
        Further background fields (codebook role "background") to adjust every model for.
    adjust_for_age : bool
        Adjust every model for age at referral.

    Returns
    -------
    pandas.DataFrame
        A results table, analysis "responses", outputs "responses" (`compare_groups` rows for
        every response field and composite, reference TA-HSB only) and "response_models"
        (odds-ratio rows per model term, and count rows for children left out).
    """
    if not isinstance(cohort, Cohort):
        raise TypeError(
            f"responses needs a Cohort from validation.validate_cohort, got {type(cohort).__name__}"
        )
    codebook = load_codebook()
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

    findings = {fld.name: ";".join(fld.findings) for _, fld in response_fields if fld.findings}
    findings.update(dict.fromkeys(composites, COMPOSITE_FINDING))
    table = compare_groups(
        frame,
        GROUP_VARIABLE,
        [fld.name for _, fld in response_fields] + list(composites),
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
    not_compared = pd.DataFrame(not_compared_rows(frame), columns=list(COMPARISON_COLUMNS))
    table = pd.concat(
        [part.astype(COMPARISON_COLUMNS) for part in (not_compared, table) if len(part)],
        ignore_index=True,
    )

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
        .map({True: {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}[p_adjust], False: None})
        .astype("string")
    )
    common = {"cohort": cohort.label, "synthetic": cohort.synthetic, "analysis": ANALYSIS}
    first = make_results(table, output=TABLE_OUTPUT, **common)
    second = make_results(models, output=MODELS_OUTPUT, **common)
    return make_results(pd.concat([first, second], ignore_index=True))


def logistic_odds_ratios(
    frame: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    reference: str = MODEL_REFERENCE,
    covariates: Sequence[str] = (),
    confidence: float = 0.95,
    groups: Sequence[str] = GROUPS,
) -> list[dict]:
    """Odds ratios of a binary outcome by group (and covariates), from a logistic regression.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per child; never modified. Children whose `group` is not in `groups` are left
        out (not counted); children with the outcome or a covariate missing are left out and
        counted (outcome: one row per reason from "<outcome>__missing").
    outcome : str
        Boolean column (or 0/1).
    group : str
        The group column; one dummy per group other than `reference`.
    reference : str
        The reference group.
    covariates : sequence of str
        Numeric columns enter as they are; boolean and categorical ones as dummies with the
        first level (first observed category) dropped, terms "<column>: <level>".
    confidence : float
        Coverage of the Wald intervals.
    groups : sequence of str
        The groups modelled.

    Returns
    -------
    list of dict
        Rows (results columns without cohort/synthetic/analysis/output): statistic
        "odds_ratio" per term (level = term, group <NA>), estimate exp(coef), Wald CI and
        p-value, n = denominator = children in the model; count rows of children left out.
        Separation and few events per variable (EPV < 10) are detected before fitting and
        reported in `warning`; statsmodels' warnings and errors also become warnings. When a
        group term shows separation, Firth's penalised logistic regression (firthmodels) is also
        fitted on the full design (every group, same covariates): statistic
        "odds_ratio_firth" per group term, profile penalised-likelihood CI and penalised
        likelihood-ratio p-value; the ordinary rows are kept as they are.

    References
    ----------
    statsmodels.discrete.discrete_model.Logit. Albert, A. and Anderson, J. A. (1984). On the
    existence of maximum likelihood estimates in logistic regression models. Biometrika 71,
    1-10 (separation). Peduzzi, P. et al. (1996). A simulation study of the number of events
    per variable in logistic regression analysis. J Clin Epidemiol 49, 1373-1379 (EPV >= 10).
    Firth, D. (1993). Bias reduction of maximum likelihood estimates. Biometrika 80, 27-38.
    Heinze, G. and Schemper, M. (2002). A solution to the problem of separation in logistic
    regression. Stat Med 21, 2409-2419.
    """
    _check_model_inputs(frame, outcome, group, reference, covariates, confidence, groups)
    values = frame[outcome]
    if not (pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values)):
        raise TypeError(f"outcome {outcome!r} must be boolean (or 0/1), got dtype {values.dtype}")
    y = pd.Series(values, copy=True).astype("Float64")
    if not y.dropna().isin([0.0, 1.0]).all():
        raise ValueError(f"outcome {outcome!r} must hold only yes/no (True/False or 1/0)")
    method = _method("logistic regression (statsmodels Logit)", covariates, reference, confidence)
    return _model_rows(
        frame, y, outcome, group, reference, covariates, confidence, groups, method, "logit"
    )


def ordinal_odds_ratios(
    frame: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    reference: str = MODEL_REFERENCE,
    covariates: Sequence[str] = (),
    confidence: float = 0.95,
    groups: Sequence[str] = GROUPS,
) -> list[dict]:
    """Cumulative odds ratios of an ordered outcome, from a proportional-odds model.

    As `logistic_odds_ratios`, for an ordered Categorical outcome: an odds ratio above 1 means
    higher levels are more likely. Only the levels that occur are used as thresholds; a group
    whose children are all at the lowest or all at the highest level is reported as separated.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42, 109-142
    (statsmodels.miscmodels.ordinal_model.OrderedModel, distr="logit").
    """
    _check_model_inputs(frame, outcome, group, reference, covariates, confidence, groups)
    values = frame[outcome]
    if not (isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered):
        raise TypeError(f"outcome {outcome!r} must be an ordered Categorical")
    y = pd.Series(values.cat.codes.astype("float64"), index=values.index)
    y[values.isna().to_numpy(dtype=bool)] = np.nan
    y = y.astype("Float64")
    method = _method(
        "proportional-odds logistic regression (statsmodels OrderedModel, logit link)",
        covariates,
        reference,
        confidence,
    )
    return _model_rows(
        frame, y, outcome, group, reference, covariates, confidence, groups, method, "ordinal"
    )


# ---------------------------------------------------------------------------------------------
# Model machinery


def _model_rows(frame, y, outcome, group, reference, covariates, confidence, groups, method, kind):
    in_groups = _in_groups(frame[group], groups)
    group_values = frame[group].astype("string").to_numpy(dtype=object, na_value=None)
    complete_outcome = in_groups & y.notna().to_numpy(dtype=bool)
    covariates_known = np.ones(len(frame), dtype=bool)
    for covariate in covariates:
        covariates_known &= frame[covariate].notna().to_numpy(dtype=bool)
    used = complete_outcome & covariates_known

    labels = {"variable": outcome, "group_variable": group}
    size = int(in_groups.sum())
    codes = frame[missing_column(outcome)] if missing_column(outcome) in frame else None
    reasons = missing_reason(frame[outcome], codes)[in_groups]
    rows = missing_rows(reasons, variable=outcome, denominator=size, group_variable=group)
    dropped = int((complete_outcome & ~covariates_known).sum())
    if dropped:
        rows.append(
            {
                **labels,
                "level": COVARIATE_MISSING_LEVEL,
                "statistic": "count",
                "estimate": float(dropped),
                "n": dropped,
                "denominator": size,
                "unit": "children",
                "method": "count of children whose outcome is known but a covariate is missing",
            }
        )

    others = [g for g in groups if g != reference]
    y_used = y.to_numpy(dtype=float, na_value=np.nan)[used]
    g_used = group_values[used]
    covariate_design = _covariate_design(frame.loc[used], covariates)
    terms = others + list(covariate_design.columns)
    n = int(used.sum())
    base = {
        **labels,
        "statistic": "odds_ratio",
        "n": n,
        "denominator": n,
        "unit": "children",
        "method": method,
    }
    term_rows = {term: {**base, "level": term} for term in terms}
    notes: dict[str, str] = {}  # term -> warning
    common_notes: list[str] = []

    low, high = (0.0, 1.0) if kind == "logit" else (np.nanmin(y_used, initial=0), None)
    if kind == "ordinal" and n:
        high = np.nanmax(y_used)

    def at_extreme(mask):
        sample = y_used[mask]
        if not len(sample):
            return None
        if (sample == high).all():
            return "all"
        if (sample == low).all():
            return "no"
        return None

    if n == 0 or at_extreme(np.ones(n, dtype=bool)) or len(np.unique(y_used)) < 2:
        reason = (
            "no child with known outcome and covariates"
            if n == 0
            else f"quasi-complete separation: {at_extreme(np.ones(n, dtype=bool)) or 'all'} "
            f"children have {outcome}; odds ratio not estimable"
        )
        return rows + [{**row, "warning": reason} for row in term_rows.values()]
    if not (g_used == reference).any() or at_extreme(g_used == reference):
        which = at_extreme(g_used == reference)
        reason = (
            f"quasi-complete separation: {_label(reference)} (reference) has {which} children "
            f"with {outcome}; odds ratio not estimable"
            if which
            else f"no child of the reference group {_label(reference)} in the model; "
            f"odds ratio not estimable"
        )
        rows += [{**row, "warning": reason} for row in term_rows.values()]
        if which and kind == "logit":
            rows += _firth_rows(
                y_used, g_used, reference, others, covariate_design, base, confidence
            )
        return rows
    fitted_groups = []
    keep = np.ones(n, dtype=bool)
    for other in others:
        mask = g_used == other
        which = at_extreme(mask)
        if not mask.any():
            notes[other] = f"no child of {_label(other)} in the model; odds ratio not estimable"
        elif which:
            notes[other] = (
                f"quasi-complete separation: {_label(other)} has {which} children with "
                f"{outcome}; odds ratio not estimable"
            )
            # The other coefficients' MLE is the fit without the separated group's children.
            keep &= ~mask
        else:
            fitted_groups.append(other)

    design = pd.DataFrame(
        {g: (g_used == g).astype(float) for g in fitted_groups}, index=covariate_design.index
    )
    design = pd.concat([design, covariate_design], axis=1).loc[keep]
    # A covariate dummy constant among the kept children cannot be estimated either.
    for column in list(covariate_design.columns):
        if design[column].nunique() < 2:
            notes[column] = f"{column} does not vary among the children modelled; not estimable"
            design = design.drop(columns=column)
    y_fit = y_used[keep]
    parameters = design.shape[1]
    if kind == "logit":
        events = int(y_fit.sum())
        smaller = min(events, len(y_fit) - events)
    else:
        smaller = min(
            min(int((y_fit <= c).sum()), int((y_fit > c).sum())) for c in np.unique(y_fit)[:-1]
        )
    if parameters:
        epv = smaller / parameters
        if epv < EPV_THRESHOLD:
            common_notes.append(
                f"few events per variable (EPV = {epv:.1f} < {EPV_THRESHOLD}): estimates unstable"
            )
    if parameters:
        estimates, fit_notes = _fit(y_fit, design, kind, confidence)
        common_notes += fit_notes
        for term, (coef, ci_low, ci_high, p) in estimates.items():
            if not np.isfinite(coef) or abs(coef) > MAX_ABS_COEFFICIENT:
                notes.setdefault(
                    term,
                    f"quasi-complete separation: |log odds ratio| > {MAX_ABS_COEFFICIENT:g} "
                    f"for {term}; odds ratio not estimable",
                )
                continue
            term_rows[term].update(
                estimate=float(np.exp(coef)),
                ci_low=float(np.exp(ci_low)) if np.isfinite(ci_low) else np.nan,
                ci_high=float(np.exp(ci_high)) if np.isfinite(ci_high) else np.nan,
                p_value=float(p) if np.isfinite(p) else np.nan,
            )
        if not estimates:
            common_notes.append("model not fitted; odds ratios not estimable")
    for term, row in term_rows.items():
        warning = "; ".join(([notes[term]] if term in notes else []) + common_notes)
        row["warning"] = warning or None
    rows += list(term_rows.values())
    separated = [g for g in others if notes.get(g, "").startswith(SEPARATION)]
    if kind == "logit" and separated:
        rows += _firth_rows(
            y_used, g_used, reference, others, covariate_design, base, confidence, separated
        )
    return rows


def _firth_rows(
    y, group_values, reference, others, covariate_design, base, confidence, report=None
):
    """Firth's penalised logistic regression on the full design: every group with children in
    the model (dummies against the reference) and every covariate term that varies. One row
    "odds_ratio_firth" per group term in `report` (default: every group term), i.e. only the
    terms the ordinary model could not estimate, so no term is tested twice in the adjustment
    family: exp(coef), profile penalised-likelihood CI, p from the penalised likelihood-ratio
    test (Heinze and Schemper 2002). Never raises for data."""
    groups = [g for g in others if (group_values == g).any()]
    design = pd.DataFrame(
        {g: (group_values == g).astype(float) for g in groups}, index=covariate_design.index
    )
    design = pd.concat([design, covariate_design], axis=1)
    design = design.loc[:, [c for c in design.columns if c in groups or design[c].nunique() > 1]]
    adjusted = [c for c in design.columns if c not in groups]
    method = (
        f"Firth penalised logistic regression (firthmodels), profile-likelihood "
        f"{100 * confidence:g}% CI; "
        + (
            f"adjusted for {', '.join(COVARIATE_LABELS.get(c, c) for c in adjusted)}"
            if adjusted
            else "unadjusted"
        )
        + f"; reference group {_label(reference)}; "
        "p from the penalised likelihood-ratio test"
    )
    rows = {g: {**base, "statistic": FIRTH_STATISTIC, "level": g, "method": method} for g in groups}
    if not groups:
        return []
    notes: list[str] = []
    indices = list(range(len(groups)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = FirthLogisticRegression(max_iter=100, gtol=1e-8, xtol=1e-8)
            model.fit(design.to_numpy(dtype=float), y.astype(int))
            model.lrt(indices)
            ci = model.conf_int(alpha=1 - confidence, method="pl", features=indices)
        except (np.linalg.LinAlgError, ValueError) as error:
            note = f"Firth model not fitted ({type(error).__name__}: {_one_line(error)})"
            return [
                {**row, "warning": f"{FIRTH_WARNING}; {note}"}
                for group, row in rows.items()
                if report is None or group in report
            ]
    if not model.converged_:
        notes.append("firthmodels: the fit did not converge")
    for message in caught:
        notes.append(f"firthmodels: {_one_line(message.message)}")
    for index, group in enumerate(groups):
        coef = float(model.coef_[index])
        low, high = (float(v) for v in ci[index])
        p = float(model.lrt_pvalues_[index])
        rows[group].update(
            estimate=float(np.exp(coef)),
            ci_low=float(np.exp(low)) if np.isfinite(low) else np.nan,
            ci_high=float(np.exp(high)) if np.isfinite(high) else np.nan,
            p_value=p if np.isfinite(p) else np.nan,
            warning="; ".join([FIRTH_WARNING, *dict.fromkeys(notes)]),
        )
    return [row for group, row in rows.items() if report is None or group in report]


def _fit(y, design, kind, confidence):
    """Fit the model; (term -> (coef, ci_low, ci_high, p), notes). Never raises for data."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if kind == "logit":
                model = sm.Logit(y, sm.add_constant(design, has_constant="add"))
                result = model.fit(disp=0, maxiter=100)
                converged = bool(result.mle_retvals.get("converged", True))
            else:
                model = OrderedModel(y, design, distr=_LOGISTIC)  # = distr="logit", faster
                result = model.fit(method="bfgs", disp=0, maxiter=1000)
                converged = bool(result.mle_retvals.get("converged", True))
            params = result.params
            ci = result.conf_int(alpha=1 - confidence)
            p_values = result.pvalues
        except (PerfectSeparationError, np.linalg.LinAlgError, ValueError) as error:
            name = type(error).__name__
            return {}, [f"model not fitted ({name}: {_one_line(error)})"]
    for message in caught:
        category = message.category
        if issubclass(category, PerfectSeparationWarning):
            notes.append("statsmodels: perfect separation detected; estimates unreliable")
        elif issubclass(category, ConvergenceWarning):
            notes.append("statsmodels: the fit did not converge")
        elif issubclass(category, HessianInversionWarning):
            notes.append("statsmodels: the Hessian could not be inverted")
        elif issubclass(category, RuntimeWarning):
            notes.append(f"numerical warning in the fit: {_one_line(message.message)}")
    if not converged and "statsmodels: the fit did not converge" not in notes:
        notes.append("statsmodels: the fit did not converge")
    estimates = {}
    ci = pd.DataFrame(ci)
    for term in design.columns:
        estimates[term] = (
            float(params[term]),
            float(ci.loc[term].iloc[0]),
            float(ci.loc[term].iloc[1]),
            float(p_values[term]),
        )
    return estimates, list(dict.fromkeys(notes))


def _covariate_design(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are; boolean and categorical ones as dummies (first level
    observed dropped), named "<covariate>: <level>"."""
    columns = {}
    for covariate in covariates:
        values = frame[covariate]
        if pd.api.types.is_bool_dtype(values.dtype):
            columns[f"{covariate}: yes"] = values.astype(float).to_numpy()
        elif isinstance(values.dtype, pd.CategoricalDtype):
            present = [c for c in values.cat.categories if values.eq(c).any()]
            for level in present[1:]:
                columns[f"{covariate}: {level}"] = values.eq(level).astype(float).to_numpy()
        elif pd.api.types.is_numeric_dtype(values.dtype):
            columns[covariate] = values.astype(float).to_numpy()
        else:
            text = values.astype("string")
            for level in sorted(text.unique())[1:]:
                columns[f"{covariate}: {level}"] = text.eq(level).astype(float).to_numpy()
    return pd.DataFrame(columns, index=frame.index)


def _check_model_inputs(frame, outcome, group, reference, covariates, confidence, groups):
    missing = [c for c in (outcome, group, *covariates) if c not in frame.columns]
    if missing:
        raise KeyError(f"the frame has no column(s) {missing}")
    if reference not in groups:
        raise ValueError(f"reference {reference!r} is not one of the groups {list(groups)}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")


def _in_groups(values: pd.Series, groups: Sequence[str]) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        wanted = [values.cat.categories.get_loc(g) for g in groups if g in values.cat.categories]
        return np.isin(np.asarray(values.cat.codes), wanted)
    return np.isin(values.astype("string").to_numpy(dtype=object, na_value=None), list(groups))


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


def _method(model: str, covariates, reference, confidence) -> str:
    names = [COVARIATE_LABELS.get(c, c) for c in covariates]
    adjusted = f"adjusted for {', '.join(names)}" if names else "unadjusted"
    return (
        f"{model}, {adjusted}; reference group {_label(reference)}; Wald {100 * confidence:g}% CI"
    )


def _label(group: str) -> str:
    return HSB_GROUP_LABELS.get(group, group)


def _one_line(message) -> str:
    return " ".join(str(message).split())[:200]
