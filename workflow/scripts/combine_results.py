"""Snakemake adapter: stack one cohort's per-analysis results into its results table."""

import pandas as pd

from tahsb_analysis.results.schema import concat_results, write_results_csv


def main(smk) -> None:
    results = concat_results([pd.read_parquet(path) for path in smk.input.parts])
    results.to_parquet(smk.output.parquet, index=False)
    write_results_csv(results, smk.output.csv)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(results)} rows from {len(smk.input.parts)} analyses\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
