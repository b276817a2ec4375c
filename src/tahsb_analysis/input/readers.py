"""Read an input table (CSV, Excel .xlsx or SPSS .sav) as text, exactly as the user typed it.

Nothing is interpreted here: every cell becomes a Python str so that validation sees "NA", "007"
or "-9" as written, and every row keeps the number the user sees in the file. A file that cannot
be read raises `InputValidationError` with one problem row; file contents are never echoed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tahsb_analysis.input.problems import InputValidationError, problems_frame

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".sav")
_SUPPORTED_TEXT = "a .csv (UTF-8), .xlsx or .sav file"
# Floats whose magnitude is below this are exact integers and can take the fast integer path.
_EXACT_INTEGER_LIMIT = 2.0**53


@dataclass(frozen=True)
class RawTable:
    """One input table as text.

    `frame`: every cell a Python str (object columns; blank cells are ""), columns named as in
    the file with surrounding whitespace removed. Rows blank in every column are left out.
    `row_numbers`: for each frame row, the row number the user sees (CSV and Excel: the header is
    row 1, so the first data row is 2; SPSS: case number 1..n).
    `source`: the file name only, for messages.
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    source: str


def read_table_as_text(path: str | Path) -> RawTable:
    """Read a .csv, .xlsx or .sav file into a `RawTable` without interpreting any value."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _file_error(path, "file type is not supported", _SUPPORTED_TEXT)
    if not path.is_file():
        raise _file_error(path, "file not found", "an existing " + _SUPPORTED_TEXT)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_excel(path)
    return _read_spss(path)


def _file_error(path: Path, problem: str, expected: str) -> InputValidationError:
    return InputValidationError(
        problems_frame([{"file": path.name, "row": None, "column": "", "problem": problem,
                         "expected": expected}])
    )


def _read_csv(path: Path) -> RawTable:
    try:
        cells = pd.read_csv(
            path,
            header=None,
            dtype=object,  # Python str cells; faster to read than pyarrow-backed strings
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keep blank lines so row numbers match the file
            encoding="utf-8-sig",  # strips a BOM when there is one, plain UTF-8 otherwise
            encoding_errors="strict",
        )
    except UnicodeDecodeError:
        raise _file_error(path, "file is not UTF-8 text",
                          "a CSV file saved as UTF-8 (with or without BOM)") from None
    except pd.errors.EmptyDataError:
        cells = pd.DataFrame()
    except pd.errors.ParserError as exc:
        # pandas names the line ("Expected 3 fields in line 7, saw 4"); its message is not
        # passed on, so no cell text can reach the user.
        line = _line_number(str(exc))
        if "Expected" in str(exc) and line is not None:
            raise InputValidationError(problems_frame([{
                "file": path.name, "row": line, "column": "",
                "problem": "row has more cells than the first row (the header)",
                "expected": "no more cells on any row than in the header row",
            }])) from None
        raise _file_error(path, "file could not be read as CSV (is a quoted cell left open?)",
                          _SUPPORTED_TEXT) from None
    except (OSError, ValueError):
        raise _file_error(path, "file could not be read as CSV", _SUPPORTED_TEXT) from None
    # File row i (1-based) is frame row i - 1 while there are no line breaks inside quotes.
    return _from_cells(cells, np.arange(1, len(cells) + 1), path.name, has_header=True)


def _line_number(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _read_excel(path: Path) -> RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl signals a damaged or foreign file in many different ways
        raise _file_error(path, "file could not be read as an Excel workbook",
                          "an .xlsx workbook whose first sheet holds the table") from None
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    except Exception:  # as above: any failure means the sheet cannot be read
        raise _file_error(path, "file could not be read as an Excel workbook",
                          "an .xlsx workbook whose first sheet holds the table") from None
    finally:
        workbook.close()
    width = max((len(row) for row in rows), default=0)
    columns = {
        position: _cells_to_text(pd.Series(
            [row[position] if position < len(row) else None for row in rows], dtype=object))
        for position in range(width)
    }
    cells = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    return _from_cells(cells, np.arange(1, len(rows) + 1), path.name, has_header=True)


def _read_spss(path: Path) -> RawTable:
    import pyreadstat

    try:
        data, _meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception:  # pyreadstat raises several private error types for unreadable files
        raise _file_error(path, "file could not be read as an SPSS .sav file",
                          "an SPSS .sav file") from None
    names = [str(name).strip() for name in data.columns]
    columns = {position: _cells_to_text(data.iloc[:, position])
               for position in range(data.shape[1])}
    cells = pd.DataFrame(columns, index=pd.RangeIndex(len(data)))
    header = pd.DataFrame([names], columns=range(len(names)))
    cells = pd.concat([header, cells], ignore_index=True) if names else cells
    # SPSS has no header row: the case number is the row number, so the header gets row 0.
    return _from_cells(cells, np.arange(0, len(cells)), path.name, has_header=bool(names))


def _from_cells(cells: pd.DataFrame, file_rows: np.ndarray, source: str,
                has_header: bool) -> RawTable:
    """Drop blank rows, take the first remaining row as the header, keep true row numbers."""
    filled = np.zeros(len(cells), dtype=bool)
    for position in range(cells.shape[1]):
        # Most rows have text in the first column, so later columns are rarely looked at.
        unsure = np.flatnonzero(~filled)
        if len(unsure) == 0:
            break
        filled[unsure] = cells.iloc[unsure, position].to_numpy(dtype=object) != ""
    cells = cells.loc[filled]
    file_rows = file_rows[filled]
    if not has_header or cells.empty:
        return RawTable(pd.DataFrame(), np.array([], dtype=np.int64), source)
    names = [str(name).strip() for name in cells.iloc[0]]
    body = cells.iloc[1:]
    # Trailing separators or formatted-but-empty Excel columns: no name and no values.
    keep = [position for position, name in enumerate(names)
            if name != "" or (body.iloc[:, position] != "").any()]
    frame = pd.DataFrame(
        {position: pd.Series(body.iloc[:, position].to_numpy(dtype=object), dtype=object)
         for position in keep},
        index=pd.RangeIndex(len(body)),
    )
    frame.columns = [names[position] for position in keep]
    return RawTable(frame, np.asarray(file_rows[1:], dtype=np.int64), source)


def _cells_to_text(values: pd.Series) -> pd.Series:
    """Turn one column of Excel or SPSS values into text as the user would type it."""
    if pd.api.types.is_float_dtype(values.dtype):
        text = _floats_to_text(values.to_numpy(dtype=float))
    elif isinstance(values.dtype, pd.StringDtype):  # SPSS string variables
        text = values.to_numpy(dtype=object, na_value="")
    else:
        text = np.array([_value_to_text(value) for value in values], dtype=object)
    return pd.Series(text, index=values.index, dtype=object)


def _floats_to_text(numbers: np.ndarray) -> np.ndarray:
    text = np.full(numbers.shape, "", dtype=object)
    finite = np.isfinite(numbers)
    whole = finite & (numbers == np.round(numbers)) & (np.abs(numbers) < _EXACT_INTEGER_LIMIT)
    text[whole] = numbers[whole].astype(np.int64).astype(str)
    for position in np.flatnonzero(finite & ~whole):
        text[position] = _float_to_text(float(numbers[position]))
    return text


def _float_to_text(number: float) -> str:
    if number != number:  # NaN: SPSS system-missing, or an empty numeric cell
        return ""
    # Shortest text that reads back as the same float, never in scientific notation, no ".0".
    return np.format_float_positional(number, trim="-")


def _value_to_text(value) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _float_to_text(float(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
