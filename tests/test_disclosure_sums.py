"""Disclosure control of rows that add up or re-show other rows' counts.

The nodes of the trajectories' flow diagram (`trajectory_first`, `trajectory_later`) are sums of
trajectory counts, declared as `level_sums` in the output registry; the share of dual children
among those with any TA-HSB (L3) shows the overall dual and any-TA-HSB counts, declared as
`shared_cells`. Tables are built by hand so the right decision is known, and attacked with the
linear-programming attacker of test_disclosure (written independently of the gate).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from test_disclosure import attack, policy, row_of, share, table

from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED

# 80 dual children: offline first 24 (4 then pornography, 20 then other TA-HSB), pornography
# first 30, other TA-HSB first 12, offline and pornography in the same year 14.
# offline -> pornography = 4 is the only count below the threshold of 10.
FLOWS = {
    "offline -> pornography": 4,
    "offline -> other_ta": 20,
    "pornography -> offline": 30,
    "other_ta -> offline": 12,
    "offline + pornography (same year)": 14,
}
# The nodes, counted by hand from FLOWS.
FIRST = {"offline": 24, "pornography": 30, "other_ta": 12,
         "offline + pornography (same year)": 14}
LATER = {"offline": 42, "pornography": 4, "other_ta": 20, "same_year": 14}
# Which flows make each node (written out here, not matched as the gate does).
FIRST_PARTS = {"offline": ["offline -> pornography", "offline -> other_ta"],
               "pornography": ["pornography -> offline"], "other_ta": ["other_ta -> offline"],
               "offline + pornography (same year)": ["offline + pornography (same year)"]}
LATER_PARTS = {"offline": ["pornography -> offline", "other_ta -> offline"],
               "pornography": ["offline -> pornography"], "other_ta": ["offline -> other_ta"],
               "same_year": ["offline + pornography (same year)"]}
DUAL = {"group_variable": "dual_subgroup", "group": "all_dual", "output": "trajectories"}
TOTAL = sum(FLOWS.values())


def trajectory_rows(with_nodes: bool = True) -> list[dict]:
    rows = [share("trajectory", level, n, TOTAL, **DUAL) for level, n in FLOWS.items()]
    if with_nodes:
        rows += [share("trajectory_first", level, n, TOTAL, **DUAL) for level, n in FIRST.items()]
        rows += [share("trajectory_later", level, n, TOTAL, **DUAL) for level, n in LATER.items()]
    return rows


def trajectory_attack(release: pd.DataFrame) -> dict:
    """Solve the released trajectories: the flows add up to N, and each node is the sum of its
    flows."""
    known = {}
    for row in release.itertuples():
        if not pd.isna(row.n):
            known[(row.variable, row.level)] = float(row.n)
        if not pd.isna(row.denominator):
            known[("d", row.variable)] = float(row.denominator)
    equations = [{**{("trajectory", f): 1.0 for f in FLOWS}, ("d", "trajectory"): -1.0}]
    for variable, parts in (("trajectory_first", FIRST_PARTS), ("trajectory_later", LATER_PARTS)):
        for node, flows in parts.items():
            equations.append({**{("trajectory", f): 1.0 for f in flows}, (variable, node): -1.0})
    return attack(equations, known)


def test_a_hidden_flow_cannot_be_recovered_from_the_node_totals():
    outcome = apply_disclosure_control(table(trajectory_rows()), policy())
    release = outcome.release
    assert row_of(release, variable="trajectory", level="offline -> pornography")[
        "disclosure"] == SUPPRESSED
    # offline first = 24 = 4 + 20: released with the 20, it would give the 4 back.
    assert row_of(release, variable="trajectory_first", level="offline")[
        "disclosure"] == SUPPRESSED
    assert outcome.unprotected == 0
    ranges = trajectory_attack(release)
    assert ("trajectory", "offline -> pornography") in ranges
    for cell, (low, high) in ranges.items():
        assert high - low >= 1, f"{cell} is pinned to [{low}, {high}]"


def test_without_the_level_sums_rule_a_released_node_total_gives_the_flow_back():
    # The attack must work when the gate does not know the nodes are sums, or the test above
    # could not fail: offline first 24 minus offline -> other TA-HSB 20 = 4.
    project = policy()
    blind = dataclasses.replace(project, structure={**project.structure, "level_sums": []})
    release = apply_disclosure_control(table(trajectory_rows()), blind).release
    assert row_of(release, variable="trajectory_first", level="offline")["n"] == 24
    low, high = trajectory_attack(release)[("trajectory", "offline -> pornography")]
    assert low == pytest.approx(4) and high == pytest.approx(4)


def test_the_node_totals_leave_the_decisions_on_the_flows_unchanged():
    # The nodes say nothing their flows do not: hidden before any flow, so the flows keep the
    # decisions the gate takes without the node rows.
    with_nodes = apply_disclosure_control(table(trajectory_rows()), policy()).release
    without = apply_disclosure_control(table(trajectory_rows(False)), policy()).release
    flows = with_nodes[with_nodes["variable"].eq("trajectory")].reset_index(drop=True)
    pd.testing.assert_frame_equal(flows, without)


def test_released_node_totals_are_the_hand_counts():
    release = apply_disclosure_control(table(trajectory_rows()), policy()).release
    nodes = release[release["variable"].isin(["trajectory_first", "trajectory_later"])
                    & release["disclosure"].eq(RELEASED)]
    assert len(nodes)  # some node is released
    hand = {"trajectory_first": FIRST, "trajectory_later": LATER}
    for row in nodes.itertuples():
        assert row.n == hand[row.variable][row.level]


def test_a_node_suppressed_on_its_own_with_every_flow_released_is_still_protected():
    # pornography first = 35 + 10 = 45 of 52: its complement (7) is below the threshold, but
    # both its flows are released; hiding nodes cannot protect it, so a flow is hidden too.
    flows = {"pornography -> offline": 35, "pornography -> other_ta": 10,
             "offline -> other_ta": 3, "other_ta -> offline": 4}
    rows = [share("trajectory", level, n, 52, **DUAL) for level, n in flows.items()]
    rows += [share("trajectory_first", level, n, 52, **DUAL)
             for level, n in {"pornography": 45, "offline": 3, "other_ta": 4}.items()]
    outcome = apply_disclosure_control(table(rows), policy())
    release = outcome.release
    assert row_of(release, variable="trajectory_first", level="pornography")[
        "disclosure"] == SUPPRESSED
    hidden = release[release["variable"].eq("trajectory") & release["n"].isna()]["level"]
    assert {"pornography -> offline", "pornography -> other_ta"} & set(hidden)
    assert outcome.unprotected == 0


def test_a_level_sum_whose_patterns_match_no_part_is_refused():
    project = policy()
    rules = [{"variable": "trajectory_first", "of": "trajectory", "match": ["{level} => *"]}]
    broken = dataclasses.replace(project, structure={**project.structure, "level_sums": rules})
    with pytest.raises(ValueError, match="no level of the variable"):
        apply_disclosure_control(table(trajectory_rows()), broken)


# --- the L3 share: the overall dual count over the overall any-TA-HSB count ------------------

def prevalence_rows(ta_only: int, dual: int, offline_only: int) -> list[dict]:
    counts = {"any_ta_hsb": ta_only + dual, "ta_only": ta_only, "dual": dual,
              "offline_only": offline_only, "neither": 0}
    d = ta_only + dual + offline_only
    rows = [share("hsb_group", level, n, d, output="prevalence_overall")
            for level, n in counts.items()]
    rows.append(share("hsb_group", "dual", dual, ta_only + dual, "population", "any_ta_hsb",
                      output="prevalence_overall"))
    return rows


def test_the_l3_share_shows_the_overall_counts_and_takes_their_decisions():
    outcome = apply_disclosure_control(table(prevalence_rows(20, 60, 120)), policy())
    l3 = row_of(outcome.release, group="any_ta_hsb")
    assert l3["disclosure"] == RELEASED and (l3["n"], l3["denominator"]) == (60, 80)
    # No cell of its own: the cell log holds only the overall table's counts.
    assert not outcome.cells["group"].eq("any_ta_hsb").any()


@pytest.mark.parametrize("ta_only", [4, 9])
def test_the_l3_share_is_hidden_with_the_count_it_shows(ta_only):
    # TA-HSB only below the threshold: any TA-HSB = TA-HSB only + dual, so the gate hides the
    # dual or the any-TA-HSB count too, and the L3 share must not show the hidden one.
    outcome = apply_disclosure_control(table(prevalence_rows(ta_only, 60, 120)), policy())
    release = outcome.release
    l3 = row_of(release, group="any_ta_hsb")
    dual = row_of(release, level="dual", group=None)
    any_ta = row_of(release, level="any_ta_hsb", group=None)
    assert pd.isna(dual["n"]) or pd.isna(any_ta["n"])
    assert pd.isna(l3["n"]) == pd.isna(dual["n"])
    assert pd.isna(l3["denominator"]) == pd.isna(any_ta["n"])
    assert l3["disclosure"] == SUPPRESSED and pd.isna(l3["estimate"])
    assert outcome.unprotected == 0


def test_an_l3_share_whose_counts_differ_from_the_overall_rows_is_refused():
    rows = prevalence_rows(20, 60, 120)
    rows[-1] = share("hsb_group", "dual", 59, 80, "population", "any_ta_hsb",
                     output="prevalence_overall")
    with pytest.raises(ValueError, match="different counts for the same cell"):
        apply_disclosure_control(table(rows), policy())
