"""Agreement between coders who coded the same case files: the statistics of coding
reliability, each with a confidence interval.

Ratings are a matrix with one row per case file (unit) and one column per coder, holding the
code each coder entered as text; every unit is coded by every coder (the caller keeps the units
all coders coded). Cohen's kappa and its asymptotic standard error come from statsmodels
(`statsmodels.stats.inter_rater.cohens_kappa`), Fleiss' kappa from `fleiss_kappa` and
Krippendorff's alpha from the `krippendorff` package. Gwet's AC1 is in neither, so it is
written here from Gwet (2008), with the variance of irrCAC's `gwet.ac1.raw` (Gwet 2014,
Handbook of Inter-Rater Reliability, 4th ed., ch. 5); the tests compare it with that R
function's output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa


@dataclass(frozen=True)
class Agreement:
    """One agreement statistic over `units` case files, with its confidence interval (NaN
    where it is undefined, e.g. kappa when every code is the same)."""

    estimate: float
    ci_low: float
    ci_high: float
    units: int


def category_counts(ratings: np.ndarray, categories: Sequence[str]) -> np.ndarray:
    """Units x categories: how many coders gave each unit each category."""
    ratings = np.asarray(ratings, dtype=object)
    return np.stack([(ratings == c).sum(axis=1) for c in categories], axis=1).astype(float)


def percent_agreement(ratings: np.ndarray) -> tuple[int, int]:
    """(units on which every coder gave the same code, units): the share's n and N."""
    ratings = np.asarray(ratings, dtype=object)
    same = (ratings == ratings[:, :1]).all(axis=1)
    return int(same.sum()), int(len(ratings))


def cohen_kappa(ratings: np.ndarray, categories: Sequence[str], confidence: float
                ) -> Agreement:
    """Cohen's (1960) kappa of two coders, with the asymptotic (not-null) standard error of
    Fleiss, Cohen and Everitt (1969) as statsmodels computes it and a normal-theory CI."""
    ratings = np.asarray(ratings, dtype=object)
    if ratings.shape[1] != 2:
        raise ValueError("Cohen's kappa needs exactly two coders")
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for first, second in ratings:
        table[index[first], index[second]] += 1
    units = len(ratings)
    expected = (table.sum(axis=1) / units) @ (table.sum(axis=0) / units)
    if units == 0 or np.isclose(expected, 1.0):
        return Agreement(np.nan, np.nan, np.nan, units)
    result = cohens_kappa(table)
    z = stats.norm.ppf(0.5 + confidence / 2)
    half = z * float(np.sqrt(result.var_kappa))
    kappa = float(result.kappa)
    return Agreement(kappa, kappa - half, min(1.0, kappa + half), units)


def fleiss_kappa_ci(ratings: np.ndarray, categories: Sequence[str], confidence: float,
                    seed: int, resamples: int) -> Agreement:
    """Fleiss' (1971) kappa of three or more coders (statsmodels), with a percentile bootstrap
    CI over case files (statsmodels gives no standard error)."""
    counts = category_counts(ratings, categories)

    def kappa(rows: np.ndarray) -> float:
        shares = rows.sum(axis=0) / rows.sum()
        if np.isclose((shares ** 2).sum(), 1.0):
            return np.nan
        return float(fleiss_kappa(rows, method="fleiss"))

    return _bootstrapped(counts, kappa, confidence, seed, resamples)


def gwet_ac1(ratings: np.ndarray, categories: Sequence[str], confidence: float) -> Agreement:
    """Gwet's (2008) AC1 for any number of coders, with its variance and t-based CI as in
    irrCAC's `gwet.ac1.raw` (infinite population, upper limit capped at 1).

    AC1 = (pa - pe) / (1 - pe): pa the share of agreeing coder pairs per unit, pe = sum_k
    pi_k (1 - pi_k) / (q - 1) with pi_k the mean share of coders choosing category k and q the
    number of categories (`categories`: every category the coders could choose).
    """
    counts = category_counts(ratings, categories)
    units, q = counts.shape
    if units == 0 or q < 2:
        return Agreement(np.nan, np.nan, np.nan, units)
    raters = counts.sum(axis=1)
    pa_unit = (counts * (counts - 1)).sum(axis=1) / (raters * (raters - 1))
    pa = pa_unit.mean()
    pi = (counts / raters[:, None]).mean(axis=0)
    pe = (pi * (1 - pi)).sum() / (q - 1)
    ac1 = (pa - pe) / (1 - pe)
    if units < 2:
        return Agreement(float(ac1), np.nan, np.nan, units)
    ac1_unit = (pa_unit - pe) / (1 - pe)
    pe_unit = (counts / raters[:, None]) @ (1 - pi) / (q - 1)
    ac1_unit_x = ac1_unit - 2 * (1 - ac1) * (pe_unit - pe) / (1 - pe)
    variance = ((ac1_unit_x - ac1) ** 2).sum() / (units * (units - 1))
    half = stats.t.ppf(0.5 + confidence / 2, units - 1) * np.sqrt(variance)
    return Agreement(float(ac1), float(ac1 - half), float(min(1.0, ac1 + half)), units)


def krippendorff_alpha(values: np.ndarray, level: str, confidence: float, seed: int,
                       resamples: int) -> Agreement:
    """Krippendorff's alpha (`krippendorff.alpha`) of coders x units `values` (NaN where a
    coder's value is missing; ordinal values as ranks 0, 1, ...), at measurement `level`
    ("ordinal" or "interval"), with a percentile bootstrap CI over case files. Units that fewer
    than two coders valued are not pairable and count for nothing, so `units` counts the rest.
    """
    values = np.asarray(values, dtype=float)
    pairable = (~np.isnan(values)).sum(axis=0) >= 2
    values = values[:, pairable]

    def alpha(units: np.ndarray) -> float:
        matrix = units.T
        if len(np.unique(matrix[~np.isnan(matrix)])) < 2:
            return np.nan
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))

    return _bootstrapped(values.T, alpha, confidence, seed, resamples)


def _bootstrapped(units: np.ndarray, statistic, confidence: float, seed: int,
                  resamples: int) -> Agreement:
    """`statistic` of the rows `units`, with the percentile CI of `resamples` resamples of
    rows (seeded: the same seed gives the same interval; undefined resamples are dropped)."""
    count = len(units)
    if count == 0:
        return Agreement(np.nan, np.nan, np.nan, 0)
    estimate = statistic(units)
    if np.isnan(estimate) or count < 2:
        return Agreement(estimate, np.nan, np.nan, count)
    rng = np.random.default_rng(seed)
    draws = np.array([statistic(units[rng.integers(0, count, count)])
                      for _ in range(resamples)])
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return Agreement(estimate, np.nan, np.nan, count)
    tail = (1 - confidence) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return Agreement(float(estimate), float(low), float(high), count)


__all__ = ["Agreement", "category_counts", "cohen_kappa", "fleiss_kappa_ci", "gwet_ac1",
           "krippendorff_alpha", "percent_agreement"]
