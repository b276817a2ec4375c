"""What the study page and the comparison page share: the Jinja2 environment, in-page anchors,
figures read from disk and embedded as data: URIs (their screen previews, shown at print
size), values of a manifest in words, and writing a page byte for byte."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import pandas as pd
from PIL import Image

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.style import CSS_PX_PER_INCH, screen_path
from tahsb_analysis.render.tables import output_title
from tahsb_analysis.results.schema import NOT_CHECKED, RELEASED, SUPPRESSED

STUDY_CITATION = (
    "Hollis, V. and Belton, E. (2017) Children and young people who engage in "
    "technology-assisted harmful sexual behaviour: a study of their behaviours, backgrounds "
    "and characteristics. London: NSPCC (Impact and evidence series)."
)


class ReportError(ValueError):
    """The report cannot be built from what was given (the message says what to fix)."""


@dataclass(frozen=True)
class ReportFigure:
    """A figure ready to embed: its screen preview PNG as a data: URI, the size it is shown at
    (CSS pixels: its print size), its alt text and caption."""

    name: str
    title: str
    data_uri: str
    alt: str
    caption: str
    width: int = 0
    height: int = 0


def print_size_css(png: Path) -> tuple[int, int]:
    """The (width, height) in CSS pixels (1/96 inch) at which a PNG is its print size, from its
    pixels and the resolution it records (matplotlib writes the dpi into the file)."""
    with Image.open(png) as image:
        dpi = image.info.get("dpi")
        if not dpi:
            raise ReportError(f"{png} records no resolution (dpi); write it with "
                              "figures.write_figure")
        width, height = image.size
    return (round(width * CSS_PX_PER_INCH / float(dpi[0])),
            round(height * CSS_PX_PER_INCH / float(dpi[1])))


def title_of(name: str) -> str:
    """The registry's title of an output or a figure (a figure without a title of its own has
    its output's); a name the registry does not know is titled by `tables.output_title`."""
    return load_registry().title(name) or output_title(name)


def read_figure(name: str, path: Path) -> ReportFigure:
    """The figure whose journal PNG is `path`, embedded as its screen preview
    (`<stem>.screen.png`, required: the 300-dpi PNG would make the page several MB) with
    `<stem>.alt.txt` (required) and `<stem>.caption.txt` (optional) beside it, as written by
    `figures.write_figure`."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ReportError(f"figure {name!r}: {path} is not a PNG file; give the .png of the figure")
    if not path.is_file():
        raise ReportError(f"figure {name!r}: {path} does not exist; draw the figures first")
    stem = path.with_suffix("")
    alt_path = stem.with_name(f"{stem.name}.alt.txt")
    if not alt_path.is_file():
        raise ReportError(
            f"figure {name!r}: no alt text at {alt_path}; every figure needs one (write it with "
            "figures.write_figure)"
        )
    caption_path = stem.with_name(f"{stem.name}.caption.txt")
    caption = caption_path.read_text(encoding="utf-8").strip() if caption_path.is_file() else ""
    screen = screen_path(path)
    if not screen.is_file():
        raise ReportError(
            f"figure {name!r}: no screen preview at {screen}; the page embeds it, not the "
            "journal PNG (write both with figures.write_figure)"
        )
    data = base64.b64encode(screen.read_bytes()).decode("ascii")
    width, height = print_size_css(screen)
    return ReportFigure(
        name=name,
        title=title_of(name),
        data_uri=f"data:image/png;base64,{data}",
        alt=alt_path.read_text(encoding="utf-8").strip(),
        caption=caption,
        width=width,
        height=height,
    )


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("tahsb_analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def anchor(kind: str, name: str) -> str:
    return f"{kind}-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def output_links(outputs) -> list[tuple[str, str]]:
    """(output, anchor of its table) for in-page links."""
    return [(output, anchor("table", output)) for output in outputs]


def plain_text(value) -> str:
    """A manifest value in words: None -> "none", True -> "yes", lists and mappings flattened."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{key_text(k)}: {plain_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(plain_text(v) for v in value)
    return str(value)


def key_text(key) -> str:
    return str(key).replace("_", " ")


def row_states(results: pd.DataFrame) -> dict[str, int]:
    """How many rows the results table has, and how many in each disclosure state (rows of
    the table, not children: the page says how much of the table it shows)."""
    states = results["disclosure"].astype(str).value_counts()
    return {
        "n_rows": len(results),
        "n_released": int(states.get(RELEASED, 0)),
        "n_suppressed": int(states.get(SUPPRESSED, 0)),
        "n_not_checked": int(states.get(NOT_CHECKED, 0)),
    }


def write_report(html: str, path: Path) -> None:
    """Write the page as UTF-8 with the line endings it has (byte-identical across runs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(html)
