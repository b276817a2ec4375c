"""The replication check (compare/replication.py, compare/verdicts.py): each rule gives the
right verdict on tiny hand-made results tables (consistent, not consistent, suppressed or
absent); parts combine as all must hold; every claim holds on the synthetic cohort and a
perturbed result breaks its claim."""

from __future__ import annotations

import pandas as pd
import pytest
from replication_helpers import (
    MORE_THAN_HALF,
    SELECT,
    by_group,
    claim_row,
    direction_register,
    parts_of,
    register_of,
    results,
    row,
    suppressed,
    verdict_of,
)

from tahsb_analysis.compare.register import ReplicationRegisterError
from tahsb_analysis.compare.replication import (
    REPLICATION_COLUMNS,
    combine_verdicts,
    evaluate_register,
)
from tahsb_analysis.compare.verdicts import CONSISTENT, INSUFFICIENT, NOT_CONSISTENT, VERDICTS
from tahsb_analysis.render import tables
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, concat_results, make_results

# The published findings as listed in the study summary (study.md), written out here so that
# the test does not trust the module's own list.
PUBLISHED_FINDINGS = [
    "P1", "P2", "R1", "R2", "R3", "R4", "R5", "C1", "C2", "C3", "C4", "C5", "C6",
    "L1", "L2", "L3", "S1", "S2", "S3",
]


def test_selector_matching_two_results_rows_is_an_error_not_a_verdict():
    register = register_of({"rule": "share_above", "measure": "m", "threshold": 0.5,
                            "select": SELECT})
    table = results(row(estimate=0.6, n=6, denominator=10),
                    row(estimate=0.7, n=7, denominator=10))
    with pytest.raises(ReplicationRegisterError, match="2 results rows match"):
        evaluate_register(table, register)


# --- value_in_ci --------------------------------------------------------------------------------

VALUE_46 = register_of({"rule": "value_in_ci", "measure": "share", "value": 0.46,
                        "select": SELECT})


def test_value_in_ci_is_consistent_when_the_ci_contains_the_published_value():
    table = results(row(estimate=0.45, ci_low=0.40, ci_high=0.52, n=45, denominator=100))
    claim = claim_row(evaluate_register(table, VALUE_46))
    assert claim["verdict"] == CONSISTENT
    # 0.45 - 0.46 = -0.01, i.e. 1.0 percentage point from the published 46%
    assert claim["difference"] == pytest.approx(-0.01)
    assert "contains the published 46%" in claim["reason"]
    assert "1.0 percentage points" in claim["reason"]


def test_value_in_ci_is_not_consistent_when_the_ci_misses_the_published_value():
    table = results(row(estimate=0.35, ci_low=0.30, ci_high=0.40, n=35, denominator=100))
    claim = claim_row(evaluate_register(table, VALUE_46))
    assert claim["verdict"] == NOT_CONSISTENT
    assert "does not contain the published 46%" in claim["reason"]


def test_value_in_ci_counts_a_published_value_on_the_ci_limit_as_inside():
    # closed interval: 0.46 is the upper limit itself
    table = results(row(estimate=0.40, ci_low=0.34, ci_high=0.46, n=40, denominator=100))
    assert verdict_of(table, VALUE_46) == CONSISTENT


def test_value_in_ci_on_a_suppressed_row_is_insufficient_data():
    claim = claim_row(evaluate_register(results(suppressed()), VALUE_46))
    assert claim["verdict"] == INSUFFICIENT
    assert "suppressed by disclosure control" in claim["reason"]


def test_value_in_ci_on_an_absent_row_is_insufficient_data():
    table = results(row(level="no", estimate=0.5, ci_low=0.4, ci_high=0.6, n=5,
                        denominator=10))
    claim = claim_row(evaluate_register(table, VALUE_46))
    assert claim["verdict"] == INSUFFICIENT
    assert "no results row" in claim["reason"]


def test_value_in_ci_on_an_empty_denominator_or_a_row_without_ci_is_insufficient_data():
    empty = results(row(estimate=pd.NA, n=0, denominator=0))
    no_ci = results(row(estimate=0.46, n=46, denominator=100))
    assert verdict_of(empty, VALUE_46) == INSUFFICIENT
    assert verdict_of(no_ci, VALUE_46) == INSUFFICIENT


# --- share_above ----------------------------------------------------------------------------



def test_share_above_is_consistent_for_a_share_above_the_threshold():
    # 31/52 = 0.596 > 0.5
    table = results(row(estimate=31 / 52, ci_low=0.46, ci_high=0.72, n=31, denominator=52))
    assert verdict_of(table, MORE_THAN_HALF) == CONSISTENT


def test_share_of_exactly_half_is_not_more_than_half():
    # 26/52 = 0.5 exactly: "more than half" needs strictly more
    table = results(row(estimate=26 / 52, ci_low=0.37, ci_high=0.63, n=26, denominator=52))
    claim = claim_row(evaluate_register(table, MORE_THAN_HALF))
    assert claim["verdict"] == NOT_CONSISTENT
    assert "is not above 50%" in claim["reason"]


def test_share_above_on_a_share_below_the_threshold_is_not_consistent():
    table = results(row(estimate=0.4, ci_low=0.3, ci_high=0.5, n=40, denominator=100))
    assert verdict_of(table, MORE_THAN_HALF) == NOT_CONSISTENT


def test_share_above_on_a_suppressed_row_is_insufficient_data():
    assert verdict_of(results(suppressed()), MORE_THAN_HALF) == INSUFFICIENT


# --- L3: the share of dual children among those with any TA-HSB, a results row ------------


def test_l3_reads_the_share_of_dual_among_any_ta_hsb_from_its_results_row(synthetic_results):
    # The shipped synthetic cohort: 107 dual children of the 126 with any TA-HSB.
    frame = evaluate_register(synthetic_results)
    claim = claim_row(frame, "L3")
    assert (claim["rule"], claim["n"], claim["denominator"]) == ("share_above", 107, 126)
    assert claim["estimate"] == pytest.approx(107 / 126)
    assert claim["verdict"] == CONSISTENT
    assert claim["reason"] == "84.9% (95% CI 77.6 to 90.1), 107/126 is above 50%"


# --- rank_is --------------------------------------------------------------------------------

RANK = {**SELECT, "variable": "ta_hsb_type", "level": "iioc", "statistic": "rank"}
RANKED_FIRST = register_of({"rule": "rank_is", "measure": "rank", "rank": 1, "select": RANK})


def ranks(**by_level) -> list[dict]:
    return [row(variable="ta_hsb_type", level=level, statistic="rank", estimate=rank, n=n,
                denominator=66, method="rank by number of children")
            for level, (rank, n) in by_level.items()]


def test_rank_is_consistent_when_the_level_holds_the_rank_alone():
    table = results(*ranks(iioc=(1, 42), inappropriate_pornography=(2, 37)))
    assert verdict_of(table, RANKED_FIRST) == CONSISTENT


def test_rank_is_not_consistent_for_another_rank():
    table = results(*ranks(iioc=(2, 37), inappropriate_pornography=(1, 42)))
    claim = claim_row(evaluate_register(table, RANKED_FIRST))
    assert claim["verdict"] == NOT_CONSISTENT
    assert "not 1" in claim["reason"]


def test_rank_shared_with_another_level_is_not_the_most_common():
    table = results(*ranks(iioc=(1, 40), inappropriate_pornography=(1, 40)))
    claim = claim_row(evaluate_register(table, RANKED_FIRST))
    assert claim["verdict"] == NOT_CONSISTENT
    assert "shares rank 1" in claim["reason"]


def test_rank_is_on_a_suppressed_rank_row_is_insufficient_data():
    table = results(suppressed(variable="ta_hsb_type", level="iioc", statistic="rank"),
                    *ranks(inappropriate_pornography=(2, 37)))
    assert verdict_of(table, RANKED_FIRST) == INSUFFICIENT


# --- all_present ----------------------------------------------------------------------------

FORMS = {k: v for k, v in SELECT.items() if k != "level"}
ALL_FORMS = register_of({"rule": "all_present", "measure": "children with the form",
                         "levels": ["a", "b", "c"], "select": FORMS})


def test_all_present_is_consistent_when_every_level_has_children_and_has_one_part_each():
    table = results(*[row(level=lv, estimate=n / 10, n=n, denominator=10)
                      for lv, n in (("a", 3), ("b", 1), ("c", 5))])
    frame = evaluate_register(table, ALL_FORMS)
    assert claim_row(frame)["verdict"] == CONSISTENT
    assert parts_of(frame)["part"].tolist() == [1, 2, 3]


def test_all_present_is_not_consistent_when_one_level_has_no_child():
    table = results(*[row(level=lv, estimate=n / 10, n=n, denominator=10)
                      for lv, n in (("a", 3), ("b", 0), ("c", 5))])
    frame = evaluate_register(table, ALL_FORMS)
    assert claim_row(frame)["verdict"] == NOT_CONSISTENT
    assert parts_of(frame)["verdict"].tolist() == [CONSISTENT, NOT_CONSISTENT, CONSISTENT]


def test_all_present_with_a_suppressed_level_is_insufficient_data():
    table = results(row(level="a", estimate=0.3, n=3, denominator=10),
                    suppressed(level="b"),
                    row(level="c", estimate=0.5, n=5, denominator=10))
    assert verdict_of(table, ALL_FORMS) == INSUFFICIENT


def test_all_present_with_an_absent_level_is_insufficient_data():
    table = results(row(level="a", estimate=0.3, n=3, denominator=10),
                    row(level="c", estimate=0.5, n=5, denominator=10))
    assert verdict_of(table, ALL_FORMS) == INSUFFICIENT


def test_a_failing_part_decides_even_when_another_part_is_suppressed():
    table = results(row(level="a", estimate=0.0, n=0, denominator=10),
                    suppressed(level="b"),
                    row(level="c", estimate=0.5, n=5, denominator=10))
    assert verdict_of(table, ALL_FORMS) == NOT_CONSISTENT


# --- direction ------------------------------------------------------------------------------


def test_direction_is_consistent_when_the_group_is_higher_than_every_other():
    frame = evaluate_register(by_group(ta_only=0.8, dual=0.45, offline_only=0.35),
                              direction_register("higher"))
    assert claim_row(frame)["verdict"] == CONSISTENT
    part = parts_of(frame).iloc[0]
    # 0.8 - 0.45 = 0.35
    assert part["compared_estimate"] == pytest.approx(0.45)
    assert part["difference"] == pytest.approx(0.35)


def test_direction_is_not_consistent_when_one_comparison_fails():
    frame = evaluate_register(by_group(ta_only=0.4, dual=0.45, offline_only=0.35),
                              direction_register("higher"))
    assert claim_row(frame)["verdict"] == NOT_CONSISTENT
    assert parts_of(frame)["verdict"].tolist() == [NOT_CONSISTENT, CONSISTENT]


def test_equal_estimates_show_no_direction():
    table = by_group(ta_only=0.5, dual=0.5, offline_only=0.2)
    assert verdict_of(table, direction_register("higher")) == NOT_CONSISTENT


def test_direction_lower_needs_the_group_below_every_other():
    table = by_group(ta_only=0.1, dual=0.45, offline_only=0.35)
    assert verdict_of(table, direction_register("lower")) == CONSISTENT
    assert verdict_of(table, direction_register("higher")) == NOT_CONSISTENT


def test_direction_with_a_suppressed_compared_row_is_insufficient_data():
    table = results(row(group_variable="hsb_group", group="ta_only", estimate=0.8, n=16,
                        denominator=20),
                    suppressed(group_variable="hsb_group", group="dual"),
                    row(group_variable="hsb_group", group="offline_only", estimate=0.3, n=6,
                        denominator=20))
    frame = evaluate_register(table, direction_register("higher"))
    assert claim_row(frame)["verdict"] == INSUFFICIENT
    assert parts_of(frame)["verdict"].tolist() == [INSUFFICIENT, CONSISTENT]


def test_direction_compares_levels_within_one_group():
    register = register_of({"rule": "direction", "measure": "which came first",
                            "direction": "higher", "compared_with": {"level": ["online_first"]},
                            "select": {**SELECT, "variable": "onset_order",
                                       "level": "offline_first"}})
    first = results(row(variable="onset_order", level="offline_first", estimate=0.8, n=8,
                        denominator=10),
                    row(variable="onset_order", level="online_first", estimate=0.2, n=2,
                        denominator=10))
    assert verdict_of(first, register) == CONSISTENT


# --- the evaluation frame -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([CONSISTENT, CONSISTENT], CONSISTENT),
        ([CONSISTENT, INSUFFICIENT], INSUFFICIENT),
        ([INSUFFICIENT, NOT_CONSISTENT], NOT_CONSISTENT),
        ([], INSUFFICIENT),
    ],
)
def test_parts_combine_as_all_must_hold(verdicts, expected):
    assert combine_verdicts(verdicts) == expected


def test_evaluation_has_fixed_columns_and_known_verdicts_even_on_an_empty_results_table():
    frame = evaluate_register(make_results([]))
    assert list(frame.columns) == list(REPLICATION_COLUMNS)
    assert [str(frame[c].dtype) for c in frame.columns] == list(REPLICATION_COLUMNS.values())
    assert set(frame["verdict"]) == {INSUFFICIENT}
    assert set(frame["verdict"]) <= set(VERDICTS)


def test_evaluation_does_not_modify_the_results_table():
    table = by_group(ta_only=0.8, dual=0.45, offline_only=0.35)
    before = table.copy(deep=True)
    evaluate_register(table, direction_register("higher"))
    pd.testing.assert_frame_equal(table, before)


def test_each_cohort_of_a_results_table_is_evaluated_on_its_own_rows():
    table = concat_results([
        results(row(estimate=0.6, n=6, denominator=10)),
        results(row(cohort="second", estimate=0.4, n=4, denominator=10)),
    ])
    frame = evaluate_register(table, MORE_THAN_HALF)
    assert dict(zip(frame["cohort"], frame["verdict"], strict=True)) == {
        "test-cohort": CONSISTENT, "second": NOT_CONSISTENT}


# --- the synthetic cohort -------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_evaluation(synthetic_results) -> pd.DataFrame:
    return evaluate_register(synthetic_results)


def test_every_published_finding_is_consistent_on_the_calibrated_synthetic_cohort(
    synthetic_evaluation,
):
    failing = synthetic_evaluation[synthetic_evaluation["verdict"].ne(CONSISTENT)]
    assert failing.empty, failing[["finding", "part", "verdict", "reason"]].to_string()
    overall = synthetic_evaluation[synthetic_evaluation["part"].eq(0)]
    assert sorted(overall["finding"]) == sorted(PUBLISHED_FINDINGS)
    assert overall["synthetic"].all()


def test_swapping_police_involvement_of_two_groups_breaks_finding_s2(synthetic_results):
    # A results-level perturbation (not a cohort one): the TA-HSB-only and offline-only rows of
    # police involvement trade places, as if the two groups' shares had been the other way
    # round. S2 needs TA-HSB only above dual; after the swap TA-HSB only carries the
    # offline-only share, which (checked first) is below dual's.
    table = synthetic_results.copy()
    police = (table["output"].eq("responses") & table["variable"].eq("police_involvement")
              & table["level"].eq("yes") & table["statistic"].eq("proportion")).fillna(False)
    ta_only = police & table["group"].eq("ta_only").fillna(False)
    offline = police & table["group"].eq("offline_only").fillna(False)
    dual = police & table["group"].eq("dual").fillna(False)
    assert (ta_only.sum(), offline.sum(), dual.sum()) == (1, 1, 1)
    assert table.loc[offline, "estimate"].item() < table.loc[dual, "estimate"].item()
    table.loc[ta_only, "group"] = "offline_only"
    table.loc[offline, "group"] = "ta_only"

    frame = evaluate_register(table)
    assert claim_row(frame, "S2")["verdict"] == NOT_CONSISTENT
    police_vs_dual = parts_of(frame, "S2")
    police_vs_dual = police_vs_dual[police_vs_dual["measure"].str.contains("police")
                                    & police_vs_dual["compared_with"].eq("dual")]
    assert police_vs_dual["verdict"].tolist() == [NOT_CONSISTENT]
    # Youth offending service involvement was not touched: its parts still hold.
    yos = parts_of(frame, "S2")
    assert set(yos[yos["measure"].str.contains("youth offending")]["verdict"]) == {CONSISTENT}


def test_a_suppressed_row_in_the_release_tier_makes_its_claims_insufficient_data(
    synthetic_results,
):
    # P1 reads the any-TA-HSB prevalence row; L3's share has its count as denominator, so the
    # gate hides that share with it (shared cells, tested in test_disclosure).
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
