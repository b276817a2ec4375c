"""Word, LaTeX and Excel versions of a rendered table (docx_tables, latex_tables,
xlsx_tables): the same lines, marks, banners and footnotes as the Markdown, laid out for a
portrait page, and the same bytes on every run. Files are read back with python-docx, openpyxl
and zipfile (the XML itself), not with the code that wrote them."""

import io
import re
import zipfile

import docx
import openpyxl
import pandas as pd
import pytest
from docx.shared import Mm
from table_rows import characteristics_rows

from tahsb_analysis.render.docx_tables import add_table, table_document
from tahsb_analysis.render.latex_tables import latex_escape, table_to_latex
from tahsb_analysis.render.page_layout import NO_BREAK_SPACE, budget_for, fit_portrait
from tahsb_analysis.render.rendered_table import (
    RELEASE_BANNER,
    SUPPRESSED_MARKER,
    SUPPRESSED_NOTE,
    SYNTHETIC_BANNER,
    RenderedTable,
)
from tahsb_analysis.render.tables import render_table, table_to_markdown
from tahsb_analysis.render.xlsx_tables import (
    CONTENTS_SHEET,
    sheet_names,
    tier_workbook,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def release_table() -> RenderedTable:
    """The characteristics table of the release tier, one statistic suppressed: 11 columns,
    too wide for a portrait page."""
    frame = characteristics_rows().assign(disclosure="released")
    hidden = frame.index[frame["statistic"].eq("proportion")
                         & frame["group"].eq("ta_only")][0]
    frame.loc[hidden, ["n", "estimate", "ci_lower", "ci_upper"]] = pd.NA
    frame.loc[hidden, "disclosure"] = "suppressed"
    return render_table(frame, "characteristics")


def cell_texts(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def plain(text: str) -> str:
    return text.replace(NO_BREAK_SPACE, " ")


def test_the_release_table_is_wide_and_carries_the_marks(release_table):
    # what the tests below rely on: a suppressed cell, the note, both flags
    assert any(SUPPRESSED_MARKER in cell for row in release_table.rows for cell in row)
    assert release_table.footnotes[-1] == SUPPRESSED_NOTE
    assert release_table.tier == "release" and release_table.synthetic
    assert len(fit_portrait(release_table)) > 1


# --- Word -----------------------------------------------------------------------------------

def test_add_table_writes_banners_caption_parts_and_footnotes_in_order(release_table):
    document = docx.Document()
    add_table(document, release_table, 4)
    texts = [p.text for p in document.paragraphs]
    section = document.sections[-1]
    text_width = (section.page_width - section.left_margin - section.right_margin) / Mm(1)
    parts = fit_portrait(release_table, budget_for(text_width))
    assert texts[:3] == [RELEASE_BANNER, SYNTHETIC_BANNER,
                         f"Table 4. {release_table.title}"]
    captions = [t for t in texts if t.startswith("Table 4. ")]
    assert captions[1:] == [f"Table 4. {release_table.title} (continued)"] * (len(captions) - 1)
    assert len(document.tables) == len(captions) == len(parts) > 1
    notes = [f"{k}. {note}" for k, note in enumerate(release_table.footnotes, start=1)]
    assert texts[-len(notes):] == notes
    # every part: the label columns, then its columns; the lines as the Markdown shows them
    shown = {}
    for table in document.tables:
        grid = [[plain(t) for t in row] for row in cell_texts(table)]
        assert grid[0][:2] == release_table.header[:2]
        assert [row[:2] for row in grid[1:]] == [row[:2] for row in release_table.rows]
        for index, heading in enumerate(grid[0][2:], start=2):
            shown[heading] = [row[index] for row in grid[1:]]
    for index, heading in enumerate(release_table.header[2:], start=2):
        assert shown[heading] == [row[index] for row in release_table.rows]
    markdown = table_to_markdown(release_table)
    assert SUPPRESSED_MARKER in markdown and any(
        SUPPRESSED_MARKER in cell for values in shown.values() for cell in values)


def test_a_word_table_is_ruled_as_a_journal_rules_it(release_table):
    document = docx.Document()
    add_table(document, release_table, 1)
    table = document.tables[0]
    assert table.style.name == "Journal Table"
    def edges(cell):
        borders = cell._tc.tcPr.find(f"{W}tcBorders")
        return {} if borders is None else {b.tag[len(W):]: b.get(f"{W}sz") for b in borders}
    heading, first, last = table.rows[0].cells[0], table.rows[1].cells[0], table.rows[-1].cells[0]
    assert edges(heading) == {"top": "8", "bottom": "4"}
    assert edges(first) == {}
    assert edges(last) == {"bottom": "8"}
    # no vertical rules anywhere: the style removes them, no cell adds them
    style_borders = document.styles["Journal Table"].element.find(f"{W}tblPr/{W}tblBorders")
    assert {b.get(f"{W}val") for b in style_borders} == {"nil"}
    assert not any(set(edges(c)) & {"left", "right", "start", "end", "insideV"}
                   for row in table.rows for c in row.cells)
    # the heading line repeats on every page; number columns are right-aligned
    assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
    assert table.rows[1].cells[2].paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT


def test_a_word_document_is_portrait_a4_and_the_same_bytes_on_every_run(release_table):
    first, again = table_document(release_table, 2), table_document(release_table, 2)
    assert first == again
    document = docx.Document(io.BytesIO(first))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.page_width < section.page_height
    assert document.core_properties.created.year == 2000
    assert document.core_properties.revision == 1
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    # every part fits between the margins
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in document.tables:
        assert sum(column.width for column in table.columns) <= text_width


# --- LaTeX ----------------------------------------------------------------------------------

def test_latex_escape_writes_every_reserved_character_as_itself():
    assert latex_escape(r"a & b % c $ d # e _ f { g } h ~ i ^ j \ k") == (
        r"a \& b \% c \$ d \# e \_ f \{ g \} h \textasciitilde{} i \textasciicircum{} j "
        r"\textbackslash{} k")
    # "[c]" opening a line would be read as \\'s optional argument
    assert latex_escape("[c]") == "{[}c{]}"
    assert latex_escape("< 0.001") == r"\textless{} 0.001"


def test_a_latex_table_is_a_booktabs_float_per_part_with_caption_and_notes(release_table):
    text = table_to_latex(release_table)
    parts = fit_portrait(release_table)
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == len(parts)
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert text.count(rule) == len(parts)
    assert "Needs in the preamble" in text and r"\usepackage{booktabs}" in text
    assert r"\caption{" + latex_escape(release_table.title) + "}" in text
    assert text.count(r"\addtocounter{table}{-1}") == len(parts) - 1
    assert text.count(r"\label{tab:characteristics}") == 1
    assert latex_escape(RELEASE_BANNER) in text and latex_escape(SYNTHETIC_BANNER) in text
    assert "{[}c{]}" in text and "[c]" not in text.replace(SUPPRESSED_NOTE, "")
    notes = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    assert notes == [f"{k}. {latex_escape(note)}\\par"
                     for k, note in enumerate(release_table.footnotes, start=1)]
    # every body line has as many cells as its part has columns (no stray & from the text)
    for part in parts:
        spec = text.split(r"\begin{tabular}{", 1)[1]
        assert spec.count("p{") >= len(part.header)
    body = [line for line in text.splitlines() if line.endswith(r" \\")]
    assert len(body) == sum(len(part.rows) + 1 for part in parts)
    assert all(line.count(" & ") + 1 in {len(p.header) for p in parts} for line in body)


def test_special_characters_in_a_cell_are_escaped_in_the_float():
    table = RenderedTable(title="R&D 100% _x_", header=["Variable", "Level", "n"],
                          rows=[["a#b", "~", "[c]"]], footnotes=["50% $"])
    text = table_to_latex(table)
    assert r"\caption{R\&D 100\% \_x\_}" in text
    assert r"a\#b & \textasciitilde{} & {[}c{]} \\" in text
    assert r"1. 50\% \$\par" in text


# --- Excel ----------------------------------------------------------------------------------

def test_sheet_names_are_short_unique_ignoring_case_and_legal():
    names = sheet_names(["prevalence_by_learning_disability", "prevalence_by_learning_disabilit"
                         "y_x", "a/b", "contents", "A/B"])
    assert all(len(name) <= 31 for name in names)
    assert len({name.lower() for name in names} | {"contents"}) == len(names) + 1
    assert names[0] == "prevalence_by_learning_disabili"
    assert names[1] == "prevalence_by_learning_disabi~2"  # 29 + 2 characters
    assert names[2] == "a_b" and names[3] == "contents~2" and names[4] == "A_B~2"


def test_the_workbook_has_contents_then_one_sheet_per_table_equal_to_its_lines(release_table):
    other = RenderedTable(title="Other", header=["Variable", "Level", "n"],
                          rows=[["=1+1", "yes", "3"]], footnotes=["one"], output="other")
    data = tier_workbook([release_table, other])
    assert data == tier_workbook([release_table, other])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [CONTENTS_SHEET, "characteristics", "other"]
    assert workbook.properties.created.year == workbook.properties.modified.year == 2000
    contents = workbook[CONTENTS_SHEET]
    assert [c.value for c in contents[2]] == ["Table 1", "characteristics", release_table.title]
    assert contents["B2"].hyperlink.location == "'characteristics'!A1"
    for table, name, number in ((release_table, "characteristics", 1), (other, "other", 2)):
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        grid = [[("" if value is None else value) for value in row]
                for row in sheet.iter_rows(min_row=1, max_row=len(table.rows) + 1,
                                           max_col=len(table.header), values_only=True)]
        assert grid == [table.header, *table.rows]
        below = [row[0] for row in sheet.iter_rows(min_row=len(table.rows) + 2,
                                                    values_only=True) if row[0]]
        assert below[0] == f"Table {number}. {table.title}"
        assert below[1:1 + len(table.footnotes)] == [
            f"{k}. {note}" for k, note in enumerate(table.footnotes, start=1)]
    sheet = workbook["characteristics"]
    tail = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert tail[-2:] == [RELEASE_BANNER, SYNTHETIC_BANNER]
    # text that looks like a formula stays text
    assert workbook["other"]["A2"].data_type == "s" and workbook["other"]["A2"].value == "=1+1"
