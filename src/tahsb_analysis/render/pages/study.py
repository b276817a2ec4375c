"""The study report: one self-contained HTML page per cohort and tier.

Nothing is computed here. The page lays out, in the order of the output registry's sections,
the tables rendered from a cohort's results table (by `tables`), the figures already drawn (PNG
embedded as data: URIs), the replication register, the methods named on the rows, and the
plan for a next cohort (internal tier only, `plan_section`) and the provenance of the run,
through one Jinja2 template (templates/study_report.html.j2). The same inputs give a
byte-identical page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.pages.methods import (
    adjustments_context,
    methods_context,
    unadjusted_p_values,
)
from tahsb_analysis.render.pages.page import (
    STUDY_CITATION,
    ReportError,
    ReportFigure,
    anchor,
    environment,
    key_text,
    plain_text,
    read_figure,
    row_states,
    title_of,
)
from tahsb_analysis.render.pages.plan_section import plan_context
from tahsb_analysis.render.pages.provenance import check_provenance, provenance_context
from tahsb_analysis.render.tables import (
    SYNTHETIC_BANNER,
    RenderedTable,
    render_table,
    table_to_html_fragment,
    tier_banner,
    tier_of,
)
from tahsb_analysis.render.writers import (
    _HTML_STYLE,
)
from tahsb_analysis.results.multiplicity import FAMILY_RULE
from tahsb_analysis.results.schema import validate_results
from tahsb_analysis.vocabulary import INTERNAL_TIER, RELEASE_TIER

TEMPLATE = "study_report.html.j2"
REPORT_TITLE = "Technology-assisted harmful sexual behaviour: study report"
# A suppressed cell is described by where it is and why, never by its value: only these keys
# of the disclosure manifest reach the page, whatever else a manifest entry holds.
SUPPRESSED_CELL_COLUMNS = (
    "output", "variable", "level", "group_variable", "group", "statistic", "reason"
)
OTHER_SECTION_ID = "other-outputs"


# --- disclosure ----------------------------------------------------------------------------------


def _cell_text(value) -> str:
    """A location in the manifest: empty when not given (None, <NA> or NaN)."""
    if value is None or (not isinstance(value, list | tuple | Mapping) and pd.isna(value)):
        return ""
    return plain_text(value)


def _pairs(mapping: Mapping) -> list[tuple[str, str]]:
    return [(key_text(k), plain_text(v)) for k, v in mapping.items()]


def disclosure_context(disclosure: Mapping) -> dict:
    """The disclosure manifest as the page shows it: every key of the policy and of the
    summary, and the suppressed cells by location and reason only. Other keys of the manifest
    are left out: a cell log beside it would hold values."""
    cells = disclosure.get("suppressed_cells") or []
    utility = disclosure.get("utility") or {}
    return {
        "policy": _pairs(disclosure.get("policy") or {}),
        "summary": _pairs(disclosure.get("summary") or {}),
        "checker_actions": [plain_text(a) for a in disclosure.get("checker_actions") or []],
        "finding_parts": [
            (plain_text(part["finding"]), plain_text(part["part"]),
             "yes" if part["reportable"] else "no", plain_text(part["reason"]))
            for part in utility.get("finding_parts", [])
        ],
        "presets": [
            (plain_text(row["preset"]), plain_text(row["rounding"]),
             f"{row['count_cells_released']} of {row['count_cells']}",
             plain_text(row["count_cells_primary"]), plain_text(row["count_cells_secondary"]),
             f"{row['findings_reportable']} of {row['findings']}")
            for row in ([utility, *utility.get("other_presets", [])] if utility else [])
        ],
        "cell_columns": [key_text(c) for c in SUPPRESSED_CELL_COLUMNS],
        "suppressed_cells": [
            [_cell_text(cell.get(column)) for column in SUPPRESSED_CELL_COLUMNS]
            for cell in cells
        ],
    }


# --- the sections ------------------------------------------------------------------------------


def internal_only_figures(names) -> list[str]:
    """The figures among `names` that the output registry draws for the internal tier only
    (individual-level: they may never appear on a release-tier page)."""
    registry = load_registry()
    internal = set(registry.figure_names(INTERNAL_TIER, drawn_from=None))
    internal -= set(registry.figure_names(RELEASE_TIER, drawn_from=None))
    return sorted(internal & set(names))


def _table_item(results: pd.DataFrame, output: str) -> dict:
    rendered = render_table(results, output)
    return {"kind": "table", "id": anchor("table", output), "title": title_of(output),
            "html": Markup(table_to_html_fragment(rendered))}


def _figure_item(figure: ReportFigure) -> dict:
    return {"kind": "figure", "id": anchor("figure", figure.name), "title": figure.title,
            "figure": figure}


def _sections(results: pd.DataFrame, figures: dict[str, ReportFigure], tier: str) -> list[dict]:
    """The registry's sections with what this table and these figures have to show, each
    section's tables and figures in the registry's order (`Registry.section_items`); outputs
    and figures no section names go to a last section of their own, never dropped."""
    registry = load_registry()
    present = set(results["output"].astype(str))
    placed_outputs: set[str] = set()
    placed_figures: set[str] = set()
    sections = []
    for section in registry.sections:
        items, absent = [], []
        for kind, name in registry.section_items(section.id, tier):
            if kind == "table":
                placed_outputs.add(name)
                if name in present:
                    items.append(_table_item(results, name))
                else:
                    absent.append(title_of(name))
            else:
                placed_figures.add(name)
                if name in figures:
                    items.append(_figure_item(figures[name]))
        sections.append({"id": section.id, "title": section.title, "intro": section.intro,
                         "items": items, "absent": absent})
    other_outputs = sorted(present - placed_outputs)
    other_figures = sorted(set(figures) - placed_figures)
    if other_outputs or other_figures:
        items = [_table_item(results, o) for o in other_outputs]
        items += [_figure_item(figures[f]) for f in other_figures]
        sections.append({"id": OTHER_SECTION_ID, "title": "Other outputs",
                         "intro": "Outputs of the results table that no section of the study "
                                  "report names.", "items": items, "absent": []})
    return sections


# --- the page ------------------------------------------------------------------------------------


def _one_cohort(results: pd.DataFrame) -> str:
    validate_results(results)
    if results.empty:
        raise ReportError("the results table is empty: there is nothing to report")
    cohorts = sorted(results["cohort"].astype(str).unique())
    if len(cohorts) > 1:
        raise ReportError(
            f"the results table holds several cohorts ({', '.join(cohorts)}); build one report "
            "per cohort"
        )
    return cohorts[0]


def _check_release(figures: Mapping, disclosure: Mapping | None,
                   replication: RenderedTable | None, plan: pd.DataFrame | None) -> None:
    """What a release-tier page may not show, and what it must."""
    if plan is not None:
        raise ReportError(
            "the plan for a next cohort is computed from rows not checked for release and may "
            "not appear on a release-tier report; leave out `plan`"
        )
    internal = internal_only_figures(figures)
    if internal:
        raise ReportError(
            f"figure(s) {internal} show individual children and may not appear in a "
            "release-tier report; leave them out of `figures`"
        )
    if disclosure is None:
        raise ReportError(
            "a release-tier report must show its disclosure policy: pass the disclosure "
            "manifest as `disclosure`"
        )
    if replication is not None and replication.tier != RELEASE_TIER:
        raise ReportError(
            "the replication table was rendered from rows not checked for release; render "
            "it from the released results table"
        )


def build_report(
    results: pd.DataFrame,
    *,
    figures: Mapping[str, Path] | None = None,
    replication: RenderedTable | None = None,
    plan: pd.DataFrame | None = None,
    disclosure: Mapping | None = None,
    provenance: Mapping,
) -> str:
    """One cohort's study report as a self-contained HTML page (inline CSS, figures as data:
    URIs, nothing fetched from outside).

    Parameters
    ----------
    results
        One cohort's results table (schema in `results.py`). Its tier (`tables.tier_of`) and
        SYNTHETIC flag are stated in the title and at the top of the page and on every table.
    figures
        Figure name -> PNG path, each with `<stem>.alt.txt` and `<stem>.caption.txt` beside it.
        A figure not given is not shown.
    replication
        The replication register as a rendered table, or None ("not evaluated").
    plan
        The plan for a next cohort (`compare.planner.plan_cohort`, or plan.csv read back by
        `plan_section.read_plan`) of this cohort; internal tier only. An internal page given
        None says the cohort was "not planned" and how to plan it; a release page says the
        plan is in the internal report and from `tahsb plan`.
    disclosure
        The disclosure manifest ({"policy": {...}, "summary": {...}, "suppressed_cells":
        [...]}): policy, summary and the location and reason of each suppressed cell are
        shown, never a value. Required for the release tier.
    provenance
        From `provenance.collect_provenance`.

    Raises ReportError when the inputs do not fit together: several cohorts, provenance of
    another cohort, a plan of another cohort, or a release-tier page given an internal-only
    figure (the swimmer plot), an internal replication table, a plan, or no disclosure
    manifest. The same inputs give the same
    page, byte for byte.
    """
    cohort = _one_cohort(results)
    synthetic = bool(results["synthetic"].fillna(False).any())
    tier = tier_of(results)
    check_provenance(provenance, cohort, synthetic)
    figures = dict(figures or {})
    if tier == RELEASE_TIER:
        _check_release(figures, disclosure, replication, plan)
    read = {name: read_figure(name, figures[name]) for name in sorted(figures)}
    banners = [tier_banner(tier)] + ([SYNTHETIC_BANNER] if synthetic else [])
    context = {
        "page_title": " | ".join([*banners, f"{REPORT_TITLE}, cohort {cohort}"]),
        "report_title": REPORT_TITLE,
        "style": _HTML_STYLE,
        "tier": tier,
        "tier_banner": tier_banner(tier),
        "internal": tier == INTERNAL_TIER,
        "synthetic": synthetic,
        "synthetic_banner": SYNTHETIC_BANNER,
        "cohort": cohort,
        "citation": STUDY_CITATION,
        **row_states(results),
        "sections": _sections(results, read, tier),
        "replication": (Markup(table_to_html_fragment(replication))
                        if replication is not None else None),
        "plan": plan_context(plan, cohort) if plan is not None else None,
        "methods": methods_context(results),
        "adjustments": adjustments_context(results),
        "n_unadjusted": unadjusted_p_values(results),
        "family_rule": FAMILY_RULE,
        "disclosure": disclosure_context(disclosure) if disclosure is not None else None,
        "provenance": provenance_context(provenance),
    }
    return environment().get_template(TEMPLATE).render(context)
