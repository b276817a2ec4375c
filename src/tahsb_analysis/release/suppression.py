"""Which cells disclosure control hides on their own: primary suppression (the policy's rules
applied to each count), and the zero cells that are harmless. Secondary suppression (further
counts hidden so that every hidden count keeps its protection) is `optimal_suppression.py`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.release.cells import (
    ROLE_DENOMINATOR,
    ROLE_N,
    Structure,
    is_missing_level,
)
from tahsb_analysis.release.policy import DisclosurePolicy
from tahsb_analysis.vocabulary import GROUP_SIZE, PROPORTION

SECONDARY_REASON = "secondary: protects a suppressed cell in the same margin"
WITHHELD_REASON = "withheld by the disclosure policy"


# --- primary suppression ----------------------------------------------------------------------


def harmless_zeros(results: pd.DataFrame, structure: Structure, policy) -> set[int]:
    """Zero cells that say nothing about any child: zero by definition (the policy's
    structural zeros), or in a group with no children at all (nobody to disclose): the shares
    of an empty denominator, and the size of an empty group."""
    cells = structure.cells
    structural = {(z["variable"], z["level"]) for z in policy.structure["structural_zeros"]}
    harmless = {
        i for i, key in enumerate(cells.keys)
        if (key[1], key[2]) in structural and cells.values[i] == 0
    }
    for position, entry in structure.row_cells.items():
        if position in structure.shared_rows:
            continue  # its counts are other rows' and take those rows' decisions
        statistic = results.iloc[position]["statistic"]
        if statistic == GROUP_SIZE and cells.values[entry[ROLE_N]] == 0:
            harmless.add(entry[ROLE_N])
            continue
        d_id = entry.get(ROLE_DENOMINATOR)
        if d_id is None or statistic != PROPORTION:
            continue
        if cells.values[d_id] == 0:
            harmless |= {d_id, entry[ROLE_N]}
    return harmless


def primary_suppression(
    results: pd.DataFrame, structure: Structure, policy: DisclosurePolicy
) -> dict:
    """Reasons, by cell id, for suppressing the counts the policy forbids on their own."""
    k = policy.threshold
    cells = structure.cells
    reasons: dict[int, str] = {}

    def flag(index: int, reason: str) -> None:
        reasons.setdefault(index, reason)

    harmless = harmless_zeros(results, structure, policy)
    for index, (key, value, shown) in enumerate(
        zip(cells.keys, cells.values, cells.shown, strict=True)
    ):
        if not shown or np.isnan(value) or index in harmless:
            continue
        role = key[6]
        if is_missing_level(key[2]) and not policy.missing_counts_disclosive:
            continue  # records without a value: about the case files, not about a child
        if value == 0:
            if role != ROLE_N or policy.zeros_disclosive:
                flag(index, "zero cell" if role == ROLE_N else "empty group")
        elif value < k:
            what = "count" if role == ROLE_N else "group size"
            flag(index, f"{what} below threshold ({k})")
    if policy.check_complements:
        for position, entry in structure.row_cells.items():
            if ROLE_DENOMINATOR not in entry or results.iloc[position]["statistic"] != PROPORTION:
                continue
            if position in structure.shared_rows:
                continue  # its complement is a difference of two counts already shown
            if entry[ROLE_N] in harmless:
                continue  # zero by definition: its complement is the whole group, known anyway
            n, d = cells.values[entry[ROLE_N]], cells.values[entry[ROLE_DENOMINATOR]]
            if np.isnan(n) or np.isnan(d) or d == 0:
                continue
            complement = d - n
            if complement == 0 and n > 0 and policy.zeros_disclosive:
                flag(entry[ROLE_N], "full cell: every child in the group")
            elif 0 < complement < k:
                flag(entry[ROLE_N], f"complement (denominator minus count) below threshold ({k})")
    return reasons
