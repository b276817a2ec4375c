"""A tier's tables as one Excel workbook: a contents sheet, then one sheet per table.

Each table's sheet opens with its heading line (bold, frozen so that it stays in view while
scrolling) and its lines exactly as the Markdown shows them (display strings, "[c]" for a
suppressed cell); below them come the caption, the numbered footnotes and the tier and
SYNTHETIC banners, which the printed page also carries in its header. Every cell is written as
text: a string cell in an .xlsx file is never evaluated, so a label cannot become a formula.
The workbook is the same byte for byte on every run (fixed properties and archive dates).
"""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter

from tahsb_analysis.render.office_files import AUTHOR, FIXED_DATE, stable_zip, write_bytes
from tahsb_analysis.render.page_layout import column_widths
from tahsb_analysis.render.rendered_table import SYNTHETIC_BANNER, RenderedTable, tier_banner

WORKBOOK_NAME = "tables.xlsx"
CONTENTS_SHEET = "Contents"
CONTENTS_HEADER = ["Table", "Sheet", "Title"]
SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
# Characters Excel refuses in a sheet name.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Widest column, in characters: longer text wraps.
_WIDEST = 45


def sheet_names(outputs: list[str], taken: tuple[str, ...] = (CONTENTS_SHEET,)) -> list[str]:
    """One sheet name per output: its name without the characters Excel refuses, at most 31
    characters, unique ignoring case (as Excel compares them) among themselves and `taken`: a
    name already used (in full or once cut to 31 characters) ends in "~2", "~3", ..."""
    used = {name.lower() for name in taken}
    names = []
    for output in outputs:
        base = _FORBIDDEN.sub("_", str(output)).strip("'") or "table"
        name = base[:SHEET_NAME_LIMIT]
        counter = 2
        while name.lower() in used:
            suffix = f"~{counter}"
            name = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix
            counter += 1
        used.add(name.lower())
        names.append(name)
    return names


def tier_workbook(tables: list[RenderedTable]) -> bytes:
    """The workbook of `tables` (numbered 1, 2, ... in the order given) as bytes."""
    workbook = Workbook()
    contents = workbook.active
    contents.title = CONTENTS_SHEET
    names = sheet_names([table.output or table.title for table in tables])
    _fill_contents(contents, tables, names)
    for number, (table, name) in enumerate(zip(tables, names, strict=True), start=1):
        _fill_table(workbook.create_sheet(name), table, number)
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = AUTHOR
    properties.created = properties.modified = FIXED_DATE
    properties.title = "Tables"
    buffer = io.BytesIO()
    # openpyxl's save_workbook stamps "modified" with the current time: write through its
    # ExcelWriter instead, keeping the fixed date.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return stable_zip(buffer.getvalue())


def write_workbook(tables: list[RenderedTable], path):
    """Write `tier_workbook(tables)` to `path`; return the path."""
    return write_bytes(tier_workbook(tables), path)


def banners(table: RenderedTable) -> list[str]:
    """The tier banner, and the SYNTHETIC banner when the table is synthetic."""
    return [tier_banner(table.tier)] + ([SYNTHETIC_BANNER] if table.synthetic else [])


def _text(sheet, row: int, column: int, value: str, bold: bool = False, wrap: bool = False):
    cell = sheet.cell(row=row, column=column)
    cell.value = str(value)
    cell.data_type = "s"  # text even when it starts with "=" (openpyxl would make a formula)
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _fill_contents(sheet, tables: list[RenderedTable], names: list[str]) -> None:
    """Heading line (frozen), one line per table linking to its sheet, then the banners."""
    for column, heading in enumerate(CONTENTS_HEADER, start=1):
        _text(sheet, 1, column, heading, bold=True)
    for row, (table, name) in enumerate(zip(tables, names, strict=True), start=2):
        _text(sheet, row, 1, f"Table {row - 1}")
        link = _text(sheet, row, 2, name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
        link.font = Font(color="0563C1", underline="single")
        _text(sheet, row, 3, table.title)
    below = len(tables) + 3
    for offset, banner in enumerate(banners(tables[0]) if tables else []):
        _text(sheet, below + offset, 1, banner, bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABC", (10, 34, 90), strict=True):
        sheet.column_dimensions[letter].width = width


def _fill_table(sheet, table: RenderedTable, number: int) -> None:
    for column, heading in enumerate(table.header, start=1):
        _text(sheet, 1, column, heading, bold=True, wrap=True)
    for row, line in enumerate(table.rows, start=2):
        for column, value in enumerate(line, start=1):
            if str(value):  # an empty cell stays empty (read back as None)
                _text(sheet, row, column, value)
    below = len(table.rows) + 3
    notes = [f"Table {number}. {table.title}"]
    notes += [f"{k}. {note}" for k, note in enumerate(table.footnotes, start=1)]
    for offset, text in enumerate(notes):
        _text(sheet, below + offset, 1, text, bold=offset == 0)
    for offset, banner in enumerate(banners(table), start=below + len(notes) + 1):
        _text(sheet, offset, 1, banner, bold=True)
    sheet.freeze_panes = "A2"
    sheet.oddHeader.center.text = " / ".join(banners(table))
    for column, width in enumerate(column_widths(table), start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = min(width + 2, _WIDEST)
