"""Group derivation: TA-HSB only, dual, offline only, and the R5 dual sub-groups."""

import pandas as pd

from tahsb_analysis.groups import dual_subgroup, hsb_group


def test_hsb_group_follows_the_two_flags_and_leaves_missing_flags_missing():
    cases = pd.DataFrame(
        {
            "ta_hsb": pd.array([True, True, False, False, None, True], dtype="boolean"),
            "offline_hsb": pd.array([False, True, True, False, True, None], dtype="boolean"),
        }
    )
    groups = hsb_group(cases)
    assert groups.tolist()[:4] == ["ta_only", "dual", "offline_only", "neither"]
    assert groups.isna().tolist() == [False, False, False, False, True, True]


def test_hsb_group_of_the_test_cohort_matches_a_hand_count(tmp_path, frames):
    from conftest import build_cohort

    cohort = build_cohort(tmp_path, frames)
    # C001 dual, C002 ta_only, C003 offline_only, C004 offline_only, C005 dual, C006 ta_only.
    assert hsb_group(cohort.cases).tolist() == [
        "dual", "ta_only", "offline_only", "offline_only", "dual", "ta_only",
    ]


def test_dual_subgroup_separates_pornography_only_from_other_ta_hsb():
    cases = pd.DataFrame(
        {
            "case_id": pd.array(["A", "B", "C", "D"], dtype="string"),
            "ta_hsb": pd.array([True, True, True, True], dtype="boolean"),
            "offline_hsb": pd.array([True, True, False, True], dtype="boolean"),
        }
    )
    behaviours = pd.DataFrame(
        {
            "case_id": ["A", "A", "A", "B", "B", "C"],
            "behaviour_type": [
                "inappropriate_pornography", "inappropriate_pornography", "offline_contact",
                "inappropriate_pornography", "iioc", "inappropriate_pornography",
            ],
            "setting": ["online", "online", "offline", "online", "online", "online"],
        }
    )
    subgroups = dual_subgroup(cases, behaviours)
    # A: only pornography online -> pornography_only; B: also IIOC -> other; C: not dual;
    # D: dual but no online behaviour coded -> missing.
    assert subgroups.tolist()[:2] == ["pornography_only", "other_ta_hsb"]
    assert subgroups.isna().tolist() == [False, False, True, True]


def test_group_functions_do_not_modify_their_input(tmp_path, frames):
    from conftest import build_cohort

    cohort = build_cohort(tmp_path, frames)
    before = cohort.cases.copy(deep=True), cohort.behaviours.copy(deep=True)
    hsb_group(cohort.cases)
    dual_subgroup(cohort.cases, cohort.behaviours)
    pd.testing.assert_frame_equal(cohort.cases, before[0])
    pd.testing.assert_frame_equal(cohort.behaviours, before[1])
