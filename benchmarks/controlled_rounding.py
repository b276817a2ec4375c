"""Controlled rounding (release/rounding.py) of every count a results table shows: time, the
relations kept and the largest change per count (issue #14, rounding presets).

    python benchmarks/controlled_rounding.py results/internal/*/results_table.parquet

Prints counts and figures only, never a cell value.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from tahsb_analysis.release.cells import ROLE_DENOMINATOR, ROLE_N, build_structure
from tahsb_analysis.release.policy import registered_structure
from tahsb_analysis.release.rounding import controlled_rounding, round_to_nearest


def at_most_inequalities(structure) -> list[dict[int, float]]:
    """n <= denominator for every row showing both (the structure's own list if it has one)."""
    if getattr(structure, "inequalities", None):
        return structure.inequalities
    found = {}
    for entry in structure.row_cells.values():
        n_id, d_id = entry.get(ROLE_N), entry.get(ROLE_DENOMINATOR)
        if n_id is not None and d_id is not None and n_id != d_id:
            found[(n_id, d_id)] = {n_id: 1.0, d_id: -1.0}
    return list(found.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="internal results_table.parquet files")
    parser.add_argument("--base", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    for path in args.results:
        structure = build_structure(pd.read_parquet(path), registered_structure())
        values = np.asarray(structure.cells.values, dtype=float)
        shown = np.asarray(structure.cells.shown, dtype=bool)
        inequalities = at_most_inequalities(structure)
        started = time.perf_counter()
        result = controlled_rounding(values, structure.equations, args.base, shown=shown,
                                     inequalities=inequalities, time_limit=args.time_limit)
        seconds = time.perf_counter() - started
        rounded = shown & ~np.isnan(values)
        change = np.abs(result.rounded[rounded] - values[rounded])
        nearest = round_to_nearest(values, args.base)
        checkable = [e for e in structure.equations if not np.isnan(values[list(e)]).any()]
        nearest_broken = sum(abs(sum(c * nearest[i] for i, c in e.items())) > 1e-9
                             for e in checkable)
        print(f"{path}\n  {int(rounded.sum())} shown counts, {len(structure.equations)} equations,"
              f" {len(inequalities)} inequalities; {seconds:.3f} s; solved: {result.solved}\n"
              f"  {result.method}\n"
              f"  equations broken: {len(result.not_additive)} (untrue unrounded:"
              f" {len(result.untrue)}); inequalities broken: {len(result.inequalities_broken)}\n"
              f"  change per count: max {change.max():g}, mean {change.mean():.2f};"
              f" nearest rounding would break {nearest_broken} of {len(checkable)} checkable"
              " equations")


if __name__ == "__main__":
    main()
