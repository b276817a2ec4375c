"""Snakemake adapter: apply the disclosure policy to a cohort's internal results table and
write the release results table, the release summary (names and reasons, no values) and the
internal cell log (with values: it stays on the analyst's machine)."""

import json

import pandas as pd

from tahsb_analysis.release.disclosure import apply_disclosure_control, disclosure_summary
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.results.schema import write_results_csv
from tahsb_analysis.spreadsheet import to_csv_neutralised


def main(smk) -> None:
    policy = load_policy(smk.input.policy)
    outcome = apply_disclosure_control(pd.read_parquet(smk.input.results), policy)
    outcome.release.to_parquet(smk.output.parquet, index=False)
    write_results_csv(outcome.release, smk.output.csv)
    to_csv_neutralised(outcome.cells, smk.output.cells, lineterminator="\n")
    summary = disclosure_summary(outcome)
    with open(smk.output.summary, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(summary, handle, indent=2)
        handle.write("\n")
    with open(smk.log[0], "w", encoding="utf-8") as log:
        counts = summary["summary"]
        log.write(
            f"policy {policy.version}: {counts['rows_released']} rows released, "
            f"{counts['rows_suppressed']} suppressed; recoverable after suppression: "
            f"{counts['cells_recoverable_after_suppression']}\n"
        )
    if outcome.unprotected:
        raise SystemExit(
            f"disclosure gate: {outcome.unprotected} suppressed cells could still be recovered "
            "from released totals; see the internal cell log (column 'recoverable')"
        )


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
