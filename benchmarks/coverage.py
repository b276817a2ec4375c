"""Coverage of the intervals issue #16 asks about, in one run: the onset-gap intervals at
n = 5, 10 and 26 (`coverage_gap.py`), the cluster-robust interval of behaviour shares at
within-child correlation 0, 0.25 and 0.5, and the design-weighted share of the in-depth
sample (`coverage_design.py`). Not a test: a simulation, quoted in the README.

    PYTHONPATH=src python benchmarks/coverage.py [--simulations 1000] [--seed 20170]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coverage_design import cluster_coverage, weighted_coverage  # noqa: E402
from coverage_design import markdown as design_markdown  # noqa: E402
from coverage_gap import gap_coverage, markdown_table  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20170)
    args = parser.parse_args(argv)
    print(f"Onset gap (L2), {args.simulations} simulations, seed {args.seed}:")
    print(markdown_table(gap_coverage(args.simulations, args.seed)))
    print(f"\nBehaviour shares (R4), children as clusters, {args.simulations} simulations:")
    print(design_markdown(cluster_coverage(args.simulations, args.seed)))
    print(f"\nDesign-weighted shares of the in-depth sample, {args.simulations} simulations:")
    print(design_markdown(weighted_coverage(args.simulations, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
