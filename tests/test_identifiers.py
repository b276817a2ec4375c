"""The identifier screen: refuse identifier-like columns and values, never echo a value.

The identifying values below are reserved or documented examples (Ofcom drama phone numbers,
the NHS test number 943 476 5919, example.org), not details of any person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import problems_in, with_cell, write_csv_tables

from tahsb_analysis.input.identifiers import (
    COLUMN_NAME_EXPECTED,
    identifier_kind_of_column,
    screen_identifiers,
)
from tahsb_analysis.input.messages import UNKNOWN_COLUMN
from tahsb_analysis.input.readers import RawTable
from tahsb_analysis.input.validation import (
    InputValidationError,
    format_problems,
    validate_cohort,
)


def raw_table(columns: dict[str, list[str]], source: str = "cases.csv") -> RawTable:
    frame = pd.DataFrame({name: pd.Series(values, dtype=object)
                          for name, values in columns.items()})
    return RawTable(frame, np.arange(2, len(frame) + 2), source)


# --- column names ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("name", "a name"), ("child_name", "a name"), ("FirstName", "a name"),
    ("surname", "a name"), ("Forename", "a name"), ("last name", "a name"),
    ("DOB", "a date of birth"), ("date_of_birth", "a date of birth"),
    ("birth date", "a date of birth"), ("ChildDOB", "a date of birth"),
    ("postcode", "a postcode"), ("Post Code", "a postcode"),
    ("address", "an address"), ("home_address", "an address"),
    ("NHS number", "an NHS number"), ("nhs_no", "an NHS number"),
    ("email", "an e-mail address"), ("E-mail", "an e-mail address"),
    ("phone", "a phone number"), ("mobile", "a phone number"),
    ("Telephone", "a phone number"), ("tel_no", "a phone number"),
])
def test_identifier_like_column_names_are_recognised(name, kind):
    assert identifier_kind_of_column(name) == kind


def test_codebook_columns_are_not_taken_for_identifiers(codebook):
    for table in codebook.tables.values():
        for name in table.field_names:
            assert identifier_kind_of_column(name) is None, name


def test_identifier_named_column_is_refused_by_its_position_and_kind():
    problems = screen_identifiers(raw_table({"case_id": ["C001"], "Surname": ["x"]}))
    assert problems[["file", "column"]].values.tolist() == [["cases.csv", "column 2"]]
    assert pd.isna(problems["row"].iloc[0])
    assert "a name" in problems["problem"].iloc[0]
    assert problems["expected"].iloc[0] == COLUMN_NAME_EXPECTED


def test_identifier_named_unknown_column_gets_the_identifier_message_only(tmp_path, frames):
    frames["case_file"]["date_of_birth"] = "-"
    problems = problems_in(tmp_path, frames)
    assert problems["column"].tolist() == ["column 19"]
    assert "direct identifier (a date of birth)" in problems["problem"].iloc[0]
    assert UNKNOWN_COLUMN not in problems["problem"].tolist()


# --- values ---------------------------------------------------------------------------------

IDENTIFYING_VALUES = [
    ("SW1A 1AA", "a UK postcode"),
    ("sw1a1aa", "a UK postcode"),
    ("M1 1AE", "a UK postcode"),
    ("03/04/2009", "a full date"),
    ("3.4.09", "a full date"),
    ("2009-04-03", "a full date"),
    ("3 April 2009", "a full date"),
    ("April 3, 2009", "a full date"),
    ("3rd of Apr 2009", "a full date"),
    ("943 476 5919", "an NHS number"),
    ("943-476-5919", "an NHS number"),
    ("9434765919", "an NHS number"),
    ("someone@example.org", "an e-mail address"),
    ("07700 900123", "a UK phone number"),
    ("+44 7700 900123", "a UK phone number"),
    ("020 7946 0018", "a UK phone number"),
    ("lives with nan since dad left", "free text"),
    ("x" * 41, "free text"),
]


@pytest.mark.parametrize(("value", "kind"), IDENTIFYING_VALUES)
def test_identifying_value_is_refused_naming_file_column_and_row(value, kind):
    table = raw_table({"case_id": ["C001", "C002", "C003"], "sex": ["male", value, "female"]})
    problems = screen_identifiers(table)
    assert len(problems) >= 1
    flagged = problems[problems["problem"].str.contains(kind, regex=False)]
    assert flagged[["file", "row", "column"]].values.tolist() == [["cases.csv", 3, "sex"]]
    assert "row 3" in flagged["problem"].iloc[0]


@pytest.mark.parametrize(("value", "kind"), IDENTIFYING_VALUES)
def test_identifying_value_never_appears_in_the_problems_or_their_text(value, kind):
    table = raw_table({"case_id": ["C001", "C002"], "sex": [value, "male"]})
    problems = screen_identifiers(table)
    assert not problems.empty
    assert value not in problems.astype(str).to_csv()
    assert value not in format_problems(problems)


def test_identifying_value_in_an_input_file_is_not_echoed_by_validate_cohort(tmp_path, frames):
    paths = write_csv_tables(tmp_path, with_cell(frames, "behaviours", 5, "setting",
                                                 "SW1A 1AA"))
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    problems = caught.value.problems
    assert ("behaviours.csv", 5, "setting") in {
        (f, r, c) for f, r, c in problems[["file", "row", "column"]].itertuples(index=False)}
    assert "SW1A 1AA" not in problems.astype(str).to_csv()
    assert "SW1A 1AA" not in str(caught.value)


def test_coded_values_are_not_taken_for_identifiers(codebook):
    values = ["C001", "TTP-0001", "case_17", "ttp-2015", "2015-03", "14", "14.5", "-9", "-8",
              "99", "18", "3.5"]
    for table in codebook.tables.values():
        for fld in table.fields:
            values += list(fld.valid_codes)
    problems = screen_identifiers(raw_table({"value": values}))
    assert problems.empty, problems.to_string()


def test_long_row_lists_are_shortened():
    values = ["male"] * 20
    for position in (0, 3, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 1, 2):
        values[position] = "someone@example.org"
    problems = screen_identifiers(raw_table({"sex": values}))
    assert problems["problem"].tolist() == [
        "values in rows 2, 3, 4 and 12 more look like an e-mail address (values are never shown)"]
    assert problems["row"].tolist() == [2]


def test_one_problem_per_column_and_kind_of_identifier():
    table = raw_table({"sex": ["SW1A 1AA", "M1 1AE", "someone@example.org"],
                       "cohort": ["SW1A 1AA", "ttp", "ttp"]})
    problems = screen_identifiers(table)
    assert sorted(zip(problems["column"], problems["row"], strict=True)) == [
        ("cohort", 2), ("sex", 2), ("sex", 4)]


def test_screen_with_the_distinct_values_of_validation_equals_screen_alone():
    from tahsb_analysis.input.checked import _raw_distinct

    table = raw_table({
        "case_id": ["C001", "C002", "C003", "C004", "C005"],
        "notes": ["SW1A 1AA", "", None, "SW1A 1AA", "one two three four five six seven"],
        "contact": ["020 7946 0999", np.nan, "x", "y", "someone@example.org"],
        "Surname": ["a", "b", "c", "d", "e"],
    })
    distinct = [_raw_distinct(table.frame.iloc[:, i]) for i in range(table.frame.shape[1])]
    shared = screen_identifiers(table, distinct)
    pd.testing.assert_frame_equal(shared, screen_identifiers(table))
    assert len(shared) == 5  # a name column, a postcode, free text, a phone number, an e-mail


def test_identifier_problems_are_reported_with_the_other_problems(tmp_path, frames):
    changed = with_cell(frames, "cases", 6, "cohort", "someone@example.org")
    changed = with_cell(changed, "case_file", 2, "looked_after", "perhaps")
    problems = problems_in(tmp_path, changed)
    assert set(zip(problems["file"], problems["column"], strict=True)) == {
        ("cases.csv", "cohort"), ("case_file.csv", "looked_after")}
    assert any("e-mail" in text for text in problems["problem"])


# --- compact dates --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["20090403", "AB20090403", "03042009", "JS03042009",
                                   "ab-20090403-x", "AB2009-04-03", "C_19991231"])
def test_compact_date_inside_an_id_is_refused_like_a_full_date(value):
    table = raw_table({"case_id": ["C001", value], "sex": ["male", "male"]})
    problems = screen_identifiers(table)
    assert problems[["row", "column"]].values.tolist() == [[3, "case_id"]]
    assert "a full date" in problems["problem"].iloc[0]
    assert value not in problems.astype(str).to_csv() + format_problems(problems)


@pytest.mark.parametrize("value", ["12345678", "20151331", "32012009",
                                   "SYN-0001", "C0012345", "020090403", "200904031",
                                   "ttp-2015", "2015-03"])
def test_eight_digits_that_are_no_date_are_accepted(value):
    assert screen_identifiers(raw_table({"case_id": [value]})).empty


def test_a_compact_date_id_is_refused_through_validate_cohort_without_echo(tmp_path, frames):
    changed = with_cell(frames, "cases", 7, "case_id", "KM20090403")
    paths = write_csv_tables(tmp_path, changed)
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths)
    problems = caught.value.problems
    flagged = problems[problems["problem"].str.contains("a full date")]
    assert flagged[["file", "row", "column"]].values.tolist() == [["cases.csv", 7, "case_id"]]
    assert "20090403" not in str(caught.value) + problems.astype(str).to_csv()


# --- header cells are values too ------------------------------------------------------------


def test_header_cells_are_screened_as_names_and_as_values():
    from tahsb_analysis.input.identifiers import identifier_kinds_of_header_cells

    assert identifier_kinds_of_header_cells(
        ["case_id", "SW1A 1AA", "Surname", "someone@example.org", "03/04/2009",
         "a very long column heading of more than five words"]) == [
        None, "a UK postcode", "a name", "an e-mail address", "a full date", None]


@pytest.mark.parametrize(("header", "kind"), [("SW1A 1AA", "a UK postcode"),
                                              ("Jane Smith Surname", "a name"),
                                              ("AB20090403", "a full date")])
def test_identifier_in_a_header_cell_is_refused_by_position_without_echo(header, kind):
    problems = screen_identifiers(raw_table({"case_id": ["C001"], "sex": ["male"],
                                             header: ["x"]}))
    assert problems[["column", "problem"]].values.tolist() == [
        ["column 3", f"column name looks like a direct identifier ({kind}); it must not be in "
                     "the input"]]
    assert header not in problems.astype(str).to_csv() + format_problems(problems)
