"""Backgrounds and characteristics (C1-C6) of the HSB groups on a cohort: hand counts and the
directions of the published findings."""

from pathlib import Path

from conftest import build_cohort, one, select, valid_frames

from tahsb_analysis.analyses.characteristics import characteristics
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.results.schema import RESULT_COLUMNS, validate_results

REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# On a cohort


def test_characteristics_counts_in_depth_children_outside_the_groups_in_hsb_group_rows(tmp_path):
    frames = valid_frames()  # C001 dual, C002 ta_only, C003 offline_only in the in-depth sample
    frames["cases"].loc[len(frames["cases"])] = [
        "C007",
        "ttp-2015",
        "synthetic",
        "2015-07",
        "male",
        "13",
        "no",
        "no",
        "no",
        "yes",
    ]
    frames["cases"].loc[len(frames["cases"])] = [
        "C008",
        "ttp-2015",
        "synthetic",
        "2015-08",
        "male",
        "14",
        "no",
        "yes",
        "-9",
        "yes",
    ]
    frames["behaviours"].loc[len(frames["behaviours"])] = [
        "C008",
        "1",
        "offline_contact",
        "offline",
        "12",
        "yes",
    ]
    for case_id in ("C007", "C008"):
        row = frames["case_file"].iloc[1].copy()
        row["case_id"] = case_id
        row["porn_trigger_offline"] = "-8" if case_id == "C007" else "no"
        row["age_first_hsb"] = "12"
        frames["case_file"].loc[len(frames["case_file"])] = row.to_numpy()

    result = characteristics(build_cohort(tmp_path, frames))

    validate_results(result)
    excluded = select(result, variable="hsb_group", statistic="count")
    # C008's ta_hsb is -9 (group missing, not recorded); C007 has neither kind of HSB.
    assert list(zip(excluded["level"], excluded["n"], excluded["denominator"], strict=True)) == [
        ("missing: not recorded", 1, 5),
        ("missing: neither (no HSB recorded)", 1, 5),
    ]
    assert set(excluded["group"]) == {"in_depth_sample"}
    shares = select(result, variable="looked_after", statistic="proportion")
    # looked_after: C001 no (dual), C002 no (ta_only), C003 yes (offline_only)
    assert dict(zip(shares["group"], shares["n"], strict=True)) == {
        "ta_only": 0,
        "dual": 0,
        "offline_only": 1,
        "all": 1,
    }
    assert set(result["analysis"]) == {"characteristics"}
    # The primary table, and the missing-data sensitivity analyses (bounds of the shares, the
    # tests rerun) when a value is not recorded.
    assert set(result["output"]) <= {"characteristics", "characteristics_missing_bounds",
                                     "characteristics_missing_tests"}


def test_characteristics_compares_every_background_variable_with_codebook_findings(tmp_path):
    result = characteristics(build_cohort(tmp_path, valid_frames()))

    background = load_codebook().fields_with_role("background")
    compared = result.loc[result["variable"] != "hsb_group", "variable"]
    assert list(dict.fromkeys(compared)) == [f.name for _, f in background]
    assert (
        one(result, variable="age_first_hsb", group="ta_only", statistic="mean")["finding"]
        == "C1;L2"
    )
    assert (
        one(result, variable="age_at_referral", group="ta_only", statistic="mean")["unit"]
        == "years"
    )
    # C003's parent_relationship is -9: counted, not in the offline_only denominator
    assert (
        one(result, variable="parent_relationship", group="offline_only", statistic="count")[
            "level"
        ]
        == "missing: not recorded"
    )
    assert list(result.columns) == list(RESULT_COLUMNS)


def test_synthetic_cohort_shows_the_directions_of_c1_to_c6():
    directory = REPO / "data" / "synthetic"
    cohort = validate_cohort(
        {n: directory / f"{n}.csv" for n in ("cases", "case_file", "behaviours")}
    )

    result = characteristics(cohort)

    validate_results(result)

    def by_group(variable, level, statistic="proportion"):
        rows = select(result, variable=variable, level=level, statistic=statistic)
        return dict(zip(rows["group"], rows["estimate"].astype(float), strict=True))

    def ta_only_is_highest(shares):
        return shares["ta_only"] > max(shares["dual"], shares["offline_only"])

    def ta_only_is_lowest(shares):
        return shares["ta_only"] < min(shares["dual"], shares["offline_only"])

    # C1: older when they began displaying HSB (mean and median age at first HSB)
    assert ta_only_is_highest(by_group("age_first_hsb", None, "mean"))
    assert ta_only_is_highest(by_group("age_first_hsb", None, "median"))
    assert (
        one(result, variable="age_first_hsb", group="ta_only vs dual", statistic="hodges_lehmann")[
            "estimate"
        ]
        > 0
    )
    # C2: more stable families; C3: more good relationships with parents
    assert ta_only_is_highest(by_group("family_stability", "stable"))
    assert ta_only_is_highest(by_group("parent_relationship", "good"))
    # C4, C5, C6: fewer mental-health difficulties, less unresolved trauma, fewer problems
    for variable in (
        "mental_health_difficulties",
        "unresolved_trauma",
        "impulsivity",
        "emotional_regulation_problems",
        "aggression_towards_self",
        "aggression_towards_others",
    ):
        assert ta_only_is_lowest(by_group(variable, "yes")), variable
        differences = select(result, variable=variable, statistic="risk_difference")
        assert (differences["estimate"] < 0).all(), variable
