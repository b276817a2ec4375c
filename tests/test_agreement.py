"""Agreement statistics against R: irr 0.84.1 (`kappa2`, `kappam.fleiss`, `kripp.alpha`) and
irrCAC 1.0 (`gwet.ac1.raw`, `kappa2.table`), run on the R packages' own sources, on the
psychiatric diagnoses of Fleiss (1971) shipped with irr as `diagnoses` (30 patients, 6 raters,
categories 1-5)."""

import numpy as np
import pytest

from tahsb_analysis.analyses.agreement import (
    category_counts,
    cohen_kappa,
    fleiss_kappa_ci,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

# irr::diagnoses, rater1..rater6 per patient, as the leading digit of each diagnosis.
_DIAGNOSES = (
    "444444222555233335555555222444113333333355113334114444555555144444124444222333144444"
    "224445333335111455111112224444133555555555244444224555114444144445222224111155224444"
    "133333555555"
)
DIAGNOSES = np.array(list(_DIAGNOSES), dtype=object).reshape(30, 6)
CATEGORIES = list("12345")


def test_cohen_kappa_and_its_standard_error_match_r():
    # irr::kappa2(diagnoses[, 1:2])$value: 0.6511627907. The standard error, 0.09968265613,
    # is irrCAC::kappa2.table(table(rater1, rater2))$coeff.se; the CI here is normal-theory.
    result = cohen_kappa(DIAGNOSES[:, :2], CATEGORIES, 0.95)
    assert result.estimate == pytest.approx(0.6511627907, abs=1e-10)
    assert (result.ci_high - result.estimate) == pytest.approx(1.959963985 * 0.09968265613,
                                                               abs=1e-9)
    assert result.units == 30


def test_gwet_ac1_two_and_six_coders_match_irrcac():
    # irrCAC::gwet.ac1.raw(diagnoses[, 1:2], categ.labels = levels(diagnoses[, 1])):
    # AC1 0.6720751494, 95% CI (0.4644545144, 0.8796957845); all six raters: 0.4478845158,
    # (0.3340426537, 0.561726378).
    two = gwet_ac1(DIAGNOSES[:, :2], CATEGORIES, 0.95)
    assert (two.estimate, two.ci_low, two.ci_high) == pytest.approx(
        (0.6720751494, 0.4644545144, 0.8796957845), abs=1e-9)
    six = gwet_ac1(DIAGNOSES, CATEGORIES, 0.95)
    assert (six.estimate, six.ci_low, six.ci_high) == pytest.approx(
        (0.4478845158, 0.3340426537, 0.561726378), abs=1e-9)


def test_gwet_ac1_is_one_when_coders_agree_on_a_single_category():
    # The kappa paradox: every code the same gives kappa 0/0, but AC1 = 1 (pe = 0 over the
    # codebook's two categories).
    same = np.array([["yes", "yes"]] * 12, dtype=object)
    assert gwet_ac1(same, ["yes", "no"], 0.95).estimate == pytest.approx(1.0)
    assert np.isnan(cohen_kappa(same, ["yes", "no"], 0.95).estimate)


def test_fleiss_kappa_matches_r_and_its_bootstrap_ci_is_seeded():
    # irr::kappam.fleiss(diagnoses)$value: 0.4302445
    first = fleiss_kappa_ci(DIAGNOSES, CATEGORIES, 0.95, seed=7, resamples=200)
    again = fleiss_kappa_ci(DIAGNOSES, CATEGORIES, 0.95, seed=7, resamples=200)
    assert first.estimate == pytest.approx(0.4302445, abs=1e-7)
    assert first == again
    assert first.ci_low < first.estimate < first.ci_high


def test_krippendorff_alpha_with_missing_values_matches_r():
    # m <- t(sapply(diagnoses, as.integer)); m[1, 3] <- NA; m[2, 7] <- NA
    # irr::kripp.alpha(m[1:3, ], "ordinal")$value 0.4591249527; "interval" 0.4951200211
    values = np.array([[int(c) for c in row] for row in DIAGNOSES], dtype=float).T[:3].copy()
    values[0, 2] = np.nan
    values[1, 6] = np.nan
    ordinal = krippendorff_alpha(values - 1, "ordinal", 0.95, seed=1, resamples=100)
    interval = krippendorff_alpha(values, "interval", 0.95, seed=1, resamples=100)
    assert ordinal.estimate == pytest.approx(0.4591249527, abs=1e-9)
    assert interval.estimate == pytest.approx(0.4951200211, abs=1e-9)
    assert ordinal.units == 30 and ordinal.ci_low < ordinal.estimate < ordinal.ci_high


def test_percent_agreement_and_category_counts_by_hand():
    ratings = np.array([["a", "a"], ["a", "b"], ["b", "b"], ["-9", "a"]], dtype=object)
    assert percent_agreement(ratings) == (2, 4)
    assert category_counts(ratings, ["a", "b", "-9"]).tolist() == [
        [2, 0, 0], [1, 1, 0], [0, 2, 0], [1, 0, 1]]
