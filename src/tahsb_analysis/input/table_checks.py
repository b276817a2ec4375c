"""Checks of one table on its own: the header (a header cell is a value too), every cell
against its codebook field, the primary key and columns that must be constant."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tahsb_analysis.input.checked import (
    _CheckedTable,
    _Column,
    _distinct_text,
    _problem,
    _problems_at,
)
from tahsb_analysis.input.codebook import Codebook, Field, Table, load_codebook
from tahsb_analysis.input.excel_dates import excel_made_dates
from tahsb_analysis.input.identifiers import (
    column_labels,
)
from tahsb_analysis.input.messages import (
    _INTEGER,
    _NUMBER,
    _YEARMONTH,
    ABOVE_MAXIMUM,
    BELOW_MINIMUM,
    BLANK_CELL,
    CODE_CASE,
    DATA_LIKE_COLUMN,
    DID_YOU_MEAN,
    DUPLICATE_KEY,
    DUPLICATE_KEY_SUMMARY,
    EMPTY_FILE,
    EXCEL_DATES,
    EXCEL_DATES_EXPECTED,
    HEADER_LOOKS_LIKE_DATA,
    MISSING_CODE_NOT_ALLOWED,
    MISSING_COLUMN,
    NO_DATA_ROWS,
    NOT_A_CODE,
    NOT_A_NUMBER,
    NOT_A_YEARMONTH,
    NOT_AN_INTEGER,
    NOT_CONSTANT,
    PATTERN_MISMATCH,
    REPEATED_COLUMN,
    TOO_MANY_DECIMALS,
    UNKNOWN_COLUMN,
    UNNAMED_COLUMN,
)
from tahsb_analysis.input.problems import (
    ROWS_PER_PROBLEM,
    describe_rows,
)
from tahsb_analysis.input.readers import (
    RawTable,
)

# ---------------------------------------------------------------------------------------------
# Single-table checks


def _check_table(raw: RawTable, spec: Table, codebook_missing: set[str],
                 identifier_columns: set[int],  # positions of identifier-like header cells
                 distinct: list[tuple[np.ndarray, np.ndarray]] | None = None,
                 words: _CodebookWords | None = None,
                 ) -> tuple[_CheckedTable, list[pd.DataFrame]]:
    checked = _CheckedTable(raw=raw, spec=spec)
    problems: list[pd.DataFrame] = []
    frame = raw.frame
    names = [str(name) for name in frame.columns]
    source = raw.source

    if not names and len(frame) == 0:
        problems.append(_problem(source, None, "", EMPTY_FILE,
                                 f"a header row naming the columns of the {spec.name} table, "
                                 "then one row per record"))
        checked.duplicate = np.zeros(0, dtype=bool)
        return checked, problems

    labels = column_labels(raw, spec.field_names)
    first_position: dict[str, int] = {}
    for position, name in enumerate(names):
        first_position.setdefault(name, position)
    words = words if words is not None else _CodebookWords.of(load_codebook())
    if _header_looks_like_data(names, words, identifier_columns):
        # One problem for the row, not one per cell: the cells are a child's data, not names.
        problems.append(_problem(
            source, raw.header_row, "", HEADER_LOOKS_LIKE_DATA,
            f"a header row naming the columns of the {spec.name} table "
            f"({', '.join(spec.field_names)}), then one row per record"))
    else:
        for position, name in enumerate(names):
            if name == "":
                problems.append(_problem(source, None, labels[position], UNNAMED_COLUMN,
                                         "a column name in the header row"))
            elif first_position[name] != position:
                # A codebook name may be shown; any other header cell may not.
                label = name if name in spec.field_names else labels[position]
                problems.append(_problem(source, None, label, REPEATED_COLUMN,
                                         "each column once"))
            if name == "" or name in spec.field_names or position in identifier_columns:
                continue
            problem = DATA_LIKE_COLUMN if _looks_like_data(name, words) else UNKNOWN_COLUMN
            problems.append(_problem(source, None, labels[position], problem,
                                     _unknown_column_expected(name, spec, words)))
        # Names run together by another separator (";" or tabs) are reported with that column,
        # not once more as missing.
        joined = {part.strip() for name in names if _other_separator(name)
                  for part in name.replace("\t", ";").replace("|", ";").split(";")}
        for fld in spec.fields:
            if fld.name not in first_position and fld.name not in joined:
                problems.append(_problem(source, None, fld.name, MISSING_COLUMN,
                                         f"a column {fld.name} ({fld.title})"))

    checked.duplicate = np.zeros(len(frame), dtype=bool)
    if len(frame) == 0:
        problems.append(_problem(source, None, "", NO_DATA_ROWS,
                                 "at least one data row below the header"))
        return checked, problems

    for fld in spec.fields:
        if fld.name in first_position:
            position = first_position[fld.name]
            cells = frame.iloc[:, position]
            excel = (excel_made_dates(cells, raw.date_cells.get(position),
                                      None if distinct is None else distinct[position])
                     if fld.type == "yearmonth" else None)
            column, found = _check_cells(checked, fld, cells, codebook_missing,
                                         None if distinct is None else distinct[position],
                                         excel if excel is not None and excel.any() else None)
            checked.columns[fld.name] = column
            problems += found
    problems += _check_primary_key(checked)
    for fld in spec.fields:
        if fld.constant_within_file and checked.has(fld.name):
            problems += _check_constant(checked, fld)
    return checked, problems


@dataclass(frozen=True)
class _CodebookWords:
    """Every field name and every code (missing-value codes too) of a codebook, lower case:
    what a header cell is compared with to tell a column name from a value."""

    field_names: frozenset[str]
    codes: frozenset[str]
    table_of_field: tuple[tuple[str, str], ...] = ()  # (field name, its first table)

    @classmethod
    def of(cls, codebook: Codebook) -> _CodebookWords:
        fields = [fld for table in codebook.tables.values() for fld in table.fields]
        tables = {}
        for table in codebook.tables.values():
            for fld in table.fields:
                tables.setdefault(fld.name, table.name)
        return cls(frozenset(fld.name.lower() for fld in fields),
                   frozenset(code.lower() for fld in fields
                             for code in (*fld.valid_codes, *fld.missing_values)),
                   tuple(tables.items()))


def _looks_like_data(cell: str, words: _CodebookWords, identifier: bool = False) -> bool:
    """A header cell that reads like a value: a codebook code, a number, a month, anything
    with a digit in it (a case id, an age), or (`identifier`) a postcode, a date, ..."""
    text = cell.strip().lower()
    if text == "" or text in words.field_names:
        return False
    return identifier or text in words.codes or any(ch in "0123456789" for ch in text)


def _header_looks_like_data(names: list[str], words: _CodebookWords,
                            identifier_columns: set[int]) -> bool:
    """The header row reads like a row of data: at least half its cells look like values, and
    more of them than are column names of the codebook."""
    filled = [position for position, name in enumerate(names) if name != ""]
    if not filled:
        return False
    known = sum(names[position].lower() in words.field_names for position in filled)
    data_like = sum(_looks_like_data(names[position], words, position in identifier_columns)
                    for position in filled)
    return data_like * 2 >= len(filled) and data_like > known


# How close (difflib's ratio) a header cell or a cell must be to a codebook word to be suggested.
COLUMN_CUTOFF = 0.75
CODE_CUTOFF = 0.6
# Distinct wrong texts of one column beyond which no codes are suggested (a garbage column).
MAX_SUGGESTED_TEXTS = 200
# Characters a cell needs to be suggested the label it begins (so "no" suggests nothing).
MIN_PREFIX = 4


def _plain(text: str) -> str:
    """Lower case, runs of anything but letters, digits and '-' made one '_': so that
    'Out of court' and 'out_of_court' compare equal."""
    return re.sub(r"[^a-z0-9-]+", "_", text.strip().lower()).strip("_")


def suggest_column(name: str, spec: Table) -> str | None:
    """The column of `spec` a misspelt header cell most likely meant, or None: compared with
    the field names and titles of the codebook. The suggestion is always a field name."""
    candidates: dict[str, str] = {}
    for fld in spec.fields:
        candidates.setdefault(fld.name, fld.name)
        candidates.setdefault(_plain(fld.title), fld.name)
    close = difflib.get_close_matches(_plain(name), list(candidates), n=1, cutoff=COLUMN_CUTOFF)
    return candidates[close[0]] if close else None


def suggest_code(text: str, fld: Field) -> str | None:
    """The code of `fld` a misspelt cell most likely meant, or None: compared with its codes
    and their labels, missing-value codes included. The suggestion is always a code."""
    candidates: dict[str, str] = {}
    for code in fld.valid_codes:
        candidates.setdefault(_plain(code), code)
    for code in (*fld.categories, *fld.missing_codes):
        candidates.setdefault(_plain(code.label), code.value)
    plain = _plain(text)
    close = difflib.get_close_matches(plain, list(candidates), n=1, cutoff=CODE_CUTOFF)
    if close:
        return candidates[close[0]]
    # The first words of a label ("not recorded" for "not recorded in the case file").
    starting = {code for word, code in candidates.items()
                if len(plain) >= MIN_PREFIX and word.startswith(plain + "_")}
    return starting.pop() if len(starting) == 1 else None


def _unknown_column_expected(name: str, spec: Table, words: _CodebookWords | None = None
                             ) -> str:
    close = suggest_column(name, spec)
    hint = (DID_YOU_MEAN.format(suggestion=close) + " (column names are lower case)"
            if close else "")
    other_table = dict(words.table_of_field).get(name) if words is not None else None
    if other_table is not None and other_table != spec.name:
        hint = f"; {name} is a column of the {other_table} table"
    if _other_separator(name):
        hint = ("; the file seems to use ; | or tabs between cells, but a CSV file needs "
                "commas")
    return f"only the codebook's columns of the {spec.name} table{hint}"


def _other_separator(name: str) -> bool:
    """The header cell holds column names separated by ";", "|" or a tab, not by commas."""
    return any(separator in name for separator in (";", "\t", "|"))


def _check_cells(checked: _CheckedTable, fld: Field, cells: pd.Series,
                 codebook_missing: set[str],
                 distinct: tuple[np.ndarray, np.ndarray] | None = None,
                 excel_dates: np.ndarray | None = None,
                 ) -> tuple[_Column, list[pd.DataFrame]]:
    """Check every cell of one column; at most one problem per cell (the first that applies).

    `excel_dates`: rows of a month column that hold an Excel date (`excel_dates` module): one
    problem for all of them, instead of one per cell."""
    codes, text = _distinct_text(cells, distinct)
    blank = (text == "").to_numpy(dtype=bool)
    any_missing_code = text.isin(codebook_missing).to_numpy(dtype=bool)
    allowed_missing = text.isin(fld.missing_values).to_numpy(dtype=bool)
    candidate = ~blank & ~any_missing_code
    # Each finding: which distinct texts break a rule, and how to say so.
    findings: list[tuple[np.ndarray, str]] = [
        (blank, BLANK_CELL),
        (any_missing_code & ~allowed_missing, MISSING_CODE_NOT_ALLOWED),
    ]
    parsed = None
    if fld.is_boolean or fld.is_categorical:
        valid = text.isin(fld.valid_codes).to_numpy(dtype=bool)
        wrong = candidate & ~valid
        lowered = [code.lower() for code in fld.valid_codes]
        case_only = wrong & text.str.lower().isin(lowered).to_numpy(dtype=bool)
        findings += [*_misspelt_codes(text, wrong & ~case_only, fld), (case_only, CODE_CASE)]
    elif fld.type in ("integer", "number"):
        shape = _INTEGER if fld.type == "integer" else _NUMBER
        readable = candidate & text.str.fullmatch(shape).to_numpy(dtype=bool)
        parsed = pd.to_numeric(text.where(readable), errors="coerce").to_numpy(dtype=float)
        readable &= np.isfinite(parsed)
        findings.append((candidate & ~readable,
                         NOT_AN_INTEGER if fld.type == "integer" else NOT_A_NUMBER))
        if fld.minimum is not None:
            findings.append((readable & (parsed < fld.minimum), BELOW_MINIMUM))
        if fld.maximum is not None:
            findings.append((readable & (parsed > fld.maximum), ABOVE_MAXIMUM))
        if fld.type == "number" and fld.max_decimals is not None:
            # Trailing zeros carry no precision: 14.50 has one decimal place.
            decimals = text.str.replace(r"^[^.]*\.?", "", regex=True).str.rstrip("0").str.len()
            findings.append((readable & (decimals.to_numpy() > fld.max_decimals),
                             TOO_MANY_DECIMALS))
    elif fld.type == "yearmonth":
        findings.append((candidate & ~text.str.fullmatch(_YEARMONTH).to_numpy(dtype=bool),
                         NOT_A_YEARMONTH))
    elif fld.pattern:
        findings.append((candidate & ~text.str.fullmatch(fld.pattern).to_numpy(dtype=bool),
                         PATTERN_MISMATCH))

    expected = fld.expected_description()
    rows = checked.rows
    bad = np.zeros(len(text), dtype=bool)
    problems = []
    if excel_dates is not None:
        problems.append(_problem(checked.source, int(rows[excel_dates][0]), fld.name,
                                 EXCEL_DATES.format(rows=describe_rows(rows[excel_dates])),
                                 EXCEL_DATES_EXPECTED))
    for distinct_bad, problem in findings:
        distinct_bad = distinct_bad & ~bad
        bad |= distinct_bad
        if distinct_bad.any():
            hit = distinct_bad[codes]
            if excel_dates is not None:
                hit &= ~excel_dates
            if hit.any():
                problems.append(_problems_at(checked.source, rows[hit], fld.name, problem,
                                             expected))
    ok_distinct = ~bad
    ok = ok_distinct[codes] if excel_dates is None else ok_distinct[codes] & ~excel_dates
    column = _Column(codes=codes, uniques=text.to_numpy(dtype=object), ok=ok,
                     missing=allowed_missing[codes], distinct=text)
    if parsed is not None:
        column.numbers = np.where(ok_distinct & ~allowed_missing, parsed, np.nan)[codes]
    return column, problems


def _misspelt_codes(text: pd.Series, wrong: np.ndarray, fld: Field
                    ) -> list[tuple[np.ndarray, str]]:
    """Findings for the distinct texts that are not codes of `fld`: one per code suggested
    (`suggest_code`), and one for the texts close to none."""
    positions = np.flatnonzero(wrong)
    if len(positions) == 0 or len(positions) > MAX_SUGGESTED_TEXTS:
        return [(wrong, NOT_A_CODE)]
    by_suggestion: dict[str | None, np.ndarray] = {}
    for position in positions:
        suggestion = suggest_code(str(text.iloc[position]), fld)
        mask = by_suggestion.setdefault(suggestion, np.zeros(len(wrong), dtype=bool))
        mask[position] = True
    return [(mask, NOT_A_CODE if suggestion is None
             else NOT_A_CODE + DID_YOU_MEAN.format(suggestion=suggestion))
            for suggestion, mask in by_suggestion.items()]


def _check_primary_key(checked: _CheckedTable) -> list[pd.DataFrame]:
    key = list(checked.spec.primary_key)
    if not key or not checked.has(*key):
        return []
    columns = [checked.columns[name] for name in key]
    usable = np.logical_and.reduce([c.ok & ~c.missing for c in columns])
    # Integers compare by value (01 and 1 are the same behaviour number), text by its codes.
    keys = pd.DataFrame({
        name: (c.numbers if c.numbers is not None else c.codes)[usable]
        for name, c in zip(key, columns, strict=True)
    })
    repeated = keys.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return []
    rows = checked.rows[usable]
    first_row = pd.Series(rows).groupby([keys[name] for name in key], sort=False).transform("first")
    duplicate = np.zeros(len(checked.raw.frame), dtype=bool)
    duplicate[np.flatnonzero(usable)[repeated]] = True
    checked.duplicate = duplicate
    key_words = " and ".join(key)
    # Only the rows that are listed get a message of their own (problems.bounded_rows).
    messages = [DUPLICATE_KEY.format(row=int(r), key=key_words)
                for r in first_row.to_numpy()[repeated][:ROWS_PER_PROBLEM + 1]]
    expected = (f"each {key[0]} once in the file" if len(key) == 1
                else f"each combination of {key_words} once in the file")
    return [_problems_at(checked.source, rows[repeated], key[0] if len(key) == 1 else "",
                         messages, expected, DUPLICATE_KEY_SUMMARY.format(key=key_words))]


def _check_constant(checked: _CheckedTable, fld: Field) -> list[pd.DataFrame]:
    column = checked.columns[fld.name]
    counts = np.bincount(column.codes[column.ok], minlength=len(column.uniques))
    if np.count_nonzero(counts) <= 1:
        return []
    # Codes follow first appearance, so argmax breaks ties in favour of the earliest value.
    common = int(np.argmax(counts))
    differs = column.ok & (column.codes != common)
    rows = checked.rows[differs]
    return [_problem(checked.source, int(rows[0]), fld.name,
                     NOT_CONSTANT.format(rows=describe_rows(rows)),
                     "one value throughout the file: " + fld.expected_description())]


