"""Snakemake adapter: draw the dual children's onset timelines (individual-level, internal)."""

from pathlib import Path

from tahsb_analysis.analyses.onset import dual_timelines
from tahsb_analysis.input.cohort import read_cohort
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.figures.timelines import timeline_figure


def main(smk) -> None:
    cohort = read_cohort(Path(smk.input.metadata).parent)
    timelines = dual_timelines(cohort)
    figure = timeline_figure(timelines, synthetic=cohort.synthetic, cohort=cohort.label)
    write_figure(figure, Path(smk.output.png).with_suffix(""))
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"timelines of {len(timelines)} dual children for {cohort.display_label}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
