"""Fill the coder's workbook with a cohort's values as a coder would leave them in Excel."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from tahsb_analysis.input.codebook import TABLE_NAMES, Field, load_codebook
from tahsb_analysis.input.workbook import write_workbook


def stored_value(text: str, fld: Field):
    """What Excel keeps of a typed text: text in a column formatted as text (ids, labels,
    months); a number for numbers typed in a General column; a code as text, except a
    missing-value code chosen from a drop-down list, which Excel stores as the number -9."""
    if fld.type == "yearmonth" or (fld.type == "string" and not fld.is_categorical):
        return text
    if text in fld.missing_values or fld.type in ("integer", "number"):
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


def fill_workbook(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """Generate the coder's workbook at `path` and fill each table's sheet with `frames`
    (every cell a str, columns named as in the codebook)."""
    codebook = load_codebook()
    write_workbook(path)
    workbook = openpyxl.load_workbook(path)
    for table in TABLE_NAMES:
        sheet = workbook[table]
        fields = codebook.table(table).fields
        for values in frames[table].to_dict(orient="records"):
            sheet.append([stored_value(values[fld.name], fld) for fld in fields])
    workbook.save(path)
    return path


def read_csv_frames(directory: Path) -> dict[str, pd.DataFrame]:
    """A cohort's three CSV files as text frames."""
    return {table: pd.read_csv(directory / f"{table}.csv", dtype=str, keep_default_na=False)
            for table in TABLE_NAMES}
