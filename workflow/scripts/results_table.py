"""Snakemake adapter: every registered analysis on one validated cohort, stacked into its
results table (p-values adjusted by the family rule across the whole table)."""

from pathlib import Path

from tahsb_analysis.analyses.run import run_analyses
from tahsb_analysis.input.cohort import read_cohort
from tahsb_analysis.results.schema import write_results_csv


def main(smk) -> None:
    cohort = read_cohort(Path(smk.input.metadata).parent)
    results = run_analyses(cohort, smk.params.settings)
    results.to_parquet(smk.output.parquet, index=False)
    write_results_csv(results, smk.output.csv)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for analysis, rows in results["analysis"].value_counts(sort=False).items():
            log.write(f"{analysis}: {rows} rows for {cohort.display_label}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
