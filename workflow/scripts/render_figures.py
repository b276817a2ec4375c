"""Snakemake adapter: draw each figure of a cohort (PNG, SVG, PDF, alt text, caption).

`params.figures` are registry figure names (drawn from the results table), in the order of
`output.png`.
"""

from pathlib import Path

import pandas as pd

from tahsb_analysis.render.figures.catalogue import draw_figure
from tahsb_analysis.render.figures.output import write_figure


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for name, png in zip(smk.params.figures, smk.output.png, strict=True):
            write_figure(draw_figure(name, results), Path(png).with_suffix(""))
            log.write(f"figure {name}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
