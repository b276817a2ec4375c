"""A rendered table as Word: captioned, ruled as a journal rules it, split to fit the page.

`add_table` appends one table to any python-docx Document (the draft results document puts
every table of a tier into one); `table_document` makes the one-table document the workflow
writes beside each table's Markdown. The layout is the journal one: "Table N. Title" above,
three horizontal rules (above and below the headings, below the last line) and no vertical
ones, 8 pt type, numbers right-aligned, the numbered footnotes below in 7 pt, the tier and
SYNTHETIC banners above the caption. A table too wide for the page is split by
`page_layout.fit_portrait` into parts that each repeat the label columns.
"""

from __future__ import annotations

import copy
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from tahsb_analysis.render.office_files import AUTHOR, FIXED_DATE, stable_zip, write_bytes
from tahsb_analysis.render.page_layout import (
    COLUMN_GAP,
    LABEL_COLUMNS,
    MM_PER_CHARACTER,
    bind_numbers,
    budget_for,
    column_widths,
    fit_portrait,
)
from tahsb_analysis.render.rendered_table import SYNTHETIC_BANNER, RenderedTable, tier_banner
from tahsb_analysis.vocabulary import RELEASE_TIER

TABLE_STYLE = "Journal Table"
BODY_SIZE = Pt(8)
FOOTNOTE_SIZE = Pt(7)
CAPTION_SIZE = Pt(10)
# The colours of the HTML banners (Okabe-Ito vermilion and blue, legible in greyscale).
_INTERNAL_COLOUR = RGBColor(0xD5, 0x5E, 0x00)
_RELEASE_COLOUR = RGBColor(0x00, 0x72, 0xB2)
# Rule weights in eighths of a point: 1 pt above and below the table, 0.5 pt under the headings.
_HEAVY_RULE = 8
_LIGHT_RULE = 4
# Cell padding, twentieths of a point: 1 mm each side (page_layout.COLUMN_GAP counts on it).
_CELL_PADDING = 57
A4_WIDTH, A4_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(25)


def add_table(document, rendered: RenderedTable, number: int) -> None:
    """Append `rendered` to `document` as "Table `number`": its banners, then each part that
    `fit_portrait` makes for the width between the last section's margins (caption above,
    parts after the first captioned "(continued)"), then its footnotes."""
    text_width = _text_width_mm(document)
    parts = fit_portrait(rendered, budget_for(text_width))
    _add_banners(document, rendered)
    for part in parts:
        _add_caption(document, part, number)
        _add_grid(document, part, text_width)
        _add_footnotes(document, part)


def table_document(rendered: RenderedTable, number: int = 1) -> bytes:
    """A portrait A4 Word document holding `rendered` alone, as bytes that are the same on
    every run (fixed document properties and archive dates)."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN
    add_table(document, rendered, number)
    return document_bytes(document, title=rendered.title)


def write_docx(rendered: RenderedTable, path, number: int = 1):
    """Write `table_document(rendered, number)` to `path`; return the path."""
    return write_bytes(table_document(rendered, number), path)


def document_bytes(document, title: str = "") -> bytes:
    """`document` saved as bytes that do not change between runs: its core properties are
    fixed (dates, author, revision) and so are its archive's dates."""
    properties = document.core_properties
    properties.author = properties.last_modified_by = AUTHOR
    properties.created = properties.modified = properties.last_printed = FIXED_DATE
    properties.revision = 1
    properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def _text_width_mm(document) -> float:
    section = document.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


def _add_banners(document, rendered: RenderedTable) -> None:
    tier_colour = _RELEASE_COLOUR if rendered.tier == RELEASE_TIER else _INTERNAL_COLOUR
    banners = [(tier_banner(rendered.tier), tier_colour)]
    if rendered.synthetic:
        banners.append((SYNTHETIC_BANNER, _INTERNAL_COLOUR))
    for text, colour in banners:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = BODY_SIZE
        run.font.color.rgb = colour


def _add_caption(document, part: RenderedTable, number: int) -> None:
    paragraph = document.add_paragraph(style=_style(document, "Caption"))
    paragraph.paragraph_format.keep_with_next = True
    for text, bold in ((f"Table {number}. ", True), (part.title, False)):
        run = paragraph.add_run(text)
        run.bold = bold
        run.italic = False
        run.font.size = CAPTION_SIZE
        run.font.color.rgb = RGBColor(0, 0, 0)


def _add_footnotes(document, part: RenderedTable) -> None:
    for index, note in enumerate(part.footnotes, start=1):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(f"{index}. {note}")
        run.font.size = FOOTNOTE_SIZE


# Each grid (w:tbl element) already built, by its cells and the text width: the draft results
# document holds every table of a tier right after the workflow wrote each table's own document
# in the same job, and python-docx builds a grid cell by cell (about half a second a tier). A
# grid depends on nothing else, so a second use is a copy of the first (issue #19).
_GRIDS: dict[tuple, object] = {}
_GRIDS_KEPT = 256


def _add_grid(document, part: RenderedTable, text_width_mm: float) -> None:
    """The table itself: headings then body lines, fixed column widths, three rules."""
    key = (tuple(part.header), tuple(tuple(row) for row in part.rows), round(text_width_mm, 3))
    built = _GRIDS.get(key)
    if built is not None:
        _journal_style(document)  # the style the grid names, in this document too
        document.element.body._insert_tbl(copy.deepcopy(built))
        return
    table = _build_grid(document, part, text_width_mm)
    if len(_GRIDS) >= _GRIDS_KEPT:
        _GRIDS.clear()
    _GRIDS[key] = copy.deepcopy(table._tbl)


def _build_grid(document, part: RenderedTable, text_width_mm: float):
    lines = [part.header, *part.rows]
    table = document.add_table(rows=len(lines), cols=len(part.header))
    table.style = _journal_style(document)
    table.autofit = False
    widths = _column_widths_mm(part, text_width_mm)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for line_index, (line, row) in enumerate(zip(lines, table.rows, strict=True)):
        _keep_row_together(row, heading=line_index == 0)
        for column_index, (text, cell, width) in enumerate(
                zip(line, row.cells, widths, strict=True)):
            cell.width = Mm(width)
            _fill(cell, text, numeric=column_index >= LABEL_COLUMNS)
            if line_index == 0:
                _rule(cell, "top", _HEAVY_RULE)
                _rule(cell, "bottom", _LIGHT_RULE)
            if line_index == len(lines) - 1:
                _rule(cell, "bottom", _HEAVY_RULE)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.insert_element_before(layout, "w:tblCellMar", "w:tblLook")
    return table


def _column_widths_mm(part: RenderedTable, text_width_mm: float) -> list[float]:
    """Each column's width: its characters at 8 pt, scaled down when the whole exceeds the
    text width (a block of columns wider than a page on its own)."""
    natural = [(width + COLUMN_GAP) * MM_PER_CHARACTER for width in column_widths(part)]
    scale = min(1.0, text_width_mm / sum(natural)) if natural else 1.0
    return [round(width * scale, 1) for width in natural]


def _fill(cell, text: str, numeric: bool) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(1)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
    # a number cell breaks between values, never inside an interval (no-break spaces)
    run = paragraph.add_run(bind_numbers(text) if numeric else str(text))
    run.font.size = BODY_SIZE


def _keep_row_together(row, heading: bool) -> None:
    """A line never breaks across pages; the heading line repeats on every page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if heading:
        properties.append(OxmlElement("w:tblHeader"))


def _rule(cell, edge: str, weight: int) -> None:
    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.insert_element_before(borders, "w:shd", "w:noWrap", "w:tcMar", "w:vAlign")
    borders.append(_border(edge, weight))


def _border(edge: str, weight: int):
    border = OxmlElement(f"w:{edge}")
    for name, value in (("val", "single"), ("sz", str(weight)), ("space", "0"),
                        ("color", "000000")):
        border.set(qn(f"w:{name}"), value)
    return border


def _style(document, name: str):
    """The document's style `name`, or None when its template lacks it (Word's default)."""
    try:
        return document.styles[name]
    except KeyError:
        return None


def _journal_style(document):
    """The table style "Journal Table": no vertical rules, 1 mm cell padding. Made once per
    document so that an editor can restyle every table together; the three rules themselves
    are set on the cells, which Word and LibreOffice both honour."""
    existing = _style(document, TABLE_STYLE)
    if existing is not None:
        return existing
    style = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    properties = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{edge}")
        border.set(qn("w:val"), "nil")
        borders.append(border)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(_CELL_PADDING))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.append(borders)
    properties.append(margins)
    style.element.append(properties)
    return style
