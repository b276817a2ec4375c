"""The planner for the next cohort (compare/planner.py) and `tahsb plan`: sample sizes checked
against statsmodels called here on its own, and the precision formula by hand."""

import math

import pandas as pd
import pytest
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import power_ztost_prop, proportion_effectsize

from tahsb_analysis.cli import EXIT_INVALID_INPUT, main
from tahsb_analysis.compare.planner import (
    NOT_PLANNABLE,
    PLAN_COLUMNS,
    PLANNABLE,
    PlanError,
    PlanSettings,
    plan_cohort,
    precision_n,
    shares_from_odds_ratio,
    tost_mean_n,
    tost_share_n,
)
from tahsb_analysis.results.schema import make_results, write_results_csv

ASSESSED, IN_DEPTH = 300, 100


def _sizes(assessed=ASSESSED, in_depth=IN_DEPTH) -> list[dict]:
    """The rows the planner reads the cohort's size and in-depth sample from."""
    return [
        {"output": "prevalence_overall", "variable": "hsb_group", "level": "any_ta_hsb",
         "statistic": "proportion", "estimate": 0.46, "n": round(0.46 * assessed),
         "denominator": assessed, "unit": "children"},
        {"output": "characteristics", "variable": "hsb_group", "group_variable": "hsb_group",
         "group": "all", "statistic": "group_size", "estimate": in_depth, "n": in_depth,
         "unit": "children"},
    ]


def _share(variable, group, n, denominator, output="characteristics") -> dict:
    return {"output": output, "variable": variable, "level": "yes", "group_variable": "hsb_group",
            "group": group, "statistic": "proportion", "estimate": n / denominator, "n": n,
            "denominator": denominator, "unit": "children"}


def _table(rows) -> pd.DataFrame:
    return make_results(_sizes() + rows, cohort="test-cohort", synthetic=True, analysis="test",
                        method="test rows")


def _select(output, variable, level, group_variable, group, statistic) -> dict:
    return {"output": output, "variable": variable, "level": level,
            "group_variable": group_variable, "group": group, "statistic": statistic}


def _register(*claims) -> dict:
    return {"version": 1, "source": "test", "alpha": 0.05, "claims": list(claims)}


def _direction_claim(variable="trauma", compared=("offline_only",), statistic="proportion",
                     level="yes", direction="higher") -> dict:
    return {"id": "C9", "finding": "test finding", "kind": "direction", "published": "higher",
            "checks": [{"rule": "direction", "measure": "share", "direction": direction,
                        "compared_with": {"group": list(compared)},
                        "select": _select("characteristics", variable, level, "hsb_group",
                                          "ta_only", statistic)}]}


def _row(plan, part=0) -> pd.Series:
    return plan[plan["part"] == part].iloc[0]


def test_two_shares_with_equal_groups_match_statsmodels_and_scale_to_the_cohort():
    # Independent reference: Cohen's h for 50% vs 30% is 2 asin(sqrt .5) - 2 asin(sqrt .3) =
    # 0.4115; NormalIndPower().solve_power(0.4115, power=0.8, alpha=0.05) = 92.70 per group.
    effect = proportion_effectsize(0.5, 0.3)
    assert effect == pytest.approx(0.41152, abs=1e-5)
    per_group = NormalIndPower().solve_power(effect, power=0.8, alpha=0.05)
    assert per_group == pytest.approx(92.696, abs=1e-3)
    table = _table([_share("trauma", "ta_only", 20, 40), _share("trauma", "offline_only", 12, 40)])
    row = _row(plan_cohort(table, _register(_direction_claim())))
    assert row["status"] == PLANNABLE
    assert row["effect"] == pytest.approx(effect)
    assert (row["n_needed"], row["compared_n_needed"]) == (93, 93)
    # Each group is 40 of the 100 in-depth children: 93 / 0.4 = 232.5 -> 233 in the in-depth
    # sample; the in-depth sample is 100 of 300 children assessed: 233 * 3 = 699.
    assert row["in_depth_needed"] == 233
    assert row["children_needed"] == 699
    assert "NormalIndPower" in row["method"] and "proportion_effectsize" in row["method"]


def test_unequal_groups_keep_the_reference_group_ratio():
    # 20 children in the first group, 40 in the second: ratio 2. statsmodels gives
    # NormalIndPower().solve_power(0.4115, power=0.8, alpha=0.05, ratio=2) = 69.52, so 70 and
    # 69.52 * 2 = 139.04 -> 140.
    expected = NormalIndPower().solve_power(proportion_effectsize(0.5, 0.3), power=0.8,
                                            alpha=0.05, ratio=2)
    assert expected == pytest.approx(69.522, abs=1e-3)
    table = _table([_share("trauma", "ta_only", 10, 20), _share("trauma", "offline_only", 12, 40)])
    row = _row(plan_cohort(table, _register(_direction_claim())))
    assert row["group_ratio"] == pytest.approx(2.0)
    assert (row["n_needed"], row["compared_n_needed"]) == (70, 140)
    # in-depth: max(70 * 100 / 20, 140 * 100 / 40) = max(350, 350) = 350; cohort 1050
    assert (row["in_depth_needed"], row["children_needed"]) == (350, 1050)


def test_one_sample_share_above_a_threshold_uses_the_one_sample_case():
    # Share 60% against 50%: h = 0.2014; NormalIndPower with ratio=0 (statsmodels' one-sample
    # case) gives 193.58 -> 194. By hand: ((1.95996 + 0.84162) / 0.20136)^2 = 193.58.
    effect = proportion_effectsize(0.6, 0.5)
    assert ((1.959964 + 0.841621) / effect) ** 2 == pytest.approx(193.58, abs=0.01)
    claim = {"id": "L9", "finding": "more than half", "kind": "direction",
             "published": "more than half",
             "checks": [{"rule": "share_above", "measure": "share", "threshold": 0.5,
                         "select": _select("porn_trigger", "trigger", "yes", "hsb_group",
                                           "dual", "proportion")}]}
    table = _table([_share("trigger", "dual", 30, 50, output="porn_trigger")])
    row = _row(plan_cohort(table, _register(claim)))
    assert row["n_needed"] == 194
    assert pd.isna(row["compared_n_needed"])
    # 194 / (50 / 100) = 388 in-depth children; 388 * 3 = 1164 children assessed
    assert (row["in_depth_needed"], row["children_needed"]) == (388, 1164)


def _p1_claim(margin=0.10) -> dict:
    return {"id": "P1", "finding": "46%", "kind": "value", "published": "46%",
            "checks": [{"rule": "equivalence", "measure": "share", "value": 0.46,
                        "margin": margin, "margin_reason": "test",
                        "select": _select("prevalence_overall", "hsb_group", "any_ta_hsb",
                                          None, None, "proportion")}]}


def test_headline_prevalence_plans_the_tost_and_the_precision():
    # TOST of 46% against [36%, 56%] at a true 46%: statsmodels
    # power_ztost_prop(0.36, 0.56, n, 0.46, dist="norm", discrete=False) is 0.79773 at n = 207
    # and 0.80018 at n = 208, so 208 children. By hand: power(n) = 2 Phi(0.1 / se - 1.6449) - 1
    # with se ~ sqrt(0.46 * 0.54 / n) (statsmodels takes the variance at the limits).
    def power(n):
        return power_ztost_prop(0.36, 0.56, n, 0.46, alpha=0.05, dist="norm",
                                discrete=False)[0]
    assert power(207) == pytest.approx(0.79773, abs=1e-5)
    assert power(208) == pytest.approx(0.80018, abs=1e-5)
    assert tost_share_n(0.46, 0.36, 0.56) == 208
    # Precision: n = 1.96^2 * 0.46 * 0.54 / 0.05^2 = 381.7 -> 382 children assessed.
    assert 1.96**2 * 0.46 * 0.54 / 0.05**2 == pytest.approx(381.7, abs=0.1)
    assert precision_n(0.46, 0.05) == 382
    plan = plan_cohort(_table([]), _register(_p1_claim()))
    tost, precision, overall = _row(plan, 1), _row(plan, 2), _row(plan, 0)
    assert (tost["status"], tost["n_needed"], tost["children_needed"]) == (PLANNABLE, 208, 208)
    assert "power_ztost_prop" in tost["method"] and "[0.36, 0.56]" in tost["test"]
    assert (precision["n_needed"], precision["children_needed"]) == (382, 382)
    assert "normal-approximation" in precision["method"]
    assert overall["children_needed"] == 382
    assert precision["population"] == "children assessed" and pd.isna(precision["in_depth_needed"])
    # A wider --margin needs fewer children: 1.96^2 * 0.46 * 0.54 / 0.1^2 = 95.4 -> 96; the
    # TOST (the register's margin) then decides.
    wider = plan_cohort(_table([]), _register(_p1_claim()), PlanSettings(margin=0.1))
    assert _row(wider, 2)["children_needed"] == 96 and _row(wider, 0)["children_needed"] == 208


def test_a_reference_outside_the_margin_cannot_be_planned_for_equivalence():
    # Published 36% +/- 10 points is [26%, 46%]: the reference 46% sits on the edge, where the
    # TOST passes at most alpha of the time however many children there are.
    claim = _p1_claim()
    claim["checks"][0] = {**claim["checks"][0], "value": 0.36}
    # One row: without the TOST part planned, the precision part is not added either.
    row = _row(plan_cohort(_table([]), _register(claim)))
    assert row["status"] == NOT_PLANNABLE and "not strictly inside" in row["reason"]
    assert tost_share_n(0.46, 0.26, 0.46) is None


def test_tost_of_a_mean_matches_the_normal_approximation_by_hand():
    # Mean 3, SD 1.2, band [2, 4]: power(n) = 2 Phi(1 / (1.2 / sqrt n) - 1.6449) - 1 is
    # 2 Phi(1.2419) - 1 = 0.7857 at n = 12 and 2 Phi(1.3596) - 1 = 0.8260 at n = 13.
    from scipy.stats import norm
    assert 2 * norm.cdf(1 / (1.2 / math.sqrt(12)) - 1.644854) - 1 == pytest.approx(0.7857,
                                                                                 abs=1e-4)
    assert 2 * norm.cdf(1 / (1.2 / math.sqrt(13)) - 1.644854) - 1 == pytest.approx(0.8260,
                                                                                 abs=1e-4)
    assert tost_mean_n(3.0, 1.2, 2.0, 4.0) == 13
    assert tost_mean_n(4.0, 1.2, 2.0, 4.0) is None


def test_a_model_odds_ratio_is_planned_as_two_shares_at_the_baseline_share():
    # As S2 against offline-only boys: the ta_only term's odds ratio 3 applied to the
    # offline-only share 16/40 = 0.4 (odds 2/3): odds 2, share 2/3. Cohen's h of 2/3 vs 0.4 is
    # 0.54119 (statsmodels proportion_effectsize); NormalIndPower().solve_power(0.54119,
    # power=0.8, alpha=0.05, ratio=40/20=2) = 40.20 -> 41 and 80.39 -> 81.
    assert shares_from_odds_ratio(3.0, 0.4) == pytest.approx(2 / 3)
    h = proportion_effectsize(2 / 3, 0.4)
    assert h == pytest.approx(0.54119, abs=1e-5)
    assert NormalIndPower().solve_power(h, power=0.8, alpha=0.05, ratio=2) == pytest.approx(
        40.197, abs=1e-3)
    model = {"output": "response_models", "variable": "police", "level": "ta_only",
             "group_variable": "hsb_group", "statistic": "odds_ratio", "estimate": 3.0,
             "n": 60, "denominator": 60, "unit": "children", "p_value": 0.04}
    claim = _direction_claim(variable="police", compared=("offline_only",))
    claim["checks"][0]["tests"] = {"offline_only": {
        "published_side": "above", "effect_null": 1,
        "select": _select("response_models", "police", "ta_only", "hsb_group", None,
                          "odds_ratio")}}
    # The crude ta_only share (1/20) is ignored: the model's odds ratio gives the effect.
    table = _table([_share("police", "ta_only", 1, 20), _share("police", "offline_only", 16, 40),
                    model])
    row = _row(plan_cohort(table, _register(claim)))
    assert row["status"] == PLANNABLE
    assert (row["estimate"], row["compared_estimate"]) == (pytest.approx(2 / 3), 0.4)
    assert (row["n_needed"], row["compared_n_needed"]) == (41, 81)
    assert "Unadjusted for age" in row["method"]


def test_a_model_contrast_is_planned_at_the_compared_groups_share():
    # As S2 against dual boys: the "ta_only vs dual" contrast's odds ratio 3 applied to the
    # dual share 16/40 = 0.4 (the compared group is the contrast's baseline): share 2/3 for
    # TA-HSB only, the same numbers as the test above (41 and 81).
    model = {"output": "response_models", "variable": "police", "level": "ta_only vs dual",
             "group_variable": "hsb_group", "statistic": "odds_ratio", "estimate": 3.0,
             "n": 60, "denominator": 60, "unit": "children", "p_value": 0.04}
    claim = _direction_claim(variable="police", compared=("dual",))
    claim["checks"][0]["tests"] = {"dual": {
        "published_side": "above", "effect_null": 1,
        "select": _select("response_models", "police", "ta_only vs dual", "hsb_group", None,
                          "odds_ratio")}}
    table = _table([_share("police", "ta_only", 1, 20), _share("police", "dual", 16, 40),
                    model])
    row = _row(plan_cohort(table, _register(claim)))
    assert (row["estimate"], row["compared_estimate"]) == (pytest.approx(2 / 3), 0.4)


def test_two_means_match_ttestindpower_with_the_pooled_sd():
    # Means 11 and 10, SD 2 in both: d = 0.5; TTestIndPower().solve_power(0.5, power=0.8,
    # alpha=0.05) = 63.77 -> 64 per group.
    assert TTestIndPower().solve_power(0.5, power=0.8, alpha=0.05) == pytest.approx(63.766,
                                                                                 abs=1e-3)
    rows = []
    for group, mean in (("ta_only", 11.0), ("offline_only", 10.0)):
        common = {"output": "characteristics", "variable": "age", "group_variable": "hsb_group",
                  "group": group, "n": 30, "denominator": 30, "unit": "years"}
        rows += [{**common, "statistic": "mean", "estimate": mean},
                 {**common, "statistic": "sd", "estimate": 2.0}]
    claim = _direction_claim(variable="age", statistic="mean", level=None)
    row = _row(plan_cohort(_table(rows), _register(claim)))
    assert row["effect_measure"] == "Cohen's d" and row["effect"] == pytest.approx(0.5)
    assert (row["n_needed"], row["compared_n_needed"]) == (64, 64)
    assert "TTestIndPower" in row["method"]


def test_no_effect_in_the_reference_is_not_plannable_and_blocks_the_claim():
    table = _table([_share("trauma", "ta_only", 8, 20), _share("trauma", "offline_only", 16, 40),
                    _share("trauma", "dual", 5, 40)])
    plan = plan_cohort(table, _register(_direction_claim(compared=("offline_only", "dual"))))
    equal, differing = _row(plan, 1), _row(plan, 2)
    assert equal["status"] == NOT_PLANNABLE and "effect 0" in equal["reason"]
    assert pd.isna(equal["children_needed"])
    assert differing["status"] == PLANNABLE
    overall = _row(plan, 0)
    assert overall["status"] == NOT_PLANNABLE and "part(s) 1" in overall["reason"]


def test_missing_rows_rankings_and_behaviour_shares_are_not_plannable_with_a_reason():
    ranking = {"id": "R1", "finding": "first", "kind": "ranking", "published": "rank 1",
               "checks": [{"rule": "rank_is", "measure": "rank", "rank": 1,
                           "select": _select("types", "type", "iioc", "population", "any",
                                             "rank")}]}
    absent = _direction_claim(variable="not_in_the_table")
    plan = plan_cohort(_table([]), _register(ranking, {**absent, "id": "C8"}))
    assert list(plan["status"]) == [NOT_PLANNABLE, NOT_PLANNABLE]
    assert "no declared test" in plan["reason"].iloc[0]
    assert "no single reference row" in plan["reason"].iloc[1]


def test_a_table_without_the_cohort_size_is_refused():
    rows = make_results([_share("trauma", "ta_only", 8, 20)], cohort="c", synthetic=True,
                        analysis="test", method="m")
    with pytest.raises(PlanError, match="children assessed"):
        plan_cohort(rows, _register(_direction_claim()))


def test_shipped_cohort_plan_is_complete_and_deterministic(synthetic_results):
    plan = plan_cohort(synthetic_results)
    assert list(plan.columns) == list(PLAN_COLUMNS)
    assert plan.equals(plan_cohort(synthetic_results))
    overall = plan[plan["part"] == 0].set_index("finding")
    # P1: the precision part by the normal-approximation formula at the cohort's own
    # prevalence; the TOST part (margin 10 points) needs fewer here.
    p1 = synthetic_results.query("output == 'prevalence_overall' and level == 'any_ta_hsb' "
                                 "and group.isna() and statistic == 'proportion'")
    share = float(p1["estimate"].iloc[0])
    by_hand = math.ceil(1.959964**2 * share * (1 - share) / 0.05**2)
    p1_parts = plan[plan["finding"] == "P1"].set_index("part")
    assert p1_parts.loc[2, "children_needed"] == by_hand
    assert p1_parts.loc[1, "children_needed"] == tost_share_n(share, 0.36, 0.56)
    assert overall.loc["P1", "children_needed"] == max(by_hand, tost_share_n(share, 0.36, 0.56))
    for finding in ("P1", "P2", "R3", "C1", "C2", "C3", "C4", "C5", "C6", "S1", "S2", "S3",
                    "L1", "L2"):
        assert overall.loc[finding, "status"] == PLANNABLE, finding
        in_depth = overall.loc[finding, "in_depth_needed"]
        assert pd.isna(in_depth) or overall.loc[finding, "children_needed"] >= in_depth
    for finding in ("R1", "R2"):
        assert overall.loc[finding, "status"] == NOT_PLANNABLE


def test_cli_plan_prints_and_writes_the_plan(synthetic_results, tmp_path, capsys):
    source = tmp_path / "results_table.parquet"
    synthetic_results.to_parquet(source)
    out = tmp_path / "plan.csv"
    assert main(["plan", "--results", str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "children assessed" in printed and "P1" in printed
    written = pd.read_csv(out)
    assert list(written.columns) == list(PLAN_COLUMNS)
    # The CSV form of the results table gives the same plan.
    csv_source = tmp_path / "results_table.csv"
    write_results_csv(synthetic_results, csv_source)
    again = tmp_path / "again.csv"
    assert main(["plan", "--results", str(csv_source), "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_cli_plan_refuses_bad_input_without_echoing_a_value(tmp_path, capsys):
    missing = tmp_path / "absent.parquet"
    assert main(["plan", "--results", str(missing)]) == EXIT_INVALID_INPUT
    assert "absent.parquet" in capsys.readouterr().err
    other = tmp_path / "cases.csv"
    other.write_text("case_id,sex\nSECRET-CASE-17,male\n", encoding="utf-8")
    assert main(["plan", "--results", str(other)]) == EXIT_INVALID_INPUT
    err = capsys.readouterr().err
    assert "cases.csv" in err and "not a results table" in err
    assert "SECRET-CASE-17" not in err
    # Right columns, a value off the schema's vocabulary: refused, the value not repeated.
    table = _table([])
    table["statistic"] = table["statistic"].astype(object)
    table.loc[0, "statistic"] = "SECRET-STATISTIC"
    bad = tmp_path / "bad.csv"
    table.to_csv(bad, index=False)
    assert main(["plan", "--results", str(bad)]) == EXIT_INVALID_INPUT
    err = capsys.readouterr().err
    assert "bad.csv" in err and "SECRET-STATISTIC" not in err
