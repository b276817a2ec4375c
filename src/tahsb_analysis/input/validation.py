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

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import TABLE_NAMES, Codebook, Field, Table, load_codebook
from tahsb_analysis.input.cohort import Cohort, missing_column
from tahsb_analysis.input.identifiers import (
    column_labels,
    identifier_kinds_of_header_cells,
    screen_identifiers,
)
from tahsb_analysis.input.problems import (
    PROBLEM_COLUMNS,
    ROWS_PER_PROBLEM,
    InputValidationError,
    bounded_rows,
    cap_problems_per_file,
    describe_rows,
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

# Problem wording, one place, so the CLI, the tests and the documentation agree.
EMPTY_FILE = "file is empty (no header row)"
NO_DATA_ROWS = "file has no data rows"
MISSING_COLUMN = "required column is missing"
UNKNOWN_COLUMN = "unknown column"
DATA_LIKE_COLUMN = "unknown column: its header cell looks like data, not a column name"
HEADER_LOOKS_LIKE_DATA = "the header row looks like data: is the header missing?"
UNNAMED_COLUMN = "column has no name in the header row"
REPEATED_COLUMN = "column name appears more than once in the header row"
NOT_THE_TABLE_HEADER = (
    "file was read only to row {row}: its header names none of the columns of the {table} "
    "table, so the rest of the file was not checked"
)
NOT_THE_TABLE_ROWS = (
    "file was read only to row {row}: on nearly every row from row {first} on, most cells "
    "break the codebook, so the rest of the file was not checked"
)
NOT_THE_TABLE_VALUES = (
    "file was read only to row {row}: from row {first} on, column {column} holds more than "
    "{count} different texts that are not its codes, so the rest of the file was not checked"
)
BLANK_CELL = "cell is blank"
MISSING_CODE_NOT_ALLOWED = "missing-value code is not allowed in this column"
NOT_A_CODE = "value is not one of the allowed codes"
CODE_CASE = "value differs from an allowed code only in upper/lower case"
NOT_AN_INTEGER = "value is not a whole number"
NOT_A_NUMBER = "value is not a number"
BELOW_MINIMUM = "value is below the minimum"
ABOVE_MAXIMUM = "value is above the maximum"
TOO_MANY_DECIMALS = "value has more decimal places than allowed"
NOT_A_YEARMONTH = "value is not a year and month written YYYY-MM"
PATTERN_MISMATCH = "value does not match the required pattern"
DUPLICATE_KEY = "duplicate of row {row}: same {key}"
DUPLICATE_KEY_SUMMARY = "duplicate of an earlier row: same {key}"
NOT_CONSTANT = (
    "column must hold the same value on every row; it differs from the most common value in {rows}"
)
UNKNOWN_CHILD = "case_id is not in the cases table"
NOT_IN_DEPTH = "child is not in the in-depth sample (in_depth_sample is no in the cases table)"
NO_CASE_FILE_ROW = "child is in the in-depth sample but has no row in the case_file table"
SETTING_MISMATCH = "setting does not match the setting of the behaviour type"
ONLINE_BUT_NO_TA_HSB = "online behaviour recorded but ta_hsb is no in the cases table"
OFFLINE_BUT_NO_OFFLINE_HSB = "offline behaviour recorded but offline_hsb is no in the cases table"
TA_HSB_WITHOUT_ONLINE = (
    "ta_hsb is yes but the behaviours table records no online behaviour for this child"
)
OFFLINE_HSB_WITHOUT_OFFLINE = (
    "offline_hsb is yes but the behaviours table records no offline behaviour for this child"
)
ONSET_AFTER_REFERRAL = "age at onset is not below the age at referral + 1 (cases table)"
FIRST_HSB_AFTER_REFERRAL = "age at first HSB is not below the age at referral + 1 (cases table)"
FIRST_HSB_AFTER_ONSET = (
    "age at first HSB is later than the child's earliest age at onset in the behaviours table"
)
PORN_TRIGGER_WITHOUT_OFFLINE = (
    "porn_trigger_offline is yes or no but offline_hsb is no in the cases table"
)

# ASCII digits only: Python's \d would also accept other scripts' digits.
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
_YEARMONTH = r"[0-9]{4}-(?:0[1-9]|1[0-2])"


def _problems_at(source: str, rows, column: str, problem, expected: str,
                 summary: str | None = None) -> pd.DataFrame:
    """One problem per row number in `rows`, for the first few rows, then one row counting the
    rest (`problems.bounded_rows`). `problem` may be one text per row (then `summary` says it in
    general words)."""
    rows, problem = bounded_rows(rows, problem, summary)
    return pd.DataFrame({
        "file": pd.Series([source] * len(rows), dtype=str),
        "row": pd.array(rows, dtype="Int64"),
        "column": pd.Series([column] * len(rows), dtype=str),
        "problem": pd.Series(problem, dtype=str),
        "expected": pd.Series([expected] * len(rows), dtype=str),
    })


def _problem(source: str, row, column: str, problem: str, expected: str) -> pd.DataFrame:
    return problems_frame([{"file": source, "row": row, "column": column, "problem": problem,
                            "expected": expected}])


# ---------------------------------------------------------------------------------------------
# Columns as distinct values plus codes: coded columns hold a handful of distinct texts, so each
# check runs once per distinct text and is copied to the rows with a numpy take.


@dataclass
class _Column:
    """One codebook column after its own checks."""

    codes: np.ndarray  # row -> position in `uniques`
    uniques: np.ndarray  # distinct texts, surrounding whitespace removed (object array)
    ok: np.ndarray  # row: the cell passed its own checks (a permitted missing code is ok)
    missing: np.ndarray  # row: the cell holds a permitted missing code
    numbers: np.ndarray | None = None  # row: number where ok and not missing, else NaN
    distinct: pd.Series | None = None  # `uniques` as str, for typed_table (not checked again)

    def text(self) -> np.ndarray:
        return self.uniques[self.codes]

    def value(self) -> np.ndarray:
        """Text of each cell that passed its checks (valid or permitted missing), else None."""
        values = self.text()
        values[~self.ok] = None
        return values

    def holds(self, *codes: str) -> np.ndarray:
        """Rows whose cell passed its checks and holds one of `codes`."""
        return np.isin(self.uniques, codes)[self.codes] & self.ok


def _raw_distinct(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct cells of a column as read (None and NaN are values here too).

    Computed once per column by `find_problems` and shared by the identifier screen, the cell
    checks and the typing: hashing a million text cells is the costly step of validation.
    """
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _distinct_text(column: pd.Series, distinct: tuple[np.ndarray, np.ndarray] | None = None
                   ) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct stripped texts of a column of str cells (None or NaN read as "").

    `distinct`: the column's `_raw_distinct`, when it has been computed already.
    """
    codes, uniques = distinct if distinct is not None else _raw_distinct(column)
    stripped = np.empty(len(uniques), dtype=object)
    stripped[:] = [cell.strip() if isinstance(cell, str) else "" for cell in uniques]
    if not (stripped == uniques).all():  # else every cell is text already stripped: distinct
        codes_of_stripped, distinct_text = pd.factorize(stripped)
        codes, stripped = codes_of_stripped[codes], np.asarray(distinct_text, dtype=object)
    return codes, pd.Series(stripped, dtype=str)


@dataclass
class _CheckedTable:
    """A table after its own checks: what the cross-table checks may rely on."""

    raw: RawTable
    spec: Table
    columns: dict[str, _Column] = field(default_factory=dict)  # codebook columns present
    duplicate: np.ndarray | None = None  # row repeats an earlier row's primary key

    @property
    def rows(self) -> np.ndarray:
        return np.asarray(self.raw.row_numbers, dtype=np.int64)

    @property
    def source(self) -> str:
        return self.raw.source

    def has(self, *columns: str) -> bool:
        return all(column in self.columns for column in columns)

    def all_ok(self, column: str) -> bool:
        return bool(self.columns[column].ok.all())


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
                                     _unknown_column_expected(name, spec)))
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
            column, found = _check_cells(checked, fld, frame.iloc[:, position], codebook_missing,
                                         None if distinct is None else distinct[position])
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

    @classmethod
    def of(cls, codebook: Codebook) -> _CodebookWords:
        fields = [fld for table in codebook.tables.values() for fld in table.fields]
        return cls(frozenset(fld.name.lower() for fld in fields),
                   frozenset(code.lower() for fld in fields
                             for code in (*fld.valid_codes, *fld.missing_values)))


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


def _unknown_column_expected(name: str, spec: Table) -> str:
    close = difflib.get_close_matches(name.lower(), spec.field_names, n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]}? (column names are lower case)" if close else ""
    if _other_separator(name):
        hint = ("; the file seems to use ; | or tabs between cells, but a CSV file needs "
                "commas")
    return f"only the codebook's columns of the {spec.name} table{hint}"


def _other_separator(name: str) -> bool:
    """The header cell holds column names separated by ";", "|" or a tab, not by commas."""
    return any(separator in name for separator in (";", "\t", "|"))


def _check_cells(checked: _CheckedTable, fld: Field, cells: pd.Series,
                 codebook_missing: set[str],
                 distinct: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[_Column, list[pd.DataFrame]]:
    """Check every cell of one column; at most one problem per cell (the first that applies)."""
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
        findings += [(wrong & ~case_only, NOT_A_CODE), (case_only, CODE_CASE)]
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
    for distinct_bad, problem in findings:
        distinct_bad = distinct_bad & ~bad
        bad |= distinct_bad
        if distinct_bad.any():
            hit = distinct_bad[codes]
            problems.append(_problems_at(checked.source, rows[hit], fld.name, problem, expected))
    ok_distinct = ~bad
    column = _Column(codes=codes, uniques=text.to_numpy(dtype=object), ok=ok_distinct[codes],
                     missing=allowed_missing[codes], distinct=text)
    if parsed is not None:
        column.numbers = np.where(ok_distinct & ~allowed_missing, parsed, np.nan)[codes]
    return column, problems


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


# ---------------------------------------------------------------------------------------------
# Cross-table checks


@dataclass
class _Children:
    """One entry per valid, first-seen case_id of the cases table."""

    ids: pd.Index
    cases_rows: np.ndarray  # row number of the child's cases row
    in_depth: np.ndarray  # code text or None (cell invalid or column absent)
    ta_hsb: np.ndarray
    offline_hsb: np.ndarray
    age_at_referral: np.ndarray  # NaN unless a valid, recorded age

    def positions(self, detail: _CheckedTable) -> np.ndarray:
        """For each row of `detail`, the position of its child here, or -1."""
        column = detail.columns["case_id"]
        distinct = self.ids.get_indexer(pd.Index(column.uniques, dtype=object))
        return np.where(column.ok, distinct[column.codes], -1)


def _children(cases: _CheckedTable) -> _Children:
    keep = cases.columns["case_id"].ok & ~cases.duplicate
    count = int(keep.sum())

    def values(name: str) -> np.ndarray:
        if not cases.has(name):
            return np.full(count, None, dtype=object)
        return cases.columns[name].value()[keep]

    referral = (cases.columns["age_at_referral"].numbers[keep] if cases.has("age_at_referral")
                else np.full(count, np.nan))
    return _Children(
        ids=pd.Index(cases.columns["case_id"].text()[keep], dtype=object),
        cases_rows=cases.rows[keep],
        in_depth=values("in_depth_sample"),
        ta_hsb=values("ta_hsb"),
        offline_hsb=values("offline_hsb"),
        age_at_referral=referral,
    )


def _take(values: np.ndarray, positions: np.ndarray, fill=None) -> np.ndarray:
    """values[positions], with `fill` where the position is -1."""
    taken = values[np.maximum(positions, 0)] if len(values) else np.full(len(positions), fill)
    taken = taken.astype(object if fill is None else float)
    taken[positions < 0] = fill
    return taken


def _cross_table_problems(tables: dict[str, _CheckedTable], codebook: Codebook
                          ) -> list[tuple[str, pd.DataFrame]]:
    problems: list[tuple[str, pd.DataFrame]] = []
    cases = tables.get("cases")
    case_file = tables.get("case_file")
    behaviours = tables.get("behaviours")
    settings = codebook.behaviour_settings()

    if behaviours is not None and behaviours.has("behaviour_type", "setting"):
        problems += _setting_mismatch(behaviours, settings)
    if cases is None or not cases.has("case_id"):
        return problems

    children = _children(cases)
    in_depth = children.in_depth == "yes"
    detail_tables = {name: table for name, table in (("case_file", case_file),
                                                     ("behaviours", behaviours))
                     if table is not None and table.has("case_id")}
    positions: dict[str, np.ndarray] = {}
    belongs: dict[str, np.ndarray] = {}
    for name, detail in detail_tables.items():
        position = children.positions(detail)
        unknown = detail.columns["case_id"].ok & (position < 0)
        # With a broken case_id in cases, an id missing from cases may be that row's: the
        # broken cell is reported, and no foreign-key problem is added on top of it.
        if unknown.any() and cases.all_ok("case_id"):
            problems.append((name, _problems_at(
                detail.source, detail.rows[unknown], "case_id", UNKNOWN_CHILD,
                f"a case_id listed in {cases.source}")))
        child_in_depth = _take(children.in_depth, position)
        not_in_depth = (position >= 0) & (child_in_depth == "no")
        if not_in_depth.any():
            problems.append((name, _problems_at(
                detail.source, detail.rows[not_in_depth], "case_id", NOT_IN_DEPTH,
                f"rows only for children with in_depth_sample = yes in {cases.source}")))
        positions[name] = position
        # Rows of in-depth children, each once: the rows the consistency checks judge.
        belongs[name] = (position >= 0) & (child_in_depth == "yes") & ~detail.duplicate

    if "case_file" in detail_tables and case_file.all_ok("case_id"):
        listed = np.zeros(len(children.ids), dtype=bool)
        listed[positions["case_file"][positions["case_file"] >= 0]] = True
        lacking = in_depth & ~listed
        if lacking.any():
            problems.append(("cases", _problems_at(
                cases.source, children.cases_rows[lacking], "in_depth_sample",
                NO_CASE_FILE_ROW,
                f"one row in {case_file.source} for every child with in_depth_sample = yes")))

    if "behaviours" in detail_tables and behaviours.has("behaviour_type"):
        problems += _behaviour_consistency(cases, children, in_depth, behaviours,
                                           positions["behaviours"], belongs["behaviours"],
                                           settings)

    if "case_file" in detail_tables:
        position = positions["case_file"]
        rows_ok = belongs["case_file"]
        if case_file.has("age_first_hsb"):
            problems += _onset_after_referral(case_file, "age_first_hsb", rows_ok, position,
                                              children, FIRST_HSB_AFTER_REFERRAL, cases.source)
        if case_file.has("porn_trigger_offline"):
            recorded = case_file.columns["porn_trigger_offline"].holds("yes", "no")
            wrong = rows_ok & recorded & (_take(children.offline_hsb, position) == "no")
            if wrong.any():
                problems.append(("case_file", _problems_at(
                    case_file.source, case_file.rows[wrong], "porn_trigger_offline",
                    PORN_TRIGGER_WITHOUT_OFFLINE,
                    "-8 (not applicable) when the child displayed no offline HSB")))
        if (case_file.has("age_first_hsb") and "behaviours" in detail_tables
                and behaviours.has("age_at_onset") and behaviours.all_ok("case_id")):
            problems += _first_hsb_after_onset(case_file, rows_ok, position, behaviours,
                                               positions["behaviours"], len(children.ids))
    return problems


def _type_settings(behaviours: _CheckedTable, settings: dict[str, str]) -> np.ndarray:
    """Per row: the codebook's setting of the behaviour type, None if the type is invalid."""
    column = behaviours.columns["behaviour_type"]
    distinct = np.array([settings.get(code) for code in column.uniques], dtype=object)
    setting = distinct[column.codes]
    setting[~column.ok] = None
    return setting


def _setting_mismatch(behaviours: _CheckedTable, settings: dict[str, str]):
    setting = behaviours.columns["setting"]
    implied = _type_settings(behaviours, settings)
    both_ok = setting.ok & behaviours.columns["behaviour_type"].ok
    wrong = both_ok & (setting.text() != implied)
    if not wrong.any():
        return []
    return [("behaviours", _problems_at(
        behaviours.source, behaviours.rows[wrong], "setting", SETTING_MISMATCH,
        "the setting the codebook gives the behaviour type (online or offline)"))]


def _behaviour_consistency(cases, children, in_depth, behaviours, position, rows_ok, settings):
    problems = []
    setting = _type_settings(behaviours, settings)
    online = setting == "online"
    offline = setting == "offline"
    for of_setting, flag, message in ((online, "ta_hsb", ONLINE_BUT_NO_TA_HSB),
                                      (offline, "offline_hsb", OFFLINE_BUT_NO_OFFLINE_HSB)):
        wrong = rows_ok & of_setting & (_take(getattr(children, flag), position) == "no")
        if wrong.any():
            problems.append(("behaviours", _problems_at(
                behaviours.source, behaviours.rows[wrong], "behaviour_type", message,
                f"{flag} = yes in {cases.source}, or no such behaviour for this child")))

    if behaviours.all_ok("case_id"):
        # A row whose case_id is broken could belong to any child: then no child is judged.
        count = len(children.ids)
        known = position >= 0
        has_online, has_offline, type_unknown = (np.zeros(count, dtype=bool) for _ in range(3))
        has_online[position[known & online]] = True
        has_offline[position[known & offline]] = True
        type_unknown[position[known & ~behaviours.columns["behaviour_type"].ok]] = True
        judged = in_depth & ~type_unknown
        for flag, has, setting_name, message in (
                ("ta_hsb", has_online, "online", TA_HSB_WITHOUT_ONLINE),
                ("offline_hsb", has_offline, "offline", OFFLINE_HSB_WITHOUT_OFFLINE)):
            lacking = judged & (getattr(children, flag) == "yes") & ~has
            if lacking.any():
                problems.append(("cases", _problems_at(
                    cases.source, children.cases_rows[lacking], flag, message,
                    f"at least one {setting_name} behaviour in {behaviours.source}, "
                    f"or {flag} = no")))

    if behaviours.has("age_at_onset"):
        problems += _onset_after_referral(behaviours, "age_at_onset", rows_ok, position,
                                          children, ONSET_AFTER_REFERRAL, cases.source)
    return problems


def _onset_after_referral(detail, column, rows_ok, position, children, message, cases_source):
    # Age at referral is in whole years, so a child referred at 14 may have been 14.9.
    onset = detail.columns[column].numbers
    referral = _take(children.age_at_referral, position, fill=np.nan)
    with np.errstate(invalid="ignore"):
        late = rows_ok & (onset >= referral + 1)
    if not late.any():
        return []
    return [(detail.spec.name, _problems_at(
        detail.source, detail.rows[late], column, message,
        f"an age below the child's age_at_referral in {cases_source} plus one year "
        "(age at referral is in whole years)"))]


def _first_hsb_after_onset(case_file, rows_ok, position, behaviours, behaviour_position, count):
    onset_column = behaviours.columns["age_at_onset"]
    known = behaviour_position >= 0
    earliest = np.full(count, np.inf)
    recorded = known & ~np.isnan(onset_column.numbers)
    np.minimum.at(earliest, behaviour_position[recorded], onset_column.numbers[recorded])
    # A child with an unreadable onset age is not judged: the unreadable one may be earliest.
    unreadable = np.zeros(count, dtype=bool)
    unreadable[behaviour_position[known & ~onset_column.ok]] = True
    first_hsb = case_file.columns["age_first_hsb"].numbers
    child_earliest = _take(earliest, position, fill=np.inf)
    child_unreadable = _take(unreadable, position, fill=True).astype(bool)
    with np.errstate(invalid="ignore"):
        late = rows_ok & ~child_unreadable & (first_hsb > child_earliest)
    if not late.any():
        return []
    return [("case_file", _problems_at(
        case_file.source, case_file.rows[late], "age_first_hsb", FIRST_HSB_AFTER_ONSET,
        f"an age no later than the earliest age_at_onset of the child's rows in "
        f"{behaviours.source}"))]


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
        parts.append((name, screen_identifiers(table, distinct,
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


def typed_table(raw: RawTable, spec: Table) -> pd.DataFrame:
    """The typed form of a table that passed every check (types as in cohort.py).

    Columns in codebook order, each field that allows missing codes followed by its
    `<field>__missing` column. The input is not modified.
    """
    return _typed_table(raw, spec)


def _typed_table(raw: RawTable, spec: Table, checked: _CheckedTable | None = None
                 ) -> pd.DataFrame:
    """`typed_table`, reusing the distinct texts of `checked` (the same table after
    `_check_table`) instead of computing them again."""
    names = [str(name) for name in raw.frame.columns]
    columns: dict[str, object] = {}
    for fld in spec.fields:
        column = None if checked is None else checked.columns.get(fld.name)
        if column is not None and column.distinct is not None:
            codes, text = column.codes, column.distinct
        else:
            codes, text = _distinct_text(raw.frame.iloc[:, names.index(fld.name)])
        distinct_missing = text.isin(fld.missing_values).to_numpy(dtype=bool)
        missing = distinct_missing[codes]
        if fld.is_boolean:
            truth = text.isin(fld.true_values).to_numpy(dtype=bool)[codes]
            values = pd.arrays.BooleanArray(truth, missing.copy())
        elif fld.is_categorical:
            category = pd.Index(fld.valid_codes, dtype=object).get_indexer(
                pd.Index(text.to_numpy(dtype=object), dtype=object))
            values = pd.Categorical.from_codes(category[codes], categories=list(fld.valid_codes),
                                               ordered=fld.categories_ordered)
        elif fld.type in ("integer", "number"):
            number = pd.to_numeric(text.where(~distinct_missing), errors="raise")
            number = number.to_numpy(dtype=float)[codes]
            values = (pd.arrays.IntegerArray(np.nan_to_num(number).astype(np.int64), missing.copy())
                      if fld.type == "integer"
                      else pd.arrays.FloatingArray(np.nan_to_num(number), missing.copy()))
        else:
            present = text.to_numpy(dtype=object)[codes]
            present[missing] = None
            values = pd.array(present, dtype="string")
        columns[fld.name] = values
        if fld.missing_codes:
            which = pd.Index(fld.missing_values, dtype=object).get_indexer(
                pd.Index(text.to_numpy(dtype=object), dtype=object))
            columns[missing_column(fld.name)] = pd.Categorical.from_codes(
                which[codes], categories=list(fld.missing_values))
    return pd.DataFrame(columns, index=pd.RangeIndex(len(raw.frame)))


def validate_cohort(paths: Mapping[str, str | Path], codebook: Codebook | None = None
                    ) -> Cohort:
    """Read and check the three files; return the typed `Cohort` or raise
    `InputValidationError` listing every problem. Nothing is written either way."""

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
    if unreadable or len(problems):
        everything = pd.concat([*unreadable, problems], ignore_index=True)
        raise InputValidationError(everything)
    tables = {name: _typed_table(raw[name], codebook.table(name), checked[name])
              for name in TABLE_NAMES}
    label = str(tables["cases"]["cohort"].iloc[0])
    synthetic = bool(tables["cases"]["data_origin"].iloc[0] == "synthetic")
    sources = {name: {"file": raw[name].source, "sha256": _sha256(paths[name]),
                      "rows": int(len(raw[name].frame))} for name in TABLE_NAMES}
    return Cohort(**tables, label=label, synthetic=synthetic, sources=sources,
                  codebook_version=codebook.version)


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
        start = read_table_as_text(path, max_lines=PROBE_LINES)
        if start.complete:
            return start, None
        why = _clearly_not_the_table(start, spec, codebook)
        return (start, why) if why is not None else (read_table_as_text(path), None)
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
