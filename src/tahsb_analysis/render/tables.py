"""Render one output of the results table as a table: CSV (unrounded), Markdown, HTML, LaTeX
and Word.

No statistics are computed here. `render_table` lays an output out in the layout the output
registry names for it (generic, group comparison or odds ratios; generic for an output the
registry does not know) and `write_table` writes it as CSV, Markdown, HTML, LaTeX and Word.

This module is also the tables' public face: the names figures, pages, the replication check
and notebooks use are imported from their homes below and can be imported from here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.cells import (
    EFFECT_ABBREVIATIONS,
    MEAN_SD,
    MEDIAN_IQR,
    P_ADJUSTED_HEADER,
    P_HEADER,
    format_effect,
)
from tahsb_analysis.render.footnotes import format_test, missing_note
from tahsb_analysis.render.generic_table import render_generic
from tahsb_analysis.render.group_comparison_table import (
    CHARACTERISTICS_OUTPUT,
    RESPONSES_OUTPUT,
    group_heading,
    group_size_rows,
    render_characteristics,
    reported_group_sizes,
)
from tahsb_analysis.render.labels import (
    BEHAVIOUR_KINDS,
    STATISTIC_LABELS,
    behaviour_kind_label,
    group_label,
    is_all_group,
    is_pair,
    level_label,
    output_title,
    pair_label,
    short_group_label,
    trajectory_label,
    trajectory_steps,
    unit_word,
    upper_first,
    variable_label,
)
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    NOT_ESTIMABLE,
    ci_label,
    format_ci,
    format_number,
    format_odds_ratio,
    format_p_cell,
    format_p_value,
    format_percent,
    format_rank,
    format_share,
)
from tahsb_analysis.render.odds_ratio_table import (
    RESPONSE_MODELS_OUTPUT,
    render_odds_ratios,
    term_label,
)
from tahsb_analysis.render.reliability_table import render_reliability
from tahsb_analysis.render.rendered_table import (
    INTERNAL_BANNER,
    RELEASE_BANNER,
    SUPPRESSED_MARKER,
    SUPPRESSED_NOTE,
    SYNTHETIC_BANNER,
    RenderedTable,
    TableError,
    is_suppressed,
    output_rows,
    tier_banner,
    tier_of,
)
from tahsb_analysis.render.scenario_tests_table import render_scenario_tests
from tahsb_analysis.render.writers import (
    table_to_csv,
    table_to_html,
    table_to_html_fragment,
    table_to_markdown,
    write_texts,
)
from tahsb_analysis.vocabulary import INTERNAL_TIER, RELEASE_TIER

GENERIC_LAYOUT = "generic"


def table_layout(output: str) -> str:
    """The layout the output registry names for `output`; generic for an unregistered one."""
    registry = load_registry()
    return registry.output(output).layout if registry.has_output(output) else GENERIC_LAYOUT


def render_table(results: pd.DataFrame, output: str) -> RenderedTable:
    """Lay out one output of the results table as display strings.

    The registry's layout decides: "group_comparison" renders a Table 1
    (`render_characteristics`), "odds_ratios" one line per model term (`render_odds_ratios`),
    and "generic" (also any output the registry does not know) one line per variable and level
    with a column block per group (`render_generic`). A registered output without rows renders
    an empty table that says so. Raises TableError when `output` has no rows and is not a
    registered output, or when two rows would fill the same cell.
    """
    rows = output_rows(results, output)
    if rows.empty and not load_registry().has_output(output):
        present = sorted(results["output"].dropna().unique().tolist())
        raise TableError(
            f"the results table has no rows for output {output!r}; outputs present: {present}"
        )
    layout = table_layout(output)
    if layout == "group_comparison" and len(rows):
        return render_characteristics(rows, output)
    if layout == "odds_ratios" and len(rows):
        return render_odds_ratios(rows, output)
    if layout == "scenario_tests":
        return render_scenario_tests(results, output)
    if layout == "reliability":
        return render_reliability(results, output)
    return render_generic(results, output)


def write_table(results: pd.DataFrame, output: str, stem: Path,
                number: int = 1) -> dict[str, Path]:
    """Write one output as `stem`.csv, .md, .html, .tex and .docx (captioned "Table
    `number`"); return the paths by format."""
    return write_rendered_table(results, render_table(results, output), stem, number)


def write_rendered_table(results: pd.DataFrame, rendered: RenderedTable, stem: Path,
                         number: int = 1) -> dict[str, Path]:
    """Write `rendered` (an output of `results`) in every table format; paths by format. The
    CSV holds the output's rows unrounded; the others show `rendered` as it is."""
    # Imported here: python-docx is needed only by the writers, not by the many modules
    # (figures, pages) that import this one for its names.
    from tahsb_analysis.render.docx_tables import write_docx
    from tahsb_analysis.render.latex_tables import table_to_latex

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = write_texts(
        {
            "csv": table_to_csv(results, rendered.output),
            "md": table_to_markdown(rendered),
            "html": table_to_html(rendered),
            "tex": table_to_latex(rendered),
        },
        stem,
    )
    paths["docx"] = write_docx(rendered, stem.with_name(f"{stem.name}.docx"), number)
    return paths


__all__ = [
    "BEHAVIOUR_KINDS", "CHARACTERISTICS_OUTPUT", "EFFECT_ABBREVIATIONS", "GENERIC_LAYOUT",
    "INTERNAL_BANNER", "INTERNAL_TIER", "MEAN_SD", "MEDIAN_IQR", "NOT_AVAILABLE",
    "NOT_ESTIMABLE", "P_ADJUSTED_HEADER", "P_HEADER", "RELEASE_BANNER", "RELEASE_TIER",
    "RESPONSES_OUTPUT", "RESPONSE_MODELS_OUTPUT", "STATISTIC_LABELS", "SUPPRESSED_MARKER",
    "SUPPRESSED_NOTE", "SYNTHETIC_BANNER", "RenderedTable", "TableError", "behaviour_kind_label",
    "ci_label", "format_ci", "format_effect", "format_number", "format_odds_ratio",
    "format_p_cell", "format_p_value", "format_percent", "format_rank", "format_share",
    "format_test", "group_label", "is_all_group", "is_pair", "is_suppressed", "level_label",
    "missing_note", "output_rows", "output_title", "pair_label", "render_characteristics",
    "render_odds_ratios", "render_table", "short_group_label", "table_layout", "table_to_csv",
    "table_to_html", "table_to_html_fragment", "table_to_markdown", "term_label", "tier_banner",
    "tier_of", "trajectory_label", "trajectory_steps", "unit_word", "upper_first",
    "variable_label", "write_rendered_table", "write_table", "write_texts", "group_heading",
    "group_size_rows", "reported_group_sizes",
]
