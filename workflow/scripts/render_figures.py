"""Snakemake adapter: draw each figure of a cohort (PNG, SVG, PDF, alt text, caption)."""

from pathlib import Path

import pandas as pd

from tahsb_analysis.render.figures import FIGURES, mark_tier, write_figure


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    with open(smk.log[0], "w", encoding="utf-8") as log:
        for name, png in zip(smk.params.figures, smk.output.png, strict=True):
            figure = mark_tier(FIGURES[name](results), results, name)
            write_figure(figure, Path(png).with_suffix(""))
            log.write(f"figure {name}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
