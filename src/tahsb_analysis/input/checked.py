"""A table after its own checks: columns as distinct texts plus codes, and the problem rows
that checks build (never holding a cell's value)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import Table
from tahsb_analysis.input.problems import (
    bounded_rows,
    problems_frame,
)
from tahsb_analysis.input.readers import (
    RawTable,
)


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


