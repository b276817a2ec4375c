"""The problem table: how every input problem is recorded and shown.

One row per problem with the file, the row as the user sees it in the file, the column, the
problem and what was expected. Cell values are never part of it, so the table can be shown,
logged or shared without disclosing anything about a child. Header cells are values too: a
column is named by its codebook name, or by its position ("column 3") when the header does not
hold a codebook name.

The table stays small whatever the input: a problem that affects many rows of a column is
listed for its first `ROWS_PER_PROBLEM` rows, then once more as a summary naming how many more
rows have it; and a file lists at most `MAX_PROBLEMS_PER_FILE` problems, then one line counting
the rest.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

PROBLEM_COLUMNS = ("file", "row", "column", "problem", "expected")
_SHOWN_ROWS = 3
# Rows listed one by one for each problem of a column; the rest are counted in one summary row.
ROWS_PER_PROBLEM = 3
MORE_ROWS = "{problem}: and {count} more rows with this problem ({rows})"
# Problems listed for one file; the rest are counted in one last row.
MAX_PROBLEMS_PER_FILE = 100
MORE_PROBLEMS = "... and {count} more problems in this file (fix those listed first)"
MORE_PROBLEMS_EXPECTED = "run the check again after fixing the problems listed"
_MORE_PROBLEMS_START = MORE_PROBLEMS.split("{", 1)[0]


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
    # Stable, so problems already in codebook order within a row keep that order; the count of
    # problems not listed stays the last line of its file.
    last = problems["problem"].str.startswith(_MORE_PROBLEMS_START).to_numpy(dtype=bool)
    order = problems.assign(_last=last).sort_values(["file", "_last", "row"],
                                                    na_position="first", kind="stable")
    return problems.loc[order.index].reset_index(drop=True)


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


def column_label(position: int) -> str:
    """How a column whose header is not a codebook name is named: 'column 3' (1-based)."""
    return f"column {int(position)}"


def bounded_rows(rows, problem, summary: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows and problem texts to list for one problem of one column.

    `rows`: every row with the problem; `problem`: one text, or one text per row; `summary`: the
    problem in general words when the texts differ per row (default: `problem`). The first
    `ROWS_PER_PROBLEM` rows are kept; the rest become one row (at the first of them) whose text
    counts and describes them. Only the kept texts are built, so a million rows cost nothing.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if np.ndim(problem) == 0:
        texts = np.full(min(len(rows), ROWS_PER_PROBLEM + 1), problem, dtype=object)
        summary = problem if summary is None else summary
    else:
        texts = np.asarray(problem, dtype=object)[:ROWS_PER_PROBLEM + 1].copy()
    if len(rows) <= ROWS_PER_PROBLEM + 1:
        return rows, texts[:len(rows)]
    if summary is None:
        raise ValueError("a summary text is needed when the problem differs per row")
    rest = rows[ROWS_PER_PROBLEM:]
    texts[ROWS_PER_PROBLEM] = MORE_ROWS.format(problem=summary, count=len(rest),
                                               rows=describe_rows(rest))
    return rows[:ROWS_PER_PROBLEM + 1], texts


def cap_problems_per_file(problems: pd.DataFrame) -> pd.DataFrame:
    """At most `MAX_PROBLEMS_PER_FILE` problems of each file (in the given order), then one row
    counting the rest of that file's problems."""
    counts = problems["file"].value_counts()
    if len(problems) == 0 or counts.max() <= MAX_PROBLEMS_PER_FILE + 1:
        return problems
    position = problems.groupby("file", sort=False).cumcount().to_numpy()
    keep = position < MAX_PROBLEMS_PER_FILE
    extra = []
    for file, count in counts.items():
        if count > MAX_PROBLEMS_PER_FILE + 1:
            extra.append({"file": file, "row": None, "column": "",
                          "problem": MORE_PROBLEMS.format(count=count - MAX_PROBLEMS_PER_FILE),
                          "expected": MORE_PROBLEMS_EXPECTED})
        else:
            keep |= (problems["file"] == file).to_numpy()
    kept = problems.loc[keep]
    # The count goes after the file's last listed problem.
    frames = []
    for file in dict.fromkeys(kept["file"]):
        frames.append(kept[kept["file"] == file])
        frames += [problems_frame([row]) for row in extra if row["file"] == file]
    return problems_frame(pd.concat(frames, ignore_index=True))


def _summary_line(count: int) -> str:
    return f"{count} problem(s) found in the input; nothing was written."


# Widest a column gets before its text wraps; row numbers never wrap (None: as wide as needed).
_WIDTHS = {"file": 24, "row": None, "column": 24, "problem": 48, "expected": 48}


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
    longest = {name: int(cells[name].str.len().max()) for name in PROBLEM_COLUMNS}
    widths = {name: max(len(name), longest[name] if _WIDTHS[name] is None
                        else min(_WIDTHS[name], longest[name]))
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
