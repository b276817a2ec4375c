"""The proportional-odds (cumulative logit) model fitted to convergence, and Brant's test of its
proportional-odds assumption.

`fit_proportional_odds` fits statsmodels' OrderedModel (logit link) with the analytic score and
Hessian of the log-likelihood: BFGS on the analytic score, then Newton steps to a change in the
parameters below 1e-10, and the covariance from the analytic Hessian at the optimum. statsmodels
would otherwise differentiate the likelihood numerically, and its BFGS stopped early: odds ratios
differed from R's MASS::polr by up to 3.7e-5 (relative), p-values more.

`brant_test` is Brant's (1990) Wald test that the coefficients of the binary logistic models of
"above cut-point j" are equal across cut-points, as the proportional-odds model assumes (the
omnibus test of R's brant package).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

# The ordinal fit stops when no parameter moves by more than this in a Newton step.
NEWTON_TOLERANCE = 1e-10
# A group at one side of a cut-point, or a binary model's |coefficient| beyond this, makes
# Brant's test meaningless (separation in a binary model).
BRANT_MAX_ABS_COEFFICIENT = 15.0
PROPORTIONAL_ODDS_ALPHA = 0.05


class _ExpitLogistic(type(stats.logistic)):
    """SciPy's standard logistic distribution whose cdf skips the generic argument handling.

    OrderedModel evaluates the cdf twice per child for every likelihood evaluation, and SciPy's
    generic `cdf` wrapper (argument checks, masks, `np.place`) costs four times the cdf itself.
    For the standard distribution (loc 0, scale 1) that wrapper returns exactly
    `scipy.special.expit(x)`, also at -inf, inf and NaN, so the fit and every number from it
    are bit for bit those of distr="logit".
    """

    def cdf(self, x, *args, **kwds):
        if args or kwds:
            return super().cdf(x, *args, **kwds)
        x = np.asarray(x)
        return special.expit(x.astype(np.promote_types(x.dtype, np.float64), copy=False))


_LOGISTIC = _ExpitLogistic(name="logistic")


class ProportionalOddsLogit(OrderedModel):
    """OrderedModel with the logit link and the analytic score and Hessian.

    Parameters as OrderedModel's: the coefficients, the first threshold, then the logs of the
    increments between thresholds. The derivatives are taken with respect to the thresholds
    themselves (where the log-likelihood is concave, Pratt 1981) and carried to these
    parameters by the chain rule.
    """

    def __init__(self, endog, exog, **kwds):
        super().__init__(endog, exog, distr=_LOGISTIC, **kwds)

    def score(self, params):
        return self._derivatives(np.asarray(params, dtype=float), hessian=False)

    def hessian(self, params):
        return self._derivatives(np.asarray(params, dtype=float), hessian=True)

    def _derivatives(self, params, hessian):
        x, y = self.exog, self.endog
        k, cuts = self.k_vars, self.k_levels - 1
        thresholds = self.transform_threshold_params(params)  # -inf, theta_1..theta_J-1, inf
        linear = x @ params[:k] if k else np.zeros(len(y))
        if self.offset is not None:
            linear = linear + self.offset
        upper, lower = thresholds[y + 1] - linear, thresholds[y] - linear
        f_upper, f_lower = special.expit(upper), special.expit(lower)
        # P(level) = F(upper) - F(lower), from the upper tails when both are large (no
        # cancellation); the density of the logistic is F (1 - F), its slope F (1 - F)(1 - 2F).
        prob = np.where(lower > 0, special.expit(-lower) - special.expit(-upper),
                        f_upper - f_lower)
        d_upper, d_lower = f_upper * (1 - f_upper), f_lower * (1 - f_lower)
        a, b = d_upper / prob, d_lower / prob
        score_beta = -(x.T @ (a - b))
        score_theta = (np.bincount(y, weights=a, minlength=cuts + 1)[:cuts]
                       - np.bincount(y, weights=b, minlength=cuts + 1)[1:])
        increments = np.exp(params[k + 1:])
        # d theta_t / d (first threshold) = 1; d theta_t / d log increment m = exp(.) for m <= t
        jacobian = np.tril(np.ones((cuts, cuts))) * np.concatenate(([1.0], increments))
        if not hessian:
            return np.concatenate((score_beta, jacobian.T @ score_theta))
        c = d_upper * (1 - 2 * f_upper) / prob
        d = d_lower * (1 - 2 * f_lower) / prob
        h_beta = (x * (c - d - (a - b) ** 2)[:, None]).T @ x
        on_upper, on_lower = (a - b) * a - c, d - (a - b) * b
        h_cross = np.column_stack([
            x.T @ (np.where(y == t, on_upper, 0.0) + np.where(y == t + 1, on_lower, 0.0))
            for t in range(cuts)
        ]) if k else np.zeros((0, cuts))
        h_theta = np.diag(np.bincount(y, weights=c - a * a, minlength=cuts + 1)[:cuts]
                          - np.bincount(y, weights=d + b * b, minlength=cuts + 1)[1:])
        between = np.bincount(y, weights=a * b, minlength=cuts + 1)[1:cuts]
        h_theta += np.diag(between, 1) + np.diag(between, -1)
        h_phi = jacobian.T @ h_theta @ jacobian
        # Second derivative of theta_t in a log increment: exp(.) for m <= t, times the score.
        h_phi[1:, 1:] += np.diag(increments * np.cumsum(score_theta[::-1])[::-1][1:])
        top = np.hstack((h_beta, h_cross @ jacobian))
        return np.vstack((top, np.hstack(((h_cross @ jacobian).T, h_phi))))


def fit_proportional_odds(y, design: pd.DataFrame):
    """Fit the proportional-odds model of `y` (level codes) on `design` (no constant) to
    convergence: (statsmodels OrderedResults, notes). BFGS on the analytic score from the
    null model, then Newton on the analytic Hessian; if Newton fails (a singular Hessian, as
    under separation), the BFGS estimate is kept and said. Raises as statsmodels does."""
    model = ProportionalOddsLogit(y, design)
    notes = []
    with warnings.catch_warnings():
        # BFGS only brings Newton close; its own stopping does not matter.
        warnings.simplefilter("ignore")
        start = model.fit(method="bfgs", disp=0, maxiter=1000, gtol=1e-8)
    try:
        result = model.fit(start_params=start.params, method="newton", disp=0, maxiter=100,
                           tol=NEWTON_TOLERANCE)
    except np.linalg.LinAlgError:
        notes.append("Newton steps failed (singular Hessian); the BFGS estimate is reported")
        return start, notes
    if not result.mle_retvals.get("converged", False):
        notes.append("statsmodels: the fit did not converge")
    return result, notes


@dataclass(frozen=True)
class BrantResult:
    """Brant's omnibus test: chi-squared statistic, degrees of freedom, p-value."""

    statistic: float
    df: int
    p_value: float


def brant_test(y, design: pd.DataFrame) -> BrantResult:
    """Brant's (1990) test of the proportional-odds assumption for `y` (ordered level codes; the
    levels that occur) on `design` (no constant), as R's brant::brant (omnibus).

    For each cut-point j, a logistic regression of "level above j" on the design; the statistic
    is the Wald test that the J - 1 coefficient vectors are equal, with their covariance across
    cut-points from Brant's formula, df = (J - 2) K. Raises ValueError when the test cannot be
    computed (fewer than three levels, a binary model that separates, a singular covariance)."""
    codes = np.unique(np.asarray(y, dtype=float), return_inverse=True)[1].ravel()
    levels = int(codes.max()) + 1 if len(codes) else 0
    if levels < 3:
        raise ValueError("fewer than three levels occur, so there is no assumption to check")
    x = np.asarray(design, dtype=float)
    k = x.shape[1]
    if not k:
        raise ValueError("no term in the model")
    with_constant = np.column_stack((np.ones(len(x)), x))
    coefficients, fitted, inverse_information = [], [], []
    for cut in range(1, levels):
        above = (codes >= cut).astype(float)
        fit = sm.Logit(above, with_constant).fit(method="newton", disp=0, maxiter=100)
        if (not fit.mle_retvals.get("converged", False)
                or np.any(np.abs(fit.params) > BRANT_MAX_ABS_COEFFICIENT)):
            raise ValueError(f"the binary model above cut-point {cut} does not converge "
                             "(separation)")
        p = fit.predict()
        coefficients.append(fit.params[1:])
        fitted.append(p)
        inverse_information.append(np.linalg.inv((with_constant * (p * (1 - p))[:, None]).T
                                                 @ with_constant))
    cuts = levels - 1
    covariance = np.zeros((cuts * k, cuts * k))
    for m in range(cuts):
        covariance[m * k:(m + 1) * k, m * k:(m + 1) * k] = inverse_information[m][1:, 1:]
        for n in range(m + 1, cuts):
            # Cov(b_m, b_n) = I_m^-1 X' diag(p_n - p_m p_n) X I_n^-1 (Brant 1990, eq. 2.3).
            weight = fitted[n] - fitted[m] * fitted[n]
            block = (inverse_information[m] @ ((with_constant * weight[:, None]).T
                                               @ with_constant) @ inverse_information[n])
            covariance[m * k:(m + 1) * k, n * k:(n + 1) * k] = block[1:, 1:]
            covariance[n * k:(n + 1) * k, m * k:(m + 1) * k] = block[1:, 1:].T
    stacked = np.concatenate(coefficients)
    contrast = np.zeros(((cuts - 1) * k, cuts * k))
    for m in range(1, cuts):  # b_1 - b_(m+1)
        contrast[(m - 1) * k:m * k, :k] = np.eye(k)
        contrast[(m - 1) * k:m * k, m * k:(m + 1) * k] = -np.eye(k)
    difference = contrast @ stacked
    try:
        statistic = float(difference @ np.linalg.solve(contrast @ covariance @ contrast.T,
                                                       difference))
    except np.linalg.LinAlgError as error:
        raise ValueError("the covariance of the cut-point coefficients is singular") from error
    df = (cuts - 1) * k
    return BrantResult(statistic, df, float(stats.chi2.sf(statistic, df)))


def proportional_odds_note(y, design: pd.DataFrame) -> str:
    """The proportional-odds check in words, for the rows' warning: "proportional-odds check
    (Brant test): chi2 = 4.21, df = 6, p = 0.65", with a doubt said when p < 0.05, or why the
    check could not be made."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # separation and convergence are judged above
            result = brant_test(y, design)
    except (ValueError, np.linalg.LinAlgError) as error:
        return f"proportional-odds check (Brant test) not possible: {error}"
    text = (f"proportional-odds check (Brant test): chi2 = {result.statistic:.2f}, "
            f"df = {result.df}, {_p_text(result.p_value)}")
    if result.p_value < PROPORTIONAL_ODDS_ALPHA:
        text += (" - the odds ratios differ between cut-points, so the single odds ratio is "
                 "an average over them")
    return text


def _p_text(p: float) -> str:
    """"p < 0.001", "p = 0.012", "p = 0.44"."""
    if not np.isfinite(p):
        return "p not available"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"
