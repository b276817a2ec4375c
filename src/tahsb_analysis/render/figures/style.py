"""One figure style for every figure of the project, and deterministic saving.

Figures are built on `matplotlib.figure.Figure` (never pyplot), inside `style_context()`, so
no global state leaks between figures and the Agg backend is enough. `save_figure` writes
PNG, SVG and PDF that are byte-identical for the same input, plus the alt text beside them.
"""

from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

SINGLE_COLUMN_IN = 3.5  # journal single column width, inches
DOUBLE_COLUMN_IN = 7.2  # journal double column (full page) width, inches
PNG_DPI = 300
FONT_SIZE_PT = 8  # smallest text at print size
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
    "axes.titlesize": FONT_SIZE_PT + 1,
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


@contextmanager
def style_context():
    """Apply the project style while a figure is built and saved (rcParams restored after)."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: str | float = "single", height: float = 2.4) -> Figure:
    """A Figure of journal column width ("single", "double" or inches); call within the style."""
    widths = {"single": SINGLE_COLUMN_IN, "double": DOUBLE_COLUMN_IN}
    inches = widths[width] if isinstance(width, str) else float(width)
    return Figure(figsize=(inches, height), layout="constrained")


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


def mark_synthetic(fig: Figure) -> None:
    """Put a visible "SYNTHETIC DATA" label at the figure's top right (once)."""
    if any(text.get_gid() == SYNTHETIC_GID for text in fig.texts):
        return
    fig.text(
        0.995, 0.995, SYNTHETIC_LABEL, ha="right", va="top", color=SYNTHETIC_COLOUR,
        fontweight="bold", fontsize=FONT_SIZE_PT, gid=SYNTHETIC_GID,
    )


TIER_LABEL = "INTERNAL: not checked for release"
TIER_GID = "tier-label"


def mark_internal_tier(fig: Figure) -> None:
    """Put "INTERNAL: not checked for release" at the figure's top left (once): a figure
    drawn from the internal results table must never be mistaken for a released one."""
    if any(text.get_gid() == TIER_GID for text in fig.texts):
        return
    fig.text(
        0.005, 0.995, TIER_LABEL, ha="left", va="top", color=SYNTHETIC_COLOUR,
        fontweight="bold", fontsize=FONT_SIZE_PT, gid=TIER_GID,
    )


def mark_internal_use(fig: Figure) -> None:
    """Put a visible "INTERNAL USE ONLY" title on a figure of individual children (once).

    A suptitle, so that constrained layout keeps room for it above the axes.
    """
    if fig.get_suptitle() == INTERNAL_USE_LABEL:
        return
    fig.suptitle(
        INTERNAL_USE_LABEL, x=0.005, ha="left", color=SYNTHETIC_COLOUR, fontweight="bold",
        fontsize=FONT_SIZE_PT, gid=INTERNAL_USE_GID,
    )


def freeze_layout(fig: Figure) -> None:
    """Compute the figure's layout once and keep it.

    Constrained layout is recomputed at every draw and may move an axes by a rounding error
    between the first and the second draw; fixing it makes every later save byte-identical.
    """
    engine = fig.get_layout_engine()
    if engine is None or type(engine).__name__ == "PlaceHolderLayoutEngine":
        return
    with style_context():
        fig.draw_without_rendering()
    fig.set_layout_engine("none")


def save_figure(
    fig: Figure,
    stem: Path,
    alt_text: str,
    formats: tuple[str, ...] = ("png", "svg", "pdf"),
) -> dict[str, Path]:
    """Write `stem`.<format> for each format and `stem`.alt.txt; return the paths by format.

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
    alt_path = stem.with_name(f"{stem.name}.alt.txt")
    with open(alt_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(alt_text.rstrip("\n") + "\n")
    paths["alt"] = alt_path
    return paths
