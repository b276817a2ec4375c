"""The draft results section of one cohort in one tier, as one Word document an author edits:
a title with the tier (and SYNTHETIC) marks, the methods paragraph generated from the rows
(render/methods_paragraph.py), then each report section of the output registry with its tables
and figures in registry order, captioned "Table N." and "Figure N.", and the references cited.
Its `.bib` (references.bib beside it) holds exactly the works the text cites.

Only renders: the tables come from render_table and docx_tables.add_table, the figures are the
PNGs the workflow drew, their captions the figures' own caption files. The release draft reads
release inputs only and refuses rows that have not passed the disclosure gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.image.image import Image as DocxImage
from docx.shared import Mm, Pt, RGBColor

from tahsb_analysis.registry import Registry, load_registry
from tahsb_analysis.render.docx_tables import (
    A4_HEIGHT,
    A4_WIDTH,
    CAPTION_SIZE,
    MARGIN,
    document_bytes,
)
from tahsb_analysis.render.docx_tables import add_table as add_docx_table
from tahsb_analysis.render.methods_paragraph import (
    Paragraph,
    methods_paragraph,
    paragraph_citations,
)
from tahsb_analysis.render.office_files import write_bytes
from tahsb_analysis.render.references import REFERENCES, author_year_text, bibtex
from tahsb_analysis.render.rendered_table import (
    SYNTHETIC_BANNER,
    tier_banner,
    tier_of,
)
from tahsb_analysis.render.tables import render_table
from tahsb_analysis.vocabulary import RELEASE_TIER

# Figures go in at a journal's double-column width (174 mm), shrunk to keep a tall figure
# within the A4 text height left once its caption is placed.
DOUBLE_COLUMN_MM = 174.0
SINGLE_COLUMN_MM = 85.0
MAX_FIGURE_HEIGHT_MM = 200.0
BIB_NAME = "references.bib"


class DraftError(ValueError):
    """The draft cannot be made from what was given (the message names what is missing)."""


@dataclass(frozen=True)
class DraftFigure:
    """A figure of the draft: its PNG and its caption text (the figure's .caption.txt)."""

    name: str
    png: Path
    caption: str


@dataclass(frozen=True)
class Draft:
    """The finished draft: the document's bytes, the `.bib` text, and what it holds."""

    docx: bytes
    bib: str
    tables: tuple[str, ...]
    figures: tuple[str, ...]
    citations: tuple[str, ...]


def read_figures(pngs: Mapping[str, Path]) -> dict[str, DraftFigure]:
    """Each figure's PNG with its caption, read from `<name>.caption.txt` beside it; every
    missing caption file is named in one error."""
    figures, missing = {}, []
    for name, png in pngs.items():
        caption_path = Path(png).with_name(f"{name}.caption.txt")
        if not caption_path.is_file():
            missing.append(str(caption_path))
            continue
        figures[name] = DraftFigure(name, Path(png),
                                    " ".join(caption_path.read_text(encoding="utf-8").split()))
    if missing:
        raise DraftError("figure caption files not found (the figure rule writes them): "
                         + ", ".join(missing))
    return figures


def draft_items(registry: Registry, tier: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [("table", output) | ("figure", name), ...]) for every report section
    of the registry with something in `tier`, in registry order."""
    return [(section.title, items) for section in registry.sections
            if (items := registry.section_items(section.id, tier))]


def figure_width_mm(png: Path) -> float:
    """The width a figure is placed at: double column, narrower when that would make it taller
    than `MAX_FIGURE_HEIGHT_MM` (never below single column)."""
    image = DocxImage.from_file(str(png))
    width, height = image.px_width, image.px_height
    fitted = MAX_FIGURE_HEIGHT_MM * width / height
    return max(SINGLE_COLUMN_MM, min(DOUBLE_COLUMN_MM, fitted))


def _check_inputs(results: pd.DataFrame, tier: str, needed: list[str],
                  figures: Mapping[str, DraftFigure]) -> None:
    problems = []
    if tier == RELEASE_TIER and tier_of(results) != RELEASE_TIER:
        problems.append("the release draft needs the results table the disclosure gate wrote "
                        "(some rows are 'not checked')")
    cohorts = results["cohort"].dropna().unique()
    if len(cohorts) != 1:
        problems.append(f"the results table must hold one cohort, it holds {len(cohorts)}")
    absent = [name for name in needed if name not in figures]
    if absent:
        problems.append(f"figures of the {tier} tier not given: {', '.join(absent)}")
    if problems:
        raise DraftError("cannot make the draft results:\n" + "\n".join(problems))


def _a4_portrait(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4_WIDTH, A4_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN


def _add_text(document, text: str, size=None, bold=False, italic=False, colour=None):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size is not None:
        run.font.size = size
    if colour is not None:
        run.font.color.rgb = colour
    return paragraph


def _add_figure(document, figure: DraftFigure, number: int) -> None:
    document.add_picture(str(figure.png), width=Mm(figure_width_mm(figure.png)))
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    caption = document.add_paragraph(style="Caption")
    for text, bold in ((f"Figure {number}. ", True), (figure.caption, False)):
        run = caption.add_run(text)
        run.bold, run.italic = bold, False
        run.font.size = CAPTION_SIZE
        run.font.color.rgb = RGBColor(0, 0, 0)


def draft_title(results: pd.DataFrame) -> str:
    cohort = str(results["cohort"].dropna().iloc[0])
    synthetic = bool(results["synthetic"].fillna(False).any())
    return f"{'SYNTHETIC: ' if synthetic else ''}Draft results, cohort {cohort}"


def build_draft(results: pd.DataFrame, tier: str, figures: Mapping[str, DraftFigure],
                policy: Mapping | None = None, versions: Mapping[str, str] | None = None,
                registry: Registry | None = None) -> Draft:
    """The draft results of `results` (one cohort) in `tier`: every table and figure of the
    registry's sections in that tier, numbered in order, after the methods paragraph; the
    `.bib` of the works it cites. `figures`: name -> DraftFigure for every figure of the tier;
    `policy`: the disclosure policy's summary (release tier); `versions`: the software
    versions to name (default: the running environment's)."""
    registry = registry or load_registry()
    sections = draft_items(registry, tier)
    needed = [name for _, items in sections for kind, name in items if kind == "figure"]
    _check_inputs(results, tier, needed, figures)
    paragraphs: list[Paragraph] = methods_paragraph(results, tier, policy, versions)
    citations = paragraph_citations(paragraphs)

    document = Document()
    _a4_portrait(document)
    title = draft_title(results)
    document.add_heading(title, level=0)
    _add_text(document, tier_banner(tier), bold=True)
    if bool(results["synthetic"].fillna(False).any()):
        _add_text(document, SYNTHETIC_BANNER, bold=True)
    _add_text(document, "A draft for the author to edit: the methods paragraph is generated "
              "from the results rows, and the tables and figures are those of the study "
              f"report. Citations are listed at the end; {BIB_NAME} beside this file holds "
              "them for a reference manager.", size=Pt(9), italic=True)

    document.add_heading("Methods", level=1)
    for paragraph in paragraphs:
        document.add_paragraph(author_year_text(paragraph.text))

    document.add_heading("Results", level=1)
    tables, drawn = [], []
    for section_title, items in sections:
        document.add_heading(section_title, level=2)
        for kind, name in items:
            if kind == "table":
                tables.append(name)
                add_docx_table(document, render_table(results, name), len(tables))
            else:
                drawn.append(name)
                _add_figure(document, figures[name], len(drawn))

    document.add_heading("References", level=1)
    for key in citations:
        reference = REFERENCES[key]
        fields = dict(reference.fields)
        where = fields.get("journal") or fields.get("booktitle") or fields.get("publisher") \
            or fields.get("institution", "")
        doi = f" doi:{fields['doi']}" if "doi" in fields else ""
        _add_text(document, f"[{key}] {fields['author']} ({fields['year']}). {fields['title']}. "
                  f"{where}.{doi}".replace("\\&", "&"), size=Pt(9))
    return Draft(docx=document_bytes(document, title=title), bib=bibtex(citations),
                 tables=tuple(tables), figures=tuple(drawn), citations=tuple(citations))


def write_draft(draft: Draft, docx_path: Path, bib_path: Path | None = None) -> dict[str, Path]:
    """Write the draft's document and its `.bib` (default: references.bib beside it)."""
    docx_path = Path(docx_path)
    bib_path = Path(bib_path) if bib_path is not None else docx_path.with_name(BIB_NAME)
    write_bytes(draft.docx, docx_path)
    write_bytes(draft.bib.encode("utf-8"), bib_path)
    return {"docx": docx_path, "bib": bib_path}
