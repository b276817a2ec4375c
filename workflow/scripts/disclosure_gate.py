"""Snakemake adapter: apply the disclosure policy to a cohort's internal results table and
write the release results table, the release summary (names, reasons and the utility report, no
values) and the internal cell log (with values: it stays on the analyst's machine)."""

import json

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.release.disclosure import apply_disclosure_control, disclosure_summary
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.release.utility import utility_report
from tahsb_analysis.results.schema import write_results_csv
from tahsb_analysis.spreadsheet import to_csv_neutralised


def main(smk) -> None:
    policy = load_policy(smk.input.policy, smk.params.preset)
    results = pd.read_parquet(smk.input.results)
    outcome = apply_disclosure_control(results, policy)
    outcome.release.to_parquet(smk.output.parquet, index=False)
    write_results_csv(outcome.release, smk.output.csv)
    to_csv_neutralised(outcome.cells, smk.output.cells, lineterminator="\n")
    # What each other preset of the policy would release, for the utility report.
    alternatives = {}
    for preset in policy.presets:
        if preset != policy.preset:
            other = apply_disclosure_control(results, policy.with_preset(preset))
            alternatives[preset] = (other, evaluate_register(other.release))
    summary = disclosure_summary(outcome)
    summary["utility"] = utility_report(outcome, evaluate_register(outcome.release),
                                        alternatives)
    with open(smk.output.summary, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(summary, handle, indent=2)
        handle.write("\n")
    with open(smk.log[0], "w", encoding="utf-8") as log:
        counts = summary["summary"]
        log.write(
            f"policy {policy.version}, preset {policy.preset}: {counts['rows_released']} rows "
            f"released, {counts['rows_suppressed']} suppressed; count cells hidden: "
            f"{counts['cells_primary']} primary, {counts['cells_secondary']} secondary; "
            f"hidden counts short of their protection: {counts['cells_unprotected']}\n"
        )
        for note in outcome.notes:
            log.write(f"note: {note}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
