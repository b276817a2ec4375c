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


@pytest.mark.parametrize("before", ["\n\n", "\r\n \r\n", ",,,\n;\n\t\n"],
                         ids=["empty-lines", "crlf-and-spaces", "separators-only"])
def test_blank_lines_before_the_header_are_skipped_and_counted(tmp_path, before):
    raw = read_table_as_text(write(tmp_path / "t.csv", before + "a,b\n1,2\n\n3,4\n"))
    blank = before.count("\n")
    assert list(raw.frame.columns) == ["a", "b"]
    assert raw.frame["a"].tolist() == ["1", "3"]
    assert raw.header_row == blank + 1
    assert raw.row_numbers.tolist() == [blank + 2, blank + 4]


def test_blank_lines_after_a_bom_before_the_header_are_skipped(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "\n\na,b\n1,2\n", encoding="utf-8-sig"))
    assert list(raw.frame.columns) == ["a", "b"]
    assert (raw.header_row, raw.row_numbers.tolist()) == (3, [4])


def test_ragged_row_below_blank_lines_is_named_by_its_line_in_the_file(tmp_path):
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(write(tmp_path / "t.csv", "\n\na,b\n1,2\n3,4,5\n"))
    assert only_file_problem(caught)["row"] == 5


def test_file_of_blank_lines_only_is_empty(tmp_path):
    raw = read_table_as_text(write(tmp_path / "t.csv", "\n\n  \n,,\n"))
    assert raw.frame.shape == (0, 0)


def test_header_row_and_column_numbers_of_the_file_are_kept(tmp_path):
    # The empty third column (no name, no value) is left out: the fourth keeps its number.
    raw = read_table_as_text(write(tmp_path / "t.csv", "a,b,,d\n1,2,,4\n"))
    assert list(raw.frame.columns) == ["a", "b", "d"]
    assert raw.column_numbers.tolist() == [1, 2, 4]
    assert [raw.column_number(i) for i in range(3)] == [1, 2, 4]
    assert raw.header_row == 1


def test_max_lines_reads_only_the_start_and_says_whether_that_was_all(tmp_path):
    path = write(tmp_path / "t.csv", "\na,b\n" + "".join(f"{i},x\n" for i in range(10)))
    start = read_table_as_text(path, max_lines=4)  # the header and three rows
    assert start.complete is False
    assert start.frame["a"].tolist() == ["0", "1", "2"]
    assert start.row_numbers.tolist() == [3, 4, 5]
    whole = read_table_as_text(path, max_lines=11)
    assert whole.complete is True and len(whole.frame) == 10
    assert read_table_as_text(path).complete is True


# --- files that are not what their name says -------------------------------------------------


def xlsx_bytes(tmp_path) -> bytes:
    pd.DataFrame({"a": ["1"]}).to_excel(tmp_path / "book.xlsx", index=False)
    return (tmp_path / "book.xlsx").read_bytes()


def sav_bytes(tmp_path) -> bytes:
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0]}), str(tmp_path / "data.sav"))
    return (tmp_path / "data.sav").read_bytes()


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("cases.csv", xlsx_bytes, "file is an Excel workbook (or another zip file), not CSV text"),
    ("cases.csv", sav_bytes, "file is an SPSS data file, not CSV text"),
    ("cases.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "file is an old Excel .xls workbook (or another Office file), not CSV text"),
    ("cases.csv", "case_id,sex\nC001,male\n".encode("utf-16"), "file is UTF-16 text, not UTF-8"),
    ("cases.csv", "case_id,sex\nC001,male\n".encode("utf-16-le"),
     "file is UTF-16 text, not UTF-8"),
    ("cases.csv", b"case_id,sex\nC001,ma\x00le\n", "file holds binary data, not CSV text"),
    ("cases.xlsx", b"case_id,sex\nC001,male\n",
     "file is text (perhaps CSV), not an Excel workbook"),
    ("cases.xlsx", sav_bytes, "file is an SPSS data file, not an Excel workbook"),
    ("cases.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "file is an old Excel .xls workbook, not .xlsx"),
    ("cases.sav", b"case_id,sex\nC001,male\n", "file is text (perhaps CSV), not an SPSS file"),
    ("cases.sav", xlsx_bytes,
     "file is an Excel workbook (or another zip file), not an SPSS file"),
], ids=["xlsx-as-csv", "sav-as-csv", "xls-as-csv", "utf16-bom", "utf16-no-bom", "nul-bytes",
        "csv-as-xlsx", "sav-as-xlsx", "xls-as-xlsx", "csv-as-sav", "xlsx-as-sav"])
def test_file_in_another_format_than_its_name_is_named_as_such(tmp_path, name, content,
                                                                problem):
    data = content(tmp_path) if callable(content) else content
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputValidationError) as caught:
        read_table_as_text(path)
    found = only_file_problem(caught)
    assert (found["file"], found["problem"]) == (name, problem)
    assert "C001" not in str(caught.value) and "male" not in str(caught.value)


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


@pytest.mark.parametrize(("name", "start"), [("cases.xlsx", b"PK\x03\x04"),
                                             ("cases.sav", b"$FL2")])
def test_damaged_workbook_or_spss_file_is_refused_with_one_problem(tmp_path, name, start):
    path = tmp_path / name
    path.write_bytes(start + b" this is not really a zip or an SPSS file")
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


def test_excel_max_lines_counts_from_the_header_below_blank_rows(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["a", "b"])
    for i in range(6):
        sheet.append([str(i), i])
    workbook.save(tmp_path / "t.xlsx")
    start = read_table_as_text(tmp_path / "t.xlsx", max_lines=3)
    assert (start.complete, start.header_row, start.row_numbers.tolist()) == (False, 2, [3, 4])
    whole = read_table_as_text(tmp_path / "t.xlsx", max_lines=7)
    assert whole.complete is True and whole.row_numbers.tolist() == [3, 4, 5, 6, 7, 8]


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


def test_spss_max_lines_reads_the_first_cases(tmp_path):
    pyreadstat.write_sav(pd.DataFrame({"age": [float(i) for i in range(8)]}),
                         str(tmp_path / "t.sav"))
    start = read_table_as_text(tmp_path / "t.sav", max_lines=5)
    assert (start.complete, start.row_numbers.tolist()) == (False, [1, 2, 3, 4, 5])
    assert start.header_row is None
    assert read_table_as_text(tmp_path / "t.sav", max_lines=8).complete is True


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


def test_csv_read_in_pieces_gives_the_table_read_whole(tmp_path):
    from tahsb_analysis.input.readers import read_csv_in_pieces, table_of_pieces

    text = "\n\na,b,\n" + "".join(f"{i},x{i},\n" if i % 7 else "\n" for i in range(40))
    path = write(tmp_path / "t.csv", text)
    pieces = list(read_csv_in_pieces(path, first_lines=10, piece_lines=9))
    assert [len(piece.cells) for piece in pieces] == [10, 9, 9, 9, 4]  # the header and 40 lines
    assert [piece.last for piece in pieces] == [False] * 4 + [True]
    whole = read_table_as_text(path)
    joined = table_of_pieces(pieces, "t.csv")
    pd.testing.assert_frame_equal(joined.frame, whole.frame)
    np.testing.assert_array_equal(joined.row_numbers, whole.row_numbers)
    assert (joined.header_row, joined.complete) == (3, True)
    assert table_of_pieces(pieces[:2], "t.csv").complete is False


def test_a_later_piece_is_looked_at_under_the_header_columns(tmp_path):
    from tahsb_analysis.input.readers import look_at_piece, read_csv_in_pieces, table_of_pieces

    path = write(tmp_path / "t.csv", "a,,c\n" + "".join(f"{i},,z\n" for i in range(20)))
    pieces = list(read_csv_in_pieces(path, first_lines=5, piece_lines=10))
    header = table_of_pieces(pieces[:1], "t.csv")
    look = look_at_piece(header, pieces[1], 4)
    assert list(look.frame.columns) == ["a", "c"]
    assert look.frame["a"].tolist() == ["4", "5", "6", "7"]
    assert look.row_numbers.tolist() == [6, 7, 8, 9]


def test_ragged_row_in_a_later_piece_names_its_line(tmp_path):
    from tahsb_analysis.input.readers import read_csv_in_pieces

    path = write(tmp_path / "t.csv", "a,b\n" + "1,2\n" * 30 + "1,2,3\n")
    with pytest.raises(InputValidationError) as caught:
        list(read_csv_in_pieces(path, first_lines=5, piece_lines=5))
    assert only_file_problem(caught)["row"] == 32
