"""Snakemake adapter: validate one cohort's input files and store the typed tables.

On bad input it writes the problem table (never cell values) to the log and to stderr and
fails the job, so Snakemake keeps no partial output. A real (not synthetic) cohort whose input
files git tracks is refused the same way (`input.tracked`): real data stays out of git.
"""

import sys
from pathlib import Path

from tahsb_analysis.input.codebook import TABLE_NAMES
from tahsb_analysis.input.cohort import write_cohort
from tahsb_analysis.input.tracked import TrackedRealDataError, refuse_tracked_real_inputs
from tahsb_analysis.input.validation import InputValidationError, format_problems, validate_cohort


def main(smk) -> None:
    paths = {table: smk.input[table] for table in TABLE_NAMES}
    with open(smk.log[0], "w", encoding="utf-8") as log:
        try:
            cohort = validate_cohort(paths, double_coding=smk.params.double_coding)
        except InputValidationError as error:
            report = format_problems(error.problems)
            log.write(report + "\n")
            sys.stderr.write(report + "\n")
            sys.exit(1)
        try:
            coders = {f"case_file (coder {entry['coder']})": entry["case_file"]
                      for entry in smk.params.double_coding}
            refuse_tracked_real_inputs({**paths, **coders}, cohort.synthetic)
        except TrackedRealDataError as error:
            log.write(f"{error}\n")
            sys.stderr.write(f"{error}\n")
            sys.exit(1)
        write_cohort(cohort, Path(smk.output.metadata).parent)
        log.write(f"cohort {cohort.display_label}: {cohort.metadata()['rows']}\n")


main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
