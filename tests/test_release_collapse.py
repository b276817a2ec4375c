"""Table redesign before suppression: sparse ordered categories merged with their neighbours.

Hand-made blocks whose merge is known by construction; the merged shares are checked against
statsmodels' Wilson interval; the gate then releases a merged row whose parts it must hide.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.release.collapse import collapse_sparse_categories, merge_plan
from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.results.schema import make_results

REPO = Path(__file__).resolve().parents[1]
ORDER = {"family_stability": ["stable", "some_instability", "unstable"]}


def share(variable, level, n, d, group_variable, group, output="characteristics"):
    low, high = proportion_confint(n, d, alpha=0.05, method="wilson")
    return {"output": output, "variable": variable, "level": level,
            "group_variable": group_variable, "group": group, "statistic": "proportion",
            "estimate": n / d, "ci_low": low, "ci_high": high, "n": n, "denominator": d,
            "unit": "children", "method": "Wilson 95% CI"}


def table(rows):
    return make_results(rows, cohort="t", synthetic=True, analysis="a")


@pytest.mark.parametrize(("sizes", "plan"), [
    ([40, 30, 20], None),                     # nothing below 10: nothing merged
    ([40, 30, 4], [[0], [1, 2]]),             # the small one joins its only neighbour
    ([40, 4, 30], [[0], [1, 2]]),             # ...its smaller neighbour (30 < 40)
    ([3, 4, 50, 60], [[0, 1, 2], [3]]),       # 3 + 4 = 7 still small, then + 50
    ([5, 6], None),                           # merging would leave one category
    ([5, 2, 40], None),                       # 5 + 2 = 7 and 40: cannot leave two >= 10
])
def test_merge_plan_merges_the_smallest_with_its_smaller_neighbour(sizes, plan):
    assert merge_plan(sizes, 10) == plan


def test_a_sparse_ordered_level_is_merged_in_every_group_with_its_share_recomputed():
    rows = []
    for group, counts in (("dual", (30, 12, 3)), ("offline_only", (20, 8, 2)),
                          ("all", (50, 20, 5))):
        d = sum(counts)
        rows += [share("family_stability", level, n, d, "hsb_group", group)
                 for level, n in zip(ORDER["family_stability"], counts, strict=True)]
    collapse = collapse_sparse_categories(table(rows), 10, ORDER)
    added = collapse.results.iloc[len(rows):].set_index("group")
    assert set(added["level"]) == {"some_instability or unstable"}
    # dual: 12 + 3 = 15 of 45; Wilson 95% CI from statsmodels.proportion_confint(15, 45)
    low, high = proportion_confint(15, 45, alpha=0.05, method="wilson")
    assert (added.loc["dual", "n"], added.loc["dual", "denominator"]) == (15, 45)
    assert added.loc["dual", "ci_low"] == pytest.approx(low)
    assert added.loc["dual", "ci_high"] == pytest.approx(high)
    assert "some_instability, unstable" in added.loc["dual", "method"]
    assert collapse.notes == ["characteristics: family_stability levels merged: "
                              "some_instability or unstable"]


def test_sparse_age_bands_are_merged_and_their_children_summed():
    rows = []
    for band, (n, d) in {"5-11": (2, 6), "12-14": (20, 60), "15-18": (30, 80)}.items():
        rows.append(share("hsb_group", "dual", n, d, "age_band", band,
                          output="prevalence_by_age_band"))
    collapse = collapse_sparse_categories(table(rows), 10, {})
    added = collapse.results.iloc[len(rows):]
    assert added["group"].tolist() == ["5-11 or 12-14"]
    assert (added["n"].iloc[0], added["denominator"].iloc[0]) == (22, 66)


def test_the_gate_releases_a_merged_row_whose_parts_it_hides():
    rows = []
    for group, counts in (("dual", (30, 6, 5)), ("offline_only", (25, 7, 4))):
        d = sum(counts)
        rows += [share("family_stability", level, n, d, "hsb_group", group)
                 for level, n in zip(ORDER["family_stability"], counts, strict=True)]
    outcome = apply_disclosure_control(table(rows), load_policy(REPO / "config" /
                                                                "disclosure_policy.yaml"))
    release = outcome.release
    parts = release[release["level"].isin(["some_instability", "unstable"])]
    merged = release[release["level"] == "some_instability or unstable"]
    assert parts["disclosure"].eq("suppressed").all()
    assert len(merged) == 2 and merged["disclosure"].eq("released").all()
    assert merged.set_index("group").loc["dual", "n"] == 11
    assert outcome.unprotected == 0
