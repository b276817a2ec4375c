"""Snakemake adapter: list where the coders of the double-coded case files disagreed (case id
and field, never a code), for them to resolve. Internal tier only."""

from pathlib import Path

from tahsb_analysis.analyses.coding_reliability import coding_disagreements
from tahsb_analysis.input.cohort import read_cohort
from tahsb_analysis.spreadsheet import to_csv_neutralised


def main(smk) -> None:
    cohort = read_cohort(Path(smk.input.metadata).parent)
    disagreements = coding_disagreements(cohort)
    to_csv_neutralised(disagreements, smk.output.csv, lineterminator="\n")
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(disagreements)} disagreements for {cohort.display_label}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
