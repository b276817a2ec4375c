"""The cells of disclosure control: every count the release shows, or that links counts it
shows, and the linear equations between them.

A cell is a count keyed by (output, variable, level, group_variable, group, unit, role). Rows
of the results table show cells (a share shows its numerator and denominator, a missing row its
count and the group's population, a group_size row the group's population); the equations say
how cells add up: the levels of a variable to their denominator, denominator and missing counts
to the population, the levels of a variable that sum the levels of another (`level_sums`),
groups to a total, and the margins the registry declares as shared between outputs. A share
declared in `shared_cells` shows the counts of two other rows, so it has no cells of its own.
`build_structure` gives the cells, the equations, which cells each row shows, and which cells
each test or model row is computed from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import pandas as pd

from tahsb_analysis.release.cell_keys import (  # noqa: F401 - the names other modules use
    _TOLERANCE,
    MISSING_GROUP,
    ROLE_DENOMINATOR,
    ROLE_N,
    ROLE_POPULATION,
    Cells,
    is_missing_level,
    population_key,
    text_of,
)
from tahsb_analysis.release.derived_relations import (
    at_most_inequalities,
    codebook_exclusive_levels,
    composite_inequalities,
    merged_category_equations,
    order_from_path_equations,
    rank_inequalities,
    same_count_equations,
)
from tahsb_analysis.vocabulary import (
    COUNT,
    GROUP_SIZE,
    MERGED_SEPARATOR,
    PAIR_SEPARATOR,
    PROPORTION,
    RANK,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
    WEIGHTED_PROPORTION,
)


@dataclass
class Structure:
    cells: Cells
    equations: list[dict[int, float]]
    row_cells: dict[int, dict[str, int]]  # row position -> {"n": id, "denominator": id}
    derived_sources: dict[int, list[int]]  # row position -> cell ids it is computed from
    # Rows showing only counts other rows show (structure "shared_cells"): no check of their own.
    shared_rows: set[int] = field(default_factory=set)
    # Linear inequalities sum(coef * cell) <= 0: a count is at most its denominator.
    inequalities: list[dict[int, float]] = field(default_factory=list)


def build_structure(results: pd.DataFrame, structure: dict, codebook=None) -> Structure:
    """The cells of `results`, the equations between them and which cells each row shows.

    Besides the registry's `structure`, the codebook says which levels are exclusive: the codes
    of a field with one value per child add up to its denominator (an unprinted code such as
    "no" is an unseen cell), so an outsider reading the codebook knows it too."""
    if codebook is None:
        from tahsb_analysis.input.codebook import load_codebook

        codebook = load_codebook()
    structure = {**structure, "codebook_exclusive": {
        variable: levels for variable, levels in codebook_exclusive_levels(codebook).items()
        if variable not in structure["exclusive"]}}
    cells = Cells()
    shared = _shared_cell_keys(structure)
    row_cells, shared_rows = _row_cells(results, cells, shared)
    equations = _block_equations(cells, structure)
    equations += _level_sum_equations(cells, structure)
    equations += _group_sum_equations(cells, structure)
    equations += _shared_margin_equations(cells, structure)
    equations += same_count_equations(cells)
    equations += merged_category_equations(cells)
    equations += order_from_path_equations(cells)
    derived = _derived_sources(results, cells, row_cells, structure)
    equations = [e for e in (_drop_zero_terms(e) for e in equations) if len(e) > 1]
    inequalities = (at_most_inequalities(cells, row_cells)
                    + rank_inequalities(results, row_cells)
                    + composite_inequalities(cells, codebook.response_composites))
    return Structure(cells, equations, row_cells, derived, shared_rows, inequalities)


def _shared_cell_keys(structure: dict) -> dict[tuple, tuple[tuple, tuple]]:
    """(output, variable, level, group_variable, group) of each share that shows other rows'
    counts -> (output, variable, level, group_variable, group) of its n and its denominator."""

    def key(output: str, row: dict) -> tuple:
        return (output, row["variable"], row["level"], row.get("group_variable", ""),
                row.get("group", ""))

    return {
        key(rule["output"], rule["row"]): (key(rule["output"], rule["n"]),
                                            key(rule["output"], rule["denominator"]))
        for rule in structure["shared_cells"]
    }


def _row_cells(results: pd.DataFrame, cells: Cells, shared: dict) -> tuple[dict, set[int]]:
    """Register the cells each count, group size, summary and rank row shows; a share declared
    in `shared` shows the n cells of two other rows (its position is returned in the set)."""
    group_variables = defaultdict(set)
    for output, gv in zip(results["output"], results["group_variable"], strict=True):
        if not pd.isna(gv):
            group_variables[output].add(gv)
    row_cells: dict[int, dict[str, int]] = {}
    shared_rows: set[int] = set()
    for position, row in enumerate(results.itertuples(index=False)):
        output, variable, level = row.output, text_of(row.variable), text_of(row.level)
        gv, group, unit = text_of(row.group_variable), text_of(row.group), text_of(row.unit)
        statistic = row.statistic
        sources = shared.get((output, variable, level, gv, group))
        if statistic == PROPORTION and sources is not None:
            row_cells[position] = {
                role: cells.add((*source, unit, ROLE_N), value, True)
                for role, source, value in zip((ROLE_N, ROLE_DENOMINATOR), sources,
                                               (row.n, row.denominator), strict=True)
            }
            shared_rows.add(position)
        elif statistic == PROPORTION or statistic == RANK or (
                statistic in TEST_STATISTICS and level and not is_missing_level(level)):
            # A rank row, or a test of one share (binomial test), shows the count and
            # denominator of the share of the same level.
            n_id = cells.add((output, variable, level, gv, group, unit, ROLE_N), row.n, True)
            key = (output, variable, "", gv, group, unit, ROLE_DENOMINATOR)
            row_cells[position] = {ROLE_N: n_id,
                                   ROLE_DENOMINATOR: cells.add(key, row.denominator, True)}
        elif statistic == COUNT:
            n_id = cells.add((output, variable, level, gv, group, unit, ROLE_N), row.n, True)
            if not gv and variable in group_variables[output]:
                population = population_key(output, "", "", unit)  # missing group variable
            else:
                population = population_key(output, gv, group, unit)
            row_cells[position] = {
                ROLE_N: n_id,
                ROLE_DENOMINATOR: cells.add(population, row.denominator, True),
            }
        elif statistic == GROUP_SIZE:
            # The children of a group: the population its shares and missing rows add up to.
            population = population_key(output, gv, group, unit)
            row_cells[position] = {ROLE_N: cells.add(population, row.n, True)}
        elif statistic in SUMMARY_STATISTICS:
            key = (output, variable, level, gv, group, "children", ROLE_N)
            n_id = cells.add(key, row.n, True)
            cells.summaries.add(n_id)
            row_cells[position] = {ROLE_N: n_id}
    return row_cells, shared_rows


def _block_equations(cells: Cells, structure: dict) -> list[dict[int, float]]:
    """Within one (output, variable, group) block: denominator + missing = population; the
    levels of an exclusive variable add up to the denominator; aggregates add up."""
    blocks: dict[tuple, dict] = defaultdict(lambda: {"levels": {}, "missing": [], "measured": []})
    for index, key in enumerate(list(cells.keys)):
        output, variable, level, gv, group, unit, role = key
        if role == ROLE_POPULATION:
            continue
        if index in cells.summaries and level and not is_missing_level(level):
            # Summaries at a level describe the children of that level (the L2 gap among
            # offline-first children, the paired difference among all with both onsets), not
            # the group's population: the registry's shared margins relate them to counts.
            continue
        block = blocks[(output, variable, gv, group, unit)]
        if role == ROLE_DENOMINATOR or index in cells.summaries:
            block["measured"].append(index)
        elif is_missing_level(level):
            block["missing"].append(index)
        else:
            block["levels"][level] = index
    equations = []
    exclusive = structure["exclusive"]
    aggregates = defaultdict(list)
    for aggregate in structure["aggregates"]:
        aggregates[aggregate["variable"]].append(aggregate)
    by_codebook = structure.get("codebook_exclusive", {})
    for (output, variable, gv, group, unit), block in blocks.items():
        measured = block["measured"]
        for index in measured:
            equation = {index: 1.0}
            for missing in block["missing"]:
                equation[missing] = equation.get(missing, 0.0) + 1.0
            population = cells.add(population_key(output, gv, group, unit))
            equation[population] = equation.get(population, 0.0) - 1.0
            equations.append(equation)
        denominators = [i for i in measured if cells.keys[i][6] == ROLE_DENOMINATOR]
        rule = exclusive.get(variable)
        if rule is None and unit == "children":
            rule = by_codebook.get(variable)
        if rule is None or not denominators:
            continue
        aggregate_levels = {a["level"] for a in aggregates[variable]}
        shown_levels = [lv for lv in block["levels"] if lv not in aggregate_levels
                        and MERGED_SEPARATOR not in lv]  # a merged level sums others
        parts = shown_levels if rule == "all" else rule

        def level_cell(level, output=output, variable=variable, gv=gv, group=group, unit=unit):
            return cells.add((output, variable, level, gv, group, unit, ROLE_N))

        equation = {level_cell(level): 1.0 for level in parts}
        equation[denominators[0]] = equation.get(denominators[0], 0.0) - 1.0
        equations.append(equation)
        for aggregate in aggregates[variable]:
            if aggregate["level"] not in block["levels"]:
                continue
            if "parts" in aggregate:
                summed = aggregate["parts"]
            else:
                summed = [lv for lv in shown_levels if lv not in aggregate["all_levels_except"]]
            equation = {level_cell(level): 1.0 for level in summed}
            equation[level_cell(aggregate["level"])] = -1.0
            equations.append(equation)
    return equations


def level_sum_rules(structure: dict) -> dict[str, list[dict]]:
    """The structure's `level_sums` rules by the variable whose levels are sums."""
    rules = defaultdict(list)
    for rule in structure["level_sums"]:
        rules[rule["variable"]].append(rule)
    return rules


def _level_sum_equations(cells: Cells, structure: dict) -> list[dict[int, float]]:
    """Each shown level L of a `level_sums` variable equals the sum of the shown levels of the
    variable it adds up (same output, group and unit) that match one of the rule's patterns."""
    rules = level_sum_rules(structure)
    levels = defaultdict(dict)  # (output, variable, gv, group, unit) -> {level: cell}
    for index, key in enumerate(cells.keys):
        output, variable, level, gv, group, unit, role = key
        if role == ROLE_N and cells.shown[index] and not is_missing_level(level):
            levels[(output, variable, gv, group, unit)][level] = index
    equations = []
    for (output, variable, gv, group, unit), shown in list(levels.items()):
        for level, index in shown.items():
            equation, searched = {index: -1.0}, False
            for rule in rules.get(variable, []):
                parts = levels.get((output, rule["of"], gv, group, unit))
                if rule.get("level", level) != level or not parts:
                    continue
                searched = True
                patterns = [p.replace("{level}", _literal(level)) for p in rule["match"]]
                equation.update({part_index: 1.0 for part, part_index in parts.items()
                                 if any(fnmatchcase(part, p) for p in patterns)})
            if searched and len(equation) == 1:
                raise ValueError(
                    f"output {output!r}, group {group!r}: no level of the variable(s) that level "
                    f"{level!r} of {variable!r} adds up matches its level_sums patterns")
            if len(equation) > 1:
                equations.append(equation)
    return equations


def _literal(text: str) -> str:
    """`text` as a pattern matching itself only (fnmatch's *, ? and [ in brackets)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _signatures(cells: Cells, output: str, gv: str, groups) -> set[tuple]:
    """(variable, level, unit, role) of the cells an output shows for the given groups."""
    return {
        (key[1], key[2], key[5], key[6])
        for key, shown in zip(cells.keys, cells.shown, strict=True)
        if shown and key[0] == output and key[3] == gv and key[4] in groups
        and key[6] != ROLE_POPULATION
    }


def _group_sum_equations(cells: Cells, structure: dict) -> list[dict[int, float]]:
    equations = []
    for rule in structure["group_sums"]:
        output, gv = rule["output"], rule["group_variable"]
        if "parts" in rule:
            parts, total = rule["parts"], rule["total"]
            signatures = _signatures(cells, output, gv, [*parts, total])
            if rule.get("populations_only"):
                signatures = set()  # the groups' children add up, their counts do not
            for variable, level, unit, role in sorted(signatures):
                equation = {}
                for group in parts:
                    key = (output, variable, level, gv, group, unit, role)
                    if is_missing_level(level) and key not in cells.ids:
                        continue  # no missing row for this group: none missing
                    equation[cells.add(key)] = 1.0
                total_key = (output, variable, level, gv, total, unit, role)
                if is_missing_level(level) and total_key not in cells.ids:
                    continue
                equation[cells.add(total_key)] = -1.0
                equations.append(equation)
            units = {k[5] for k in cells.keys if k[0] == output and k[3] == gv}
            for unit in sorted(units):
                equation = {cells.add(population_key(output, gv, g, unit)): 1.0 for g in parts}
                equation[cells.add(population_key(output, gv, total, unit))] = -1.0
                equations.append(equation)
            continue
        total_output = rule["total_output"]
        groups = sorted({k[4] for k, shown in zip(cells.keys, cells.shown, strict=True)
                         if shown and k[0] == output and k[3] == gv and k[4]
                         and MERGED_SEPARATOR not in k[4]})  # a merged group sums others
        group_missing = [
            i for i, k in enumerate(cells.keys)
            if k[0] == output and k[1] == gv and not k[3] and is_missing_level(k[2])
            and k[6] == ROLE_N
        ]
        unseen = [MISSING_GROUP] if group_missing else []
        for variable, level, unit, role in sorted(_signatures(cells, output, gv, groups)):
            total_key = (total_output, variable, level, "", "", unit, role)
            if total_key not in cells.ids:
                continue
            equation = {cells.add((output, variable, level, gv, g, unit, role)): 1.0
                        for g in groups + unseen}
            equation[cells.ids[total_key]] = -1.0
            equations.append(equation)
        units = {k[5] for k in cells.keys if k[0] == output and k[3] == gv}
        for unit in sorted(units):
            equation = {cells.add(population_key(output, gv, g, unit)): 1.0 for g in groups}
            for index in group_missing:
                equation[index] = equation.get(index, 0.0) + 1.0
            equation[cells.add(population_key(total_output, "", "", unit))] = -1.0
            equations.append(equation)
        if unseen:
            # The unseen group's own counts add up like any other group's.
            equations += _block_equations_for_group(cells, structure, output, gv, MISSING_GROUP,
                                                    group_missing)
    return equations


def _block_equations_for_group(cells, structure, output, gv, group, group_missing):
    """Levels of exclusive variables add up within the unseen group of missing group values."""
    equations = []
    for variable, parts in structure["exclusive"].items():
        keys = [k for k in cells.keys if k[0] == output and k[1] == variable and k[3] == gv
                and k[4] == group and k[6] == ROLE_N and not is_missing_level(k[2])]
        if not keys or parts == "all":
            continue
        unit = keys[0][5]
        equation = {cells.add((output, variable, level, gv, group, unit, ROLE_N)): 1.0
                    for level in parts}
        for index in group_missing:
            equation[index] = equation.get(index, 0.0) - 1.0
        equations.append(equation)
    return equations


def _reference_cell(cells: Cells, reference: dict, group: str | None) -> int | None:
    group = reference.get("group", group) or ""
    output, gv = reference["output"], reference["group_variable"]
    if "variable" in reference:
        for unit in ("children", "behaviours"):
            key = (output, reference["variable"], reference.get("level", ""), gv, group, unit,
                   ROLE_N)
            if key in cells.ids:
                return cells.ids[key]
        return None
    key = population_key(output, gv, group, "children")
    if key in cells.ids or any(k[0] == output and k[3] == gv and k[4] == group
                               for k in cells.keys):
        return cells.add(key)
    return None


def _shared_margin_equations(cells: Cells, structure: dict) -> list[dict[int, float]]:
    equations = []
    for margin in structure["shared_margins"]:
        for group in margin.get("each_group", [None]):
            total = _reference_cell(cells, margin["total"], group)
            parts = [_reference_cell(cells, part, group) for part in margin["parts"]]
            if total is None or any(p is None for p in parts):
                continue  # an output this cohort does not have
            equation: dict[int, float] = {}
            for part in parts:
                equation[part] = equation.get(part, 0.0) + 1.0
            equation[total] = equation.get(total, 0.0) - 1.0
            equations.append(equation)
    return equations


def _pair_groups(group: str) -> list[str] | None:
    if PAIR_SEPARATOR in group:
        return group.split(PAIR_SEPARATOR)
    return None


def _derived_sources(results: pd.DataFrame, cells: Cells, row_cells, structure) -> dict:
    """The count cells each test, effect or model row is computed from."""
    derived = {rule["output"]: rule for rule in structure["derived_from"]}
    by_block: dict[tuple, list[tuple[str, str, int]]] = defaultdict(list)
    for index, key in enumerate(cells.keys):
        output, variable, level, gv, group, _unit, role = key
        if role == ROLE_POPULATION or not cells.shown[index]:
            continue
        by_block[(output, gv)].append((variable, level, group, index))
    sources: dict[int, list[int]] = {}
    for position, row in enumerate(results.itertuples(index=False)):
        if position in row_cells:
            continue
        output, variable, gv = row.output, text_of(row.variable), text_of(row.group_variable)
        group = text_of(row.group)
        rule = derived.get(output)
        if rule is not None:
            output = rule["source_output"]
            variable = rule.get("variables", {}).get(variable, variable)
        groups = _pair_groups(group) or ([group] if group else None)
        if row.statistic == WEIGHTED_PROPORTION:
            groups = None  # weighted from every group's counts of its variable, not the total's
        found = [
            index
            for cell_variable, cell_level, cell_group, index in by_block[(output, gv)]
            if (cell_variable == variable or cell_level == variable)
            and (groups is None or cell_group in groups)
        ]
        if not gv:
            found += [index for cell_variable, cell_level, _g, index in by_block[(output, "")]
                      if cell_variable == variable or cell_level == variable]
        sources[position] = sorted(set(found))
    return sources


def _drop_zero_terms(equation: dict[int, float]) -> dict[int, float]:
    return {k: v for k, v in equation.items() if abs(v) > _TOLERANCE}
