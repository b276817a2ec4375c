"""The cohort comparison page: one self-contained HTML page per tier, laying out the comparison
rows (`compare.cohorts.compare_cohorts`) section by section (the output registry's sections,
then "other"), each with its forest plot and a table of its comparisons, the replication
verdicts of every cohort side by side, the sources of the published cohorts, the methods and
the provenance, through templates/comparison_report.html.j2. Nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from tahsb_analysis.compare.cohorts import (
    OTHER_SECTION,
    SECTION_TITLES,
    section_of,
)
from tahsb_analysis.compare.statistics import (
    KEY_COLUMNS,
    MEAN_DIFFERENCE,
    ODDS_RATIO,
    RISK_DIFFERENCE,
)
from tahsb_analysis.compare.verdicts import VALUE_SCALE
from tahsb_analysis.compare.wording import count_text
from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.figures.comparison import item_label
from tahsb_analysis.render.pages.methods import comparison_methods
from tahsb_analysis.render.pages.page import (
    STUDY_CITATION,
    ReportError,
    anchor,
    environment,
    plain_text,
    read_figure,
    row_states,
)
from tahsb_analysis.render.pages.provenance import comparison_provenance_context
from tahsb_analysis.render.tables import (
    NOT_AVAILABLE,
    STATISTIC_LABELS,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
    RenderedTable,
    ci_label,
    format_ci,
    format_number,
    format_odds_ratio,
    format_p_cell,
    format_p_value,
    table_to_html_fragment,
    tier_banner,
    tier_of,
)
from tahsb_analysis.render.verdict_legend import verdict_legend
from tahsb_analysis.render.writers import (
    _HTML_STYLE,
)
from tahsb_analysis.results.schema import SUPPRESSED, validate_results
from tahsb_analysis.vocabulary import INTERNAL_TIER, PAIR_SEPARATOR

COMPARISON_TEMPLATE = "comparison_report.html.j2"
COMPARISON_TITLE = "Technology-assisted harmful sexual behaviour: cohort comparison"
# The comparison page's introduction of each section, keyed by the registry's section ids (the
# registry's intros introduce the study page's sections, which show one cohort).
# What the comparison page says of outputs no registered section holds (the sections' own
# words are the registry's `comparison_intro`).
OTHER_SECTION_INTRO = "Outputs no section of this page names."


def comparison_intro(section: str) -> str:
    """The comparison page's words under a section's title."""
    registry = load_registry()
    if section in {s.id for s in registry.sections}:
        return registry.section(section).comparison_intro
    return OTHER_SECTION_INTRO


COMPARISON_HEADER = [
    "Compared statistic", "Cohorts (first vs second)", "Difference (95% CI)",
    "Odds ratio (95% CI)", "Test", "p", "p adj.", "n/N (both cohorts)",
]
COMPARISON_SUPPRESSED_NOTE = (
    "[c] Computed from a suppressed count: a value of either cohort was hidden by disclosure "
    "control, so the comparison is hidden too."
)
PUBLISHED_KIND = "published (aggregate figures only)"
SERVICE_KIND = "service cohort (results table)"
_TEST_CELLS = {"chi2": "chi-squared = {value}", "welch_t": "Welch t = {value}"}
_TEST_NAMES = {"fisher_exact": "Fisher's exact", "not_tested": "not tested"}
NOT_EVALUATED = "not evaluated"


def _na(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _pair_cohorts(pair) -> list[str]:
    return str(pair).split(PAIR_SEPARATOR)


def _difference_cell(row) -> str:
    if row is None:
        return NOT_AVAILABLE
    if row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    if _na(row["estimate"]):
        return NOT_AVAILABLE
    if row["statistic"] == RISK_DIFFERENCE:
        text = f"{format_number(float(row['estimate']) * 100, 1)} pp"
        limits = format_ci(row["ci_low"], row["ci_high"])
    else:
        digits = 1 if row["unit"] == "years" else 2
        unit = f" {row['unit']}" if not _na(row["unit"]) else ""
        text = f"{format_number(row['estimate'], digits)}{unit}"
        limits = format_ci(row["ci_low"], row["ci_high"], percent=False, digits=digits)
    return text if limits == NOT_AVAILABLE else f"{text} ({limits})"


def _odds_ratio_cell(row) -> str:
    if row is None:
        return ""
    if row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    return format_odds_ratio(row["estimate"], row["ci_low"], row["ci_high"])


def _test_cells(row) -> list[str]:
    if row is None:
        return [NOT_AVAILABLE] * 3
    if row["disclosure"] == SUPPRESSED:
        return [SUPPRESSED_MARKER] * 3
    statistic = str(row["statistic"])
    if statistic in _TEST_CELLS and not _na(row["estimate"]):
        name = _TEST_CELLS[statistic].format(value=format_number(row["estimate"], 2))
    else:
        name = _TEST_NAMES.get(statistic, STATISTIC_LABELS.get(statistic, statistic))
    return [name, format_p_cell(row["p_value"]), format_p_cell(row["p_adjusted"])]


def _count_cell(row) -> str:
    if row is None or row["disclosure"] == SUPPRESSED:
        return SUPPRESSED_MARKER
    if _na(row["n"]) or _na(row["denominator"]):
        return NOT_AVAILABLE
    if row["statistic"] == MEAN_DIFFERENCE:
        return f"n = {int(row['n'])}"
    return f"{int(row['n'])}/{int(row['denominator'])}"


def comparison_table(comparison: pd.DataFrame, section: str) -> RenderedTable:
    """The comparison rows of one section of the page as a table: one line per compared
    statistic and pair of cohorts (difference with CI, odds ratio with CI, test, p, Holm-adjusted
    p, n/N of both cohorts), with the methods, warnings and suppression as footnotes."""
    in_section = comparison["output"].map(section_of).eq(section)
    rows = comparison[in_section.to_numpy(dtype=bool)]
    lines: dict[tuple, dict] = {}
    for _, row in rows.iterrows():
        key = (str(row["cohort"]),
               *(None if _na(row[c]) else str(row[c]) for c in KEY_COLUMNS))
        line = lines.setdefault(key, {"label": item_label(row), "pair": str(row["cohort"])})
        statistic = str(row["statistic"])
        if statistic in (RISK_DIFFERENCE, MEAN_DIFFERENCE):
            line["difference"] = row
        elif statistic == ODDS_RATIO:
            line["odds_ratio"] = row
        else:
            line["test"] = row
    table_rows, warnings = [], {}
    for line in lines.values():
        table_rows.append([
            line["label"], line["pair"], _difference_cell(line.get("difference")),
            _odds_ratio_cell(line.get("odds_ratio")), *_test_cells(line.get("test")),
            _count_cell(line.get("difference")),
        ])
        for part in ("difference", "odds_ratio", "test"):
            row = line.get(part)
            if row is not None and not _na(row["warning"]):
                where = f"{line['label']}, {line['pair']}"
                for text in str(row["warning"]).split("; "):
                    places = warnings.setdefault(text, [])
                    if where not in places:
                        places.append(where)
    methods = list(dict.fromkeys(str(m) for m in rows["method"].dropna()))
    footnotes = [
        "Differences are first cohort minus second: risk differences in percentage points (pp), "
        "differences in means in the variable's unit. The cohorts are assumed independent (no "
        "child in both).",
        "Methods: " + "; ".join(methods) + "." if methods else "No comparison in this section.",
        "p adj.: Holm adjustment across all tests of each pair of cohorts (every section).",
    ]
    footnotes += [f"Warning: {text} ({'; '.join(places)})." for text, places in warnings.items()]
    if rows["disclosure"].eq(SUPPRESSED).any():
        footnotes.append(COMPARISON_SUPPRESSED_NOTE)
    title = SECTION_TITLES.get(section, section)
    # The headers name the interval the rows used ("95% CI" unless another confidence was set).
    interval = ci_label(rows["method"].iloc[0]) if len(rows) else "95% CI"
    header = [h.replace("95% CI", interval) for h in COMPARISON_HEADER]
    return RenderedTable(
        title=f"{title}: comparisons between cohorts",
        header=header,
        rows=table_rows,
        footnotes=footnotes,
        synthetic=bool(rows["synthetic"].fillna(False).any()),
        output=f"comparison_{section}",
        tier=tier_of(rows) if len(rows) else tier_of(comparison),
    )


def _register_alpha(side_by_side: pd.DataFrame) -> float | None:
    """The alpha every cohort was evaluated with, or None when there is none or several."""
    alphas = {float(a) for a in side_by_side["alpha"].dropna()}
    return alphas.pop() if len(alphas) == 1 else None


def _p_words(row) -> str:
    """The p the verdict rests on, saying which: "p = 0.369 (Holm-adjusted)", or the raw p of an
    equivalence test, "p = 0.001 (TOST, not adjusted)"; "" when the verdict rests on no test."""
    if not _na(row["p_adjusted"]):
        return f"{format_p_value(row['p_adjusted'])} (Holm-adjusted)"
    if _na(row["p_value"]):
        return ""
    test = "TOST, " if row["scale"] == VALUE_SCALE else ""
    return f"{format_p_value(row['p_value'])} ({test}not adjusted)"


def _mdd_words(row) -> str:
    """ "MDD 8.4 pp" (shares), "MDD 2.3 years" (means); "" without one."""
    if _na(row["mdd"]) or _na(row["statistic"]):
        return ""
    if row["statistic"] == "proportion":
        return f"MDD {format_number(float(row['mdd']) * 100, 1)} pp"
    unit = "" if _na(row["unit"]) else f" {row['unit']}"
    return f"MDD {format_number(row['mdd'], 1)}{unit}"


def _count_words(row) -> str:
    """ "126/275", or "22/25 vs 7/14" for a direction claim; "" for a finding of several parts
    (its counts are in its parts)."""
    if _na(row["n"]) or _na(row["statistic"]):
        return ""
    words = count_text(row["n"], row["denominator"], row["statistic"], row["unit"])
    if _na(row["compared_n"]):
        return words
    other = count_text(row["compared_n"], row["compared_denominator"], row["statistic"],
                       row["unit"])
    return f"{words} vs {other}"


def verdict_cell(row) -> str:
    """One cohort's verdict on one finding with what it rests on: "same direction, not
    statistically supported; p = 0.369 (Holm-adjusted); MDD 12.7 pp; 73/119"."""
    if row is None or _na(row["verdict"]):
        return NOT_EVALUATED
    parts = [str(row["verdict"]), _p_words(row), _mdd_words(row), _count_words(row)]
    return "; ".join(part for part in parts if part)


def side_by_side_table(side_by_side: pd.DataFrame, *, tier: str, synthetic: bool
                       ) -> RenderedTable:
    """The replication verdicts of several cohorts (`compare.cohorts.replication_side_by_side`)
    as a table: finding, published value, then one column per cohort whose cells give the
    verdict, its p-value (saying whether adjusted), the minimum detectable difference and the
    counts (`verdict_cell`)."""
    cohorts = list(dict.fromkeys(side_by_side["cohort"].dropna().astype(str)))
    lines: dict[str, dict] = {}
    for _, row in side_by_side.iterrows():
        line = lines.setdefault(str(row["finding"]), {"row": row, "cells": {}})
        line["cells"][str(row["cohort"])] = row
    rows = [
        [f"{finding}: {line['row']['claim']}", str(line["row"]["published"]),
         *(verdict_cell(line["cells"].get(c)) for c in cohorts)]
        for finding, line in lines.items()
    ]
    alpha = _register_alpha(side_by_side)
    alpha = "the register's alpha" if alpha is None else f"{alpha:g}"
    footnotes = [
        "The overall verdict of each published finding of Hollis and Belton (2017) on each "
        "cohort (the verdict words are explained above the table), then what it rests on. "
        "p: the claim's test, Holm-adjusted within that cohort (the column p_adjust_method of "
        f"its replication.csv names the family) and compared with alpha = {alpha}; an "
        "equivalence test (TOST) is not adjusted. For a finding with several parts, p and MDD "
        "are the largest of its parts'.",
        "MDD: the minimum detectable difference, the smallest difference the same kind of test "
        "detects with 80% power at that cohort's size (shares in percentage points, pp): a "
        "smaller true effect would usually be missed, whatever the verdict. n/N: the children "
        "(or behaviours) the verdict rests on, the compared group's after \"vs\"; a finding "
        "with several parts has its counts in its parts.",
        "Each cohort's own replication table names the test of every verdict and every part; "
        "replication_side_by_side.csv holds these values unrounded, one row per finding and "
        f"cohort. \"{NOT_EVALUATED}\": the cohort's evaluation has no such finding.",
    ]
    if synthetic:
        footnotes.append("A SYNTHETIC cohort was generated to match the published findings: "
                         "its agreement holds by construction, as far as its size lets a test "
                         "detect it.")
    return RenderedTable(
        title="Published findings checked on each cohort: verdict, p, minimum detectable "
              "difference (MDD) and n/N",
        header=["Finding", "Published", *cohorts],
        rows=rows,
        footnotes=footnotes,
        synthetic=synthetic,
        output="replication_side_by_side",
        tier=tier,
    )


def _published_source(label: str, meta: Mapping) -> dict:
    figures = []
    for figure in meta.get("figures") or []:
        if figure.get("comparable"):
            target = figure.get("maps_to") or {}
            shown = ", ".join(f"{k} {v}" for k, v in target.items() if v is not None)
            use = f"compared with the results row {shown}"
            if figure.get("note"):
                use += f". {figure['note']}"
        else:
            use = f"not compared: {figure.get('reason', 'no reason given')}"
        figures.append({"wording": str(figure.get("wording", "")),
                        "measure": str(figure.get("measure", "")), "use": use})
    return {
        "label": label,
        "citation": str(meta.get("citation", label)),
        "full_reference": meta.get("full_reference"),
        "reference_note": meta.get("reference_note"),
        "figures_from": meta.get("figures_from"),
        "setting": meta.get("setting"),
        "population": meta.get("population"),
        "not_encoded": meta.get("not_encoded"),
        "figures": figures,
    }


def _cohort_line(label: str, meta: Mapping) -> list[str]:
    published = "citation" in meta
    kind = PUBLISHED_KIND if published else SERVICE_KIND
    if published:
        about = f"{meta['citation']}: {meta.get('population', '')}".rstrip(": ")
    else:
        sources = meta.get("sources") or {}
        about = "; ".join(f"{table}: {plain_text(s.get('rows'))} rows"
                          for table, s in sorted(sources.items()) if isinstance(s, Mapping))
    synthetic = "yes (SYNTHETIC)" if meta.get("synthetic") else "no"
    return [label, kind, synthetic, about]


def build_comparison_report(
    comparison: pd.DataFrame,
    *,
    side_by_side: pd.DataFrame,
    figures: Mapping[str, Path],
    cohorts: Mapping[str, Mapping],
    provenance: Mapping | None = None,
) -> str:
    """The cohort comparison as one self-contained HTML page (inline CSS, figures as data:
    URIs, nothing fetched from outside).

    Parameters
    ----------
    comparison
        Rows of `compare.cohorts.compare_cohorts` (results schema). Their tier (`tables.tier_of`)
        gives the tier banner; any synthetic row gives the SYNTHETIC banner.
    side_by_side
        `compare.cohorts.replication_side_by_side` of the same cohorts' evaluations (of the same
        tier as `comparison`).
    figures
        Section id (keys of `compare.cohorts.SECTION_TITLES`) -> PNG of its forest plot, with
        `<stem>.alt.txt` and `<stem>.caption.txt` beside it (`figures.write_figure`).
    cohorts
        Cohort label -> metadata: a service cohort's validated/cohort.json, or a published
        cohort's entry of `compare.published.load_published_cohorts()` (recognised by its
        `citation`; listed under "Sources" with every figure, compared or not, and why).
        Every cohort of every compared pair must be here.
    provenance
        From `provenance.collect_comparison_provenance`, or None (the section then says so).

    Raises ReportError when a pair's cohort is not described, a figure's section is unknown
    or a figure file is missing. The same inputs give the same page, byte for byte.
    """
    _check_comparison(comparison, figures, cohorts)
    tier = tier_of(comparison)
    synthetic = (bool(comparison["synthetic"].fillna(False).any())
                 or any(bool(m.get("synthetic")) for m in cohorts.values()))
    warned = comparison["warning"].str.contains("differencing:", regex=False).fillna(False)
    banners = [tier_banner(tier)] + ([SYNTHETIC_BANNER] if synthetic else [])
    context = {
        "page_title": " | ".join([*banners, COMPARISON_TITLE]),
        "report_title": COMPARISON_TITLE,
        "style": _HTML_STYLE,
        "tier": tier,
        "tier_banner": tier_banner(tier),
        "internal": tier == INTERNAL_TIER,
        "synthetic": synthetic,
        "synthetic_banner": SYNTHETIC_BANNER,
        "citation": STUDY_CITATION,
        "pairs": list(dict.fromkeys(comparison["cohort"].astype(str))),
        "cohort_header": ["Cohort", "Kind", "Synthetic", "Description"],
        "cohort_lines": [_cohort_line(str(label), meta) for label, meta in cohorts.items()],
        "sources": [_published_source(str(label), meta) for label, meta in cohorts.items()
                    if "citation" in meta],
        **row_states(comparison),
        "n_differencing": int(warned.sum()),
        "sections": _sections(comparison, figures),
        "side_by_side": Markup(table_to_html_fragment(
            side_by_side_table(side_by_side, tier=tier, synthetic=synthetic))),
        "verdict_legend": verdict_legend(_register_alpha(side_by_side)),
        "methods": comparison_methods(comparison),
        "provenance": comparison_provenance_context(provenance),
    }
    return environment().get_template(COMPARISON_TEMPLATE).render(context)


def _check_comparison(comparison: pd.DataFrame, figures: Mapping[str, Path],
                      cohorts: Mapping[str, Mapping]) -> None:
    validate_results(comparison)
    pair_cohorts = list(dict.fromkeys(
        c for pair in comparison["cohort"].astype(str) for c in _pair_cohorts(pair)))
    missing = [c for c in pair_cohorts if c not in cohorts]
    if missing:
        raise ReportError(
            f"cohort(s) {missing} are compared but not described in `cohorts`; pass each "
            "cohort's validated/cohort.json or its published-cohort entry"
        )
    unknown = sorted(set(figures) - set(SECTION_TITLES))
    if unknown:
        raise ReportError(
            f"figure(s) {unknown} name no section of the comparison page; use the section ids "
            f"{list(SECTION_TITLES)}"
        )


def _sections(comparison: pd.DataFrame, figures: Mapping[str, Path]) -> list[dict]:
    """Every section of the registry with its forest plot and its table of comparisons (none
    when it has no rows); "other" only when it has rows or a figure."""
    read = {}
    for section, path in sorted(figures.items()):
        figure = read_figure(section, path)
        read[section] = replace(
            figure, title=f"Risk differences between cohorts: "
                          f"{SECTION_TITLES[section].lower()}")
    present = set(comparison["output"].astype(str).map(section_of))
    sections = []
    for section, title in SECTION_TITLES.items():
        if section == OTHER_SECTION and section not in present | set(read):
            continue
        has_rows = section in present
        sections.append({
            "id": f"section-{section}",
            "title": title,
            "intro": comparison_intro(section),
            "figure": read.get(section),
            "figure_id": anchor("figure", f"comparison_{section}"),
            "table": (Markup(table_to_html_fragment(comparison_table(comparison, section)))
                      if has_rows else None),
            "table_id": anchor("table", f"comparison_{section}"),
        })
    return sections
