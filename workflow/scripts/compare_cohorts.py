"""Snakemake adapter: compare the cohorts of one tier side by side (table, forest plots,
replication verdicts, page); in the release tier also the manifest of the comparison folder."""

import json
from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.cohorts import (
    compare_cohorts,
    pairs_against,
    replication_side_by_side,
    section_outputs,
)
from tahsb_analysis.compare.published import (
    PublishedCohortsError,
    published_cohorts_named,
    published_results,
)
from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.release.manifest import (
    build_manifest,
    manifest_markdown,
    release_files,
    rows_summary,
    write_manifest_json,
)
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.render.figures.comparison import forest_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.pages.comparison import build_comparison_report
from tahsb_analysis.render.pages.page import write_report
from tahsb_analysis.render.pages.provenance import collect_comparison_provenance
from tahsb_analysis.results.schema import write_results_csv
from tahsb_analysis.spreadsheet import to_csv_neutralised


def main(smk) -> None:
    settings = smk.params.settings
    policy = load_policy(smk.input.policy, settings.get("disclosure_preset"))
    tables = {
        label: pd.read_parquet(path)
        for label, path in zip(settings["cohorts"], smk.input.tables, strict=True)
    }
    metadata = {
        label: json.loads(Path(path).read_text(encoding="utf-8"))
        for label, path in zip(settings["cohorts"], smk.input.metadata, strict=True)
    }
    try:
        published = published_cohorts_named(settings["published_cohorts"])
    except PublishedCohortsError as error:
        raise SystemExit(str(error)) from None
    tables.update(published_results(published))
    pairs = pairs_against(tables, settings["reference"])
    rows = compare_cohorts(tables, pairs, confidence=settings["confidence_level"],
                           threshold=policy.threshold)
    rows.to_parquet(smk.output.parquet, index=False)
    write_results_csv(rows, smk.output.csv)
    side_by_side = replication_side_by_side(
        {label: evaluate_register(table) for label, table in tables.items()}
    )
    to_csv_neutralised(side_by_side, smk.output.side_by_side, lineterminator="\n")
    figures = {}
    for png in smk.output.figures:
        section = Path(png).stem.removeprefix("comparison_")
        write_figure(forest_figure(rows, section), Path(png).with_suffix(""))
        figures[section] = Path(png)
    cohorts = {**metadata, **{entry["id"]: entry for entry in published}}
    provenance = collect_comparison_provenance(
        config=settings["config"], repo_dir=Path.cwd(), cohort_metadata=metadata
    )
    html = build_comparison_report(rows, side_by_side=side_by_side, figures=figures,
                                   cohorts=cohorts, provenance=provenance)
    write_report(html, Path(smk.output.report))
    if "manifest" in smk.output.keys():
        folder = Path(smk.output.manifest).parent
        files = release_files((smk.output.csv, smk.output.side_by_side, smk.output.report),
                              figures.values())
        manifest = build_manifest(
            folder, files, rows, rows_summary(rows, policy.summary(), "comparison"),
            settings["not_released"], section_outputs(rows),
        )
        write_manifest_json(manifest, Path(smk.output.manifest))
        Path(smk.output.manifest_markdown).write_text(manifest_markdown(manifest),
                                                      encoding="utf-8")
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(rows)} comparison rows for pairs {pairs}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
