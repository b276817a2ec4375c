"""A rendered table as LaTeX: a `table` float with booktabs rules, split to fit a portrait page.

The file is meant for `\\input` into a paper. It needs, in the preamble:
`\\usepackage{booktabs}` (the rules), `\\usepackage{array}` (ragged paragraph columns) and
`\\usepackage[T1]{fontenc}` (so that < and > print as themselves; `latex_escape` spells them as
commands anyway). LaTeX numbers the table itself, so the caption carries the title only; a
table too wide or too long for the page becomes several floats (`page_layout.fit_portrait`,
`page_layout.split_rows`: a float cannot break across pages), the later ones
keeping the first one's number and titled "(continued)"; footnotes too long to share a float
with the table follow it as "Notes to Table N". Every text is escaped: the ten
characters LaTeX reserves, and "[" and "]", which after a line end would be read as the
optional argument of `\\\\` (a suppressed cell "[c]" opens many lines).
"""

from __future__ import annotations

from tahsb_analysis.render.page_layout import (
    COLUMN_GAP,
    LABEL_COLUMNS,
    NO_BREAK_SPACE,
    PORTRAIT_BUDGET,
    bind_numbers,
    column_widths,
    fit_portrait,
    split_rows,
)
from tahsb_analysis.render.rendered_table import SYNTHETIC_BANNER, RenderedTable, tier_banner

# Footnotes longer than this (characters, about 14 lines of 7 pt type across the page) follow
# the float as text instead of sitting in it.
LONG_NOTES = 2000
PACKAGES = r"\usepackage{booktabs}, \usepackage{array}, \usepackage[T1]{fontenc}"

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "[": "{[}",
    "]": "{]}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}",
    "\u00b1": r"\ensuremath{\pm}",
    "\u00d7": r"\ensuremath{\times}",
    "\u2212": r"\ensuremath{-}",
    NO_BREAK_SPACE: "~",
    "\u2013": "--",
    "\u2014": "---",
}


def latex_escape(text) -> str:
    """`text` with every character LaTeX would read as markup written as itself."""
    return "".join(_ESCAPES.get(character, character) for character in str(text))


def table_to_latex(rendered: RenderedTable, budget: int = PORTRAIT_BUDGET) -> str:
    """The table as one `table` float per part that `fit_portrait` makes for `budget`
    characters across, each cut by `split_rows` to a page's height: the tier and SYNTHETIC
    banners and the caption above, booktabs rules, and the numbered footnotes below the last
    part in smaller type."""
    parts = [rows for part in fit_portrait(rendered, budget) for rows in split_rows(part)]
    lines = [
        f"% {latex_escape(rendered.title)}",
        "% Written by tahsb-analysis from the results table; do not edit by hand.",
        f"% Needs in the preamble: {PACKAGES}.",
    ]
    for index, part in enumerate(parts):
        lines += _float(part, budget, first=index == 0)
    if _notes_outside(rendered):
        lines.append(r"\begin{flushleft}\scriptsize")
        lines.append(rf"Notes to Table~\ref{{tab:{rendered.output}}}.\par")
        lines += _notes(rendered.footnotes)
        lines.append(r"\end{flushleft}")
    return "\n".join(lines) + "\n"


def _notes_outside(rendered: RenderedTable) -> bool:
    """True when the footnotes are too long to share a float with the table (a float cannot
    break across pages): they follow it as text, headed with the table's number."""
    return bool(rendered.output) and (
        sum(len(note) for note in rendered.footnotes) > LONG_NOTES)


def _notes(footnotes: list[str]) -> list[str]:
    return [f"{number}. {latex_escape(note)}\\par"
            for number, note in enumerate(footnotes, start=1)]


def _float(part: RenderedTable, budget: int, first: bool) -> list[str]:
    lines = [r"\begin{table}[htbp]", r"\centering", r"\footnotesize",
             r"\setlength{\tabcolsep}{3pt}"]
    banners = [tier_banner(part.tier)] + ([SYNTHETIC_BANNER] if part.synthetic else [])
    lines += [rf"{{\bfseries {latex_escape(banner)}}}\par" for banner in banners]
    if first:
        lines.append(rf"\caption{{{latex_escape(part.title)}}}")
        if part.output:
            lines.append(rf"\label{{tab:{part.output}}}")
    else:
        # the same number as the first part: a continuation, not a new table
        lines += [r"\addtocounter{table}{-1}", rf"\caption{{{latex_escape(part.title)}}}"]
    lines.append(rf"\begin{{tabular}}{{{_column_spec(part, budget)}}}")
    lines.append(r"\toprule")
    lines.append(_line(part.header))
    lines.append(r"\midrule")
    lines += [_line(row) for row in part.rows]
    lines.append(r"\bottomrule")
    lines.append(r"\end{tabular}")
    if part.footnotes and not _notes_outside(part):
        lines.append(r"\par\smallskip{\scriptsize\raggedright")
        lines += _notes(part.footnotes)
        lines.append("}")
    lines.append(r"\end{table}")
    return lines


def _line(cells) -> str:
    """One line of the tabular; number cells (and their headings) break only between values
    (`bind_numbers`)."""
    texts = [cell if index < LABEL_COLUMNS else bind_numbers(cell)
             for index, cell in enumerate(cells)]
    return " & ".join(latex_escape(text) for text in texts) + r" \\"


def _column_spec(part: RenderedTable, budget: int) -> str:
    """Paragraph columns whose widths share the line as the characters do: label columns
    ragged right, number columns ragged left (right-aligned); a narrow table keeps its
    natural width rather than being stretched across the line."""
    natural = [width + COLUMN_GAP for width in column_widths(part)]
    whole = max(sum(natural), budget)
    spec = []
    for index, width in enumerate(natural):
        align = r"\raggedright" if index < LABEL_COLUMNS else r"\raggedleft"
        share = f"{width / whole:.3f}"
        spec.append(rf">{{{align}\arraybackslash}}p{{\dimexpr {share}\linewidth-2\tabcolsep}}")
    return "".join(spec)
