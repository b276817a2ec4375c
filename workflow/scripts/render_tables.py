"""Snakemake adapter: render each table of a cohort as CSV, Markdown, HTML, LaTeX and Word,
and all of them as the tier's Excel workbook (one job: the stack is imported once)."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.render.tables import render_table, write_rendered_table
from tahsb_analysis.render.xlsx_tables import write_workbook


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    rendered = []
    with open(smk.log[0], "w", encoding="utf-8") as log:
        # numbered in the registry's order, as in the workbook's contents sheet
        for number, (output, html) in enumerate(
                zip(smk.params.tables, smk.output.html, strict=True), start=1):
            table = render_table(results, output)
            write_rendered_table(results, table, Path(html).with_suffix(""), number)
            rendered.append(table)
            log.write(f"table {number} {output}\n")
        write_workbook(rendered, Path(smk.output.workbook))
        log.write(f"workbook of {len(rendered)} tables\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
