"""Snakemake adapter: every rendered file of one cohort's internal tier, in one job (the
plotting stack is imported once): tables, figures, the swimmer plot, the replication table, the
plan for a next cohort, the study report, the draft results and the coding disagreements."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.render import tier_files as steps


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    cohort_dir = Path(smk.input.metadata).parent
    out = smk.output
    log = steps.write_tier_tables(results, smk.params.tables, out.html, out.workbook)
    log += steps.write_tier_figures(results, smk.params.figures, out.figure_png)
    log += steps.write_timelines(cohort_dir, out.timelines_png)
    replication = evaluate_register(results)  # once: for its own files and the report
    log += steps.write_replication_files(replication, out.replication_csv)
    log += steps.write_plan(results, out.plan)
    figures = steps.figure_files([*out.figure_png, out.timelines_png])
    metadata = steps.read_json(smk.input.metadata)
    log += steps.write_study_report(results, figures, metadata=metadata,
                                    config=smk.params.config, html_file=out.report,
                                    replication=replication,
                                    plan_file=out.plan, repo_dir=Path.cwd())
    log += steps.write_draft_files(results, "internal", figures, out.draft_docx, out.draft_bib)
    log += steps.write_coding_disagreements(cohort_dir, out.disagreements)
    Path(smk.log[0]).write_text("".join(f"{line}\n" for line in log), encoding="utf-8")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
