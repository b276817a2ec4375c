"""The validated, typed form of one cohort, and how it is stored between workflow rules.

A `Cohort` is only ever built by `validation.validate_cohort`, so holding one means the three
tables passed every check of the codebook. Typed columns:

* yes/no fields -> pandas "boolean"; categorical fields -> pandas Categorical with the codebook's
  valid codes (ordered where the codebook says so); integers -> "Int64"; numbers -> "Float64";
  ids, labels and year-months -> "string".
* A missing-value code leaves <NA> in the value column. Every field that allows missing codes
  has a companion column "<field>__missing" (Categorical of that field's missing codes, e.g.
  "-9", "-8"), <NA> where the value is present, so "not recorded" and "not applicable" stay apart.

`codings` holds the double coding, when the cohort declares one (input/double_coding.py): the
typed case_file rows of every coder for the children more than one coder coded, with a `coder`
column first ("A" for the cohort's own case_file table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tahsb_analysis.input.codebook import TABLE_NAMES

MISSING_SUFFIX = "__missing"
METADATA_FILE = "cohort.json"
CODINGS_FILE = "double_coding.parquet"
CODER_COLUMN = "coder"


def missing_column(field_name: str) -> str:
    """Name of the companion column that holds the missing-value code of `field_name`."""
    return field_name + MISSING_SUFFIX


@dataclass(frozen=True)
class Cohort:
    cases: pd.DataFrame
    case_file: pd.DataFrame
    behaviours: pd.DataFrame
    label: str
    synthetic: bool
    # table name -> {"file": file name (no directories), "sha256": hex digest, "rows": int}
    sources: dict[str, dict] = field(default_factory=dict)
    codebook_version: str = ""
    # every coder's case_file rows of the double-coded children (empty: no double coding)
    codings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({CODER_COLUMN: pd.Series([], dtype="string")}))
    # coder label -> {"file", "sha256", "rows"} of the other coders' tables
    coder_sources: dict[str, dict] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLE_NAMES:
            raise KeyError(f"no table {name!r}; tables are {TABLE_NAMES}")
        return getattr(self, name)

    @property
    def display_label(self) -> str:
        """The cohort label as every output should show it: flagged when synthetic."""
        return f"{self.label} (SYNTHETIC)" if self.synthetic else self.label

    def metadata(self) -> dict:
        return {
            "cohort": self.label,
            "synthetic": self.synthetic,
            "codebook_version": self.codebook_version,
            "sources": self.sources,
            "rows": {name: int(len(self.table(name))) for name in TABLE_NAMES},
            "double_coding": self.coder_sources,
        }


def id_positions(values, ids) -> np.ndarray:
    """Position of each of `values` among `ids`, -1 where it is absent or missing.

    How the tables of a cohort are joined on case_id. Both are compared as text; `ids` is a
    key (each id once; a repeated id would match its first position). A hash lookup in Arrow
    (`pyarrow.compute.index_in`): Series.isin, Series.map and Index.get_indexer turn Arrow
    strings into Python objects first, which for a million children takes seconds.

    Parameters
    ----------
    values, ids : Series, Index or array-like of str
        Missing values (<NA>, None) never match.

    Returns
    -------
    numpy.ndarray of intp
        As ``pandas.Index(ids).get_indexer(values)`` for unique `ids`.
    """
    found = pc.index_in(_arrow_text(values), value_set=_arrow_text(ids), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)


def _arrow_text(values) -> pa.Array:
    text = pd.Series(values, copy=False).astype("string").array
    array = pa.array(text)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def write_cohort(cohort: Cohort, directory: str | Path) -> None:
    """Write the typed tables as Parquet plus a metadata file into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        cohort.table(name).to_parquet(directory / f"{name}.parquet", index=False)
    cohort.codings.to_parquet(directory / CODINGS_FILE, index=False)
    with open(directory / METADATA_FILE, "w", encoding="utf-8") as handle:
        json.dump(cohort.metadata(), handle, indent=2, sort_keys=True)
        handle.write("\n")


def read_cohort(directory: str | Path) -> Cohort:
    """Read a cohort written by `write_cohort` (types survive the Parquet round trip)."""
    directory = Path(directory)
    with open(directory / METADATA_FILE, encoding="utf-8") as handle:
        meta = json.load(handle)
    tables = {name: pd.read_parquet(directory / f"{name}.parquet") for name in TABLE_NAMES}
    codings = {}
    if (directory / CODINGS_FILE).exists():
        codings["codings"] = pd.read_parquet(directory / CODINGS_FILE)
    return Cohort(
        **tables,
        label=meta["cohort"],
        synthetic=bool(meta["synthetic"]),
        sources=meta.get("sources", {}),
        codebook_version=meta.get("codebook_version", ""),
        coder_sources=meta.get("double_coding", {}),
        **codings,
    )
