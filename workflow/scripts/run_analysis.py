"""Snakemake adapter: run one registered analysis on one validated cohort."""

from pathlib import Path

from tahsb_analysis.analyses.run import analysis_settings, run_analysis
from tahsb_analysis.input.cohort import read_cohort


def main(smk) -> None:
    cohort = read_cohort(Path(smk.input.metadata).parent)
    settings = analysis_settings(smk.wildcards.analysis, smk.params.settings)
    results = run_analysis(smk.wildcards.analysis, cohort, settings,
                           smk.params.settings["p_adjust"])
    results.to_parquet(smk.output.results, index=False)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{smk.wildcards.analysis}: {len(results)} rows for {cohort.display_label}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
