"""Table redesign before suppression: sparse categories merged along their order.

Suppression hides a small category; merging it with its neighbour often says nearly as much and
hides nothing. Before the gate decides anything, two kinds of ordered category are merged when
one of them is smaller than the threshold:

* **age bands** (a group variable whose groups are bands "a-b" of whole years): a band with
  fewer children than the threshold is merged with its smaller neighbour, repeatedly;
* **ordered levels** of a codebook field (`categories_ordered`, e.g. family stability: stable,
  some instability, unstable): adjacent levels are merged, the same way in every group, while a
  level's count in the whole block (its total group, or the sum over its groups) is below the
  threshold.

A block is merged only if merging leaves at least two categories, each at or above the
threshold; otherwise it is left as it is. Merged rows are appended to the table (shares and CIs
recomputed from the summed counts; the label joins the parts with " or ", and the method says
what was merged). The rows of the parts stay: suppression then decides, cell by cell, with the
merged row cheaper to hide than a part (so a part that can be released is kept, and the merged
row is released where its parts cannot be).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tahsb_analysis.release.shares import share_interval
from tahsb_analysis.vocabulary import MERGED_SEPARATOR, PROPORTION

_BAND = re.compile(r"^(\d+)-(\d+)$")


@dataclass
class Collapse:
    """The table with merged rows appended, the positions of the rows that were merged into
    them, and what was merged, in words."""

    results: pd.DataFrame
    # position of a row merged into another -> "level" (its count goes) or "group" (its count
    # and its group's size go)
    merged_rows: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def ordered_levels(codebook) -> dict[str, list[str]]:
    """The codebook's fields with ordered categories and their levels, in order."""
    found = {}
    for name in codebook.tables:
        table = codebook.table(name)
        for field_name in table.field_names:
            field_ = table.field(field_name)
            if field_.categories_ordered:
                found[field_name] = list(field_.valid_codes)
    return found


def merge_plan(sizes: list[float], threshold: int) -> list[list[int]] | None:
    """Adjacent runs of categories (by position) whose sizes are all at least `threshold`,
    merging the smallest category with its smaller neighbour until none is below it; None when
    nothing needs merging or merging cannot leave two categories."""
    runs = [[i] for i in range(len(sizes))]
    totals = [float(s) for s in sizes]
    if min(totals, default=threshold) >= threshold:
        return None
    while len(runs) > 2 and min(totals) < threshold:
        small = int(np.argmin(totals))
        neighbours = [j for j in (small - 1, small + 1) if 0 <= j < len(runs)]
        other = min(neighbours, key=lambda j: (totals[j], j))
        first, second = sorted((small, other))
        runs[first:second + 1] = [runs[first] + runs[second]]
        totals[first:second + 1] = [totals[first] + totals[second]]
    if min(totals) < threshold:
        return None
    return runs


def collapse_sparse_categories(results: pd.DataFrame, threshold: int,
                               levels_in_order: dict[str, list[str]]) -> Collapse:
    """Merge sparse ordered categories of `results` (see the module docstring)."""
    results = results.reset_index(drop=True)
    shares = results[results["statistic"].eq(PROPORTION)]
    merged, used, notes = [], {}, []
    for key, block in shares.groupby(["output", "variable", "group_variable"], sort=True,
                                     dropna=False):
        groups = block["group"].dropna().unique().tolist()
        if groups and all(_BAND.match(str(g)) for g in groups):
            rows, positions, note = _merge_bands(block, threshold)
            kind = "group"
        elif key[1] in levels_in_order:
            rows, positions, note = _merge_levels(block, threshold, levels_in_order[key[1]])
            kind = "level"
        else:
            continue
        if rows:
            merged += rows
            used.update(dict.fromkeys(positions, kind))
            notes.append(f"{key[0]}: {note}")
    if not merged:
        return Collapse(results)
    table = pd.concat([results, pd.DataFrame(merged).astype(results.dtypes.to_dict())],
                      ignore_index=True)
    return Collapse(table, used, notes)


def _merge_bands(block: pd.DataFrame, threshold: int):
    groups = sorted(block["group"].dropna().unique(), key=lambda g: int(_BAND.match(g)[1]))
    sizes = [block.loc[block["group"] == g, "denominator"].max() for g in groups]
    plan = merge_plan(sizes, threshold)
    if plan is None:
        return [], set(), ""
    rows, positions, merged_labels = [], set(), []
    for run in (r for r in plan if len(r) > 1):
        parts = [groups[i] for i in run]
        label = MERGED_SEPARATOR.join(parts)
        merged_labels.append(label)
        for _level, rows_of_level in block[block["group"].isin(parts)].groupby("level",
                                                                               sort=False):
            rows.append(_merged_row(rows_of_level, group=label, parts=parts))
            positions |= set(rows_of_level.index)
    return rows, positions, f"age bands merged: {'; '.join(merged_labels)}"


def _merge_levels(block: pd.DataFrame, threshold: int, order: list[str]):
    levels = [lv for lv in order if lv in set(block["level"])]
    if len(levels) < 3:
        return [], set(), ""  # two levels: merging would leave one
    totals = _level_totals(block, levels)
    plan = merge_plan(totals, threshold)
    if plan is None:
        return [], set(), ""
    rows, positions, merged_labels = [], set(), []
    for run in (r for r in plan if len(r) > 1):
        parts = [levels[i] for i in run]
        label = MERGED_SEPARATOR.join(parts)
        merged_labels.append(label)
        chosen = block[block["level"].isin(parts)]
        for _group, rows_of_group in chosen.groupby("group", sort=False, dropna=False):
            rows.append(_merged_row(rows_of_group, level=label, parts=parts))
            positions |= set(rows_of_group.index)
    return rows, positions, f"{block['variable'].iloc[0]} levels merged: " \
        f"{'; '.join(merged_labels)}"


def _level_totals(block: pd.DataFrame, levels: list[str]) -> list[float]:
    """Each level's count in the block's total group ("all"), else summed over its groups."""
    total = block[block["group"].isin(["all"])]
    source = total if len(total) else block
    return [float(source.loc[source["level"] == lv, "n"].sum()) for lv in levels]


def _merged_row(rows: pd.DataFrame, *, parts: list[str], level=None, group=None) -> dict:
    """One share row summing `rows`: the merged levels of one group (same denominator), or
    one level over the merged bands (denominators summed)."""
    first = rows.iloc[0].to_dict()
    n = float(rows["n"].sum())
    denominator = float(rows["denominator"].sum() if group is not None
                        else rows["denominator"].iloc[0])
    method_text = str(first["method"])
    low, high = share_interval(n, denominator, method_text)
    first.update({
        "n": int(n), "denominator": int(denominator),
        "estimate": n / denominator if denominator else np.nan,
        "ci_low": low, "ci_high": high, "warning": pd.NA,
        "method": f"{method_text} (categories merged before disclosure control: "
                  f"{', '.join(parts)})",
    })
    if level is not None:
        first["level"] = level
    if group is not None:
        first["group"] = group
    return first
