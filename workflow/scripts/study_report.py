"""Snakemake adapter: the study report of one cohort in one tier (one self-contained page)."""

import json
from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.render.pages.page import write_report
from tahsb_analysis.render.pages.plan_section import read_plan
from tahsb_analysis.render.pages.provenance import collect_provenance
from tahsb_analysis.render.pages.study import build_report
from tahsb_analysis.render.replication_table import render_replication


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    figures = {Path(png).with_suffix("").name: Path(png) for png in smk.input.figures}
    if "timelines" in smk.input.keys():  # internal tier only: individual-level figure
        figures[Path(smk.input.timelines).with_suffix("").name] = Path(smk.input.timelines)
    disclosure = None
    if "disclosure" in smk.input.keys():
        disclosure = json.loads(Path(smk.input.disclosure).read_text(encoding="utf-8"))
    # Internal tier only: the plan is computed from rows not checked for release.
    plan = read_plan(smk.input.plan) if "plan" in smk.input.keys() else None
    metadata = json.loads(Path(smk.input.metadata).read_text(encoding="utf-8"))
    provenance = collect_provenance(
        cohort_metadata=metadata, config=smk.params.config, repo_dir=Path.cwd()
    )
    html = build_report(
        results,
        figures=figures,
        replication=render_replication(evaluate_register(results)),
        plan=plan,
        disclosure=disclosure,
        provenance=provenance,
    )
    write_report(html, Path(smk.output.html))
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"report with {len(figures)} figures, {len(html)} characters\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
