"""Odds ratios of professional responses by HSB group (S1-S3), adjusted for covariates.

`logistic_odds_ratios` fits a logistic regression of a binary response on the group (and
covariates); `ordinal_odds_ratios` a proportional-odds model of an ordered response. Small
samples are checked for separation and few events per variable before anything is fitted, so a
model that cannot be estimated yields a warning, never an absurd odds ratio. A logistic model
with fewer than 10 events per variable gets Firth's penalised estimate of every term as its
primary estimate (`firth`); otherwise a group term that shows separation gets one. The ordinal
model is fitted to convergence and its proportional-odds assumption checked by Brant's test
(`proportional_odds`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from tahsb_analysis.analyses.firth import firth_estimates, odds_ratio_interval, one_line
from tahsb_analysis.analyses.group_comparison import GROUPS
from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS
from tahsb_analysis.analyses.missing import missing_reason, missing_rows
from tahsb_analysis.analyses.proportional_odds import fit_proportional_odds, proportional_odds_note
from tahsb_analysis.input.cohort import missing_column
from tahsb_analysis.vocabulary import (
    FIRTH_PRIMARY,
    MISSING_PREFIX,
    ODDS_RATIO,
    ODDS_RATIO_FIRTH,
    PAIR_SEPARATOR,
)

MODEL_REFERENCE = "offline_only"
AGE = "age_at_referral"
EPV_THRESHOLD = 10
# A log odds ratio beyond this is the signature of (quasi-)separation, not an estimate.
MAX_ABS_COEFFICIENT = 15.0
COVARIATE_LABELS = {AGE: "age at referral"}
COVARIATE_MISSING_LEVEL = MISSING_PREFIX + "a covariate not recorded"
FIRTH_WARNING = "used because of separation in the ordinary model"
WALD_NOT_PRIMARY = "the Firth penalised estimate of this term is the primary one (EPV < 10)"
SEPARATION = "quasi-complete separation"


def contrast_term(group: str, other: str) -> str:
    """The term of the odds ratio of `group` against `other` (neither the reference), from the
    same model: "ta_only vs dual"."""
    return f"{group}{PAIR_SEPARATOR}{other}"


def group_contrasts(others: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of non-reference groups, in the order given: [("ta_only", "dual")]."""
    return [(a, b) for i, a in enumerate(others) for b in others[i + 1:]]


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
        reported in `warning`; statsmodels' warnings and errors also become warnings. Firth's
        penalised logistic regression (firthmodels) is also fitted on the full design (every
        group, same covariates), statistic "odds_ratio_firth", profile penalised-likelihood CI
        and penalised likelihood-ratio p-value: for every term (groups, their contrast,
        covariates) when the model has fewer than 10 events per variable, as the primary
        estimate (the ordinary rows stay, their warning says so); otherwise for a group term
        that shows separation only.

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

    The fit converges (Newton on the analytic Hessian, `proportional_odds`), as MASS::polr;
    every row's warning reports Brant's test of the proportional-odds assumption. No Firth
    rows: few events per variable are only warned about.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42, 109-142
    (statsmodels.miscmodels.ordinal_model.OrderedModel, distr="logit"). Brant, R. (1990).
    Assessing proportionality in the proportional odds model for ordinal logistic regression.
    Biometrics 46, 1171-1178.
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


class _Model:
    """The children one model uses, and what every step of `_model_rows` needs (plain
    attributes; `at_extreme` the only behaviour)."""

    def __init__(self, y, group_values, covariate_design, outcome, reference, others, kind, base):
        self.y = y  # outcome per child in the model (float codes)
        self.groups = group_values  # group code per child in the model
        self.covariates = covariate_design
        self.outcome, self.reference, self.others, self.kind = outcome, reference, others, kind
        self.base = base
        self.n = len(y)
        if kind == "logit":
            self.low, self.high = 0.0, 1.0
        else:
            # The levels that occur, not the codebook's: a group all at the lowest level any
            # child has is separated even when no child has the codebook's lowest level.
            self.low, self.high = (np.min(y), np.max(y)) if self.n else (None, None)

    def at_extreme(self, mask) -> str | None:
        """"all" when every child of `mask` is at the highest level, "no" at the lowest."""
        sample = self.y[mask]
        if not len(sample):
            return None
        if (sample == self.high).all():
            return "all"
        if (sample == self.low).all():
            return "no"
        return None


def _model_rows(frame, y, outcome, group, reference, covariates, confidence, groups, method, kind):
    """Rows of one model: children left out, then one row per term (and Firth rows)."""
    in_groups = _in_groups(frame[group], groups)
    complete_outcome = in_groups & y.notna().to_numpy(dtype=bool)
    covariates_known = np.ones(len(frame), dtype=bool)
    for covariate in covariates:
        covariates_known &= frame[covariate].notna().to_numpy(dtype=bool)
    used = complete_outcome & covariates_known
    rows = _left_out_rows(frame, outcome, group, in_groups, complete_outcome & ~covariates_known)

    group_values = frame[group].astype("string").to_numpy(dtype=object, na_value=None)
    covariate_design = _covariate_design(frame.loc[used], covariates)
    others = [g for g in groups if g != reference]
    n = int(used.sum())
    base = {
        "variable": outcome,
        "group_variable": group,
        "statistic": ODDS_RATIO,
        "n": n,
        "denominator": n,
        "unit": "children",
        "method": method,
    }
    model = _Model(
        y.to_numpy(dtype=float, na_value=np.nan)[used], group_values[used], covariate_design,
        outcome, reference, others, kind, base,
    )
    contrasts = group_contrasts(others)
    terms = others + [contrast_term(a, b) for a, b in contrasts] + list(covariate_design.columns)
    term_rows = {term: {**base, "level": term} for term in terms}
    problem = _whole_model_problem(model)
    if problem:
        return rows + [{**row, "warning": problem} for row in term_rows.values()]
    problem, separated = _reference_problem(model)
    if problem:
        term_rows = {t: {**row, "warning": problem} for t, row in term_rows.items()}
        firth = _firth_rows(model, confidence, others, term_rows) if separated and kind == "logit" \
            else []
        return rows + list(term_rows.values()) + firth
    notes, fitted_groups, keep = _group_notes(model)
    common_notes = _fit_terms(model, fitted_groups, keep, notes, term_rows, confidence,
                              contrasts)
    for term, row in term_rows.items():
        warning = "; ".join(([notes[term]] if term in notes else []) + common_notes)
        row["warning"] = warning or None
    separated = [g for g in others if notes.get(g, "").startswith(SEPARATION)]
    firth = _firth_rows(model, confidence, separated, term_rows) if kind == "logit" else []
    return rows + list(term_rows.values()) + firth


def _left_out_rows(frame, outcome, group, in_groups, covariate_missing) -> list[dict]:
    """Count rows of the children of the groups left out: outcome missing (one row per
    reason), or outcome known but a covariate missing."""
    size = int(in_groups.sum())
    codes = frame[missing_column(outcome)] if missing_column(outcome) in frame else None
    reasons = missing_reason(frame[outcome], codes)[in_groups]
    rows = missing_rows(reasons, variable=outcome, denominator=size, group_variable=group)
    dropped = int(covariate_missing.sum())
    if dropped:
        rows.append(
            {
                "variable": outcome,
                "group_variable": group,
                "level": COVARIATE_MISSING_LEVEL,
                "statistic": "count",
                "estimate": float(dropped),
                "n": dropped,
                "denominator": size,
                "unit": "children",
                "method": "count of children whose outcome is known but a covariate is missing",
            }
        )
    return rows


def _whole_model_problem(model: _Model) -> str | None:
    """Why no term can be estimated at all (no child, or every child at one level), or None."""
    everyone = np.ones(model.n, dtype=bool)
    if model.n and not model.at_extreme(everyone) and len(np.unique(model.y)) >= 2:
        return None
    if model.n == 0:
        return "no child with known outcome and covariates"
    return (
        f"quasi-complete separation: {model.at_extreme(everyone) or 'all'} "
        f"children have {model.outcome}; odds ratio not estimable"
    )


def _reference_problem(model: _Model) -> tuple[str | None, bool]:
    """Why the reference group makes every term unestimable (None if it does not), and whether
    that is separation (then Firth's model is fitted)."""
    in_reference = model.groups == model.reference
    which = model.at_extreme(in_reference)
    if in_reference.any() and not which:
        return None, False
    if which:
        return (
            f"quasi-complete separation: {_label(model.reference)} (reference) has {which} "
            f"children with {model.outcome}; odds ratio not estimable"
        ), True
    return (
        f"no child of the reference group {_label(model.reference)} in the model; "
        f"odds ratio not estimable"
    ), False


def _group_notes(model: _Model) -> tuple[dict[str, str], list[str], np.ndarray]:
    """Per other group: a note when it cannot be estimated (no child, or separation), the
    groups fitted, and the children kept for the fit."""
    notes: dict[str, str] = {}  # term -> warning
    fitted_groups = []
    keep = np.ones(model.n, dtype=bool)
    for other in model.others:
        mask = model.groups == other
        which = model.at_extreme(mask)
        if not mask.any():
            notes[other] = f"no child of {_label(other)} in the model; odds ratio not estimable"
        elif which:
            notes[other] = (
                f"quasi-complete separation: {_label(other)} has {which} children with "
                f"{model.outcome}; odds ratio not estimable"
            )
            # The other coefficients' MLE is the fit without the separated group's children.
            keep &= ~mask
        else:
            fitted_groups.append(other)
    return notes, fitted_groups, keep


def _fit_terms(model: _Model, fitted_groups, keep, notes, term_rows, confidence,
               contrasts=()) -> list[str]:
    """Fit the model on the kept children; fill `term_rows` with the estimates and `notes`
    with per-term problems. Returns the notes that concern every term. A contrast of two
    groups is estimated when both are fitted, else noted as not estimable."""
    for group, other in contrasts:
        for term in (group, other):
            if term not in fitted_groups:
                notes[contrast_term(group, other)] = (
                    f"{_label(term)} not estimable in this model; odds ratio not estimable")
                break
    covariate_design = model.covariates
    design = pd.DataFrame(
        {g: (model.groups == g).astype(float) for g in fitted_groups},
        index=covariate_design.index,
    )
    design = pd.concat([design, covariate_design], axis=1).loc[keep]
    # A covariate dummy constant among the kept children cannot be estimated either.
    for column in list(covariate_design.columns):
        if design[column].nunique() < 2:
            notes[column] = f"{column} does not vary among the children modelled; not estimable"
            design = design.drop(columns=column)
    y_fit = model.y[keep]
    if len(np.unique(y_fit)) < 2:  # e.g. reference at one middle level, the others separated
        return ["the children left to fit all have the same outcome; odds ratios not estimable"]
    common_notes = _few_events_notes(y_fit, design.shape[1], model.kind)
    if not design.shape[1]:
        return common_notes
    fitted_contrasts = [(a, b) for a, b in contrasts if a in design and b in design]
    estimates, fit_notes = _fit(y_fit, design, model.kind, confidence, fitted_contrasts)
    common_notes += fit_notes
    if model.kind == "ordinal" and estimates:
        common_notes.append(proportional_odds_note(y_fit, design))
    for term, (coef, ci_low, ci_high, p) in estimates.items():
        if not np.isfinite(coef) or abs(coef) > MAX_ABS_COEFFICIENT:
            notes.setdefault(
                term,
                f"quasi-complete separation: |log odds ratio| > {MAX_ABS_COEFFICIENT:g} "
                f"for {term}; odds ratio not estimable",
            )
            continue
        low, high, why = odds_ratio_interval(coef, ci_low, ci_high)
        if why:
            notes.setdefault(term, f"Wald CI not reported: {why}")
        term_rows[term].update(
            estimate=float(np.exp(coef)),
            ci_low=low,
            ci_high=high,
            p_value=float(p) if np.isfinite(p) else np.nan,
        )
    if not estimates:
        common_notes.append("model not fitted; odds ratios not estimable")
    return common_notes


def events_per_variable(y_fit: np.ndarray, parameters: int, kind: str) -> float | None:
    """Events per parameter: the smaller of events and non-events (for an ordered outcome, the
    smaller side of the sparsest cut) over the parameters other than the constant(s); None
    without parameters."""
    if not parameters:
        return None
    if kind == "logit":
        events = int(y_fit.sum())
        smaller = min(events, len(y_fit) - events)
    else:
        smaller = min(
            min(int((y_fit <= c).sum()), int((y_fit > c).sum())) for c in np.unique(y_fit)[:-1]
        )
    return smaller / parameters


def _few_events_notes(y_fit: np.ndarray, parameters: int, kind: str) -> list[str]:
    """A warning when there are fewer than `EPV_THRESHOLD` events per parameter."""
    epv = events_per_variable(y_fit, parameters, kind)
    if epv is None or epv >= EPV_THRESHOLD:
        return []
    return [f"few events per variable (EPV = {epv:.1f} < {EPV_THRESHOLD}): estimates unstable"]


def _firth_rows(model: _Model, confidence: float, separated: Sequence[str],
                term_rows: dict[str, dict]) -> list[dict]:
    """Firth's penalised logistic regression on the full design (every group with children,
    every covariate that varies): rows "odds_ratio_firth" for every term when the model has
    fewer than `EPV_THRESHOLD` events per variable (then they are the primary estimates, and
    the ordinary rows in `term_rows` say so), else only for the `separated` group terms, so
    that no term is tested twice without reason. Estimate exp(coef), profile penalised-
    likelihood CI, p from the penalised likelihood-ratio test (Heinze and Schemper 2002); a
    contrast of two groups from the model refitted with the second as reference."""
    present = [g for g in model.others if (model.groups == g).any()]
    covariates = [c for c in model.covariates.columns if model.covariates[c].nunique() > 1]
    epv = events_per_variable(model.y, len(present) + len(covariates), model.kind)
    if epv is not None and epv < EPV_THRESHOLD:
        pairs = [(a, b) for a, b in group_contrasts(model.others) if a in present and b in present]
        report = [*present, *pairs, *covariates]
        reason = f"{FIRTH_PRIMARY} (EPV = {epv:.1f} < {EPV_THRESHOLD})"
        if separated:
            reason += " and because of separation in the ordinary model"
        for row in term_rows.values():
            row["warning"] = "; ".join(w for w in (row.get("warning"), WALD_NOT_PRIMARY) if w)
    elif separated:
        report, reason = [g for g in present if g in separated], FIRTH_WARNING
    else:
        return []
    adjusted = [COVARIATE_LABELS.get(c, c) for c in covariates]
    method = (
        f"Firth penalised logistic regression (firthmodels), profile-likelihood "
        f"{100 * confidence:g}% CI; "
        + (f"adjusted for {', '.join(adjusted)}" if adjusted else "unadjusted")
        + f"; reference group {_label(model.reference)}; "
        "p from the penalised likelihood-ratio test"
    )
    estimates, notes, error = firth_estimates(
        model.y, model.groups, model.covariates, [model.reference, *model.others], report,
        confidence)
    rows = []
    for term in report:
        level = contrast_term(*term) if isinstance(term, tuple) else term
        row = {**model.base, "statistic": ODDS_RATIO_FIRTH, "level": level, "method": method}
        warning = [reason, *([error] if error else notes)]
        if term in estimates:
            coef, low, high, p = estimates[term]
            low, high, why = odds_ratio_interval(coef, low, high)
            if why:
                warning.append(f"profile-likelihood CI not reported: {why}")
            with np.errstate(over="ignore"):
                estimate = float(np.exp(coef))
            row.update(estimate=estimate if np.isfinite(estimate) else np.nan, ci_low=low,
                       ci_high=high, p_value=p if np.isfinite(p) else np.nan)
        elif not error:
            warning.append("not estimable in the Firth model")
        rows.append({**row, "warning": "; ".join(dict.fromkeys(warning))})
    return rows


def _fit(y, design, kind, confidence, contrasts=()):
    """Fit the model; (term -> (coef, ci_low, ci_high, p), notes). Never raises for data.

    Each contrast (a, b) of two group terms is the Wald test of coef_a - coef_b in the same
    fit (statsmodels `t_test` with the contrast vector, a z-test for these models): the log
    odds ratio of group a against group b with the covariates held fixed, the same as the a
    term of the model refitted with b as reference."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if kind == "logit":
                model = sm.Logit(y, sm.add_constant(design, has_constant="add"))
                result = model.fit(disp=0, maxiter=100)
                converged = bool(result.mle_retvals.get("converged", True))
            else:
                # Newton on the analytic Hessian after BFGS: converged to 1e-10 (MASS::polr).
                result, fit_notes = fit_proportional_odds(y, design)
                notes += fit_notes
                converged = True  # said in fit_notes otherwise
            params = result.params
            ci = result.conf_int(alpha=1 - confidence)
            p_values = result.pvalues
            contrast_tests = {}
            for group, other in contrasts:
                vector = np.zeros(len(params))
                vector[list(params.index).index(group)] = 1.0
                vector[list(params.index).index(other)] = -1.0
                contrast_tests[contrast_term(group, other)] = result.t_test(vector)
        except (PerfectSeparationError, np.linalg.LinAlgError, ValueError) as error:
            name = type(error).__name__
            return {}, [f"model not fitted ({name}: {one_line(error)})"]
    for message in caught:
        category = message.category
        if issubclass(category, PerfectSeparationWarning):
            notes.append("statsmodels: perfect separation detected; estimates unreliable")
        elif issubclass(category, ConvergenceWarning):
            notes.append("statsmodels: the fit did not converge")
        elif issubclass(category, HessianInversionWarning):
            notes.append("statsmodels: the Hessian could not be inverted")
        elif issubclass(category, RuntimeWarning):
            notes.append(f"numerical warning in the fit: {one_line(message.message)}")
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
    for term, test in contrast_tests.items():
        low, high = np.asarray(test.conf_int(alpha=1 - confidence)).ravel()
        estimates[term] = (float(np.asarray(test.effect).ravel()[0]), float(low), float(high),
                           float(np.asarray(test.pvalue).ravel()[0]))
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


def _method(model: str, covariates, reference, confidence) -> str:
    names = [COVARIATE_LABELS.get(c, c) for c in covariates]
    adjusted = f"adjusted for {', '.join(names)}" if names else "unadjusted"
    return (
        f"{model}, {adjusted}; reference group {_label(reference)}; Wald {100 * confidence:g}% CI"
    )


def is_primary_estimate(models: pd.DataFrame) -> np.ndarray:
    """Per row of model rows: False for an ordinary odds ratio whose term (variable, level;
    group too when given) also has a Firth row that is the primary estimate (EPV < 10), True
    otherwise, e.g. to keep one p-value per term in a multiplicity family."""
    keys = [c for c in ("output", "variable", "group", "level") if c in models.columns]
    firth = models[(models["statistic"] == ODDS_RATIO_FIRTH).to_numpy(dtype=bool)
                   & models["warning"].astype("string").str.startswith(FIRTH_PRIMARY)
                   .fillna(False).to_numpy(dtype=bool)]
    replaced = set(map(tuple, firth[keys].astype("string").fillna("").to_numpy(dtype=object)))
    own = map(tuple, models[keys].astype("string").fillna("").to_numpy(dtype=object))
    ordinary = (models["statistic"] == ODDS_RATIO).to_numpy(dtype=bool)
    return ~(ordinary & np.array([key in replaced for key in own], dtype=bool))


def _label(group: str) -> str:
    return HSB_GROUP_LABELS.get(group, group)
