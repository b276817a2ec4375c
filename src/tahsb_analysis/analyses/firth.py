"""Firth's penalised logistic regression of a response on the HSB groups (and covariates), for
the response models: estimates, profile penalised-likelihood intervals and penalised
likelihood-ratio p-values (firthmodels), also for the contrast of two non-reference groups.

Firth's penalty (the Jeffreys prior) is invariant under a linear reparametrisation of the
design, so the contrast of groups a and b is the a term of the same model refitted with b as
the reference: its estimate is coef_a - coef_b of the first fit, and its profile interval and
likelihood-ratio test are those of the constraint coef_a = coef_b.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from firthmodels import FirthLogisticRegression


def firth_estimates(y, groups, covariate_design: pd.DataFrame, group_order: Sequence[str],
                    terms: Sequence, confidence: float):
    """Firth's model of `y` (0/1) on a dummy per group of `group_order` with children, other
    than the reference (the first), and every covariate column that varies.

    `terms` are the wanted terms: a group, a covariate column, or a pair (a, b) of groups for
    their contrast. Returns ({term: (coef, ci_low, ci_high, p)}, notes, error): the estimate
    on the log odds scale, the profile penalised-likelihood limits (NaN when not found) and the
    penalised likelihood-ratio p-value; notes from firthmodels; error, a sentence, when the
    model could not be fitted (then no estimates). Never raises for data."""
    present = [g for g in group_order if (groups == g).any()]
    fits = {group_order[0]: [t for t in terms if not isinstance(t, tuple)]}
    for term in terms:
        if isinstance(term, tuple):
            fits.setdefault(term[1], []).append(term)
    estimates, notes = {}, []
    for baseline, wanted in fits.items():
        if baseline not in present or not wanted:
            continue
        design = _design(groups, covariate_design, baseline, present)
        columns = {t: t[0] if isinstance(t, tuple) else t for t in wanted}
        columns = {t: c for t, c in columns.items() if c in design.columns}
        fitted, fit_notes, error = _fit(y, design, list(columns.values()), confidence)
        if error:
            return {}, [], error
        notes += fit_notes
        estimates.update({t: fitted[c] for t, c in columns.items()})
    return estimates, list(dict.fromkeys(notes)), None


def _design(groups, covariate_design, baseline, present) -> pd.DataFrame:
    """A dummy per present group other than `baseline`, then the covariates that vary."""
    dummies = pd.DataFrame({g: (groups == g).astype(float) for g in present if g != baseline},
                           index=covariate_design.index)
    varying = [c for c in covariate_design.columns if covariate_design[c].nunique() > 1]
    # Centred, which changes only the constant (Firth's estimates are invariant under a linear
    # reparametrisation) and keeps the constant and age apart, so Newton's steps still raise
    # the penalised likelihood in floating point down to a change of 1e-8.
    covariates = covariate_design[varying] - covariate_design[varying].mean()
    return pd.concat([dummies, covariates], axis=1)


def _fit(y, design: pd.DataFrame, columns: list, confidence: float):
    """({column: (coef, low, high, p)}, notes, error) of one firthmodels fit."""
    indices = [list(design.columns).index(c) for c in columns]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = FirthLogisticRegression(max_iter=100, gtol=1e-8, xtol=1e-8)
            model.fit(design.to_numpy(dtype=float), np.asarray(y).astype(int))
            model.lrt(indices)
            ci = model.conf_int(alpha=1 - confidence, method="pl", features=indices)
        except (np.linalg.LinAlgError, ValueError) as error:
            return {}, [], f"Firth model not fitted ({type(error).__name__}: {one_line(error)})"
    notes = [] if model.converged_ else ["firthmodels: the fit did not converge"]
    notes += [f"firthmodels: {one_line(message.message)}" for message in caught]
    results = {}
    for column, index in zip(columns, indices, strict=True):
        low, high = (float(v) for v in ci[index])
        results[column] = (float(model.coef_[index]), low, high,
                           float(model.lrt_pvalues_[index]))
    return results, notes, None


def odds_ratio_interval(
    coef: float, low: float, high: float
) -> tuple[float, float, str | None]:
    """The limits of a log odds ratio as odds ratios, both or neither: (low, high, None) when
    they enclose the estimate, else (NaN, NaN, why).

    A limit is refused when it is missing (its search did not converge), not finite even as
    an odds ratio, or on the wrong side of the estimate: firthmodels' profile search (Venzon
    and Moolgavkar 1988) can converge to the other root of the profile likelihood, and with 9
    children and one event it returned the upper limit as the lower one (an inverted interval).
    """
    problems = []
    for name, limit, wrong_side in (("lower", low, low > coef), ("upper", high, high < coef)):
        if not np.isfinite(limit):
            problems.append(f"the {name} limit was not found")
        elif wrong_side:
            problems.append(f"the {name} limit found lies on the wrong side of the estimate")
    with np.errstate(over="ignore"):
        limits = np.exp([low, high])
    if not problems and not np.isfinite(limits[1]):
        problems.append("the upper limit exceeds the floating-point range")
    if problems or not np.isfinite(coef):
        return np.nan, np.nan, "; ".join(problems) or "the estimate is not finite"
    return float(limits[0]), float(limits[1]), None


def one_line(message) -> str:
    return " ".join(str(message).split())[:200]
