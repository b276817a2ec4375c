"""Snakemake adapter: list every file of a cohort's release tier with its status and SHA-256."""

import json
from pathlib import Path

import pandas as pd

from tahsb_analysis.release.manifest import build_manifest, manifest_markdown, write_manifest_json


def main(smk) -> None:
    files = [Path(path) for path in smk.input]
    release_dir = Path(smk.output.json).parent
    release = pd.read_parquet(release_dir / "results_table.parquet")
    disclosure = json.loads(Path(smk.input.disclosure[0]).read_text(encoding="utf-8"))
    manifest = build_manifest(release_dir, files, release, disclosure, smk.params.not_released)
    write_manifest_json(manifest, Path(smk.output.json))
    Path(smk.output.markdown).write_text(manifest_markdown(manifest), encoding="utf-8")
    with open(smk.log[0], "w", encoding="utf-8") as log:
        summary = manifest["summary"]
        log.write(
            f"{summary['files']} files: {summary['files_pass']} pass, "
            f"{summary['files_review']} review, {summary['files_fail']} fail\n"
        )


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
