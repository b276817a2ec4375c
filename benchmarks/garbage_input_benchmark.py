"""Refusing a million rows of garbage: CPU time, peak memory and output of `tahsb validate`.

Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/garbage_input_benchmark.py [--rows 1000000] [--variants all] [--keep DIR]

Issue #12's acceptance: a file of a million garbage rows is refused in under 30 s of CPU, under
1 GB of memory and under 1 MB of output. For each variant the script writes a cohort folder whose
case_file.csv and behaviours.csv are the embedded SYNTHETIC ones and whose cases.csv is:

* ``no-header``: a million rows of ten random cells each (letters, digits, spaces and
  punctuation; every 97th row holds a planted postcode and a name), no header row;
* ``header-garbage``: the codebook's header row, then the same million rows;
* ``valid-start``: the header, the first 2,000 rows valid, then the same million garbage rows
  (the first look passes, so validation reads on, a piece of 100,000 rows at a time, until a
  piece starts with garbage: the slowest of the four);
* ``mixed``: the header, then valid and garbage rows in turn (half of the rows valid, so the
  rows' share of broken cells alone would not stop the reading; the many different non-codes
  in the coded columns do).

The files are written by a separate process. It runs ``tahsb validate --input-dir DIR
--problems-csv FILE --output DIR/results`` in a subprocess and reads that subprocess's own
resource usage with ``os.wait4`` (user + system CPU seconds, and peak resident set
``ru_maxrss``, in MB of 10^6 bytes), and counts the bytes written to stdout, stderr and the
problems CSV. It also checks that the exit status is 1 and that no planted value
appears in any output. Exit code 1 if a variant misses an acceptance limit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SYNTHETIC = REPO / "data" / "synthetic"
HEADER = ("case_id,cohort,data_origin,assessment_month,sex,age_at_referral,"
          "learning_disability,offline_hsb,ta_hsb,in_depth_sample")
PLANTED = ("SW1A 1AA", "Jayden Kowalski", "ZQXCANARY")
LIMITS = {"cpu_seconds": 30.0, "peak_mb": 1000.0, "output_bytes": 1_000_000}
VARIANTS = ("no-header", "header-garbage", "valid-start", "mixed")
_ALPHABET = np.frombuffer(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.!?=+@", dtype=np.uint8)


def garbage_lines(rows: int, seed: int = 12) -> bytes:
    """`rows` lines of ten random 6-character cells; planted identifiers every 97th line."""
    rng = np.random.default_rng(seed)
    cells, width = 10, 6
    line = cells * (width + 1)  # six characters and a comma (the last one a newline)
    text = _ALPHABET[rng.integers(0, len(_ALPHABET), size=(rows, line))]
    text[:, width::width + 1] = ord(",")
    text[:, -1] = ord("\n")
    lines = text.tobytes().splitlines(keepends=True)
    planted = ",".join(PLANTED).encode() + b",x,x,x,x,x,x,x\n"
    for position in range(0, rows, 97):
        lines[position] = planted
    return b"".join(lines)


def valid_lines(count: int) -> bytes:
    return "".join(f"V{i:07d},ttp-2015,synthetic,2015-01,male,14,no,yes,no,no\n"
                   for i in range(count)).encode()


def write_variant(folder: Path, variant: str, rows: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("case_file.csv", "behaviours.csv"):
        shutil.copy(SYNTHETIC / name, folder / name)
    with open(folder / "cases.csv", "wb") as handle:
        if variant != "no-header":
            handle.write(HEADER.encode() + b"\n")
        if variant == "valid-start":
            handle.write(valid_lines(2000))
        if variant == "mixed":  # a valid row, a garbage row, a valid row, ...
            valid = valid_lines(rows // 2).splitlines(keepends=True)
            garbage = garbage_lines(rows // 2).splitlines(keepends=True)
            handle.write(b"".join(line for pair in zip(valid, garbage, strict=True)
                                  for line in pair))
        else:
            handle.write(garbage_lines(rows))
    return folder


def run_validate(folder: Path) -> dict:
    """`tahsb validate` on `folder` in a subprocess: its exit status, own CPU time and peak
    memory (from os.wait4), wall time, and the bytes of everything it wrote."""
    tahsb = Path(sys.executable).with_name("tahsb")
    problems_csv = folder / "problems.csv"
    out_path, err_path = folder / "stdout.txt", folder / "stderr.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(tahsb), "validate", "--input-dir", str(folder), "--problems-csv",
             str(problems_csv), "--output", str(folder / "results")],
            stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    outputs = [out_path, err_path] + ([problems_csv] if problems_csv.exists() else [])
    text = b"".join(path.read_bytes() for path in outputs)
    return {
        "status": process.returncode,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "wall_seconds": wall,
        "peak_mb": usage.ru_maxrss * 1024 / 1e6,  # ru_maxrss is in KiB on Linux
        "stdout_bytes": out_path.stat().st_size,
        "stderr_bytes": err_path.stat().st_size,
        "csv_bytes": problems_csv.stat().st_size if problems_csv.exists() else 0,
        "output_bytes": len(text),
        "leaks": [value for value in PLANTED if value.encode() in text],
        "results_written": (folder / "results").exists(),
        "first_lines": err_path.read_text(encoding="utf-8").splitlines()[:12],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="garbage rows (10^6)")
    parser.add_argument("--variants", nargs="+", default=["all"], choices=["all", *VARIANTS])
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--write", nargs=3, metavar=("DIR", "VARIANT", "ROWS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        write_variant(Path(args.write[0]), args.write[1], int(args.write[2]))
        return 0
    variants = VARIANTS if "all" in args.variants else tuple(args.variants)
    base = args.keep or Path(tempfile.mkdtemp(prefix="garbage-benchmark-"))
    failed = False
    print(f"{args.rows:,} garbage rows in cases.csv; limits: {LIMITS['cpu_seconds']:.0f} s CPU, "
          f"{LIMITS['peak_mb']:.0f} MB, {LIMITS['output_bytes']:,} bytes of output")
    print(f"{'variant':<16}{'file MB':>9}{'status':>8}{'CPU s':>8}{'wall s':>8}{'peak MB':>9}"
          f"{'stdout B':>10}{'stderr B':>10}{'csv B':>8}  verdict")
    try:
        for variant in variants:
            # Written by a separate process: a child forked from this one would otherwise
            # count the writer's memory in its own peak (ru_maxrss covers the time before exec).
            folder = base / variant
            subprocess.run([sys.executable, __file__, "--write", str(folder), variant,
                            str(args.rows)], check=True)
            size = (folder / "cases.csv").stat().st_size / 1e6
            result = run_validate(folder)
            misses = [name for name, limit in LIMITS.items() if result[name] > limit]
            if result["status"] != 1:
                misses.append(f"exit status {result['status']}")
            if result["leaks"]:
                misses.append(f"{len(result['leaks'])} planted value(s) in the output")
            if result["results_written"]:
                misses.append("wrote results")
            failed |= bool(misses)
            print(f"{variant:<16}{size:>9.1f}{result['status']:>8}{result['cpu_seconds']:>8.2f}"
                  f"{result['wall_seconds']:>8.2f}{result['peak_mb']:>9.0f}"
                  f"{result['stdout_bytes']:>10,}{result['stderr_bytes']:>10,}"
                  f"{result['csv_bytes']:>8,}  {'pass' if not misses else '; '.join(misses)}")
            for line in result["first_lines"]:
                print("    | " + line[:150])
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
