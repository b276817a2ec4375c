"""Missing-data sensitivity analysis of the response models: multiple imputation by chained
equations (MICE) and Rubin's rules.

The primary response models (`response_models`) are complete-case. Here every response field
and model covariate of the children of the three groups is imputed together by chained
equations (statsmodels `MICEData`: each variable in turn by a linear model of all the others,
predictive mean matching, so every imputed value is one observed in the data), `imputations`
data sets are drawn, the composites and binary cuts are rebuilt from each, each model of the
primary analysis is refitted on each data set, and the log odds ratios of the group terms are
pooled by Rubin's rules with the Barnard-Rubin degrees of freedom (as R's `mice::pool`). A value
"not applicable" (-8) is not missing data: it helps impute the others but is put back before the
models are fitted, so the children it concerns stay out of that model as in the primary one.

Seeded (a `numpy.random.Generator` handed to MICEData; no global state), so deterministic.

References
----------
van Buuren, S. and Groothuis-Oudshoorn, K. (2011). mice: Multivariate Imputation by Chained
Equations in R. J Stat Softw 45(3). Rubin, D. B. (1987). Multiple Imputation for Nonresponse in
Surveys. Wiley. Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with
multiple imputation. Biometrika 86, 948-955. statsmodels.imputation.mice.MICEData.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.imputation.mice import MICEData
from statsmodels.miscmodels.ordinal_model import OrderedModel

from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS
from tahsb_analysis.input.cohort import missing_column
from tahsb_analysis.vocabulary import PAIR_SEPARATOR, SENSITIVITY_ANALYSIS

DEFAULT_IMPUTATIONS = 20
BURN_IN_CYCLES = 10
# Cycles between two imputed data sets (statsmodels MICE's default n_skip = 3, plus the one
# that draws the data set).
CYCLES_BETWEEN = 4
NOT_APPLICABLE = "-8"
# A pooled log odds ratio beyond this in any imputed data set is separation, not an estimate.
MAX_ABS_COEFFICIENT = 15.0


@dataclass(frozen=True)
class Pooled:
    """Rubin's rules for one coefficient over m imputed data sets."""

    estimate: float  # mean of the m estimates
    within: float  # mean of the m variances (W)
    between: float  # variance of the m estimates (B, ddof 1)
    total: float  # T = W + (1 + 1/m) B
    df: float  # Barnard-Rubin degrees of freedom
    p_value: float
    ci_low: float
    ci_high: float


def rubin_pool(estimates, variances, complete_df: float, confidence: float = 0.95) -> Pooled:
    """Pool one coefficient: estimate, total variance, Barnard-Rubin df, t interval and p.

    Parameters
    ----------
    estimates, variances : array-like
        The coefficient and its squared standard error in each of m >= 2 imputed data sets.
    complete_df : float
        Degrees of freedom of the complete-data analysis (children minus parameters; np.inf
        for Rubin's large-sample df).
    confidence : float
        Coverage of the interval.

    Notes
    -----
    Rubin (1987): Q = mean(q), W = mean(u), B = var(q), T = W + (1 + 1/m) B. Barnard and Rubin
    (1999), as mice::pool: lambda = (1 + 1/m) B / T, df_old = (m - 1) / lambda^2, df_obs =
    (df_com + 1) / (df_com + 3) * df_com * (1 - lambda), df = df_old df_obs / (df_old + df_obs).
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = len(q)
    if m < 2:
        raise ValueError("Rubin's rules need at least two imputed data sets")
    estimate, within, between = float(q.mean()), float(u.mean()), float(q.var(ddof=1))
    total = within + (1 + 1 / m) * between
    share = (1 + 1 / m) * between / total if total > 0 else 0.0
    df_old = (m - 1) / share**2 if share > 0 else np.inf
    if np.isfinite(complete_df):
        df_obs = (complete_df + 1) / (complete_df + 3) * complete_df * (1 - share)
        df = df_old * df_obs / (df_old + df_obs) if np.isfinite(df_old) else df_obs
    else:
        df = df_old
    se = np.sqrt(total)
    critical = stats.t.ppf(0.5 + confidence / 2, df)
    p_value = float(2 * stats.t.sf(abs(estimate) / se, df)) if se > 0 else np.nan
    return Pooled(estimate, within, between, total, float(df), p_value,
                  estimate - critical * se, estimate + critical * se)


class MatrixMICEData(MICEData):
    """MICEData whose imputation models take their design matrices straight from the data
    (intercept, then every other column in column order: the matrices of the default formula
    "y ~ x1 + x2 + ..."), not through patsy, which took 95% of the time (56 ms a matrix on a
    cohort of 91 children). Only for the default imputation models (no custom formula or
    keyword arguments); a test checks the imputations equal MICEData's for the same seed."""

    def _matrices(self, vname):
        others = [c for c in self.data.columns if c != vname]
        # Column-major like patsy's matrices, so that every fit is bit for bit MICEData's.
        exog = np.asfortranarray(
            np.column_stack([np.ones(len(self.data)), self.data[others].to_numpy(float)]))
        return self.data[vname].to_numpy(float), exog

    def get_split_data(self, vname):
        endog, exog = self._matrices(vname)
        ixo, ixm = self.ix_obs[vname], self.ix_miss[vname]
        # MICEData hands the observed values on as a column here (and flat when fitting).
        rows = np.asfortranarray
        return endog[ixo][:, None], rows(exog[ixo]), rows(exog[ixm]), {}, {}

    def get_fitting_data(self, vname):
        endog, exog = self._matrices(vname)
        ix = self.ix_obs[vname]
        return endog[ix], np.asfortranarray(exog[ix]), {}, {}


def impute(data: pd.DataFrame, *, imputations: int = DEFAULT_IMPUTATIONS, seed: int = 0,
           burn_in: int = BURN_IN_CYCLES, between: int = CYCLES_BETWEEN) -> list[pd.DataFrame]:
    """`imputations` completed copies of a numeric frame (NaN = missing), by chained equations
    (MICEData defaults: OLS and predictive mean matching), after `burn_in` cycles and
    `between` cycles apart (as statsmodels MICE.fit with n_skip = between - 1)."""
    if not data.isna().any().any():
        return [data.copy() for _ in range(imputations)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas/patsy chatter from inside MICEData
        chained = MatrixMICEData(data, rng=np.random.default_rng(seed))
        chained.update_all(burn_in)
        completed = []
        for _ in range(imputations):
            chained.update_all(between)
            completed.append(chained.data.copy())
    return completed


def fit_log_odds(y: np.ndarray, design: pd.DataFrame, kind: str) -> tuple[pd.Series, pd.DataFrame]:
    """Coefficients and their covariance: logistic regression (with intercept) or the
    proportional-odds model (logit link, thresholds dropped from what is returned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "logit":
            exog = np.column_stack([np.ones(len(y)), design.to_numpy(float)])
            result = sm.Logit(y, exog).fit(disp=0, maxiter=200)
            terms = list(design.columns)
            params = pd.Series(result.params[1:], index=terms)
            cov = pd.DataFrame(result.cov_params()[1:, 1:], index=terms, columns=terms)
            return params, cov
        else:
            result = OrderedModel(y, design.to_numpy(float), distr=_LOGISTIC).fit(
                method="bfgs", disp=0, maxiter=2000, gtol=1e-8)
    terms = list(design.columns)  # the first len(terms) parameters; thresholds follow
    k = len(terms)
    params = pd.Series(np.asarray(result.params)[:k], index=terms)
    cov = pd.DataFrame(np.asarray(result.cov_params())[:k, :k], index=terms, columns=terms)
    return params, cov


class _ExpitLogistic(type(stats.logistic)):
    """The standard logistic distribution with cdf = scipy.special.expit: what SciPy's generic
    cdf returns for loc 0 and scale 1, without its argument handling, which costs OrderedModel
    (a numerical gradient, hundreds of cdf calls a fit) four times the cdf itself."""

    def cdf(self, x, *args, **kwds):
        if args or kwds:
            return super().cdf(x, *args, **kwds)
        return special.expit(np.asarray(x, dtype=float))


_LOGISTIC = _ExpitLogistic(name="logistic")


def pooled_group_rows(fits: list, terms: Sequence[str], contrasts, *, n: int, n_parameters: int,
                      base: dict, confidence: float) -> list[dict]:
    """Rows "odds_ratio" per group term and contrast from the fits on every imputed data set;
    `fits` holds (params, cov) or a reason the data set could not be fitted."""
    failed = [f for f in fits if isinstance(f, str)]
    rows = []
    names = [*terms, *(f"{a}{PAIR_SEPARATOR}{b}" for a, b in contrasts)]
    if failed:
        reason = (f"not estimable in {len(failed)} of {len(fits)} imputed data sets "
                  f"({failed[0]})")
        return [{**base, "level": name, "warning": reason} for name in names]
    for name in names:
        estimates, variances = [], []
        for params, cov in fits:
            if PAIR_SEPARATOR in name:
                a, b = name.split(PAIR_SEPARATOR)
                estimates.append(params[a] - params[b])
                variances.append(cov.loc[a, a] + cov.loc[b, b] - 2 * cov.loc[a, b])
            else:
                estimates.append(params[name])
                variances.append(cov.loc[name, name])
        pooled = rubin_pool(estimates, variances, n - n_parameters, confidence)
        rows.append({
            **base,
            "level": name,
            "estimate": float(np.exp(pooled.estimate)),
            "ci_low": float(np.exp(pooled.ci_low)),
            "ci_high": float(np.exp(pooled.ci_high)),
            "p_value": pooled.p_value,
            "warning": (f"fraction of missing information "
                        f"{(1 + 1 / len(fits)) * pooled.between / pooled.total:.2f}"
                        if pooled.total > 0 else None),
        })
    return rows


def imputation_method(model: str, imputations: int, seed: int, covariates, reference: str,
                      confidence: float) -> str:
    adjusted = (f"adjusted for {', '.join(c.replace('_', ' ') for c in covariates)}"
                if covariates else "unadjusted")
    return (
        f"{SENSITIVITY_ANALYSIS}: multiple imputation by chained equations (statsmodels "
        f"MICEData, predictive mean matching; {imputations} imputations, seed {seed}), "
        f"{model} on each, pooled by Rubin's rules (Barnard-Rubin df, t {100 * confidence:g}% "
        f"CI); {adjusted}; reference group {HSB_GROUP_LABELS.get(reference, reference)}; "
        "not adjusted for multiplicity"
    )


def numeric_frame(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The columns as floats for MICEData: yes/no 1/0, ordered categories their codes,
    numbers as they are; NaN where missing (not recorded or not applicable)."""
    data = {}
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.astype(float)
            data[column] = codes.where(codes >= 0, np.nan).to_numpy()
        else:
            data[column] = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(data, index=frame.index)


def restore_types(completed: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """An imputed data set typed as `frame` (boolean, Categorical or numeric), with every value
    "not applicable" in `frame` put back as missing (with its "__missing" code)."""
    restored = frame.copy()
    for column in completed.columns:
        values = frame[column]
        imputed = completed[column].to_numpy()
        not_applicable = _not_applicable(frame, column)
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.where(not_applicable, -1, np.rint(imputed)).astype(int)
            restored[column] = pd.Categorical.from_codes(codes, dtype=values.dtype)
        elif pd.api.types.is_bool_dtype(values.dtype):
            column_values = pd.array(np.rint(imputed).astype(bool), dtype="boolean")
            column_values[not_applicable] = pd.NA
            restored[column] = column_values
        else:
            restored[column] = pd.array(np.where(not_applicable, np.nan, imputed),
                                        dtype=values.dtype)
    return restored


def _not_applicable(frame: pd.DataFrame, column: str) -> np.ndarray:
    codes = frame.get(missing_column(column))
    if codes is None:
        return np.zeros(len(frame), dtype=bool)
    return codes.astype("string").eq(NOT_APPLICABLE).fillna(False).to_numpy(dtype=bool)


def model_design(frame: pd.DataFrame, group: str, others: Sequence[str],
                 covariates: Sequence[str]) -> pd.DataFrame:
    """Group dummies (against the reference) and the covariates as numbers."""
    design = {g: frame[group].astype("string").eq(g).fillna(False).astype(float).to_numpy()
              for g in others}
    for covariate in covariates:
        design[covariate] = numeric_frame(frame, [covariate])[covariate].to_numpy()
    return pd.DataFrame(design, index=frame.index)


def separation_reason(y: np.ndarray, groups: np.ndarray) -> str | None:
    """Why a data set cannot give finite group odds ratios: a group whose children all have
    one outcome level (the lowest or the highest), or a single level overall."""
    if len(np.unique(y)) < 2:
        return "every child has the same outcome"
    for g in np.unique(groups):
        values = y[groups == g]
        if len(values) and (np.all(values == y.min()) or np.all(values == y.max())):
            return f"separation: every child of {HSB_GROUP_LABELS.get(g, g)} at one extreme"
    return None
