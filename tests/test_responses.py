"""Professional responses (S1-S3): composites, the by-group table and the odds-ratio models.

Answers are known by construction (hand counts, a 2x2 table) or come from statsmodels fitted
independently in the test, with the reference call quoted next to the expected number.
"""

from pathlib import Path

import pandas as pd
import pytest
from conftest import build_cohort, one, select, valid_frames
from test_response_models import model_frame

from tahsb_analysis.analyses.response_models import logistic_odds_ratios
from tahsb_analysis.analyses.responses import response_composites, responses
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.results.schema import validate_results

REPO = Path(__file__).resolve().parents[1]
COMPOSITES = {
    "either": {
        "any_of": [
            {"field": "a", "values": ["yes"]},
            {"field": "level", "values": ["high"]},
        ]
    }
}



def composite_frame(a, a_missing, level, level_missing) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": pd.array(a, dtype="boolean"),
            "a__missing": pd.Categorical(a_missing, categories=["-9", "-8"]),
            "level": pd.Categorical(level, categories=["low", "high"], ordered=True),
            "level__missing": pd.Categorical(level_missing, categories=["-9"]),
        }
    )




# ---------------------------------------------------------------------------------------------
# Composites


def test_composite_holds_when_any_condition_holds():
    frame = composite_frame(
        [True, False, None], [None, None, "-9"], ["low", "high", "high"], [None, None, None]
    )

    result = response_composites(frame, COMPOSITES)

    assert result["either"].tolist() == [True, True, True]
    assert str(result["either"].dtype) == "boolean"


def test_composite_is_no_when_every_field_is_known_or_not_applicable():
    frame = composite_frame([False, None], [None, "-8"], ["low", "low"], [None, None])

    result = response_composites(frame, COMPOSITES)

    # -8 (not applicable) counts as "does not hold", so the second child is "no" too
    assert result["either"].tolist() == [False, False]


def test_composite_is_missing_when_a_field_is_not_recorded_and_nothing_holds():
    frame = composite_frame([None, False], ["-9", None], ["low", None], [None, "-9"])

    result = response_composites(frame, COMPOSITES)

    assert result["either"].isna().tolist() == [True, True]


def test_codebook_composites_on_the_tiny_cohort(tmp_path):
    cohort = build_cohort(tmp_path, valid_frames())
    frame = cohort.case_file

    result = response_composites(frame, load_codebook().response_composites)

    # C001 police yes; C002 police yes; C003 only school_exclusion_hsb yes -> all punitive
    assert result["punitive_response"].tolist() == [True, True, True]
    # therapeutic_intervention: C001 yes, C002 no, C003 yes
    assert result["therapeutic_response"].tolist() == [True, False, True]


# ---------------------------------------------------------------------------------------------
# The by-group table


def test_response_table_recounts_the_tiny_cohort_by_hand(tmp_path):
    # C001 dual, C002 TA-HSB only, C003 offline only (tests/conftest.py)
    result = responses(build_cohort(tmp_path, valid_frames()))
    table = result[result["output"] == "responses"]

    def share(variable, group):
        row = one(table, variable=variable, level="yes", group=group, statistic="proportion")
        return float(row["estimate"]), int(row["n"]), int(row["denominator"])

    assert share("police_involvement", "ta_only") == (1.0, 1, 1)
    assert share("police_involvement", "offline_only") == (0.0, 0, 1)
    assert share("police_involvement", "all") == (2 / 3, 2, 3)
    assert share("yos_involvement", "all") == (1 / 3, 1, 3)
    assert share("therapeutic_response", "ta_only") == (0.0, 0, 1)
    # C001's school_exclusion_hsb is -8: counted, not in the dual denominator
    missing = one(table, variable="school_exclusion_hsb", group="dual", statistic="count")
    assert missing["level"] == "missing: not applicable"
    assert share("school_exclusion_hsb", "all") == (0.5, 1, 2)
    # section_47 is C001's (dual) level; C003's social care level is -9
    level = one(
        table, variable="social_care_level", level="section_47", group="all", statistic="proportion"
    )
    assert (int(level["n"]), int(level["denominator"])) == (1, 2)
    assert set(table["finding"].dropna()) == {"S1", "S2", "S3", "S1;S2"}
    assert (
        one(table, variable="punitive_response", level="yes", group="all", statistic="proportion")[
            "finding"
        ]
        == "S1"
    )
    pairs = set(select(table, variable="police_involvement", statistic="risk_difference")["group"])
    assert pairs == {"ta_only vs dual", "ta_only vs offline_only"}
    validate_results(result)


def test_input_data_not_modified():
    frame = model_frame()
    frame["y__missing"] = pd.Categorical([None] * len(frame), categories=["-9"])
    before = frame.copy(deep=True)

    logistic_odds_ratios(frame, "y", "hsb_group", covariates=["age_at_referral", "looked_after"])
    response_composites(
        frame.rename(columns={"y": "a"}).assign(
            a__missing=frame["y__missing"],
            level=pd.Categorical(["low"] * len(frame)),
            level__missing=frame["y__missing"],
        ),
        COMPOSITES,
    )

    pd.testing.assert_frame_equal(frame, before)


def test_unknown_covariate_is_refused_with_an_actionable_message(tmp_path):
    cohort = build_cohort(tmp_path, valid_frames())

    with pytest.raises(ValueError, match="covariates must be background fields"):
        responses(cohort, covariates=["police_involvement"])


# ---------------------------------------------------------------------------------------------
# The committed synthetic cohort


@pytest.fixture(scope="module")
def synthetic_result():
    directory = REPO / "data" / "synthetic"
    cohort = validate_cohort(
        {n: directory / f"{n}.csv" for n in ("cases", "case_file", "behaviours")}
    )
    return responses(cohort, covariates=["looked_after"])


def test_synthetic_results_follow_the_schema_and_have_both_outputs(synthetic_result):
    validate_results(synthetic_result)
    assert set(synthetic_result["output"]) == {
        "responses", "response_models", "responses_missing_bounds", "responses_missing_tests",
        "response_models_imputed"}
    assert (synthetic_result["analysis"] == "responses").all()
    models = synthetic_result[synthetic_result["output"] == "response_models"]
    outcomes = set(select(models, statistic="odds_ratio")["variable"])
    assert outcomes == {
        "police_involvement",
        "yos_involvement",
        "school_exclusion_hsb",
        "therapeutic_intervention",
        "therapeutic_response",
        "punitive_response",
        "social_care_section_47",
        "cj_out_of_court_or_court",
        "social_care_level",
    }
    assert set(select(models, variable="social_care_level", statistic="odds_ratio")["level"]) == {
        "ta_only",
        "dual",
        "ta_only vs dual",
        "age_at_referral",
        "looked_after: yes",
    }
    assert models["p_adjusted"].notna().sum() == models["p_value"].notna().sum() > 0


def test_synthetic_cohort_shows_the_directions_of_s1_to_s3(synthetic_result):
    table = synthetic_result[synthetic_result["output"] == "responses"]

    def shares(variable):
        rows = select(table, variable=variable, level="yes", statistic="proportion")
        return dict(zip(rows["group"], rows["estimate"].astype(float), strict=True))

    # S2: more police and YOS involvement; S3: more exclusion from school, TA-HSB only
    for variable in ("police_involvement", "yos_involvement", "school_exclusion_hsb"):
        s = shares(variable)
        assert s["ta_only"] > max(s["dual"], s["offline_only"]), variable
    # S1: a less therapeutic approach to TA-HSB only
    for variable in ("therapeutic_intervention", "therapeutic_response"):
        s = shares(variable)
        assert s["ta_only"] < min(s["dual"], s["offline_only"]), variable
    models = synthetic_result[synthetic_result["output"] == "response_models"]
    assert one(models, variable="police_involvement", level="ta_only",
               statistic="odds_ratio")["estimate"] > 1
    assert one(models, variable="therapeutic_intervention", level="ta_only",
               statistic="odds_ratio")["estimate"] < 1
