"""A rendered table as text: GitHub-flavoured Markdown, a self-contained HTML page or an HTML
fragment for a larger page, and the machine-readable CSV of an output's rows; `write_texts`
writes such texts side by side.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from tahsb_analysis.render.rendered_table import (
    SYNTHETIC_BANNER,
    RenderedTable,
    output_rows,
    tier_banner,
)
from tahsb_analysis.spreadsheet import to_csv_neutralised


def _markdown_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_to_markdown(rendered: RenderedTable) -> str:
    """The table as GitHub-flavoured Markdown; the first line is the banner when synthetic."""
    lines: list[str] = [f"**{tier_banner(rendered.tier)}**", ""]
    if rendered.synthetic:
        lines += [f"**{SYNTHETIC_BANNER}**", ""]
    lines += [f"**{_markdown_cell(rendered.title)}**", ""]
    lines.append("| " + " | ".join(_markdown_cell(h) for h in rendered.header) + " |")
    lines.append("|" + "|".join(["---", "---"] + ["---:"] * (len(rendered.header) - 2)) + "|")
    for row in rendered.rows:
        lines.append("| " + " | ".join(_markdown_cell(c) for c in row) + " |")
    if rendered.footnotes:
        lines.append("")
        lines += [
            f"{number}. {_markdown_cell(note)}"
            for number, note in enumerate(rendered.footnotes, start=1)
        ]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """\
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #000000; }
.synthetic { color: #ffffff; background: #d55e00; font-weight: bold; padding: 0.3em 0.6em;
  display: inline-block; }
.tier { font-weight: bold; padding: 0.3em 0.6em; display: inline-block; border: 2px solid; }
.tier.internal { color: #d55e00; }
.tier.release { color: #0072b2; }
table { border-collapse: collapse; margin: 0.5em 0; }
.table-scroll { overflow-x: auto; max-width: 100%; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { padding: 0.2em 0.6em; vertical-align: top; }
thead th { border-top: 1.5px solid #000000; border-bottom: 1px solid #000000; text-align: left; }
tbody tr:last-child td { border-bottom: 1.5px solid #000000; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
ol.footnotes { font-size: 9pt; padding-left: 1.5em; }
"""


def table_to_html(rendered: RenderedTable) -> str:
    """The table as a self-contained HTML5 page (inline style, no external resources)."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(rendered.title)}</title>",
        f"<style>\n{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
        table_to_html_fragment(rendered).rstrip("\n"),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def table_to_html_fragment(rendered: RenderedTable) -> str:
    """The table as an HTML fragment to embed in a larger page (the study report): the tier
    banner, the SYNTHETIC banner when synthetic, the <table> and its numbered footnotes.

    Every text is escaped; the classes are those styled by `_HTML_STYLE`, which the
    embedding page must include.
    """
    esc = html.escape
    parts = [f'<p class="tier {rendered.tier}">{esc(tier_banner(rendered.tier))}</p>']
    if rendered.synthetic:
        parts.append(f'<p class="synthetic">{esc(SYNTHETIC_BANNER)}</p>')
    # A wide table (12-13 columns) scrolls inside its own box instead of widening the page.
    parts.append('<div class="table-scroll"><table>')
    parts.append(f"<caption>{esc(rendered.title)}</caption>")
    parts.append("<thead><tr>")
    parts += [f'<th scope="col">{esc(h)}</th>' for h in rendered.header]
    parts.append("</tr></thead>")
    parts.append("<tbody>")
    for row in rendered.rows:
        cells = [f'<th scope="row">{esc(row[0])}</th>', f"<td>{esc(row[1])}</td>"]
        cells += [f'<td class="number">{esc(c)}</td>' for c in row[2:]]
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody>")
    parts.append("</table></div>")
    if rendered.footnotes:
        parts.append('<ol class="footnotes">')
        parts += [f"<li>{esc(note)}</li>" for note in rendered.footnotes]
        parts.append("</ol>")
    return "\n".join(parts) + "\n"


def table_to_csv(results: pd.DataFrame, output: str) -> str:
    """The machine-readable table: every column of `output`'s rows, unrounded, "\\n" endings."""
    return to_csv_neutralised(output_rows(results, output), lineterminator="\n")


def write_texts(texts: dict[str, str], stem: Path) -> dict[str, Path]:
    """Write each text as `stem`.<suffix> (UTF-8, line endings as given); paths by suffix."""
    stem = Path(stem)
    paths = {}
    for suffix, text in texts.items():
        path = stem.with_name(f"{stem.name}.{suffix}")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        paths[suffix] = path
    return paths
