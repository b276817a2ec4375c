"""The one mapping from a registry figure name to the function that draws it.

The registry (`data/outputs.yaml`) says which figures exist, their titles, captions, tiers and
the output each is drawn from; code cannot live there, so this module pairs every figure the
registry draws from the results table with its drawing function (a test checks the two agree).
The swimmer plot, drawn from the cohort, is `timelines.timeline_figure`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from tahsb_analysis.render.figures.groups import characteristics_figure, responses_figure
from tahsb_analysis.render.figures.links import onset_gap_figure, trajectory_figure
from tahsb_analysis.render.figures.models import response_models_figure
from tahsb_analysis.render.figures.output import FigureOutput, mark_tier
from tahsb_analysis.render.figures.prevalence import (
    forms_per_child_figure,
    prevalence_figure,
    ta_hsb_types_figure,
)
from tahsb_analysis.render.figures.reliability import coding_reliability_figure

FIGURES: dict[str, Callable[[pd.DataFrame], FigureOutput]] = {
    "prevalence": prevalence_figure,
    "ta_hsb_types": ta_hsb_types_figure,
    "forms_per_child": forms_per_child_figure,
    "characteristics": characteristics_figure,
    "onset_gap": onset_gap_figure,
    "trajectories": trajectory_figure,
    "responses": responses_figure,
    "response_models": response_models_figure,
    "coding_reliability": coding_reliability_figure,
}


def draw_figure(name: str, results: pd.DataFrame) -> FigureOutput:
    """Registry figure `name` drawn from `results`, with its tier marked (`mark_tier`)."""
    if name not in FIGURES:
        raise KeyError(f"figure {name!r} has no drawing function; known: {sorted(FIGURES)}")
    return mark_tier(FIGURES[name](results), results, name)
