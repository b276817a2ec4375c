"""Months that Excel turned into dates.

Typing 2015-03 into a cell that is not formatted as text makes Excel store the first of March
2015 as a date; formatting the column as text afterwards leaves the date's serial number (42064).
Either way every cell of the column then breaks the YYYY-MM rule, and a date shown with its day
looks like a full date to the identifier screen. This module finds such cells so that validation
reports them once per column, with the remedy, instead of once per cell.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Excel's day 0 for serial numbers (the 1900 date system, counting its phantom 29 February 1900).
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers read as dates: 1 January 1950 to 31 December 2099, beyond any case file.
FIRST_SERIAL = (dt.date(1950, 1, 1) - EXCEL_EPOCH).days
LAST_SERIAL = (dt.date(2099, 12, 31) - EXCEL_EPOCH).days
# How the reader writes a date cell that Excel made of a typed month: midnight of the first.
_FIRST_OF_MONTH = r"[0-9]{4}-(?:0[1-9]|1[0-2])-01"


def excel_serial_date(serial: int) -> dt.date:
    """The date that an Excel serial number stands for (1900 date system, serials after
    28 February 1900)."""
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def excel_made_dates(cells: pd.Series, date_cells: np.ndarray | None,
                     distinct: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Which cells of a month column hold an Excel date: a cell Excel stored as a date
    (`date_cells`, from the reader) or a whole number that is a date's serial (1950-2099).

    `distinct`: the column's codes and distinct cells (`pandas.factorize`), when known: each
    distinct text is looked at once."""
    codes, uniques = distinct if distinct is not None else pd.factorize(
        cells.to_numpy(dtype=object), use_na_sentinel=False)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    serial = text.str.fullmatch(r"[0-9]{5}").to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.where(serial), errors="coerce").to_numpy(dtype=float)
    serial = serial & (numbers >= FIRST_SERIAL) & (numbers <= LAST_SERIAL)
    found = serial[codes]
    if date_cells is not None:
        found = found | date_cells
    return found


def first_of_month_dates(cells: pd.Series, date_cells: np.ndarray | None) -> np.ndarray:
    """Which date cells of a month column are midnight on the first of a month: what typing a
    month makes, so no day of anything is in them (other date cells are full dates)."""
    if date_cells is None:
        return np.zeros(len(cells), dtype=bool)
    text = cells.astype(str).str.strip()
    return date_cells & text.str.fullmatch(_FIRST_OF_MONTH).to_numpy(dtype=bool)
