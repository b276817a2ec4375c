"""One figure style for every figure of the project, and deterministic saving.

Figures are built on `matplotlib.figure.Figure` (never pyplot), inside `style_context()`, so
no global state leaks between figures and the Agg backend is enough. Every figure is drawn at a
journal column width (single column 85 mm, double column 174 mm; the registry says which) with
text of 7-9 pt at that size. The SYNTHETIC and INTERNAL marks sit in a band of their own above
the content (`reserve_mark_band`), never on it. `save_figure` writes PNG (300 dpi), SVG and PDF
for journals, a screen preview PNG (`*.screen.png`, 120 dpi) for the report pages, all
byte-identical for the same input, plus the alt text beside them.
"""

from __future__ import annotations

import io
import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tahsb_analysis.registry import load_registry

MM_PER_INCH = 25.4
SINGLE_COLUMN_MM = 85  # journal single column width (Elsevier, BMJ, Springer: 80-90 mm)
DOUBLE_COLUMN_MM = 174  # journal double column (full page) width
SINGLE_COLUMN_IN = SINGLE_COLUMN_MM / MM_PER_INCH
DOUBLE_COLUMN_IN = DOUBLE_COLUMN_MM / MM_PER_INCH
COLUMN_WIDTHS_IN = {"single": SINGLE_COLUMN_IN, "double": DOUBLE_COLUMN_IN}
PNG_DPI = 300  # the journal PNG
# The screen preview the report pages embed: 120 dpi at the journal width (174 mm is 822 px),
# shown at its print size (CSS px are 1/96 in), so figure text is the size of print text.
SCREEN_DPI = 120
SCREEN_SUFFIX = ".screen.png"
CSS_PX_PER_INCH = 96
FONT_SIZE_PT = 8  # body text of a figure at print size
MARK_FONT_SIZE_PT = 7  # the SYNTHETIC and INTERNAL marks
# Text at print size stays within this range (journals ask for 6-9 pt; titles are 9 pt).
FONT_RANGE_PT = (7, 9)
SVG_HASH_SALT = "tahsb-analysis"  # fixed, so SVG element ids do not change between runs

# Okabe, M. and Ito, K. (2008) Color Universal Design (CUD): how to make figures and
# presentations that are friendly to colorblind people. Distinguishable with common
# colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NEUTRAL_GREY = "#BBBBBB"
# TA-HSB groups in blues (together they are "any TA-HSB"), offline HSB only in orange.
HSB_GROUP_COLOURS = {
    "ta_only": OKABE_ITO["sky_blue"],
    "dual": OKABE_ITO["blue"],
    "offline_only": OKABE_ITO["orange"],
    "neither": NEUTRAL_GREY,
}
# A marker shape per group as well, so groups stay apart in greyscale and for readers who
# cannot tell the colours apart.
HSB_GROUP_MARKERS = {
    "ta_only": "o",
    "dual": "s",
    "offline_only": "^",
    "neither": "D",
}
# A hatch per group for bars, for the same reason (the TA-HSB only bar stays plain).
HSB_GROUP_HATCHES = {
    "ta_only": "",
    "dual": "////",
    "offline_only": "....",
    "neither": "xxxx",
}
HATCH_COLOUR = OKABE_ITO["black"]
# Kinds of behaviour in the links figures (L1-L3): offline HSB in orange as in the HSB groups,
# pornography use and other TA-HSB in two further Okabe-Ito colours, each with its own shape;
# behaviours that began in the same year in bluish green.
BEHAVIOUR_KIND_COLOURS = {
    "offline": OKABE_ITO["orange"],
    "pornography": OKABE_ITO["reddish_purple"],
    "other_ta": OKABE_ITO["blue"],
    "same_year": OKABE_ITO["bluish_green"],
}
BEHAVIOUR_KIND_MARKERS = {"offline": "^", "pornography": "D", "other_ta": "o"}
# Line style of a child's line in the swimmer plot, by dual sub-group (R5).
DUAL_SUBGROUP_LINESTYLES = {"pornography_only": ":", "other_ta_hsb": "-"}
UNKNOWN_SUBGROUP_LINESTYLE = "--"
TIMELINE_LINE_COLOUR = "#555555"
MARKER_EDGE_COLOUR = OKABE_ITO["black"]
ROW_RULE_COLOUR = "#E5E5E5"
BAR_COLOUR = OKABE_ITO["blue"]
ERROR_BAR_COLOUR = OKABE_ITO["black"]
SYNTHETIC_COLOUR = OKABE_ITO["vermillion"]
SYNTHETIC_LABEL = "SYNTHETIC DATA"
SYNTHETIC_GID = "synthetic-data-label"
INTERNAL_USE_LABEL = "INTERNAL USE ONLY: individual children, never for release"
INTERNAL_USE_GID = "internal-use-label"

STYLE = {
    "font.family": "DejaVu Sans",  # shipped with matplotlib: same glyphs on every machine
    "font.size": FONT_SIZE_PT,
    "axes.titlesize": FONT_SIZE_PT + 1,  # 9 pt: the largest text of a figure
    "axes.labelsize": FONT_SIZE_PT,
    "xtick.labelsize": FONT_SIZE_PT,
    "ytick.labelsize": FONT_SIZE_PT,
    "legend.fontsize": FONT_SIZE_PT,
    "figure.titlesize": FONT_SIZE_PT + 1,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 3,
    "ytick.major.size": 3,
    "lines.linewidth": 1.0,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "savefig.bbox": "standard",  # keep the declared column width
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "path",
    "pdf.fonttype": 42,  # TrueType, which journals accept (not Type 3)
    "axes.prop_cycle": cycler(color=list(OKABE_ITO.values())[1:]),
}

# Metadata that would change between runs (dates, software versions) is removed.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}
_DESCRIPTION_KEY = {"png": "Description", "svg": "Description", "pdf": "Subject"}
# The marks' band: a line of mark text, and the padding above and below it (inches).
_MARK_LINE_IN = MARK_FONT_SIZE_PT * 1.3 / 72
_MARK_PAD_IN = 0.04


@contextmanager
def style_context():
    """Apply the project style while a figure is built and saved (rcParams restored after)."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: str | float = "single", height: float = 2.4) -> Figure:
    """A Figure of journal column width ("single", "double" or inches), with an Agg canvas (so
    `fig.canvas.get_renderer()` measures text); call within the style."""
    if isinstance(width, str) and width not in COLUMN_WIDTHS_IN:
        raise ValueError(f"figure width {width!r}: use one of {sorted(COLUMN_WIDTHS_IN)} "
                         "(or inches)")
    inches = COLUMN_WIDTHS_IN[width] if isinstance(width, str) else float(width)
    fig = Figure(figsize=(inches, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def registry_width(figure_name: str) -> str:
    """The column width the output registry declares for a figure ("single" or "double")."""
    return load_registry().figure(figure_name).width


def percent_axis(ax, axis: str = "x", label: str = "children (%)", upper: float = 100) -> None:
    """A 0-`upper` percentage axis whose label names the unit."""
    if axis == "x":
        ax.set_xlim(0, upper)
        ax.set_xlabel(label)
    else:
        ax.set_ylim(0, upper)
        ax.set_ylabel(label)


def wrap_label(text: str, width: int = 30) -> str:
    """A long category label broken onto several lines."""
    return "\n".join(textwrap.wrap(str(text), width=width)) or str(text)


def no_data(ax, message: str = "no data") -> None:
    """Say on the axes that there is nothing to draw."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
            color=OKABE_ITO["black"])


TIER_LABEL = "INTERNAL: not checked for release"
TIER_GID = "tier-label"
# The marks, each on its side of the band above the content, in this order.
_LEFT_MARKS = (INTERNAL_USE_GID, TIER_GID)
_RIGHT_MARKS = (SYNTHETIC_GID,)


def _add_mark(fig: Figure, gid: str, label: str) -> None:
    """A mark of the band (once per figure); `reserve_mark_band` places it when the layout is
    fixed. Left out of the layout: the band, not the mark, takes the room."""
    if any(text.get_gid() == gid for text in fig.texts):
        return
    right = gid in _RIGHT_MARKS
    text = fig.text(1.0 if right else 0.0, 1.0, label, ha="right" if right else "left",
                    va="top", color=SYNTHETIC_COLOUR, fontweight="bold",
                    fontsize=MARK_FONT_SIZE_PT, gid=gid)
    text.set_in_layout(False)


def mark_synthetic(fig: Figure) -> None:
    """Put a visible "SYNTHETIC DATA" label in the band at the figure's top right (once)."""
    _add_mark(fig, SYNTHETIC_GID, SYNTHETIC_LABEL)


def mark_internal_tier(fig: Figure) -> None:
    """Put "INTERNAL: not checked for release" in the band at the figure's top left (once): a
    figure drawn from the internal results table must never be mistaken for a released one."""
    _add_mark(fig, TIER_GID, TIER_LABEL)


def mark_internal_use(fig: Figure) -> None:
    """Put a visible "INTERNAL USE ONLY" label in the band of a figure of individual children
    (once), at the top left."""
    _add_mark(fig, INTERNAL_USE_GID, INTERNAL_USE_LABEL)


def mark_texts(fig: Figure) -> list:
    """The marks of the band on `fig` (left ones first)."""
    order = {gid: i for i, gid in enumerate(_LEFT_MARKS + _RIGHT_MARKS)}
    marks = [text for text in fig.texts if text.get_gid() in order]
    return sorted(marks, key=lambda text: order[text.get_gid()])


def mark_lines(left_widths: list[float], right_widths: list[float], width: float,
               gap: float) -> list[tuple[list[int], list[int]]]:
    """The band's lines as (left marks, right marks) by index: left marks one per line from
    the top, right marks beside them on the first lines while a line's two texts keep `gap`
    between them within `width` (all in the same unit), else on lines of their own below."""
    lines: list[tuple[list[int], list[int]]] = [([i], []) for i in range(len(left_widths))]
    for j, right in enumerate(right_widths):
        for left, rights in lines:
            used = sum(left_widths[i] for i in left) + sum(right_widths[k] for k in rights)
            if used + right + gap * (len(left) + len(rights)) <= width:
                rights.append(j)
                break
        else:
            lines.append(([], [j]))
    return lines


def reserve_mark_band(fig: Figure) -> None:
    """Give the marks a band of their own above everything else: the figure grows by the
    band's height and the constrained layout keeps its content below it (`rect`), so a mark
    can never print over a title, a label or a mark of the data. Once per figure."""
    marks = mark_texts(fig)
    if not marks or getattr(fig, "_tahsb_mark_band", False):
        return
    renderer = _renderer(fig)
    width_in, height_in = fig.get_size_inches()
    extents = [mark.get_window_extent(renderer).width / fig.dpi for mark in marks]
    left = [i for i, mark in enumerate(marks) if mark.get_gid() in _LEFT_MARKS]
    right = [i for i, mark in enumerate(marks) if mark.get_gid() in _RIGHT_MARKS]
    lines = mark_lines([extents[i] for i in left], [extents[i] for i in right],
                       width_in - 2 * _MARK_PAD_IN, gap=0.15)
    band_in = len(lines) * _MARK_LINE_IN + 2 * _MARK_PAD_IN
    total_in = height_in + band_in
    fig.set_size_inches(width_in, total_in)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "rect" in engine.get():
        engine.set(rect=(0, 0, 1, height_in / total_in))
    suptitle = fig._suptitle
    if suptitle is not None and getattr(suptitle, "_autopos", False):
        # Constrained layout puts a suptitle at the very top of the figure, whatever its
        # rect: it goes under the band instead (and the layout keeps room for it there).
        suptitle.set_position((suptitle.get_position()[0],
                               (height_in - _MARK_PAD_IN) / total_in))
        suptitle.set_verticalalignment("top")
        suptitle._autopos = False
    for number, (left_of_line, right_of_line) in enumerate(lines):
        y = 1 - (_MARK_PAD_IN + number * _MARK_LINE_IN) / total_in
        x_left = _MARK_PAD_IN / width_in
        for i in left_of_line:
            marks[left[i]].set_position((x_left, y))
        x_right = 1 - _MARK_PAD_IN / width_in
        for k in reversed(right_of_line):
            marks[right[k]].set_position((x_right, y))
            x_right -= (extents[right[k]] + 0.15) / width_in
    fig._tahsb_mark_band = True


def _renderer(fig: Figure):
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def freeze_layout(fig: Figure) -> None:
    """Make room for the marks (`reserve_mark_band`), compute the figure's layout once and
    keep it.

    Constrained layout is recomputed at every draw and may move an axes by a rounding error
    between the first and the second draw; fixing it makes every later save byte-identical.
    """
    with style_context():
        reserve_mark_band(fig)
    engine = fig.get_layout_engine()
    if engine is None or type(engine).__name__ == "PlaceHolderLayoutEngine":
        return
    with style_context():
        fig.draw_without_rendering()
    # No engine at all, not matplotlib's "none" placeholder: savefig lays out (one more draw
    # of every artist) before each file whenever a figure has an engine, placeholder or not.
    # The layout is fixed now, so those draws would only repeat it: 4 per figure (issue #19).
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # with these two off, None means no engine


def save_figure(
    fig: Figure,
    stem: Path,
    alt_text: str,
    formats: tuple[str, ...] = ("png", "svg", "pdf"),
) -> dict[str, Path]:
    """Write `stem`.<format> for each format, the screen preview `stem`.screen.png (when PNG
    is among the formats) and `stem`.alt.txt; return the paths by format ("screen" for the
    preview).

    The same figure gives byte-identical files on every run: dates and software versions are
    left out of the metadata, SVG ids come from a fixed salt and the layout is fixed before the
    first file is written (`freeze_layout`). The alt text is also stored
    as the file's description (PNG and SVG "Description", PDF "Subject").
    """
    stem = Path(stem)
    unknown = set(formats) - set(_METADATA)
    if unknown:
        raise ValueError(f"cannot save figures as {sorted(unknown)}; use {sorted(_METADATA)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    freeze_layout(fig)
    paths: dict[str, Path] = {}
    with style_context():
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            metadata = dict(_METADATA[fmt])
            metadata[_DESCRIPTION_KEY[fmt]] = alt_text
            fig.savefig(path, format=fmt, dpi=PNG_DPI, metadata=metadata)
            paths[fmt] = path
        if "png" in formats:
            screen = screen_path(stem.with_name(f"{stem.name}.png"))
            write_screen_png(fig, screen, alt_text)
            paths["screen"] = screen
    alt_path = stem.with_name(f"{stem.name}.alt.txt")
    with open(alt_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(alt_text.rstrip("\n") + "\n")
    paths["alt"] = alt_path
    return paths


def screen_path(png: Path) -> Path:
    """The screen preview beside a figure's journal PNG: figures/x.png -> figures/x.screen.png."""
    png = Path(png)
    return png.with_name(png.name.removesuffix(".png") + SCREEN_SUFFIX)


def write_screen_png(fig: Figure, path: Path, alt_text: str) -> None:
    """The screen preview: the figure at SCREEN_DPI reduced to 256 colours (no dithering: the
    figures are flat colours and antialiased text, which 256 colours keep; the file is about a
    third of the full-colour one), with its dpi and the alt text as its description."""
    # Agg's pixels as they are (RGBA), not a PNG to decode again: the same pixels, without
    # an encoding and a decoding of every preview (issue #19).
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=SCREEN_DPI)
    # Agg's canvas is the figure's size in pixels, truncated (backend_agg.RendererAgg)
    size = (int(fig.get_figwidth() * SCREEN_DPI), int(fig.get_figheight() * SCREEN_DPI))
    image = Image.frombuffer("RGBA", size, buffer.getvalue(), "raw", "RGBA", 0, 1)
    reduced = image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    info = PngInfo()
    info.add_text("Description", alt_text)
    reduced.save(path, format="PNG", optimize=True, dpi=(SCREEN_DPI, SCREEN_DPI), pnginfo=info)
