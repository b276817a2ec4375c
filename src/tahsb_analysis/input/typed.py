"""The typed form of a table that passed every check (types as in cohort.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.input.checked import (
    _CheckedTable,
    _distinct_text,
)
from tahsb_analysis.input.codebook import Table
from tahsb_analysis.input.cohort import missing_column
from tahsb_analysis.input.readers import (
    RawTable,
)


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


