"""Disclosure control: the gate between the internal results table and the release tier.

It acts on the long results table, before anything is rendered (gtsummary's ARD idea; ACRO's
output checking). Primary suppression applies the policy's threshold to every count a row
shows: numerators, denominators, complements, the size of a group, the children behind a mean
or a test; zero and full cells are disclosive unless the policy says otherwise. Secondary
(complementary) suppression then hides further counts until no suppressed count can be
recovered from the released ones through the linear relations between them: the levels of a
variable adding up to their denominator, groups adding up to a total, the margins shared
between tables, levels that sum levels of another variable (`level_sums`, e.g. the trajectory
nodes) and shares that re-show counts of their table (`shared_cells`), all declared in the output
registry (ACRO does not do this step, and its totals can reveal suppressed cells). A
statistic computed from a suppressed count (share, CI, test, effect size, odds ratio, rank)
inherits its suppression. Optional rounding comes last.

The policy is a versioned YAML file checked against `data/disclosure_policy.schema.yaml`.
Nothing here prints a count next to a child-level value; the cell log keeps values for the
analyst (internal tier) and the manifest lists suppressed cells by name and reason only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.inference import proportion_ci
from tahsb_analysis.release.cells import ROLE_DENOMINATOR, ROLE_N, build_structure
from tahsb_analysis.release.policy import DisclosurePolicy
from tahsb_analysis.release.suppression import (
    harmless_zeros,
    primary_suppression,
    recoverable_cells,
    secondary_suppression,
)
from tahsb_analysis.results.schema import (
    RELEASED,
    SUPPRESSED,
    make_results,
    validate_results,
)
from tahsb_analysis.vocabulary import COUNT, GROUP_SIZE, PROPORTION, SUMMARY_STATISTICS

# The marker rendered tables show for a suppressed value (the ONS convention for confidential).
SUPPRESSED_MARKER = "[c]"

# Fields blanked when a row is suppressed: every number computed from the hidden count.
_ESTIMATE_FIELDS = ("estimate", "ci_low", "ci_high")
_TEST_FIELDS = ("estimate", "ci_low", "ci_high", "n", "denominator", "p_value", "p_adjusted")

# What the release tier says about a hidden count. One wording for every cell: a reason such as
# "zero cell" or "complement below threshold" would itself narrow the hidden value (the ONS
# practice of a single [c]). The detailed reason stays in the internal cell log.
RELEASED_CELL_REASON = (
    "suppressed under the disclosure policy (a disclosive count, or one that would reveal it)"
)
DERIVED_REASON = "computed from a suppressed count"


@dataclass(frozen=True)
class DisclosureOutcome:
    """What the gate decided: the release table, and a log of every cell (internal only)."""

    release: pd.DataFrame
    cells: pd.DataFrame
    policy: DisclosurePolicy
    unprotected: int

    def suppressed_rows(self) -> pd.DataFrame:
        """Suppressed rows by name and reason: never their values (for the manifest)."""
        columns = ["output", "variable", "level", "group_variable", "group", "statistic",
                   "disclosure_reason"]
        rows = self.release[self.release["disclosure"] == SUPPRESSED]
        return rows[columns].rename(columns={"disclosure_reason": "reason"}).reset_index(
            drop=True
        )


def _join(reasons) -> str:
    seen = []
    for reason in reasons:
        if reason and reason not in seen:
            seen.append(reason)
    return "; ".join(seen)


def apply_disclosure_control(results: pd.DataFrame, policy: DisclosurePolicy) -> DisclosureOutcome:
    """The release tier of a results table under `policy`.

    Returns the same rows with `disclosure` set to "released" or "suppressed",
    `disclosure_reason` saying why, and every value computed from a suppressed count blanked.
    Rows of an output the policy does not cover are suppressed whole. The input is not changed.
    """
    validate_results(results)
    structure = build_structure(results, policy.structure)
    reasons = primary_suppression(results, structure, policy)
    if policy.secondary_suppression:
        harmless = harmless_zeros(results, structure, policy)
        reasons = secondary_suppression(structure, reasons, policy.structure, harmless)
    cells = structure.cells
    implicit = {i for i, shown in enumerate(cells.shown) if not shown}
    values = np.nan_to_num(np.asarray(cells.values, dtype=float), nan=0.0)
    exposed = recoverable_cells(structure.equations, values, set(reasons) | implicit,
                                set(reasons))
    exposed = {i for i in exposed if any(i in e for e in structure.equations)}

    release = _release_rows(results, structure, reasons, policy)
    if policy.rounding_base:
        release = _round_counts(release, policy.rounding_base)
    release = make_results(release)
    log = _cell_log(cells, reasons, implicit, exposed)
    return DisclosureOutcome(release=release, cells=log, policy=policy, unprotected=len(exposed))


def _release_rows(results: pd.DataFrame, structure, reasons: dict[int, str],
                  policy: DisclosurePolicy) -> pd.DataFrame:
    """The rows with `disclosure` and `disclosure_reason` set and every hidden value blanked."""
    release = results.copy()
    covered = set(policy.structure["outputs"])
    status, why = [], []
    for position, row in enumerate(results.itertuples(index=False)):
        blank, row_reasons = _row_decision(position, row, structure, reasons, policy, covered)
        if blank:
            for column in blank:
                release.iloc[position, release.columns.get_loc(column)] = pd.NA
            release.iloc[position, release.columns.get_loc("warning")] = pd.NA
            status.append(SUPPRESSED)
            why.append(_join(row_reasons))
        else:
            status.append(RELEASED)
            why.append("")
    release["disclosure"] = pd.array(status, dtype="string")
    release["disclosure_reason"] = pd.array([w or pd.NA for w in why], dtype="string")
    return release


def _row_decision(position, row, structure, reasons, policy, covered) -> tuple[set, list]:
    """The fields of one row to blank, and why."""
    blank: set[str] = set()
    row_reasons: list[str] = []
    if row.output not in covered:
        blank |= set(_TEST_FIELDS) | {"warning"}
        row_reasons.append("output not covered by the disclosure policy")
    entry = structure.row_cells.get(position)
    if entry is not None:
        n_id = entry.get(ROLE_N)
        d_id = entry.get(ROLE_DENOMINATOR)
        if n_id in reasons:
            blank |= {"n", *_ESTIMATE_FIELDS}
            row_reasons.append(RELEASED_CELL_REASON)
        if d_id in reasons:
            blank |= {"denominator", *_ESTIMATE_FIELDS}
            row_reasons.append(RELEASED_CELL_REASON)
        if row.statistic in SUMMARY_STATISTICS and n_id in reasons:
            blank |= {"denominator"}
    else:
        sources = structure.derived_sources.get(position, [])
        hidden = [reasons[s] for s in sources if s in reasons]
        if hidden:
            blank |= set(_TEST_FIELDS)
            row_reasons.append(DERIVED_REASON)
        elif not pd.isna(row.n) and row.n < policy.threshold:
            blank |= set(_TEST_FIELDS)
            row_reasons.append(RELEASED_CELL_REASON)
    return blank, row_reasons


def _cell_log(cells, reasons: dict[int, str], implicit: set[int], exposed: set[int]):
    """Every cell with its value and what the gate decided (internal tier only)."""
    return pd.DataFrame(
        {
            "output": [k[0] for k in cells.keys],
            "variable": [k[1] for k in cells.keys],
            "level": [k[2] for k in cells.keys],
            "group_variable": [k[3] for k in cells.keys],
            "group": [k[4] for k in cells.keys],
            "unit": [k[5] for k in cells.keys],
            "role": [k[6] for k in cells.keys],
            "value": cells.values,
            "shown": cells.shown,
            "status": [
                SUPPRESSED if i in reasons else ("unseen" if i in implicit else RELEASED)
                for i in range(len(cells.keys))
            ],
            "reason": [reasons.get(i, "") for i in range(len(cells.keys))],
            "recoverable": [i in exposed for i in range(len(cells.keys))],
        }
    ).sort_values(["output", "variable", "level", "group_variable", "group", "unit", "role"],
                  kind="stable").reset_index(drop=True)


_LEVEL_IN_METHOD = re.compile(r"(\d+(?:\.\d+)?)% CI")


def _round_counts(release: pd.DataFrame, base: int) -> pd.DataFrame:
    """Released counts to the nearest multiple of `base` (halves up); shares and their CIs
    recomputed from the rounded counts so that no unrounded count can be read back."""
    release = release.copy()
    released = release["disclosure"] == RELEASED
    for column in ("n", "denominator"):
        values = release[column].astype("Float64")
        rounded = (np.floor(values / base + 0.5) * base).round().astype("Int64")
        release[column] = release[column].where(~released, rounded)
    counted = (released & release["statistic"].isin([COUNT, GROUP_SIZE])).fillna(False)
    release.loc[counted, "estimate"] = release.loc[counted, "n"].astype("Float64")
    share = released & release["statistic"].eq(PROPORTION) & release["denominator"].gt(0)
    share = share.fillna(False)
    for position in np.flatnonzero(share.to_numpy()):
        row = release.iloc[position]
        method_text = str(row["method"])
        method = "clopper-pearson" if "Clopper" in method_text else "wilson"
        match = _LEVEL_IN_METHOD.search(method_text)
        level = float(match.group(1)) / 100 if match else 0.95
        low, high = proportion_ci(row["n"], row["denominator"], method, level)
        release.iloc[position, release.columns.get_loc("estimate")] = row["n"] / row["denominator"]
        release.iloc[position, release.columns.get_loc("ci_low")] = float(low[0])
        release.iloc[position, release.columns.get_loc("ci_high")] = float(high[0])
    note = f"counts rounded to base {base}; shares and CIs from the rounded counts"
    release.loc[released, "disclosure_reason"] = note
    release.loc[released, "method"] = release.loc[released, "method"] + f" ({note})"
    return release


def disclosure_summary(outcome: DisclosureOutcome) -> dict:
    """What the gate did, for the manifest and the report: the policy, counts, and each
    suppressed row by name and reason. No values, so it may be released."""
    release = outcome.release
    suppressed = outcome.suppressed_rows()
    cells = [
        {key: (None if pd.isna(value) else str(value)) for key, value in record.items()}
        for record in suppressed.to_dict("records")
    ]
    cohorts = release["cohort"].dropna().unique().tolist()
    return {
        "cohort": ", ".join(str(c) for c in cohorts),
        "synthetic": bool(release["synthetic"].fillna(False).any()),
        "policy": outcome.policy.summary(),
        "summary": {
            "rows": len(release),
            "rows_released": int(release["disclosure"].eq(RELEASED).sum()),
            "rows_suppressed": int(release["disclosure"].eq(SUPPRESSED).sum()),
            "cells_shown": int(outcome.cells["shown"].sum()),
            "cells_suppressed": int(outcome.cells["status"].eq(SUPPRESSED).sum()),
            "cells_recoverable_after_suppression": outcome.unprotected,
        },
        "suppressed_cells": cells,
    }
