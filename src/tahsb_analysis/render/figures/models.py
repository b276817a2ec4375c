"""The forest plot of the response models (S1-S3): adjusted odds ratios of TA-HSB only and
dual against offline HSB only, one row per binary outcome."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.figures.blocks import (
    ForestMark,
    forest_axes,
    forest_marks,
    group_handles,
    group_style,
    log_ratio_axis,
)
from tahsb_analysis.render.figures.output import FigureOutput, finished
from tahsb_analysis.render.figures.rows import (
    codebook_levels,
    cohort_text,
    count_text,
    drawable,
    findings_words,
    is_na,
    is_synthetic,
    mask,
    method_text,
    source_output,
    warning_words,
)
from tahsb_analysis.render.figures.style import (
    mark_synthetic,
    new_figure,
    no_data,
    registry_width,
    style_context,
    wrap_label,
)
from tahsb_analysis.render.tables import (
    NOT_ESTIMABLE,
    format_odds_ratio,
    format_p_value,
    output_rows,
    short_group_label,
    upper_first,
    variable_label,
)
from tahsb_analysis.vocabulary import FIRTH_PRIMARY

# Terms drawn in the forest plot, top to bottom within an outcome.
FOREST_TERMS = ("ta_only", "dual")
_FOREST_OFFSETS = {"ta_only": 0.16, "dual": -0.16}
# Where "not estimable" is written (axes fraction, from the left).
_NOT_ESTIMABLE_X = 0.02


def _estimable(row) -> bool:
    """An odds ratio that can be drawn on a log scale."""
    if not drawable(row):
        return False
    value = float(row["estimate"])
    return value > 0 and value != float("inf")


def _limits(row) -> tuple[float, float] | None:
    """Finite, positive CI limits of an odds ratio, or None."""
    if is_na(row["ci_low"]) or is_na(row["ci_high"]):
        return None
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if not (0 < low <= high < float("inf")):
        return None
    return low, high


def _binary_outcome(variable: str) -> bool:
    """False for an ordered categorical outcome (modelled by proportional odds)."""
    kind, _ = codebook_levels().get(variable, ("", ()))
    return kind != "categorical"


def _odds_ratios(rows: pd.DataFrame) -> tuple[dict[str, dict[str, pd.Series]], list[str]]:
    """({binary outcome: {group term: odds-ratio row}}, ordered outcomes (table only)). The
    row drawn is the primary one: Firth's when the model has fewer than 10 events per variable
    (its warning says "primary estimate"), else the ordinary one."""
    is_ratio = mask(rows["statistic"].isin(["odds_ratio", "odds_ratio_firth"]))
    outcomes: dict[str, dict[str, pd.Series]] = {}
    for _, r in rows[is_ratio & mask(rows["level"].isin(FOREST_TERMS))].iterrows():
        if is_na(r["variable"]) or not _binary_outcome(str(r["variable"])):
            continue
        terms = outcomes.setdefault(str(r["variable"]), {})
        if r["statistic"] == "odds_ratio":
            terms.setdefault(str(r["level"]), r)
        elif str(r["warning"]).startswith(FIRTH_PRIMARY):
            terms[str(r["level"])] = r
    ordinal = list(dict.fromkeys(
        str(v) for v in rows["variable"][rows["statistic"].eq("odds_ratio").fillna(False)]
        .dropna() if not _binary_outcome(str(v))
    ))
    return outcomes, ordinal


def _marks(positions, outcomes: dict) -> list[ForestMark]:
    marks = []
    for y, by_term in zip(positions, outcomes.values(), strict=True):
        for term in FOREST_TERMS:
            row = by_term.get(term)
            if row is None:
                continue
            y_term = y + _FOREST_OFFSETS[term]
            if _estimable(row):
                marks.append(ForestMark(y_term, float(row["estimate"]), _limits(row),
                                        *group_style(term)))
            else:
                marks.append(ForestMark(y_term, None,
                                        note=f"{short_group_label(term)}: {NOT_ESTIMABLE}"))
    return marks


def response_models_figure(results: pd.DataFrame) -> FigureOutput:
    """Adjusted odds ratios of TA-HSB only and dual vs offline HSB only.

    A forest plot: one row per binary outcome, a marker per group term (colour and shape) with
    its CI as a line, on a log scale with a line at 1 (no difference). An odds ratio the model
    could not estimate (separation) is written "not estimable" instead of a point. Ordered
    outcomes (proportional-odds models) and covariate terms are in the table only. The
    caption gives the children in each model and every warning.
    """
    output = source_output("response_models")
    rows = output_rows(results, output)
    synthetic = is_synthetic(results, output)
    outcomes, ordinal = _odds_ratios(rows)
    labels = [wrap_label(upper_first(variable_label(v)), 40) for v in outcomes]
    estimable = [r for by_term in outcomes.values() for r in by_term.values() if _estimable(r)]
    values = [x for r in estimable for x in ((float(r["estimate"]),) + (_limits(r) or ()))]
    with style_context():
        height = 1.3 + 0.42 * max(len(labels), 1)
        fig = new_figure(registry_width("response_models"), height=height)
        ax = fig.add_subplot()
        positions = forest_axes(ax, labels, reference=1.0, log=True)
        forest_marks(ax, _marks(positions, outcomes), _NOT_ESTIMABLE_X)
        log_ratio_axis(ax, values)
        ax.set_xlabel("odds ratio (log scale; reference: offline HSB only)")
        ax.set_title("Adjusted odds ratio of each response", loc="left")
        if not outcomes:
            ax.set_yticks([])
            no_data(ax)
        drawn = {t for by_term in outcomes.values() for t, r in by_term.items() if _estimable(r)}
        legend = [f"{upper_first(short_group_label(t))} vs offline HSB only"
                  + ("" if t in drawn else ": not drawn") for t in FOREST_TERMS]
        fig.legend(group_handles(FOREST_TERMS, "marker"), legend, loc="outside lower center",
                   ncol=2, handlelength=1.0)
        if synthetic:
            mark_synthetic(fig)
    caption, alt_text = _words(results, output, outcomes, ordinal)
    return finished(fig, caption, alt_text, synthetic, output)


def _ratio_words(row) -> str:
    """"OR 3.25 (1.10 to 9.61), p = 0.033", or "not estimable"."""
    if not _estimable(row):
        return NOT_ESTIMABLE
    text = f"OR {format_odds_ratio(row['estimate'], row['ci_low'], row['ci_high'])}"
    if not is_na(row["p_value"]):
        text += f", {format_p_value(row['p_value'])}"
    return text


def _words(results, output, outcomes: dict, ordinal: list[str]) -> tuple[str, str]:
    outcome_words = []
    for variable, by_term in outcomes.items():
        first = next(iter(by_term.values()))
        size = first["denominator"] if not is_na(first["denominator"]) else first["n"]
        outcome_words.append(
            f"{upper_first(variable_label(variable))} (n in model = {count_text(size)}): "
            + "; ".join(f"{short_group_label(t)} {_ratio_words(by_term[t])}"
                        for t in FOREST_TERMS if t in by_term)
        )
    chosen = [r for by_term in outcomes.values() for r in by_term.values()]
    caption = (
        f"Adjusted odds ratios of professional responses{cohort_text(results, output)}: "
        "TA-HSB only and dual compared with offline HSB only (odds ratio 1, dashed line), on "
        f"a log scale; markers show the odds ratio, lines its CI. Models: "
        f"{method_text(chosen)}. {'. '.join(outcome_words) or 'No data'}."
    )
    if ordinal:
        caption += (" Ordered responses (proportional-odds models) are given in the table: "
                    f"{', '.join(variable_label(v) for v in ordinal)}.")
    caption += warning_words(pd.DataFrame(chosen)) if chosen else ""
    caption += " Covariate terms and missing values are given in the table."
    caption += findings_words(output_rows(results, output))
    alt_text = (
        "Forest plot of adjusted odds ratios, on a log scale, of professional responses for "
        "TA-HSB only and dual HSB compared with offline HSB only. "
        + (" ".join(f"{w}." for w in outcome_words) or "No data.")
    )
    return caption, alt_text
