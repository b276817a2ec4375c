"""The outsider's attack on a release table (release/attack.py, release/attack_summaries.py).

These tests check the attacker, not the disclosure gate: each release table is built by hand
with the hidden values known by construction, and the attacker's feasible range of every hidden
count is compared with the answer worked out here, by hand or by brute-force enumeration of
every integer table that fits the released numbers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tahsb_analysis.release.attack import attack_release, summarise
from tahsb_analysis.release.attack_summaries import attack_summaries
from tahsb_analysis.results.schema import make_results

STABILITY = ("stable", "some_instability", "unstable")  # a codebook field with three levels


def share(variable, level, n, d, group=None, *, hidden=(), output="characteristics",
          group_variable="hsb_group"):
    """A proportion row; `hidden` names the fields the release blanks ("n", "denominator")."""
    row = {"output": output, "variable": variable, "level": level,
           "group_variable": group_variable if group else None, "group": group,
           "statistic": "proportion", "estimate": n / d if d else None, "n": n,
           "denominator": d, "unit": "children", "method": "Wilson 95% CI"}
    if hidden:
        row.update({field: None for field in hidden}, estimate=None, disclosure="suppressed")
    else:
        row["disclosure"] = "released"
    return row


def tables(rows):
    """(release, internal): the internal table has the true value of every hidden field."""
    common = {"cohort": "test", "synthetic": True, "analysis": "test"}
    release = [{k: v for k, v in r.items() if k != "truth"} for r in rows]
    internal = [{**row, **r.get("truth", {}), "disclosure": "not checked"}
                for row, r in zip(release, rows, strict=True)]
    return make_results(release, **common), make_results(internal, **common)


def hide(row, **true_values):
    """The row with `true_values`' fields blanked in the release, kept for the internal table."""
    hidden = share(row["variable"], row["level"], row["n"], row["denominator"], row["group"],
                   hidden=tuple(true_values), output=row["output"],
                   group_variable=row["group_variable"] or "hsb_group")
    hidden["truth"] = {"estimate": row["estimate"], **true_values}
    return hidden


def cell(found, variable, level, group, role="count"):
    cells = found.cells
    chosen = cells[(cells["role"] == role) & (cells["variable"] == variable)
                   & (cells["level"] == level) & (cells["group"] == group)]
    assert len(chosen) == 1, chosen
    return chosen.iloc[0]


def stability_rows(counts: dict[str, tuple[int, int, int]], hidden: set[tuple[str, str]]):
    """Family stability by HSB group: a codebook field whose three levels add up."""
    rows = []
    for group, values in counts.items():
        d = sum(values)
        for level, n in zip(STABILITY, values, strict=True):
            row = share("family_stability", level, n, d, group)
            rows.append(hide(row, n=n) if (group, level) in hidden else row)
    return rows


def test_one_hidden_level_of_three_is_recovered_from_the_denominator():
    release, internal = tables(stability_rows({"dual": (12, 20, 20)},
                                              {("dual", "unstable")}))
    found = attack_release(release, internal)
    hidden = cell(found, "family_stability", "unstable", "dual")
    assert (hidden["minimum"], hidden["maximum"], hidden["true_value"]) == (20, 20, 20)
    assert hidden["exact"]
    assert summarise(found.cells)["exact"] == 1
    assert found.truth_consistent


def test_two_hidden_levels_leave_an_interval_as_wide_as_their_sum():
    release, internal = tables(stability_rows({"ta_only": (8, 4, 2)},
                                              {("ta_only", "some_instability"),
                                               ("ta_only", "unstable")}))
    found = attack_release(release, internal)
    for level, true in (("some_instability", 4), ("unstable", 2)):
        hidden = cell(found, "family_stability", level, "ta_only")
        assert (hidden["minimum"], hidden["maximum"], hidden["true_value"]) == (0, 6, true)
        assert not hidden["exact"] and hidden["width"] == 6


def test_a_count_hidden_in_one_table_and_shown_in_another_is_recovered():
    shown = share("looked_after", "yes", 7, 20, "dual", output="characteristics")
    hidden = hide(share("looked_after", "yes", 7, 20, "dual", output="responses"), n=7)
    release, internal = tables([shown, hidden])
    found = attack_release(release, internal)
    result = cell(found, "looked_after", "yes", "dual")
    assert result["exact"] and result["shown_elsewhere"]
    assert result["outputs"] == "responses"


def test_a_hidden_denominator_shown_by_a_rank_row_is_recovered():
    rows = [hide(share("ta_hsb_type", "iioc", 12, 30, "any_ta_hsb", output="ta_hsb_types",
                       group_variable="population"), n=12, denominator=30)]
    rank = {**share("ta_hsb_type", "iioc", 12, 30, "any_ta_hsb", output="ta_hsb_types",
                    group_variable="population"), "statistic": "rank", "estimate": 1.0}
    release, internal = tables([*rows, rank])
    found = attack_release(release, internal)
    assert cell(found, "ta_hsb_type", "", "any_ta_hsb", role="denominator")["exact"]


def test_an_aggregate_level_read_from_its_label_recovers_a_hidden_part():
    rows = [share("hsb_group", level, n, 100, output="prevalence_overall")
            for level, n in (("any_ta_hsb", 40), ("ta_only", 6), ("dual", 34),
                             ("offline_only", 60))]
    rows += [share("hsb_group", level, n, 50, "male", output="prevalence_by_sex",
                   group_variable="sex")
             for level, n in (("any_ta_hsb", 25), ("dual", 21), ("offline_only", 25))]
    rows.append(hide(share("hsb_group", "ta_only", 4, 50, "male", output="prevalence_by_sex",
                           group_variable="sex"), n=4))
    release, internal = tables(rows)
    found = attack_release(release, internal)
    hidden = cell(found, "hsb_group", "ta_only", "male")
    assert (hidden["minimum"], hidden["maximum"]) == (4, 4)


def _brute_force(d: dict[str, int], released: dict, hidden: list[tuple[str, str]]):
    """Every assignment of the hidden cells of a groups x levels table with an "all" group that
    keeps each group's levels adding up to its denominator and the groups adding up to "all"."""
    ranges = {key: [np.inf, -np.inf] for key in hidden}
    for values in itertools.product(*(range(d[group] + 1) for group, _ in hidden)):
        table = {**released, **dict(zip(hidden, values, strict=True))}
        if any(sum(table[(g, lv)] for lv in STABILITY) != d[g] for g in d):
            continue
        if any(table[("ta_only", lv)] + table[("dual", lv)] != table[("all", lv)]
               for lv in STABILITY):
            continue
        for key, value in zip(hidden, values, strict=True):
            ranges[key] = [min(ranges[key][0], value), max(ranges[key][1], value)]
    return ranges


def test_feasible_ranges_match_a_brute_force_enumeration_of_a_small_table():
    counts = {"ta_only": (3, 4, 2), "dual": (5, 1, 6), "all": (8, 5, 8)}
    hidden = [("ta_only", "stable"), ("ta_only", "unstable"), ("dual", "stable"),
              ("dual", "unstable"), ("all", "some_instability")]
    release, internal = tables(stability_rows(counts, set(hidden)))
    found = attack_release(release, internal)
    d = {g: sum(v) for g, v in counts.items()}
    released = {(g, lv): n for g, v in counts.items() for lv, n in zip(STABILITY, v, strict=True)
                if (g, lv) not in hidden}
    expected = _brute_force(d, released, hidden)
    for (group, level), (low, high) in expected.items():
        result = cell(found, "family_stability", level, group)
        assert (result["minimum"], result["maximum"]) == (low, high), (group, level)
    assert summarise(found.cells)["hidden"] == len(hidden)


def test_children_whose_group_is_not_recorded_widen_the_range_by_their_number():
    rows = [share("hsb_group", lv, n, 100, output="prevalence_overall")
            for lv, n in (("ta_only", 10), ("dual", 30), ("offline_only", 60))]
    rows += [share("hsb_group", lv, n, 80, "male", output="prevalence_by_sex",
                   group_variable="sex")
             for lv, n in (("ta_only", 6), ("dual", 24), ("offline_only", 50))]
    rows += [share("hsb_group", "offline_only", 8, 17, "female", output="prevalence_by_sex",
                   group_variable="sex"),
             hide(share("hsb_group", "ta_only", 3, 17, "female", output="prevalence_by_sex",
                        group_variable="sex"), n=3),
             hide(share("hsb_group", "dual", 6, 17, "female", output="prevalence_by_sex",
                        group_variable="sex"), n=6)]
    rows += [share("hsb_group", lv, 0, 0, "other", output="prevalence_by_sex",
                   group_variable="sex") for lv in ("ta_only", "dual", "offline_only")]
    missing = {"output": "prevalence_by_sex", "variable": "sex", "level": "missing: not recorded",
               "statistic": "count", "estimate": 3.0, "n": 3, "denominator": 100,
               "unit": "children", "method": "count", "disclosure": "released"}
    release, internal = tables([*rows, missing])
    found = attack_release(release, internal)
    # Female or unrecorded: 10 - 6 = 4 TA-HSB only, 30 - 24 = 6 dual, 60 - 50 - 8 = 2 offline
    # only. Of the 3 unrecorded children 2 are offline only, so 1 is TA-HSB only or dual.
    ta_only = cell(found, "hsb_group", "ta_only", "female")
    dual = cell(found, "hsb_group", "dual", "female")
    assert (ta_only["minimum"], ta_only["maximum"]) == (3, 4)
    assert (dual["minimum"], dual["maximum"]) == (5, 6)


@pytest.mark.parametrize(("hidden_fields", "expected"), [
    # denominator 53 shows as 55 (53..57), stable 12 as 10 (8..12), some 20 as 20 (18..22)
    ({"n": 21, "denominator": 53}, (53 - 12 - 22, 57 - 8 - 18)),
    # a suppressed row's denominator is rounded too (55), and read as 53..57 like any other
    ({"n": 21}, (53 - 12 - 22, 57 - 8 - 18)),
])
def test_rounded_counts_are_intervals_not_values(hidden_fields, expected):
    rows = stability_rows({"dual": (12, 20, 21)}, set())
    rows[2] = hide(rows[2], **hidden_fields)
    release, internal = tables(rows)
    released = release["disclosure"] == "released"
    for column in ("n", "denominator"):  # every count shown is rounded, as the gate does
        release[column] = (np.floor(release[column] / 5 + 0.5) * 5).astype("Int64")
    release.loc[released, "disclosure_reason"] = "counts rounded to base 5; shares from them"
    found = attack_release(release, internal)
    hidden = cell(found, "family_stability", "unstable", "dual")
    assert (hidden["minimum"], hidden["maximum"]) == expected
    assert hidden["minimum"] <= hidden["true_value"] <= hidden["maximum"]


def summary_rows(ages, group="ta_only"):
    """The released summaries of whole-year ages (numpy's default type-7 quartiles)."""
    ages = np.asarray(ages, dtype=float)
    values = {"mean": ages.mean(), "sd": ages.std(ddof=1), "median": np.median(ages),
              "q1": np.quantile(ages, 0.25), "q3": np.quantile(ages, 0.75)}
    return make_results([
        {"output": "characteristics", "variable": "age_at_referral",
         "group_variable": "hsb_group", "group": group, "statistic": statistic,
         "estimate": value, "n": len(ages), "denominator": len(ages), "unit": "years",
         "method": "x", "disclosure": "released"}
        for statistic, value in values.items()
    ], cohort="test", synthetic=True, analysis="test")


def test_summaries_of_three_whole_year_ages_pin_every_age():
    found = attack_summaries(summary_rows([14, 15, 15]))
    assert found["exact"].all()
    counts = dict(zip(found["value"], found["minimum"], strict=True))
    assert counts[14] == 1 and counts[15] == 2 and sum(counts.values()) == 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_of_a_larger_group_bound_each_age_around_its_true_count(seed):
    ages = np.random.default_rng(seed).integers(10, 18, size=12)
    found = attack_summaries(summary_rows(ages))
    truth = {v: int((ages == v).sum()) for v in range(5, 19)}
    assert len(found) == 14
    for row in found.itertuples():
        assert row.minimum <= truth[row.value] <= row.maximum


def test_onset_order_read_from_the_trajectory_labels_is_an_inferred_relation():
    paths = {"offline -> pornography": 3, "offline -> other_ta": 14,
             "pornography -> offline": 28, "offline + pornography (same year)": 2}
    rows = [share("trajectory", level, n, 47, "all_dual", output="trajectories",
                  group_variable="dual_subgroup") for level, n in paths.items()]
    order = {"offline_first": 17, "online_first": 28, "same_year": 2}
    for level, n in order.items():
        row = share("onset_order", level, n, 47, "all_dual", output="onset_order",
                    group_variable="dual_subgroup")
        rows.append(row if level == "online_first" else hide(row, n=n))
    release, internal = tables(rows)
    read = attack_release(release, internal)
    assert cell(read, "onset_order", "offline_first", "all_dual")["exact"]
    assert cell(read, "onset_order", "same_year", "all_dual")["exact"]
    structural = attack_release(release, internal, use_inferred=False)
    offline_first = cell(structural, "onset_order", "offline_first", "all_dual")
    assert (offline_first["minimum"], offline_first["maximum"]) == (0, 19)


def test_counts_equal_in_every_released_cell_of_two_populations_are_taken_as_the_same():
    def types(population, d, counts, hidden=()):
        return [hide(share("ta_hsb_type", t, n, d, population, output="ta_hsb_types",
                           group_variable="population"), n=n) if t in hidden else
                share("ta_hsb_type", t, n, d, population, output="ta_hsb_types",
                      group_variable="population") for t, n in counts.items()]

    counts = {"iioc": 42, "inappropriate_pornography": 37, "online_grooming": 5}
    rows = types("in_depth_sample", 91, counts, hidden={"online_grooming"})
    rows += types("any_ta_hsb", 66, counts)
    release, internal = tables(rows)
    inferred = cell(attack_release(release, internal), "ta_hsb_type", "online_grooming",
                    "in_depth_sample")
    assert inferred["exact"] and inferred["true_value"] == 5
    structural = cell(attack_release(release, internal, use_inferred=False), "ta_hsb_type",
                      "online_grooming", "in_depth_sample")
    # types of TA-HSB are not exclusive (a child can show several): only n <= 91 is left
    assert (structural["minimum"], structural["maximum"]) == (0, 91)
