"""Reading multi-sheet workbooks, Excel's dates in month columns, and "did you mean" (issue #18).
Problems never hold a cell's value."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from conftest import valid_frames, with_cell, write_csv_tables

from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook
from tahsb_analysis.input.excel_dates import excel_serial_date
from tahsb_analysis.input.messages import DID_YOU_MEAN, NOT_A_CODE
from tahsb_analysis.input.problems import InputValidationError
from tahsb_analysis.input.readers import sheet_of_table
from tahsb_analysis.input.table_checks import suggest_code, suggest_column
from tahsb_analysis.input.validation import validate_cohort

CODEBOOK = load_codebook()


def _workbook(path, sheets: dict[str, pd.DataFrame | list]):
    """A workbook with one sheet per item: a frame (header, then its cells as text) or rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, content in sheets.items():
        sheet = workbook.create_sheet(name)
        rows = ([list(content.columns), *content.to_numpy().tolist()]
                if isinstance(content, pd.DataFrame) else content)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def _problems(paths) -> pd.DataFrame:
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(paths, CODEBOOK)
    return caught.value.problems


def _text(problems: pd.DataFrame) -> str:
    return problems.to_csv(index=False)


@pytest.mark.parametrize(("names", "table", "expected"), [
    (["cases", "case_file", "behaviours"], "case_file", 1),
    (["behaviours", "cases", "case_file"], "cases", 1),
    ([" Cases ", "notes"], "cases", 0),  # spaces and upper case set aside
    (["Sheet1"], "cases", 0),  # one sheet: read as whatever table it is given for
    (["Instructions", "Sheet1", "Codes"], "behaviours", 1),
    (["Sheet1", "notes"], "cases", None),  # which one? the workbook does not say
    (["case_file"], "cases", None),  # named after another table
    (["cases", "Cases"], "cases", 0),  # the exact name wins
    (["Cases", "CASES"], "cases", None),
    (["notes", "Sheet1"], None, 0),  # no table asked for: the first sheet
])
def test_the_sheet_named_after_the_table_is_read(names, table, expected):
    assert sheet_of_table(names, table) == expected


def test_one_workbook_with_a_sheet_per_table_is_the_same_cohort_as_three_files(tmp_path):
    frames = valid_frames()
    from_csv = validate_cohort(write_csv_tables(tmp_path / "csv", frames), CODEBOOK)
    # Sheets in another order than the tables, and a notes sheet: the names decide.
    path = _workbook(tmp_path / "coding.xlsx", {"notes": [["anything"]],
                                                "behaviours": frames["behaviours"],
                                                "case_file": frames["case_file"],
                                                "cases": frames["cases"]})
    from_workbook = validate_cohort({table: path for table in TABLE_NAMES}, CODEBOOK)
    for table in TABLE_NAMES:
        pd.testing.assert_frame_equal(from_workbook.table(table), from_csv.table(table))


def test_problems_name_the_sheet(tmp_path):
    frames = with_cell(valid_frames(), "case_file", 3, "looked_after", "maybe-not")
    path = _workbook(tmp_path / "coding.xlsx", {t: frames[t] for t in TABLE_NAMES})
    problems = _problems({table: path for table in TABLE_NAMES})
    assert problems[["file", "row", "column"]].values.tolist() == [
        ["coding.xlsx, sheet case_file", 3, "looked_after"]]


def test_a_workbook_without_the_sheets_lists_the_sheets_found_but_no_identifier(tmp_path):
    """Before issue #18 the first sheet was read three times (33 wrong-table problems)."""
    frames = valid_frames()
    path = _workbook(tmp_path / "coding.xlsx", {"Sheet1": frames["cases"], "notes": [["x"]],
                                                "SW1A 2AA": [["y"]]})
    problems = _problems({table: path for table in TABLE_NAMES})
    assert len(problems) == 3
    assert set(problems["problem"]) == {f"workbook has no sheet named {table}"
                                        for table in TABLE_NAMES}
    assert problems["expected"].str.endswith("(sheets found: Sheet1, notes, sheet 3)").all()
    assert "SW1A" not in _text(problems)


@pytest.fixture
def month_rows():
    frames = valid_frames()
    return frames, list(frames["cases"].columns).index("assessment_month")


def _cases_with_months(tmp_path, frames, position, months):
    rows = [list(frames["cases"].columns)]
    for values, month in zip(frames["cases"].to_numpy().tolist(), months, strict=True):
        values[position] = month
        rows.append(values)
    return _workbook(tmp_path / "coding.xlsx", {"cases": rows,
                                                "case_file": frames["case_file"],
                                                "behaviours": frames["behaviours"]})


def test_months_excel_turned_into_dates_are_one_problem_with_the_remedy(tmp_path, month_rows):
    frames, position = month_rows
    months = [dt.datetime(2015, month, 1) for month in range(1, 7)]
    months[3] = "-9"  # C004 has no month recorded
    path = _cases_with_months(tmp_path, frames, position, months)
    problems = _problems({table: path for table in TABLE_NAMES})
    assert len(problems) == 1, _text(problems)
    problem = problems.iloc[0]
    assert (problem["column"], problem["row"]) == ("assessment_month", 2)
    assert "rows 2, 3, 4 and 2 more" in problem["problem"]
    assert "format the column as Text" in problem["expected"]
    assert "2015" not in _text(problems)


def test_date_serial_numbers_in_a_month_column_are_one_problem(tmp_path, month_rows):
    frames, position = month_rows
    # What formatting the column as text after typing leaves: the dates' serial numbers.
    serials = [(dt.date(2015, month, 1) - dt.date(1899, 12, 30)).days for month in range(1, 7)]
    path = _cases_with_months(tmp_path, frames, position, [str(s) for s in serials])
    problems = _problems({table: path for table in TABLE_NAMES})
    assert len(problems) == 1 and "Excel has turned the months" in problems.iloc[0]["problem"]


def test_a_full_date_in_a_month_column_is_still_refused_as_an_identifier(tmp_path, month_rows):
    frames, position = month_rows
    months = [dt.datetime(2015, month, 1) for month in range(1, 7)]
    months[2] = dt.datetime(2015, 3, 17)  # a day: a full date, not a month Excel made
    path = _cases_with_months(tmp_path, frames, position, months)
    problems = _problems({table: path for table in TABLE_NAMES})
    assert problems["problem"].str.contains("look.* like a full date").sum() == 1
    assert problems["problem"].str.startswith("Excel has turned").sum() == 1
    assert "17" not in _text(problems).replace("2017", "")


def test_excel_serial_numbers_count_days_as_excel_does():
    # Microsoft's DATEVALUE documentation: "January 1, 2008 is serial number 39448".
    assert excel_serial_date(39448) == dt.date(2008, 1, 1)


@pytest.mark.parametrize(("table", "field", "text", "expected"), [
    ("cases", "sex", "femal", "female"),
    ("cases", "sex", "Mael", "male"),
    ("case_file", "cj_outcome", "out of court", "out_of_court"),
    ("cases", "learning_disability", "not recorded", "-9"),  # a missing code, by its label
    ("case_file", "social_care_level", "section 47", "section_47"),
    ("cases", "sex", "zzzz", None),
    ("cases", "in_depth_sample", "not recorded", None),  # -9 is not allowed there
    ("case_file", "porn_trigger_offline", "not applicable", "-8"),
])
def test_a_misspelt_code_gets_the_closest_code_of_the_codebook(table, field, text, expected):
    assert suggest_code(text, CODEBOOK.table(table).field(field)) == expected


@pytest.mark.parametrize(("table", "header", "expected"), [
    ("cases", "age_at_referal", "age_at_referral"),
    ("cases", "Age at referral", "age_at_referral"),  # the field's title, in words
    ("case_file", "Looked after", "looked_after"),
    ("cases", "postcode", None),
])
def test_a_misspelt_column_gets_the_closest_field_name(table, header, expected):
    assert suggest_column(header, CODEBOOK.table(table)) == expected


def test_suggestions_reach_the_problem_table_without_the_cell(tmp_path):
    frames = with_cell(valid_frames(), "cases", 3, "sex", "femmale")
    frames = with_cell(frames, "case_file", 2, "cj_outcome", "Out of Court")
    frames["cases"] = frames["cases"].rename(columns={"age_at_referral": "AGE at refferal"})
    frames["cases"]["behaviour_type"] = "iioc"
    problems = _problems(write_csv_tables(tmp_path, frames))
    by_column = {row.column: row for row in problems.itertuples()}
    assert by_column["sex"].problem == NOT_A_CODE + DID_YOU_MEAN.format(suggestion="female")
    assert by_column["cj_outcome"].problem.endswith("did you mean out_of_court?")
    unknown = problems[problems["problem"].eq("unknown column")]["expected"].tolist()
    assert any("did you mean age_at_referral?" in text for text in unknown)
    assert any("behaviour_type is a column of the behaviours table" in text for text in unknown)
    text = _text(problems)
    for cell in ("femmale", "Out of Court", "AGE at refferal"):
        assert cell not in text
