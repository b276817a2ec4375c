"""The `tahsb` command: the package's functions without Snakemake.

    tahsb validate --input-dir DIR [--output DIR]     check a cohort's three files
    tahsb synthesize --seed N --output DIR            write the synthetic cohort
    tahsb codebook [--output FILE]                    render the codebook as Markdown

Bad input ends with a problem table on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook, render_markdown

EXIT_INVALID_INPUT = 1
EXIT_USAGE = 2
PARAMETERS_PAGE = "PARAMETERS.md"


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    return args.handler(args)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tahsb",
        description="Reproducible analysis of technology-assisted harmful sexual behaviour.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate",
        help="check a cohort's cases, case_file and behaviours files against the codebook",
        description=(
            "Check the three input files against the codebook and report every problem in one "
            "table (file, row, column, problem, expected). Values are never printed. With "
            "--output, write the typed tables (Parquet) and cohort.json there, only if valid."
        ),
    )
    validate.add_argument(
        "--input-dir", type=Path, help="folder holding cases.csv, case_file.csv, behaviours.csv"
    )
    for table in TABLE_NAMES:
        validate.add_argument(
            f"--{table.replace('_', '-')}",
            type=Path,
            dest=table,
            help=f"the {table} file (.csv, .xlsx or .sav); overrides --input-dir",
        )
    validate.add_argument("--output", type=Path, help="folder for the validated, typed tables")
    validate.add_argument(
        "--problems-csv",
        type=Path,
        help="also write the problem table (no values) as CSV; text that a spreadsheet could "
        "take for a formula (starting with = + - @) gets a leading '",
    )
    validate.set_defaults(handler=_validate)

    synthesize = commands.add_parser(
        "synthesize",
        help="generate the SYNTHETIC calibrated cohort deterministically",
        description=(
            "Write cases.csv, case_file.csv and behaviours.csv of a synthetic cohort, and "
            "PARAMETERS.md listing every parameter and whether it is published or assumed."
        ),
    )
    synthesize.add_argument(
        "--seed", type=int, required=True, help="random seed (default cohort: 20170)"
    )
    synthesize.add_argument("--output", type=Path, required=True, help="folder to write into")
    synthesize.add_argument(
        "--parameters", type=Path, help="parameter YAML (default: the packaged, calibrated one)"
    )
    synthesize.set_defaults(handler=_synthesize)

    codebook = commands.add_parser(
        "codebook", help="render the codebook as Markdown (docs/codebook.md)"
    )
    codebook.add_argument("--output", type=Path, help="file to write; stdout if omitted")
    codebook.set_defaults(handler=_codebook)
    return parser


def _input_paths(args) -> dict[str, Path] | None:
    codebook = load_codebook()
    paths = {}
    for table in TABLE_NAMES:
        path = getattr(args, table)
        if path is None and args.input_dir is not None:
            path = args.input_dir / codebook.table(table).default_filename
        paths[table] = path
    missing = [t for t, p in paths.items() if p is None]
    if missing:
        print(
            "tahsb validate: give --input-dir or a file for each of: " + ", ".join(missing),
            file=sys.stderr,
        )
        return None
    return paths


def _validate(args) -> int:
    # Imported here so that `tahsb codebook` stays fast and light.
    from tahsb_analysis.input.cohort import write_cohort
    from tahsb_analysis.input.validation import (
        InputValidationError,
        format_problems,
        validate_cohort,
    )
    from tahsb_analysis.spreadsheet import to_csv_neutralised

    paths = _input_paths(args)
    if paths is None:
        return EXIT_USAGE
    try:
        cohort = validate_cohort(paths)
    except InputValidationError as error:
        print(format_problems(error.problems), file=sys.stderr)
        if args.problems_csv is not None:
            # No text of it can start a spreadsheet formula (a file name "=cmd|...csv").
            to_csv_neutralised(error.problems, args.problems_csv, lineterminator="\n")
        return EXIT_INVALID_INPUT
    rows = cohort.metadata()["rows"]
    print(
        f"cohort {cohort.display_label}: valid "
        + ", ".join(f"{table} {count} rows" for table, count in rows.items())
    )
    if args.output is not None:
        write_cohort(cohort, args.output)
        print(f"typed tables written to {args.output}")
    return 0


def _synthesize(args) -> int:
    from tahsb_analysis.synthetic.generator import generate_cohort, write_cohort_csv
    from tahsb_analysis.synthetic.parameters import load_parameters, render_parameters_markdown

    parameters = load_parameters(args.parameters)
    tables = generate_cohort(parameters, seed=args.seed)
    write_cohort_csv(tables, args.output)
    # The parameter table travels with the data so nobody mistakes an assumption for a finding.
    (args.output / PARAMETERS_PAGE).write_text(
        render_parameters_markdown(parameters), encoding="utf-8"
    )
    print(
        f"SYNTHETIC cohort (seed {args.seed}) written to {args.output}: "
        + ", ".join(f"{name} {len(frame)} rows" for name, frame in tables.items())
    )
    return 0


def _codebook(args) -> int:
    text = render_markdown(load_codebook())
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
