"""Tests for the synthetic cohort generator.

Counts are recounted here with plain pandas from the text tables, never from the generator's
internals: the published findings (docs/study.md) and the documented assumptions must be visible in
the rows themselves, exactly as the analysis will read them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd
import pytest

from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.synthetic.generator import generate_cohort, write_cohort_csv
from tahsb_analysis.synthetic.parameters import (
    ParameterError,
    load_parameters,
    render_parameters_markdown,
)

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "synthetic"
DEFAULT_SEED = 20170
NAMED_TYPES = (
    "iioc",
    "inappropriate_pornography",
    "online_sexual_harassment",
    "online_grooming",
    "sexual_texts",
    "exposing_to_pornography",
)
PORNOGRAPHY = "inappropriate_pornography"
CODEBOOK = load_codebook()
SETTINGS = CODEBOOK.behaviour_settings()


@pytest.fixture(scope="module")
def parameters():
    return load_parameters()


@pytest.fixture(scope="module", params=[DEFAULT_SEED, 7], ids=lambda seed: f"seed{seed}")
def cohort(request, parameters):
    """A cohort at the calibrated size, where every count target must be exact."""
    return generate_cohort(parameters, request.param)


@pytest.fixture(
    scope="module",
    params=[(DEFAULT_SEED, None), (7, None), (3, 2750), (11, 60)],
    ids=lambda p: f"seed{p[0]}-n{p[1] or 275}",
)
def any_cohort(request, parameters):
    """Cohorts of several seeds and sizes, for rules that hold at any size."""
    seed, n_cases = request.param
    return generate_cohort(parameters, seed, n_cases=n_cases)


# --- helpers: plain pandas recounts -----------------------------------------------------------


def group_of(cases: pd.DataFrame) -> pd.Series:
    """TA-HSB only / dual / offline only, from the two flags."""
    ta = cases["ta_hsb"] == "yes"
    offline = cases["offline_hsb"] == "yes"
    group = pd.Series("neither", index=cases.index)
    group[ta & ~offline] = "ta_only"
    group[ta & offline] = "dual"
    group[~ta & offline] = "offline_only"
    return pd.Series(group.to_numpy(), index=cases["case_id"].to_numpy())


def sample_frame(tables) -> pd.DataFrame:
    """case_file with each boy's group."""
    groups = group_of(tables["cases"])
    frame = tables["case_file"].copy()
    frame["group"] = frame["case_id"].map(groups)
    return frame.set_index("case_id")


def online_types(tables) -> pd.Series:
    """case_id -> set of distinct online (TA-HSB) types."""
    rows = tables["behaviours"]
    online = rows[rows["setting"] == "online"]
    return online.groupby("case_id")["behaviour_type"].agg(lambda s: frozenset(s))


def share_yes(frame: pd.DataFrame, column: str, group: str) -> float:
    """Share of yes among recorded values (missing codes out of the denominator)."""
    values = frame.loc[frame["group"] == group, column]
    recorded = values[values.isin(["yes", "no"])]
    return (recorded == "yes").mean()


def dual_other_boys(tables) -> pd.Index:
    groups = group_of(tables["cases"])
    types = online_types(tables)
    dual = types[types.index.map(groups) == "dual"]
    return dual[dual.map(lambda t: t != frozenset({PORNOGRAPHY}))].index


# --- P1, P2 and the in-depth sample --------------------------------------------------------


def test_cohort_has_275_children_149_offline_only_107_dual_19_ta_only(cohort):
    counts = group_of(cohort["cases"]).value_counts()
    assert len(cohort["cases"]) == 275
    assert counts.to_dict() == {"offline_only": 149, "dual": 107, "ta_only": 19}


def test_any_ta_hsb_rounds_to_46_percent_and_ta_only_to_7_percent(cohort):
    cases = cohort["cases"]
    any_ta = (cases["ta_hsb"] == "yes").sum()
    ta_only = ((cases["ta_hsb"] == "yes") & (cases["offline_hsb"] == "no")).sum()
    assert (any_ta, ta_only) == (126, 19)
    assert round(100 * any_ta / 275) == 46
    assert round(100 * ta_only / 275) == 7


def test_in_depth_sample_is_91_boys_14_ta_only_52_dual_25_offline_only(cohort):
    cases = cohort["cases"]
    sample = cases[cases["in_depth_sample"] == "yes"]
    assert len(sample) == 91
    assert (sample["sex"] == "male").all()
    counts = group_of(sample).value_counts().to_dict()
    assert counts == {"dual": 52, "offline_only": 25, "ta_only": 14}


def test_group_and_sample_flags_are_never_missing(any_cohort):
    cases = any_cohort["cases"]
    for column in ("offline_hsb", "ta_hsb", "in_depth_sample"):
        assert set(cases[column]) <= {"yes", "no"}, column
    assert (group_of(cases) != "neither").all()


def test_case_file_and_behaviours_cover_exactly_the_in_depth_sample(any_cohort):
    cases = any_cohort["cases"]
    sampled = set(cases.loc[cases["in_depth_sample"] == "yes", "case_id"])
    assert set(any_cohort["case_file"]["case_id"]) == sampled
    assert any_cohort["case_file"]["case_id"].is_unique
    assert set(any_cohort["behaviours"]["case_id"]) == sampled


def test_online_rows_match_ta_hsb_and_offline_rows_match_offline_hsb(any_cohort):
    cases = any_cohort["cases"].set_index("case_id")
    rows = any_cohort["behaviours"]
    sampled = cases[cases["in_depth_sample"] == "yes"]
    with_online = set(rows.loc[rows["setting"] == "online", "case_id"])
    with_offline = set(rows.loc[rows["setting"] == "offline", "case_id"])
    assert with_online == set(sampled.index[sampled["ta_hsb"] == "yes"])
    assert with_offline == set(sampled.index[sampled["offline_hsb"] == "yes"])


# --- R1-R5 --------------------------------------------------------------------------------------


def test_45_of_66_boys_with_ta_hsb_show_more_than_one_type(cohort):
    types = online_types(cohort)
    assert len(types) == 66
    multi = (types.map(len) > 1).sum()
    assert multi == 45
    assert round(100 * multi / len(types)) == 68


def test_iioc_is_strictly_the_most_common_ta_hsb_type_by_children(cohort):
    rows = cohort["behaviours"]
    online = rows[rows["setting"] == "online"]
    children = online.groupby("behaviour_type")["case_id"].nunique().sort_values(ascending=False)
    assert children.index[0] == "iioc"
    assert children.iloc[0] > children.iloc[1]


def test_every_type_named_by_the_study_occurs(cohort):
    present = set(cohort["behaviours"]["behaviour_type"])
    assert set(NAMED_TYPES) <= present


def test_safeguarding_guide_types_occur_only_rarely(cohort):
    rows = cohort["behaviours"]
    guide_only = {
        "online_coercion_extortion",
        "non_consensual_image_sharing",
        "ai_generated_images",
    }
    children = rows[rows["behaviour_type"].isin(guide_only)]["case_id"].nunique()
    assert 0 < children <= 5


def test_dual_boys_split_into_20_pornography_only_and_32_with_other_ta_hsb(cohort):
    groups = group_of(cohort["cases"])
    types = online_types(cohort)
    dual = types[types.index.map(groups) == "dual"]
    porn_only = (dual == frozenset({PORNOGRAPHY})).sum()
    assert (len(dual), porn_only, len(dual) - porn_only) == (52, 20, 32)


def test_most_dual_boys_with_other_ta_hsb_aim_it_at_another_person(cohort):
    rows = cohort["behaviours"]
    other = dual_other_boys(cohort)
    other_rows = rows[
        rows["case_id"].isin(other)
        & (rows["setting"] == "online")
        & (rows["behaviour_type"] != PORNOGRAPHY)
    ]
    aimed = other_rows.groupby("case_id")["aimed_at_other"].agg(lambda s: (s == "yes").any())
    assert len(aimed) == 32
    assert aimed.sum() >= 24  # a clear majority: at least three in four


def test_most_ta_hsb_rows_and_most_boys_with_ta_hsb_are_aimed_at_another_person(cohort):
    rows = cohort["behaviours"]
    online = rows[rows["setting"] == "online"]
    assert (online["aimed_at_other"] == "yes").mean() > 0.5
    per_boy = online.groupby("case_id")["aimed_at_other"].agg(lambda s: (s == "yes").any())
    assert per_boy.mean() > 0.5
    porn = online[online["behaviour_type"] == PORNOGRAPHY]
    assert (porn["aimed_at_other"] == "no").mean() > 0.8
    assert 1 <= (online["aimed_at_other"] == "-9").sum() <= 4


# --- L1, L2 -----------------------------------------------------------------------------------


def test_pornography_is_a_trigger_for_offline_hsb_in_31_of_52_dual_boys(cohort):
    frame = sample_frame(cohort)
    dual = frame[frame["group"] == "dual"]
    assert (dual["porn_trigger_offline"] == "yes").sum() == 31
    assert (dual["porn_trigger_offline"] == "no").sum() == 21


def test_porn_trigger_is_not_applicable_exactly_for_boys_without_offline_hsb(any_cohort):
    frame = sample_frame(any_cohort)
    not_applicable = frame["porn_trigger_offline"] == "-8"
    assert (not_applicable == (frame["group"] == "ta_only")).all()
    offline_only = frame.loc[frame["group"] == "offline_only", "porn_trigger_offline"]
    assert (offline_only == "no").mean() > 0.8


def test_a_pornography_trigger_began_before_the_first_offline_hsb(any_cohort):
    frame = sample_frame(any_cohort)
    rows = any_cohort["behaviours"].assign(onset=lambda d: d["age_at_onset"].astype(float))
    first_offline = rows[rows["setting"] == "offline"].groupby("case_id")["onset"].min()
    porn = rows[rows["behaviour_type"] == PORNOGRAPHY].groupby("case_id")["onset"].min()
    triggered = frame.index[(frame["group"] == "dual") & (frame["porn_trigger_offline"] == "yes")]
    assert triggered.isin(porn.index).all()
    assert (porn[triggered] < first_offline[triggered]).all()


def test_other_ta_hsb_follows_offline_hsb_in_26_of_32_dual_boys_3_years_later_on_average(cohort):
    rows = cohort["behaviours"].assign(onset=lambda d: d["age_at_onset"].astype(float))
    other = dual_other_boys(cohort)
    rows = rows[rows["case_id"].isin(other)]
    first_offline = rows[rows["setting"] == "offline"].groupby("case_id")["onset"].min()
    first_other = (
        rows[(rows["setting"] == "online") & (rows["behaviour_type"] != PORNOGRAPHY)]
        .groupby("case_id")["onset"]
        .min()
    )
    year_offline = first_offline.floordiv(1)
    year_other = first_other[first_offline.index].floordiv(1)
    after = year_other > year_offline
    assert after.sum() == 26
    assert (year_other < year_offline).sum() == 4
    assert (year_other == year_offline).sum() == 2
    gap = (first_other - first_offline)[after]
    assert round(gap.mean(), 1) == 3.0
    assert (gap.round(1) >= 1.0).all()  # one-decimal ages: compare in tenths, not binary floats


# --- C1-C6 ------------------------------------------------------------------------------------


def test_ta_only_boys_were_older_when_they_began_hsb(cohort):
    frame = sample_frame(cohort)
    mean_age = frame["age_first_hsb"].astype(float).groupby(frame["group"]).mean()
    assert round(mean_age["ta_only"], 1) == 13.5
    assert 9.0 <= mean_age["dual"] <= 11.0
    assert round(mean_age["offline_only"], 1) == 10.0
    assert mean_age["ta_only"] > mean_age["dual"] + 2
    assert mean_age["ta_only"] > mean_age["offline_only"] + 2


@pytest.mark.parametrize(
    ("column", "better"),
    [("family_stability", "stable"), ("parent_relationship", "good")],
)
def test_ta_only_boys_have_more_stable_families_and_better_parent_relationships(
    cohort, column, better
):
    frame = sample_frame(cohort)
    recorded = frame[frame[column] != "-9"]
    share = (recorded[column] == better).groupby(recorded["group"]).mean()
    assert share["ta_only"] > share["dual"] + 0.2
    assert share["ta_only"] > share["offline_only"] + 0.2


@pytest.mark.parametrize(
    "column",
    [
        "mental_health_difficulties",
        "unresolved_trauma",
        "impulsivity",
        "emotional_regulation_problems",
        "aggression_towards_self",
        "aggression_towards_others",
    ],
)
def test_ta_only_boys_have_fewer_recorded_difficulties(cohort, column):
    frame = sample_frame(cohort)
    ta_only = share_yes(frame, column, "ta_only")
    assert ta_only < share_yes(frame, column, "dual") - 0.15
    assert ta_only < share_yes(frame, column, "offline_only") - 0.15


def test_about_a_third_of_the_sample_is_looked_after_fewer_among_ta_only_boys(cohort):
    frame = sample_frame(cohort)
    recorded = frame[frame["looked_after"] != "-9"]
    assert 0.28 <= (recorded["looked_after"] == "yes").mean() <= 0.38
    assert share_yes(frame, "looked_after", "ta_only") < share_yes(frame, "looked_after", "dual")


# --- S1-S3 ------------------------------------------------------------------------------------


def test_therapeutic_intervention_is_less_common_for_ta_only_boys(cohort):
    frame = sample_frame(cohort)
    ta_only = share_yes(frame, "therapeutic_intervention", "ta_only")
    assert ta_only < share_yes(frame, "therapeutic_intervention", "dual")
    assert ta_only < share_yes(frame, "therapeutic_intervention", "offline_only")


@pytest.mark.parametrize("column", ["police_involvement", "yos_involvement"])
def test_ta_only_boys_have_more_police_and_youth_offending_involvement(cohort, column):
    frame = sample_frame(cohort)
    ta_only = share_yes(frame, column, "ta_only")
    assert ta_only > share_yes(frame, column, "dual")
    assert ta_only > share_yes(frame, column, "offline_only")


def test_ta_only_boys_are_excluded_from_school_more_often(cohort):
    frame = sample_frame(cohort)
    ta_only = share_yes(frame, "school_exclusion_hsb", "ta_only")
    assert ta_only > share_yes(frame, "school_exclusion_hsb", "dual")
    assert ta_only > share_yes(frame, "school_exclusion_hsb", "offline_only")
    assert (frame["school_exclusion_hsb"] == "-8").sum() == 2


def test_ta_only_boys_get_more_criminal_justice_and_offline_boys_more_section_47(cohort):
    frame = sample_frame(cohort)
    sanction = frame["cj_outcome"].isin(["out_of_court", "court_order"])
    by_group = sanction.groupby(frame["group"]).mean()
    assert by_group["ta_only"] > by_group["dual"]
    assert by_group["ta_only"] > by_group["offline_only"]
    s47 = (frame["social_care_level"] == "section_47").groupby(frame["group"]).mean()
    assert s47["offline_only"] > s47["ta_only"]
    assert s47["dual"] > s47["ta_only"]


def test_criminal_justice_outcomes_agree_with_police_and_yos_involvement(any_cohort):
    frame = sample_frame(any_cohort)
    no_police = frame["police_involvement"] == "no"
    assert (frame.loc[no_police, "cj_outcome"] == "none").all()
    police = frame["police_involvement"] == "yes"
    assert (frame.loc[police, "cj_outcome"] != "none").all()
    yos = frame["yos_involvement"] == "yes"
    assert frame.loc[yos, "cj_outcome"].isin(["out_of_court", "court_order"]).all()


# --- missing codes ----------------------------------------------------------------------------


def test_a_few_values_are_not_recorded_outside_the_group_fields(cohort):
    cases = cohort["cases"]
    assert 3 <= (cases["learning_disability"] == "-9").sum() <= 5
    assert 1 <= (cases["sex"] == "-9").sum() <= 5
    assert 1 <= (cases["age_at_referral"] == "-9").sum() <= 5
    case_file = cohort["case_file"]
    not_recorded = (case_file == "-9").sum()
    assert not_recorded.sum() >= 8
    assert not_recorded.max() <= 3
    for column in ("offline_hsb", "ta_hsb", "in_depth_sample"):
        assert "-9" not in set(cases[column])
    assert "-9" not in set(case_file["porn_trigger_offline"])
    assert "-9" not in set(case_file["age_first_hsb"])


def test_age_at_referral_is_recorded_for_every_in_depth_boy(any_cohort):
    cases = any_cohort["cases"]
    sampled = cases[cases["in_depth_sample"] == "yes"]
    assert "-9" not in set(sampled["age_at_referral"])


# --- codebook validity ------------------------------------------------------------------------


def test_every_cell_is_a_string(any_cohort):
    for name, frame in any_cohort.items():
        for column in frame.columns:
            kinds = {type(value) for value in frame[column].tolist()}
            assert kinds == {str}, f"{name}.{column}: {kinds}"


def test_columns_follow_codebook_order(any_cohort):
    for name, frame in any_cohort.items():
        assert tuple(frame.columns) == CODEBOOK.table(name).field_names


def _cell_is_valid(fld, value: str) -> bool:
    if value in fld.missing_values:
        return True
    if fld.is_boolean or fld.is_categorical:
        return value in fld.valid_codes
    if fld.type == "integer":
        return bool(re.fullmatch(r"\d+", value)) and fld.minimum <= int(value) <= fld.maximum
    if fld.type == "number":
        return (
            bool(re.fullmatch(r"\d+(\.\d)?", value)) and fld.minimum <= float(value) <= fld.maximum
        )
    if fld.type == "yearmonth":
        return bool(re.fullmatch(r"2015-(0[1-9]|10)", value))
    return bool(re.fullmatch(fld.pattern, value)) if fld.pattern else bool(value)


def test_every_code_is_allowed_by_the_codebook(any_cohort):
    for name, frame in any_cohort.items():
        for fld in CODEBOOK.table(name).fields:
            bad = sorted({v for v in frame[fld.name] if not _cell_is_valid(fld, v)})
            assert not bad, f"{name}.{fld.name}: {bad[:5]}"
            if fld.constant_within_file:
                assert frame[fld.name].nunique() == 1


def test_cases_are_labelled_synthetic_with_unique_synthetic_ids(any_cohort):
    cases = any_cohort["cases"]
    assert set(cases["data_origin"]) == {"synthetic"}
    assert set(cases["cohort"]) == {"synthetic-ttp-2015"}
    assert cases["case_id"].is_unique
    assert cases["case_id"].str.fullmatch(r"SYN-\d{4,}").all()
    assert cases["case_id"].is_monotonic_increasing


# --- internal consistency ---------------------------------------------------------------------


def test_setting_agrees_with_the_behaviour_type(any_cohort):
    rows = any_cohort["behaviours"]
    assert (rows["setting"] == rows["behaviour_type"].map(SETTINGS)).all()


def test_every_onset_is_below_age_at_referral_plus_one(any_cohort):
    referral = any_cohort["cases"].set_index("case_id")["age_at_referral"]
    rows = any_cohort["behaviours"]
    onset = rows["age_at_onset"].astype(float)
    age = rows["case_id"].map(referral).astype(int)
    assert (onset < age + 1).all()


def test_age_first_hsb_is_the_earliest_onset(any_cohort):
    rows = any_cohort["behaviours"]
    earliest = (
        rows.assign(onset=rows["age_at_onset"].astype(float)).groupby("case_id")["onset"].min()
    )
    case_file = any_cohort["case_file"].set_index("case_id")
    first = case_file["age_first_hsb"].astype(float)
    assert (first == earliest[first.index]).all()


def test_behaviours_are_numbered_one_to_k_per_child_in_order_of_onset(any_cohort):
    rows = any_cohort["behaviours"]
    seq = rows["behaviour_seq"].astype(int)
    expected = rows.groupby("case_id").cumcount() + 1
    assert (seq == expected).all()
    onset = rows["age_at_onset"].astype(float)
    assert (onset.groupby(rows["case_id"]).diff().dropna() >= 0).all()
    assert not rows.duplicated(["case_id", "behaviour_type"]).any()


# --- determinism and files --------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(parameters, tmp_path):
    first = write_cohort_csv(generate_cohort(parameters, 123), tmp_path / "first")
    second = write_cohort_csv(generate_cohort(parameters, 123), tmp_path / "second")
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_files_are_named_by_the_codebook_and_use_utf8_and_newline_endings(parameters, tmp_path):
    tables = generate_cohort(parameters, DEFAULT_SEED)
    written = write_cohort_csv(tables, tmp_path)
    assert {name: path.name for name, path in written.items()} == {
        "cases": "cases.csv",
        "case_file": "case_file.csv",
        "behaviours": "behaviours.csv",
    }
    for name, path in written.items():
        raw = path.read_bytes()
        assert b"\r" not in raw
        assert not raw.startswith(b"\xef\xbb\xbf")
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(back, tables[name], check_dtype=False)


def test_different_seed_changes_rows_but_not_count_targets(parameters):
    first = generate_cohort(parameters, 1)
    second = generate_cohort(parameters, 2)
    for name in ("cases", "case_file", "behaviours"):
        assert not first[name].equals(second[name]), name
    for tables in (first, second):
        assert group_of(tables["cases"]).value_counts().to_dict() == {
            "offline_only": 149,
            "dual": 107,
            "ta_only": 19,
        }
        assert (online_types(tables).map(len) > 1).sum() == 45
        frame = sample_frame(tables)
        assert (frame.loc[frame["group"] == "dual", "porn_trigger_offline"] == "yes").sum() == 31


def test_committed_csv_files_are_the_output_of_the_default_seed(parameters, tmp_path):
    written = write_cohort_csv(generate_cohort(parameters, DEFAULT_SEED), tmp_path)
    for path in written.values():
        committed = COMMITTED / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run "
            f"`tahsb synthesize --seed {DEFAULT_SEED} --output data/synthetic`"
        )


def test_generating_does_not_modify_the_parameters(parameters):
    before = copy.deepcopy(parameters)
    generate_cohort(parameters, 5, n_cases=600)
    assert parameters == before


# --- scaling ----------------------------------------------------------------------------------


def test_n_cases_scales_every_count_proportionally(parameters):
    tables = generate_cohort(parameters, 3, n_cases=2750)
    assert group_of(tables["cases"]).value_counts().to_dict() == {
        "offline_only": 1490,
        "dual": 1070,
        "ta_only": 190,
    }
    frame = sample_frame(tables)
    assert frame["group"].value_counts().to_dict() == {
        "dual": 520,
        "offline_only": 250,
        "ta_only": 140,
    }
    types = online_types(tables)
    assert (len(types), (types.map(len) > 1).sum()) == (660, 450)
    assert (frame.loc[frame["group"] == "dual", "porn_trigger_offline"] == "yes").sum() == 310


def test_n_cases_below_one_is_refused(parameters):
    with pytest.raises(ParameterError, match="n_cases"):
        generate_cohort(parameters, 1, n_cases=0)


SECOND_COHORT = COMMITTED.parent / "synthetic-2019"


def test_the_second_synthetic_cohort_is_the_output_of_its_parameters_and_seed(tmp_path):
    parameters = load_parameters(SECOND_COHORT / "parameters.yaml")
    written = write_cohort_csv(generate_cohort(parameters, 20190), tmp_path)
    for path in written.values():
        committed = SECOND_COHORT / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run `tahsb synthesize --parameters "
            "data/synthetic-2019/parameters.yaml --seed 20190 --output data/synthetic-2019`"
        )
    assert (SECOND_COHORT / "PARAMETERS.md").read_text(encoding="utf-8") == (
        render_parameters_markdown(parameters)
    )


def test_the_second_synthetic_cohort_differs_from_the_first_where_its_parameters_say(
    parameters,
):
    second = load_parameters(SECOND_COHORT / "parameters.yaml")
    first_tables = generate_cohort(parameters, DEFAULT_SEED)
    second_tables = generate_cohort(second, 20190)
    # Group sizes by hand from data/synthetic-2019/parameters.yaml: 40 TA-HSB only of 320
    # (12.5%) against 19 of 275 (6.9%) in the calibrated cohort.
    for tables, ta_only, total in ((first_tables, 19, 275), (second_tables, 40, 320)):
        cases = tables["cases"]
        assert len(cases) == total
        assert ((cases["ta_hsb"] == "yes") & (cases["offline_hsb"] == "no")).sum() == ta_only
    assert set(second_tables["cases"]["cohort"]) == {"synthetic-ttp-2019"}
    assert second_tables["cases"]["case_id"].str.startswith("SYB-").all()


def _codebook_with_new_fields(tmp_path: Path):
    """The packaged codebook plus three fields a user might add to case_file."""
    import yaml

    from tahsb_analysis.input.codebook import default_codebook_path

    raw = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    table = next(res for res in raw["resources"] if res["name"] == "case_file")
    table["schema"]["fields"] += [
        {"name": "school_support", "title": "School support plan", "type": "string",
         "role": "background", "categories": [{"value": "none", "label": "none"},
                                              {"value": "plan", "label": "a plan"}]},
        {"name": "siblings", "title": "Siblings", "type": "integer", "role": "background",
         "constraints": {"required": True, "minimum": 0, "maximum": 6}},
        {"name": "bullied", "title": "Bullied", "type": "boolean", "role": "background",
         "trueValues": ["yes"], "falseValues": ["no"]},
    ]
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_codebook(path)


def test_fields_a_user_adds_get_default_values_and_the_cohort_still_validates(
        tmp_path, parameters):
    from tahsb_analysis.input.validation import validate_cohort

    codebook = _codebook_with_new_fields(tmp_path)
    extended = generate_cohort(parameters, DEFAULT_SEED, codebook=codebook)
    plain = generate_cohort(parameters, DEFAULT_SEED)
    case_file = extended["case_file"]
    # Every other column is exactly as before: the defaults draw from their own generator.
    pd.testing.assert_frame_equal(case_file[plain["case_file"].columns], plain["case_file"])
    pd.testing.assert_frame_equal(extended["cases"], plain["cases"])
    # Uniform over the codes / the range, none missing (91 in-depth boys: both codes occur).
    assert set(case_file["school_support"]) == {"none", "plan"}
    assert set(case_file["bullied"]) == {"yes", "no"}
    assert case_file["siblings"].astype(int).between(0, 6).all()
    assert case_file["siblings"].astype(int).nunique() > 3
    # Written and validated against the same codebook, the cohort passes.
    write_cohort_csv(extended, tmp_path / "cohort", codebook)
    files = {name: tmp_path / "cohort" / codebook.table(name).default_filename
             for name in ("cases", "case_file", "behaviours")}
    cohort = validate_cohort(files, codebook=codebook)
    assert cohort.case_file["siblings"].notna().all()
    # Deterministic: the same seed gives the same new columns.
    again = generate_cohort(parameters, DEFAULT_SEED, codebook=codebook)
    pd.testing.assert_frame_equal(again["case_file"], case_file)
