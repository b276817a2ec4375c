"""The problem table: how every input problem is recorded and shown.

One row per problem with the file, the row as the user sees it in the file, the column, the
problem and what was expected. Cell values are never part of it, so the table can be shown,
logged or shared without disclosing anything about a child.
"""

from __future__ import annotations

import textwrap

import pandas as pd

PROBLEM_COLUMNS = ("file", "row", "column", "problem", "expected")
_SHOWN_ROWS = 3


class InputValidationError(Exception):
    """The input files break the codebook; `problems` lists every problem found.

    `problems` has exactly the columns file, row, column, problem, expected (row is Int64, <NA>
    for a problem about a whole file or column; column is "" when not about one column).
    """

    def __init__(self, problems: pd.DataFrame):
        self.problems = _sorted_by_file_and_row(problems_frame(problems))
        super().__init__(_summary_line(len(self.problems)))

    def __reduce__(self):  # so the error survives pickling (e.g. between worker processes)
        return (type(self), (self.problems,))

    def __str__(self) -> str:
        return format_problems(self.problems)


def problems_frame(records=None) -> pd.DataFrame:
    """A problem table with the fixed columns and dtypes, from dict records or a DataFrame."""
    frame = pd.DataFrame(records if records is not None else [], columns=list(PROBLEM_COLUMNS))
    frame = frame.loc[:, list(PROBLEM_COLUMNS)]
    return pd.DataFrame({
        "file": frame["file"].astype(str),
        "row": _as_row_numbers(frame["row"]),
        "column": frame["column"].fillna("").astype(str),
        "problem": frame["problem"].astype(str),
        "expected": frame["expected"].fillna("").astype(str),
    })


def _sorted_by_file_and_row(problems: pd.DataFrame) -> pd.DataFrame:
    # Stable, so problems already in codebook order within a row keep that order.
    return problems.sort_values(["file", "row"], na_position="first", kind="stable"
                                ).reset_index(drop=True)


def _as_row_numbers(rows: pd.Series) -> pd.Series:
    if isinstance(rows.dtype, pd.Int64Dtype):
        return rows
    return pd.Series(pd.array([None if pd.isna(r) else int(r) for r in rows], dtype="Int64"),
                     index=rows.index)


def describe_rows(rows) -> str:
    """'row 4', 'rows 2, 5 and 9' or 'rows 2, 5, 9 and 12 more' for messages."""
    count = len(rows)
    shown = [str(int(row)) for row in rows[:_SHOWN_ROWS]]
    if count == 1:
        return f"row {shown[0]}"
    if count <= _SHOWN_ROWS:
        return "rows " + ", ".join(shown[:-1]) + f" and {shown[-1]}"
    return "rows " + ", ".join(shown) + f" and {count - _SHOWN_ROWS} more"


def _summary_line(count: int) -> str:
    return f"{count} problem(s) found in the input; nothing was written."


_WIDTHS = {"file": 24, "row": 6, "column": 24, "problem": 48, "expected": 48}


def format_problems(problems: pd.DataFrame, limit: int | None = None) -> str:
    """The problem table as fixed-width text for a terminal or a log.

    The first line says how many problems there are; `limit` shows only the first rows.
    """
    problems = problems_frame(problems)
    lines = [_summary_line(len(problems))]
    if len(problems) == 0:
        return lines[0]
    shown = problems if limit is None else problems.iloc[:limit]
    cells = pd.DataFrame({
        "file": shown["file"],
        "row": shown["row"].map(lambda r: "-" if pd.isna(r) else str(int(r))).astype(str),
        "column": shown["column"].replace("", "-"),
        "problem": shown["problem"],
        "expected": shown["expected"],
    })
    widths = {name: max(len(name), min(_WIDTHS[name], int(cells[name].str.len().max())))
              for name in PROBLEM_COLUMNS}
    header = "  ".join(name.ljust(widths[name]) for name in PROBLEM_COLUMNS).rstrip()
    lines += ["", header, "  ".join("-" * widths[name] for name in PROBLEM_COLUMNS)]
    for record in cells.itertuples(index=False):
        wrapped = {name: textwrap.wrap(getattr(record, name), widths[name],
                                       break_long_words=True, break_on_hyphens=False) or [""]
                   for name in PROBLEM_COLUMNS}
        height = max(len(parts) for parts in wrapped.values())
        for line in range(height):
            lines.append("  ".join(
                (wrapped[name][line] if line < len(wrapped[name]) else "").ljust(widths[name])
                for name in PROBLEM_COLUMNS).rstrip())
    if limit is not None and len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problem(s)")
    return "\n".join(lines)
