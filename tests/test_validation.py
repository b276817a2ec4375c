"""Checks of the three input tables against the codebook, and the typed cohort they become."""

from __future__ import annotations

import copy
import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from conftest import problems_in, with_cell, write_csv_tables

from tahsb_analysis.input import checked as c
from tahsb_analysis.input import messages as m
from tahsb_analysis.input import problems as v_problems
from tahsb_analysis.input import validation as v
from tahsb_analysis.input.cohort import Cohort, missing_column
from tahsb_analysis.input.readers import read_table_as_text
from tahsb_analysis.input.validation import (
    InputValidationError,
    find_problems,
    format_problems,
    typed_table,
    validate_cohort,
)


def located(problems: pd.DataFrame) -> list[tuple]:
    """(file, row or None, column, problem) of each problem, in order."""
    rows = [None if pd.isna(row) else int(row) for row in problems["row"]]
    return list(zip(problems["file"], rows, problems["column"], problems["problem"], strict=True))


def assert_only_problem(problems, file, row, column, problem) -> dict:
    """The table holds exactly this one problem (row None for a file or column problem)."""
    assert located(problems) == [(file, row, column, problem)], problems.to_string()
    return problems.iloc[0].to_dict()


# --- the valid cohort -----------------------------------------------------------------------


def test_valid_cohort_has_no_problems(tmp_path, frames):
    assert problems_in(tmp_path, frames).empty


def test_problem_table_has_the_agreed_columns_and_dtypes(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "sex", "boy"))
    assert list(problems.columns) == ["file", "row", "column", "problem", "expected"]
    assert problems["row"].dtype == "Int64"
    assert list(v.problems_frame().columns) == list(problems.columns)


# --- whole files and columns ----------------------------------------------------------------


def test_table_without_data_rows_is_reported_once_for_the_file(tmp_path, frames):
    frames["behaviours"] = frames["behaviours"].iloc[:0]
    assert_only_problem(problems_in(tmp_path, frames), "behaviours.csv", None, "",
                        m.NO_DATA_ROWS)


def test_file_with_no_header_row_is_reported_as_empty(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    paths["case_file"].write_text("", encoding="utf-8")
    raw = {name: read_table_as_text(path) for name, path in paths.items()}
    problems = find_problems(raw)
    assert_only_problem(problems, "case_file.csv", None, "", m.EMPTY_FILE)


def test_missing_required_column_is_named(tmp_path, frames):
    frames["cases"] = frames["cases"].drop(columns=["learning_disability"])
    assert_only_problem(problems_in(tmp_path, frames), "cases.csv", None,
                        "learning_disability", m.MISSING_COLUMN)


def test_unknown_column_is_named_by_position_with_the_closest_codebook_name(tmp_path, frames):
    frames["case_file"]["Looked_After"] = "no"  # the 19th column of the file
    found = assert_only_problem(problems_in(tmp_path, frames), "case_file.csv", None,
                                "column 19", m.UNKNOWN_COLUMN)
    assert "did you mean looked_after?" in found["expected"]  # the codebook's word, not the file's
    assert "Looked_After" not in found["expected"] + found["problem"]


def test_column_name_given_twice_is_reported(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    text = paths["behaviours"].read_text(encoding="utf-8").splitlines()
    paths["behaviours"].write_text(
        "\n".join([text[0] + ",setting"] + [line + ",online" for line in text[1:]]) + "\n",
        encoding="utf-8")
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    assert_only_problem(problems, "behaviours.csv", None, "setting", m.REPEATED_COLUMN)


# --- single cells ---------------------------------------------------------------------------


def test_blank_cell_is_reported_at_the_row_the_user_sees(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 4, "sex", ""))
    found = assert_only_problem(problems, "cases.csv", 4, "sex", m.BLANK_CELL)
    assert found["expected"].startswith("one of male, female, other")


def test_cell_holding_only_spaces_is_blank(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 3, "looked_after", "   "))
    assert_only_problem(problems, "case_file.csv", 3, "looked_after", m.BLANK_CELL)


def test_surrounding_spaces_around_a_valid_code_are_accepted(tmp_path, frames):
    assert problems_in(tmp_path, with_cell(frames, "cases", 2, "sex", " male ")).empty


def test_code_outside_the_allowed_set_is_reported_with_the_allowed_codes(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 4, "family_stability",
                                               "chaotic"))
    found = assert_only_problem(problems, "case_file.csv", 4, "family_stability", m.NOT_A_CODE)
    assert "stable, some_instability, unstable" in found["expected"]


def test_na_in_a_csv_cell_is_an_invalid_code_not_a_missing_value(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 6, "aimed_at_other", "NA"))
    assert_only_problem(problems, "behaviours.csv", 6, "aimed_at_other", m.NOT_A_CODE)


def test_code_in_the_wrong_case_gets_its_own_message(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 2, "learning_disability", "No"))
    assert_only_problem(problems, "cases.csv", 2, "learning_disability", m.CODE_CASE)


def test_not_recorded_code_is_accepted_where_the_codebook_allows_it(tmp_path, frames):
    assert problems_in(tmp_path, with_cell(frames, "cases", 2, "sex", "-9")).empty


def test_not_applicable_code_is_refused_where_the_codebook_does_not_allow_it(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "sex", "-8"))
    assert_only_problem(problems, "cases.csv", 3, "sex", m.MISSING_CODE_NOT_ALLOWED)


def test_missing_code_is_refused_in_a_field_without_missing_codes(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 2, "behaviour_seq", "-9"))
    assert_only_problem(problems, "behaviours.csv", 2, "behaviour_seq",
                        m.MISSING_CODE_NOT_ALLOWED)


@pytest.mark.parametrize(("value", "problem"), [
    ("fourteen", m.NOT_AN_INTEGER),
    ("14.0", m.NOT_AN_INTEGER),
    ("4", m.BELOW_MINIMUM),
    ("19", m.ABOVE_MAXIMUM),
])
def test_integer_problems(tmp_path, frames, value, problem):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 6, "age_at_referral", value))
    assert_only_problem(problems, "cases.csv", 6, "age_at_referral", problem)


@pytest.mark.parametrize("value", ["5", "18"])
def test_integer_bounds_are_inclusive(tmp_path, frames, value):
    assert problems_in(tmp_path, with_cell(frames, "cases", 6, "age_at_referral", value)).empty


@pytest.mark.parametrize(("value", "problem"), [
    ("ten", m.NOT_A_NUMBER),
    ("2.5", m.BELOW_MINIMUM),
    ("18.5", m.ABOVE_MAXIMUM),
    ("8.25", m.TOO_MANY_DECIMALS),
])
def test_number_problems(tmp_path, frames, value, problem):
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 4, "age_first_hsb", value))
    assert_only_problem(problems, "case_file.csv", 4, "age_first_hsb", problem)


def test_trailing_zero_does_not_count_as_a_decimal_place(tmp_path, frames):
    assert problems_in(tmp_path, with_cell(frames, "case_file", 4, "age_first_hsb",
                                           "8.50")).empty


@pytest.mark.parametrize("value", ["2015-13", "2015-00", "2015-3", "03/2015", "2015"])
def test_yearmonth_must_be_yyyy_mm_with_a_real_month(tmp_path, frames, value):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 7, "assessment_month", value))
    assert_only_problem(problems, "cases.csv", 7, "assessment_month", m.NOT_A_YEARMONTH)


def test_case_id_must_match_the_pattern(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 7, "case_id", "C 006"))
    assert_only_problem(problems, "cases.csv", 7, "case_id", m.PATTERN_MISMATCH)


def test_duplicate_case_id_names_the_row_it_duplicates(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 6, "case_id", "C004"))
    found = assert_only_problem(problems, "cases.csv", 6, "case_id",
                                "duplicate of row 5: same case_id")
    assert found["expected"] == "each case_id once in the file"


def test_each_duplicate_row_is_reported(tmp_path, frames):
    changed = with_cell(with_cell(frames, "cases", 6, "case_id", "C004"), "cases", 7, "case_id",
                        "C004")
    problems = problems_in(tmp_path, changed)
    assert problems["row"].tolist() == [6, 7]
    assert set(problems["problem"]) == {"duplicate of row 5: same case_id"}


def test_duplicate_behaviour_number_is_compared_by_value(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 4, "behaviour_seq", "02"))
    assert_only_problem(problems, "behaviours.csv", 4, "",
                        "duplicate of row 3: same case_id and behaviour_seq")


def test_column_that_must_be_constant_reports_the_rows_that_differ(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 5, "data_origin", "real"))
    found = assert_only_problem(problems, "cases.csv", 5, "data_origin",
                                m.NOT_CONSTANT.format(rows="row 5"))
    assert "real" not in found["problem"]


# --- across tables --------------------------------------------------------------------------


def test_case_file_row_for_a_child_not_in_cases(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 4, "case_id", "C099"))
    # C003 now has no case_file row, which is reported on its cases row too.
    assert set(located(problems)) == {
        ("case_file.csv", 4, "case_id", m.UNKNOWN_CHILD),
        ("cases.csv", 4, "in_depth_sample", m.NO_CASE_FILE_ROW),
    }


def test_behaviours_row_for_a_child_not_in_cases(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 8, "case_id", "C099"))
    assert_only_problem(problems, "behaviours.csv", 8, "case_id", m.UNKNOWN_CHILD)


def test_rows_for_a_child_outside_the_in_depth_sample(tmp_path, frames):
    changed = with_cell(frames, "behaviours", 8, "case_id", "C004")
    changed = with_cell(changed, "behaviours", 8, "behaviour_seq", "1")
    problems = problems_in(tmp_path, changed)
    assert_only_problem(problems, "behaviours.csv", 8, "case_id", m.NOT_IN_DEPTH)


def test_in_depth_child_without_a_case_file_row_is_reported_on_its_cases_row(tmp_path, frames):
    frames["case_file"] = frames["case_file"].iloc[:2]
    assert_only_problem(problems_in(tmp_path, frames), "cases.csv", 4, "in_depth_sample",
                        m.NO_CASE_FILE_ROW)


def test_setting_that_disagrees_with_the_behaviour_type(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 3, "setting", "offline"))
    assert_only_problem(problems, "behaviours.csv", 3, "setting", m.SETTING_MISMATCH)


def test_online_behaviour_for_a_child_whose_ta_hsb_is_no(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 2, "ta_hsb", "no"))
    assert problems["file"].unique().tolist() == ["behaviours.csv"]
    assert problems["row"].tolist() == [3, 4]  # C001's two online behaviours
    assert set(problems["column"]) == {"behaviour_type"}
    assert set(problems["problem"]) == {m.ONLINE_BUT_NO_TA_HSB}


def test_offline_behaviour_for_a_child_whose_offline_hsb_is_no(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 4, "offline_hsb", "no"))
    assert set(located(problems)) == {
        ("behaviours.csv", 7, "behaviour_type", m.OFFLINE_BUT_NO_OFFLINE_HSB),
        ("behaviours.csv", 8, "behaviour_type", m.OFFLINE_BUT_NO_OFFLINE_HSB),
        # C003's porn_trigger_offline is "no", which now should be -8
        ("case_file.csv", 4, "porn_trigger_offline", m.PORN_TRIGGER_WITHOUT_OFFLINE),
    }


def test_ta_hsb_yes_without_any_online_behaviour(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 4, "ta_hsb", "yes"))
    assert_only_problem(problems, "cases.csv", 4, "ta_hsb", m.TA_HSB_WITHOUT_ONLINE)


def test_offline_hsb_yes_without_any_offline_behaviour(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "offline_hsb", "yes"))
    assert_only_problem(problems, "cases.csv", 3, "offline_hsb", m.OFFLINE_HSB_WITHOUT_OFFLINE)


def test_children_outside_the_in_depth_sample_need_no_behaviours(tmp_path, frames):
    # C004-C006 have ta_hsb or offline_hsb = yes and no behaviours rows: that is fine.
    assert problems_in(tmp_path, frames).empty


@pytest.mark.parametrize(("onset", "is_problem"), [
    ("14", False), ("14.5", False), ("14.9", False), ("15.0", True), ("15", True),
    ("17.5", True),
])
def test_onset_must_be_below_age_at_referral_plus_one(tmp_path, frames, onset, is_problem):
    # C001 was referred at 14 (whole years): onset at 14.9 is possible, at 15.0 it is not.
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 3, "age_at_onset", onset))
    if is_problem:
        assert_only_problem(problems, "behaviours.csv", 3, "age_at_onset", m.ONSET_AFTER_REFERRAL)
    else:
        assert problems.empty


def test_age_first_hsb_must_be_below_age_at_referral_plus_one(tmp_path, frames):
    # C003 was referred at 12; with no recorded onset ages, only the referral check applies.
    changed = with_cell(frames, "behaviours", 7, "age_at_onset", "-9")
    changed = with_cell(changed, "case_file", 4, "age_first_hsb", "13")
    assert_only_problem(problems_in(tmp_path, changed), "case_file.csv", 4, "age_first_hsb",
                        m.FIRST_HSB_AFTER_REFERRAL)


def test_age_first_hsb_later_than_the_earliest_behaviour_onset(tmp_path, frames):
    # C001's earliest behaviour began at 10.5.
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 2, "age_first_hsb", "10.6"))
    assert_only_problem(problems, "case_file.csv", 2, "age_first_hsb", m.FIRST_HSB_AFTER_ONSET)


def test_porn_trigger_recorded_for_a_child_without_offline_hsb(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 3, "porn_trigger_offline",
                                               "no"))
    found = assert_only_problem(problems, "case_file.csv", 3, "porn_trigger_offline",
                                m.PORN_TRIGGER_WITHOUT_OFFLINE)
    assert found["expected"].startswith("-8")


# --- no spurious repeats from cross-table checks on invalid cells ---------------------------


def test_invalid_age_at_referral_is_reported_once_not_again_by_the_onset_check(tmp_path, frames):
    changed = with_cell(frames, "cases", 2, "age_at_referral", "4")
    changed = with_cell(changed, "behaviours", 3, "age_at_onset", "13.5")
    assert_only_problem(problems_in(tmp_path, changed), "cases.csv", 2, "age_at_referral",
                        m.BELOW_MINIMUM)


def test_broken_case_id_in_cases_is_not_reported_again_in_the_other_files(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "case_id", "C002!"))
    assert_only_problem(problems, "cases.csv", 3, "case_id", m.PATTERN_MISMATCH)


def test_invalid_behaviour_type_is_not_reported_again_by_the_setting_checks(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "behaviours", 5, "behaviour_type",
                                               "texting"))
    assert_only_problem(problems, "behaviours.csv", 5, "behaviour_type", m.NOT_A_CODE)


def test_child_whose_behaviour_types_are_unreadable_is_not_judged_for_online_behaviour(
        tmp_path, frames):
    # Both of C002's behaviours (its only online ones) have invalid types.
    changed = with_cell(frames, "behaviours", 5, "behaviour_type", "texting")
    changed = with_cell(changed, "behaviours", 6, "behaviour_type", "pictures")
    problems = problems_in(tmp_path, changed)
    assert located(problems) == [
        ("behaviours.csv", 5, "behaviour_type", m.NOT_A_CODE),
        ("behaviours.csv", 6, "behaviour_type", m.NOT_A_CODE),
    ]


def test_cell_breaking_several_rules_is_reported_once_for_the_first(tmp_path, frames):
    # 2.25 is both below the minimum of 3 and has two decimal places.
    problems = problems_in(tmp_path, with_cell(frames, "case_file", 4, "age_first_hsb", "2.25"))
    assert_only_problem(problems, "case_file.csv", 4, "age_first_hsb", m.BELOW_MINIMUM)


def test_invalid_in_depth_flag_is_not_reported_again_by_the_in_depth_checks(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "in_depth_sample", "maybe"))
    assert_only_problem(problems, "cases.csv", 3, "in_depth_sample", m.NOT_A_CODE)


def test_unreadable_onset_keeps_the_child_out_of_the_earliest_onset_check(tmp_path, frames):
    # C001's readable onsets are 13 and 12.5; the unreadable one (row 2) may be the earliest.
    changed = with_cell(frames, "behaviours", 2, "age_at_onset", "ten")
    changed = with_cell(changed, "case_file", 2, "age_first_hsb", "12.6")
    assert_only_problem(problems_in(tmp_path, changed), "behaviours.csv", 2, "age_at_onset",
                        m.NOT_A_NUMBER)


# --- one pass, ordering, wording ------------------------------------------------------------


def test_problems_in_different_files_are_all_reported_in_one_pass(tmp_path, frames):
    changed = with_cell(frames, "cases", 5, "sex", "boy")
    changed = with_cell(changed, "case_file", 3, "cj_outcome", "prison")
    changed = with_cell(changed, "behaviours", 4, "setting", "offline")
    changed["cases"]["postcode"] = "-"
    problems = problems_in(tmp_path, changed)
    assert {(file, row, column) for file, row, column, _ in located(problems)} == {
        ("cases.csv", None, "column 11"),  # the postcode column: named by position
        ("cases.csv", 5, "sex"),
        ("case_file.csv", 3, "cj_outcome"),
        ("behaviours.csv", 4, "setting"),
    }


def test_problems_are_sorted_by_file_then_row(tmp_path, frames):
    changed = with_cell(frames, "cases", 7, "sex", "boy")
    changed = with_cell(changed, "cases", 2, "sex", "girl")
    changed = with_cell(changed, "behaviours", 5, "aimed_at_other", "maybe")
    changed["cases"] = changed["cases"].drop(columns=["learning_disability"])
    problems = problems_in(tmp_path, changed)
    assert [(file, row) for file, row, _, _ in located(problems)] == [
        ("behaviours.csv", 5), ("cases.csv", None), ("cases.csv", 2), ("cases.csv", 7)]


def test_no_problem_message_contains_a_cell_value(tmp_path, frames):
    odd_values = {("cases", 3, "sex"): "Zebra",
                  ("cases", 4, "age_at_referral"): "77",
                  ("case_file", 2, "family_stability"): "Quixotic",
                  ("behaviours", 2, "behaviour_type"): "Yodelling"}
    changed = frames
    for (table, row, column), value in odd_values.items():
        changed = with_cell(changed, table, row, column, value)
    problems = problems_in(tmp_path, changed)
    assert len(problems) >= len(odd_values)
    table_text = problems.astype(str).to_csv()
    for value in odd_values.values():
        assert value not in table_text
        assert value not in format_problems(problems)


# --- the typed cohort -----------------------------------------------------------------------


@pytest.fixture
def cohort(tmp_path, frames) -> Cohort:
    return validate_cohort(write_csv_tables(tmp_path, frames))


def test_typed_tables_have_the_codebook_dtypes(cohort):
    cases, case_file, behaviours = cohort.cases, cohort.case_file, cohort.behaviours
    assert cases["case_id"].dtype == "string"
    assert cases["assessment_month"].dtype == "string"
    assert cases["age_at_referral"].dtype == "Int64"
    assert cases["ta_hsb"].dtype == "boolean"
    assert isinstance(cases["sex"].dtype, pd.CategoricalDtype)
    assert list(cases["sex"].cat.categories) == ["male", "female", "other"]
    assert not cases["sex"].cat.ordered
    assert case_file["age_first_hsb"].dtype == "Float64"
    assert case_file["family_stability"].cat.ordered
    assert list(case_file["family_stability"].cat.categories) == [
        "stable", "some_instability", "unstable"]
    assert behaviours["behaviour_seq"].dtype == "Int64"
    assert behaviours["age_at_onset"].tolist()[:3] == [10.5, 13.0, 12.5]


def test_missing_codes_leave_na_and_are_kept_apart_in_the_missing_column(cohort):
    case_file = cohort.case_file
    # school_exclusion_hsb: C001 -8 (not applicable), C002 no, C003 yes
    assert case_file["school_exclusion_hsb"].isna().tolist() == [True, False, False]
    assert case_file["school_exclusion_hsb__missing"].astype(object).tolist()[0] == "-8"
    # unresolved_trauma: C003 -9 (not recorded)
    assert case_file["unresolved_trauma"].isna().tolist() == [False, False, True]
    assert case_file["unresolved_trauma__missing"].astype(object).tolist()[2] == "-9"
    assert list(case_file["porn_trigger_offline__missing"].cat.categories) == ["-9", "-8"]
    assert cohort.cases["age_at_referral"].isna().tolist() == [False] * 4 + [True, False]
    assert cohort.cases["age_at_referral__missing"].astype(object).tolist()[4] == "-9"


def test_missing_column_is_na_where_a_value_is_present(cohort):
    missing = cohort.case_file["porn_trigger_offline__missing"]
    assert missing.isna().tolist() == [True, False, True]
    assert missing.astype(object).tolist()[1] == "-8"


def test_typed_columns_follow_the_codebook_each_followed_by_its_missing_column(cohort, codebook):
    expected = []
    for fld in codebook.table("behaviours").fields:
        expected.append(fld.name)
        if fld.missing_codes:
            expected.append(missing_column(fld.name))
    assert list(cohort.behaviours.columns) == expected
    assert "in_depth_sample__missing" not in cohort.cases.columns


def test_validate_cohort_returns_label_origin_and_sources(tmp_path, frames, codebook):
    paths = write_csv_tables(tmp_path, frames)
    cohort = validate_cohort(paths, codebook)
    assert cohort.label == "ttp-2015"
    assert cohort.synthetic is True
    assert cohort.codebook_version == codebook.version
    assert cohort.sources["behaviours"] == {
        "file": "behaviours.csv",
        "sha256": hashlib.sha256(paths["behaviours"].read_bytes()).hexdigest(),
        "rows": 7,
    }


def test_real_data_origin_is_not_synthetic(tmp_path, frames):
    frames["cases"]["data_origin"] = "real"
    assert validate_cohort(write_csv_tables(tmp_path, frames)).synthetic is False


def test_input_frames_are_not_modified(tmp_path, frames, codebook):
    paths = write_csv_tables(tmp_path, with_cell(frames, "cases", 3, "sex", " Male"))
    raw = {name: read_table_as_text(path) for name, path in paths.items()}
    before = copy.deepcopy(raw)
    find_problems(raw, codebook)
    typed_table(raw["behaviours"], codebook.table("behaviours"))
    for name in raw:
        pd.testing.assert_frame_equal(raw[name].frame, before[name].frame)
        np.testing.assert_array_equal(raw[name].row_numbers, before[name].row_numbers)


def test_typed_table_of_text_frame_in_pandas_default_string_dtype(tmp_path, frames, codebook):
    # A caller may build RawTable frames with pandas' own str dtype rather than object.
    from tahsb_analysis.input.readers import RawTable

    frame = frames["cases"].astype(str)
    raw = RawTable(frame, np.arange(2, len(frame) + 2), "cases.csv")
    typed = typed_table(raw, codebook.table("cases"))
    assert typed["age_at_referral"].tolist()[:3] == [14, 15, 12]
    assert find_problems({"cases": raw}, codebook).empty


def map_and_factorize_distinct_text(column: pd.Series):
    """The formulation _distinct_text replaced (a per-value lambda, then factorize again)."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    stripped = pd.Series(uniques, dtype=object).map(
        lambda cell: cell.strip() if isinstance(cell, str) else "")
    codes_of_stripped, distinct = pd.factorize(stripped.to_numpy(dtype=object))
    return codes_of_stripped[codes], pd.Series(np.asarray(distinct, dtype=object), dtype=str)


@pytest.mark.parametrize("cells", [
    ["yes", " yes", "no", "yes ", "", "   ", None, np.nan, "\u00a0no", "a\x1fb", "\tno\n", "no"],
    ["C001", "C002", "C001", "C003"],  # already stripped: codes and texts as factorize gives
    [None, "", "x"],  # None becomes "", the same text as the blank cell
    [],
], ids=["whitespace-and-missing", "stripped", "none-and-blank", "empty"])
def test_distinct_text_equals_the_map_and_factorize_formulation(cells):
    column = pd.Series(cells, dtype=object)
    codes, text = c._distinct_text(column)
    expected_codes, expected_text = map_and_factorize_distinct_text(column)
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_series_equal(text, expected_text)
    shared = c._distinct_text(column, c._raw_distinct(column))
    np.testing.assert_array_equal(shared[0], expected_codes)
    pd.testing.assert_series_equal(shared[1], expected_text)


def test_validate_cohort_types_each_table_exactly_as_typed_table(tmp_path, frames, codebook):
    # validate_cohort reuses the distinct texts of its checks; typed_table computes them anew.
    changed = with_cell(frames, "cases", 3, "sex", " male ")
    changed = with_cell(changed, "case_file", 2, "looked_after", "-9 ")
    paths = write_csv_tables(tmp_path, changed)
    cohort = validate_cohort(paths, codebook)
    for name, path in paths.items():
        expected = typed_table(read_table_as_text(path), codebook.table(name))
        pd.testing.assert_frame_equal(cohort.table(name), expected, check_exact=True)


# --- validate_cohort on bad input -----------------------------------------------------------


def test_bad_cohort_raises_with_every_problem_and_writes_nothing(tmp_path, frames):
    changed = with_cell(frames, "cases", 3, "sex", "boy")
    changed = with_cell(changed, "behaviours", 2, "aimed_at_other", "")
    paths = write_csv_tables(tmp_path / "input", changed)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    problems = caught.value.problems
    assert list(zip(problems["file"], problems["row"], strict=True)) == [
        ("behaviours.csv", 2), ("cases.csv", 3)]
    message = str(caught.value)
    assert message.splitlines()[0] == "2 problem(s) found in the input; nothing was written."


def test_unreadable_file_is_reported_with_the_problems_of_the_other_files(tmp_path, frames):
    paths = write_csv_tables(tmp_path, with_cell(frames, "cases", 3, "sex", "boy"))
    paths["behaviours"] = tmp_path / "behaviours.xls"
    paths["behaviours"].write_bytes(b"not a workbook")
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    problems = caught.value.problems
    assert set(problems["file"]) == {"behaviours.xls", "cases.csv"}
    assert "file type is not supported" in problems["problem"].tolist()


def test_validate_cohort_needs_exactly_the_three_tables(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    del paths["case_file"]
    with pytest.raises(ValueError, match="needs exactly the tables"):
        validate_cohort(paths)


# --- formatting -----------------------------------------------------------------------------


def test_format_problems_gives_a_count_line_and_a_fixed_width_table(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 3, "sex", "boy"))
    lines = format_problems(problems).splitlines()
    assert lines[0] == "1 problem(s) found in the input; nothing was written."
    header = lines[2]
    assert header.split() == ["file", "row", "column", "problem", "expected"]
    row_line = lines[4]
    assert row_line.startswith("cases.csv")
    assert row_line.index("3") == header.index("row")
    assert row_line.index("sex") == header.index("column")


def test_format_problems_can_show_only_the_first_problems(tmp_path, frames):
    changed = with_cell(with_cell(frames, "cases", 3, "sex", "boy"), "cases", 4, "sex", "boy")
    text = format_problems(problems_in(tmp_path, changed), limit=1)
    assert text.splitlines()[-1] == "... and 1 more problem(s)"


def test_format_problems_shows_file_level_problems_with_a_dash_for_row(tmp_path, frames):
    frames["cases"] = frames["cases"].drop(columns=["sex"])
    line = format_problems(problems_in(tmp_path, frames)).splitlines()[4]
    assert line.split()[:3] == ["cases.csv", "-", "sex"]


def test_input_validation_error_survives_pickling(tmp_path, frames):
    import pickle

    error = InputValidationError(problems_in(tmp_path, with_cell(frames, "cases", 3, "sex", "x")))
    copy_of_error = pickle.loads(pickle.dumps(error))
    pd.testing.assert_frame_equal(copy_of_error.problems, error.problems)


def test_digits_of_other_scripts_are_not_numbers(tmp_path, frames):
    problems = problems_in(tmp_path, with_cell(frames, "cases", 2, "age_at_referral", "١٤"))
    assert_only_problem(problems, "cases.csv", 2, "age_at_referral", m.NOT_AN_INTEGER)


def test_semicolon_separated_file_gets_a_hint_about_commas(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    paths["cases"].write_text(paths["cases"].read_text().replace(",", ";"), encoding="utf-8")
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    unknown = problems[problems["problem"] == m.UNKNOWN_COLUMN]
    assert unknown["file"].tolist() == ["cases.csv"]
    assert unknown["column"].tolist() == ["column 1"]
    assert "commas" in unknown["expected"].iloc[0]
    # The codebook's names are all there, run together: none is reported missing as well.
    assert m.MISSING_COLUMN not in problems["problem"].tolist()


# --- a header cell is a value too -----------------------------------------------------------


def without_header(path) -> list[str]:
    """Drop the file's header row; return the cells of its first data row (now first row)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), encoding="utf-8")
    return lines[1].strip().split(",")


def all_text(problems: pd.DataFrame) -> str:
    return problems.astype(str).to_csv() + format_problems(problems)


def test_missing_header_is_reported_once_and_no_cell_of_the_first_row_is_shown(tmp_path,
                                                                               frames):
    paths = write_csv_tables(tmp_path, frames)
    first_row = without_header(paths["cases"])
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    found = assert_only_problem(problems, "cases.csv", 1, "", m.HEADER_LOOKS_LIKE_DATA)
    assert "case_id, cohort, data_origin" in found["expected"]
    text = all_text(problems)
    for cell in first_row:
        if len(cell) > 2:  # "no" and "14" occur in any English text
            assert cell not in text, cell


def test_missing_header_below_blank_lines_is_reported_at_the_first_row_of_data(tmp_path,
                                                                               frames):
    paths = write_csv_tables(tmp_path, frames)
    without_header(paths["behaviours"])
    paths["behaviours"].write_text("\n\n" + paths["behaviours"].read_text(encoding="utf-8"),
                                   encoding="utf-8")
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    assert_only_problem(problems, "behaviours.csv", 3, "", m.HEADER_LOOKS_LIKE_DATA)


def test_blank_lines_before_the_header_do_not_hide_the_file(tmp_path, frames):
    paths = write_csv_tables(tmp_path, with_cell(frames, "cases", 4, "sex", "boy"))
    for path in paths.values():
        path.write_text("\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    # Row 4 of the table is line 6 of the file: two blank lines came first.
    assert_only_problem(caught.value.problems, "cases.csv", 6, "sex", m.NOT_A_CODE)
    paths = write_csv_tables(tmp_path / "valid", frames)
    for path in paths.values():
        path.write_text("\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert validate_cohort(paths).sources["cases"]["rows"] == 6


@pytest.mark.parametrize(("header", "problem"), [
    ("=HYPERLINK(\"http://example.org/?\"&A,\"x\")", m.UNKNOWN_COLUMN),
    ("=HYPERLINK(\"http://example.org/?\"&A2,\"x\")", m.DATA_LIKE_COLUMN),  # a digit
    ("Notes about Jayden", m.UNKNOWN_COLUMN),
    ("14", m.DATA_LIKE_COLUMN),
    ("C099", m.DATA_LIKE_COLUMN),
    ("female", m.DATA_LIKE_COLUMN),
])
def test_unexpected_header_cell_is_named_by_position_never_shown(tmp_path, frames, header,
                                                                 problem):
    frames["cases"][header] = "-"
    problems = problems_in(tmp_path, frames)
    assert_only_problem(problems, "cases.csv", None, "column 11", problem)
    assert header not in all_text(problems)


def test_column_without_a_name_is_named_by_position(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    lines = paths["behaviours"].read_text(encoding="utf-8").splitlines()
    paths["behaviours"].write_text("\n".join([lines[0] + ","] + [line + ",x" for line in lines[1:]])
                                   + "\n", encoding="utf-8")
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    assert_only_problem(problems, "behaviours.csv", None, "column 7", m.UNNAMED_COLUMN)


def test_repeated_unknown_header_cell_is_named_by_position(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    lines = paths["cases"].read_text(encoding="utf-8").splitlines()
    paths["cases"].write_text(
        "\n".join([lines[0] + ",Kayden,Kayden"] + [line + ",-,-" for line in lines[1:]]) + "\n",
        encoding="utf-8")
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    assert set(located(problems)) == {("cases.csv", None, "column 11", m.UNKNOWN_COLUMN),
                                      ("cases.csv", None, "column 12", m.REPEATED_COLUMN),
                                      ("cases.csv", None, "column 12", m.UNKNOWN_COLUMN)}
    assert "Kayden" not in all_text(problems)


def test_every_column_named_in_problems_is_a_codebook_name_or_a_position(tmp_path, frames,
                                                                         codebook):
    frames["cases"]["SW1A 1AA"] = "SW1A 1AA"
    frames["cases"]["=1+1"] = "x"
    frames["case_file"]["Looked After?"] = "no"
    paths = write_csv_tables(tmp_path, frames)
    without_header(paths["behaviours"])
    problems = find_problems({name: read_table_as_text(p) for name, p in paths.items()})
    names = {n for table in codebook.tables.values() for n in table.field_names}
    assert len(problems) >= 4
    for column in problems["column"]:
        assert column == "" or column in names or re.fullmatch(r"column \d+", column), column


# --- bounded output -------------------------------------------------------------------------


def many_cases(count: int) -> pd.DataFrame:
    """`count` valid children outside the in-depth sample (no other table needs a row)."""
    return pd.DataFrame({
        "case_id": [f"X{i:06d}" for i in range(count)], "cohort": "ttp-2015",
        "data_origin": "synthetic", "assessment_month": "2015-01", "sex": "male",
        "age_at_referral": "14", "learning_disability": "no", "offline_hsb": "yes",
        "ta_hsb": "no", "in_depth_sample": "no"})


def test_a_problem_on_many_rows_lists_the_first_rows_and_counts_the_rest(tmp_path, frames):
    frames["cases"] = pd.concat([frames["cases"], many_cases(500)], ignore_index=True)
    frames["cases"].loc[6:, "sex"] = "boy"  # rows 8 to 507
    problems = problems_in(tmp_path, frames)
    assert problems["row"].tolist() == [8, 9, 10, 11]
    assert set(problems["column"]) == {"sex"}
    assert problems["problem"].tolist()[:3] == [m.NOT_A_CODE] * 3
    assert problems["problem"].iloc[3] == (
        f"{m.NOT_A_CODE}: and 497 more rows with this problem (rows 11, 12, 13 and 494 more)")


def test_many_duplicate_ids_are_bounded_too(tmp_path, frames):
    extra = many_cases(300)
    extra["case_id"] = "C006"
    frames["cases"] = pd.concat([frames["cases"], extra], ignore_index=True)
    problems = problems_in(tmp_path, frames)
    assert problems["problem"].tolist() == [
        "duplicate of row 7: same case_id"] * 3 + [
        "duplicate of an earlier row: same case_id: and 297 more rows with this problem "
        "(rows 11, 12, 13 and 294 more)"]


def test_problems_of_a_file_are_capped(tmp_path, frames):
    # 180 unknown columns and 10 missing ones: 190 column problems, more than the cap allows.
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = [f"heading_{letters[i // 26]}{letters[i % 26]}" for i in range(180)]
    frames["cases"] = pd.DataFrame({name: ["a"] * 6 for name in names})
    problems = problems_in(tmp_path, frames)
    cases = problems[problems["file"] == "cases.csv"]
    assert len(cases) == v_problems.MAX_PROBLEMS_PER_FILE + 1
    assert cases["problem"].iloc[-1].startswith("... and 90 more problems in this file")
    assert cases["problem"].iloc[0] == m.MISSING_COLUMN


# --- a large file that is clearly not the table ---------------------------------------------


def test_large_file_that_is_clearly_not_the_table_is_read_only_at_its_start(tmp_path, frames):
    paths = write_csv_tables(tmp_path, frames)
    with paths["cases"].open("w", encoding="utf-8") as handle:
        for i in range(5000):
            handle.write(f"QQ{i},zz{i},Jayden Smith,{i}\n")
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    problems = caught.value.problems
    assert located(problems)[:2] == [
        ("cases.csv", None, "", m.NOT_THE_TABLE_HEADER.format(row=v.PROBE_LINES, table="cases")),
        ("cases.csv", 1, "", m.HEADER_LOOKS_LIKE_DATA)]
    assert int(problems["row"].max()) <= v.PROBE_LINES
    # The other tables are not judged against a table that was not read whole.
    assert set(problems["file"]) == {"cases.csv"}
    assert "Jayden" not in str(caught.value)


def test_large_file_whose_rows_break_most_cells_is_read_only_at_its_start(tmp_path, frames):
    cases = many_cases(3000)
    for column in cases.columns:
        cases[column] = "?"
    cases.loc[0] = frames["cases"].loc[0]  # one good row does not make it the table
    frames["cases"] = cases
    paths = write_csv_tables(tmp_path, frames)
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    problems = caught.value.problems
    stopped = problems[problems["problem"].str.startswith("file was read only to row")]
    assert stopped["problem"].tolist() == [
        m.NOT_THE_TABLE_ROWS.format(row=v.PROBE_LINES, first=2)]
    assert int(problems["row"].max()) <= v.PROBE_LINES


def test_large_valid_file_is_read_whole(tmp_path, frames):
    frames["cases"] = pd.concat([frames["cases"], many_cases(2500)], ignore_index=True)
    cohort = validate_cohort(write_csv_tables(tmp_path, frames))
    assert len(cohort.cases) == 2506
    frames["cases"].loc[2400, "sex"] = "boy"  # beyond the first look: still found
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(write_csv_tables(tmp_path / "bad", frames))
    assert_only_problem(caught.value.problems, "cases.csv", 2402, "sex", m.NOT_A_CODE)


def test_garbage_after_a_good_start_stops_reading_at_the_first_garbage_piece(tmp_path, frames,
                                                                             monkeypatch):
    monkeypatch.setattr(v, "PIECE_LINES", 1500)  # pieces: rows 1-1000, 1001-2500, 2501-4000, ...
    good = many_cases(1200)  # rows 2-1201
    garbage = many_cases(5000).map(lambda cell: "Jayden?")  # rows 1202-6201
    frames["cases"] = pd.concat([frames["cases"].iloc[:0], good, garbage], ignore_index=True)
    frames["case_file"] = frames["case_file"].iloc[:0]
    frames["behaviours"] = frames["behaviours"].iloc[:0]
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(write_csv_tables(tmp_path, frames))
    problems = caught.value.problems
    cases = problems[problems["file"] == "cases.csv"]
    assert cases["problem"].iloc[0] == m.NOT_THE_TABLE_ROWS.format(row=4000, first=2501)
    assert int(cases["row"].max()) <= 4000  # nothing beyond the piece that was garbage
    summary = cases[cases["column"].eq("sex")]["problem"].iloc[-1]
    assert "and 2796 more rows" in summary  # rows 1202-4000: 2799 rows, three listed
    assert "Jayden" not in str(caught.value)


def test_coded_column_with_many_different_texts_stops_reading(tmp_path, frames):
    cases = many_cases(3000)
    cases["sex"] = [f"Jayden{i}" for i in range(3000)]  # 3000 different non-codes
    frames["cases"] = pd.concat([frames["cases"], cases], ignore_index=True)
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(write_csv_tables(tmp_path, frames))
    problems = caught.value.problems
    assert m.NOT_THE_TABLE_VALUES.format(row=v.PROBE_LINES, first=2, column="sex",
                                         count=100) in problems["problem"].tolist()
    assert int(problems["row"].max()) <= v.PROBE_LINES
    assert "Jayden" not in str(caught.value)


def test_a_few_wrong_codes_on_every_row_of_a_large_file_do_not_stop_reading(tmp_path, frames):
    cases = many_cases(3000)
    cases["sex"] = ["M", "F", "m"] * 1000  # one column in ten, three texts: a slip, not garbage
    frames["cases"] = pd.concat([frames["cases"], cases], ignore_index=True)
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(write_csv_tables(tmp_path, frames))
    problems = caught.value.problems
    assert not problems["problem"].str.startswith("file was read only").any()
    assert problems["row"].tolist() == [8, 9, 10, 11]
    assert problems["problem"].iloc[-1].endswith("(rows 11, 12, 13 and 2994 more)")
