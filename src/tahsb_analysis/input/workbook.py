"""The coder's workbook: an Excel template generated from the codebook, to code case files in.

`tahsb workbook --output coding.xlsx` writes it. One sheet per table, named after the table, whose
header row holds the codebook's field names (frozen, so it stays in view); Excel's data
validation offers each coded column's codes (with -9/-8 where the codebook allows them) in a
drop-down list and refuses numbers out of range or with too many decimals; month columns, ids
and labels are formatted as text, so Excel cannot turn 2015-03 into a date or 007 into 7. An
Instructions sheet says how to fill it in and a Codes sheet lists every code with its label; the
codebook version is on the Instructions sheet (defined name `codebook_version`) and in the
workbook's properties. `tahsb validate --workbook` and the workflow read the filled workbook
directly (the reader takes each table from the sheet of its name, and never reads the
Instructions or Codes sheet).

The bytes are deterministic: fixed document dates and fixed times inside the zip archive.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from tahsb_analysis.input.codebook import TABLE_NAMES, Codebook, Field, load_codebook
from tahsb_analysis.input.readers import WORKBOOK_ONLY_SHEETS

INSTRUCTIONS_SHEET, CODES_SHEET = WORKBOOK_ONLY_SHEETS
CODES_HEADER = ("table", "field", "code", "label")
VERSION_NAME = "codebook_version"
# The documented date of the workbook (its properties), so that the bytes never change.
FIXED_DATE = dt.datetime(2017, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip archive can hold
# The last row the validation and text formats cover (Excel's last row).
LAST_ROW = 1_048_576
# Excel's limits: an inline list of at most 255 characters; a prompt or error title of at most
# 32 characters and a message of at most 255.
_INLINE_LIST_LIMIT = 255
_TITLE_LIMIT = 32
_MESSAGE_LIMIT = 255
TEXT_FORMAT = "@"


def write_workbook(path: str | Path, codebook: Codebook | None = None) -> Path:
    """Write the coder's workbook for `codebook` (the packaged one by default) to `path`."""
    path = Path(path)
    path.write_bytes(workbook_bytes(codebook))
    return path


def workbook_bytes(codebook: Codebook | None = None) -> bytes:
    """The coder's workbook as .xlsx bytes; the same bytes for the same codebook."""
    codebook = codebook if codebook is not None else load_codebook()
    workbook = build_workbook(codebook)
    buffer = io.BytesIO()
    # ExcelWriter, not Workbook.save: save stamps the time of saving into the properties.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _with_fixed_times(buffer.getvalue())


def build_workbook(codebook: Codebook) -> Workbook:
    """The coder's workbook as an openpyxl `Workbook` (sheets in order: Instructions, the
    tables, Codes)."""
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    code_rows = codes_sheet_rows(codebook)
    tables = [workbook.create_sheet(name) for name in TABLE_NAMES]
    codes = workbook.create_sheet(CODES_SHEET)
    ranges = _fill_codes_sheet(codes, code_rows)
    for sheet in tables:
        _fill_table_sheet(sheet, codebook, ranges)
    version_cell = _fill_instructions(instructions, codebook)
    workbook.defined_names[VERSION_NAME] = DefinedName(
        VERSION_NAME, attr_text=f"{quote_sheetname(INSTRUCTIONS_SHEET)}!{version_cell}")
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "tahsb-analysis"
    properties.title = f"Coder's workbook: {codebook.title}"
    properties.subject = f"codebook {codebook.name} version {codebook.version}"
    properties.version = codebook.version
    properties.keywords = f"{VERSION_NAME}={codebook.version}"
    properties.created = properties.modified = FIXED_DATE
    return workbook


def codes_sheet_rows(codebook: Codebook) -> list[tuple[str, str, str, str]]:
    """Rows of the Codes sheet: (table, field, code, label) for every code a coder may type,
    missing-value codes included, fields in codebook order."""
    rows = []
    for table in TABLE_NAMES:
        for fld in codebook.table(table).fields:
            rows += [(table, fld.name, code, label) for code, label in field_codes(fld)]
    return rows


def field_codes(fld: Field) -> list[tuple[str, str]]:
    """(code, label) of every value a coder may choose for `fld`: its codes (yes/no fields:
    their true and false values), then the missing-value codes it allows."""
    if fld.is_boolean:
        codes = [(value, value) for value in fld.valid_codes]
    else:
        codes = [(code.value, code.label) for code in fld.categories]
    return codes + [(code.value, code.label) for code in fld.missing_codes]


def _fill_codes_sheet(sheet, rows) -> dict[tuple[str, str], str]:
    """Write the Codes sheet; return (table, field) -> the absolute range of its codes."""
    sheet.append(CODES_HEADER)
    ranges: dict[tuple[str, str], list[int]] = {}
    for number, row in enumerate(rows, start=2):
        sheet.append(row)
        sheet.cell(number, 3).number_format = TEXT_FORMAT
        ranges.setdefault(row[:2], []).append(number)
    _style_header(sheet, widths=(12, 30, 22, 60))
    return {key: f"{quote_sheetname(CODES_SHEET)}!$C${numbers[0]}:$C${numbers[-1]}"
            for key, numbers in ranges.items()}


def _fill_table_sheet(sheet, codebook: Codebook, ranges: dict[tuple[str, str], str]) -> None:
    table = codebook.table(sheet.title)
    sheet.append(list(table.field_names))
    _style_header(sheet, widths=[max(12, len(name) + 3) for name in table.field_names])
    for position, fld in enumerate(table.fields, start=1):
        letter = get_column_letter(position)
        if fld.type in ("yearmonth", "string") and not fld.is_categorical:
            # Text, so that Excel keeps 2015-03 a month (not a date) and 007 an id (not 7).
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
        validation = field_validation(fld, f"{letter}2", ranges.get((table.name, fld.name)))
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")


def field_validation(fld: Field, cell: str, codes_range: str | None = None
                     ) -> DataValidation | None:
    """Excel's data validation of one column whose first data cell is `cell` (e.g. "D2"):
    a list of codes (inline, or `codes_range` on the Codes sheet when the list is long),
    whole or decimal numbers within the codebook's range (a formula where missing-value codes
    or a number of decimals must also pass), a YYYY-MM text for months, a length for text."""
    missing = [f'{cell}={code.value}' for code in fld.missing_codes]
    if fld.is_boolean or fld.is_categorical:
        codes = [code for code, _label in field_codes(fld)]
        inline = '"' + ",".join(codes) + '"'
        if len(inline) - 2 > _INLINE_LIST_LIMIT or any("," in code for code in codes):
            if codes_range is None:
                raise ValueError(f"{fld.name}: a long list of codes needs a range")
            inline = codes_range
        validation = DataValidation(type="list", formula1=inline, allow_blank=True)
    elif fld.type in ("integer", "number") and not missing and fld.max_decimals is None:
        validation = DataValidation(
            type="whole" if fld.type == "integer" else "decimal", operator="between",
            formula1=_number(fld.minimum), formula2=_number(fld.maximum), allow_blank=True)
    elif fld.type in ("integer", "number"):
        conditions = [f"ISNUMBER({cell})"]
        if fld.type == "integer":
            conditions.append(f"{cell}=INT({cell})")
        elif fld.max_decimals is not None:
            conditions.append(f"{cell}=ROUND({cell},{fld.max_decimals})")
        if fld.minimum is not None:
            conditions.append(f"{cell}>={_number(fld.minimum)}")
        if fld.maximum is not None:
            conditions.append(f"{cell}<={_number(fld.maximum)}")
        validation = DataValidation(
            type="custom", formula1=_any_of([f"AND({','.join(conditions)})", *missing]),
            allow_blank=True)
    elif fld.type == "yearmonth":
        month = f"VALUE(RIGHT({cell},2))"
        shape = (f'AND(ISTEXT({cell}),LEN({cell})=7,MID({cell},5,1)="-",'
                 f"ISNUMBER(VALUE(LEFT({cell},4))),{month}>=1,{month}<=12)")
        text_missing = [f'{cell}="{code.value}"' for code in fld.missing_codes]
        validation = DataValidation(type="custom", formula1=_any_of([shape, *text_missing]),
                                    allow_blank=True)
    elif fld.pattern and "}" in fld.pattern:
        longest = _longest_text(fld.pattern)
        if longest is None:
            return None
        validation = DataValidation(type="textLength", operator="between", formula1="1",
                                    formula2=str(longest), allow_blank=True)
    else:
        return None
    validation.showErrorMessage = True
    validation.showInputMessage = True
    validation.errorStyle = "stop"
    expected = fld.expected_description()
    if len(expected) > _MESSAGE_LIMIT - len(fld.title) - 2:
        expected = (f"a code from the drop-down list (the {CODES_SHEET} sheet lists every code "
                    "with its label)")
    validation.errorTitle = _shorten(fld.name, _TITLE_LIMIT)
    validation.error = _shorten(expected, _MESSAGE_LIMIT)
    validation.promptTitle = _shorten(fld.name, _TITLE_LIMIT)
    validation.prompt = _shorten(f"{fld.title}: {expected}", _MESSAGE_LIMIT)
    return validation


def _any_of(conditions: list[str]) -> str:
    return conditions[0] if len(conditions) == 1 else f"OR({','.join(conditions)})"


def _longest_text(pattern: str) -> int | None:
    """The most characters a text matching `pattern` can have, for patterns of the codebook's
    form "^[first][rest]{0,N}$" (1 + N); None for any other pattern."""
    import re

    match = re.fullmatch(r"\^\[[^\]]+\]\[[^\]]+\]\{0,(\d+)\}\$", pattern)
    return None if match is None else 1 + int(match.group(1))


def _number(value) -> str:
    return f"{value:g}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def _style_header(sheet, widths) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def instruction_lines(codebook: Codebook) -> list[str]:
    """The text of the Instructions sheet, one cell per line (the version line is separate)."""
    lines = [
        "How to fill in this workbook",
        "",
        "1. One sheet per table: " + "; ".join(
            f"{name} ({codebook.table(name).description.rstrip('.')})" for name in TABLE_NAMES)
        + ". Keep the sheet names and the header rows as they are.",
        "2. Every cell holds a code: choose it from the cell's drop-down list, or type it. "
        "-9 means not recorded in the case file, -8 not applicable to this child (only where "
        "the list offers them). A blank cell is an error.",
        "3. Months are typed as text, YYYY-MM (2015-03): the month columns are formatted as "
        "text so that Excel keeps them months. If you paste data in, paste values only "
        "(Paste Special > Values), so the formats and drop-down lists stay.",
        "4. No names, dates of birth, postcodes, NHS numbers or free text anywhere: case_id is "
        "a pseudonymous study id. Values that look like identifiers are refused.",
        f"5. The {CODES_SHEET} sheet lists every code with its label. This sheet and the "
        f"{CODES_SHEET} sheet are never read as data.",
        "6. Check the workbook: tahsb validate --workbook coding.xlsx (every problem is listed "
        "by sheet, row and column; values are never printed). Then name the workbook in "
        "config/config.yaml: cohorts: <label>: workbook: <path>.",
        "7. Keep the filled workbook out of git (for example in data/private/).",
        "",
        "Rules across tables",
        *[f"- {rule}" for rule in codebook.cross_table_rules],
    ]
    return lines


def _fill_instructions(sheet, codebook: Codebook) -> str:
    """Write the Instructions sheet; return the cell holding the codebook version."""
    sheet["A1"] = codebook.title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Codebook version"
    sheet["B2"] = codebook.version
    sheet["B2"].number_format = TEXT_FORMAT
    sheet["A2"].font = Font(bold=True)
    for number, line in enumerate(instruction_lines(codebook), start=4):
        sheet.cell(number, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A4"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
    sheet.column_dimensions["B"].width = 12
    return "$B$2"


def _with_fixed_times(data: bytes) -> bytes:
    """The zip archive `data` with every member stamped with one fixed time (zip members carry
    the time they were written, which would change the bytes on every run)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            target.writestr(info, source.read(member.filename))
    return target_buffer.getvalue()
