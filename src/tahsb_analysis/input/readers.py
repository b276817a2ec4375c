"""Read an input table (CSV, Excel .xlsx or SPSS .sav) as text, exactly as the user typed it.

Nothing is interpreted here: every cell becomes a Python str so that validation sees "NA", "007"
or "-9" as written, and every row keeps the number the user sees in the file. A file that cannot
be read raises `InputValidationError` with one problem row; file contents are never echoed, nor
is the header row (a header cell is a value too: it may be a child's data when the header is
missing). Blank lines before the header are skipped. A file in another format than its name
says (an Excel workbook named .csv, CSV text named .xlsx, UTF-16 text, binary data) is named as
such. `max_lines` reads only the start of a file, for a first look at a large one.

A workbook may hold several tables: asked for a table, the reader takes the sheet named after
it (the coder's workbook of `tahsb workbook` has one sheet per table, plus an Instructions and a
Codes sheet that are never read). Cells that Excel stored as dates are remembered
(`RawTable.date_cells`), so that a month column Excel turned into dates is reported once, as
such, not as many malformed months.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import TABLE_NAMES
from tahsb_analysis.input.identifiers import identifier_kinds_of_header_cells
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
    row 1, so the first data row is 2, blank lines before the header counted; SPSS: case number
    1..n).
    `source`: the file name only, for messages.
    `column_numbers`: for each frame column, its column in the file (1-based; columns without a
    name or a value are left out of the frame, so positions may skip); None: 1, 2, 3, ...
    `header_row`: the row of the header in the file (None for SPSS, whose names are no row).
    `complete`: False when only the first `max_lines` rows were read and the file has more.
    `date_cells`: frame column position -> which of its rows Excel stored as a date (only
    columns with at least one such cell; always empty for CSV and SPSS).
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    source: str
    column_numbers: np.ndarray | None = None
    header_row: int | None = None
    complete: bool = True
    date_cells: dict[int, np.ndarray] = field(default_factory=dict)

    def column_number(self, position: int) -> int:
        """The file's column number (1-based) of frame column `position`."""
        if self.column_numbers is None:
            return position + 1
        return int(self.column_numbers[position])


def read_table_as_text(path: str | Path, max_lines: int | None = None,
                       table: str | None = None) -> RawTable:
    """Read a .csv, .xlsx or .sav file into a `RawTable` without interpreting any value.

    `max_lines`: read at most this many rows from the header on (blank rows count); the table's
    `complete` says whether that was the whole file. `table`: the codebook table wanted, which
    picks the sheet of a workbook (`sheet_of_table`); None reads the first sheet.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise _file_error(path, "file type is not supported", _SUPPORTED_TEXT)
    if not path.is_file():
        raise _file_error(path, "file not found", "an existing " + _SUPPORTED_TEXT)
    _check_format(path, suffix)
    if suffix == ".csv":
        return _read_csv(path, max_lines)
    if suffix == ".xlsx":
        return _read_excel(path, max_lines, table)
    return _read_spss(path, max_lines)


# File signatures: what a file really is, whatever its name says.
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files (.xls, .doc)
_SPSS = (b"$FL2", b"$FL3")
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 1 << 16
_CSV_EXPECTED = "a CSV file saved as UTF-8 (with or without BOM)"
_XLSX_EXPECTED = "an .xlsx workbook with one sheet, or a sheet named after each table"
_SAV_EXPECTED = "an SPSS .sav file"


def _what_it_is(start: bytes) -> str | None:
    """What the first bytes of a file say it is: 'xlsx', 'xls', 'sav', 'utf16', 'binary',
    'text' or None (empty)."""
    if not start:
        return None
    if start.startswith(_ZIP):
        return "xlsx"
    if start.startswith(_OLE2):
        return "xls"
    if start.startswith(_SPSS):
        return "sav"
    if start.startswith(_UTF16) or _looks_like_utf16(start):
        return "utf16"
    if b"\x00" in start:
        return "binary"
    return "text"


def _looks_like_utf16(start: bytes) -> bool:
    """UTF-16 text without a BOM: mostly ASCII, so every other byte is a NUL."""
    even, odd = start[0::2], start[1::2]
    if len(start) < 4:
        return False
    return (even.count(0) == 0 and odd.count(0) >= 0.9 * len(odd)) or (
        odd.count(0) == 0 and even.count(0) >= 0.9 * len(even))


_FORMAT_PROBLEMS = {
    # (suffix, what the file is): (problem, expected)
    (".csv", "xlsx"): ("file is an Excel workbook (or another zip file), not CSV text",
                       "CSV text; or name an Excel workbook .xlsx"),
    (".csv", "xls"): ("file is an old Excel .xls workbook (or another Office file), not CSV text",
                      "CSV text; or save the workbook as .xlsx"),
    (".csv", "sav"): ("file is an SPSS data file, not CSV text", "CSV text; or name it .sav"),
    (".csv", "utf16"): ("file is UTF-16 text, not UTF-8", _CSV_EXPECTED),
    (".csv", "binary"): ("file holds binary data, not CSV text", _CSV_EXPECTED),
    (".xlsx", "xls"): ("file is an old Excel .xls workbook, not .xlsx",
                       "a workbook saved as .xlsx (Excel Workbook)"),
    (".xlsx", "sav"): ("file is an SPSS data file, not an Excel workbook",
                       _XLSX_EXPECTED + "; or name it .sav"),
    (".xlsx", "text"): ("file is text (perhaps CSV), not an Excel workbook",
                        _XLSX_EXPECTED + "; or name a CSV file .csv"),
    (".xlsx", "utf16"): ("file is text (perhaps CSV), not an Excel workbook",
                         _XLSX_EXPECTED + "; or save it as CSV UTF-8 and name it .csv"),
    (".xlsx", "binary"): ("file holds binary data, not an Excel workbook", _XLSX_EXPECTED),
    (".sav", "xlsx"): ("file is an Excel workbook (or another zip file), not an SPSS file",
                       _SAV_EXPECTED + "; or name an Excel workbook .xlsx"),
    (".sav", "xls"): ("file is an old Excel .xls workbook, not an SPSS file", _SAV_EXPECTED),
    (".sav", "text"): ("file is text (perhaps CSV), not an SPSS file",
                       _SAV_EXPECTED + "; or name a CSV file .csv"),
    (".sav", "utf16"): ("file is text (perhaps CSV), not an SPSS file", _SAV_EXPECTED),
    (".sav", "binary"): ("file holds binary data, not an SPSS file", _SAV_EXPECTED),
}


def _check_format(path: Path, suffix: str) -> None:
    """Refuse a file whose first bytes say it is not what its name says (never echoed)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(_SNIFF_BYTES)
    except OSError:
        raise _file_error(path, "file could not be read", _SUPPORTED_TEXT) from None
    found = _FORMAT_PROBLEMS.get((suffix, _what_it_is(start)))
    if found is not None:
        raise _file_error(path, *found)


def _file_error(path: Path, problem: str, expected: str) -> InputValidationError:
    return InputValidationError(
        problems_frame([{"file": path.name, "row": None, "column": "", "problem": problem,
                         "expected": expected}])
    )


def _csv_reader(path: Path, skipped: int, **options):
    """pandas' reader of the file's cells as Python str, blank lines kept so that row numbers
    match the file, a BOM stripped when there is one."""
    return pd.read_csv(
        path,
        header=None,
        skiprows=skipped,  # pandas takes a blank first line for a file without columns
        dtype=object,  # Python str cells; faster to read than pyarrow-backed strings
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,  # keep blank lines so row numbers match the file
        encoding="utf-8-sig",  # strips a BOM when there is one, plain UTF-8 otherwise
        encoding_errors="strict",
        **options,
    )


@contextmanager
def _csv_errors(path: Path):
    """Turn pandas' reading errors into one problem each; no message of pandas is passed on."""
    try:
        yield
    except UnicodeDecodeError:
        raise _file_error(path, "file is not UTF-8 text", _CSV_EXPECTED) from None
    except pd.errors.ParserError as exc:
        # pandas names the line of the file ("Expected 3 fields in line 7, saw 4"), counting
        # skipped lines too; its message is not passed on, so no cell text can reach the user.
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


def _read_csv(path: Path, max_lines: int | None = None) -> RawTable:
    skipped = _blank_lines_before_header(path)
    with _csv_errors(path):
        try:
            cells = _csv_reader(path, skipped,
                                nrows=None if max_lines is None else max_lines + 1)
        except pd.errors.EmptyDataError:
            cells = pd.DataFrame()
    complete = max_lines is None or len(cells) <= max_lines
    if not complete:
        cells = cells.iloc[:max_lines]
    # File row i (1-based) is frame row i - 1 - skipped while no quoted cell holds a line break.
    return _from_cells(cells, np.arange(1, len(cells) + 1) + skipped, path.name,
                       has_header=True, complete=complete)


@dataclass(frozen=True)
class CsvPiece:
    """Consecutive rows of a CSV file as read, before any is taken for the header.

    `cells`: every cell a str, columns numbered from 0; `file_rows`: each row's number in the
    file; `last`: no row of the file comes after these.
    """

    cells: pd.DataFrame
    file_rows: np.ndarray
    last: bool


def read_csv_in_pieces(path: str | Path, first_lines: int, piece_lines: int
                       ) -> Iterator[CsvPiece]:
    """The rows of a CSV file, `first_lines` rows from the header on, then `piece_lines` at a
    time, so that a caller can stop reading a file that turns out not to be a table.

    `table_of_pieces` joins what was read into a `RawTable` (as `read_table_as_text` reads it).
    Reading errors raise `InputValidationError` as `read_table_as_text` does.
    """
    path = Path(path)
    if not path.is_file():
        raise _file_error(path, "file not found", "an existing " + _SUPPORTED_TEXT)
    _check_format(path, ".csv")
    skipped = _blank_lines_before_header(path)
    start = skipped + 1
    with _csv_errors(path):
        try:
            reader = _csv_reader(path, skipped, iterator=True)
        except pd.errors.EmptyDataError:
            yield CsvPiece(pd.DataFrame(), np.array([], dtype=np.int64), True)
            return
        with reader:
            size = first_lines
            ahead = _next_chunk(reader, size)
            while ahead is not None:
                current, ahead = ahead, _next_chunk(reader, piece_lines)
                rows = np.arange(start, start + len(current), dtype=np.int64)
                start += len(current)
                yield CsvPiece(current.reset_index(drop=True), rows, ahead is None)


def _next_chunk(reader, size: int) -> pd.DataFrame | None:
    try:
        chunk = reader.get_chunk(size)
    except StopIteration:
        return None
    return chunk if len(chunk) else None


def table_of_pieces(pieces: Sequence[CsvPiece], source: str) -> RawTable:
    """The table of the pieces read so far (the header is their first non-blank row);
    `complete` if the last piece is the end of the file."""
    if not pieces or pieces[0].cells.shape[1] == 0:
        return RawTable(pd.DataFrame(), np.array([], dtype=np.int64), source,
                        complete=not pieces or pieces[-1].last)
    cells = pd.concat([piece.cells for piece in pieces], ignore_index=True)
    rows = np.concatenate([piece.file_rows for piece in pieces])
    return _from_cells(cells, rows, source, has_header=True, complete=pieces[-1].last)


def look_at_piece(header: RawTable, piece: CsvPiece, lines: int) -> RawTable:
    """The first `lines` rows of a later `piece` under the columns of `header` (the table of
    the first piece): what a caller looks at to decide whether to read on."""
    cells = piece.cells.iloc[:lines]
    filled = _filled_rows(cells)
    positions = (header.column_numbers - 1 if header.column_numbers is not None
                 else np.arange(header.frame.shape[1]))
    frame = pd.DataFrame(
        {index: pd.Series(cells.iloc[filled, position].to_numpy(dtype=object), dtype=object)
         for index, position in enumerate(positions)},
        index=pd.RangeIndex(int(filled.sum())))
    frame.columns = list(header.frame.columns)
    return RawTable(frame, piece.file_rows[:len(cells)][filled], header.source,
                    header.column_numbers, header.header_row, complete=False)


_BLANK_LINE = re.compile(rb"[ \t,;]*\r?")


def _blank_lines_before_header(path: Path) -> int:
    """How many lines at the start of the file hold nothing but spaces, tabs and separators.

    Reads at most the first 64 KiB: a file blank for longer is read as it is.
    """
    with open(path, "rb") as handle:
        start = handle.read(_SNIFF_BYTES)
    if start.startswith(_UTF8_BOM):
        start = start[len(_UTF8_BOM):]
    lines = start.split(b"\n")
    count = 0
    for line in lines[:-1]:  # the last piece has no line end: it may go on beyond the read
        if not _BLANK_LINE.fullmatch(line):
            break
        count += 1
    return count


def _line_number(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# Sheets of the coder's workbook (input/workbook.py) that hold no table: never read as one.
WORKBOOK_ONLY_SHEETS = ("Instructions", "Codes")
NO_SHEET_OF_TABLE = "workbook has no sheet named {table}"


def sheet_of_table(names: Sequence[str], table: str | None) -> int | None:
    """Which sheet of a workbook (by position; `names` in workbook order) holds `table`.

    The sheet named after the table (exactly, else the one sheet whose name is the table's
    once surrounding spaces and upper case are set aside). A workbook with no sheet named after
    any table is read from its only sheet, the Instructions and Codes sheets not counted.
    None when the workbook does not say which sheet it is; `table` None: the first sheet.
    """
    if table is None:
        return 0
    plain = [name.strip().lower() for name in names]
    for found in ([i for i, name in enumerate(names) if name == table],
                  [i for i, name in enumerate(plain) if name == table]):
        if len(found) == 1:
            return found[0]
    if set(plain) & set(TABLE_NAMES):
        return None  # sheets are named after tables, but none (or two) after this one
    ignored = {name.lower() for name in WORKBOOK_ONLY_SHEETS}
    others = [i for i, name in enumerate(plain) if name not in ignored]
    return others[0] if len(others) == 1 else None


def _sheet_names_shown(names: Sequence[str]) -> str:
    """The sheet names of a workbook for a message; a name that looks like a direct identifier
    (a sheet named after a child) is shown by its position instead ("sheet 3")."""
    kinds = identifier_kinds_of_header_cells(names)
    return ", ".join(name if kind is None else f"sheet {i + 1}"
                     for i, (name, kind) in enumerate(zip(names, kinds, strict=True)))


def _read_excel(path: Path, max_lines: int | None = None, table: str | None = None) -> RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl signals a damaged or foreign file in many different ways
        raise _file_error(path, "file could not be read as an Excel workbook",
                          _XLSX_EXPECTED) from None
    try:
        names = list(workbook.sheetnames)
        position = sheet_of_table(names, table)
        if position is None:
            raise InputValidationError(problems_frame([{
                "file": path.name, "row": None, "column": "",
                "problem": NO_SHEET_OF_TABLE.format(table=table),
                "expected": f"a sheet named {table} holding the {table} table (sheets found: "
                            f"{_sheet_names_shown(names)})"}]))
        source = path.name
        if len(names) > 1:
            named = names[position].strip().lower() == table
            source += f", sheet {table if named else position + 1}"
        try:
            rows = workbook.worksheets[position].iter_rows(values_only=True)
            if max_lines is None:
                rows, complete = list(rows), True
            else:
                rows, complete = _first_lines(rows, max_lines)
        except Exception:  # as above: any failure means the sheet cannot be read
            raise _file_error(path, "file could not be read as an Excel workbook",
                              _XLSX_EXPECTED) from None
    finally:
        workbook.close()
    width = max((len(row) for row in rows), default=0)
    columns, dates = {}, {}
    for position in range(width):
        values = [row[position] if position < len(row) else None for row in rows]
        columns[position] = _cells_to_text(pd.Series(values, dtype=object))
        is_date = np.array([isinstance(value, dt.date) for value in values], dtype=bool)
        if is_date.any():
            dates[position] = is_date
    cells = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    return _from_cells(cells, np.arange(1, len(rows) + 1), source, has_header=True,
                       complete=complete, dates=dates)


def _first_lines(rows, max_lines: int) -> tuple[list, bool]:
    """From an iterator of sheet rows: the blank rows before the header, then at most
    `max_lines` rows from the header on; and whether that was every row."""
    taken = []
    for row in rows:
        taken.append(row)
        if any(cell is not None and cell != "" for cell in row):
            break
    if not taken:
        return taken, True
    more = list(islice(rows, max_lines))  # max_lines - 1 rows after the header, and one to spare
    complete = len(more) < max_lines
    return taken + more[:max_lines - 1], complete


def _read_spss(path: Path, max_lines: int | None = None) -> RawTable:
    import pyreadstat

    limit = 0 if max_lines is None else max_lines + 1
    try:
        data, _meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False,
                                          row_limit=limit)
    except Exception:  # pyreadstat raises several private error types for unreadable files
        raise _file_error(path, "file could not be read as an SPSS .sav file",
                          "an SPSS .sav file") from None
    complete = max_lines is None or len(data) <= max_lines
    if not complete:
        data = data.iloc[:max_lines]
    names = [str(name).strip() for name in data.columns]
    columns = {position: _cells_to_text(data.iloc[:, position])
               for position in range(data.shape[1])}
    cells = pd.DataFrame(columns, index=pd.RangeIndex(len(data)))
    header = pd.DataFrame([names], columns=range(len(names)))
    cells = pd.concat([header, cells], ignore_index=True) if names else cells
    # SPSS has no header row: the case number is the row number, so the header gets row 0.
    table = _from_cells(cells, np.arange(0, len(cells)), path.name, has_header=bool(names),
                        complete=complete)
    return replace(table, header_row=None)


def _filled_rows(cells: pd.DataFrame) -> np.ndarray:
    """Which rows have text in at least one cell."""
    filled = np.zeros(len(cells), dtype=bool)
    for position in range(cells.shape[1]):
        # Most rows have text in the first column, so later columns are rarely looked at.
        unsure = np.flatnonzero(~filled)
        if len(unsure) == 0:
            break
        filled[unsure] = cells.iloc[unsure, position].to_numpy(dtype=object) != ""
    return filled


def _from_cells(cells: pd.DataFrame, file_rows: np.ndarray, source: str,
                has_header: bool, complete: bool = True,
                dates: dict[int, np.ndarray] | None = None) -> RawTable:
    """Drop blank rows, take the first remaining row as the header, keep true row numbers.

    `dates`: column position of `cells` -> which of its rows hold a date (Excel)."""
    filled = _filled_rows(cells)
    cells = cells.loc[filled]
    file_rows = file_rows[filled]
    if not has_header or cells.empty:
        return RawTable(pd.DataFrame(), np.array([], dtype=np.int64), source, complete=complete)
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
    date_cells = {}
    for index, position in enumerate(keep):
        if dates and position in dates:
            in_body = dates[position][filled][1:]
            if in_body.any():
                date_cells[index] = in_body
    return RawTable(frame, np.asarray(file_rows[1:], dtype=np.int64), source,
                    column_numbers=np.asarray(keep, dtype=np.int64) + 1,
                    header_row=int(file_rows[0]), complete=complete, date_cells=date_cells)


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
