"""Odds-ratio models of the responses (S1-S3): logistic, proportional-odds and Firth.

Answers are known by construction (a 2x2 table) or come from statsmodels fitted independently
in the test, with the reference call quoted next to the expected number.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from conftest import one, select
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from tahsb_analysis.analyses.response_models import (
    is_primary_estimate,
    logistic_odds_ratios,
    odds_ratio_interval,
    ordinal_odds_ratios,
)
from tahsb_analysis.results.schema import make_results, validate_results


def as_rows(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("estimate", "ci_low", "ci_high", "p_value"):
        if column not in frame:
            frame[column] = np.nan
    return frame


def model_frame(seed=1, n=300) -> pd.DataFrame:
    """Random children: group, age, a yes/no covariate and an outcome depending on them."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["ta_only", "dual", "offline_only"], size=n, p=[0.3, 0.3, 0.4])
    age = rng.integers(10, 18, size=n)
    looked_after = rng.random(n) < 0.4
    logit = -3 + 1.2 * (group == "ta_only") + 0.5 * (group == "dual") + 0.15 * age
    outcome = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "hsb_group": pd.Categorical(group, categories=["ta_only", "dual", "offline_only"]),
            "age_at_referral": pd.array(age, dtype="Int64"),
            "looked_after": pd.array(looked_after, dtype="boolean"),
            "y": pd.array(outcome, dtype="boolean"),
        }
    )


def two_by_two(a, b, c, d) -> pd.DataFrame:
    """a/b TA-only children with/without the outcome, c/d offline-only with/without."""
    group = ["ta_only"] * (a + b) + ["offline_only"] * (c + d)
    y = [True] * a + [False] * b + [True] * c + [False] * d
    return pd.DataFrame(
        {
            "hsb_group": pd.Categorical(group, categories=["ta_only", "dual", "offline_only"]),
            "y": pd.array(y, dtype="boolean"),
        }
    )


# ---------------------------------------------------------------------------------------------
# Logistic models


def test_adjusted_odds_ratios_match_statsmodels_logit_fitted_independently():
    frame = model_frame()
    rows = as_rows(
        logistic_odds_ratios(
            frame, "y", "hsb_group", covariates=["age_at_referral", "looked_after"]
        )
    )
    data = pd.DataFrame(
        {
            "y": frame["y"].astype(int),
            "g": frame["hsb_group"].astype(str),
            "age": frame["age_at_referral"].astype(float),
            "la": frame["looked_after"].astype(int),
        }
    )
    # Reference: smf.logit("y ~ C(g, Treatment('offline_only')) + age + la", data).fit()
    fit = smf.logit("y ~ C(g, Treatment('offline_only')) + age + la", data).fit(disp=0)
    ci = fit.conf_int(alpha=0.05)
    names = {
        "ta_only": "C(g, Treatment('offline_only'))[T.ta_only]",
        "dual": "C(g, Treatment('offline_only'))[T.dual]",
        "age_at_referral": "age",
        "looked_after: yes": "la",
    }
    for term, name in names.items():
        row = one(rows, level=term, statistic="odds_ratio")
        assert row["estimate"] == pytest.approx(np.exp(fit.params[name]), rel=1e-6)
        assert row["ci_low"] == pytest.approx(np.exp(ci.loc[name, 0]), rel=1e-6)
        assert row["ci_high"] == pytest.approx(np.exp(ci.loc[name, 1]), rel=1e-6)
        assert row["p_value"] == pytest.approx(fit.pvalues[name], rel=1e-6)
        assert row["n"] == row["denominator"] == 300
        assert "adjusted for age at referral, looked_after" in row["method"]


def test_ta_only_vs_dual_contrast_is_the_ta_only_term_of_the_model_refitted_against_dual():
    # The contrast is coef_ta - coef_dual of the same fit (a Wald z-test with the covariance);
    # refitting with dual as the reference is the same model reparametrised, so its ta_only
    # term must agree. Reference: smf.logit("y ~ C(g, Treatment('dual')) + age", data).fit()
    frame = model_frame(seed=4)
    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group", covariates=["age_at_referral"]))
    data = pd.DataFrame({"y": frame["y"].astype(int), "g": frame["hsb_group"].astype(str),
                         "age": frame["age_at_referral"].astype(float)})
    fit = smf.logit("y ~ C(g, Treatment('dual')) + age", data).fit(disp=0)
    name = "C(g, Treatment('dual'))[T.ta_only]"
    row = one(rows, level="ta_only vs dual", statistic="odds_ratio")
    assert row["estimate"] == pytest.approx(np.exp(fit.params[name]), rel=1e-6)
    assert row["ci_low"] == pytest.approx(np.exp(fit.conf_int().loc[name, 0]), rel=1e-6)
    assert row["ci_high"] == pytest.approx(np.exp(fit.conf_int().loc[name, 1]), rel=1e-6)
    assert row["p_value"] == pytest.approx(fit.pvalues[name], rel=1e-6)
    assert row["n"] == 300


def test_contrast_with_a_separated_group_is_not_estimable_and_says_why():
    frame = model_frame(n=200)
    y = frame["y"].copy()
    y[(frame["hsb_group"] == "dual").to_numpy()] = False  # no dual child has the outcome
    frame["y"] = y
    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group", covariates=["age_at_referral"]))
    contrast = one(rows, level="ta_only vs dual", statistic="odds_ratio")
    assert pd.isna(contrast["estimate"]) and pd.isna(contrast["p_value"])
    assert contrast["warning"].startswith(
        "dual (TA-HSB and offline HSB) not estimable in this model; odds ratio not estimable")
    assert not pd.isna(one(rows, level="ta_only", statistic="odds_ratio")["estimate"])


def test_ordinal_contrast_is_the_difference_of_the_group_terms_of_the_same_fit():
    # exp(b_ta - b_dual) of the ordinal fit: the ratio of the two group odds ratios.
    frame = model_frame(seed=7)
    frame["level"] = pd.Categorical(
        np.where(frame["y"].to_numpy(dtype=bool), "high",
                 np.where(frame["age_at_referral"].to_numpy(dtype=float) > 13, "mid", "low")),
        categories=["low", "mid", "high"], ordered=True)
    rows = as_rows(ordinal_odds_ratios(frame, "level", "hsb_group",
                                       covariates=["age_at_referral"]))
    ta = one(rows, level="ta_only", statistic="odds_ratio")["estimate"]
    dual = one(rows, level="dual", statistic="odds_ratio")["estimate"]
    contrast = one(rows, level="ta_only vs dual", statistic="odds_ratio")
    assert contrast["estimate"] == pytest.approx(ta / dual, rel=1e-9)
    assert contrast["ci_low"] < contrast["estimate"] < contrast["ci_high"]


def test_unadjusted_odds_ratio_is_the_2x2_cross_product_with_woolf_ci():
    a, b, c, d = 12, 8, 10, 30
    rows = as_rows(
        logistic_odds_ratios(
            two_by_two(a, b, c, d), "y", "hsb_group", groups=("ta_only", "offline_only")
        )
    )
    row = one(rows, level="ta_only")
    # OR = ad/bc = 12*30 / (8*10) = 4.5; Woolf: exp(log OR +- 1.96 sqrt(1/a+1/b+1/c+1/d))
    odds_ratio = a * d / (b * c)
    half = 1.959963984540054 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert row["estimate"] == pytest.approx(4.5, rel=1e-8)
    assert row["ci_low"] == pytest.approx(odds_ratio * np.exp(-half), rel=1e-6)
    assert row["ci_high"] == pytest.approx(odds_ratio * np.exp(half), rel=1e-6)
    assert "unadjusted" in row["method"]
    assert pd.isna(row["warning"])  # EPV = 22 / 1


def test_separated_group_gets_a_warning_and_no_estimate_instead_of_an_exception():
    frame = model_frame(n=200)
    y = frame["y"].copy()
    y[(frame["hsb_group"] == "ta_only").to_numpy()] = True  # every TA-only child: outcome yes
    frame["y"] = y

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks from statsmodels
        rows = as_rows(
            logistic_odds_ratios(frame, "y", "hsb_group", covariates=["age_at_referral"])
        )

    ta = one(rows, level="ta_only", statistic="odds_ratio")
    assert pd.isna(ta["estimate"]) and pd.isna(ta["ci_low"]) and pd.isna(ta["p_value"])
    assert ta["warning"].startswith(
        "quasi-complete separation: TA-HSB only has all children with y; odds ratio not estimable"
    )
    # The other terms are those of the fit without the separated group.
    rest = frame[(frame["hsb_group"] != "ta_only").to_numpy()]
    data = pd.DataFrame(
        {
            "y": rest["y"].astype(int),
            "g": rest["hsb_group"].astype(str),
            "age": rest["age_at_referral"].astype(float),
        }
    )
    fit = smf.logit("y ~ C(g, Treatment('offline_only')) + age", data).fit(disp=0)
    dual = one(rows, level="dual", statistic="odds_ratio")
    assert dual["estimate"] == pytest.approx(
        np.exp(fit.params["C(g, Treatment('offline_only'))[T.dual]"]), rel=1e-6
    )


def test_outcome_that_no_child_has_is_reported_not_fitted():
    frame = two_by_two(0, 10, 0, 10)

    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group"))

    assert rows["estimate"].isna().all()
    assert (
        rows["warning"]
        .eq("quasi-complete separation: no children have y; odds ratio not estimable")
        .all()
    )


def test_reference_group_separation_leaves_every_term_unestimated():
    frame = two_by_two(5, 5, 0, 10)

    rows = as_rows(
        logistic_odds_ratios(frame, "y", "hsb_group", groups=("ta_only", "offline_only"))
    )

    row = one(rows, level="ta_only", statistic="odds_ratio")
    assert pd.isna(row["estimate"])
    assert "offline HSB only (reference) has no children with y" in row["warning"]


# ---------------------------------------------------------------------------------------------
# Firth's penalised logistic regression, added only when the ordinary model shows separation


@pytest.mark.parametrize(
    "a, b, c, d",
    [
        (10, 0, 5, 10),  # every TA-only child has the outcome
        (0, 8, 6, 9),  # no TA-only child has it
        (5, 5, 0, 10),  # no offline-only (reference) child has it
    ],
)
def test_firth_odds_ratio_of_a_separated_2x2_table_is_the_haldane_corrected_cross_product(
    a, b, c, d
):
    frame = two_by_two(a, b, c, d)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks from firthmodels either
        rows = as_rows(
            logistic_odds_ratios(frame, "y", "hsb_group", groups=("ta_only", "offline_only"))
        )

    ordinary = one(rows, level="ta_only", statistic="odds_ratio")
    assert pd.isna(ordinary["estimate"])
    assert ordinary["warning"].startswith("quasi-complete separation: ")
    firth = one(rows, level="ta_only", statistic="odds_ratio_firth")
    # Firth's correction in a saturated 2x2 model is adding 1/2 to every cell (Firth 1993;
    # Heinze and Schemper 2002): OR = (a + .5)(d + .5) / ((b + .5)(c + .5)).
    haldane = (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))
    assert np.log(firth["estimate"]) == pytest.approx(np.log(haldane), abs=1e-4)
    assert firth["estimate"] == pytest.approx(haldane, rel=1e-4)
    assert np.isfinite(firth["ci_low"]) and np.isfinite(firth["ci_high"])
    assert firth["ci_low"] < firth["estimate"] < firth["ci_high"]
    assert 0 < firth["p_value"] < 1
    assert (firth["ci_low"] > 1 or firth["ci_high"] < 1) == (firth["p_value"] < 0.05)
    assert firth["n"] == firth["denominator"] == a + b + c + d
    assert firth["method"].startswith(
        "Firth penalised logistic regression (firthmodels), profile-likelihood 95% CI"
    )
    events = min(a + c, b + d)  # EPV: the smaller side over one parameter
    assert firth["warning"] == (
        "used because of separation in the ordinary model" if events >= 10 else
        f"primary estimate, as events per variable are few (EPV = {events:.1f} < 10) and "
        "because of separation in the ordinary model")


def test_firth_rows_only_for_the_separated_term_of_the_adjusted_model():
    # Only the term the ordinary model cannot estimate gets a Firth row, so no term enters the
    # multiplicity family twice; dual keeps its ordinary estimate.
    frame = model_frame(n=200)
    y = frame["y"].copy()
    y[(frame["hsb_group"] == "ta_only").to_numpy()] = True
    frame["y"] = y

    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group", covariates=["age_at_referral"]))

    firth = select(rows, statistic="odds_ratio_firth")
    assert firth["level"].tolist() == ["ta_only"]  # the separated group term only
    assert np.isfinite(firth["estimate"]).all() and (firth["estimate"] > 0).all()
    assert (firth["ci_low"] < firth["estimate"]).all()
    assert (firth["estimate"] < firth["ci_high"]).all()
    assert (firth["n"] == 200).all()
    assert firth["method"].str.contains("adjusted for age at referral").all()
    assert np.isfinite(one(rows, level="dual", statistic="odds_ratio")["estimate"])


@pytest.mark.parametrize("seed", [1, 2])
def test_no_firth_rows_without_separation(seed):
    adjusted = as_rows(
        logistic_odds_ratios(
            model_frame(seed=seed), "y", "hsb_group", covariates=["age_at_referral"]
        )
    )
    table = as_rows(
        logistic_odds_ratios(
            two_by_two(12, 8, 10, 30), "y", "hsb_group", groups=("ta_only", "offline_only")
        )
    )
    for rows in (adjusted, table):
        assert set(rows["statistic"]) == {"odds_ratio"}


def test_no_firth_rows_when_no_child_has_the_outcome():
    rows = as_rows(logistic_odds_ratios(two_by_two(0, 10, 0, 10), "y", "hsb_group"))
    assert "odds_ratio_firth" not in set(rows["statistic"])


def test_firth_rows_follow_the_results_schema():
    rows = logistic_odds_ratios(
        two_by_two(10, 0, 5, 10), "y", "hsb_group", groups=("ta_only", "offline_only")
    )
    table = make_results(
        rows, cohort="test", synthetic=True, analysis="responses", output="response_models"
    )
    validate_results(table)
    assert (table["statistic"] == "odds_ratio_firth").sum() == 1


def one_event_in_nine_children() -> pd.DataFrame:
    """The school-exclusion model of the packaged synthetic parameters at 29 children (seed
    20170): 9 in-depth children, the only event in the dual group, none in the reference."""
    groups = ["ta_only"] + ["dual"] * 5 + ["offline_only"] * 3
    return pd.DataFrame(
        {
            "hsb_group": pd.Categorical(groups, categories=["ta_only", "dual", "offline_only"]),
            "age_at_referral": pd.array([15, 14, 9, 14, 15, 16, 11, 12, 11], dtype="Int64"),
            "y": pd.array([False] * 5 + [True] + [False] * 3, dtype="boolean"),
        }
    )


def test_firth_profile_limit_found_on_the_wrong_side_gives_no_interval_not_an_inverted_one():
    # firthmodels 0.8.2's profile search for dual's lower limit converges to the upper root
    # (both limits exp(5.7825) = 324.56 around an estimate of 1.65), which made
    # make_results raise "ci_low exceeds ci_high" for the whole responses analysis.
    rows = logistic_odds_ratios(
        one_event_in_nine_children(), "y", "hsb_group", covariates=["age_at_referral"]
    )
    table = make_results(
        rows, cohort="test", synthetic=True, analysis="responses", output="response_models"
    )

    dual = one(table, level="dual", statistic="odds_ratio_firth")
    # Independent reference: the Firth penalised log-likelihood l(b) + log det(X'WX) / 2
    # maximised with scipy.optimize.minimize(method="BFGS", gtol=1e-10) gives the dual
    # coefficient 0.50371882.
    assert dual["estimate"] == pytest.approx(np.exp(0.50371882), rel=1e-5)
    assert pd.isna(dual["ci_low"]) and pd.isna(dual["ci_high"])
    assert dual["warning"].endswith(
        "profile-likelihood CI not reported: the lower limit found lies on the wrong side of "
        "the estimate"
    )
    ta_only = one(table, level="ta_only", statistic="odds_ratio_firth")
    # Same reference, profiled: the coefficient fixed, the others maximised (Nelder-Mead then
    # BFGS), scipy.optimize.brentq on 2 (l_max - l_profile) = chi2_1(0.95) on each side of
    # the estimate 0.01891443 gives the limits -19.289099 and 5.930436.
    assert ta_only["estimate"] == pytest.approx(np.exp(0.01891443), rel=1e-5)
    assert np.log(ta_only["ci_low"]) == pytest.approx(-19.289099, abs=1e-3)
    assert np.log(ta_only["ci_high"]) == pytest.approx(5.930436, abs=1e-3)


@pytest.mark.parametrize(
    "coef, low, high, why",
    [
        (0.5, 5.78, 5.78, "the lower limit found lies on the wrong side of the estimate"),
        (0.5, -1.0, 0.2, "the upper limit found lies on the wrong side of the estimate"),
        (0.5, np.nan, 2.0, "the lower limit was not found"),
        (0.5, -1.0, np.inf, "the upper limit was not found"),
        (0.5, -1.0, 800.0, "the upper limit exceeds the floating-point range"),
        (np.nan, -1.0, 2.0, "the estimate is not finite"),
    ],
)
def test_odds_ratio_interval_gives_both_limits_or_neither(coef, low, high, why):
    assert odds_ratio_interval(coef, low, high)[2] == why
    assert np.isnan(odds_ratio_interval(coef, low, high)[:2]).all()


def test_odds_ratio_interval_of_limits_around_the_estimate_is_their_exponential():
    assert odds_ratio_interval(0.5, -1.0, 2.0) == (np.exp(-1.0), np.exp(2.0), None)
    assert odds_ratio_interval(0.5, 0.5, 0.5) == (np.exp(0.5), np.exp(0.5), None)


def test_few_events_per_variable_are_warned_about():
    # 6 events, 2 parameters (dual, ta_only): EPV = 3.0
    frame = two_by_two(3, 7, 3, 7)
    frame = pd.concat([frame, two_by_two(0, 0, 0, 0)])
    group = frame["hsb_group"].astype(str).to_numpy()
    group[:2] = "dual"
    frame["hsb_group"] = pd.Categorical(group, categories=["ta_only", "dual", "offline_only"])
    frame["y"] = pd.array(
        [True, False] + [True] * 3 + [False] * 5 + [True] * 2 + [False] * 8, dtype="boolean"
    )

    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group"))

    wald = select(rows, statistic="odds_ratio")
    assert (wald["warning"] == "few events per variable (EPV = 3.0 < 10): estimates unstable; "
            "the Firth penalised estimate of this term is the primary one (EPV < 10)").all()
    assert rows["estimate"].notna().all()
    firth = select(rows, statistic="odds_ratio_firth")
    assert firth["level"].tolist() == ["ta_only", "dual", "ta_only vs dual"]
    assert (firth["warning"] == "primary estimate, as events per variable are few "
            "(EPV = 3.0 < 10)").all()


def test_missing_responses_are_left_out_of_the_model_and_counted():
    frame = two_by_two(12, 8, 10, 30)
    y = frame["y"].copy()
    y.iloc[[0, 1, 25]] = pd.NA
    frame["y"] = y
    frame["y__missing"] = pd.Categorical([None] * len(frame), categories=["-9", "-8"])
    codes = frame["y__missing"].copy()
    codes.iloc[[0, 1]] = "-9"
    codes.iloc[25] = "-8"
    frame["y__missing"] = codes

    rows = as_rows(logistic_odds_ratios(frame, "y", "hsb_group"))

    counts = select(rows, statistic="count")
    assert dict(zip(counts["level"], counts["n"], strict=True)) == {
        "missing: not recorded": 2,
        "missing: not applicable": 1,
    }
    assert (counts["denominator"] == 60).all()
    ta = one(rows, level="ta_only")
    assert ta["n"] == 57
    # rows 0-11 are TA-only "yes", rows 20-29 offline-only "yes": a = 12 - 2, c = 10 - 1
    assert ta["estimate"] == pytest.approx(10 * 30 / (8 * 9), rel=1e-8)


def test_ordinal_odds_ratios_match_ordered_model_fitted_independently():
    frame = model_frame(seed=3)
    rng = np.random.default_rng(4)
    levels = ["none", "early_help", "section_17", "section_47"]
    frame["care"] = pd.Categorical(
        rng.choice(levels, size=len(frame)), categories=levels, ordered=True
    )

    rows = as_rows(ordinal_odds_ratios(frame, "care", "hsb_group", covariates=["age_at_referral"]))

    exog = pd.DataFrame(
        {
            "ta_only": (frame["hsb_group"] == "ta_only").astype(float),
            "dual": (frame["hsb_group"] == "dual").astype(float),
            "age": frame["age_at_referral"].astype(float),
        }
    )
    # Reference: OrderedModel(codes, exog, distr="logit").fit(method="bfgs")
    fit = OrderedModel(frame["care"].cat.codes.astype(float), exog, distr="logit").fit(
        method="bfgs", disp=0, maxiter=1000
    )
    assert one(rows, level="ta_only")["estimate"] == pytest.approx(
        np.exp(fit.params["ta_only"]), rel=1e-4
    )
    assert one(rows, level="age_at_referral")["estimate"] == pytest.approx(
        np.exp(fit.params["age"]), rel=1e-4
    )
    assert one(rows, level="dual")["method"].startswith(
        "proportional-odds logistic regression (statsmodels OrderedModel"
    )


CARE_LEVELS = ["none", "early_help", "section_17", "section_47"]


def care_frame(groups: dict[str, list[str]]) -> pd.DataFrame:
    """Children with an ordered care level per group (ages 12, 13, ... within each group)."""
    names = [g for g, levels in groups.items() for _ in levels]
    return pd.DataFrame(
        {
            "hsb_group": pd.Categorical(names, categories=["ta_only", "dual", "offline_only"]),
            "age_at_referral": pd.array(
                [12 + i for levels in groups.values() for i in range(len(levels))], dtype="Int64"
            ),
            "care": pd.Categorical(
                [v for levels in groups.values() for v in levels],
                categories=CARE_LEVELS,
                ordered=True,
            ),
        }
    )


def test_ordinal_reference_all_at_the_lowest_level_that_occurs_is_separation():
    # No child has "none": the reference, all at section_17, is at the lowest level that
    # occurs, so its cumulative odds have no finite estimate (was fitted, and only the
    # |log OR| > 15 backstop caught the group terms while age got a number).
    frame = care_frame(
        {
            "ta_only": ["section_17", "section_47", "section_47", "section_17"],
            "dual": ["section_47", "section_17", "section_47", "section_47"],
            "offline_only": ["section_17"] * 4,
        }
    )

    rows = as_rows(ordinal_odds_ratios(frame, "care", "hsb_group", covariates=["age_at_referral"]))

    assert rows["estimate"].isna().all()
    assert rows["ci_low"].isna().all() and rows["ci_high"].isna().all()
    assert set(rows["warning"]) == {
        "quasi-complete separation: offline HSB only (reference) has no children with care; "
        "odds ratio not estimable"
    }


def test_ordinal_groups_separated_around_a_one_level_reference_are_not_estimable():
    # Reference all at early_help, TA-only all above it, dual all below: once the two
    # separated groups are set aside, the children left all have one level (was ValueError:
    # min() arg is an empty sequence).
    frame = care_frame(
        {
            "ta_only": ["section_47"] * 2,
            "dual": ["none"] * 2,
            "offline_only": ["early_help"] * 3,
        }
    )

    rows = as_rows(ordinal_odds_ratios(frame, "care", "hsb_group", covariates=["age_at_referral"]))

    assert rows["estimate"].isna().all()
    assert one(rows, level="ta_only")["warning"].startswith(
        "quasi-complete separation: TA-HSB only has all children with care"
    )
    assert one(rows, level="dual")["warning"].startswith(
        "quasi-complete separation: dual (TA-HSB and offline HSB) has no children with care"
    )
    assert one(rows, level="age_at_referral")["warning"] == (
        "the children left to fit all have the same outcome; odds ratios not estimable"
    )


def test_fast_logistic_cdf_is_scipys_logistic_cdf_bit_for_bit():
    from tahsb_analysis.analyses.proportional_odds import _LOGISTIC

    x = np.array([-np.inf, -800, -36.5, -1e-300, -0.0, 0.0, 1e-12, 0.3, 5, 40, np.inf, np.nan])
    np.testing.assert_array_equal(_LOGISTIC.cdf(x), stats.logistic.cdf(x))
    assert _LOGISTIC.cdf(0.3) == stats.logistic.cdf(0.3)
    assert _LOGISTIC.cdf(x, loc=1.0, scale=2.0)[7] == stats.logistic.cdf(0.3, loc=1.0, scale=2.0)
    assert isinstance(_LOGISTIC, stats.rv_continuous)  # OrderedModel accepts it without warning


def test_ordinal_rows_with_the_fast_cdf_equal_those_of_distr_logit_exactly(monkeypatch):
    import tahsb_analysis.analyses.proportional_odds as models_module

    frame = model_frame(seed=5, n=400)
    rng = np.random.default_rng(6)
    levels = ["none", "early_help", "section_17", "section_47"]
    frame["care"] = pd.Categorical(
        rng.choice(levels, size=len(frame)), categories=levels, ordered=True
    )
    fast = as_rows(ordinal_odds_ratios(frame, "care", "hsb_group", covariates=["age_at_referral"]))
    monkeypatch.setattr(models_module, "_LOGISTIC", "logit")  # statsmodels' own logistic
    reference = as_rows(
        ordinal_odds_ratios(frame, "care", "hsb_group", covariates=["age_at_referral"])
    )
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)


# ---------------------------------------------------------------------------------------------
# Independent references in R (4.2.2; MASS 7.3-58.2, logistf 1.26.1, brant 0.3-0). The data are
# made without a random generator, so that R reads the same children: written with
# frame.to_csv, read with read.csv, group releveled to the reference.


def golden_children(n: int) -> pd.DataFrame:
    """Children i = 0..n-1: group by i mod 3, age 10-17 by 5i mod 8, and a uniform u from the
    golden-ratio sequence (equidistributed, no generator)."""
    i = np.arange(n)
    return pd.DataFrame({"g": np.array(["ta_only", "dual", "offline_only"])[i % 3],
                         "age": 10 + (i * 5) % 8,
                         "u": np.modf((i + 1) * 0.6180339887498949)[0]})


def ordinal_children(spread_ta: float = 1.0) -> pd.DataFrame:
    """240 children with a care level 0-3 cut from a logistic latent variable; spread_ta != 1
    scales TA-HSB-only children's latent noise, which breaks proportional odds."""
    d = golden_children(240)
    noise = special.logit(d["u"]) * np.where(d["g"] == "ta_only", spread_ta, 1.0)
    latent = (0.9 * (d["g"] == "ta_only") + 0.4 * (d["g"] == "dual") + 0.15 * (d["age"] - 13)
              + noise)
    return pd.DataFrame({
        "hsb_group": pd.Categorical(d["g"], categories=["ta_only", "dual", "offline_only"]),
        "age_at_referral": pd.array(d["age"], dtype="Int64"),
        "care": pd.Categorical.from_codes(np.digitize(latent, [-1.0, 0.3, 1.5]),
                                          categories=CARE_LEVELS, ordered=True),
    })


def test_ordinal_odds_ratios_and_p_values_agree_with_mass_polr_to_1e_6():
    rows = as_rows(ordinal_odds_ratios(ordinal_children(), "care", "hsb_group",
                                       covariates=["age_at_referral"]))
    # R: d$g <- relevel(factor(d$g), ref = "offline_only"); d$level <- factor(d$level,
    #   levels = 0:3, ordered = TRUE)
    #   fit <- polr(level ~ g + age, data = d, Hess = TRUE,
    #               control = list(reltol = 1e-14, maxit = 1000, ndeps = rep(1e-6, 6)))
    #   s <- coef(summary(fit)); cbind(s, p = 2 * pnorm(-abs(s[, "t value"])))
    #                Value      Std. Error        t value                 p
    # gdual    0.189624279180 0.2882443419549 0.657859501748 5.10628415846e-01
    # gta_only 0.648574695465 0.2869350907154 2.260353356741 2.37993289071e-02
    # age      0.163449782372 0.0515454961463 3.170980873044 1.51925146171e-03
    # (polr's default reltol 1e-8 stops at age 0.163449601007, 1.1e-6 away; its default
    # Hessian step ndeps = 1e-3 gives the age SE 0.0515461362729, 1.2e-5 away.
    # ordinal::clm(level ~ g + age, d, control = clm.control(gradTol = 1e-12)), with an
    # analytic Hessian, gives SE 0.288244341947, 0.286935090650, 0.051545496105.)
    # ta_only vs dual: the same call after d$g <- relevel(d$g, ref = "dual"):
    # gta_only 0.458950415723 0.286543708138 1.60167682168 0.109227093214
    expected = {
        "dual": (0.189624279180, 0.2882443419549, 5.10628415846e-01),
        "ta_only": (0.648574695465, 0.2869350907154, 2.37993289071e-02),
        "age_at_referral": (0.163449782372, 0.0515454961463, 1.51925146171e-03),
        "ta_only vs dual": (0.458950415723, 0.286543708138, 0.109227093214),
    }
    z = stats.norm.ppf(0.975)
    for term, (coef, se, p) in expected.items():
        row = one(rows, level=term, statistic="odds_ratio")
        assert row["estimate"] == pytest.approx(np.exp(coef), rel=1e-6)
        assert row["p_value"] == pytest.approx(p, rel=1e-6)
        assert row["ci_low"] == pytest.approx(np.exp(coef - z * se), rel=1e-6)
        assert row["ci_high"] == pytest.approx(np.exp(coef + z * se), rel=1e-6)


def test_analytic_score_and_hessian_of_the_ordinal_model_match_numerical_derivatives():
    from statsmodels.tools.numdiff import approx_fprime, approx_hess

    from tahsb_analysis.analyses.proportional_odds import ProportionalOddsLogit

    frame = ordinal_children()
    exog = pd.DataFrame({"ta": (frame["hsb_group"] == "ta_only").astype(float),
                         "age": frame["age_at_referral"].astype(float)})
    model = ProportionalOddsLogit(frame["care"].cat.codes.astype(float), exog)
    params = np.array([0.5, 0.1, 0.8, np.log(1.2), np.log(0.9)])
    np.testing.assert_allclose(model.score(params),
                               approx_fprime(params, model.loglike, centered=True),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model.hessian(params), approx_hess(params, model.loglike),
                               rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("spread, statistic, p_value", [
    # R: the polr fit above; brant 0.3-0's brant(fit) (omnibus) with two changes to its
    # source: glm(..., control = glm.control(epsilon = 1e-15, maxit = 100)), and the lower
    # covariance block set to the transpose of the upper one, t(varBeta[m block, l block]),
    # which brant copies untransposed (unchanged brant: X2 = 5.870107273270 and
    # 41.764584697421, within 3e-4 and 2e-3).
    (1.0, 5.868213874891, 0.4381137632191),
    (4.0, 41.682011275410, 2.12466753454e-07),
])
def test_brant_test_agrees_with_r_brant(spread, statistic, p_value):
    from tahsb_analysis.analyses.proportional_odds import brant_test

    frame = ordinal_children(spread)
    exog = pd.DataFrame({"dual": (frame["hsb_group"] == "dual").astype(float),
                         "ta_only": (frame["hsb_group"] == "ta_only").astype(float),
                         "age": frame["age_at_referral"].astype(float)})
    result = brant_test(frame["care"].cat.codes.astype(float), exog)
    assert result.df == 6
    assert result.statistic == pytest.approx(statistic, rel=1e-6)
    assert result.p_value == pytest.approx(p_value, rel=1e-6)


def test_ordinal_rows_report_the_proportional_odds_check_in_their_warning():
    holds = as_rows(ordinal_odds_ratios(ordinal_children(), "care", "hsb_group",
                                        covariates=["age_at_referral"]))
    assert set(holds["warning"]) == {
        "proportional-odds check (Brant test): chi2 = 5.87, df = 6, p = 0.44"}
    broken = as_rows(ordinal_odds_ratios(ordinal_children(4.0), "care", "hsb_group",
                                         covariates=["age_at_referral"]))
    assert set(broken["warning"]) == {
        "proportional-odds check (Brant test): chi2 = 41.68, df = 6, p < 0.001 - the odds "
        "ratios differ between cut-points, so the single odds ratio is an average over them"}


def test_proportional_odds_check_is_not_possible_with_a_group_on_one_side_of_a_cut():
    frame = care_frame({
        "ta_only": ["section_17", "section_47", "section_47", "none", "early_help"],
        "dual": ["section_47", "section_17", "early_help", "none", "section_47"],
        "offline_only": ["none", "early_help", "early_help", "none", "section_17"],
    })
    rows = as_rows(ordinal_odds_ratios(frame, "care", "hsb_group"))
    assert set(rows["warning"]) == {
        "few events per variable (EPV = 2.0 < 10): estimates unstable; proportional-odds "
        "check (Brant test) not possible: the binary model above cut-point 3 does not "
        "converge (separation)"}


def few_event_children() -> pd.DataFrame:
    """60 children, 19 with the outcome: EPV = 19 / 3 = 6.3 with age as covariate."""
    d = golden_children(60)
    risk = special.expit(-1.5 + 1.0 * (d["g"] == "ta_only") + 0.5 * (d["g"] == "dual")
                         + 0.1 * (d["age"] - 13))
    return pd.DataFrame({
        "hsb_group": pd.Categorical(d["g"], categories=["ta_only", "dual", "offline_only"]),
        "age_at_referral": pd.array(d["age"], dtype="Int64"),
        "y": pd.array(d["u"] < risk, dtype="boolean"),
    })


def test_firth_rows_of_every_term_when_epv_is_below_10_agree_with_logistf():
    rows = as_rows(logistic_odds_ratios(few_event_children(), "y", "hsb_group",
                                        covariates=["age_at_referral"]))
    # R: ctl <- logistf.control(maxit = 200, xconv = 1e-12, gconv = 1e-12)
    #    plc <- logistpl.control(maxit = 500, xconv = 1e-12)
    #    fit <- logistf(y ~ g + age, data = d, control = ctl, plcontrol = plc)
    #    cbind(coef = coef(fit), lower = fit$ci.lower, upper = fit$ci.upper, p = fit$prob)
    #              coef            lower          upper                 p
    # gdual    0.764741063682  -0.927774066143  2.59641022627 3.79074063531e-01
    # gta_only 1.432596182460  -0.241330806632  3.32529158850 9.47431634005e-02
    # age      0.731782165389   0.386979103693  1.19524932883 1.90212264395e-06
    # ta_only vs dual: the same call after d$g <- relevel(factor(as.character(d$g)), "dual"):
    # gta_only 0.667855118778 -0.910226467715 2.31892373935 0.405810726663
    expected = {
        "dual": (0.764741063682, -0.927774066143, 2.59641022627, 3.79074063531e-01),
        "ta_only": (1.432596182460, -0.241330806632, 3.32529158850, 9.47431634005e-02),
        "age_at_referral": (0.731782165389, 0.386979103693, 1.19524932883, 1.90212264395e-06),
        "ta_only vs dual": (0.667855118778, -0.910226467715, 2.31892373935, 0.405810726663),
    }
    for term, (coef, low, high, p) in expected.items():
        firth = one(rows, level=term, statistic="odds_ratio_firth")
        assert np.log(firth["estimate"]) == pytest.approx(coef, rel=1e-6)
        assert np.log(firth["ci_low"]) == pytest.approx(low, rel=1e-6)
        assert np.log(firth["ci_high"]) == pytest.approx(high, rel=1e-6)
        assert firth["p_value"] == pytest.approx(p, rel=1e-6)
        assert firth["warning"] == (
            "primary estimate, as events per variable are few (EPV = 6.3 < 10)")
        wald = one(rows, level=term, statistic="odds_ratio")
        assert wald["warning"].endswith(
            "the Firth penalised estimate of this term is the primary one (EPV < 10)")
        assert np.isfinite(wald["estimate"])  # the Wald row stays beside it


def test_primary_estimates_are_the_firth_rows_when_epv_is_below_10_else_the_ordinary_ones():
    few = as_rows(logistic_odds_ratios(few_event_children(), "y", "hsb_group",
                                       covariates=["age_at_referral"]))
    primary = few[is_primary_estimate(few)]
    assert set(primary["statistic"]) == {"odds_ratio_firth"}
    assert len(primary) == 4
    # Separation only: the Firth row of the separated term and every ordinary row are primary.
    separated = as_rows(logistic_odds_ratios(two_by_two(10, 0, 5, 10), "y", "hsb_group",
                                             groups=("ta_only", "offline_only")))
    assert is_primary_estimate(separated).all()
