"""The `tahsb` command: the package's functions without Snakemake.

    tahsb validate --input-dir DIR [--output DIR]     check a cohort's three files
    tahsb validate --workbook FILE [--output DIR]     check a cohort coded in one workbook
    tahsb workbook --output coding.xlsx               the coder's workbook (from the codebook)
    tahsb synthesize --seed N --output DIR            write the synthetic cohort
    tahsb codebook [--output FILE]                    render the codebook as Markdown
    tahsb plan --results FILE [--out plan.csv]        children a next cohort needs per claim
    tahsb workflow [--cores N] [--verbose]           run Snakemake, its log in logs/
    tahsb summary [--started EPOCH] [--log FILE]      what the last run made, and where

Bad input ends with a problem table on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
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
    validate.add_argument(
        "--workbook", type=Path,
        help="one .xlsx workbook holding the three tables, each on the sheet named after it "
        "(as `tahsb workbook` makes it)",
    )
    for table in TABLE_NAMES:
        validate.add_argument(
            f"--{table.replace('_', '-')}",
            type=Path,
            dest=table,
            help=f"the {table} file (.csv, .xlsx or .sav); overrides --input-dir",
        )
    validate.add_argument(
        "--double-coding", action="append", default=[], metavar="CODER=FILE",
        help="another coder's case_file table for a subset of the case files (a short coder "
        "label, not a name; repeat for more coders), validated like the first coder's",
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
    synthesize.add_argument(
        "--second-coder", action="store_true",
        help="also write case_file_coder_b.csv: a SYNTHETIC second coding of 20%% of the "
        "in-depth case files, disagreeing on 10%% of them per field (for coding reliability)",
    )
    synthesize.set_defaults(handler=_synthesize)

    workbook = commands.add_parser(
        "workbook",
        help="write the coder's workbook: an Excel template generated from the codebook",
        description=(
            "Write an .xlsx workbook to code case files in: one sheet per table (header row of "
            "field names, drop-down lists of codes, numbers and months checked by Excel, month "
            "columns formatted as text), an Instructions sheet and a Codes sheet. Check the "
            "filled workbook with `tahsb validate --workbook FILE`."
        ),
    )
    workbook.add_argument("--output", type=Path, required=True, help="the .xlsx file to write")
    workbook.set_defaults(handler=_workbook)

    codebook = commands.add_parser(
        "codebook", help="render the codebook as Markdown (docs/codebook.md)"
    )
    codebook.add_argument("--output", type=Path, help="file to write; stdout if omitted")
    codebook.set_defaults(handler=_codebook)

    plan = commands.add_parser(
        "plan",
        help="how many children a next cohort needs to test each claim of the register",
        description=(
            "From a reference cohort's results table, the children a new cohort needs to test "
            "each claim of the replication register with the given power at the effect seen "
            "in the reference (two-sided tests, statsmodels' power functions; published values "
            "by an equivalence test with the register's margins), and to estimate the headline "
            "prevalence (P1) to within the margin. Group sizes become cohorts through "
            "the reference's own in-depth share and group split."
        ),
    )
    plan.add_argument("--results", type=Path, required=True,
                      help="the reference results table (.parquet or .csv)")
    plan.add_argument("--power", type=float, default=0.8, help="power (default 0.8)")
    plan.add_argument("--alpha", type=float, default=0.05,
                      help="two-sided significance level (default 0.05)")
    plan.add_argument("--margin", type=float, default=0.05,
                      help="CI half-width for the headline prevalence P1, 0-1 (default 0.05: "
                           "5 points)")
    plan.add_argument("--out", type=Path, help="also write the plan as CSV")
    plan.set_defaults(handler=_plan)

    workflow = commands.add_parser(
        "workflow",
        help="run the Snakemake workflow with its log in logs/ and a progress line",
        description=(
            "Run Snakemake (this Python's) in the current folder. Its output goes to "
            "--log (default logs/snakemake-<date>-<time>.log); the terminal shows a progress "
            "line, and when a rule fails, the end of the log and the failing rule's own log. "
            "After a killed run it recovers on its own: it removes the lock the run left when "
            "no Snakemake process of this folder is alive, and Snakemake reruns the jobs left "
            "incomplete (the workflow profile workflow/profiles/default). "
            "Arguments after -- go to Snakemake."
        ),
    )
    workflow.add_argument("--cores", type=int, default=2, help="cores for Snakemake (default 2)")
    workflow.add_argument("--log", type=Path, help="Snakemake's log file")
    workflow.add_argument("--verbose", action="store_true",
                          help="also show Snakemake's output on the terminal")
    workflow.add_argument("snakemake_args", nargs="*", metavar="SNAKEMAKE_ARG",
                          help="further Snakemake arguments (after --)")
    workflow.set_defaults(handler=_workflow)

    summary = commands.add_parser(
        "summary",
        help="say what the workflow made: cohorts, report pages, release file statuses, time",
    )
    summary.add_argument("--config", type=Path, default=Path("config/config.yaml"),
                         help="the workflow's config (default config/config.yaml)")
    summary.add_argument("--project", type=Path, default=Path("."),
                         help="the folder holding results/ (default: here)")
    summary.add_argument("--started", type=float,
                         help="when the run started (seconds since the epoch; date +%%s)")
    summary.add_argument("--log", type=Path, help="the run's Snakemake log, to name it")
    summary.set_defaults(handler=_summary)
    return parser


def default_log_path(now: datetime | None = None) -> Path:
    """logs/snakemake-YYYYmmdd-HHMMSS.log for a run started at `now` (default: now)."""
    return Path("logs") / f"snakemake-{(now or datetime.now()):%Y%m%d-%H%M%S}.log"


def _workflow(args) -> int:
    from tahsb_analysis.run_summary import run_logged
    from tahsb_analysis.workflow_lock import recovery_arguments, unlock_if_stale

    # Recover from a killed run on our own: its stale lock, then its incomplete files.
    message = unlock_if_stale(Path.cwd())
    if message != "no Snakemake lock":
        print(f"tahsb workflow: {message}", file=sys.stderr)
    command = [sys.executable, "-m", "snakemake", "--cores", str(args.cores),
               *recovery_arguments(Path.cwd()), *args.snakemake_args]
    status = run_logged(command, args.log or default_log_path(), verbose=args.verbose)
    return 1 if status else 0


def _summary(args) -> int:
    from tahsb_analysis.run_summary import collect_summary, format_summary, load_config

    if not args.config.is_file():
        print(f"tahsb summary: no config file at {args.config}", file=sys.stderr)
        return EXIT_USAGE
    seconds = None if args.started is None else max(0.0, time.time() - args.started)
    summary = collect_summary(load_config(args.config), args.project, seconds=seconds,
                              log=args.log)
    print(format_summary(summary), end="")
    return 0


def _input_paths(args) -> dict[str, Path] | None:
    codebook = load_codebook()
    paths = {}
    for table in TABLE_NAMES:
        path = getattr(args, table)
        if path is None and args.workbook is not None:
            path = args.workbook  # the reader takes the sheet named after the table
        if path is None and args.input_dir is not None:
            path = args.input_dir / codebook.table(table).default_filename
        paths[table] = path
    missing = [t for t, p in paths.items() if p is None]
    if missing:
        print(
            "tahsb validate: give --workbook, --input-dir or a file for each of: "
            + ", ".join(missing),
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
    coders = _coders(args.double_coding)
    if coders is None:
        return EXIT_USAGE
    try:
        cohort = validate_cohort(paths, double_coding=coders)
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


def _coders(values: list[str]) -> list[dict] | None:
    """`--double-coding B=path` options as the config's [{"coder": "B", "case_file": path}];
    None (after a usage message) when one is not CODER=FILE."""
    coders = []
    for value in values:
        coder, separator, path = value.partition("=")
        if not separator or not coder or not path:
            print("tahsb validate: --double-coding takes CODER=FILE, e.g. B=case_file_b.csv",
                  file=sys.stderr)
            return None
        coders.append({"coder": coder, "case_file": path})
    return coders


def _synthesize(args) -> int:
    from tahsb_analysis.synthetic.generator import generate_cohort, write_cohort_csv
    from tahsb_analysis.synthetic.parameters import load_parameters, render_parameters_markdown

    parameters = load_parameters(args.parameters)
    tables = generate_cohort(parameters, seed=args.seed)
    write_cohort_csv(tables, args.output)
    if args.second_coder:
        from tahsb_analysis.synthetic.double_coding import FILE_NAME, second_coding

        second_coding(tables, seed=args.seed).to_csv(
            args.output / FILE_NAME, index=False, encoding="utf-8", lineterminator="\n")
    # The parameter table travels with the data so nobody mistakes an assumption for a finding.
    (args.output / PARAMETERS_PAGE).write_text(
        render_parameters_markdown(parameters), encoding="utf-8"
    )
    print(
        f"SYNTHETIC cohort (seed {args.seed}) written to {args.output}: "
        + ", ".join(f"{name} {len(frame)} rows" for name, frame in tables.items())
    )
    return 0


def _workbook(args) -> int:
    from tahsb_analysis.input.workbook import write_workbook

    if args.output.suffix.lower() != ".xlsx":
        print("tahsb workbook: --output must name an .xlsx file", file=sys.stderr)
        return EXIT_USAGE
    codebook = load_codebook()
    write_workbook(args.output, codebook)
    print(f"coder's workbook (codebook version {codebook.version}) written to {args.output}; "
          f"check it with: tahsb validate --workbook {args.output}")
    return 0


def _codebook(args) -> int:
    text = render_markdown(load_codebook())
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _read_results_table(path: Path):
    """The results table in `path` with the schema's dtypes, or None after saying why on
    stderr (the file and the schema's column names only: never a cell value)."""
    import pandas as pd

    from tahsb_analysis.results.schema import RESULT_COLUMNS, ResultsSchemaError, validate_results

    if not path.is_file():
        print(f"tahsb plan: {path}: no such file", file=sys.stderr)
        return None
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception:  # noqa: BLE001 - any unreadable file gets the same message
        print(f"tahsb plan: {path}: not readable as Parquet or CSV", file=sys.stderr)
        return None
    missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
    if missing:
        print(f"tahsb plan: {path}: not a results table; missing columns: "
              + ", ".join(missing), file=sys.stderr)
        return None
    try:
        frame = frame[list(RESULT_COLUMNS)].copy()
        as_text = pd.api.types.is_string_dtype
        for column, dtype in RESULT_COLUMNS.items():
            values = frame[column]
            if dtype == "boolean" and as_text(values.dtype):
                values = values.map({"True": True, "False": False}, na_action="ignore")
            elif dtype in ("Float64", "Int64") and as_text(values.dtype):
                values = pd.to_numeric(values)
            frame[column] = values.astype(dtype)
        validate_results(frame)
    except (ValueError, TypeError, ResultsSchemaError):
        # The schema's messages can quote a value (an unknown statistic): not repeated here.
        print(f"tahsb plan: {path}: not a results table (a column's values do not follow "
              "results/schema.py)", file=sys.stderr)
        return None
    return frame


PLAN_SHOWN = {"finding": "claim", "part": "part", "status": "status",
              "effect_measure": "effect measure", "effect": "effect", "n_needed": "n group 1",
              "compared_n_needed": "n group 2", "in_depth_needed": "in-depth sample",
              "children_needed": "children assessed"}


def _plan(args) -> int:
    from tahsb_analysis.compare.planner import PlanError, PlanSettings, plan_cohort
    from tahsb_analysis.spreadsheet import to_csv_neutralised

    try:
        settings = PlanSettings(power=args.power, alpha=args.alpha, margin=args.margin)
    except ValueError as error:
        print(f"tahsb plan: {error}", file=sys.stderr)
        return EXIT_USAGE
    results = _read_results_table(args.results)
    if results is None:
        return EXIT_INVALID_INPUT
    if results.empty:
        print(f"tahsb plan: {args.results}: the results table has no rows", file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        plan = plan_cohort(results, settings=settings)
    except PlanError as error:
        print(f"tahsb plan: {args.results}: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    shown = plan[list(PLAN_SHOWN)].rename(columns=PLAN_SHOWN).copy()
    shown["effect"] = shown["effect"].round(3)
    print(f"Children needed per claim ({settings.power:.0%} power, alpha {settings.alpha:g} "
          f"two-sided; P1 to within {settings.margin * 100:g} points), at the effects of "
          f"{', '.join(plan['cohort'].dropna().unique())}:")
    print(shown.astype(object).where(shown.notna(), "").to_string(index=False))
    blocked = plan[plan["status"].eq("not plannable")]
    for row in blocked.itertuples():
        print(f"  {row.finding} part {row.part}: not plannable: {row.reason}")
    print("Groups, tests, methods and assumptions per row: the CSV (--out).")
    if args.out is not None:
        to_csv_neutralised(plan, args.out, lineterminator="\n")
        print(f"plan written to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
