"""The relations an outsider derives between the counts of a release (release/attack.py).

Derived from the released rows themselves, the public codebook and generic facts about counts,
never from the disclosure gate's structure or the output registry:

* levels of a variable add up to its denominator in a population: the codebook's levels for a
  codebook field (an unprinted level is an unknown), the printed levels for a derived variable
  (exclusive unless the released counts say otherwise; a level equal in every released group to
  the sum of others is an aggregate of them);
* the denominator and the missing-value counts add up to the group's population;
* the groups of a group variable add up to its total ("all", "all_...", or the rows without a
  group variable, plus the children whose group variable was not recorded);
* a count is at most its denominator; counts are non-negative integers (bounds of the program);
* a released share with one of its counts pins the other; a pairwise test's n is the two
  groups' denominators together; hidden ranks come after the released ones;
* a response composite counts at least each of its conditions and at most their sum (codebook).

With `use_inferred`, also what an attentive reader infers: counts that agree in every released
cell of two populations are the same children (types of TA-HSB over the in-depth sample and over
children with any TA-HSB), onset order is a coarsening of the trajectories (read from the level
labels), and a summary of a sub-population counts at most the children with that level.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

import pandas as pd

from tahsb_analysis.release.attack_keys import (
    COUNT_ROLE,
    DENOMINATOR_ROLE,
    HIDDEN,
    MISSING_GROUP,
    POPULATION_ROLE,
    Observations,
    Relation,
    is_missing_level,
    is_pair,
    is_total_group,
    normalised,
    text,
)
from tahsb_analysis.vocabulary import EFFECT_STATISTICS, RANK, TEST_STATISTICS

# A released share and its counts agree to this relative precision (CSV keeps full floats).
_SHARE_TOLERANCE = 1e-9
_MAX_DROPPED_LEVELS = 2
# Level labels that read as sums of other levels ("any_ta_hsb", "more than one", "all").
_AGGREGATE_LABEL = re.compile(r"^(any[ _]|more than |all$|all[ _]|total)")


class _Blocks:
    """Sighted keys by (output, variable, group_variable, group, unit)."""

    def __init__(self, observations: Observations) -> None:
        self.levels: dict[tuple, dict[str, tuple]] = defaultdict(dict)
        self.missing: dict[tuple, dict[str, tuple]] = defaultdict(dict)
        self.denominator: dict[tuple, tuple] = {}
        self.summaries: dict[tuple, dict[str, tuple]] = defaultdict(dict)
        for s in observations.sightings:
            role, variable, level, gv, group, unit = s.key
            block = (s.output, variable, gv, group, unit)
            key = observations.canonical(s)
            if role == COUNT_ROLE:
                target = self.missing if is_missing_level(level) else self.levels
                target[block][level] = key
            elif role == DENOMINATOR_ROLE and not level:
                self.denominator[block] = key
            elif role == DENOMINATOR_ROLE:
                self.summaries[block][level] = key

    def blocks_of(self, variable: str) -> list[tuple]:
        return sorted(b for b in set(self.levels) | set(self.denominator) if b[1] == variable)

    def variables(self) -> list[str]:
        return sorted({b[1] for b in set(self.levels) | set(self.denominator)})


def derive_relations(observations: Observations, release, codebook, *, use_inferred: bool = True
                     ) -> tuple[list[Relation], list[str]]:
    """Every relation the attacker may assume, and notes on what it could not use."""
    blocks = _Blocks(observations)
    structures = {v: _variable_structure(v, blocks, observations, codebook)
                  for v in blocks.variables()}
    relations = _level_relations(observations, blocks, structures)
    relations += _group_relations(observations, blocks, structures, codebook)
    relations += _share_relations(observations)
    relations += _test_relations(observations, blocks)
    relations += _rank_relations(observations)
    relations += _composite_relations(observations, blocks, codebook)
    if use_inferred:
        relations += _equal_population_relations(observations, blocks)
        relations += _trajectory_relations(observations, blocks)
        relations += _summary_subset_relations(observations, blocks)
    notes = []
    if observations.split:
        notes.append(f"{len(observations.split)} keys released with different values in "
                     "different outputs: not equated")
    return _unique(relations), notes


def _unique(relations: list[Relation]) -> list[Relation]:
    seen, kept = set(), []
    for relation in relations:
        if not relation.terms:
            continue
        signature = (frozenset(relation.terms.items()), relation.lower, relation.upper)
        if signature not in seen:
            seen.add(signature)
            kept.append(relation)
    return kept


# --- which levels of a variable add up ------------------------------------------------------


def _codebook_field(codebook, variable: str):
    """(field, counted per row of a table with several rows per child) or (None, False)."""
    for table in codebook.tables.values():
        for fld in table.fields:
            if fld.name == variable and fld.valid_codes:
                return fld, len(table.primary_key) > 1
    return None, False


def _multi_row_categories(codebook) -> set[str]:
    return {code for table in codebook.tables.values() if len(table.primary_key) > 1
            for fld in table.fields for code in fld.valid_codes}


def _variable_structure(variable, blocks: _Blocks, observations, codebook) -> dict:
    """How a variable's levels add up: exclusive or not, which levels are sums of others.

    A codebook field's levels are exclusive (unless it is counted over children from a table
    with several rows per child). A derived variable's printed levels are taken as exclusive
    unless a released population contradicts it; then the fewest levels whose removal makes the
    rest add up everywhere are aggregates, each the sum of the smallest set of other levels
    that matches it in every fully released population.
    """
    fld, multi_row = _codebook_field(codebook, variable)
    if fld is not None:
        return {"codebook": list(fld.valid_codes), "exclusive": not multi_row, "aggregates": {}}
    levels = sorted({lv for b in blocks.blocks_of(variable) for lv in blocks.levels.get(b, {})})
    multi = levels and set(levels) <= _multi_row_categories(codebook)
    if len(levels) < 2 or multi:
        return {"codebook": None, "exclusive": False, "aggregates": {}}
    released = _released_blocks(variable, blocks, observations)
    named = tuple(lv for lv in levels if _AGGREGATE_LABEL.match(lv))
    candidates = [named] if named else []
    for size in range(_MAX_DROPPED_LEVELS + 1):
        candidates += list(itertools.combinations(levels, size))
    for dropped in candidates:
        if _adds_up(released, set(dropped)):
            aggregates = {a: _parts_of(a, released, set(levels) - set(dropped))
                          for a in dropped}
            return {"codebook": None, "exclusive": True, "aggregates": aggregates}
    return {"codebook": None, "exclusive": False, "aggregates": {}}


def _released_blocks(variable, blocks: _Blocks, observations) -> list[tuple[float | None, dict]]:
    """(released denominator or None, {level: released count or None}) per population."""
    released = []
    for block in blocks.blocks_of(variable):
        denominator = blocks.denominator.get(block)
        d = _value(observations, denominator) if denominator else None
        counts = {lv: _value(observations, key) for lv, key in blocks.levels[block].items()}
        released.append((d, counts))
    return released


def _value(observations: Observations, key) -> float | None:
    interval = observations.released_interval(key)
    return interval[0] if interval is not None and interval[0] == interval[1] else None


def _adds_up(released, dropped: set[str]) -> bool:
    for d, counts in released:
        kept = {lv: c for lv, c in counts.items() if lv not in dropped}
        if d is None or not kept:
            continue
        known = [c for c in kept.values() if c is not None]
        if sum(known) > d or (len(known) == len(kept) and sum(known) != d):
            return False
    return True


def _parts_of(aggregate: str, released, candidates: set[str]) -> list[str] | None:
    """The smallest set of levels whose counts add up to the aggregate's wherever all are
    released (None when no set, or more than one of that size, fits)."""
    for size in range(1, len(candidates) + 1):
        fits = []
        for parts in itertools.combinations(sorted(candidates), size):
            checked = [(counts[aggregate], [counts[p] for p in parts])
                       for _, counts in released
                       if counts.get(aggregate) is not None
                       and all(counts.get(p) is not None for p in parts)]
            if checked and all(total == sum(values) for total, values in checked):
                fits.append(list(parts))
        if len(fits) == 1:
            return fits[0]
        if fits:
            return None
    return None


# --- levels, denominators and populations ---------------------------------------------------


def _level_keys(block, blocks: _Blocks, structure: dict, observations) -> list:
    """The keys of a block's levels that add up: codebook levels (unprinted ones as unknowns),
    or the printed levels without aggregates."""
    output, variable, gv, group, unit = block
    printed = blocks.levels.get(block, {})
    if structure["codebook"] is not None:
        return [printed.get(lv) or observations.key(output, (COUNT_ROLE, variable, lv, gv,
                                                              group, unit))
                for lv in structure["codebook"]]
    return [key for lv, key in printed.items() if lv not in structure["aggregates"]]


def _level_relations(observations, blocks: _Blocks, structures: dict) -> list[Relation]:
    relations = []
    for block in sorted(set(blocks.levels) | set(blocks.denominator) | set(blocks.missing)):
        output, variable, gv, group, unit = block
        population = observations.key(output, (POPULATION_ROLE, "", "", gv, group, unit))
        denominator = blocks.denominator.get(block)
        missing = list(blocks.missing.get(block, {}).values())
        if denominator is None:
            for key in missing:
                relations.append(Relation.at_most({key: 1, population: -1},
                                                  "a count is at most its population"))
            continue
        terms = {denominator: 1, population: -1}
        terms.update({key: 1 for key in missing})
        relations.append(Relation.equal(terms, "denominator and missing counts add up to "
                                               "the group"))
        structure = structures.get(variable, {"codebook": None, "exclusive": False,
                                              "aggregates": {}})
        levels = _level_keys(block, blocks, structure, observations)
        if structure["exclusive"] and len(levels) >= 2:
            terms = {key: 1 for key in levels}
            terms[denominator] = -1
            relations.append(Relation.equal(terms, "levels add up to the denominator"))
        for key in blocks.levels.get(block, {}).values():
            relations.append(Relation.at_most({key: 1, denominator: -1},
                                              "a count is at most its denominator"))
        relations += _aggregate_relations(block, blocks, structure)
    return relations


def _aggregate_relations(block, blocks: _Blocks, structure: dict) -> list[Relation]:
    printed = blocks.levels.get(block, {})
    relations = []
    for aggregate, parts in structure["aggregates"].items():
        if parts and aggregate in printed and all(p in printed for p in parts):
            terms = {printed[p]: 1 for p in parts}
            terms[printed[aggregate]] = -1
            relations.append(Relation.equal(terms, "an aggregate level is the sum of its parts"))
    return relations


# --- groups add up to their total -----------------------------------------------------------


def _groups_by_output(observations) -> dict[tuple[str, str], set[str]]:
    groups = defaultdict(set)
    for s in observations.sightings:
        gv, group = s.key[3], s.key[4]
        if gv and group:
            groups[(s.output, gv)].add(group)
    return groups


def _group_relations(observations, blocks, structures, codebook) -> list[Relation]:
    """Within each output, the groups of a group variable add up to its total, for every count,
    denominator and population shown by group; without an "all" group the total is the row
    without a group variable and the unrecorded group is an unknown group of its own."""
    relations = []
    signatures = defaultdict(set)
    for s in observations.sightings:
        role, variable, level, gv, _group, unit = s.key
        if gv:
            signatures[(s.output, gv)].add((role, variable, level, unit))
    for (output, gv), groups in sorted(_groups_by_output(observations).items()):
        total = observations.total_groups.get(gv)
        parts = sorted(g for g in groups if not is_total_group(g))
        fld, _ = _codebook_field(codebook, gv)
        if fld is not None:
            parts = sorted(set(parts) | set(fld.valid_codes))
        if not parts:
            continue  # only the total in this output: nothing adds up to it here
        unrecorded = _unrecorded_group(observations, output, gv) if total is None else None
        if unrecorded is not None:
            relations += unrecorded[1]
            parts.append(MISSING_GROUP)
        for role, variable, level, unit in sorted(signatures[(output, gv)]):
            base_total = (role, variable, level, gv, total, unit) if total else \
                (role, variable, level, "", "", unit)
            total_key = observations.key(output, base_total)
            if not observations.sighted(total_key):
                continue
            terms = {}
            for group in parts:
                key = _group_term(observations, blocks, output, (role, variable, level, gv,
                                                                  group, unit))
                if key is not None:
                    terms[key] = terms.get(key, 0) + 1
            terms[total_key] = terms.get(total_key, 0) - 1
            relations.append(Relation.equal(terms, "groups add up to their total"))
        if unrecorded is not None:
            relations += _unrecorded_levels(observations, blocks, structures, output, gv,
                                            unrecorded[0])
    return relations


def _group_term(observations, blocks: _Blocks, output: str, base: tuple):
    """The unknown of one group in a group sum, or None when the release says it is zero (no
    missing-value row; a level a derived variable does not print for that group)."""
    key = observations.key(output, base)
    if observations.sighted(key):
        return key
    role, variable, level, gv, group, unit = base
    if role == COUNT_ROLE and group != MISSING_GROUP:
        block = (output, variable, gv, group, unit)
        if is_missing_level(level) or blocks.levels.get(block):
            return None
    return key


def _unrecorded_group(observations, output, gv):
    """(population key, relations) of the children whose `gv` was not recorded: its size is the
    sum of gv's missing-value counts; None when no such count is released (none missing)."""
    counts = [observations.canonical(s) for s in observations.sightings
              if s.key[0] == COUNT_ROLE and s.key[1] == gv and is_missing_level(s.key[2])
              and not s.key[3]]
    if not counts:
        return None
    population = observations.key(output, (POPULATION_ROLE, "", "", gv, MISSING_GROUP,
                                           "children"))
    terms = {key: -1 for key in set(counts)}
    terms[population] = 1
    return population, [Relation.equal(terms, "the unrecorded group is the missing count")]


def _unrecorded_levels(observations, blocks, structures, output, gv, population):
    relations = []
    for block in sorted(blocks.denominator):
        b_output, variable, b_gv, _group, unit = block
        if b_output != output or b_gv != gv:
            continue
        unseen = observations.key(output, (DENOMINATOR_ROLE, variable, "", gv, MISSING_GROUP,
                                           unit))
        relations.append(Relation.at_most({unseen: 1, population: -1},
                                          "a count is at most its population"))
        structure = structures.get(variable)
        if structure and structure["exclusive"]:
            levels = {lv for b in blocks.blocks_of(variable) if b[0] == output and b[2] == gv
                      for lv in blocks.levels.get(b, {})} - set(structure["aggregates"])
            if structure["codebook"] is not None:
                levels = set(structure["codebook"])
            terms = {observations.key(output, (COUNT_ROLE, variable, lv, gv, MISSING_GROUP,
                                               unit)): 1 for lv in sorted(levels)}
            terms[unseen] = -1
            relations.append(Relation.equal(terms, "levels add up to the denominator"))
    return relations


# --- shares, tests, ranks, composites -------------------------------------------------------


def _share_relations(observations: Observations) -> list[Relation]:
    """A released share with a hidden count: n = estimate x denominator (exact counts only)."""
    if observations.rounding_base:
        return []
    by_position = defaultdict(dict)
    for s in observations.sightings:
        by_position[s.position][s.field] = (observations.canonical(s), s.value)
    relations = []
    for position, fields in sorted(by_position.items()):
        row = observations.release.iloc[position]
        if row["statistic"] != "proportion" or row["estimate"] is None or \
                text(row["estimate"]) == "" or set(fields) != {"n", "denominator"}:
            continue
        (n_key, n_value), (d_key, d_value) = fields["n"], fields["denominator"]
        if n_value is not HIDDEN and d_value is not HIDDEN:
            continue
        share = float(row["estimate"])
        origin = "a released share ties its count to its denominator"
        relations.append(Relation.at_most({n_key: 1, d_key: -(share + _SHARE_TOLERANCE)},
                                          origin))
        relations.append(Relation.at_most({n_key: -1, d_key: share - _SHARE_TOLERANCE},
                                          origin))
    return relations


def _test_relations(observations: Observations, blocks: _Blocks) -> list[Relation]:
    """A released test or effect over two groups (or all groups) has the groups' denominators
    together as its n."""
    relations = []
    release = observations.release
    for row in release.itertuples(index=False):
        if row.statistic not in (*TEST_STATISTICS, *EFFECT_STATISTICS) or text(row.n) == "":
            continue
        variable, _level, gv, group, _unit = normalised(row, {})
        if not gv:
            continue
        if is_pair(group):
            groups = group.split(" vs ")
        elif not group:
            groups = sorted({b[3] for b in blocks.denominator if b[0] == row.output
                             and b[1] == variable and b[2] == gv and not is_total_group(b[3])})
        else:
            continue
        keys = [blocks.denominator.get((row.output, variable, gv, g, "children")) for g in groups]
        if not groups or any(k is None for k in keys):
            continue
        terms = defaultdict(float)
        for key in keys:
            terms[key] += 1
        relations.append(Relation.equal(dict(terms), "a test's n is its groups' denominators",
                                        float(row.n)))
    return relations


def _rank_relations(observations: Observations) -> list[Relation]:
    """When the released ranks are 1..k, every hidden rank comes after them: its count is at
    most the smallest released one."""
    ranked = defaultdict(list)
    for s in observations.sightings:
        row = observations.release.iloc[s.position]
        if s.field == "n" and row["statistic"] == RANK:
            ranked[(s.output, *s.key[1:2], *s.key[3:])].append((row["estimate"], s))
    relations = []
    for rows in ranked.values():
        shown = sorted((float(r), float(s.value)) for r, s in rows
                       if s.value is not HIDDEN and not pd.isna(r))
        if not shown or [r for r, _ in shown] != list(range(1, len(shown) + 1)):
            continue
        floor = min(v for _, v in shown)
        for _, s in rows:
            if s.value is HIDDEN:
                relations.append(Relation.at_most({observations.canonical(s): 1},
                                                  "a hidden rank comes after the released ones",
                                                  floor))
    return relations


def _composite_relations(observations, blocks: _Blocks, codebook) -> list[Relation]:
    """A codebook composite ("any of") counts at least each condition, at most their sum."""
    relations = []
    for name, composite in codebook.response_composites.items():
        for block, levels in sorted(blocks.levels.items()):
            output, variable, gv, group, unit = block
            if variable != name or "yes" not in levels:
                continue
            conditions = [{observations.key(output, (COUNT_ROLE, c["field"], v, gv, group,
                                                     unit)): 1 for v in c["values"]}
                          for c in composite["any_of"]]
            whole = levels["yes"]
            for condition in conditions:
                relations.append(Relation.at_most({**condition, whole: -1},
                                                  "a composite counts each of its conditions"))
            union = defaultdict(float)
            for condition in conditions:
                for key, coefficient in condition.items():
                    union[key] += coefficient
            union[whole] -= 1
            relations.append(Relation.at_most({k: -v for k, v in union.items()},
                                              "a composite counts at most its conditions"))
    return relations


# --- what an attentive reader infers --------------------------------------------------------


def _equal_population_relations(observations, blocks: _Blocks) -> list[Relation]:
    """Two groups of one group variable whose released counts agree wherever both are released
    (never differing, and at least twice above zero) count the same children: equate all their
    counts."""
    by_group = defaultdict(dict)
    for block, levels in blocks.levels.items():
        output, variable, gv, group, unit = block
        if gv and not is_total_group(group):
            for level, key in levels.items():
                by_group[(gv, unit, group)][(variable, level)] = key
    relations = []
    for (gv, unit, a), (gv2, unit2, b) in itertools.combinations(sorted(by_group), 2):
        if (gv, unit) != (gv2, unit2):
            continue
        shared = sorted(set(by_group[(gv, unit, a)]) & set(by_group[(gv, unit, b)]))
        pairs = [(by_group[(gv, unit, a)][s], by_group[(gv, unit, b)][s]) for s in shared]
        values = [(_value(observations, x), _value(observations, y)) for x, y in pairs]
        both = [(x, y) for x, y in values if x is not None and y is not None]
        if sum(x > 0 for x, y in both) < 2 or any(x != y for x, y in both):
            continue
        for x, y in pairs:
            relations.append(Relation.equal({x: 1, y: -1}, "the same counts in two "
                                                           "populations (inferred)"))
    return relations


_STEP = re.compile(r"^(?P<first>[\w ]+?) -> (?P<second>[\w ]+)$")
_SAME_YEAR = re.compile(r"^(?P<first>[\w +]+) \(same year\)$")


def _first_step(level: str) -> set[str] | None:
    step = _STEP.match(level)
    if step:
        return {step.group("first").strip()}
    same = _SAME_YEAR.match(level)
    if same:
        return {part.strip() for part in same.group("first").split("+")}
    return None


def _order_of(first: set[str], order_levels: set[str]) -> str | None:
    """The onset-order level of a trajectory's first step: "<x>_first" when only x (or, for
    "online", only things other than offline) came first, "same_year" when both did."""
    if "offline" in first:
        level = "offline_first" if len(first) == 1 else "same_year"
    else:
        level = "online_first"
    return level if level in order_levels else None


def _kinds(levels) -> set[str]:
    kinds = set()
    for level in levels:
        step = _STEP.match(level)
        parts = [step.group("first"), step.group("second")] if step else \
            _SAME_YEAR.match(level).group("first").split("+")
        kinds |= {part.strip() for part in parts}
    return kinds


def _trajectory_relations(observations, blocks: _Blocks) -> list[Relation]:
    """Reading the labels: a trajectory "a -> b" or "a + b (same year)" starts with its first
    step, so each onset-order level is the sum of the trajectories that start that way. Only
    where "online" is unambiguous: in a total group (any TA-HSB) or where the trajectories
    name just two kinds (offline and one online kind)."""
    relations = []
    by_population = defaultdict(dict)
    for block, levels in blocks.levels.items():
        output, variable, gv, group, unit = block
        by_population[(gv, group, unit)][(output, variable)] = levels
    for (_gv, group, _unit), variables in sorted(by_population.items()):
        orders = [lv for lv in variables.values()
                  if set(lv) <= {"offline_first", "online_first", "same_year"} and len(lv) > 1]
        paths = [lv for lv in variables.values()
                 if lv and all(_first_step(level) for level in lv)
                 and (is_total_group(group) or len(_kinds(lv)) == 2)]
        for order, path in itertools.product(orders, paths):
            mapped = {level: _order_of(_first_step(level), set(order)) for level in path}
            if any(m is None for m in mapped.values()):
                continue
            for order_level, order_key in order.items():
                terms = {path[p]: 1 for p, m in mapped.items() if m == order_level}
                terms[order_key] = terms.get(order_key, 0) - 1
                relations.append(Relation.equal(terms, "onset order read from trajectories "
                                                       "(inferred)"))
    return relations


def _summary_subset_relations(observations, blocks: _Blocks) -> list[Relation]:
    """The children behind a summary of a sub-population ("offline_first") are at most the
    children with that level of any variable in the same group."""
    relations = []
    for (_output, _variable, gv, group, _unit), levels in sorted(blocks.summaries.items()):
        for level, key in levels.items():
            for (_o, _other, o_gv, o_group, o_unit), printed in blocks.levels.items():
                if (o_gv, o_group, o_unit) == (gv, group, "children") and level in printed:
                    relations.append(Relation.at_most({key: 1, printed[level]: -1},
                                                      "a sub-population's summary counts at "
                                                      "most its children (inferred)"))
    return relations
