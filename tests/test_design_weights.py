"""Design-weighted shares of the in-depth sample (analyses/design_weights.py), issue #16 item 3.

References: a hand computation in exact fractions (Cochran 1977, eq. 5.7), statsmodels'
DescrStatsW for the point estimate (each child weighted by the inverse of its group's sampling
fraction), statsmodels' Wilson interval for the interval at an integer size, and the release
gate on a small comparison.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from tahsb_analysis.analyses.design_weights import (
    UNWEIGHTED_NOTE,
    SamplingDesign,
    sampling_design,
    stratified_share,
    weighted_share_rows,
    wilson_interval,
)
from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, make_results

GROUPS = ("ta_only", "dual", "offline_only")
POLICY_FILE = Path(__file__).resolve().parents[1] / "config" / "disclosure_policy.yaml"
# Prevalence cohort 20/100/150 children; in-depth 10/50/25; with the level 3/20/5.
DESIGN = SamplingDesign(GROUPS, np.array([20.0, 100.0, 150.0]), np.array([10.0, 50.0, 25.0]))
YES, KNOWN = [3, 20, 5], [10, 50, 25]


def test_weighted_share_and_its_variance_match_a_hand_computation():
    # By hand, in exact fractions: W = 20/270, 100/270, 150/270; p = 3/10, 20/50, 5/25;
    # f = 10/20, 50/100, 25/150.  p_w = sum W p = 76/270 = 0.281481...
    # v = sum W^2 (1 - f) p (1 - p) / (n - 1)
    #   = (20/270)^2 (1/2) (21/100)/9 + (100/270)^2 (1/2) (24/100)/49
    #     + (150/270)^2 (5/6) (16/100)/24 = 0.00211463...
    W = [Fraction(20, 270), Fraction(100, 270), Fraction(150, 270)]
    p = [Fraction(3, 10), Fraction(20, 50), Fraction(5, 25)]
    f = [Fraction(1, 2), Fraction(1, 2), Fraction(1, 6)]
    n = [10, 50, 25]
    share = sum(w * q for w, q in zip(W, p, strict=True))
    variance = sum(w * w * (1 - g) * q * (1 - q) / (k - 1)
                   for w, q, g, k in zip(W, p, f, n, strict=True))
    assert share == Fraction(76, 270)
    result = stratified_share(YES, KNOWN, DESIGN)
    assert result["estimate"] == pytest.approx(float(share), abs=1e-15)
    assert result["variance"] == pytest.approx(float(variance), rel=1e-12)
    assert result["variance"] == pytest.approx(0.00211463, abs=1e-8)


def test_weighted_share_is_the_mean_with_inverse_sampling_fraction_weights():
    # One value per in-depth child, weighted by N_g / n_g (statsmodels DescrStatsW).
    pairs = list(zip(YES, KNOWN, strict=True))
    values = np.concatenate([np.r_[np.ones(y), np.zeros(k - y)] for y, k in pairs])
    sizes = zip([20, 100, 150], KNOWN, strict=True)
    weights = np.concatenate([np.full(k, n / k) for n, k in sizes])
    assert stratified_share(YES, KNOWN, DESIGN)["estimate"] == pytest.approx(
        DescrStatsW(values, weights=weights).mean, abs=1e-14)


def test_interval_is_wilson_at_the_effective_sample_size():
    result = stratified_share(YES, KNOWN, DESIGN)
    # v* takes each group's share as (y + 1/2) / (n + 1); n_eff = p (1 - p) / v*.
    shrunk = (np.array(YES) + 0.5) / (np.array(KNOWN) + 1)
    W = np.array([20, 100, 150]) / 270
    f = np.array(KNOWN) / np.array([20, 100, 150])
    v_star = np.sum(W**2 * (1 - f) * shrunk * (1 - shrunk) / (np.array(KNOWN) - 1))
    p = 76 / 270
    assert result["interval_variance"] == pytest.approx(v_star, rel=1e-12)
    assert result["effective_n"] == pytest.approx(p * (1 - p) / v_star, rel=1e-12)
    low, high = wilson_interval(p, result["effective_n"])
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((low, high))
    assert result["ci_low"] < p < result["ci_high"]


def test_wilson_interval_agrees_with_statsmodels_at_an_integer_size():
    for n, size in [(0, 10), (3, 10), (37, 91), (91, 91)]:
        expected = proportion_confint(n, size, alpha=0.05, method="wilson")
        assert wilson_interval(n / size, size) == pytest.approx(expected, abs=1e-12)


def test_not_estimable_when_a_sampled_group_has_no_known_value():
    result = stratified_share([3, 20, 0], [10, 50, 0], DESIGN)
    assert np.isnan(result["estimate"]) and np.isnan(result["ci_low"])


def test_fully_sampled_groups_have_no_sampling_variance():
    census = SamplingDesign(GROUPS, np.array([10.0, 50.0, 25.0]), np.array([10.0, 50.0, 25.0]))
    result = stratified_share(YES, KNOWN, census)
    assert result["variance"] == 0
    assert result["estimate"] == pytest.approx(28 / 85)  # a census: the pooled share


def test_sampling_design_counts_each_group_in_the_cohort_and_the_sample():
    cases = pd.DataFrame({
        "ta_hsb": pd.array([True, True, True, False, False, True, None], dtype="boolean"),
        "offline_hsb": pd.array([False, True, True, True, True, False, True], dtype="boolean"),
        "in_depth_sample": pd.array([True, True, False, True, False, False, True],
                                    dtype="boolean"),
    })
    design = sampling_design(cases, GROUPS)
    assert design.population.tolist() == [2, 2, 2]  # the child with a missing flag: no group
    assert design.sampled.tolist() == [1, 1, 1]
    assert design.sampling_fractions.tolist() == [0.5, 0.5, 0.5]


def _comparison(yes, known) -> pd.DataFrame:
    rows = []
    for group, y, k in zip((*GROUPS, "all"), [*yes, sum(yes)], [*known, sum(known)],
                           strict=True):
        rows.append({"variable": "looked_after", "level": "yes", "group_variable": "hsb_group",
                     "group": group, "statistic": "proportion", "estimate": y / k, "n": y,
                     "denominator": k, "unit": "children", "method": "Wilson 95% CI"})
    return pd.DataFrame(rows)


def test_weighted_rows_sit_beside_the_all_share_with_their_method():
    (row,) = weighted_share_rows(_comparison(YES, KNOWN), DESIGN, total="all")
    assert row["group"] == "all" and row["statistic"] == "weighted_proportion"
    assert row["estimate"] == pytest.approx(76 / 270)
    assert row["n"] == row["denominator"] == 85
    assert "weighted by inverse sampling fraction" in row["method"]
    assert "unweighted" in UNWEIGHTED_NOTE and "not the service's children" in UNWEIGHTED_NOTE


def _released(yes, known):
    table = _comparison(yes, known)
    weighted = pd.DataFrame(weighted_share_rows(table, DESIGN, total="all"))
    results = make_results(pd.concat([table, weighted], ignore_index=True), cohort="t",
                           synthetic=True, analysis="characteristics", output="characteristics")
    release = apply_disclosure_control(results, load_policy(POLICY_FILE)).release
    return release.set_index(release["group"] + "/" + release["statistic"])["disclosure"]


def test_the_gate_suppresses_the_weighted_share_with_any_group_count():
    # 12 TA-HSB-only children, 3 with the level: a count below 10 is suppressed, with it
    # (secondary) another group's, but the total of all groups may stay. The weighted share,
    # computed from every group's counts, goes with them: released beside the total, it and
    # the released counts would give the hidden ones back.
    status = _released([3, 20, 15], [12, 50, 30])
    assert status["ta_only/proportion"] == SUPPRESSED
    assert status["all/weighted_proportion"] == SUPPRESSED
    assert _released([10, 20, 15], [20, 50, 30])["all/weighted_proportion"] == RELEASED


def test_characteristics_gives_a_weighted_twin_of_every_all_share():
    from tahsb_analysis.analyses.characteristics import characteristics
    from tahsb_analysis.input.validation import validate_cohort

    data = Path(__file__).resolve().parents[1] / "data" / "synthetic"
    cohort = validate_cohort({t: data / f"{t}.csv" for t in ("cases", "case_file", "behaviours")})
    cohort = getattr(cohort, "cohort", cohort)
    result = characteristics(cohort, exact_test_resamples=99)
    shares = result[result["statistic"] == "proportion"]
    pooled = shares[shares["group"] == "all"]
    weighted = result[result["statistic"] == "weighted_proportion"]
    assert len(weighted) == len(pooled) > 10
    assert pooled["method"].str.endswith(UNWEIGHTED_NOTE).all()
    design = sampling_design(cohort.cases, GROUPS)
    # The shipped cohort samples about 74% of TA-HSB-only, 49% of dual, 17% of offline-only.
    assert design.sampling_fractions == pytest.approx([14 / 19, 52 / 107, 25 / 149])
    for row in weighted.head(5).itertuples():
        same = shares[(shares["variable"] == row.variable) & (shares["level"] == row.level)]
        by_group = same.set_index("group")
        expected = stratified_share([by_group.at[g, "n"] for g in GROUPS],
                                    [by_group.at[g, "denominator"] for g in GROUPS], design)
        assert row.estimate == pytest.approx(expected["estimate"])
        assert (row.ci_low, row.ci_high) == pytest.approx((expected["ci_low"],
                                                            expected["ci_high"]))


def test_responses_give_a_weighted_twin_of_every_all_share(synthetic_results):
    # As characteristics: every pooled ("all") share of a response has a weighted twin, whose
    # estimate is the stratified share of the three groups' rows (hand: sum of W_g p_g).
    responses = synthetic_results[synthetic_results["output"] == "responses"]
    shares = responses[responses["statistic"] == "proportion"]
    pooled = shares[shares["group"] == "all"]
    weighted = responses[responses["statistic"] == "weighted_proportion"]
    assert len(weighted) == len(pooled) > 10
    assert pooled["method"].str.endswith(UNWEIGHTED_NOTE).all()
    population = {"ta_only": 19, "dual": 107, "offline_only": 149}  # shipped cohort, all assessed
    for row in weighted.head(5).itertuples():
        same = shares[(shares["variable"] == row.variable) & (shares["level"] == row.level)]
        by_group = same.set_index("group")
        expected = sum(population[g] / 275 * by_group.at[g, "n"] / by_group.at[g, "denominator"]
                       for g in GROUPS)
        assert row.estimate == pytest.approx(expected)


def test_range_weighted_twins_are_the_hand_weighted_shares(synthetic_cohort, synthetic_results):
    # Hand count from the raw tables: children of each HSB group (in-depth) with at least one
    # online behaviour of type "iioc", over the group's in-depth children; weighted by the
    # group's share of all children assessed in the two TA-HSB groups (19 TA-HSB only, 107
    # dual in the shipped cohort).
    cases, behaviours = synthetic_cohort.cases, synthetic_cohort.behaviours
    in_depth = cases[cases["in_depth_sample"].astype("boolean").fillna(False)]
    group = (in_depth["ta_hsb"].astype("boolean").map({True: "ta", False: "off"})
             + in_depth["offline_hsb"].astype("boolean").map({True: "+off", False: ""}))
    online = behaviours[behaviours["setting"].astype("string").eq("online")]
    with_iioc = set(online.loc[online["behaviour_type"].astype("string").eq("iioc"), "case_id"])
    share = {}
    for name, label in (("ta_only", "ta"), ("dual", "ta+off")):
        ids = in_depth.loc[group.eq(label).fillna(False), "case_id"]
        share[name] = sum(i in with_iioc for i in ids) / len(ids)
    expected = (19 * share["ta_only"] + 107 * share["dual"]) / 126
    weighted = synthetic_results[synthetic_results["output"] == "ta_hsb_range_weighted"]
    row = weighted[weighted["variable"].eq("ta_hsb_type") & weighted["level"].eq("iioc")
                   & weighted["group"].eq("any_ta_hsb")]
    assert len(row) == 1
    assert row["estimate"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert row["ci_low"].iloc[0] < expected < row["ci_high"].iloc[0]
    # Every pooled child-level share of the range tables has one twin; none of behaviours.
    range_rows = synthetic_results[synthetic_results["analysis"] == "ta_hsb_range"]
    pooled = range_rows[range_rows["statistic"].eq("proportion")
                        & range_rows["unit"].eq("children")
                        & range_rows["group"].isin(["in_depth_sample", "any_ta_hsb",
                                                    "any_online_behaviour"])
                        & ~range_rows["output"].eq("ta_hsb_range_weighted")]
    assert len(weighted) == len(pooled) > 20
    assert set(weighted["unit"]) == {"children"}


def test_range_weighted_twins_stay_internal():
    from tahsb_analysis.registry import load_registry

    # The range tables give no per-group counts: a weighted share next to the unweighted one of
    # two groups would solve for both, so the twins never reach the release tier.
    assert load_registry().output("ta_hsb_range_weighted").tiers == ("internal",)
