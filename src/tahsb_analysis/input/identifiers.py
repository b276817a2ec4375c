"""Refuse direct identifiers before anything else looks at an input table.

Two screens: column names that look like identifiers (name, date of birth, postcode, ...), and
values in any column that look like one (a UK postcode, a full date, also written as eight digits
inside an id, an NHS number, an e-mail address, a UK phone number, free text). A header cell is
screened both ways, because a header cell may be a value (when the header row is missing).
Problems name the file, the column and the rows, never the value, and never a header cell: a
column whose header is not a codebook name is named by its position ("column 3"). The screen
errs towards refusing: a false alarm costs an edit, a leak cannot be undone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tahsb_analysis.input.problems import column_label, describe_rows, problems_frame

if TYPE_CHECKING:
    from tahsb_analysis.input.readers import RawTable

COLUMN_NAME_PROBLEM = (
    "column name looks like a direct identifier ({kind}); it must not be in the input"
)
COLUMN_NAME_EXPECTED = "only the codebook's coded columns: remove this column"
VALUE_PROBLEM = "{values} in {rows} {verb} like {kind} (values are never shown)"
VALUE_EXPECTED = (
    "coded values only: no postcodes, full dates (also not as eight digits inside an id), NHS "
    "numbers, e-mail addresses, phone numbers or free text"
)

# Column names: (kind, parts of the name squeezed together, whole words of the name).
_NAME_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("a name", ("firstname", "lastname", "surname", "forename", "fullname", "givenname",
                "familyname", "middlename", "maidenname", "nickname", "username", "childname",
                "christianname", "preferredname", "knownas"),
     ("name", "names", "initials")),
    ("a date of birth", ("birth", "dateofbirth"), ("dob",)),
    ("a postcode", ("postcode", "postalcode", "zipcode"), ("zip",)),
    ("an address", ("address",), ("addr", "street")),
    ("an NHS number", ("nhsnumber", "nhsno", "chinumber"), ("nhs",)),
    ("an e-mail address", ("email",), ("mail",)),
    ("a phone number", ("phone", "contactnumber"), ("mobile", "tel", "telno", "landline")),
    ("a national insurance number", ("nationalinsurance", "ninumber"), ("nino",)),
    ("a pupil or learner number", ("pupilnumber", "learnernumber"), ("upn", "uln")),
    ("a passport or social security number", ("passport", "socialsecurity"), ("ssn",)),
)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# Written without look-around or \\s so that pandas can hand them to pyarrow's fast RE2 engine
# instead of looping over the values in Python.
_SPACE = r"[ \t]"
# A date of digits is bounded by anything but a digit (not \\b): "AB2009-04-03" is a date too.
_NOT_DIGIT_BEFORE = r"(?:^|[^0-9])"
_NOT_DIGIT_AFTER = r"(?:$|[^0-9])"
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_MONTH_NUMBER = r"(?:0[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
_VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a UK postcode", rf"(?i)\b[a-z]{{1,2}}[0-9][a-z0-9]?{_SPACE}*[0-9][a-z]{{2}}\b"),
    ("a full date",
     rf"(?i)(?:{_NOT_DIGIT_BEFORE}[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{2,4}}{_NOT_DIGIT_AFTER}"
     rf"|{_NOT_DIGIT_BEFORE}[0-9]{{4}}[/.-][0-9]{{1,2}}[/.-][0-9]{{1,2}}{_NOT_DIGIT_AFTER}"
     # compact dates, YYYYMMDD or DDMMYYYY, alone or inside an id ("AB20090403")
     rf"|{_NOT_DIGIT_BEFORE}{_YEAR}{_MONTH_NUMBER}{_DAY}{_NOT_DIGIT_AFTER}"
     rf"|{_NOT_DIGIT_BEFORE}{_DAY}{_MONTH_NUMBER}{_YEAR}{_NOT_DIGIT_AFTER}"
     rf"|\b\d{{1,2}}(?:st|nd|rd|th)?[ \t./-]+(?:of{_SPACE}+)?{_MONTH}\.?[ \t,./-]+\d{{2,4}}\b"
     rf"|\b{_MONTH}\.?{_SPACE}+\d{{1,2}}(?:st|nd|rd|th)?,?{_SPACE}+\d{{2,4}}\b)"),
    ("an NHS number", r"(?:^|[^\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?:$|[^\d])"),
    ("an e-mail address", r"[^ \t@]+@[^ \t@]+\.[A-Za-z]{2,}"),
    ("a UK phone number",
     rf"(?:^|[^\d])(?:\+44{_SPACE}?(?:\(0\){_SPACE}?)?|0044{_SPACE}?|\(?0)"
     r"(?:\d[ \t)-]{0,2}){8,9}\d(?:$|[^\d])"),
)
FREE_TEXT_KIND = "free text"
FREE_TEXT_MAX_CHARACTERS = 40
FREE_TEXT_MAX_WORDS = 5


def identifier_kind_of_column(name: str) -> str | None:
    """What kind of direct identifier a column name suggests ("a postcode", ...), or None."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name)).lower()
    words = [word for word in re.split(r"[^a-z0-9]+", spaced) if word]
    squeezed = "".join(words)
    for kind, parts, whole_words in _NAME_RULES:
        if any(part in squeezed for part in parts) or any(w in words for w in whole_words):
            return kind
    return None


def identifier_kind_of_header_cell(name: str) -> str | None:
    """What kind of direct identifier a header cell suggests, as a column name ("a name") or,
    should the header be a row of data, as a value ("a UK postcode"; free text does not count:
    a long column name is no identifier). None if neither."""
    return identifier_kinds_of_header_cells([name])[0]


def identifier_kinds_of_header_cells(names: Sequence[str]) -> list[str | None]:
    """`identifier_kind_of_header_cell` of every cell of a header row, screened at once."""
    names = [str(name) for name in names]
    if not names:
        return []
    value_kinds = identifier_kinds_of_values(pd.Series(names, dtype=str))
    kinds = []
    for position, name in enumerate(names):
        kind = identifier_kind_of_column(name)
        if kind is None:
            kind = next((value_kind for value_kind, hit in value_kinds.items()
                         if hit[position] and value_kind != FREE_TEXT_KIND), None)
        kinds.append(kind)
    return kinds


def column_labels(raw: RawTable, field_names) -> list[str]:
    """How to name each column of `raw` in problems: its name if that is one of `field_names`
    (the first column of that name), else its position in the file ("column 3"). A header cell
    that is not a codebook name is never shown."""
    seen = set()
    labels = []
    for position, name in enumerate(raw.frame.columns):
        name = str(name)
        labels.append(name if name in field_names and name not in seen
                      else column_label(raw.column_number(position)))
        seen.add(name)
    return labels


def identifier_kinds_of_values(values: pd.Series) -> dict[str, np.ndarray]:
    """For each kind of identifier, which of `values` look like one (boolean arrays)."""
    text = values.astype(str).fillna("")
    kinds = {kind: text.str.contains(pattern, regex=True).to_numpy(dtype=bool)
             for kind, pattern in _VALUE_PATTERNS}
    words = text.str.count(r"[^ \t\r\n]+")
    kinds[FREE_TEXT_KIND] = ((text.str.len() > FREE_TEXT_MAX_CHARACTERS)
                             | (words > FREE_TEXT_MAX_WORDS)).to_numpy(dtype=bool)
    return kinds


def screen_identifiers(
    raw: RawTable, distinct: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
    labels: Sequence[str] | None = None,
    header_kinds: Sequence[str | None] | None = None,
) -> pd.DataFrame:
    """Problems for identifier-like column names and values in `raw` (a problem table).

    `distinct`: per column position, the codes and distinct cells of the column as
    ``pandas.factorize(cells, use_na_sentinel=False)`` gives them, when the caller has them
    already (validation shares them between its checks); computed here otherwise.
    `labels`: how to name each column in the problems; default: its name if that is a field
    name of the packaged codebook, else its position in the file ("column 3").
    `header_kinds`: `identifier_kinds_of_header_cells` of the header, when the caller has it.
    """
    records = []
    rows = np.asarray(raw.row_numbers, dtype=np.int64)
    if labels is None:
        labels = _default_labels(raw)
    screened = []  # (column label, codes of its rows, offset of its distinct values)
    distinct_values = []
    offset = 0
    if header_kinds is None:
        header_kinds = identifier_kinds_of_header_cells(list(raw.frame.columns))
    for position, name in enumerate(raw.frame.columns):
        name = str(name)
        label = labels[position]
        if header_kinds[position] is not None:
            records.append({"file": raw.source, "row": None, "column": label,
                            "problem": COLUMN_NAME_PROBLEM.format(kind=header_kinds[position]),
                            "expected": COLUMN_NAME_EXPECTED})
        if identifier_kind_of_column(name) is not None:
            continue  # the whole column is refused; its values need no second message
        # Coded columns hold few distinct values: each is tested once, for all columns at once.
        if distinct is not None:
            codes, uniques = distinct[position]
        else:
            codes, uniques = pd.factorize(raw.frame.iloc[:, position].to_numpy(dtype=object))
        screened.append((label, codes, offset))
        distinct_values.append(np.asarray(uniques, dtype=object))
        offset += len(uniques)
    if offset == 0:
        return problems_frame(records)
    kinds = identifier_kinds_of_values(pd.Series(np.concatenate(distinct_values), dtype=str))
    for (name, codes, start), uniques in zip(screened, distinct_values, strict=True):
        for kind, hit in kinds.items():
            distinct_hit = hit[start:start + len(uniques)]
            if not distinct_hit.any():
                continue
            flagged = (codes >= 0) & distinct_hit[np.maximum(codes, 0)]
            flagged_rows = rows[flagged]
            several = len(flagged_rows) > 1
            records.append({
                "file": raw.source, "row": int(flagged_rows[0]), "column": name,
                "problem": VALUE_PROBLEM.format(values="values" if several else "value",
                                                rows=describe_rows(flagged_rows),
                                                verb="look" if several else "looks", kind=kind),
                "expected": VALUE_EXPECTED,
            })
    return problems_frame(records)


def _default_labels(raw: RawTable) -> list[str]:
    from tahsb_analysis.input.codebook import load_codebook

    codebook = load_codebook()
    return column_labels(raw, {name for table in codebook.tables.values()
                               for name in table.field_names})
