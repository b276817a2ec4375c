"""Snakemake adapter: evaluate the replication register on a cohort's results table."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.render.replication_table import render_replication, write_replication


def main(smk) -> None:
    frame = evaluate_register(pd.read_parquet(smk.input.results))
    write_replication(frame, render_replication(frame), Path(smk.output.csv).with_suffix(""))
    overall = frame[frame["part"] == 0]
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for verdict, count in overall["verdict"].value_counts().sort_index().items():
            log.write(f"{verdict}: {count}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
