"""Snakemake adapter: stack one cohort's per-analysis results into its results table."""

import pandas as pd

from tahsb_analysis.results.multiplicity import adjust_families
from tahsb_analysis.results.schema import concat_results, write_results_csv


def main(smk) -> None:
    # Families span analyses (a test shown by two outputs is adjusted once): re-apply the rule
    # to the whole table.
    results = adjust_families(concat_results([pd.read_parquet(path) for path in smk.input.parts]),
                              smk.params.p_adjust)
    results.to_parquet(smk.output.parquet, index=False)
    write_results_csv(results, smk.output.csv)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(results)} rows from {len(smk.input.parts)} analyses\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
