"""Group derivation: TA-HSB only, dual, offline only, and the R5 dual sub-groups."""

import numpy as np
import pandas as pd
import pytest

from tahsb_analysis.analyses.groups import PORNOGRAPHY_TYPE, dual_subgroup, hsb_group, is_code


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


def groupby_dual_subgroup(cases: pd.DataFrame, behaviours: pd.DataFrame) -> pd.Series:
    """The formulation dual_subgroup replaced (groupby-all on text, then Series.map): slow on
    a million Arrow strings, kept here as the reference."""
    online = behaviours[behaviours["setting"].astype("string") == "online"]
    is_porn = online["behaviour_type"].astype("string") == PORNOGRAPHY_TYPE
    porn_only = is_porn.groupby(online["case_id"].astype("string")).all()
    looked_up = cases["case_id"].astype("string").map(porn_only)
    dual = (hsb_group(cases) == "dual").to_numpy()
    subgroup = np.select(
        [
            dual & looked_up.eq(True).fillna(False).to_numpy(dtype=bool),
            dual & looked_up.eq(False).fillna(False).to_numpy(dtype=bool),
        ],
        ["pornography_only", "other_ta_hsb"],
        default=None,
    )
    return pd.Series(pd.Categorical(subgroup, categories=["pornography_only", "other_ta_hsb"]),
                     index=cases.index, name="dual_subgroup")


@pytest.mark.parametrize("categorical", [False, True], ids=["text", "categorical"])
def test_dual_subgroup_equals_the_groupby_formulation_on_awkward_rows(categorical):
    cases = pd.DataFrame(
        {
            "case_id": pd.array(["A", "B", "C", "D", "E", "F", None], dtype="string"),
            "ta_hsb": pd.array([True, True, True, True, True, None, True], dtype="boolean"),
            "offline_hsb": pd.array([True] * 7, dtype="boolean"),
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    porn, iioc = PORNOGRAPHY_TYPE, "iioc"
    behaviours = pd.DataFrame(
        {
            # A: pornography and a missing type -> pornography_only (a missing type decides
            # nothing); B: only a missing type -> pornography_only as before; C: pornography
            # and IIOC; D: offline only; E: pornography; F: group missing; a row without id.
            "case_id": ["A", "A", "B", "C", "C", "D", "E", "F", None],
            "behaviour_type": [porn, None, None, porn, iioc, "offline_contact", porn, iioc, iioc],
            "setting": ["online"] * 5 + ["offline"] + ["online"] * 3,
        }
    )
    if categorical:
        behaviours["behaviour_type"] = pd.Categorical(behaviours["behaviour_type"])
        behaviours["setting"] = pd.Categorical(behaviours["setting"])
    result = dual_subgroup(cases, behaviours)
    pd.testing.assert_series_equal(result, groupby_dual_subgroup(cases, behaviours))
    assert result.tolist()[:3] == ["pornography_only", "pornography_only", "other_ta_hsb"]
    assert result.isna().tolist()[3:] == [True, False, True, True]


def test_dual_subgroup_with_no_online_behaviour_at_all():
    cases = pd.DataFrame(
        {
            "case_id": pd.array(["A"], dtype="string"),
            "ta_hsb": pd.array([True], dtype="boolean"),
            "offline_hsb": pd.array([True], dtype="boolean"),
        }
    )
    behaviours = pd.DataFrame(
        {"case_id": ["A"], "behaviour_type": ["offline_contact"], "setting": ["offline"]}
    )
    assert dual_subgroup(cases, behaviours).isna().all()


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["online", "offline", None, "online"], dtype="string"),
        pd.Series(["online", "offline", None, "online"], dtype=object),
        pd.Series(pd.Categorical(["online", "offline", None, "online"])),
        pd.Series(pd.Categorical(["offline", "offline", None, "offline"])),  # code not a level
    ],
    ids=["string", "object", "categorical", "categorical-without-the-code"],
)
def test_is_code_equals_comparing_the_text(values):
    expected = values.astype("string").eq("online").fillna(False).to_numpy(dtype=bool)
    np.testing.assert_array_equal(is_code(values, "online"), expected)
