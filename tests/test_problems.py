"""The problem table stays small whatever the input, and its terminal form never wraps a row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tahsb_analysis.input.problems import (
    MAX_PROBLEMS_PER_FILE,
    ROWS_PER_PROBLEM,
    bounded_rows,
    cap_problems_per_file,
    column_label,
    format_problems,
    problems_frame,
)


def test_few_rows_are_listed_one_by_one():
    rows, texts = bounded_rows([2, 5, 9, 11], "value is not a number")
    assert rows.tolist() == [2, 5, 9, 11]
    assert set(texts) == {"value is not a number"}


def test_many_rows_are_listed_for_the_first_few_then_counted():
    rows, texts = bounded_rows(np.arange(2, 1_000_002), "value is not a number")
    assert rows.tolist() == [2, 3, 4, 5]
    assert list(texts[:ROWS_PER_PROBLEM]) == ["value is not a number"] * ROWS_PER_PROBLEM
    assert texts[-1] == ("value is not a number: and 999997 more rows with this problem "
                         "(rows 5, 6, 7 and 999994 more)")


def test_texts_that_differ_per_row_need_a_summary():
    messages = [f"duplicate of row {r}" for r in (2, 3, 4, 5, 6)]
    with pytest.raises(ValueError, match="summary"):
        bounded_rows([7, 8, 9, 10, 11], messages)
    rows, texts = bounded_rows([7, 8, 9, 10, 11], messages, "duplicate of an earlier row")
    assert list(texts) == ["duplicate of row 2", "duplicate of row 3", "duplicate of row 4",
                           "duplicate of an earlier row: and 2 more rows with this problem "
                           "(rows 10 and 11)"]
    assert rows.tolist() == [7, 8, 9, 10]


def test_column_label_is_the_position():
    assert column_label(3) == "column 3"


def many(file: str, count: int) -> pd.DataFrame:
    return problems_frame([{"file": file, "row": row, "column": "sex", "problem": "p",
                            "expected": "e"} for row in range(2, count + 2)])


def test_each_file_lists_at_most_so_many_problems_then_counts_the_rest():
    problems = pd.concat([many("a.csv", 5), many("b.csv", MAX_PROBLEMS_PER_FILE + 50)],
                         ignore_index=True)
    capped = cap_problems_per_file(problems)
    assert (capped["file"] == "a.csv").sum() == 5
    b = capped[capped["file"] == "b.csv"]
    assert len(b) == MAX_PROBLEMS_PER_FILE + 1
    assert b["problem"].iloc[-1] == (
        "... and 50 more problems in this file (fix those listed first)")
    assert pd.isna(b["row"].iloc[-1])
    assert cap_problems_per_file(many("a.csv", MAX_PROBLEMS_PER_FILE + 1)).equals(
        many("a.csv", MAX_PROBLEMS_PER_FILE + 1))  # one more row would not save a line


def test_row_numbers_of_a_million_and_more_never_wrap():
    problems = problems_frame([
        {"file": "cases.csv", "row": 12_345_678, "column": "sex", "problem": "p",
         "expected": "e"},
        {"file": "cases.csv", "row": 2, "column": "sex", "problem": "p", "expected": "e"}])
    lines = format_problems(problems).splitlines()
    header = lines[2]
    assert "12345678" in lines[4].split()
    assert lines[4].index("12345678") == header.index("row")
    assert len(lines) == 6  # count, blank, header, rule and one line per problem


def test_the_count_of_problems_not_listed_stays_last_in_its_file():
    from tahsb_analysis.input.problems import InputValidationError

    capped = cap_problems_per_file(pd.concat(
        [many("b.csv", MAX_PROBLEMS_PER_FILE + 5), many("a.csv", 2)], ignore_index=True))
    error = InputValidationError(capped)  # sorted again by file and row
    assert error.problems["file"].tolist()[:2] == ["a.csv", "a.csv"]
    assert error.problems["problem"].iloc[-1].startswith("... and 5 more problems")
    last_record = [line for line in str(error).splitlines() if line.startswith("b.csv")][-1]
    assert "... and 5 more problems" in last_record
