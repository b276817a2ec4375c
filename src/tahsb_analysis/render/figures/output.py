"""A drawn figure with the words that travel with it, its tier marks, and its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.style import TIER_LABEL, mark_internal_tier, save_figure
from tahsb_analysis.render.tables import INTERNAL_TIER, SYNTHETIC_BANNER, tier_of
from tahsb_analysis.results.schema import SUPPRESSED

SUPPRESSED_WORDS = (
    "Values suppressed by disclosure control are not drawn (shown as [c] in the tables; the"
    " release manifest lists them)."
)


@dataclass
class FigureOutput:
    """A drawn figure with the words that must travel with it."""

    figure: Figure
    alt_text: str
    caption: str
    synthetic: bool = False
    output: str = ""


def finished(figure: Figure, caption: str, alt_text: str, synthetic: bool,
             output: str) -> FigureOutput:
    """The figure with its words; synthetic data say so at the start of both."""
    if synthetic:
        caption = f"{SYNTHETIC_BANNER}. {caption}"
        alt_text = f"SYNTHETIC DATA. {alt_text}"
    return FigureOutput(figure, alt_text, caption, synthetic, output)


def write_figure(figure_output: FigureOutput, stem: Path,
                 formats: tuple[str, ...] = ("png", "svg", "pdf")) -> dict[str, Path]:
    """Save the figure (see `save_figure`) and its caption as `stem`.caption.txt."""
    stem = Path(stem)
    paths = save_figure(figure_output.figure, stem, figure_output.alt_text, formats)
    caption_path = stem.with_name(f"{stem.name}.caption.txt")
    with open(caption_path, "w", encoding="utf-8", newline="") as handle:
        handle.write(figure_output.caption.rstrip("\n") + "\n")
    paths["caption"] = caption_path
    return paths


def mark_tier(figure_output: FigureOutput, results: pd.DataFrame, name: str) -> FigureOutput:
    """State the figure's tier: an internal figure says "INTERNAL: not checked for release"
    on its face, in its caption and alt text; a released figure drawn from rows with suppressed
    values says so in its caption and alt text. The outputs a figure is drawn from are the
    registry's (`Registry.figure_sources`)."""
    sources = load_registry().figure_sources().get(name, ())
    rows = results[results["output"].isin(sources)]
    if tier_of(results) == INTERNAL_TIER:
        mark_internal_tier(figure_output.figure)
        figure_output.caption = f"{TIER_LABEL}. {figure_output.caption}"
        figure_output.alt_text = f"{TIER_LABEL}. {figure_output.alt_text}"
    elif rows["disclosure"].eq(SUPPRESSED).any():
        figure_output.caption = f"{figure_output.caption} {SUPPRESSED_WORDS}"
        figure_output.alt_text = f"{figure_output.alt_text} {SUPPRESSED_WORDS}"
    return figure_output
