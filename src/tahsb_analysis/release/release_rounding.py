"""Rounding under a rounding preset: every count the release shows is rounded (released rows,
and the released denominators of rows whose count is hidden), and the interval each rounded
value stands for is what an outsider learns from it.

A test or model row shows no n of its own under rounding: its n is a sum of the groups' counts,
and one more rounded sum would narrow them; the groups' rows show their counts.

`nearest`: each count to the nearest multiple of the base, halves up (the NHS England
convention); a rounded r stands for the counts r - floor(base/2) .. r + ceil(base/2) - 1.
`controlled`: each count to one of its two adjacent multiples so that every equation between
counts still holds (`rounding.controlled_rounding`); r stands for r - base + 1 .. r + base - 1.
Shares and their confidence intervals are recomputed from the rounded counts, so no unrounded
count can be read back from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tahsb_analysis.release.cells import ROLE_DENOMINATOR, ROLE_N
from tahsb_analysis.release.rounding import controlled_rounding, round_to_nearest
from tahsb_analysis.release.shares import share_interval
from tahsb_analysis.results.schema import RELEASED
from tahsb_analysis.vocabulary import COUNT, GROUP_SIZE, PROPORTION, SUMMARY_STATISTICS

CONTROLLED = "controlled"


@dataclass
class Rounding:
    """Rounded value and the interval an outsider learns, per cell (the value itself, twice,
    when nothing is rounded)."""

    base: int | None
    method: str
    rounded: np.ndarray
    low: np.ndarray
    high: np.ndarray
    not_additive: list[int] = field(default_factory=list)  # equations broken by rounding
    description: str = ""


def release_rounding(structure, policy) -> Rounding:
    """The rounding of every cell of `structure` under `policy` (see the module docstring)."""
    values = np.asarray(structure.cells.values, dtype=float)
    base = policy.rounding_base
    if not base:
        return Rounding(None, "none", values.copy(), values.copy(), values.copy())
    if policy.rounding == CONTROLLED:
        outcome = controlled_rounding(values, structure.equations, base,
                                      shown=np.asarray(structure.cells.shown, dtype=bool),
                                      inequalities=structure.inequalities)
        rounded = np.asarray(outcome.rounded, dtype=float)
        low, high = rounded - base + 1, rounded + base - 1
        not_additive = list(outcome.not_additive)
        description = f"counts rounded to base {base} (controlled rounding: {outcome.method})"
    else:
        rounded = round_to_nearest(values, base)
        low, high = rounded - base // 2, rounded + (base + 1) // 2 - 1
        not_additive = []
        description = f"counts rounded to base {base} (nearest multiple, halves up)"
    low = np.maximum(low, 0.0)
    return Rounding(base, policy.rounding, rounded, low, high, not_additive, description)




def round_release(release: pd.DataFrame, structure, rounding: Rounding,
                  reasons: dict[int, str]) -> pd.DataFrame:
    """The release rows with every shown count rounded and shares and CIs recomputed."""
    release = release.copy()
    n_column, d_column = release.columns.get_loc("n"), release.columns.get_loc("denominator")
    for position in range(len(release)):
        entry = structure.row_cells.get(position)
        if entry is None:
            # A test or model row: its n is the sum of the groups' counts. Rounded on its own
            # it would be one more interval on that sum, narrowing the groups' rounded counts;
            # the rows of the groups show their (rounded) counts instead.
            release.iat[position, n_column] = pd.NA
            release.iat[position, d_column] = pd.NA
            continue
        for role, column in ((ROLE_N, n_column), (ROLE_DENOMINATOR, d_column)):
            cell = entry.get(role)
            if cell is None or pd.isna(release.iat[position, column]):
                continue
            rounded = rounding.rounded[cell]
            if not np.isnan(rounded):
                release.iat[position, column] = int(rounded)
        if release.iat[position, release.columns.get_loc("statistic")] in SUMMARY_STATISTICS \
                and not pd.isna(release.iat[position, d_column]):
            # a summary's denominator is its n, the same count
            release.iat[position, d_column] = release.iat[position, n_column]
    released = (release["disclosure"] == RELEASED).to_numpy()
    counted = released & release["statistic"].isin([COUNT, GROUP_SIZE]).to_numpy()
    release.loc[counted, "estimate"] = release.loc[counted, "n"].astype("Float64")
    shares = released & release["statistic"].eq(PROPORTION).to_numpy() \
        & release["denominator"].fillna(0).gt(0).to_numpy()
    for position in np.flatnonzero(shares):
        _recompute_share(release, position)
    note = f"{rounding.description}; shares and CIs from the rounded counts"
    release.loc[released, "disclosure_reason"] = note
    release.loc[released, "method"] = release.loc[released, "method"] + f" ({note})"
    return release


def _recompute_share(release: pd.DataFrame, position: int) -> None:
    row = release.iloc[position]
    low, high = share_interval(row["n"], row["denominator"], str(row["method"]))
    release.iat[position, release.columns.get_loc("estimate")] = row["n"] / row["denominator"]
    release.iat[position, release.columns.get_loc("ci_low")] = low
    release.iat[position, release.columns.get_loc("ci_high")] = high
