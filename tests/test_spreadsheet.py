"""CSV injection (OWASP): no text the project writes to a CSV file can start a formula."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from conftest import valid_frames, with_cell, write_csv_tables

from tahsb_analysis.cli import EXIT_INVALID_INPUT, main
from tahsb_analysis.spreadsheet import (
    FORMULA_PREFIXES,
    neutralise_formula,
    neutralise_frame,
    to_csv_neutralised,
)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tx", "\rx"])
def test_text_starting_a_formula_gets_a_leading_quote(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["male", "", " =1", "a=b", "'=x", 3, -9, -0.5, None])
def test_other_text_and_every_number_stay_as_they_are(value):
    assert neutralise_formula(value) is value


def test_owasp_prefixes_are_all_covered():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def test_frame_keeps_numbers_numeric_and_changes_only_text_cells():
    frame = pd.DataFrame({
        "text": pd.Series(["=1+2", "ok", None], dtype="string"),
        "objects": pd.Series(["-8 (not applicable)", -3.5, None], dtype=object),
        "number": pd.Series([-1.5, 2.0, None], dtype="Float64"),
        "count": pd.array([-1, None, 3], dtype="Int64"),
        "=name": ["a", "b", "c"],
    })
    result = neutralise_frame(frame)
    assert result["text"].tolist()[:2] == ["'=1+2", "ok"] and pd.isna(result["text"].iloc[2])
    assert result["objects"].tolist()[:2] == ["'-8 (not applicable)", -3.5]
    pd.testing.assert_series_equal(result["number"], frame["number"])
    pd.testing.assert_series_equal(result["count"], frame["count"])
    assert list(result.columns)[-1] == "'=name"
    text = to_csv_neutralised(frame, lineterminator="\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=1+2", "'-8 (not applicable)", "-1.5", "-1", "a"]
    assert not [cell for row in rows for cell in row
                if cell.startswith(("=", "+", "@", "\t", "\r"))]


def test_frame_without_formula_text_is_written_byte_for_byte_as_before():
    frame = pd.DataFrame({"level": pd.Series(["dual", "missing: -9"], dtype="string"),
                          "estimate": [-0.25, 0.5]})
    assert to_csv_neutralised(frame, lineterminator="\n") == frame.to_csv(
        index=False, lineterminator="\n")


def test_problems_csv_cannot_start_a_formula(tmp_path, capsys):
    # A file name and a problem text may start with = or -: "-8 (not applicable) when ...".
    frames = with_cell(valid_frames(), "case_file", 3, "porn_trigger_offline", "no")
    frames = with_cell(frames, "cases", 4, "sex", "boy")
    paths = write_csv_tables(tmp_path / "in", frames)
    formula_name = tmp_path / "in" / "=HYPERLINK(1).csv"
    paths["cases"].rename(formula_name)
    target = tmp_path / "problems.csv"
    status = main(["validate", "--cases", str(formula_name), "--case-file",
                   str(paths["case_file"]), "--behaviours", str(paths["behaviours"]),
                   "--problems-csv", str(target)])
    assert status == EXIT_INVALID_INPUT
    capsys.readouterr()
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    cells = [cell for row in rows for cell in row.values()]
    assert "'=HYPERLINK(1).csv" in cells
    assert any(cell.startswith("'-8 (not applicable)") for cell in cells)
    assert not [cell for cell in cells if cell.startswith(FORMULA_PREFIXES)]
    rows_column = [row["row"] for row in rows if row["expected"].startswith("'-8")]
    assert rows_column == ["3"]  # row numbers stay numbers


def test_results_csv_writer_neutralises_text(tmp_path, synthetic_results):
    from tahsb_analysis.results.schema import write_results_csv

    results = synthetic_results.head(3).copy()
    results["warning"] = pd.Series(["=cmd", "+x", None], dtype="string")
    write_results_csv(results, tmp_path / "r.csv")
    read = pd.read_csv(tmp_path / "r.csv", keep_default_na=False)
    assert read["warning"].tolist() == ["'=cmd", "'+x", ""]
    assert read["estimate"].dtype == float
