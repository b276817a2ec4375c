"""Snakemake adapter: the draft results document of one cohort in one tier, and its .bib."""

import json
from pathlib import Path

import pandas as pd

from tahsb_analysis.render.draft_document import build_draft, read_figures, write_draft


def main(smk) -> None:
    results = pd.read_parquet(smk.input.results)
    pngs = {Path(png).stem: Path(png) for png in smk.input.figures}
    if "timelines" in smk.input.keys():  # internal tier only: individual-level figure
        pngs[Path(smk.input.timelines).stem] = Path(smk.input.timelines)
    policy = None
    if "disclosure" in smk.input.keys():  # release tier: the policy the gate applied
        policy = json.loads(Path(smk.input.disclosure).read_text(encoding="utf-8"))["policy"]
    draft = build_draft(results, smk.params.tier, read_figures(pngs), policy=policy)
    write_draft(draft, Path(smk.output.docx), Path(smk.output.bib))
    with open(smk.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(draft.tables)} tables, {len(draft.figures)} figures, "
                  f"{len(draft.citations)} works cited\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
