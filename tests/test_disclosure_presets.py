"""The disclosure policy's presets: each loads, cites a source, and is chosen by name; a
misspelt preset or output is named in the error. Hand-made tables show each preset's rule."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.release.policy import DisclosurePolicyError, load_policy, policy_from_mapping
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, make_results

REPO = Path(__file__).resolve().parents[1]
POLICY_FILE = REPO / "config" / "disclosure_policy.yaml"
DATA = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
PRESETS = ("threshold-10", "nhs-suppress-1-7-round-5", "controlled-rounding-5")


def share(level, n, d, group):
    low, high = proportion_confint(n, d, alpha=0.05, method="wilson")
    return {"output": "characteristics", "variable": "looked_after", "level": level,
            "group_variable": "hsb_group", "group": group, "statistic": "proportion",
            "estimate": n / d, "ci_low": low, "ci_high": high, "n": n, "denominator": d,
            "unit": "children", "method": "Wilson 95% CI"}


def gate(rows, preset):
    table = make_results(rows, cohort="t", synthetic=True, analysis="a")
    return apply_disclosure_control(table, load_policy(POLICY_FILE, preset))


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads_and_cites_its_source(preset):
    policy = load_policy(POLICY_FILE, preset)
    assert policy.preset == preset and len(policy.preset_source) > 40
    assert set(policy.presets) == set(PRESETS)
    assert policy.summary()["preset"] == preset


def test_the_default_preset_is_threshold_10():
    policy = load_policy(POLICY_FILE)
    assert (policy.preset, policy.threshold, policy.rounding) == ("threshold-10", 10, "none")


def test_an_unknown_preset_is_named_with_the_presets_there_are():
    with pytest.raises(DisclosurePolicyError, match="no-such-preset") as error:
        load_policy(POLICY_FILE, "no-such-preset")
    assert "threshold-10" in str(error.value)


def test_withholding_an_output_the_registry_does_not_have_is_an_error():
    data = copy.deepcopy(DATA)
    data["withhold"] = ["prevalence_by_shoe_size"]
    with pytest.raises(DisclosurePolicyError, match="prevalence_by_shoe_size"):
        policy_from_mapping(data)


def test_a_rounding_preset_must_name_its_base():
    data = copy.deepcopy(DATA)
    del data["presets"]["controlled-rounding-5"]["rounding"]["base"]
    with pytest.raises(DisclosurePolicyError, match="base"):
        policy_from_mapping(data, preset="controlled-rounding-5")


# 7 of 30 and 23 of 30 in one group, 12 of 40 in another: by hand, under each preset
ROWS = [share("yes", 7, 30, "ta_only"), share("yes", 12, 40, "dual")]


def test_threshold_10_hides_7_and_keeps_12_exact():
    release = gate(ROWS, "threshold-10").release.set_index("group")
    assert release.loc["ta_only", "disclosure"] == SUPPRESSED
    assert (release.loc["dual", "n"], release.loc["dual", "denominator"]) == (12, 40)


def test_nhs_hides_7_and_rounds_12_of_40_to_10_of_40():
    release = gate(ROWS, "nhs-suppress-1-7-round-5").release.set_index("group")
    assert release.loc["ta_only", "disclosure"] == SUPPRESSED
    assert release.loc["dual", "disclosure"] == RELEASED
    assert (release.loc["dual", "n"], release.loc["dual", "denominator"]) == (10, 40)
    # the share and its CI come from the rounded counts: Wilson CI of 10 of 40
    low, high = proportion_confint(10, 40, alpha=0.05, method="wilson")
    assert release.loc["dual", "estimate"] == pytest.approx(0.25)
    assert release.loc["dual", "ci_low"] == pytest.approx(low)
    assert release.loc["dual", "ci_high"] == pytest.approx(high)


def test_controlled_rounding_moves_each_count_to_an_adjacent_multiple_of_5():
    release = gate(ROWS, "controlled-rounding-5").release.set_index("group")
    for group, n, d in (("ta_only", 7, 30), ("dual", 12, 40)):
        shown_n = release.loc[group, "n"]
        assert shown_n in (5 * (n // 5), 5 * (n // 5) + 5)
        assert release.loc[group, "denominator"] == d  # already a multiple: unchanged
        assert "controlled rounding" in release.loc[group, "disclosure_reason"]


def test_a_withheld_output_is_hidden_whole_and_says_so():
    data = copy.deepcopy(DATA)
    data["withhold"] = ["characteristics"]
    policy = policy_from_mapping(data)
    rows = [share("yes", 25, 50, "dual"), share("yes", 30, 60, "offline_only")]
    outcome = apply_disclosure_control(
        make_results(rows, cohort="t", synthetic=True, analysis="a"), policy)
    assert outcome.release["disclosure"].eq(SUPPRESSED).all()
    log = outcome.cells[outcome.cells["shown"].astype(bool)]
    assert log["reason"].str.contains("withheld by the disclosure policy").any()
    assert outcome.unprotected == 0


def test_raising_an_outputs_priority_moves_secondary_suppression_elsewhere():
    """Two tables share a margin; one small cell must be protected by hiding a cell of either
    table. The table with the higher priority keeps its cells."""
    import numpy as np

    from tahsb_analysis.release.optimal_suppression import SuppressionProblem, secondary_cells
    from tahsb_analysis.release.policy import Protection

    # cells: 0 = small (3), 1 = its neighbour in table A (27), 2 = A's total (30);
    # 3 = table B's count equal to cell 1 (27, the same count shown twice), 4 = B's other (40)
    values = np.array([3.0, 27.0, 30.0, 27.0, 40.0, 67.0])
    equations = [{0: 1.0, 1: 1.0, 2: -1.0}, {1: 1.0, 3: -1.0}, {3: 1.0, 4: 1.0, 5: -1.0}]

    def solve(costs):
        problem = SuppressionProblem(equations, [], values, values, values,
                                     np.zeros(6, dtype=bool), {0}, set(), np.array(costs),
                                     Protection(1, 0, 10))
        return secondary_cells(problem).secondary

    # hiding the total of A (cell 2) is cheap: the solver takes it
    assert solve([1, 100, 1, 100, 100, 100]) == {2}
    # make A's total expensive: it hides the neighbour and its copy in B with B's other count
    chosen = solve([1, 1, 1000, 1, 1, 1000])
    assert 2 not in chosen and {1, 3} <= chosen


@pytest.mark.parametrize("preset", PRESETS)
def test_degenerate_tables_pass_the_gate_without_a_crash(preset):
    # one row; a row whose every count is below the threshold; two rows of one population
    # that cannot both be true (a registry-style relation the counts break)
    for rows in ([share("yes", 12, 40, "dual")],
                 [share("yes", 1, 2, "ta_only"), share("yes", 0, 3, "dual")],
                 [share("yes", 12, 40, "dual"),
                  {**share("yes", 12, 40, "dual"), "variable": "police_involvement",
                   "denominator": 38, "estimate": 12 / 38}]):
        outcome = gate(rows, preset)
        assert len(outcome.release) >= len(rows)
        assert set(outcome.release["disclosure"]) <= {RELEASED, SUPPRESSED}
