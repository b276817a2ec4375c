"""SYNTHETIC cohorts for the release attack benchmark (benchmarks/attack_release.py).

Two ways to get a cohort, both giving the three CSV tables as text, exactly as
`validation.validate_cohort` reads them:

* `scaled_cohort(n)`: the packaged synthetic parameters at n children
  (`generator.generate_cohort(parameters, seed, n_cases=n)`: every count parameter scaled
  proportionally, the in-depth sample about a third of the children);
* the shipped cohort (data/synthetic/) edited to an odd shape: `with_girls(k)` keeps k girls
  (the others recorded as boys; no girl is in the in-depth sample, so nothing else changes);
  `with_ta_only(k)` keeps k children with TA-HSB only, in-depth ones first, and drops the rest
  of that group with their case-file and behaviour rows.

Not a test fixture: nothing here is imported by the package or the tests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "synthetic"
SEED = 20170  # the seed of the shipped synthetic cohort
TABLES = ("cases", "case_file", "behaviours")


def shipped_cohort(folder: Path = SHIPPED) -> dict[str, pd.DataFrame]:
    """The three tables of a cohort folder as text (every cell a str, as written)."""
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in TABLES}


def scaled_cohort(n: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The packaged synthetic parameters scaled to `n` children."""
    from tahsb_analysis.synthetic.generator import generate_cohort
    from tahsb_analysis.synthetic.parameters import load_parameters

    return generate_cohort(load_parameters(), seed, n_cases=n)


def with_girls(girls: int, tables: dict[str, pd.DataFrame] | None = None
               ) -> dict[str, pd.DataFrame]:
    """The shipped cohort with only the first `girls` girls; the others recorded as boys."""
    tables = {k: v.copy() for k, v in (tables or shipped_cohort()).items()}
    cases = tables["cases"]
    female = cases.index[cases["sex"] == "female"]
    if len(female) < girls:
        raise ValueError(f"the cohort has {len(female)} girls, fewer than {girls}")
    if (cases.loc[female, "in_depth_sample"] == "yes").any():
        raise ValueError("a girl is in the in-depth sample: relabelling her would change it")
    cases.loc[female[girls:], "sex"] = "male"
    return tables


def with_ta_only(children: int, tables: dict[str, pd.DataFrame] | None = None
                 ) -> dict[str, pd.DataFrame]:
    """The shipped cohort with only `children` TA-HSB-only children (in-depth ones kept
    first); the other TA-HSB-only children are removed from all three tables."""
    tables = {k: v.copy() for k, v in (tables or shipped_cohort()).items()}
    cases = tables["cases"]
    ta_only = cases[(cases["ta_hsb"] == "yes") & (cases["offline_hsb"] == "no")]
    ordered = pd.concat([ta_only[ta_only["in_depth_sample"] == "yes"],
                         ta_only[ta_only["in_depth_sample"] != "yes"]])
    dropped = set(ordered["case_id"].iloc[children:])
    return {name: frame[~frame["case_id"].isin(dropped)].reset_index(drop=True)
            for name, frame in tables.items()}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """The tables as CSV files named as the codebook names them; their paths by table."""
    from tahsb_analysis.synthetic.generator import write_cohort_csv

    return write_cohort_csv(tables, folder)


def benchmark_cohorts() -> dict[str, callable]:
    """Name -> a function that builds the cohort's tables, in the order the benchmark runs."""
    cohorts = {f"{n} children": (lambda n=n: scaled_cohort(n))
               for n in (40, 60, 80, 150, 600, 1200)}
    cohorts.update({f"shipped, {k} girl{'s' if k > 1 else ''}": (lambda k=k: with_girls(k))
                    for k in (1, 5, 9)})
    cohorts["shipped, 2 TA-HSB-only children"] = lambda: with_ta_only(2)
    # The packaged parameters at 29 children give 2 TA-HSB-only children (1 in the in-depth
    # sample) by scaling alone.
    cohorts["29 children (2 TA-HSB-only)"] = lambda: scaled_cohort(29)
    return cohorts
