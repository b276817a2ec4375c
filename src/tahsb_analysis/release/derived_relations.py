"""Relations between counts that follow from the codebook and the table itself, not from a
declaration in the output registry: what an outsider reading the release and the public
codebook knows too.

* the levels of every coded field with one value per child add up to its denominator;
* a count is at most its denominator (a share, a missing count, the children behind a mean);
* a codebook composite ("any of") counts at least each condition and at most their sum;
* rank rows order the counts of their block;
* onset order read from path labels ("a -> b" starts with a);
* a category merged before suppression ("a or b") is the sum of its parts;
* the same count shown by two outputs (same variable, level, group and unit, same value).
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from tahsb_analysis.release.cell_keys import (
    ROLE_DENOMINATOR,
    ROLE_N,
    ROLE_POPULATION,
    Cells,
    is_missing_level,
    population_key,
    text_of,
)
from tahsb_analysis.vocabulary import MERGED_SEPARATOR, RANK


def codebook_exclusive_levels(codebook=None) -> dict[str, list[str]]:
    """The levels of every coded field with one value per child (cases and case-file tables):
    each child has exactly one of them, so over children they add up to the denominator."""
    if codebook is None:
        from tahsb_analysis.input.codebook import load_codebook

        codebook = load_codebook()
    levels = {}
    for table in ("cases", "case_file"):
        for name in codebook.table(table).field_names:
            field_ = codebook.table(table).field(name)
            if field_.is_categorical or field_.is_boolean:
                levels[name] = list(field_.valid_codes)
    return levels


def composite_inequalities(cells: Cells, composites: dict) -> list[dict[int, float]]:
    """A codebook composite ("any of" its conditions, e.g. a punitive response) counts at
    least the children meeting each condition and at most their sum, in the same group."""
    inequalities = []
    for index, key in enumerate(list(cells.keys)):
        output, variable, level, gv, group, unit, role = key
        composite = composites.get(variable)
        if composite is None or level != "yes" or role != ROLE_N or not cells.shown[index]:
            continue
        conditions = [[cells.add((output, c["field"], value, gv, group, unit, ROLE_N))
                       for value in c["values"]] for c in composite["any_of"]]
        for condition in conditions:
            inequalities.append({**{cell: 1.0 for cell in condition}, index: -1.0})
        at_most = {cell: -1.0 for condition in conditions for cell in condition}
        at_most[index] = at_most.get(index, 0.0) + 1.0
        inequalities.append(at_most)
    return inequalities


def rank_inequalities(results: pd.DataFrame, row_cells: dict) -> list[dict[int, float]]:
    """Rank rows order the counts of their block: the count ranked r + 1 is at most the one
    ranked r. A released rank next to a hidden count bounds it, so the gate assumes every
    ordering is known (the ranks of hidden counts are blanked with them)."""
    blocks = defaultdict(list)
    for position, row in enumerate(results.itertuples(index=False)):
        if row.statistic == RANK and position in row_cells and not pd.isna(row.estimate):
            block = tuple(text_of(getattr(row, c)) for c in ("output", "variable",
                                                              "group_variable", "group"))
            blocks[block].append((float(row.estimate), row_cells[position][ROLE_N]))
    inequalities = []
    for ranked in blocks.values():
        ranked.sort()
        for (_, better), (_, worse) in zip(ranked, ranked[1:], strict=False):
            if better != worse:
                inequalities.append({worse: 1.0, better: -1.0})
    return inequalities


# The attacker (attack_relations.py) reads the same labels with its own code on purpose: the
# audit must not share the gate's bookkeeping, or a mistake here would pass unnoticed there.
_STEP = re.compile(r"^(?P<first>[\w ]+?) -> (?P<second>[\w ]+)$")
_SAME_YEAR = re.compile(r"^(?P<first>[\w +]+) \(same year\)$")
ORDER_LEVELS = frozenset({"offline_first", "online_first", "same_year"})


def _first_kinds(level: str) -> set[str] | None:
    """What came first in a path label ("a -> b", "a + b (same year)"); None for another
    label."""
    step = _STEP.match(level)
    if step:
        return {step.group("first").strip()}
    same = _SAME_YEAR.match(level)
    return {part.strip() for part in same.group("first").split("+")} if same else None


def _all_kinds(levels) -> set[str]:
    kinds = set()
    for level in levels:
        step = _STEP.match(level)
        parts = [step.group("first"), step.group("second")] if step else \
            _SAME_YEAR.match(level).group("first").split("+")
        kinds |= {part.strip() for part in parts}
    return kinds


def order_from_path_equations(cells: Cells) -> list[dict[int, float]]:
    """Relations an outsider reads from the labels: a path "a -> b" or "a + b (same year)"
    starts with its first step, so each onset-order level (offline_first, online_first,
    same_year) of a group is the sum of that group's paths that start that way, wherever
    "online" is unambiguous (a total group, or paths naming only two kinds). A relation the
    true counts break is dropped later (`without_false_relations` in disclosure.py)."""
    blocks: dict[tuple, dict[tuple, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for index, key in enumerate(cells.keys):
        output, variable, level, gv, group, unit, role = key
        if role == ROLE_N and cells.shown[index] and level and not is_missing_level(level):
            blocks[(gv, group, unit)][(output, variable)][level] = index
    equations = []
    for (_gv, group, _unit), variables in sorted(blocks.items()):
        orders = [lv for lv in variables.values() if set(lv) <= ORDER_LEVELS and len(lv) > 1]
        paths = [lv for lv in variables.values()
                 if all(_first_kinds(level) for level in lv)
                 and (group == "all" or group.startswith("all_") or len(_all_kinds(lv)) == 2)]
        for order, path in ((o, p) for o in orders for p in paths):
            for order_level, order_cell in order.items():
                equation = {order_cell: -1.0}
                for level, path_cell in path.items():
                    first = _first_kinds(level)
                    mapped = ("offline_first" if first == {"offline"} else
                              "same_year" if "offline" in first else "online_first")
                    if mapped == order_level:
                        equation[path_cell] = 1.0
                equations.append(equation)
    return equations


def merged_category_equations(cells: Cells) -> list[dict[int, float]]:
    """A category merged before disclosure control ("a or b", `collapse.py`) is the sum of
    its parts: a merged level in the same group, a merged group for the same level (and its
    children the sum of theirs)."""
    equations = []
    for index, key in enumerate(list(cells.keys)):
        output, variable, level, gv, group, unit, role = key
        if not cells.shown[index]:
            continue
        if MERGED_SEPARATOR in level:
            parts = [(output, variable, part, gv, group, unit, role)
                     for part in level.split(MERGED_SEPARATOR)]
        elif MERGED_SEPARATOR in group:
            parts = [(output, variable, level, gv, part, unit, role)
                     for part in group.split(MERGED_SEPARATOR)]
        else:
            continue
        equation = {cells.add(part): 1.0 for part in parts}
        equation[index] = -1.0
        equations.append(equation)
        if MERGED_SEPARATOR in group and role != ROLE_POPULATION:
            merged = cells.add(population_key(output, gv, group, unit))
            population = {cells.add(population_key(output, gv, part, unit)): 1.0
                          for part in group.split(MERGED_SEPARATOR)}
            equations.append({**population, merged: -1.0})
    return equations


def same_count_equations(cells: Cells) -> list[dict[int, float]]:
    """The same count shown by two outputs: cells whose keys differ only in their output and
    whose true values agree are one count to an outsider, who reads the same variable, level,
    group and unit in both tables (a relation derived, not declared). Cells whose values differ
    describe different populations and are not tied."""
    by_key = defaultdict(list)
    for index, key in enumerate(cells.keys):
        if cells.shown[index] and not np.isnan(cells.values[index]):
            by_key[(key[1:], round(cells.values[index], 6))].append(index)
    return [{first: 1.0, other: -1.0} for indices in by_key.values()
            for first, other in zip(indices, indices[1:], strict=False)]


def at_most_inequalities(cells: Cells, row_cells: dict) -> list[dict[int, float]]:
    """A count is at most its denominator (a share, a missing count, the children behind a
    summary at most their group): n - denominator <= 0, whenever both are cells."""
    found = {}
    for entry in row_cells.values():
        n_id, d_id = entry.get(ROLE_N), entry.get(ROLE_DENOMINATOR)
        if n_id is not None and d_id is not None and n_id != d_id:
            found[(n_id, d_id)] = {n_id: 1.0, d_id: -1.0}
    for index, key in enumerate(cells.keys):
        if index in cells.summaries:
            population = cells.ids.get(population_key(key[0], key[3], key[4], key[5]))
            if population is not None:
                found[(index, population)] = {index: 1.0, population: -1.0}
    return [found[pair] for pair in sorted(found)]
