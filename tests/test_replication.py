"""The replication check (compare/replication.py, compare/verdicts.py, compare/evidence.py):
each verdict word on tiny hand-made results tables with the p-values quoted from scipy and
statsmodels; a near-null cohort is never `supported`; TOST agrees with statsmodels; on the
synthetic cohort every row names its test, p-value and minimum detectable difference, and L1
(p = 0.106) is not supported."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from replication_helpers import (
    SELECT,
    TA_ONLY,
    claim_row,
    direction_register,
    parts_of,
    register_of,
    results,
    row,
    suppressed,
    verdict_of,
)
from statsmodels.stats.proportion import binom_tost, proportions_ztost

from tahsb_analysis.compare import evidence
from tahsb_analysis.compare.register import ReplicationRegisterError
from tahsb_analysis.compare.replication import (
    REPLICATION_COLUMNS,
    combine_verdicts,
    evaluate_register,
)
from tahsb_analysis.compare.verdicts import (
    AS_PUBLISHED,
    CONSISTENT,
    CONTRADICTED,
    INCONSISTENT,
    INSUFFICIENT,
    NOT_AS_PUBLISHED,
    NOT_SUPPORTED,
    OPPOSITE,
    SUPPORTED,
    UNINFORMATIVE,
    VALUE_SCALE,
    VERDICTS,
)
from tahsb_analysis.render import tables
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, concat_results, make_results

PUBLISHED_FINDINGS = [
    "P1", "P2", "R1", "R2", "R3", "R4", "R5", "C1", "C2", "C3", "C4", "C5", "C6",
    "L1", "L2", "L3", "S1", "S2", "S3",
]


ONE_CLAIM_HOLM = ("Holm across the 1 directional claims of this cohort (a claim's p is the "
                  "largest of its parts')")


def test_selector_matching_two_results_rows_is_an_error_not_a_verdict():
    register = register_of({"rule": "share_above", "measure": "m", "threshold": 0.5,
                            "select": SELECT})
    table = results(row(estimate=0.6, n=6, denominator=10),
                    row(estimate=0.7, n=7, denominator=10))
    with pytest.raises(ReplicationRegisterError, match="2 results rows match"):
        evaluate_register(table, register)


# --- published values: equivalence (TOST) ----------------------------------------------------

VALUE_46 = register_of({"rule": "equivalence", "measure": "share", "value": 0.46,
                        "margin": 0.10, "margin_reason": "test", "select": SELECT})


def share(n, d, low, high) -> dict:
    return row(estimate=n / d, ci_low=low, ci_high=high, n=n, denominator=d)


def test_equivalence_is_consistent_when_the_tost_passes_and_agrees_with_statsmodels():
    # 127/275 against [0.36, 0.56]: statsmodels binom_tost(127, 275, 0.36, 0.56) gives
    # p = 0.000673 (the larger one-sided p); the normal-approximation proportions_ztost gives
    # 0.000546: both pass at 0.05.
    claim = claim_row(evaluate_register(results(share(127, 275, 0.403, 0.521)), VALUE_46))
    assert claim["verdict"] == CONSISTENT
    assert claim["p_value"] == pytest.approx(0.000673, abs=5e-7)
    assert claim["p_value"] == pytest.approx(binom_tost(127, 275, 0.36, 0.56)[0])
    assert proportions_ztost(127, 275, 0.36, 0.56)[0] == pytest.approx(0.000546, abs=5e-7)
    assert "binom_tost" in claim["test"] and claim["margin"] == pytest.approx(0.10)


def test_equivalence_is_inconsistent_when_the_ci_lies_outside_the_margin():
    # 60/275 = 21.8%, CI 17.3 to 27.1, entirely below 36%; binom_tost p = 1.000
    claim = claim_row(evaluate_register(results(share(60, 275, 0.173, 0.271)), VALUE_46))
    assert claim["verdict"] == INCONSISTENT
    assert claim["p_value"] == pytest.approx(0.99999987, abs=1e-6)


def test_equivalence_is_uninformative_when_the_ci_straddles_the_margin():
    # 40/70 = 57.1%, CI 45.5 to 68.1 crosses 56%; binom_tost(40, 70, 0.36, 0.56) p = 0.621
    claim = claim_row(evaluate_register(results(share(40, 70, 0.455, 0.681)), VALUE_46))
    assert claim["verdict"] == UNINFORMATIVE
    assert claim["p_value"] == pytest.approx(0.621071, abs=1e-6)


def test_tost_of_a_mean_against_a_hand_computed_example():
    # mean 3.0, SD 1.2, n 26, band [2, 4]: t = (3 - 2) / (1.2 / sqrt 26) = 4.249 on 25 df,
    # one-sided p = 0.000131 (scipy.stats.t.sf(4.249, 25)); both sides are symmetric.
    p, name = evidence.tost_mean(3.0, 1.2, 26, 2.0, 4.0)
    assert p == pytest.approx(0.000131, abs=2e-6)
    assert "TOST" in name


def test_equivalence_on_a_suppressed_or_absent_row_is_insufficient_data():
    assert verdict_of(results(suppressed()), VALUE_46) == INSUFFICIENT
    assert verdict_of(results(row(variable="other", estimate=0.4, n=4, denominator=10)),
                      VALUE_46) == INSUFFICIENT


# --- share above a threshold -----------------------------------------------------------------

MORE_THAN_HALF = register_of({"rule": "share_above", "measure": "share", "threshold": 0.5,
                              "select": SELECT})


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        # exact binomial test against 0.5, two-sided (scipy binomtest): 80/100 and 20/100
        # p = 1.1e-9; 55/100 and 45/100 p = 0.368
        (80, SUPPORTED),
        (55, NOT_SUPPORTED),
        (45, OPPOSITE),
        (20, CONTRADICTED),
    ],
)
def test_share_above_gives_each_directional_word(count, expected):
    table = results(share(count, 100, count / 100 - 0.1, count / 100 + 0.1))
    claim = claim_row(evaluate_register(table, MORE_THAN_HALF))
    assert claim["verdict"] == expected
    assert claim["p_value"] == pytest.approx(1.1159e-9 if count in (80, 20) else 0.368202,
                                             rel=1e-4)
    assert claim["p_adjust_method"] == ONE_CLAIM_HOLM
    assert claim["mdd"] > 0 and "NormalIndPower" in claim["mdd_method"]


def test_share_above_reads_a_declared_one_sided_test_row():
    # As L1: the row's one-sided p 0.106 is used as given; not supported at 0.05.
    register = register_of({"rule": "share_above", "measure": "share", "threshold": 0.5,
                            "test": {"alternative": "greater",
                                     "select": {**SELECT, "level": None,
                                                "statistic": "binomial_test"}},
                            "select": SELECT})
    table = results(share(31, 52, 0.46, 0.72),
                    row(level=None, statistic="binomial_test", estimate=31 / 52, n=31,
                        denominator=52, p_value=0.105804, method="exact binomial test"))
    claim = claim_row(evaluate_register(table, register))
    assert claim["p_value"] == pytest.approx(0.105804)
    assert claim["verdict"] == NOT_SUPPORTED
    assert claim["test"].startswith("exact binomial test (results row o")


# --- direction between groups ----------------------------------------------------------------

def groups(**counts) -> pd.DataFrame:
    """Shares of "v = yes" by hsb_group, each out of 20 children."""
    return results(*[row(group_variable="hsb_group", group=group, estimate=n / 20,
                         ci_low=max(n / 20 - 0.2, 0), ci_high=min(n / 20 + 0.2, 1), n=n,
                         denominator=20) for group, n in counts.items()])


def test_direction_supported_when_both_comparisons_are_significant_after_holm():
    # Fisher's exact (scipy): 18/20 vs 5/20 p = 6.86e-5; 18/20 vs 4/20 p = 1.66e-5. One claim
    # (an intersection-union test: p = the larger, 6.86e-5) in a Holm family of one claim, so
    # nothing is multiplied: each part keeps its own p.
    frame = evaluate_register(groups(ta_only=18, dual=5, offline_only=4),
                              direction_register("higher"))
    assert claim_row(frame)["verdict"] == SUPPORTED
    parts = parts_of(frame)
    assert parts["p_value"].tolist() == pytest.approx([6.8606e-5, 1.6644e-5], rel=1e-4)
    assert parts["p_adjusted"].tolist() == pytest.approx([6.8606e-5, 1.6644e-5], rel=1e-4)
    assert claim_row(frame)["p_adjusted"] == pytest.approx(6.8606e-5, rel=1e-4)
    assert all("Fisher's exact" in t for t in parts["test"])


def test_direction_in_the_published_way_but_not_significant_is_not_supported():
    # 12/20 vs 9/20: Fisher p = 0.527 for both comparisons
    frame = evaluate_register(groups(ta_only=12, dual=9, offline_only=9),
                              direction_register("higher"))
    assert claim_row(frame)["verdict"] == NOT_SUPPORTED


def test_direction_the_other_way_is_opposite_or_contradicted_by_significance():
    # 8/20 vs 11/20: p = 0.527 -> opposite direction; 2/20 vs 15/20: p = 6.86e-5 -> contradicted
    assert verdict_of(groups(ta_only=8, dual=11, offline_only=11),
                      direction_register("higher")) == OPPOSITE
    assert verdict_of(groups(ta_only=2, dual=15, offline_only=15),
                      direction_register("higher")) == CONTRADICTED
    assert verdict_of(groups(ta_only=2, dual=15, offline_only=15),
                      direction_register("lower")) == SUPPORTED


def test_equal_estimates_show_no_direction():
    assert verdict_of(groups(ta_only=9, dual=9, offline_only=5),
                      direction_register("higher")) == OPPOSITE


def test_direction_with_a_suppressed_compared_row_is_insufficient_data():
    table = results(row(group_variable="hsb_group", group="ta_only", estimate=0.9, n=18,
                        denominator=20),
                    suppressed(group_variable="hsb_group", group="dual"),
                    row(group_variable="hsb_group", group="offline_only", estimate=0.2, n=4,
                        denominator=20))
    frame = evaluate_register(table, direction_register("higher"))
    assert claim_row(frame)["verdict"] == INSUFFICIENT
    assert parts_of(frame)["verdict"].tolist() == [INSUFFICIENT, SUPPORTED]


def test_a_near_null_cohort_is_never_supported():
    # Groups differing by at most one child, always in the published direction: 8/20 against
    # 7/20 (Fisher p = 1.0) in every comparison of ten claims; Holm over 20 tests.
    claims = []
    rows = []
    for index in range(10):
        variable = f"v{index}"
        rows += [row(variable=variable, group_variable="hsb_group", group=group, estimate=n / 20,
                     n=n, denominator=20)
                 for group, n in (("ta_only", 8), ("dual", 7), ("offline_only", 7))]
        claims.append({"id": f"C{index}", "finding": "f", "kind": "direction", "published": "p",
                       "checks": [{"rule": "direction", "measure": "m", "direction": "higher",
                                   "compared_with": {"group": ["dual", "offline_only"]},
                                   "select": {**TA_ONLY, "variable": variable}}]})
    register = {"version": 1, "source": "s", "alpha": 0.05, "claims": claims}
    frame = evaluate_register(results(*rows), register)
    assert SUPPORTED not in set(frame["verdict"])
    assert set(frame["verdict"]) == {NOT_SUPPORTED}
    assert frame["p_value"].min() == pytest.approx(1.0)


def _claims_register(parts_per_claim: list[int]):
    """Claims C0, C1, ... each with `k` direction checks (TA-only higher than dual), on
    variables v<claim>_<check>."""
    claims = []
    for index, k in enumerate(parts_per_claim):
        checks = [{"rule": "direction", "measure": "m", "direction": "higher",
                   "compared_with": {"group": ["dual"]},
                   "select": {**TA_ONLY, "variable": f"v{index}_{j}"}} for j in range(k)]
        claims.append({"id": f"C{index}", "finding": "f", "kind": "direction",
                       "published": "p", "checks": checks})
    return {"version": 1, "source": "s", "alpha": 0.05, "claims": claims}


def _two_groups(variable, ta_only, dual, size=20) -> list[dict]:
    return [row(variable=variable, group_variable="hsb_group", group=group, estimate=n / size,
                n=n, denominator=size) for group, n in (("ta_only", ta_only), ("dual", dual))]


@pytest.mark.parametrize("p_values", [
    [0.01, 0.04, 0.03, 0.005], [0.5, 0.5, 0.01], [0.9], [0.02, 0.02, 0.02, 0.6, 1.0],
    [1e-9, 0.3, 0.2, 0.04, 0.049, 0.05, 0.8],
])
def test_holm_equals_statsmodels_multipletests(p_values):
    from statsmodels.stats.multitest import multipletests

    from tahsb_analysis.results.multiplicity import holm

    assert holm(p_values) == pytest.approx(
        list(multipletests(p_values, method="holm")[1]), abs=1e-15)


def test_holm_runs_over_claims_each_claim_p_the_largest_of_its_parts():
    # Claim C0 has two parts (18/20 vs 5/20, Fisher p = 6.8606e-5; 14/20 vs 6/20, p = 0.02564),
    # C1 one part (17/20 vs 4/20, p = 4.3e-5 -> 4.2739e-5), C2 one (12/20 vs 9/20, p = 0.5273).
    # Claim p-values: C0 0.02564 (intersection-union: the larger part), C1, C2. Holm over the
    # three claims is statsmodels' multipletests(..., method="holm") of those three.
    from scipy.stats import fisher_exact
    from statsmodels.stats.multitest import multipletests

    table = results(*_two_groups("v0_0", 18, 5), *_two_groups("v0_1", 14, 6),
                    *_two_groups("v1_0", 17, 4), *_two_groups("v2_0", 12, 9))
    frame = evaluate_register(table, _claims_register([2, 1, 1]))
    overall = frame[frame["part"] == 0].set_index("finding")
    raw = {v: fisher_exact([[a, 20 - a], [b, 20 - b]])[1]
           for v, (a, b) in {"v0_0": (18, 5), "v0_1": (14, 6), "v1_0": (17, 4),
                             "v2_0": (12, 9)}.items()}
    claim_p = [max(raw["v0_0"], raw["v0_1"]), raw["v1_0"], raw["v2_0"]]
    expected = multipletests(claim_p, method="holm")[1]
    assert overall.loc[["C0", "C1", "C2"], "p_value"].tolist() == pytest.approx(claim_p)
    assert overall.loc[["C0", "C1", "C2"], "p_adjusted"].tolist() == pytest.approx(expected)
    assert set(frame["p_adjust_method"].dropna()) == {
        "Holm across the 3 directional claims of this cohort (a claim's p is the largest of "
        "its parts')"}
    # C0 (p 0.0256, second of three: x2 = 0.0513) is not supported, and neither part is,
    # although part 1 alone has p = 6.9e-5: a claim is supported exactly when all its parts are.
    assert overall.loc["C0", "verdict"] == NOT_SUPPORTED
    c0 = frame[(frame["finding"] == "C0") & (frame["part"] > 0)]
    assert c0["p_adjusted"].tolist() == pytest.approx(
        [max(expected[1], 2 * raw["v0_0"]), max(expected[1], 2 * raw["v0_1"])])
    assert (c0["p_adjusted"] <= overall.loc["C0", "p_adjusted"] + 1e-15).all()
    assert overall.loc["C1", "verdict"] == SUPPORTED
    assert overall.loc["C2", "verdict"] == NOT_SUPPORTED


def test_a_claim_without_a_test_stays_in_the_family_so_hiding_it_does_not_loosen_holm():
    # C1's compared row is suppressed (as on a release tier): C1 is insufficient data, and
    # C0 (17/20 vs 4/20, Fisher p = 4.2739e-5) is still adjusted in a family of two: x2.
    table = results(*_two_groups("v0_0", 17, 4), row(variable="v1_0", group_variable="hsb_group",
                                                     group="ta_only", estimate=0.9, n=18,
                                                     denominator=20),
                    suppressed(variable="v1_0", group_variable="hsb_group", group="dual"))
    frame = evaluate_register(table, _claims_register([1, 1])).set_index("finding")
    assert frame.loc["C1", "verdict"] == INSUFFICIENT
    assert frame.loc["C0", "p_adjusted"] == pytest.approx(2 * frame.loc["C0", "p_value"])
    assert "across the 2 directional claims" in frame.loc["C0", "p_adjust_method"]


def test_under_the_complete_null_at_most_five_percent_of_cohorts_get_any_supported():
    # The family step alone, on 4,000 simulated cohorts of ten claims with two parts each:
    # under no effect a test's p-value is Uniform(0, 1) and the estimate's side is a coin
    # toss. Holm across the claims (each an intersection-union test) controls the family-wise
    # rate of `supported` at alpha = 5%; the mean over 4,000 cohorts has a standard error of
    # at most 0.35 points, so 6% is more than three standard errors above 5%. (The whole
    # register on null cohorts is simulated by benchmarks/calibrate_register.py.)
    import numpy as np

    from tahsb_analysis.compare.replication import _adjust_directional

    rng = np.random.default_rng(20261130)
    with_any = 0
    for _ in range(4000):
        claims = []
        for _claim in range(10):
            parts = [{"scale": "direction", "verdict": None, "p_value": float(rng.random()),
                      "holds": bool(rng.random() < 0.5), "reason": "r",
                      "p_adjusted": pd.NA, "p_adjust_method": pd.NA} for _ in range(2)]
            claims.append(({}, parts))
        _adjust_directional(claims, 0.05)
        with_any += any(p["verdict"] == SUPPORTED for _, parts in claims for p in parts)
    assert with_any / 4000 <= 0.06


# As S1: offline-only higher than TA-HSB only, tested by a model's ta_only odds ratio (below 1
# on the published side).
MODEL_TESTED = register_of({"rule": "direction", "measure": "m", "direction": "higher",
                            "compared_with": {"group": ["ta_only"]},
                            "tests": {"ta_only": {
                                "published_side": "below", "effect_null": 1,
                                "select": {**SELECT, "output": "models", "level": "ta_only",
                                           "group_variable": "hsb_group",
                                           "statistic": "odds_ratio"}}},
                            "select": {**TA_ONLY, "group": "offline_only"}})


def test_direction_reads_a_declared_adjusted_model_row_for_test_and_direction():
    # As S1: the crude shares point the published way, but the age-adjusted odds ratio (the
    # model's ta_only term against offline_only) is above 1: the direction is the model's.
    register = MODEL_TESTED
    table = concat_results([groups(offline_only=15, ta_only=10), results(
        row(output="models", level="ta_only", group_variable="hsb_group", group=None,
            statistic="odds_ratio", estimate=1.8, ci_low=0.5, ci_high=6.0, n=40, denominator=40,
            p_value=0.37, method="logistic regression, adjusted for age"))])
    claim = claim_row(evaluate_register(table, register))
    assert claim["verdict"] == OPPOSITE
    assert claim["p_value"] == pytest.approx(0.37)
    assert "adjusted for age" in claim["test"]


def test_a_primary_firth_row_is_the_model_test_the_verdict_reads():
    # With few events per variable the model's method calls the Firth row primary: the verdict
    # reads its odds ratio (0.4, below 1: the published side) and p (0.21), not the Wald row's.
    register = MODEL_TESTED
    model = dict(output="models", level="ta_only", group_variable="hsb_group", group=None,
                 n=40, denominator=40)
    table = concat_results([groups(offline_only=15, ta_only=10), results(
        row(**model, statistic="odds_ratio", estimate=1.8, ci_low=0.5, ci_high=6.0,
            p_value=0.37, method="logistic regression"),
        row(**model, statistic="odds_ratio_firth", estimate=0.4, ci_low=0.1, ci_high=1.6,
            p_value=0.21, method="Firth penalised logistic regression",
            warning="primary estimate, as events per variable are few (EPV = 5.0 < 10)"))])
    claim = claim_row(evaluate_register(table, register))
    assert claim["p_value"] == pytest.approx(0.21)
    assert claim["verdict"] == NOT_SUPPORTED
    assert "Firth" in claim["test"]


def test_direction_between_two_levels_uses_a_sign_test():
    register = register_of({"rule": "direction", "measure": "which came first",
                            "direction": "higher", "compared_with": {"level": ["online_first"]},
                            "select": {**SELECT, "variable": "onset_order",
                                       "level": "offline_first"}})
    table = results(row(variable="onset_order", level="offline_first", estimate=0.8, n=16,
                        denominator=20),
                    row(variable="onset_order", level="online_first", estimate=0.2, n=4,
                        denominator=20))
    claim = claim_row(evaluate_register(table, register))
    # scipy binomtest(16, 20, 0.5) two-sided p = 0.01182
    assert claim["p_value"] == pytest.approx(0.011818, abs=1e-6)
    assert claim["verdict"] == SUPPORTED and "sign" in claim["test"]


def test_minimum_detectable_difference_matches_statsmodels_power():
    # By hand: h = (z_0.975 + z_0.8) * sqrt(2 / 20) = (1.95996 + 0.84162) * 0.31623 = 0.88594
    # (NormalIndPower solves the same normal power equation); from 0.25 (phi = 2 asin(sqrt
    # .25) = 1.04720), sin((1.04720 + 0.88594) / 2)^2 = 0.67703, an MDD of 0.4270.
    mdd, method = evidence.mdd_two_shares(20, 20, 0.25, 0.05)
    assert mdd == pytest.approx(0.4270, abs=1e-3)
    assert "NormalIndPower" in method and "80% power" in method


# --- descriptive checks ----------------------------------------------------------------------

def ranks(**by_level) -> list[dict]:
    return [row(variable="t", level=level, statistic="rank", estimate=rank, n=n, denominator=50)
            for level, (rank, n) in by_level.items()]


RANKED_FIRST = register_of({"rule": "rank_is", "measure": "rank", "rank": 1,
                            "select": {**SELECT, "variable": "t", "level": "a",
                                       "statistic": "rank"}})


def test_rank_and_presence_are_descriptive():
    assert verdict_of(results(*ranks(a=(1, 30), b=(2, 10))), RANKED_FIRST) == AS_PUBLISHED
    assert verdict_of(results(*ranks(a=(1, 30), b=(1, 30))), RANKED_FIRST) == NOT_AS_PUBLISHED
    frame = evaluate_register(results(*ranks(a=(1, 30), b=(2, 10))), RANKED_FIRST)
    assert claim_row(frame)["test"].startswith("not tested")


# --- combining parts; the frame --------------------------------------------------------------

@pytest.mark.parametrize(
    ("verdicts", "scale", "expected"),
    [
        ([SUPPORTED, SUPPORTED], "direction", SUPPORTED),
        ([SUPPORTED, NOT_SUPPORTED], "direction", NOT_SUPPORTED),
        ([SUPPORTED, INSUFFICIENT], "direction", INSUFFICIENT),
        ([INSUFFICIENT, OPPOSITE], "direction", OPPOSITE),
        ([OPPOSITE, CONTRADICTED], "direction", CONTRADICTED),
        ([AS_PUBLISHED, SUPPORTED], "direction", SUPPORTED),
        ([CONSISTENT, SUPPORTED], VALUE_SCALE, CONSISTENT),
        ([CONSISTENT, NOT_SUPPORTED], VALUE_SCALE, UNINFORMATIVE),
        ([CONSISTENT, CONTRADICTED], VALUE_SCALE, INCONSISTENT),
        ([], "direction", INSUFFICIENT),
    ],
)
def test_parts_combine_as_all_must_hold(verdicts, scale, expected):
    assert combine_verdicts(verdicts, scale) == expected


def test_evaluation_has_fixed_columns_and_known_verdicts_even_on_an_empty_results_table():
    frame = evaluate_register(make_results([]))
    assert list(frame.columns) == list(REPLICATION_COLUMNS)
    assert [str(frame[c].dtype) for c in frame.columns] == list(REPLICATION_COLUMNS.values())
    assert set(frame["verdict"]) == {INSUFFICIENT}


def test_evaluation_is_deterministic_and_does_not_modify_the_results_table():
    table = groups(ta_only=18, dual=5, offline_only=4)
    before = table.copy(deep=True)
    first = evaluate_register(table, direction_register("higher"))
    pd.testing.assert_frame_equal(table, before)
    pd.testing.assert_frame_equal(first, evaluate_register(table, direction_register("higher")))


def test_each_cohort_of_a_results_table_is_evaluated_and_adjusted_on_its_own_rows():
    table = concat_results([
        results(share(80, 100, 0.7, 0.9)),
        results(row(cohort="second", estimate=0.2, ci_low=0.1, ci_high=0.3, n=20,
                    denominator=100)),
    ])
    frame = evaluate_register(table, MORE_THAN_HALF)
    assert dict(zip(frame["cohort"], frame["verdict"], strict=True)) == {
        "test-cohort": SUPPORTED, "second": CONTRADICTED}
    assert set(frame["p_adjust_method"]) == {ONE_CLAIM_HOLM}


# --- the synthetic cohort --------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_evaluation(synthetic_results) -> pd.DataFrame:
    return evaluate_register(synthetic_results)


def test_every_tested_row_of_the_synthetic_cohort_names_its_test_p_value_and_mdd(
    synthetic_evaluation,
):
    frame = synthetic_evaluation
    overall = frame[frame["part"].eq(0)]
    assert sorted(overall["finding"]) == sorted(PUBLISHED_FINDINGS)
    assert set(frame["verdict"]) <= set(VERDICTS)
    assert frame["test"].notna().all() and frame["mdd_method"].notna().all()
    tested = frame[~frame["finding"].isin(["R1", "R2"])
                   & ~frame["test"].str.startswith("not tested")]
    # every row but the descriptive R1, R2 and R5's presence parts has a p-value and an MDD
    assert len(tested) == len(frame) - 1 - 6 - 2
    assert tested["p_value"].notna().all()
    with_mdd = tested[tested["finding"].ne("L2") | tested["part"].ne(0)]
    assert with_mdd["mdd"].notna().all() and (with_mdd["mdd"] > 0).all()


def test_l1_is_not_supported_on_the_synthetic_cohort(synthetic_evaluation):
    l1 = claim_row(synthetic_evaluation, "L1")
    assert l1["p_value"] == pytest.approx(0.1058, abs=1e-4)  # its own binomial test row
    assert l1["verdict"] != SUPPORTED


def test_s1_to_s3_read_the_age_adjusted_models_on_the_synthetic_cohort(synthetic_evaluation):
    for finding in ("S1", "S2", "S3"):
        rows = synthetic_evaluation[synthetic_evaluation["finding"].eq(finding)]
        against_offline = rows[rows["compared_with"].eq("offline only")
                               | (rows["compared_with"].eq("TA-HSB only") & rows["part"].eq(0))]
        assert len(against_offline) >= 1
        assert against_offline["test"].str.contains("adjusted for age at referral").all()


def test_a_suppressed_row_in_the_release_tier_makes_its_claims_insufficient_data(
    synthetic_results,
):
    table = synthetic_results.copy()
    table["disclosure"] = pd.Series(RELEASED, index=table.index, dtype="string")
    overall = table["output"].eq("prevalence_overall") & table["statistic"].eq("proportion")
    any_ta = (overall & table["level"].eq("any_ta_hsb")).fillna(False)
    l3 = (overall & table["group"].eq("any_ta_hsb")).fillna(False)
    table.loc[any_ta | l3, ["estimate", "ci_low", "ci_high"]] = pd.NA
    table.loc[any_ta, ["n", "denominator"]] = pd.NA
    table.loc[l3, "denominator"] = pd.NA
    table.loc[any_ta | l3, "disclosure"] = SUPPRESSED
    frame = evaluate_register(table)
    assert claim_row(frame, "P1")["verdict"] == INSUFFICIENT
    assert claim_row(frame, "L3")["verdict"] == INSUFFICIENT
    assert claim_row(frame, "P2")["verdict"] == CONSISTENT
    assert set(frame["tier"]) == {tables.RELEASE_TIER}
    assert not math.isnan(claim_row(frame, "P2")["p_value"])
