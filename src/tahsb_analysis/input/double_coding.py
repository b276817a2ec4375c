"""Other coders' codings of a subset of the case files, for inter-rater reliability.

Only the `case_file` table is double-coded: it holds the fields a coder reads off a child's
case file (backgrounds, the pornography trigger, professional responses), one row per child.
The `cases` table is the service's list of children (the prevalence cohort), and a behaviour
row has no identity across coders (coders may code different numbers of behaviours), so
neither is recoded.

A second coder's table is checked by the same code as the first coder's (`_find_problems`):
every cell against the codebook, and against the first coder's `cases` table (a known child
of the in-depth sample, pornography trigger -8 when the child displayed no offline HSB, first
HSB before referral). It may cover any subset of the in-depth children, so "every in-depth child
has a case_file row" is the one cross-table rule not applied. Problems name the coder's file
with the coder's label, "case_file_b.csv (coder B)", so two files of the same name stay apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from tahsb_analysis.input.codebook import Codebook
from tahsb_analysis.input.cohort import CODER_COLUMN
from tahsb_analysis.input.readers import RawTable

CODED_TABLE = "case_file"
# The first coder's label: the cohort's own case_file table.
FIRST_CODER = "A"


def coder_source(path: str | Path, coder: str) -> str:
    """How problems name a coder's file: its name and the coder's label."""
    return f"{Path(path).name} (coder {coder})"


def coder_problems(raw: RawTable, cases, codebook: Codebook):
    """The problems of one coder's case_file table, and its checked form for typing.

    `cases`: the first coder's checked cases table, or None when it could not be read (then
    the table is checked on its own)."""
    from tahsb_analysis.input.cross_table import _cross_table_problems
    from tahsb_analysis.input.validation import _find_problems, _sorted_problems

    own, checked = _find_problems({CODED_TABLE: raw}, codebook)
    parts = [(CODED_TABLE, own)]
    if cases is not None:
        parts += [(name, frame) for name, frame in _cross_table_problems(
            {"cases": cases, CODED_TABLE: checked[CODED_TABLE]}, codebook)
            if name == CODED_TABLE]
    return _sorted_problems(parts, codebook), checked[CODED_TABLE]


def labelled(raw: RawTable, path: str | Path, coder: str) -> RawTable:
    return dataclasses.replace(raw, source=coder_source(path, coder))


def check_coders(coders: Sequence[Mapping]) -> None:
    """Raise ValueError unless every coder has a distinct label other than the first coder's
    and names a case_file table."""
    labels = [str(entry.get("coder", "")) for entry in coders]
    if FIRST_CODER in labels:
        raise ValueError(f"coder label {FIRST_CODER!r} is the first coder's (the cohort's own "
                         "case_file table); give the other coders other labels")
    if len(set(labels)) != len(labels) or "" in labels:
        raise ValueError("every coder of double_coding needs a distinct, non-empty label")
    for entry in coders:
        if CODED_TABLE not in entry:
            raise ValueError(f"coder {entry['coder']!r}: name the coder's {CODED_TABLE} table")


def stacked_codings(first: pd.DataFrame, others: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every coder's typed case_file rows in one frame with a `coder` column first: the first
    coder's rows for the children another coder coded, then each other coder's rows."""
    if not others:
        return pd.DataFrame({CODER_COLUMN: pd.Series([], dtype="string")})
    recoded = set().union(*(set(frame["case_id"].astype(str)) for frame in others.values()))
    recoded_rows = first[first["case_id"].astype(str).isin(recoded)]
    parts = [recoded_rows.assign(**{CODER_COLUMN: FIRST_CODER})]
    parts += [frame.assign(**{CODER_COLUMN: coder}) for coder, frame in others.items()]
    frame = pd.concat(parts, ignore_index=True)
    frame[CODER_COLUMN] = frame[CODER_COLUMN].astype("string")
    return frame[[CODER_COLUMN, *first.columns]]
