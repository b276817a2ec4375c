"""Each rendered file of one cohort's tier, written from a results table (or the validated
cohort) to the paths the workflow names: the steps that the workflow's render_internal and
render_release jobs run in order, one process per cohort and tier, so that Python and the
plotting stack start once per tier instead of once per kind of output (issue #19).

Every step returns the lines it wants in the job's log: counts and names of outputs, never a
cell value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from tahsb_analysis.analyses.coding_reliability import coding_disagreements
from tahsb_analysis.analyses.onset import dual_timelines
from tahsb_analysis.compare.planner import plan_cohort
from tahsb_analysis.input.cohort import read_cohort
from tahsb_analysis.release.manifest import (
    build_manifest,
    manifest_markdown,
    write_manifest_json,
)
from tahsb_analysis.render.draft_document import build_draft, read_figures, write_draft
from tahsb_analysis.render.figures.catalogue import draw_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.timelines import timeline_figure
from tahsb_analysis.render.pages.page import write_report
from tahsb_analysis.render.pages.plan_section import read_plan
from tahsb_analysis.render.pages.provenance import collect_provenance
from tahsb_analysis.render.pages.study import build_report
from tahsb_analysis.render.replication_table import render_replication, write_replication
from tahsb_analysis.render.tables import render_table, write_rendered_table
from tahsb_analysis.render.xlsx_tables import write_workbook
from tahsb_analysis.spreadsheet import to_csv_neutralised


def read_json(path: str | Path) -> dict:
    """A JSON file of the workflow (cohort metadata, the gate's summary) as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def figure_files(pngs: Iterable[str | Path]) -> dict[str, Path]:
    """Each figure's PNG by the figure's name (the file's stem), in the order given."""
    return {Path(png).stem: Path(png) for png in pngs}


def write_tier_tables(results: pd.DataFrame, tables: list[str], html_files: list[str],
                      workbook: str | Path) -> list[str]:
    """Each registered table in every format beside its HTML file (CSV, Markdown, HTML, LaTeX,
    Word), numbered in the registry's order, and all of them as the tier's Excel workbook."""
    rendered, log = [], []
    for number, (output, html) in enumerate(zip(tables, html_files, strict=True), start=1):
        table = render_table(results, output)
        write_rendered_table(results, table, Path(html).with_suffix(""), number)
        rendered.append(table)
        log.append(f"table {number} {output}")
    write_workbook(rendered, Path(workbook))
    return [*log, f"workbook of {len(rendered)} tables"]


def write_tier_figures(results: pd.DataFrame, figures: list[str],
                       png_files: list[str]) -> list[str]:
    """Each registered figure drawn from the results table (PNG, SVG, PDF, alt text, caption
    beside its PNG file)."""
    for name, png in zip(figures, png_files, strict=True):
        write_figure(draw_figure(name, results), Path(png).with_suffix(""))
    return [f"figure {name}" for name in figures]


def write_timelines(cohort_dir: Path, png_file: str | Path) -> list[str]:
    """The dual children's onset timelines (one line per child: internal tier only)."""
    cohort = read_cohort(Path(cohort_dir))
    timelines = dual_timelines(cohort)
    figure = timeline_figure(timelines, synthetic=cohort.synthetic, cohort=cohort.label)
    write_figure(figure, Path(png_file).with_suffix(""))
    return [f"timelines of {len(timelines)} dual children for {cohort.display_label}"]


def write_replication_files(replication: pd.DataFrame, csv_file: str | Path) -> list[str]:
    """The replication register evaluated on the tier's results table (`evaluate_register`:
    once per job, for these files and the study report) as CSV, Markdown and HTML."""
    write_replication(replication, render_replication(replication),
                      Path(csv_file).with_suffix(""))
    overall = replication[replication["part"] == 0]
    return [f"replication {verdict}: {count}"
            for verdict, count in overall["verdict"].value_counts().sort_index().items()]


def write_plan(results: pd.DataFrame, csv_file: str | Path) -> list[str]:
    """The plan for a next cohort at this cohort's effects (internal tier only)."""
    plan = plan_cohort(results)
    to_csv_neutralised(plan, csv_file, lineterminator="\n")
    overall = plan[plan["part"] == 0]
    return [f"plan {status}: {count}"
            for status, count in overall["status"].value_counts().sort_index().items()]


def write_study_report(results: pd.DataFrame, figures: Mapping[str, Path], *,
                       metadata: Mapping, config: Mapping, html_file: str | Path,
                       replication: pd.DataFrame, plan_file: str | Path | None = None,
                       disclosure: Mapping | None = None,
                       repo_dir: Path | None = None) -> list[str]:
    """The study report (one self-contained page). `replication`: the register evaluated on
    `results`; `plan_file` only in the internal tier (the plan rests on rows not checked for
    release); `disclosure` only in the release tier."""
    provenance = collect_provenance(cohort_metadata=metadata, config=config, repo_dir=repo_dir)
    html = build_report(
        results,
        figures=dict(figures),
        replication=render_replication(replication),
        plan=read_plan(plan_file) if plan_file is not None else None,
        disclosure=disclosure,
        provenance=provenance,
    )
    write_report(html, Path(html_file))
    return [f"report with {len(figures)} figures, {len(html)} characters"]


def write_draft_files(results: pd.DataFrame, tier: str, figures: Mapping[str, Path],
                      docx_file: str | Path, bib_file: str | Path,
                      policy: Mapping | None = None) -> list[str]:
    """The draft results document of the tier and the .bib of the works it cites; `policy` is
    the disclosure policy the gate applied (release tier)."""
    draft = build_draft(results, tier, read_figures(dict(figures)), policy=policy)
    write_draft(draft, Path(docx_file), Path(bib_file))
    return [f"draft: {len(draft.tables)} tables, {len(draft.figures)} figures, "
            f"{len(draft.citations)} works cited"]


def write_coding_disagreements(cohort_dir: Path, csv_file: str | Path) -> list[str]:
    """Where the coders disagreed (case id and field, never a code): internal tier only."""
    cohort = read_cohort(Path(cohort_dir))
    disagreements = coding_disagreements(cohort)
    to_csv_neutralised(disagreements, csv_file, lineterminator="\n")
    return [f"{len(disagreements)} disagreements for {cohort.display_label}"]


def write_release_manifest(release: pd.DataFrame, files: Iterable[str | Path],
                           disclosure: Mapping, not_released: Mapping[str, str],
                           json_file: str | Path, markdown_file: str | Path) -> list[str]:
    """The manifest of a release folder (the folder of `json_file`): every file in `files` with
    its status and SHA-256, as JSON and Markdown."""
    release_dir = Path(json_file).parent
    manifest = build_manifest(release_dir, [Path(f) for f in files], release, dict(disclosure),
                              dict(not_released))
    write_manifest_json(manifest, Path(json_file))
    Path(markdown_file).write_text(manifest_markdown(manifest), encoding="utf-8")
    summary = manifest["summary"]
    return [f"manifest of {summary['files']} files: {summary['files_pass']} pass, "
            f"{summary['files_review']} review, {summary['files_fail']} fail"]
