"""Snakemake adapter: every rendered file of one cohort's release tier, in one job, from
release inputs only (the gate's results table and summary, the validated cohort's metadata):
tables, figures, the replication table, the study report, the draft results and, last, the
manifest of every released file."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.render import tier_files as steps


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    disclosure = steps.read_json(smk.input.disclosure)
    out = smk.output
    log = steps.write_tier_tables(results, smk.params.tables, out.html, out.workbook)
    log += steps.write_tier_figures(results, smk.params.figures, out.figure_png)
    replication = evaluate_register(results)  # once: for its own files and the report
    log += steps.write_replication_files(replication, out.replication_csv)
    figures = steps.figure_files(out.figure_png)
    log += steps.write_study_report(results, figures, metadata=steps.read_json(smk.input.metadata),
                                    config=smk.params.config, html_file=out.report,
                                    replication=replication,
                                    disclosure=disclosure, repo_dir=Path.cwd())
    log += steps.write_draft_files(results, "release", figures, out.draft_docx, out.draft_bib,
                                   policy=disclosure["policy"])
    # The manifest lists every released file: the gate's CSV and summary, and every output of
    # this job but the manifest itself.
    manifest = {out.manifest_json, out.manifest_markdown}
    released = [smk.input.results_csv, smk.input.disclosure,
                *(path for path in out if path not in manifest)]
    log += steps.write_release_manifest(results, released, disclosure, smk.params.not_released,
                                        out.manifest_json, out.manifest_markdown)
    Path(smk.log[0]).write_text("".join(f"{line}\n" for line in log), encoding="utf-8")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
