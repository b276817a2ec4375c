"""Problem wording of input validation, in one place, so the CLI, the tests and the
documentation agree. Messages never contain a cell's value."""

from __future__ import annotations

# Problem wording, one place, so the CLI, the tests and the documentation agree.
EMPTY_FILE = "file is empty (no header row)"
NO_DATA_ROWS = "file has no data rows"
MISSING_COLUMN = "required column is missing"
UNKNOWN_COLUMN = "unknown column"
DATA_LIKE_COLUMN = "unknown column: its header cell looks like data, not a column name"
HEADER_LOOKS_LIKE_DATA = "the header row looks like data: is the header missing?"
UNNAMED_COLUMN = "column has no name in the header row"
REPEATED_COLUMN = "column name appears more than once in the header row"
NOT_THE_TABLE_HEADER = (
    "file was read only to row {row}: its header names none of the columns of the {table} "
    "table, so the rest of the file was not checked"
)
NOT_THE_TABLE_ROWS = (
    "file was read only to row {row}: on nearly every row from row {first} on, most cells "
    "break the codebook, so the rest of the file was not checked"
)
NOT_THE_TABLE_VALUES = (
    "file was read only to row {row}: from row {first} on, column {column} holds more than "
    "{count} different texts that are not its codes, so the rest of the file was not checked"
)
BLANK_CELL = "cell is blank"
MISSING_CODE_NOT_ALLOWED = "missing-value code is not allowed in this column"
NOT_A_CODE = "value is not one of the allowed codes"
CODE_CASE = "value differs from an allowed code only in upper/lower case"
NOT_AN_INTEGER = "value is not a whole number"
NOT_A_NUMBER = "value is not a number"
BELOW_MINIMUM = "value is below the minimum"
ABOVE_MAXIMUM = "value is above the maximum"
TOO_MANY_DECIMALS = "value has more decimal places than allowed"
NOT_A_YEARMONTH = "value is not a year and month written YYYY-MM"
PATTERN_MISMATCH = "value does not match the required pattern"
# Appended to a problem when the codebook holds a close code or column name (never the cell's).
DID_YOU_MEAN = "; did you mean {suggestion}?"
EXCEL_DATES = (
    "Excel has turned the months of this column into dates ({rows}): the cells hold dates, "
    "not text"
)
EXCEL_DATES_EXPECTED = (
    "months as text, YYYY-MM: format the column as Text (select the column, Format Cells > "
    "Number > Text) and type the months again; the workbook from `tahsb workbook` has its "
    "month columns formatted as text already"
)
DUPLICATE_KEY = "duplicate of row {row}: same {key}"
DUPLICATE_KEY_SUMMARY = "duplicate of an earlier row: same {key}"
NOT_CONSTANT = (
    "column must hold the same value on every row; it differs from the most common value in {rows}"
)
UNKNOWN_CHILD = "case_id is not in the cases table"
NOT_IN_DEPTH = "child is not in the in-depth sample (in_depth_sample is no in the cases table)"
NO_CASE_FILE_ROW = "child is in the in-depth sample but has no row in the case_file table"
SETTING_MISMATCH = "setting does not match the setting of the behaviour type"
ONLINE_BUT_NO_TA_HSB = "online behaviour recorded but ta_hsb is no in the cases table"
OFFLINE_BUT_NO_OFFLINE_HSB = "offline behaviour recorded but offline_hsb is no in the cases table"
TA_HSB_WITHOUT_ONLINE = (
    "ta_hsb is yes but the behaviours table records no online behaviour for this child"
)
OFFLINE_HSB_WITHOUT_OFFLINE = (
    "offline_hsb is yes but the behaviours table records no offline behaviour for this child"
)
ONSET_AFTER_REFERRAL = "age at onset is not below the age at referral + 1 (cases table)"
FIRST_HSB_AFTER_REFERRAL = "age at first HSB is not below the age at referral + 1 (cases table)"
FIRST_HSB_AFTER_ONSET = (
    "age at first HSB is later than the child's earliest age at onset in the behaviours table"
)
PORN_TRIGGER_WITHOUT_OFFLINE = (
    "porn_trigger_offline is yes or no but offline_hsb is no in the cases table"
)

# ASCII digits only: Python's \d would also accept other scripts' digits.
_INTEGER = r"[+-]?[0-9]+"
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
_YEARMONTH = r"[0-9]{4}-(?:0[1-9]|1[0-2])"


