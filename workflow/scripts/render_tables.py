"""Snakemake adapter: render each table of a cohort as CSV, Markdown and HTML."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.render.tables import write_table


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for output, html in zip(smk.params.tables, smk.output.html, strict=True):
            write_table(results, output, Path(html).with_suffix(""))
            log.write(f"table {output}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
