"""Snakemake adapter: plan a next cohort at the effects of this cohort's internal results."""

import pandas as pd

from tahsb_analysis.compare.planner import plan_cohort
from tahsb_analysis.spreadsheet import to_csv_neutralised


def main(smk) -> None:
    plan = plan_cohort(pd.read_parquet(smk.input.results))
    to_csv_neutralised(plan, smk.output.csv, lineterminator="\n")
    overall = plan[plan["part"] == 0]
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for status, count in overall["status"].value_counts().sort_index().items():
            log.write(f"{status}: {count}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
