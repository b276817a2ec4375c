"""Reading CSV, Excel and SPSS files as text, with the row numbers the user sees."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import valid_frames, write_csv_tables

from tahsb_analysis.input.readers import RawTable, read_table_as_text
from tahsb_analysis.input.validation import InputValidationError, validate_cohort


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def only_file_problem(caught) -> dict:
    problems = caught.value.problems
    assert len(problems) == 1, problems.to_string()
    return problems.iloc[0].to_dict()


# --- CSV ------------------------------------------------------------------------------------


def test_csv_cells_are_python_strings_exactly_as_typed(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b,c\nNA,007,\n-9, 12.0,x\n"))
    assert raw.frame.to_dict("list") == {"a": ["NA", "-9"], "b": ["007", " 12.0"],
                                         "c": ["", "x"]}
    assert all(type(cell) is str for column in raw.frame for cell in raw.frame[column])


def test_csv_header_is_row_one_so_the_first_data_row_is_two(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b\n1,2\n3,4\n"))
    assert raw.row_numbers.tolist() == [2, 3]


def test_blank_lines_are_left_out_but_row_numbers_keep_counting(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b\n1,2\n\n,\n3,4\n"))
    assert raw.frame["a"].tolist() == ["1", "3"]
    assert raw.row_numbers.tolist() == [2, 5]


def test_csv_with_bom_reads_the_same_as_without(tmp_path):
    text = "case_id,sex\nC001,male\nC002,-9\n"
    plain = read_table_as_text(write(tmp_path / "plain.csv", text))
    with_bom = read_table_as_text(write(tmp_path / "bom.csv", text, encoding="utf-8-sig"))
    assert (tmp_path / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    pd.testing.assert_frame_equal(with_bom.frame, plain.frame)
    assert list(with_bom.frame.columns) == ["case_id", "sex"]
    np.testing.assert_array_equal(with_bom.row_numbers, plain.row_numbers)


def test_column_names_lose_surrounding_spaces(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", " case_id ,sex\t\nC001,male\n"))
    assert list(raw.frame.columns) == ["case_id", "sex"]


def test_empty_trailing_column_without_a_name_is_dropped(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b,\n1,2,\n3,4,\n"))
    assert list(raw.frame.columns) == ["a", "b"]


def test_unnamed_column_holding_values_is_kept_for_validation_to_report(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b,\n1,2,x\n"))
    assert list(raw.frame.columns) == ["a", "b", ""]


def test_source_is_the_file_name_without_directories(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    raw = read_table_as_text(write(tmp_path / "deep" / "er" / "cases.csv", "a\n1\n"))
    assert raw.source == "cases.csv"


def test_empty_csv_file_gives_an_empty_table(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", ""))
    assert raw.frame.shape == (0, 0)
    assert len(raw.row_numbers) == 0


def test_csv_row_with_more_cells_than_the_header_names_the_row(tmp_path):
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(write(tmp_path / "t.csv", "a,b\n1,2\n3,4,Secret Value\n"))
    problem = only_file_problem(caught)
    assert (problem["file"], problem["row"]) == ("t.csv", 3)
    assert "Secret" not in str(caught.value)


def test_file_that_is_not_utf8_is_refused_without_echoing_its_contents(tmp_path):
    path = write(tmp_path / "cases.csv", "case_id,note\nC001,Zoë Brontëson\n", encoding="latin-1")
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(path)
    problem = only_file_problem(caught)
    assert (problem["file"], problem["problem"]) == ("cases.csv", "file is not UTF-8 text")
    assert pd.isna(problem["row"])
    assert "Bront" not in str(caught.value)


def test_unsupported_file_type_is_refused_with_one_problem(tmp_path):
    path = write(tmp_path / "cases.json", "{}")
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(path)
    problem = only_file_problem(caught)
    assert (problem["file"], problem["column"], problem["problem"]) == (
        "cases.json", "", "file type is not supported")
    assert ".csv" in problem["expected"]


def test_missing_file_is_refused_with_one_problem(tmp_path):
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(tmp_path / "nowhere.csv")
    assert only_file_problem(caught)["problem"] == "file not found"


@pytest.mark.parametrize("name", ["cases.xlsx", "cases.sav"])
def test_damaged_workbook_or_spss_file_is_refused_with_one_problem(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not really a zip or an SPSS file")
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(path)
    problem = only_file_problem(caught)
    assert problem["file"] == name
    assert problem["problem"].startswith("file could not be read")


# --- Excel ----------------------------------------------------------------------------------


def numeric_where_possible(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns that are all numbers become float columns, as a researcher's sheet would hold."""
    converted = {}
    for name in frame.columns:
        numbers = pd.to_numeric(frame[name], errors="coerce")
        converted[name] = numbers.astype(float) if numbers.notna().all() else frame[name]
    return pd.DataFrame(converted)


@pytest.mark.parametrize("table", ["cases", "case_file", "behaviours"])
def test_excel_round_trip_gives_the_same_text_as_csv(tmp_path, table):
    frame = valid_frames()[table]
    csv = read_table_as_text(write_csv_tables(tmp_path, valid_frames())[table])
    numeric = numeric_where_possible(frame)
    assert any(pd.api.types.is_float_dtype(numeric[c]) for c in numeric)  # 14.0, -9.0, 10.5
    numeric.to_excel(tmp_path / f"{table}.xlsx", index=False)
    excel = read_table_as_text(tmp_path / f"{table}.xlsx")
    pd.testing.assert_frame_equal(excel.frame, csv.frame)
    np.testing.assert_array_equal(excel.row_numbers, csv.row_numbers)
    assert excel.source == f"{table}.xlsx"


def test_excel_whole_numbers_have_no_trailing_zero(tmp_path):
    pd.DataFrame({"age": [12.0, 12.5, -9.0]}).to_excel(tmp_path / "t.xlsx", index=False)
    assert read_table_as_text(tmp_path / "t.xlsx").frame["age"].tolist() == ["12", "12.5", "-9"]


def test_excel_dates_are_read_as_iso_dates_so_the_screen_can_see_them(tmp_path):
    pd.DataFrame({"when": [dt.datetime(2009, 4, 3)]}).to_excel(tmp_path / "t.xlsx", index=False)
    assert read_table_as_text(tmp_path / "t.xlsx").frame["when"].tolist() == ["2009-04-03"]


def test_excel_empty_rows_are_left_out_and_rows_keep_their_sheet_numbers(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["a", "b"])
    sheet.append(["1", 2])
    sheet.append([])
    sheet.append(["3", None])
    workbook.save(tmp_path / "t.xlsx")
    raw = read_table_as_text(tmp_path / "t.xlsx")
    assert raw.frame.to_dict("list") == {"a": ["1", "3"], "b": ["2", ""]}
    assert raw.row_numbers.tolist() == [2, 4]


# --- SPSS -----------------------------------------------------------------------------------


def write_spss(frame: pd.DataFrame, path, numeric: list[str]):
    """Numeric columns with -9/-8 declared user-missing; string codes with value labels."""
    data = frame.copy()
    for name in numeric:
        data[name] = pd.to_numeric(data[name]).astype(float)
    strings = [c for c in data.columns if c not in numeric]
    missing = {name: [-9.0, -8.0] if name in numeric else ["-9", "-8"] for name in data.columns
               if name not in ("case_id", "cohort", "data_origin")}
    labels = {name: {code: code for code in sorted(set(data[name])) if code not in ("-9", "-8")}
              for name in strings if name not in ("case_id", "cohort")}
    pyreadstat.write_sav(data, str(path), missing_ranges=missing, variable_value_labels=labels)


def test_spss_numbers_become_text_without_trailing_zero_and_keep_missing_codes(tmp_path):
    frame = pd.DataFrame({"age": [12.0, 12.5, -9.0, np.nan, 0.00001, 1e20],
                          "sex": ["male", "-9", "", "x", "y", "z"]})
    pyreadstat.write_sav(frame, str(tmp_path / "t.sav"), missing_ranges={"age": [-9.0]})
    raw = read_table_as_text(tmp_path / "t.sav")
    assert raw.frame.to_dict("list") == {
        "age": ["12", "12.5", "-9", "", "0.00001", "100000000000000000000"],
        "sex": ["male", "-9", "", "x", "y", "z"]}
    assert raw.row_numbers.tolist() == [1, 2, 3, 4, 5, 6]  # SPSS case numbers


def test_spss_cohort_gives_the_same_typed_tables_as_csv(tmp_path):
    frames = valid_frames()
    csv_paths = write_csv_tables(tmp_path / "csv", frames)
    spss_dir = tmp_path / "spss"
    spss_dir.mkdir()
    numeric = {"cases": ["age_at_referral"], "case_file": ["age_first_hsb"],
               "behaviours": ["behaviour_seq", "age_at_onset"]}
    spss_paths = {}
    for name, frame in frames.items():
        spss_paths[name] = spss_dir / f"{name}.sav"
        write_spss(frame, spss_paths[name], numeric[name])
    # -9 is declared user-missing: a default SPSS read turns it into system-missing.
    default_read = pyreadstat.read_sav(str(spss_paths["cases"]))[0]
    assert default_read["age_at_referral"].isna().tolist() == [False] * 4 + [True, False]
    assert default_read["sex"].isna().tolist() == [False] * 5 + [True]

    raw_ages = read_table_as_text(spss_paths["cases"]).frame["age_at_referral"].tolist()
    assert raw_ages == ["14", "15", "12", "13", "-9", "16"]
    from_spss = validate_cohort(spss_paths)
    from_csv = validate_cohort(csv_paths)
    for name in frames:
        pd.testing.assert_frame_equal(from_spss.table(name), from_csv.table(name))
    assert from_spss.cases["age_at_referral__missing"].astype(object).tolist()[4] == "-9"
    assert from_spss.sources["cases"]["file"] == "cases.sav"


def test_raw_table_is_a_frozen_record():
    raw = RawTable(pd.DataFrame({"a": ["1"]}), np.array([2]), "t.csv")
    with pytest.raises(AttributeError):
        raw.source = "other.csv"
