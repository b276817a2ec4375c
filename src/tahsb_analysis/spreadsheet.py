"""Text written to a CSV file can become a live formula when the file is opened in a spreadsheet.

OWASP's guidance on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection): a
cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab (0x09) or a carriage return (0x0D)
is prefixed with a single quote, so that Excel, LibreOffice and Google Sheets show it as text
instead of evaluating it (``=HYPERLINK(...)`` could otherwise send data to a web site). Numbers
are left as numbers: only text cells are changed, and the writer quotes any cell holding the
separator, a quote or a line break, as the csv module always does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def neutralise_formula(text):
    """`text` with a single quote in front if a spreadsheet could take it for a formula.

    Anything that is not a str (a number, None, NaN, <NA>) is returned unchanged.
    """
    if isinstance(text, str) and text.startswith(FORMULA_PREFIXES):
        return _ESCAPE + text
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a spreadsheet formula (column names too).

    Numeric, boolean and date columns are not touched; in other columns only str cells change.
    """
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if _may_hold_text(values):
            array = values.to_numpy(dtype=object, na_value=None)
            changed = np.array([neutralise_formula(cell) for cell in array], dtype=object)
            if any(a is not b for a, b in zip(array, changed, strict=True)):
                values = pd.Series(changed, index=values.index, dtype=object)
        columns[name] = values
    result = pd.DataFrame(columns, index=frame.index)
    result.columns = [neutralise_formula(str(name)) if isinstance(name, str) else name
                      for name in frame.columns]
    return result


def _may_hold_text(values: pd.Series) -> bool:
    return (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
            or isinstance(values.dtype, pd.CategoricalDtype))


def to_csv_neutralised(frame: pd.DataFrame, path=None, **options):
    """`frame.to_csv(path, **options)` after `neutralise_frame` (index off unless asked for)."""
    options.setdefault("index", False)
    return neutralise_frame(frame).to_csv(path, **options)
