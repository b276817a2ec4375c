"""Disclosure control: the gate between the internal results table and the release tier.

Small results tables are built by hand so that the right decision is known by construction:
counts either side of the threshold (ACRO's 5 vs 11 against 10), a suppressed count and the
statistics computed from it, and margins from which an attacker could solve a hidden cell. The
attacker is written here, independently of the gate's own programs, with scipy's linprog. The
policy is the project's own config/disclosure_policy.yaml with one or two keys changed.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import linprog
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.release.disclosure import apply_disclosure_control
from tahsb_analysis.release.policy import DisclosurePolicyError, load_policy, policy_from_mapping
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, make_results

REPO = Path(__file__).resolve().parents[1]
POLICY_FILE = REPO / "config" / "disclosure_policy.yaml"
BASE_POLICY = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
DEFAULT_PRESET = BASE_POLICY["presets"][BASE_POLICY["default_preset"]]
THRESHOLD = DEFAULT_PRESET["threshold"]  # 10 in the shipped policy
PRESET_KEYS = set(DEFAULT_PRESET)
GROUPS = ("ta_only", "dual", "offline_only")
# Every field of a row that shows a number computed from the data.
SHOWN_FIELDS = ["estimate", "ci_low", "ci_high", "n", "denominator", "p_value", "p_adjusted"]

def policy_mapping(**changes) -> dict:
    """The project's policy file with keys changed: a rule of a preset (threshold,
    rounding_base, ...) in the default preset, any other key at the top level."""
    data = copy.deepcopy(BASE_POLICY)
    preset = data["presets"][data["default_preset"]]
    for key, value in changes.items():
        if key == "rounding_base":
            preset["rounding"] = {"method": "nearest", "base": value}
        elif key in PRESET_KEYS:
            preset[key] = value
        else:
            data[key] = value
    return data


def policy(**changes):
    """The project's policy with some top-level keys overridden."""
    return policy_from_mapping(policy_mapping(**changes))


def share(variable, level, n, d, group_variable=None, group=None, output="responses", **extra):
    """A proportion row with its Wilson 95% CI (statsmodels proportion_confint)."""
    low, high = proportion_confint(n, d, alpha=0.05, method="wilson") if d else (None, None)
    return {
        "output": output, "variable": variable, "level": level,
        "group_variable": group_variable, "group": group, "statistic": "proportion",
        "estimate": n / d if d else None, "ci_low": low, "ci_high": high, "n": n,
        "denominator": d, "unit": "children", "method": "Wilson 95% CI", **extra,
    }


def inference_row(output, variable, statistic, n, group_variable="hsb_group", group=None,
                  level=None, **extra):
    """A test, effect-size or model row over n children."""
    return {
        "output": output, "variable": variable, "level": level,
        "group_variable": group_variable, "group": group, "statistic": statistic,
        "estimate": 2.5, "n": n, "denominator": n, "unit": "children", "p_value": 0.04,
        "p_adjusted": 0.08, "p_adjust_method": "Holm", "method": f"{statistic} (hand-made)",
        **extra,
    }


def table(rows):
    return make_results(rows, cohort="t", synthetic=True, analysis="a")


def gate(rows, **changes):
    return apply_disclosure_control(table(rows), policy(**changes))


def row_of(release, **match) -> pd.Series:
    mask = pd.Series(True, index=release.index)
    for column, value in match.items():
        mask &= release[column].isna() if value is None else release[column].eq(value)
    found = release[mask.fillna(False)]
    assert len(found) == 1, f"expected one row matching {match}, found {len(found)}"
    return found.iloc[0]


def is_blank(row) -> bool:
    return all(pd.isna(row[field]) for field in ("estimate", "ci_low", "ci_high", "n"))


# --- 1. primary suppression either side of the threshold (ACRO style) -------------------------

STRADDLING = [
    # (n, denominator, policy changes, expected status, words of the reason in the cell log)
    pytest.param(5, 40, {}, SUPPRESSED, "count below threshold (10)", id="5_of_40_suppressed"),
    pytest.param(11, 40, {}, RELEASED, None, id="11_of_40_released"),
    pytest.param(10, 40, {}, RELEASED, None, id="10_of_40_released_threshold_is_inclusive"),
    pytest.param(9, 40, {}, SUPPRESSED, "count below threshold (10)", id="9_of_40_suppressed"),
    # complement 32 - 31 = 1 child did not: disclosive when complements are checked
    pytest.param(31, 32, {}, SUPPRESSED, "complement", id="31_of_32_complement_suppressed"),
    pytest.param(31, 32, {"check_complements": False}, RELEASED, None,
                 id="31_of_32_released_without_complement_check"),
    pytest.param(20, 20, {}, SUPPRESSED, "full cell", id="20_of_20_full_cell_suppressed"),
    pytest.param(0, 20, {}, SUPPRESSED, "zero cell", id="0_of_20_zero_cell_suppressed"),
    pytest.param(0, 20, {"zeros_disclosive": False}, RELEASED, None,
                 id="0_of_20_released_when_zeros_not_disclosive"),
    # an empty group: no child to disclose anything about
    pytest.param(0, 0, {}, RELEASED, None, id="0_of_0_empty_group_released"),
]


@pytest.mark.parametrize(("n", "d", "changes", "status", "reason"), STRADDLING)
def test_a_proportion_is_released_or_suppressed_by_the_threshold(n, d, changes, status, reason):
    outcome = gate([share("looked_after", "yes", n, d)], **changes)
    row = outcome.release.iloc[0]
    assert row["disclosure"] == status
    if status == SUPPRESSED:
        assert is_blank(row)
        cells = outcome.cells  # internal tier; "no" is the codebook's unprinted level
        count = cells[cells["role"].eq("n") & cells["level"].eq("yes")].iloc[0]
        assert reason in count["reason"]
    else:
        assert row["n"] == n and row["denominator"] == d
    assert outcome.unprotected == 0


@pytest.mark.parametrize(
    ("n", "small_n"),
    [pytest.param(0, 5, id="zero_cell_reads_as_a_small_count"),
     pytest.param(20, 15, id="full_cell_reads_as_a_small_complement")],
)
def test_the_released_reason_does_not_tell_a_zero_or_full_cell_from_a_small_one(n, small_n):
    # The denominator (20) stays released, so a reason saying "zero cell" gives n = 0 and
    # "full cell: every child in the group" gives n = 20: the suppression would hide nothing.
    # The release may only say what it says for any small count (5 of 20) or small complement
    # (15 of 20); the cell log, which stays internal, keeps the precise reason.
    released = gate([share("looked_after", "yes", n, 20)]).release.iloc[0]
    small = gate([share("looked_after", "yes", small_n, 20)]).release.iloc[0]
    assert released["denominator"] == 20 and pd.isna(released["n"])
    assert released["disclosure_reason"] == small["disclosure_reason"]


def test_a_denominator_below_the_threshold_suppresses_the_row_with_its_own_reason():
    # n = 9 is itself small, but the internal cell log must also say that its group (9
    # children) is too small; the release says only that the row was suppressed.
    outcome = gate([share("looked_after", "yes", 9, 9, output="prevalence_overall")],
                   check_complements=False, zeros_disclosive=False)
    row = outcome.release.iloc[0]
    assert row["disclosure"] == SUPPRESSED
    assert pd.isna(row["denominator"]) and pd.isna(row["n"])
    log = outcome.cells.set_index("role")
    assert log.loc["denominator", "reason"] == "group size below threshold (10)"


def test_a_structural_zero_is_released():
    # hsb_group "neither" is empty by construction (every referred child displayed HSB)
    outcome = gate([share("hsb_group", "neither", 0, 20, output="prevalence_overall")])
    row = outcome.release.iloc[0]
    assert row["disclosure"] == RELEASED
    assert row["n"] == 0 and row["denominator"] == 20


def test_every_row_of_an_output_the_policy_does_not_cover_is_suppressed():
    outcome = gate([share("looked_after", "yes", 30, 60, output="not_declared_anywhere")])
    row = outcome.release.iloc[0]
    assert row["disclosure"] == SUPPRESSED
    assert "not covered by the disclosure policy" in row["disclosure_reason"]
    assert row[SHOWN_FIELDS].isna().all()


# --- 2. statistics computed from a suppressed count inherit its suppression ------------------

# looked_after = yes by HSB group; all = 3 + 19 + 12 = 34 of 14 + 51 + 24 = 89.
# Complements 11, 32, 12, 55 are all >= 10, so only ta_only's 3 fails the threshold.
LOOKED_AFTER = {"ta_only": (3, 14), "dual": (19, 51), "offline_only": (12, 24), "all": (34, 89)}


def characteristics_rows(counts=LOOKED_AFTER):
    rows = [
        share("looked_after", "yes", n, d, "hsb_group", group, output="characteristics")
        for group, (n, d) in counts.items()
    ]
    rows.append(inference_row("characteristics", "looked_after", "chi2", 89))
    for pair, n in (("ta_only vs dual", 65), ("ta_only vs offline_only", 38),
                    ("dual vs offline_only", 75)):
        rows.append(inference_row("characteristics", "looked_after", "risk_difference", n,
                             group=pair, level="yes"))
        rows.append(inference_row("characteristics", "looked_after", "fisher_exact", n, group=pair))
    return rows


def test_a_suppressed_count_blanks_its_share_the_overall_test_and_its_pairwise_rows():
    # secondary suppression off: only the effect of the one suppressed count is under test
    release = gate(characteristics_rows(), secondary_suppression=False).release
    ta_only = row_of(release, statistic="proportion", group="ta_only")
    assert ta_only["disclosure"] == SUPPRESSED and is_blank(ta_only)
    chi2 = row_of(release, statistic="chi2")
    assert chi2["disclosure"] == SUPPRESSED
    assert chi2["disclosure_reason"] == "computed from a suppressed count"
    assert chi2[["estimate", "p_value", "p_adjusted"]].isna().all()
    for pair in ("ta_only vs dual", "ta_only vs offline_only"):
        for statistic in ("risk_difference", "fisher_exact"):
            row = row_of(release, statistic=statistic, group=pair)
            assert row["disclosure"] == SUPPRESSED, (statistic, pair)
            assert row[["estimate", "p_value", "p_adjusted", "n"]].isna().all(), (statistic, pair)
    for statistic in ("risk_difference", "fisher_exact"):
        kept = row_of(release, statistic=statistic, group="dual vs offline_only")
        assert kept["disclosure"] == RELEASED
        assert kept["estimate"] == 2.5 and kept["p_value"] == 0.04 and kept["n"] == 75


def test_pairwise_rows_inherit_secondary_suppression_as_well():
    # ta_only's 3 can be read back as 34 - 19 - 12 unless dual or offline_only is hidden too
    release = gate(characteristics_rows()).release
    shares = release[release["statistic"].eq("proportion")]
    hidden = set(shares.loc[shares["disclosure"].eq(SUPPRESSED), "group"])
    assert "ta_only" in hidden and hidden & {"dual", "offline_only", "all"}
    for row in release[release["group"].str.contains(" vs ", na=False)].itertuples():
        involves_hidden = bool(set(row.group.split(" vs ")) & hidden)
        assert (row.disclosure == SUPPRESSED) == involves_hidden, row.group


def responses_and_model(ta_only_count: int):
    # police_involvement = yes by group; all = ta_only + 20 + 15 of 30 + 40 + 30 = 100
    counts = {"ta_only": (ta_only_count, 30), "dual": (20, 40), "offline_only": (15, 30),
              "all": (ta_only_count + 35, 100)}
    rows = [share("police_involvement", "yes", n, d, "hsb_group", g) for g, (n, d) in
            counts.items()]
    rows.append(inference_row("response_models", "police_involvement", "odds_ratio", 100,
                         level="ta_only", ci_low=1.2, ci_high=5.0, estimate=2.5))
    return rows


def test_an_odds_ratio_is_suppressed_when_a_count_of_its_response_is_suppressed():
    # response_models is derived_from responses in the policy: the model of police involvement
    # is computed from the police_involvement counts by HSB group
    release = gate(responses_and_model(4)).release
    assert row_of(release, output="responses", group="ta_only")["disclosure"] == SUPPRESSED
    model = row_of(release, output="response_models")
    assert model["disclosure"] == SUPPRESSED
    assert model["disclosure_reason"] == "computed from a suppressed count"
    assert model[["estimate", "ci_low", "ci_high", "p_value"]].isna().all()


def test_an_odds_ratio_is_released_when_no_count_of_its_response_is_suppressed():
    # ta_only 12 of 30 (complement 18): every count of the response is released
    release = gate(responses_and_model(12)).release
    assert (release.loc[release["output"].eq("responses"), "disclosure"] == RELEASED).all()
    model = row_of(release, output="response_models")
    assert model["disclosure"] == RELEASED
    assert model["estimate"] == 2.5 and model["ci_low"] == 1.2


def test_a_rank_sharing_a_suppressed_count_is_suppressed():
    rows = []
    for level, n, rank in (("iioc", 42, 1), ("online_grooming", 5, 2)):
        rows.append(share("ta_hsb_type", level, n, 66, "population", "any_ta_hsb",
                          output="ta_hsb_types"))
        rows.append({**rows[-1], "statistic": "rank", "estimate": rank, "ci_low": None,
                     "ci_high": None, "method": "rank by number of children"})
    release = gate(rows).release
    grooming = row_of(release, statistic="rank", level="online_grooming")
    assert grooming["disclosure"] == SUPPRESSED
    assert pd.isna(grooming["estimate"]) and pd.isna(grooming["n"])
    assert row_of(release, statistic="rank", level="iioc")["disclosure"] == RELEASED


def test_a_mean_or_median_of_fewer_than_threshold_children_is_suppressed():
    rows = [
        {"output": "characteristics", "variable": "age_first_hsb", "level": None,
         "group_variable": "hsb_group", "group": group, "statistic": statistic,
         "estimate": 14.0, "n": n, "denominator": n, "unit": "children", "method": "hand-made"}
        for group, n in (("ta_only", 8), ("dual", 30)) for statistic in ("mean", "median")
    ]
    outcome = gate(rows)
    release = outcome.release
    log = outcome.cells[outcome.cells["group"].eq("ta_only") & outcome.cells["role"].eq("n")]
    assert log["reason"].tolist() == ["count below threshold (10)"]
    for statistic in ("mean", "median"):
        small = row_of(release, statistic=statistic, group="ta_only")
        assert small["disclosure"] == SUPPRESSED
        assert "suppressed under the disclosure policy" in small["disclosure_reason"]
        assert pd.isna(small["estimate"]) and pd.isna(small["n"])
        assert row_of(release, statistic=statistic, group="dual")["disclosure"] == RELEASED


# --- 3. "solve the margins": an attacker with linear programming ------------------------------


def attack(equations: list[dict], known: dict) -> dict:
    """The range [min, max] of every unknown cell given sum(coef * cell) = 0 for each equation
    and the released values in `known`, over non-negative counts (scipy.optimize.linprog)."""
    unknowns = sorted({cell for e in equations for cell in e if cell not in known})
    column = {cell: i for i, cell in enumerate(unknowns)}
    a_eq = np.zeros((len(equations), len(unknowns)))
    b_eq = np.zeros(len(equations))
    for r, equation in enumerate(equations):
        for cell, coefficient in equation.items():
            if cell in known:
                b_eq[r] -= coefficient * known[cell]
            else:
                a_eq[r, column[cell]] += coefficient
    ranges = {}
    for cell, i in column.items():
        cost = np.zeros(len(unknowns))
        cost[i] = 1.0
        low = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status == 0, f"the released table is inconsistent at {cell}"
        ranges[cell] = (low.fun, -high.fun)
    return ranges


def released_cells(release: pd.DataFrame, group_of) -> dict:
    """Released counts by ("n", group, level) and ("d", group)."""
    known = {}
    for row in release[release["statistic"].eq("proportion")].itertuples():
        group = group_of(row)
        if not pd.isna(row.n):
            known[("n", group, row.level)] = float(row.n)
        if not pd.isna(row.denominator):
            known[("d", group)] = float(row.denominator)
    return known


# social_care_level by HSB group (responses): a 3x3 table with its margins.
#                ta_only  dual  offline_only | all
#   none             4     20       15       |  39
#   early_help      12     25       18       |  55
#   section_47      14     30       22       |  66
#   denominator     30     75       55       | 160
# ta_only/none = 4 is the only count below 10; every complement is >= 10.
SOCIAL_CARE = {
    "none": {"ta_only": 4, "dual": 20, "offline_only": 15},
    "early_help": {"ta_only": 12, "dual": 25, "offline_only": 18},
    "section_47": {"ta_only": 14, "dual": 30, "offline_only": 22},
}


def social_care_rows():
    d = {g: sum(SOCIAL_CARE[level][g] for level in SOCIAL_CARE) for g in GROUPS}
    d["all"] = sum(d.values())
    rows = []
    for level, by_group in SOCIAL_CARE.items():
        counts = {**by_group, "all": sum(by_group.values())}
        rows += [share("social_care_level", level, counts[g], d[g], "hsb_group", g)
                 for g in [*GROUPS, "all"]]
    return rows


def social_care_attack(release):
    """Solve the released 3x3 table: each group's levels add up to its denominator, each
    level's groups add up to the 'all' group, and the group sizes add up to the total."""
    equations = []
    for group in [*GROUPS, "all"]:
        equation = {("n", group, level): 1.0 for level in SOCIAL_CARE}
        equation[("d", group)] = -1.0
        equations.append(equation)
    for level in SOCIAL_CARE:
        equation = {("n", group, level): 1.0 for group in GROUPS}
        equation[("n", "all", level)] = -1.0
        equations.append(equation)
    equations.append({**{("d", g): 1.0 for g in GROUPS}, ("d", "all"): -1.0})
    return attack(equations, released_cells(release, lambda row: row.group))


def test_solving_the_margins_does_not_recover_a_suppressed_cell_of_a_3x3_table():
    outcome = gate(social_care_rows())
    assert outcome.unprotected == 0
    ranges = social_care_attack(outcome.release)
    assert ("n", "ta_only", "none") in ranges  # the small cell is hidden
    for cell, (low, high) in ranges.items():
        assert high - low >= 1, f"{cell} is pinned to [{low}, {high}]"


def test_without_secondary_suppression_the_margins_give_the_small_cell_back():
    # the attack must work on an unprotected table, or the test above could not fail:
    # ta_only/none = 30 - 12 - 14 = 39 - 20 - 15 = 4
    release = gate(social_care_rows(), secondary_suppression=False).release
    ranges = social_care_attack(release)
    assert list(ranges) == [("n", "ta_only", "none")]
    low, high = ranges[("n", "ta_only", "none")]
    assert low == pytest.approx(4) and high == pytest.approx(4)


# Prevalence of the HSB groups overall and by sex (declared to share margins: the by-sex
# groups add up to the overall table). any_ta_hsb = ta_only + dual.
#              ta_only  dual  offline_only  neither  any_ta_hsb | denominator
#   overall       20     60       120          0         80     |   200
#   male          16     48        96          0         64     |   160
#   female         4     12        24          0         16     |    40
# female/ta_only = 4 is the only count below 10 (neither is a structural zero).
PREVALENCE = {
    "overall": {"ta_only": 20, "dual": 60, "offline_only": 120, "neither": 0},
    "male": {"ta_only": 16, "dual": 48, "offline_only": 96, "neither": 0},
    "female": {"ta_only": 4, "dual": 12, "offline_only": 24, "neither": 0},
}
HSB_LEVELS = ["any_ta_hsb", "ta_only", "dual", "offline_only", "neither"]


def prevalence_rows():
    rows = []
    for table_name, counts in PREVALENCE.items():
        counts = {**counts, "any_ta_hsb": counts["ta_only"] + counts["dual"]}
        d = sum(PREVALENCE[table_name].values())
        for level in HSB_LEVELS:
            if table_name == "overall":
                rows.append(share("hsb_group", level, counts[level], d,
                                  output="prevalence_overall"))
            else:
                rows.append(share("hsb_group", level, counts[level], d, "sex", table_name,
                                  output="prevalence_by_sex"))
    return rows


def prevalence_attack(release):
    """Solve the released prevalence tables, using the overall table as the margins of the
    by-sex table."""
    equations = []
    for table_name in PREVALENCE:
        exclusive = {("n", table_name, level): 1.0 for level in HSB_LEVELS[1:]}
        equations.append({**exclusive, ("d", table_name): -1.0})
        equations.append({("n", table_name, "ta_only"): 1.0, ("n", table_name, "dual"): 1.0,
                          ("n", table_name, "any_ta_hsb"): -1.0})
    for level in HSB_LEVELS:
        equations.append({("n", "male", level): 1.0, ("n", "female", level): 1.0,
                          ("n", "overall", level): -1.0})
    equations.append({("d", "male"): 1.0, ("d", "female"): 1.0, ("d", "overall"): -1.0})
    return attack(equations, released_cells(
        release, lambda row: "overall" if pd.isna(row.group) else row.group))


def test_solving_shared_margins_across_tables_does_not_recover_the_small_cell():
    low, high = prevalence_attack(gate(prevalence_rows()).release)[("n", "female", "ta_only")]
    assert high - low >= 1


def test_solving_shared_margins_across_tables_does_not_recover_any_suppressed_cell():
    # A 4-cell pattern (ta_only and dual, male and female) protects female/ta_only. Whatever
    # the gate hides, none of it may be pinned by the released cells: e.g. hiding the overall
    # any_ta_hsb while releasing the overall offline_only and neither protects nothing, as
    # any_ta_hsb = ta_only + dual = 200 - 120 - 0 = 80.
    outcome = gate(prevalence_rows())
    ranges = prevalence_attack(outcome.release)
    for cell, (low, high) in ranges.items():
        assert high - low >= 1, f"{cell} is pinned to [{low}, {high}]"
    assert outcome.unprotected == 0


def test_without_secondary_suppression_the_overall_table_gives_the_small_cell_back():
    # female/ta_only = 20 - 16 (overall minus male) = 16 - 12 (any_ta_hsb minus dual) = 4
    release = gate(prevalence_rows(), secondary_suppression=False).release
    ranges = prevalence_attack(release)
    assert list(ranges) == [("n", "female", "ta_only")]
    low, high = ranges[("n", "female", "ta_only")]
    assert low == pytest.approx(4) and high == pytest.approx(4)


# --- 3b. group sizes: the N of a column heading is a count like any other ---------------------


def group_size_rows(sizes: dict) -> list[dict]:
    """group_size rows of output characteristics, and each group's mean age over all of its
    children (so that the mean's n, like the heading, shows the group's size). Age at first
    HSB is recorded to a tenth of a year: the summaries rule for whole numbers does not apply,
    so these rows test group sizes only."""
    rows = []
    for group, n in sizes.items():
        rows.append({
            "output": "characteristics", "variable": "hsb_group", "level": None,
            "group_variable": "hsb_group", "group": group, "statistic": "group_size",
            "estimate": float(n), "n": n, "denominator": None, "unit": "children",
            "method": "children in the group (values recorded or not)",
        })
        rows.append({
            "output": "characteristics", "variable": "age_first_hsb", "level": None,
            "group_variable": "hsb_group", "group": group, "statistic": "mean",
            "estimate": 14.0, "n": n, "denominator": n, "unit": "years", "method": "hand-made",
        })
    return rows


def size_attack(release: pd.DataFrame) -> dict:
    """Solve the released sizes: the groups add up to "all", and each mean covers its group."""
    known = {}
    for row in release.itertuples():
        if not pd.isna(row.n):
            known[(row.statistic, row.group)] = float(row.n)
    equations = [{**{("group_size", g): 1.0 for g in GROUPS}, ("group_size", "all"): -1.0}]
    equations += [{("group_size", g): 1.0, ("mean", g): -1.0} for g in [*GROUPS, "all"]]
    return attack(equations, known)


def test_a_group_of_5_children_has_its_size_suppressed_and_it_cannot_be_solved_back():
    outcome = gate(group_size_rows({"ta_only": 5, "dual": 40, "offline_only": 30, "all": 75}))
    size = row_of(outcome.release, statistic="group_size", group="ta_only")
    assert size["disclosure"] == SUPPRESSED
    assert pd.isna(size["n"]) and pd.isna(size["estimate"])
    assert "suppressed under the disclosure policy" in size["disclosure_reason"]
    log = outcome.cells[outcome.cells["role"].eq("population")
                        & outcome.cells["group"].eq("ta_only")]
    assert log["reason"].tolist() == ["group size below threshold (10)"]  # internal tier
    # 5 = 75 - 40 - 30: another size must be hidden too, and its row says so.
    hidden = set(outcome.release.loc[outcome.release["statistic"].eq("group_size")
                                     & outcome.release["disclosure"].eq(SUPPRESSED), "group"])
    assert "ta_only" in hidden and hidden & {"dual", "offline_only", "all"}
    assert outcome.unprotected == 0
    low, high = size_attack(outcome.release)[("group_size", "ta_only")]
    assert high - low >= 1


def test_a_group_of_12_children_has_its_size_released():
    outcome = gate(group_size_rows({"ta_only": 12, "dual": 40, "offline_only": 30, "all": 82}))
    size = row_of(outcome.release, statistic="group_size", group="ta_only")
    assert size["disclosure"] == RELEASED and pd.isna(size["disclosure_reason"])
    assert (size["n"], size["estimate"]) == (12, 12.0)
    assert outcome.release["disclosure"].eq(RELEASED).all()
    assert outcome.unprotected == 0


def test_an_empty_group_has_its_size_released():
    # No child in the group: nobody to disclose anything about (as a share of 0 of 0).
    rows = [r for r in group_size_rows({"ta_only": 0, "dual": 40, "offline_only": 30, "all": 70})
            if r["statistic"] == "group_size"]
    size = row_of(gate(rows).release, statistic="group_size", group="ta_only")
    assert size["disclosure"] == RELEASED and size["n"] == 0


def test_rounding_rounds_the_group_size_shown_as_its_estimate():
    outcome = gate(group_size_rows({"ta_only": 12, "dual": 41, "offline_only": 33, "all": 86}),
                   rounding_base=5)
    size = row_of(outcome.release, statistic="group_size", group="dual")
    assert (size["n"], size["estimate"]) == (40, 40.0)


# --- 4. the gate on the workflow's own synthetic results table --------------------------------

@pytest.fixture(scope="module")
def real_results(synthetic_results):
    """The internal results table of the synthetic cohort (built in-process, tests/conftest)."""
    return synthetic_results.copy(deep=True)


@pytest.fixture(scope="module")
def real_untouched(real_results):
    """A deep copy of the input, taken before the gate runs on it (the gate takes ~5 s)."""
    return real_results.copy(deep=True)


@pytest.fixture(scope="module")
def real_outcome(real_results, real_untouched):
    return apply_disclosure_control(real_results, load_policy(POLICY_FILE))


def _allowed_small(row) -> bool:
    level = "" if pd.isna(row.level) else row.level
    structural = row.variable == "hsb_group" and level == "neither" and row.n == 0
    empty_group = not pd.isna(row.denominator) and row.denominator == 0
    return level.startswith("missing:") or structural or empty_group


def test_every_output_of_the_workflow_is_declared_in_the_policy(real_results):
    declared = set(load_policy(POLICY_FILE).structure["outputs"])
    assert set(real_results["output"]) <= declared


def test_no_suppressed_cell_of_the_synthetic_results_can_be_narrowed_below_its_protection(
        real_outcome):
    assert real_outcome.unprotected == 0
    hidden = real_outcome.cells[real_outcome.cells["status"].eq(SUPPRESSED)]
    assert hidden["protected"].all()
    # the gate's own integer ranges: at least the protection interval wide, none exact
    interval = load_policy(POLICY_FILE).protection.interval
    assert (hidden["feasible_max"] - hidden["feasible_min"] >= interval).all()


def test_every_suppressed_row_of_the_synthetic_results_says_why(real_outcome):
    suppressed = real_outcome.release[real_outcome.release["disclosure"].eq(SUPPRESSED)]
    assert len(suppressed) > 0
    assert suppressed["disclosure_reason"].notna().all()
    assert (suppressed["disclosure_reason"].str.len() > 0).all()
    assert set(real_outcome.release["disclosure"]) == {RELEASED, SUPPRESSED}


def test_no_released_row_of_the_synthetic_results_shows_a_small_count(real_outcome):
    released = real_outcome.release[real_outcome.release["disclosure"].eq(RELEASED)]
    small = [
        (row.output, row.variable, row.level, row.group, row.statistic)
        for row in released.itertuples()
        if (not pd.isna(row.n) and row.n < THRESHOLD
            or not pd.isna(row.denominator) and row.denominator < THRESHOLD)
        and not _allowed_small(row)
    ]
    assert small == []
    shares = released[released["statistic"].eq("proportion") & released["denominator"].gt(0)]
    complement = shares["denominator"] - shares["n"]
    assert ((complement == 0) & (shares["n"] > 0)).sum() == 0  # no full cell
    assert not ((complement > 0) & (complement < THRESHOLD)).any()


def test_the_release_has_the_rows_and_columns_of_the_input(real_results, real_outcome):
    """The input's rows, in order, then only rows of categories merged before suppression;
    rows of internal-only outputs (registry tiers) are not in the release at all."""
    from tahsb_analysis.release.disclosure import internal_only_outputs

    release = real_outcome.release
    assert list(release.columns) == list(real_results.columns)
    assert internal_only_outputs() & set(real_results["output"])  # the check is not vacuous
    assert not internal_only_outputs() & set(release["output"])
    real_results = real_results[~real_results["output"].isin(internal_only_outputs())]
    real_results = real_results.reset_index(drop=True)
    keys = ["output", "variable", "level", "group_variable", "group", "statistic"]
    pd.testing.assert_frame_equal(release[keys].iloc[:len(real_results)], real_results[keys])
    added = release.iloc[len(real_results):]
    merged = added["level"].fillna("").str.contains(" or ") | added["group"].fillna(
        "").str.contains(" or ")
    assert merged.all()
    assert added["method"].str.contains("categories merged before disclosure control").all()
    assert len(real_outcome.redesigned) == len(release)


def test_the_input_results_table_is_not_modified(real_results, real_untouched, real_outcome):
    pd.testing.assert_frame_equal(real_results, real_untouched)


def test_two_runs_of_the_gate_give_identical_frames(real_results, real_outcome):
    again = apply_disclosure_control(real_results, load_policy(POLICY_FILE))
    pd.testing.assert_frame_equal(again.release, real_outcome.release)
    pd.testing.assert_frame_equal(again.cells, real_outcome.cells)


def test_the_manifest_lists_suppressed_rows_by_name_and_reason_without_values():
    manifest = gate(characteristics_rows()).suppressed_rows()
    assert len(manifest) > 0
    assert not {"estimate", "n", "denominator", "ci_low", "ci_high"} & set(manifest.columns)
    assert manifest["reason"].notna().all()


# --- 5. the policy file is validated, with every problem named --------------------------------


def test_the_project_policy_is_valid():
    loaded = load_policy(POLICY_FILE)
    assert loaded.threshold == THRESHOLD and loaded.source == str(POLICY_FILE)


def test_an_unknown_policy_key_is_named_in_the_error():
    with pytest.raises(DisclosurePolicyError, match="colour"):
        policy_from_mapping(policy_mapping(colour="red"))


def test_a_negative_threshold_is_named_in_the_error():
    with pytest.raises(DisclosurePolicyError, match="threshold") as error:
        policy_from_mapping(policy_mapping(threshold=-3))
    assert "-3" in str(error.value)


def test_a_missing_version_is_named_in_the_error():
    data = policy_mapping()
    del data["version"]
    with pytest.raises(DisclosurePolicyError, match="version"):
        policy_from_mapping(data)


def test_several_policy_problems_are_reported_in_one_error():
    data = policy_mapping(colour="red", threshold=-3)
    del data["version"]
    with pytest.raises(DisclosurePolicyError) as error:
        policy_from_mapping(data)
    message = str(error.value)
    assert "colour" in message and "threshold" in message and "version" in message


def test_a_missing_policy_file_is_named_in_the_error(tmp_path):
    missing = tmp_path / "no_such_policy.yaml"
    with pytest.raises(DisclosurePolicyError, match="no_such_policy.yaml"):
        load_policy(missing)


# --- 6. rounding to base 5, after suppression -------------------------------------------------

# 12/43 -> 10/45 and 27/58 -> 25/60 (nearest multiple of 5); 3/40 is suppressed first.
# Each share over its own group, so that the three denominators need no missing counts to be
# consistent (rows over one group with different denominators would not add up).
ROUNDING_ROWS = [
    share("looked_after", "yes", 12, 43, "hsb_group", "ta_only"),
    share("police_involvement", "yes", 27, 58, "hsb_group", "dual"),
    share("yos_involvement", "yes", 3, 40, "hsb_group", "offline_only"),
]


def test_rounded_counts_are_multiples_of_the_base_and_shares_are_recomputed_from_them():
    release = gate(ROUNDING_ROWS, rounding_base=5).release
    released = release[release["disclosure"].eq(RELEASED)]
    assert len(released) == 2
    assert (released["n"] % 5 == 0).all() and (released["denominator"] % 5 == 0).all()
    for variable, n, d in (("looked_after", 10, 45), ("police_involvement", 25, 60)):
        row = row_of(release, variable=variable)
        assert (row["n"], row["denominator"]) == (n, d)
        assert row["estimate"] == pytest.approx(n / d)
        # proportion_confint(10, 45, alpha=0.05, method="wilson") and (25, 60)
        low, high = proportion_confint(n, d, alpha=0.05, method="wilson")
        assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
        assert "rounded to base 5" in row["method"]


def test_rounding_leaves_suppressed_rows_blank():
    release = gate(ROUNDING_ROWS, rounding_base=5).release
    row = row_of(release, variable="yos_involvement")
    assert row["disclosure"] == SUPPRESSED
    assert row[["estimate", "ci_low", "ci_high", "n"]].isna().all()
    assert "rounded" not in row["method"]


def test_rounding_also_rounds_the_count_shown_as_the_estimate_of_a_count_row():
    # a missing-value count row shows its count twice, as n and as estimate (estimate = n);
    # 12 missing of 55 rounds to 10, so the estimate must not still say 12
    rows = [share("looked_after", "yes", 20, 43),
            {"output": "responses", "variable": "looked_after", "level": "missing: not recorded",
             "statistic": "count", "estimate": 12.0, "n": 12, "denominator": 55,
             "unit": "children", "method": "count of children whose value is missing"}]
    release = gate(rows, rounding_base=5).release
    count = row_of(release, statistic="count")
    assert count["disclosure"] == RELEASED
    assert count["n"] == 10
    assert count["estimate"] == count["n"]
