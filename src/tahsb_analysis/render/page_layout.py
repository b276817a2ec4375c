"""Fit a rendered table to a portrait page: how wide each column is, and where to split a table
too wide for one page into parts.

A journal prints a table on a portrait page; the characteristics table, with twelve columns,
does not fit one. `fit_portrait` splits it into parts that each fit, repeating the label columns
(variable and level) in every part so that each part reads on its own; the parts after the
first are titled "(continued)" and the footnotes close the last part. Widths are counted in
characters of the table's type (about 1.45 mm a character at 8 pt): the Word and LaTeX writers
turn them into column widths, so the estimate that decides the split also lays the table out.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from functools import lru_cache

from tahsb_analysis.render.rendered_table import RenderedTable

# Every table opens with two label columns (variable and level, or outcome and term).
LABEL_COLUMNS = 2
# Millimetres one character of 8 pt type takes, on average over digits (0.5 to 0.56 em),
# letters and spaces, in Arial (Word) and Computer Modern (LaTeX).
MM_PER_CHARACTER = 1.45
# A4 portrait (210 mm) less 25 mm margins leaves 160 mm: 110 characters at 8 pt.
PORTRAIT_BUDGET = 110
# Space between two columns, in characters: the writers pad each side of a cell by about
# 1 mm (Word cell margins, LaTeX \tabcolsep = 3pt).
COLUMN_GAP = 2
# A heading may wrap onto three lines and a label onto three; a number cell onto two (e.g. the
# count and its confidence interval): more would make rows tall and hard to read.
HEADING_LINES = 3
LABEL_LINES = 3
CELL_LINES = 2
CONTINUED = " (continued)"
# Lines of 8 pt type (9.5 pt apart) on an A4 page with 25 mm margins, less the caption,
# banners and heading line.
PORTRAIT_LINES = 60


NO_BREAK_SPACE = "\u00a0"
# Spaces a line must not break at: inside brackets, "(14.3 to 16.0)" or "[c]" notes, around
# "=" ("r = 0.37", "N = 14") and after a comparison sign ("< 0.001").
_BRACKETS = {"(": ")", "[": "]"}
_BOUND_AFTER = ("=", "<", ">", "\u2264", "\u2265")


def bind_numbers(text: str) -> str:
    """`text` with the spaces a number cell must not break at made no-break spaces, so that
    "21/51 (41.2%) [28.8 to 54.8]" wraps as "21/51 (41.2%)" over "[28.8 to 54.8]" and never
    inside an interval. Unbalanced brackets bind nothing after them."""
    text = str(text)
    characters = list(text)
    closing: list[str] = []
    for index, character in enumerate(text):
        if character in _BRACKETS:
            closing.append(_BRACKETS[character])
        elif closing and character == closing[-1]:
            closing.pop()
        elif character == " " and index and (
                closing or text[index - 1] in _BOUND_AFTER
                or text[index + 1:index + 2] == "="):
            characters[index] = NO_BREAK_SPACE
    return "".join(characters)


def wrapped_width(text: str, max_lines: int) -> int:
    """The narrowest width (in characters) at which `text` wraps on spaces onto at most
    `max_lines` lines; never narrower than its longest word (words are not broken, and
    no-break spaces join words)."""
    return _wrapped_width(str(text), max_lines)


@lru_cache(maxsize=65536)  # tables repeat cells ("-", "[c]", the same labels) many times
def _wrapped_width(text: str, max_lines: int) -> int:
    words = [word for word in text.split(" ") if word]
    if not words:
        return 0
    # Start where the answer can begin (the search is then much shorter; the answer is the
    # same): k lines of w characters hold at most k * w characters of words and single spaces
    # between the words of a line, so w >= (letters + spaces - (k - 1)) / k.
    joined = sum(len(word) for word in words) + len(words) - 1
    width = max(max(len(word) for word in words), -(-(joined - (max_lines - 1)) // max_lines))
    while len(_wrap(text, width)) > max_lines:
        width += 1
    return width


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)


def column_widths(rendered: RenderedTable) -> list[int]:
    """Each column's width in characters: wide enough for its heading on `HEADING_LINES`
    lines and every cell on `LABEL_LINES` (label columns) or `CELL_LINES` lines, number
    cells and headings breaking only where `bind_numbers` allows."""
    widths = []
    for index, heading in enumerate(rendered.header):
        if index < LABEL_COLUMNS:
            cells = [wrapped_width(row[index], LABEL_LINES) for row in rendered.rows]
        else:
            cells = [wrapped_width(bind_numbers(row[index]), CELL_LINES)
                     for row in rendered.rows]
        widths.append(max([wrapped_width(bind_numbers(heading), HEADING_LINES), *cells]))
    return widths


def column_blocks(header: list[str], first: int = LABEL_COLUMNS) -> list[list[int]]:
    """The data columns from `first` on, grouped into blocks a split must keep together:
    neighbouring columns whose headings share the text before ": " (a group's estimate and
    its confidence interval, a comparison and its adjusted p)."""
    blocks: list[list[int]] = []
    previous = None
    for index in range(first, len(header)):
        key = str(header[index]).split(": ")[0]
        if blocks and key == previous:
            blocks[-1].append(index)
        else:
            blocks.append([index])
        previous = key
    return blocks


def split_columns(widths: list[int], blocks: list[list[int]], budget: int) -> list[list[int]]:
    """The data columns of each part: blocks in order, a new part whenever the next block
    would take the part (label columns included) past `budget` characters. A block wider
    than a page on its own gets a part to itself."""
    def width(columns: list[int]) -> int:
        return sum(widths[i] + COLUMN_GAP for i in columns)

    labels = width(list(range(min(LABEL_COLUMNS, len(widths)))))
    parts: list[list[int]] = []
    for block in blocks:
        if parts and labels + width(parts[-1]) + width(block) <= budget:
            parts[-1].extend(block)
        else:
            parts.append(list(block))
    return parts or [[]]


def fit_portrait(rendered: RenderedTable, budget: int = PORTRAIT_BUDGET) -> list[RenderedTable]:
    """`rendered` as one or more tables that each fit `budget` characters across.

    A table that fits comes back unchanged, alone. A wider one is split between column blocks
    (`column_blocks`): every part repeats the label columns and keeps every row (so line k of
    each part is the same variable and level), the parts after the first are titled
    "... (continued)", and the footnotes close the last part (their numbers, which cells cite
    as "[k]", are those of the whole table). The tier and SYNTHETIC flags stay on every part.
    """
    widths = column_widths(rendered)
    if sum(width + COLUMN_GAP for width in widths) <= budget:
        return [rendered]
    labels = list(range(min(LABEL_COLUMNS, len(widths))))
    parts = split_columns(widths, column_blocks(rendered.header), budget)
    fitted = []
    for number, data in enumerate(parts):
        columns = labels + data
        fitted.append(replace(
            rendered,
            title=rendered.title + (CONTINUED if number else ""),
            header=[rendered.header[i] for i in columns],
            rows=[[row[i] for i in columns] for row in rendered.rows],
            footnotes=list(rendered.footnotes) if number == len(parts) - 1 else [],
        ))
    return fitted


def line_heights(rendered: RenderedTable) -> list[int]:
    """How many lines of type each body line takes once its cells wrap in `column_widths`."""
    widths = column_widths(rendered)
    heights = []
    for row in rendered.rows:
        texts = [cell if index < LABEL_COLUMNS else bind_numbers(cell)
                 for index, cell in enumerate(row)]
        heights.append(max([1] + [len(_wrap(text, max(width, 1)))
                                  for text, width in zip(texts, widths, strict=True)]))
    return heights


def split_rows(rendered: RenderedTable, max_lines: int = PORTRAIT_LINES) -> list[RenderedTable]:
    """`rendered` as tables of at most `max_lines` lines of type each, for a layout whose
    tables cannot break across pages (a LaTeX float). A variable's lines (its first line names
    it, the next ones leave the label blank) stay together unless they alone exceed a page.
    Titles, footnotes and flags continue as in `fit_portrait`."""
    heights = line_heights(rendered)
    groups: list[list[int]] = []
    for index, row in enumerate(rendered.rows):
        if not groups or str(row[0]).strip():
            groups.append([index])
        else:
            groups[-1].append(index)
    pages: list[list[int]] = []
    for group in groups:
        height = sum(heights[i] for i in group)
        if pages and sum(heights[i] for i in pages[-1]) + height <= max_lines:
            pages[-1].extend(group)
        else:
            pages.append(list(group))
    if len(pages) <= 1:
        return [rendered]
    continued = rendered.title.endswith(CONTINUED)
    return [
        replace(
            rendered,
            title=rendered.title + (CONTINUED if number and not continued else ""),
            rows=[rendered.rows[i] for i in page],
            footnotes=list(rendered.footnotes) if number == len(pages) - 1 else [],
        )
        for number, page in enumerate(pages)
    ]


def budget_for(text_width_mm: float) -> int:
    """The budget in characters of a text block `text_width_mm` wide (8 pt type)."""
    return int(text_width_mm / MM_PER_CHARACTER)
