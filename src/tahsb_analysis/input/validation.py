"""Check the three input tables against the codebook and turn them into a typed `Cohort`.

Every problem in every file is collected in one pass into one table (file, row, column,
problem, expected) so that a researcher can fix them all at once; only a clean input is typed.
Messages never contain a cell's value, because a value might identify a child.

Cells are compared after removing surrounding whitespace, so " yes" counts as "yes" and a cell
holding only spaces is blank. Cross-table checks use only cells that passed their own checks,
so one bad cell is reported once, not again by every check that reads it.

A header cell is a value too: a column whose header is not a codebook name is named by its
position ("column 3"), and a header row that looks like a row of data is reported once, as a
missing header. The problem table stays small (see problems.py), and `validate_cohort` reads
only the first `PROBE_LINES` rows of a large file that is clearly not the table it should be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from tahsb_analysis.input.checked import (
    _CheckedTable,
    _problem,
    _raw_distinct,
)
from tahsb_analysis.input.codebook import TABLE_NAMES, Codebook, Table, load_codebook
from tahsb_analysis.input.cohort import Cohort
from tahsb_analysis.input.cross_table import (
    _cross_table_problems,
)
from tahsb_analysis.input.double_coding import (
    CODED_TABLE,
    check_coders,
    coder_problems,
    coder_source,
    labelled,
    stacked_codings,
)
from tahsb_analysis.input.excel_dates import first_of_month_dates
from tahsb_analysis.input.identifiers import (
    column_labels,
    identifier_kinds_of_header_cells,
    screen_identifiers,
)
from tahsb_analysis.input.messages import (
    NOT_THE_TABLE_HEADER,
    NOT_THE_TABLE_ROWS,
    NOT_THE_TABLE_VALUES,
)
from tahsb_analysis.input.problems import (
    PROBLEM_COLUMNS,
    InputValidationError,
    cap_problems_per_file,
    format_problems,
    problems_frame,
)
from tahsb_analysis.input.readers import (
    CsvPiece,
    RawTable,
    look_at_piece,
    read_csv_in_pieces,
    read_table_as_text,
    table_of_pieces,
)
from tahsb_analysis.input.table_checks import (
    _check_cells,
    _check_table,
    _CodebookWords,
)
from tahsb_analysis.input.typed import (
    _typed_table,
    typed_table,
)

# ---------------------------------------------------------------------------------------------
# Public entry points


def find_problems(raw: Mapping[str, RawTable], codebook: Codebook | None = None
                  ) -> pd.DataFrame:
    """Every problem in the given tables (keys: cases, case_file, behaviours), sorted by file
    then row. A table left out is not checked, nor is any cross-table check that needs it."""

    codebook = codebook if codebook is not None else load_codebook()
    return _find_problems(raw, codebook)[0]


def _find_problems(raw: Mapping[str, RawTable], codebook: Codebook,
                   partial: Mapping[str, str] | None = None,
                   ) -> tuple[pd.DataFrame, dict[str, _CheckedTable]]:
    """`find_problems`, and the checked tables (whose columns `validate_cohort` types).

    `partial`: tables of which only the start was read, each with the problem saying why; they
    are checked on their own, and no cross-table check uses them.
    """
    partial = partial or {}
    unknown = sorted(set(raw) - set(TABLE_NAMES))
    if unknown:
        raise ValueError(f"unknown table name(s) {unknown}; tables are {TABLE_NAMES}")
    codebook_missing = {code for name in TABLE_NAMES for fld in codebook.table(name).fields
                        for code in fld.missing_values}
    words = _CodebookWords.of(codebook)
    parts: list[tuple[str, pd.DataFrame]] = []
    checked: dict[str, _CheckedTable] = {}
    for name in TABLE_NAMES:
        if name not in raw:
            continue
        table = raw[name]
        spec = codebook.table(name)
        distinct = [_raw_distinct(table.frame.iloc[:, position])
                    for position in range(table.frame.shape[1])]
        names = [str(c) for c in table.frame.columns]
        header_kinds = identifier_kinds_of_header_cells(names)
        # The identifier screen runs first, on every column, so nothing identifying is missed.
        screened, screened_distinct = _without_typed_months(table, spec, distinct)
        parts.append((name, screen_identifiers(screened, screened_distinct,
                                               column_labels(table, spec.field_names),
                                               header_kinds)))
        identifier_columns = {position for position, kind in enumerate(header_kinds)
                              if kind is not None and names[position] not in spec.field_names}
        checked[name], own = _check_table(table, spec, codebook_missing, identifier_columns,
                                          distinct, words)
        parts += [(name, frame) for frame in own]
        if name in partial:
            parts.append((name, _problem(table.source, None, "", partial[name],
                                         f"the {name} table: a header row naming its columns "
                                         "(docs/codebook.md), then one row per record")))
    parts += _cross_table_problems({name: table for name, table in checked.items()
                                    if name not in partial}, codebook)
    return _sorted_problems(parts, codebook), checked


def _without_typed_months(table: RawTable, spec: Table,
                          distinct: list[tuple[np.ndarray, np.ndarray]]
                          ) -> tuple[RawTable, list[tuple[np.ndarray, np.ndarray]]]:
    """The table as the identifier screen sees it: in month columns, the dates Excel made of
    typed months (the first of a month, at midnight) blanked. They hold no day of anything, and
    are reported once per column with the remedy (excel_dates); other dates stay refused."""
    months = {fld.name for fld in spec.fields if fld.type == "yearmonth"}
    names = [str(c) for c in table.frame.columns]
    blank = {position: first_of_month_dates(table.frame.iloc[:, position], mask)
             for position, mask in table.date_cells.items() if names[position] in months}
    blank = {position: rows for position, rows in blank.items() if rows.any()}
    if not blank:
        return table, distinct
    frame = table.frame.copy()
    distinct = list(distinct)
    for position, rows in blank.items():
        cells = frame.iloc[:, position].to_numpy(dtype=object).copy()
        cells[rows] = ""
        frame.isetitem(position, cells)
        distinct[position] = _raw_distinct(frame.iloc[:, position])
    return replace(table, frame=frame), distinct


def _sorted_problems(parts: list[tuple[str, pd.DataFrame]], codebook: Codebook) -> pd.DataFrame:
    frames = []
    for name, frame in parts:
        if len(frame) == 0:
            continue
        positions = {field_name: i for i, field_name in enumerate(codebook.table(name).field_names)}
        frame = frame.copy()
        frame["_table"] = TABLE_NAMES.index(name)
        order = frame["column"].map(positions).astype(float).fillna(len(positions))
        frame["_column"] = order.where(frame["column"] != "", -1)
        frames.append(frame)
    if not frames:
        return problems_frame()
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.sort_values(["file", "_table", "row", "_column"], na_position="first",
                                    kind="stable")
    return cap_problems_per_file(
        problems_frame(combined.loc[:, list(PROBLEM_COLUMNS)].reset_index(drop=True)))


def validate_cohort(paths: Mapping[str, str | Path], codebook: Codebook | None = None,
                    double_coding: Sequence[Mapping] = ()) -> Cohort:
    """Read and check the three files; return the typed `Cohort` or raise
    `InputValidationError` listing every problem. Nothing is written either way.

    `double_coding`: other coders' tables, each {"coder": label, "case_file": path}, checked
    like the first coder's in the same pass (input/double_coding.py)."""

    codebook = codebook if codebook is not None else load_codebook()
    if set(paths) != set(TABLE_NAMES):
        raise ValueError(f"validate_cohort needs exactly the tables {TABLE_NAMES}, "
                         f"got {sorted(paths)}")
    raw: dict[str, RawTable] = {}
    partial: dict[str, str] = {}
    unreadable: list[pd.DataFrame] = []
    for name in TABLE_NAMES:
        try:
            raw[name], why = _read_for_validation(paths[name], codebook.table(name), codebook)
        except InputValidationError as error:
            unreadable.append(error.problems)
            continue
        if why is not None:
            partial[name] = why
    problems, checked = _find_problems(raw, codebook, partial)
    check_coders(double_coding)
    coders, coder_parts = {}, []
    for entry in double_coding:
        label, path = str(entry["coder"]), entry[CODED_TABLE]
        try:
            coder_raw, why = _read_for_validation(path, codebook.table(CODED_TABLE), codebook)
        except InputValidationError as error:
            coder_parts.append(error.problems.assign(file=coder_source(path, label)))
            continue
        coder_raw = labelled(coder_raw, path, label)
        cases = checked.get("cases") if "cases" not in partial else None
        found, coder_checked = coder_problems(coder_raw, cases, codebook)
        if why is not None:
            found = pd.concat([found, problems_frame([{
                "file": coder_raw.source, "row": None, "column": "", "problem": why,
                "expected": "the case_file table"}])], ignore_index=True)
        coder_parts.append(found)
        coders[label] = (coder_raw, coder_checked, path)
    if unreadable or len(problems) or any(len(part) for part in coder_parts):
        everything = pd.concat([*unreadable, problems, *coder_parts], ignore_index=True)
        raise InputValidationError(everything)
    tables = {name: _typed_table(raw[name], codebook.table(name), checked[name])
              for name in TABLE_NAMES}
    others = {label: _typed_table(coder_raw, codebook.table(CODED_TABLE), coder_checked)
              for label, (coder_raw, coder_checked, _path) in coders.items()}
    coder_sources = {label: {"file": Path(path).name, "sha256": _sha256(path),
                             "rows": int(len(coder_raw.frame))}
                     for label, (coder_raw, _checked, path) in coders.items()}
    label = str(tables["cases"]["cohort"].iloc[0])
    synthetic = bool(tables["cases"]["data_origin"].iloc[0] == "synthetic")
    sources = {name: {"file": raw[name].source, "sha256": _sha256(paths[name]),
                      "rows": int(len(raw[name].frame))} for name in TABLE_NAMES}
    return Cohort(**tables, label=label, synthetic=synthetic, sources=sources,
                  codebook_version=codebook.version,
                  codings=stacked_codings(tables[CODED_TABLE], others),
                  coder_sources=coder_sources)


# Rows read first from every file. A larger file is read on only if they look like the table
# it should be; a CSV file is read on `PIECE_LINES` rows at a time, and reading stops at the
# first piece whose first `PROBE_LINES` rows are clearly not the table. So a file of a million
# garbage rows costs a thousand rows' work, and garbage after a good start at most a piece more.
PROBE_LINES = 1000
PIECE_LINES = 100_000
# Share of the rows looked at on which most cells break the codebook that makes them garbage.
_BROKEN_SHARE = 0.9
# Different texts that are not codes in a coded column of the rows looked at: more is garbage.
_MANY_OTHER_TEXTS = 100


def _read_for_validation(path: str | Path, spec: Table, codebook: Codebook
                         ) -> tuple[RawTable, str | None]:
    """The table in `path`, and None; or, when the file is large and clearly not the table
    `spec` from some row on, the rows up to there and the problem saying so."""
    if Path(path).suffix.lower() != ".csv":
        start = read_table_as_text(path, max_lines=PROBE_LINES, table=spec.name)
        if start.complete:
            return start, None
        why = _clearly_not_the_table(start, spec, codebook)
        return (start, why) if why is not None else (read_table_as_text(path, table=spec.name),
                                                     None)
    source = Path(path).name
    pieces: list[CsvPiece] = []
    header: RawTable | None = None
    for piece in read_csv_in_pieces(path, PROBE_LINES, PIECE_LINES):
        pieces.append(piece)
        if piece.last:
            break
        if header is None:
            header = look = table_of_pieces(pieces, source)
        else:
            look = look_at_piece(header, piece, PROBE_LINES)
        why = _clearly_not_the_table(look, spec, codebook)
        if why is not None:
            return table_of_pieces(pieces, source), why.format(row=int(piece.file_rows[-1]))
    return table_of_pieces(pieces, source), None


def _clearly_not_the_table(raw: RawTable, spec: Table, codebook: Codebook) -> str | None:
    """Why rows of a file are clearly not the table `spec` (None if they may be): the header
    names none of the table's columns, or on nearly every row most of the table's cells break
    the codebook. A template with {row} for the last row read."""
    names = [str(name) for name in raw.frame.columns]
    present = [fld for fld in spec.fields if fld.name in names]
    if not present:
        return NOT_THE_TABLE_HEADER.replace("{table}", spec.name)
    if len(raw.frame) == 0:
        return None
    codebook_missing = {code for name in TABLE_NAMES for fld in codebook.table(name).fields
                        for code in fld.missing_values}
    checked = _CheckedTable(raw=raw, spec=spec)
    failing = np.zeros(len(raw.frame), dtype=np.int64)
    first = str(int(raw.row_numbers[0]))
    for fld in present:
        column, _found = _check_cells(checked, fld, raw.frame.iloc[:, names.index(fld.name)],
                                      codebook_missing)
        failing += ~column.ok
        # A coded column holds a handful of codes; hundreds of different other texts in it
        # are not a slip of the keyboard (and would cost memory and time for every one).
        if ((fld.is_boolean or fld.is_categorical)
                and len(np.unique(column.codes[~column.ok])) > _MANY_OTHER_TEXTS):
            return NOT_THE_TABLE_VALUES.replace("{first}", first).replace(
                "{column}", fld.name).replace("{count}", str(_MANY_OTHER_TEXTS))
    broken = failing * 2 >= len(present)  # rows on which most of the table's cells break
    if broken.mean() >= _BROKEN_SHARE:
        return NOT_THE_TABLE_ROWS.replace("{first}", first)
    return None


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["InputValidationError", "PROBLEM_COLUMNS", "find_problems", "format_problems",
           "problems_frame", "typed_table", "validate_cohort"]
