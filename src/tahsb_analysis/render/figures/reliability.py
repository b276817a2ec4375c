"""The dot plot of coding reliability: kappa and Gwet's AC1 of each coded field with their
CIs (output coding_reliability)."""

from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D

from tahsb_analysis.render.figures.blocks import ForestMark, forest_axes, forest_marks
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.rows import cohort_text, is_na, is_synthetic, source_output
from tahsb_analysis.render.figures.style import (
    MARKER_EDGE_COLOUR,
    OKABE_ITO,
    mark_synthetic,
    new_figure,
    no_data,
    registry_width,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.tables import (
    STATISTIC_LABELS,
    SUPPRESSED_MARKER,
    is_suppressed,
    output_rows,
    upper_first,
    variable_label,
)
from tahsb_analysis.vocabulary import COHENS_KAPPA, FLEISS_KAPPA, GWET_AC1

# Drawn per field, top to bottom: (statistic, offset, marker, colour).
_DRAWN = ((COHENS_KAPPA, 0.16, "o", OKABE_ITO["blue"]),
          (FLEISS_KAPPA, 0.16, "o", OKABE_ITO["blue"]),
          (GWET_AC1, -0.16, "s", OKABE_ITO["orange"]))
_NOTE_X = 0.02


def _mark(row, y: float, marker: str, colour: str) -> ForestMark:
    label = STATISTIC_LABELS[str(row["statistic"])]
    if is_suppressed(row):
        return ForestMark(y, None, note=f"{label}: {SUPPRESSED_MARKER}")
    if is_na(row["estimate"]):
        return ForestMark(y, None, note=f"{label}: undefined")
    limits = (None if is_na(row["ci_low"]) or is_na(row["ci_high"])
              else (float(row["ci_low"]), float(row["ci_high"])))
    return ForestMark(y, float(row["estimate"]), limits, marker, colour)


def coding_reliability_figure(results: pd.DataFrame) -> FigureOutput:
    """Kappa (Cohen's or Fleiss') and AC1 of every field, a row per field, on -1 to 1 with a
    line at 0 (chance agreement); a suppressed or undefined statistic is written, not drawn."""
    output = source_output("coding_reliability")
    rows = output_rows(results, output)
    synthetic = is_synthetic(results, output)
    variables = list(dict.fromkeys(rows["variable"].astype(str)))
    labels = [wrap_label(upper_first(variable_label(v)), 40) for v in variables]
    words = []
    with style_context():
        fig = new_figure(registry_width("coding_reliability"),
                         height=1.3 + 0.32 * max(len(labels), 1))
        ax = fig.add_subplot()
        positions = forest_axes(ax, labels, reference=0.0)
        marks = []
        for y, variable in zip(positions, variables, strict=True):
            field_rows = rows[rows["variable"].astype(str).eq(variable).to_numpy(dtype=bool)]
            parts = []
            for statistic, offset, marker, colour in _DRAWN:
                found = field_rows[field_rows["statistic"].eq(statistic).to_numpy(dtype=bool)]
                if len(found):
                    row = found.iloc[0]
                    marks.append(_mark(row, y + offset, marker, colour))
                    value = ("suppressed" if is_suppressed(row) or is_na(row["estimate"])
                             else f"{float(row['estimate']):.2f}")
                    parts.append(f"{STATISTIC_LABELS[statistic]} {value}")
            words.append(f"{upper_first(variable_label(variable))}: {', '.join(parts)}")
        forest_marks(ax, marks, _NOTE_X)
        ax.set_xlim(-1.05, 1.05)
        ax.set_xlabel("agreement beyond chance (0: chance, 1: perfect)")
        ax.set_title("Agreement between coders, by field", loc="left")
        if not variables:
            ax.set_yticks([])
            no_data(ax)
        handles = [Line2D([], [], marker=m, color=c, markeredgecolor=MARKER_EDGE_COLOUR,
                          linestyle="") for _s, _o, m, c in _DRAWN[1:]]
        fig.legend(handles, ["kappa (Cohen's; Fleiss' for 3+ coders)", "Gwet's AC1"],
                   loc="outside lower center", ncol=2, handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)
    caption = (f"Agreement between coders on the double-coded case files"
               f"{cohort_text(results, output)}: kappa and Gwet's AC1 of each coded field, "
               "markers the estimate, lines its CI; the table gives n, the share agreeing and "
               f"Krippendorff's alpha. {'. '.join(words) or 'No double coding'}.")
    alt_text = ("Dot plot of kappa and Gwet's AC1 of each coded field of the case files, "
                f"with confidence intervals. {'. '.join(words) or 'No double coding'}.")
    return finished(fig, caption, alt_text, synthetic, output)
