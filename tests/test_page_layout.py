"""Fitting a table to a portrait page: column widths, where a wide table splits, and where a
long one breaks (page_layout.py). Widths are worked out by hand in the comments."""

import textwrap
from random import Random

from tahsb_analysis.render.page_layout import (
    CONTINUED,
    NO_BREAK_SPACE,
    bind_numbers,
    column_blocks,
    column_widths,
    fit_portrait,
    split_columns,
    split_rows,
    wrapped_width,
)
from tahsb_analysis.render.rendered_table import RenderedTable

NB = NO_BREAK_SPACE


def wide_table() -> RenderedTable:
    """Two label columns and three groups of two columns (estimate and CI), each cell ten
    characters: every column is 10 wide, 12 with its gap."""
    header = ["Variable", "Level"] + [f"G{g}: {part}" for g in (1, 2, 3)
                                      for part in ("estimate", "CI")]
    cell = "x" * 10
    rows = [["Sex", "Male", *[cell] * 6], ["", "Female", *[cell] * 6]]
    return RenderedTable(title="Wide", header=header, rows=rows, footnotes=["a", "b"],
                         synthetic=True, output="wide", tier="release")


def test_wrapped_width_is_the_narrowest_width_that_keeps_the_line_count():
    # "21/51 (41.2%) [28.8 to 54.8]" (28 characters) on two lines: breaking before "[" gives
    # 13 + 14; breaking before "to" gives 19 + 7; the best is 14 wide.
    assert wrapped_width("21/51 (41.2%) [28.8 to 54.8]", 2) == 14
    assert wrapped_width("21/51 (41.2%) [28.8 to 54.8]", 1) == 28
    # never narrower than the longest word, however many lines are allowed
    assert wrapped_width("a bb ccccc", 10) == 5
    assert wrapped_width("", 2) == 0


def test_bind_numbers_keeps_intervals_comparisons_and_equations_whole():
    assert bind_numbers("21/51 (41.2%) [28.8 to 54.8]") == f"21/51 (41.2%) [28.8{NB}to{NB}54.8]"
    assert bind_numbers("< 0.001 [8]") == f"<{NB}0.001 [8]"
    assert bind_numbers("HL 1.0; r = 0.37") == f"HL 1.0; r{NB}={NB}0.37"
    assert bind_numbers("TA-HSB only (N = 14)") == f"TA-HSB only (N{NB}={NB}14)"
    # an unclosed bracket binds what follows it; a stray closing bracket binds nothing
    assert bind_numbers("a) b c") == "a) b c"


def test_number_cells_wrap_between_values_never_inside_an_interval():
    table = RenderedTable(title="t", header=["Variable", "Level", "All"],
                          rows=[["v", "yes", "21/51 (41.2%) [28.8 to 54.8]"]])
    # "[28.8 to 54.8]" is one unbreakable 14-character word; "21/51 (41.2%)" is 13
    assert column_widths(table) == [8, 5, 14]


def test_column_blocks_keep_a_groups_estimate_and_interval_together():
    header = ["Variable", "Level", "A: n", "A: CI", "B: n", "p", "p adj."]
    assert column_blocks(header) == [[2, 3], [4], [5], [6]]


def test_split_columns_starts_a_part_when_the_next_block_would_overflow():
    widths = [10] * 8  # 12 each with the gap; labels take 24
    blocks = [[2, 3], [4, 5], [6, 7]]
    # budget 72: labels 24 + one block 24 = 48, + a second 24 = 72 fits, a third does not
    assert split_columns(widths, blocks, 72) == [[2, 3, 4, 5], [6, 7]]
    assert split_columns(widths, blocks, 71) == [[2, 3], [4, 5], [6, 7]]
    # a block wider than the page on its own still gets a part
    assert split_columns(widths, [[2, 3, 4, 5, 6, 7]], 40) == [[2, 3, 4, 5, 6, 7]]


def test_a_table_that_fits_comes_back_unchanged():
    table = wide_table()
    assert fit_portrait(table, budget=96) == [table]  # 8 columns x 12 = 96


def test_a_wide_table_splits_into_parts_repeating_the_labels_and_continuing_the_title():
    table = wide_table()
    parts = fit_portrait(table, budget=60)  # labels 24 + one group 24 = 48; two would be 72
    assert [part.header for part in parts] == [
        ["Variable", "Level", "G1: estimate", "G1: CI"],
        ["Variable", "Level", "G2: estimate", "G2: CI"],
        ["Variable", "Level", "G3: estimate", "G3: CI"],
    ]
    assert [part.title for part in parts] == ["Wide", "Wide" + CONTINUED, "Wide" + CONTINUED]
    assert all(part.rows[1][:2] == ["", "Female"] and len(part.rows) == 2 for part in parts)
    # the footnotes close the last part; the flags stay on every part
    assert [part.footnotes for part in parts] == [[], [], ["a", "b"]]
    assert all(part.synthetic and part.tier == "release" for part in parts)
    # every data cell appears in exactly one part
    assert sum(len(part.header) - 2 for part in parts) == len(table.header) - 2


def test_split_rows_keeps_a_variables_lines_together_and_continues_the_title():
    rows = [["A", "1", "x"], ["", "2", "x"], ["B", "1", "x"], ["", "2", "x"], ["", "3", "x"]]
    table = RenderedTable(title="Long", header=["Variable", "Level", "n"], rows=rows,
                          footnotes=["note"])
    pages = split_rows(table, max_lines=4)
    assert [page.rows for page in pages] == [rows[:2], rows[2:]]
    assert [page.title for page in pages] == ["Long", "Long" + CONTINUED]
    assert [page.footnotes for page in pages] == [[], ["note"]]
    assert split_rows(table, max_lines=5) == [table]


def _wrapped_width_by_search(text: str, max_lines: int) -> int:
    # the plain search wrapped_width replaced (issue #19): every width from the longest word up
    words = [word for word in text.split(" ") if word]
    if not words:
        return 0
    width = max(len(word) for word in words)
    while len(textwrap.wrap(text, width, break_long_words=False,
                            break_on_hyphens=False)) > max_lines:
        width += 1
    return width


def test_wrapped_width_equals_the_plain_search_on_many_texts():
    random = Random(19)
    pieces = ["a", "bb", "ccc", "dddddd", "Looked-after", "(95%", "CI)", "0.42", "[c]", "—",
              "n = 12", "p\u00a0=\u00a00.03", "x" * 17]
    texts = ["", " ", "word", "two  spaces", " leading and trailing "]
    for _ in range(600):
        texts.append((" " * random.choice([1, 1, 1, 2])).join(
            random.choice(pieces) for _ in range(random.randint(1, 14))))
    for text in texts:
        for lines in (1, 2, 3, 4):
            expected = _wrapped_width_by_search(text, lines)
            assert wrapped_width(text, lines) == expected, (text, lines)
