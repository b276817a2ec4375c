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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.registry import load_registry
from tahsb_analysis.release.cells import ROLE_DENOMINATOR, ROLE_N, build_structure
from tahsb_analysis.release.collapse import (
    Collapse,
    collapse_sparse_categories,
    ordered_levels,
)
from tahsb_analysis.release.optimal_suppression import (
    SuppressionProblem,
    audit_pattern,
    secondary_cells,
)
from tahsb_analysis.release.policy import DisclosurePolicy
from tahsb_analysis.release.release_rounding import release_rounding, round_release
from tahsb_analysis.release.summaries import (
    SUMMARY_REASON,
    discrete_ranges,
    summary_suppressions,
)
from tahsb_analysis.release.suppression import (
    SECONDARY_REASON,
    WITHHELD_REASON,
    harmless_zeros,
    primary_suppression,
)
from tahsb_analysis.release.utility import cell_counts, checker_actions
from tahsb_analysis.results.schema import (
    RELEASED,
    SUPPRESSED,
    make_results,
    validate_results,
)
from tahsb_analysis.vocabulary import (
    MERGED_SEPARATOR,
    RELEASE_TIER,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
)

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
# Cost factor of a level that sums other levels (see cell_costs).
SUM_LEVEL_DISCOUNT = 0.01


@dataclass(frozen=True)
class DisclosureOutcome:
    """What the gate decided: the release table, and a log of every cell (internal only)."""

    release: pd.DataFrame
    cells: pd.DataFrame
    policy: DisclosurePolicy
    unprotected: int
    notes: tuple[str, ...] = ()
    # The internal table the release was cut from: the input rows, then the rows of categories
    # merged before suppression (`collapse.py`); row for row like `release` (for an audit).
    redesigned: pd.DataFrame | None = None

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


def internal_only_outputs() -> frozenset[str]:
    """Registered outputs that never reach the release tier (no "release" in their tiers)."""
    registry = load_registry()
    return frozenset(output.name for output in registry.outputs
                     if RELEASE_TIER not in output.tiers)


def without_internal_only_outputs(results: pd.DataFrame) -> pd.DataFrame:
    """`results` less the rows of internal-only outputs: they are neither released nor
    suppressed, since a suppressed row would still say the output exists and how many rows it
    has."""
    internal_only = results["output"].isin(internal_only_outputs()).fillna(False)
    return results[~internal_only.to_numpy(dtype=bool)].reset_index(drop=True)


def apply_disclosure_control(results: pd.DataFrame, policy: DisclosurePolicy) -> DisclosureOutcome:
    """The release tier of a results table under `policy`.

    Returns the same rows with `disclosure` set to "released" or "suppressed",
    `disclosure_reason` saying why, and every value computed from a suppressed count blanked;
    under a rounding preset, released counts are rounded and shares recomputed from them. Rows
    of an output the policy does not cover are suppressed whole. Rows of an output the
    registry keeps to the internal tier (`tiers: [internal]`) are not in the release at all.
    The input is not changed.
    """
    validate_results(results)
    results = without_internal_only_outputs(results)
    collapse = Collapse(results.reset_index(drop=True))
    if policy.collapse_sparse_categories:
        collapse = collapse_sparse_categories(results, policy.threshold,
                                              ordered_levels(load_codebook()))
    results = collapse.results
    structure = build_structure(results, policy.structure)
    structure, false_relations = without_false_relations(structure)
    cells = structure.cells
    reasons = primary_suppression(results, structure, policy)
    for index, key in enumerate(cells.keys):
        if key[0] in policy.withhold and cells.shown[index]:
            reasons.setdefault(index, WITHHELD_REASON)
    primary = set(reasons)
    values = np.asarray(cells.values, dtype=float)
    rounding = release_rounding(structure, policy)
    problem = SuppressionProblem(
        equations=structure.equations, inequalities=structure.inequalities, values=values,
        low=rounding.low, high=rounding.high,
        unseen=~np.asarray(cells.shown, dtype=bool) | np.isnan(values),
        primary=primary,
        fixed_released=harmless_zeros(results, structure, policy) - primary,
        costs=cell_costs(structure, policy), protection=policy.protection,
        released_targets=_rounded_targets(cells, rounding, policy, primary),
        released_interval=_released_interval(rounding, policy))
    if policy.secondary_suppression:
        suppression = secondary_cells(problem)
    else:
        suppression = audit_pattern(problem)
    for index in suppression.secondary:
        reasons[index] = SECONDARY_REASON

    release = _release_rows(results, structure, reasons, policy)
    release = _withhold_summaries(results, release, policy)
    if rounding.base:
        release = round_release(release, structure, rounding, reasons)
    release = make_results(release)
    implicit = {i for i, shown in enumerate(cells.shown) if not shown}
    log = _cell_log(cells, reasons, implicit, suppression.ranges, suppression.unprotected,
                    primary)
    return DisclosureOutcome(release=release, cells=log, policy=policy,
                             unprotected=len(suppression.unprotected),
                             notes=tuple(collapse.notes + false_relations + suppression.notes),
                             redesigned=results)


def without_false_relations(structure):
    """The structure without relations the true counts break (a registry rule that does not
    hold for this cohort): an attacker gains nothing from a false relation, and the gate's
    programs would have no feasible point. Each one dropped is named in the notes."""
    values = np.asarray(structure.cells.values, dtype=float)

    def holds(relation, equality):
        if any(np.isnan(values[c]) for c in relation):
            return True
        total = sum(coefficient * values[c] for c, coefficient in relation.items())
        return abs(total) < 1e-6 if equality else total < 1e-6

    notes = []
    kept = {}
    for name, equality in (("equations", True), ("inequalities", False)):
        relations = getattr(structure, name)
        kept[name] = [r for r in relations if holds(r, equality)]
        for relation in relations:
            if not holds(relation, equality):
                keys = sorted({structure.cells.keys[c][:3] for c in relation})
                notes.append(f"a relation between counts of {keys[0][0]} that the true counts "
                             "break was not used (check the output registry)")
    structure.equations, structure.inequalities = kept["equations"], kept["inequalities"]
    return structure, notes


def _withhold_summaries(results: pd.DataFrame, release: pd.DataFrame,
                        policy: DisclosurePolicy) -> pd.DataFrame:
    """Means, SDs, medians and quartiles of whole numbers that would reveal how many children
    have a value (`summaries.summary_suppressions`, the policy's `summaries_rule`): their
    estimates are blanked; the n beside them is a group size, decided with the counts."""
    hidden = set(np.flatnonzero(release["disclosure"].eq(SUPPRESSED).to_numpy()).tolist())
    if policy.summaries_rule == "suppress-all":
        ranges = discrete_ranges(load_codebook())
        withheld = {
            position: SUMMARY_REASON
            for position, row in enumerate(results.itertuples(index=False))
            if row.statistic in SUMMARY_STATISTICS and row.variable in ranges
            and position not in hidden
        }
    else:
        withheld = summary_suppressions(results.reset_index(drop=True), load_codebook(),
                                        policy.threshold, policy.protection.interval,
                                        suppressed=hidden)
    if not withheld:
        return release
    release = release.copy()
    positions = sorted(withheld)
    for column in (*_ESTIMATE_FIELDS, "warning"):
        release.iloc[positions, release.columns.get_loc(column)] = pd.NA
    release.iloc[positions, release.columns.get_loc("disclosure")] = SUPPRESSED
    release.iloc[positions, release.columns.get_loc("disclosure_reason")] = SUMMARY_REASON
    return release


def _released_interval(rounding, policy: DisclosurePolicy) -> float:
    """The width a released rounded count must keep: the protection interval, but never more
    than the rounding itself gives (base - 1 for nearest rounding, 2 base - 2 controlled)."""
    if not rounding.base:
        return 0.0
    own = rounding.base - 1 if rounding.method != "controlled" else 2 * rounding.base - 2
    return float(min(policy.protection.interval, own))


def _rounded_targets(cells, rounding, policy: DisclosurePolicy, primary: set[int]) -> set[int]:
    """Under a rounding preset, every shown count must keep the protection interval even when
    released: relations between rounded counts can narrow one below its rounding interval.
    Zeros are exempt when the preset does not treat them as disclosive (shown as they are)."""
    if not rounding.base:
        return set()
    return {
        index for index, (value, shown) in enumerate(zip(cells.values, cells.shown, strict=True))
        if shown and index not in primary and not np.isnan(value)
        and (value != 0 or policy.zeros_disclosive)
    }


def cell_costs(structure, policy: DisclosurePolicy) -> np.ndarray:
    """The cost of hiding each cell: its output's priority weight times the rows that show it
    (a denominator hides every share over it), a little more for a larger count."""
    cells = structure.cells
    shown_by = np.zeros(len(cells.keys))
    for entry in structure.row_cells.values():
        for index in set(entry.values()):
            shown_by[index] += 1
    values = np.nan_to_num(np.asarray(cells.values, dtype=float), nan=0.0)
    largest = max(float(values.max(initial=0.0)), 1.0)
    weights = np.array([policy.weight_of(key[0]) for key in cells.keys])
    # Levels that only sum other levels (the nodes of a flow diagram) say nothing their parts
    # do not: hidden before any of their parts.
    # So do categories merged before suppression (`collapse.py`): a merged row is released
    # where its parts cannot be, and hidden first where a released part would give it away.
    sums = {rule["variable"] for rule in policy.structure["level_sums"]}
    weights = weights * np.array([
        SUM_LEVEL_DISCOUNT if key[1] in sums or MERGED_SEPARATOR in key[2]
        or MERGED_SEPARATOR in key[4] else 1.0 for key in cells.keys])
    return weights * np.maximum(shown_by, 1.0) * (1.0 + values / largest)


def _release_rows(results: pd.DataFrame, structure, reasons: dict[int, str],
                  policy: DisclosurePolicy) -> pd.DataFrame:
    """The rows with `disclosure` and `disclosure_reason` set and every hidden value blanked."""
    release = results.copy()
    covered = set(policy.structure["outputs"])
    status, why = [], []
    blanked: dict[str, list[int]] = {}  # column -> rows to blank, blanked a column at a time
    for position, row in enumerate(results.itertuples(index=False)):
        blank, row_reasons = _row_decision(position, row, structure, reasons, policy, covered)
        if blank:
            for column in blank | {"warning"}:
                blanked.setdefault(column, []).append(position)
            status.append(SUPPRESSED)
            why.append(_join(row_reasons))
        else:
            status.append(RELEASED)
            why.append("")
    for column, positions in sorted(blanked.items()):
        release.iloc[positions, release.columns.get_loc(column)] = pd.NA
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
        if row.statistic in TEST_STATISTICS and (n_id in reasons or d_id in reasons):
            blank |= {"p_value", "p_adjusted"}  # a test of a hidden count is hidden with it
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


def _cell_log(cells, reasons: dict[int, str], implicit: set[int], ranges: dict,
              unprotected: set[int], primary: set[int]) -> pd.DataFrame:
    """Every cell with its value, what the gate decided and, for a hidden cell, the range an
    attacker who knows every relation can narrow it to (internal tier only)."""
    n_cells = len(cells.keys)
    minimum = [ranges.get(i, (np.nan, np.nan))[0] for i in range(n_cells)]
    maximum = [ranges.get(i, (np.nan, np.nan))[1] for i in range(n_cells)]
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
                for i in range(n_cells)
            ],
            "suppression": [
                ("primary" if i in primary else "secondary") if i in reasons else ""
                for i in range(n_cells)
            ],
            "reason": [reasons.get(i, "") for i in range(n_cells)],
            "feasible_min": minimum,
            "feasible_max": maximum,
            "protected": [i in reasons and i not in unprotected for i in range(n_cells)],
        }
    ).sort_values(["output", "variable", "level", "group_variable", "group", "unit", "role"],
                  kind="stable").reset_index(drop=True)


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
    counts = cell_counts(outcome.cells)
    summary = {
        "rows": len(release),
        "rows_released": int(release["disclosure"].eq(RELEASED).sum()),
        "rows_suppressed": int(release["disclosure"].eq(SUPPRESSED).sum()),
        "cells_shown": counts["count_cells"],
        "cells_suppressed": counts["count_cells"] - counts["count_cells_released"],
        "cells_primary": counts["count_cells_primary"],
        "cells_secondary": counts["count_cells_secondary"],
        "share_of_cells_released": counts["share_released"],
        "cells_unprotected": outcome.unprotected,
    }
    policy = outcome.policy.summary()
    return {
        "cohort": ", ".join(str(c) for c in cohorts),
        "synthetic": bool(release["synthetic"].fillna(False).any()),
        "policy": policy,
        "summary": summary,
        "checker_actions": checker_actions(summary, policy),
        "notes": list(outcome.notes),
        "suppressed_cells": cells,
    }
