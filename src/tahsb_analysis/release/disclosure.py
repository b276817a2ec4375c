"""Disclosure control: the gate between the internal results table and the release tier.

It acts on the long results table, before anything is rendered (gtsummary's ARD idea; ACRO's
output checking). Primary suppression applies the policy's threshold to every count a row
shows: numerators, denominators, complements, the children behind a mean or a test; zero and
full cells are disclosive unless the policy says otherwise. Secondary (complementary)
suppression then hides further counts until no suppressed count can be recovered from the
released ones through the linear relations between them: the levels of a variable adding up to
their denominator, groups adding up to a total, and the margins declared in the policy as shared
between tables (ACRO does not do this step, and its totals can reveal suppressed cells). A
statistic computed from a suppressed count (share, CI, test, effect size, odds ratio, rank)
inherits its suppression. Optional rounding comes last.

The policy is a versioned YAML file checked against `data/disclosure_policy.schema.yaml`.
Nothing here prints a count next to a child-level value; the cell log keeps values for the
analyst (internal tier) and the manifest lists suppressed cells by name and reason only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml
from scipy import linalg, optimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tahsb_analysis.analyses.inference import proportion_ci
from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.schema import (
    RELEASED,
    SUPPRESSED,
    make_results,
    validate_results,
)

# Rows whose n (and denominator) are counts the policy protects directly.
COUNT_STATISTICS = ("proportion", "count")
# Rows that summarise a continuous variable over n children.
SUMMARY_STATISTICS = ("mean", "sd", "median", "q1", "q3")
RANK_STATISTIC = "rank"
MISSING_PREFIX = "missing: "
PAIR_SEPARATOR = " vs "
# The marker rendered tables show for a suppressed value (the ONS convention for confidential).
SUPPRESSED_MARKER = "[c]"
# The unseen group of children whose group variable is missing (cross-output group sums).
MISSING_GROUP = "<group missing>"

ROLE_N = "n"
ROLE_DENOMINATOR = "denominator"
ROLE_POPULATION = "population"

# Fields blanked when a row is suppressed: every number computed from the hidden count.
_ESTIMATE_FIELDS = ("estimate", "ci_low", "ci_high")
_TEST_FIELDS = ("estimate", "ci_low", "ci_high", "n", "denominator", "p_value", "p_adjusted")

_TOLERANCE = 1e-7
SECONDARY_REASON = "secondary: protects a suppressed cell in the same margin"
# What the release tier says about a hidden count. One wording for every cell: a reason such as
# "zero cell" or "complement below threshold" would itself narrow the hidden value (the ONS
# practice of a single [c]). The detailed reason stays in the internal cell log.
RELEASED_CELL_REASON = (
    "suppressed under the disclosure policy (a disclosive count, or one that would reveal it)"
)
DERIVED_REASON = "computed from a suppressed count"


class DisclosurePolicyError(ValueError):
    """The disclosure policy file is missing, malformed or breaks its schema."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """A validated disclosure policy (see config/disclosure_policy.yaml)."""

    version: str
    threshold: int
    zeros_disclosive: bool
    check_complements: bool
    rounding_base: int | None
    secondary_suppression: bool
    structure: dict
    missing_counts_disclosive: bool = False
    source: str = "<memory>"

    def summary(self) -> dict:
        """The policy's rules, for the manifest and the report (no structure details)."""
        return {
            "version": self.version,
            "source": self.source,
            "threshold": self.threshold,
            "zeros_disclosive": self.zeros_disclosive,
            "check_complements": self.check_complements,
            "rounding_base": self.rounding_base,
            "secondary_suppression": self.secondary_suppression,
            "missing_counts_disclosive": self.missing_counts_disclosive,
            "outputs_covered": len(self.structure["outputs"]),
            "shared_margins_declared": len(self.structure["shared_margins"]),
        }


def _schema() -> dict:
    text = resources.files("tahsb_analysis").joinpath("data/disclosure_policy.schema.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


def policy_from_mapping(data, source: str = "<memory>") -> DisclosurePolicy:
    """Validate a policy mapping against the schema; every problem is reported at once."""
    if not isinstance(data, dict):
        raise DisclosurePolicyError(f"{source}: the policy must be a mapping of keys to values")
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [
            f"{source}: {'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
            for e in errors
        ]
        raise DisclosurePolicyError("the disclosure policy is not valid:\n" + "\n".join(lines))
    return DisclosurePolicy(
        version=data["version"],
        threshold=data["threshold"],
        zeros_disclosive=data["zeros_disclosive"],
        check_complements=data["check_complements"],
        rounding_base=data["rounding_base"],
        secondary_suppression=data["secondary_suppression"],
        structure=registered_structure(),
        missing_counts_disclosive=data["missing_counts_disclosive"],
        source=source,
    )


def registered_structure() -> dict:
    """The structure of the counts as the output registry declares it, checked against the
    schema's `$defs/structure` (the policy holds the rules, the registry the structure)."""
    structure = load_registry().disclosure_structure()
    schema = _schema()
    validator = jsonschema.Draft202012Validator({**schema["$defs"]["structure"],
                                                  "$defs": schema["$defs"]})
    errors = sorted(validator.iter_errors(structure), key=lambda e: list(map(str, e.path)))
    if errors:
        raise DisclosurePolicyError(
            "the output registry's disclosure structure is not valid:\n" + "\n".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors))
    return structure


def load_policy(path) -> DisclosurePolicy:
    """Read and validate the policy YAML at `path`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DisclosurePolicyError(f"{path}: disclosure policy file not found") from error
    except yaml.YAMLError as error:
        raise DisclosurePolicyError(f"{path}: not valid YAML ({error})") from error
    return policy_from_mapping(data, source=str(path))


# --- cells: every count the release shows, or that links counts it shows ----------------------


def _text(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) \
        else str(value)


def _is_missing_level(level: str) -> bool:
    return level.startswith(MISSING_PREFIX)


class _Cells:
    """Counts keyed by (output, variable, level, group_variable, group, unit, role).

    A cell is "shown" when some row of the results table displays it; other cells (a
    population, the children of an unseen group) are unknowns that only link shown cells.
    """

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.keys: list[tuple] = []
        self.values: list[float] = []
        self.shown: list[bool] = []
        self.summaries: set[int] = set()  # the n behind a mean or median

    def get(self, key: tuple) -> int | None:
        return self.ids.get(key)

    def add(self, key: tuple, value=None, shown: bool = False) -> int:
        index = self.ids.get(key)
        if index is None:
            index = len(self.keys)
            self.ids[key] = index
            self.keys.append(key)
            self.values.append(np.nan)
            self.shown.append(False)
        if value is not None and not pd.isna(value):
            old = self.values[index]
            if not np.isnan(old) and abs(old - float(value)) > _TOLERANCE:
                raise ValueError(f"two rows give different counts for the same cell {key}")
            self.values[index] = float(value)
        self.shown[index] = self.shown[index] or shown
        return index


def _population_key(output, group_variable, group, unit) -> tuple:
    unit = unit if unit in ("children", "behaviours") else "children"
    return (output, "", "", group_variable, group, unit, ROLE_POPULATION)


@dataclass
class _Structure:
    cells: _Cells
    equations: list[dict[int, float]]
    row_cells: dict[int, dict[str, int]]  # row position -> {"n": id, "denominator": id}
    derived_sources: dict[int, list[int]]  # row position -> cell ids it is computed from


def _row_cells(results: pd.DataFrame, cells: _Cells) -> dict[int, dict[str, int]]:
    """Register the cells each count, summary and rank row shows."""
    group_variables = defaultdict(set)
    for output, gv in zip(results["output"], results["group_variable"], strict=True):
        if not pd.isna(gv):
            group_variables[output].add(gv)
    row_cells: dict[int, dict[str, int]] = {}
    for position, row in enumerate(results.itertuples(index=False)):
        output, variable, level = row.output, _text(row.variable), _text(row.level)
        gv, group, unit = _text(row.group_variable), _text(row.group), _text(row.unit)
        statistic = row.statistic
        if statistic == "proportion" or statistic == RANK_STATISTIC:
            n_id = cells.add((output, variable, level, gv, group, unit, ROLE_N), row.n, True)
            entry = {ROLE_N: n_id}
            if statistic == "proportion":
                key = (output, variable, "", gv, group, unit, ROLE_DENOMINATOR)
                entry[ROLE_DENOMINATOR] = cells.add(key, row.denominator, True)
            row_cells[position] = entry
        elif statistic == "count":
            n_id = cells.add((output, variable, level, gv, group, unit, ROLE_N), row.n, True)
            if not gv and variable in group_variables[output]:
                population = _population_key(output, "", "", unit)  # missing group variable
            else:
                population = _population_key(output, gv, group, unit)
            row_cells[position] = {
                ROLE_N: n_id,
                ROLE_DENOMINATOR: cells.add(population, row.denominator, True),
            }
        elif statistic in SUMMARY_STATISTICS:
            key = (output, variable, level, gv, group, "children", ROLE_N)
            n_id = cells.add(key, row.n, True)
            cells.summaries.add(n_id)
            row_cells[position] = {ROLE_N: n_id}
    return row_cells


def _block_equations(cells: _Cells, structure: dict) -> list[dict[int, float]]:
    """Within one (output, variable, group) block: denominator + missing = population; the
    levels of an exclusive variable add up to the denominator; aggregates add up."""
    blocks: dict[tuple, dict] = defaultdict(lambda: {"levels": {}, "missing": [], "measured": []})
    for index, key in enumerate(list(cells.keys)):
        output, variable, level, gv, group, unit, role = key
        if role == ROLE_POPULATION:
            continue
        block = blocks[(output, variable, gv, group, unit)]
        if role == ROLE_DENOMINATOR or index in cells.summaries:
            block["measured"].append(index)
        elif _is_missing_level(level):
            block["missing"].append(index)
        else:
            block["levels"][level] = index
    equations = []
    exclusive = structure["exclusive"]
    aggregates = defaultdict(list)
    for aggregate in structure["aggregates"]:
        aggregates[aggregate["variable"]].append(aggregate)
    for (output, variable, gv, group, unit), block in blocks.items():
        measured = block["measured"]
        for index in measured:
            equation = {index: 1.0}
            for missing in block["missing"]:
                equation[missing] = equation.get(missing, 0.0) + 1.0
            population = cells.add(_population_key(output, gv, group, unit))
            equation[population] = equation.get(population, 0.0) - 1.0
            equations.append(equation)
        denominators = [i for i in measured if cells.keys[i][6] == ROLE_DENOMINATOR]
        if variable not in exclusive or not denominators:
            continue
        aggregate_levels = {a["level"] for a in aggregates[variable]}
        shown_levels = [lv for lv in block["levels"] if lv not in aggregate_levels]
        parts = shown_levels if exclusive[variable] == "all" else exclusive[variable]

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


def _signatures(cells: _Cells, output: str, gv: str, groups) -> set[tuple]:
    """(variable, level, unit, role) of the cells an output shows for the given groups."""
    return {
        (key[1], key[2], key[5], key[6])
        for key, shown in zip(cells.keys, cells.shown, strict=True)
        if shown and key[0] == output and key[3] == gv and key[4] in groups
        and key[6] != ROLE_POPULATION
    }


def _group_sum_equations(cells: _Cells, structure: dict) -> list[dict[int, float]]:
    equations = []
    for rule in structure["group_sums"]:
        output, gv = rule["output"], rule["group_variable"]
        if "parts" in rule:
            parts, total = rule["parts"], rule["total"]
            for variable, level, unit, role in sorted(_signatures(cells, output, gv,
                                                                   [*parts, total])):
                equation = {}
                for group in parts:
                    key = (output, variable, level, gv, group, unit, role)
                    if _is_missing_level(level) and key not in cells.ids:
                        continue  # no missing row for this group: none missing
                    equation[cells.add(key)] = 1.0
                total_key = (output, variable, level, gv, total, unit, role)
                if _is_missing_level(level) and total_key not in cells.ids:
                    continue
                equation[cells.add(total_key)] = -1.0
                equations.append(equation)
            units = {k[5] for k in cells.keys if k[0] == output and k[3] == gv}
            for unit in sorted(units):
                equation = {cells.add(_population_key(output, gv, g, unit)): 1.0 for g in parts}
                equation[cells.add(_population_key(output, gv, total, unit))] = -1.0
                equations.append(equation)
            continue
        total_output = rule["total_output"]
        groups = sorted({k[4] for k, shown in zip(cells.keys, cells.shown, strict=True)
                         if shown and k[0] == output and k[3] == gv and k[4]})
        group_missing = [
            i for i, k in enumerate(cells.keys)
            if k[0] == output and k[1] == gv and not k[3] and _is_missing_level(k[2])
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
            equation = {cells.add(_population_key(output, gv, g, unit)): 1.0 for g in groups}
            for index in group_missing:
                equation[index] = equation.get(index, 0.0) + 1.0
            equation[cells.add(_population_key(total_output, "", "", unit))] = -1.0
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
                and k[4] == group and k[6] == ROLE_N and not _is_missing_level(k[2])]
        if not keys or parts == "all":
            continue
        unit = keys[0][5]
        equation = {cells.add((output, variable, level, gv, group, unit, ROLE_N)): 1.0
                    for level in parts}
        for index in group_missing:
            equation[index] = equation.get(index, 0.0) - 1.0
        equations.append(equation)
    return equations


def _reference_cell(cells: _Cells, reference: dict, group: str | None) -> int | None:
    group = reference.get("group", group) or ""
    output, gv = reference["output"], reference["group_variable"]
    if "variable" in reference:
        for unit in ("children", "behaviours"):
            key = (output, reference["variable"], reference.get("level", ""), gv, group, unit,
                   ROLE_N)
            if key in cells.ids:
                return cells.ids[key]
        return None
    key = _population_key(output, gv, group, "children")
    if key in cells.ids or any(k[0] == output and k[3] == gv and k[4] == group
                               for k in cells.keys):
        return cells.add(key)
    return None


def _shared_margin_equations(cells: _Cells, structure: dict) -> list[dict[int, float]]:
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


def _derived_sources(results: pd.DataFrame, cells: _Cells, row_cells, structure) -> dict:
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
        output, variable, gv = row.output, _text(row.variable), _text(row.group_variable)
        group = _text(row.group)
        rule = derived.get(output)
        if rule is not None:
            output = rule["source_output"]
            variable = rule.get("variables", {}).get(variable, variable)
        groups = _pair_groups(group) or ([group] if group else None)
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


def _build_structure(results: pd.DataFrame, structure: dict) -> _Structure:
    cells = _Cells()
    row_cells = _row_cells(results, cells)
    equations = _block_equations(cells, structure)
    equations += _group_sum_equations(cells, structure)
    equations += _shared_margin_equations(cells, structure)
    derived = _derived_sources(results, cells, row_cells, structure)
    equations = [e for e in (_drop_zero_terms(e) for e in equations) if len(e) > 1]
    return _Structure(cells, equations, row_cells, derived)


def _drop_zero_terms(equation: dict[int, float]) -> dict[int, float]:
    return {k: v for k, v in equation.items() if abs(v) > _TOLERANCE}


# --- primary suppression ----------------------------------------------------------------------


def _harmless_zeros(results: pd.DataFrame, structure: _Structure, policy) -> set[int]:
    """Zero cells that say nothing about any child: zero by definition (the policy's
    structural zeros), or in a group with no children at all (nobody to disclose)."""
    cells = structure.cells
    structural = {(z["variable"], z["level"]) for z in policy.structure["structural_zeros"]}
    harmless = {
        i for i, key in enumerate(cells.keys)
        if (key[1], key[2]) in structural and cells.values[i] == 0
    }
    for position, entry in structure.row_cells.items():
        d_id = entry.get(ROLE_DENOMINATOR)
        if d_id is None or results.iloc[position]["statistic"] != "proportion":
            continue
        if cells.values[d_id] == 0:
            harmless |= {d_id, entry[ROLE_N]}
    return harmless


def _primary(results: pd.DataFrame, structure: _Structure, policy: DisclosurePolicy) -> dict:
    """Reasons, by cell id, for suppressing the counts the policy forbids on their own."""
    k = policy.threshold
    cells = structure.cells
    reasons: dict[int, str] = {}

    def flag(index: int, reason: str) -> None:
        reasons.setdefault(index, reason)

    harmless = _harmless_zeros(results, structure, policy)
    for index, (key, value, shown) in enumerate(
        zip(cells.keys, cells.values, cells.shown, strict=True)
    ):
        if not shown or np.isnan(value) or index in harmless:
            continue
        role = key[6]
        if _is_missing_level(key[2]) and not policy.missing_counts_disclosive:
            continue  # records without a value: about the case files, not about a child
        if value == 0:
            if role != ROLE_N or policy.zeros_disclosive:
                flag(index, "zero cell" if role == ROLE_N else "empty group")
        elif value < k:
            what = "count" if role == ROLE_N else "group size"
            flag(index, f"{what} below threshold ({k})")
    if policy.check_complements:
        for position, entry in structure.row_cells.items():
            if ROLE_DENOMINATOR not in entry or results.iloc[position]["statistic"] != "proportion":
                continue
            n, d = cells.values[entry[ROLE_N]], cells.values[entry[ROLE_DENOMINATOR]]
            if np.isnan(n) or np.isnan(d) or d == 0:
                continue
            complement = d - n
            if complement == 0 and n > 0 and policy.zeros_disclosive:
                flag(entry[ROLE_N], "full cell: every child in the group")
            elif 0 < complement < k:
                flag(entry[ROLE_N], f"complement (denominator minus count) below threshold ({k})")
    return reasons


# --- secondary suppression: no suppressed cell may be recoverable -----------------------------


def _components(n_cells: int, equations: list[dict[int, float]]) -> np.ndarray:
    """Connected components of the cells linked by equations (each solved on its own)."""
    rows, cols = [], []
    for equation in equations:
        members = list(equation)
        rows += members[:-1]
        cols += members[1:]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_cells, n_cells))
    return connected_components(graph, directed=False)[1]


def _matrix(equations: list[dict[int, float]], columns: list[int]) -> np.ndarray:
    position = {c: i for i, c in enumerate(columns)}
    matrix = np.zeros((len(equations), len(columns)))
    for r, equation in enumerate(equations):
        for cell, coefficient in equation.items():
            if cell in position:
                matrix[r, position[cell]] = coefficient
    return matrix


def recoverable_cells(
    equations: list[dict[int, float]],
    values: list[float] | np.ndarray,
    unknown: set[int],
    targets: set[int],
    *,
    non_negative: bool = True,
) -> set[int]:
    """Which `targets` an attacker can pin down from the equations and the released values.

    Every cell not in `unknown` is released with its value. A target is recoverable when the
    linear system leaves it a single value: algebraically (its unit vector lies in the row
    space of the unknowns' columns: the null space has no component along it), or, with
    `non_negative`, when linear programming over non-negative counts finds its minimum equal to
    its maximum (e.g. suppressed cells that must add up to zero).
    """
    values = np.asarray(values, dtype=float)
    relevant = [e for e in equations if any(c in unknown for c in e)]
    if not relevant or not targets:
        return set()
    columns = sorted({c for e in relevant for c in e if c in unknown})
    matrix = _matrix(relevant, columns)
    known = np.zeros(len(relevant))
    for r, equation in enumerate(relevant):
        known[r] = -sum(coef * values[c] for c, coef in equation.items() if c not in unknown)
    null = linalg.null_space(matrix) if matrix.size else np.zeros((len(columns), 0))
    recovered = set()
    position = {c: i for i, c in enumerate(columns)}
    for target in targets:
        if target not in position:
            recovered.add(target)  # in no equation with an unknown: only its own suppression
            continue
        if null.shape[1] == 0 or np.max(np.abs(null[position[target]])) < 1e-9:
            recovered.add(target)
    recovered &= {t for t in targets if t in position}
    if non_negative:
        for target in sorted(targets - recovered):
            if target not in position:
                continue
            cost = np.zeros(len(columns))
            cost[position[target]] = 1.0
            low = optimize.linprog(cost, A_eq=matrix, b_eq=known, bounds=(0, None),
                                   method="highs")
            high = optimize.linprog(-cost, A_eq=matrix, b_eq=known, bounds=(0, None),
                                    method="highs")
            if low.status == 0 and high.status == 0 and (-high.fun - low.fun) < 0.5:
                recovered.add(target)
    return recovered


def _total_markers(rules: dict) -> dict[str, set]:
    """Outputs, groups and levels that are totals of others: hidden last, so that a published
    headline figure is not lost to protect a cell of one of its breakdowns."""
    return {
        "outputs": {g["total_output"] for g in rules["group_sums"] if "total_output" in g},
        "groups": {g["total"] for g in rules["group_sums"] if "total" in g},
        "levels": {(a["variable"], a["level"]) for a in rules["aggregates"]},
    }


def _secondary(structure: _Structure, reasons: dict[int, str], structure_rules: dict,
               harmless: set[int]) -> dict[int, str]:
    """Greedy complementary suppression: while a suppressed cell is recoverable, also hide a
    released cell that shares an equation with it.

    The cell hidden is the smallest level count available (least information lost); group
    sizes and the children behind a summary come last, because the same size is usually shown
    in several tables and hiding one copy protects nothing. Each connected set of linked cells
    is solved on its own: first by linear algebra (fast), then checked with linear programming
    over non-negative counts, repeating until neither finds a recoverable cell.
    """
    cells = structure.cells
    values = np.nan_to_num(np.asarray(cells.values, dtype=float), nan=0.0)
    implicit = {i for i, shown in enumerate(cells.shown) if not shown}
    component = _components(len(cells.keys), structure.equations)
    by_component: dict[int, list[dict[int, float]]] = defaultdict(list)
    for equation in structure.equations:
        by_component[component[next(iter(equation))]].append(equation)
    reasons = dict(reasons)

    totals = _total_markers(structure_rules)

    def priority(c: int) -> tuple:
        key = cells.keys[c]
        size_like = key[6] != ROLE_N or c in cells.summaries
        is_total = key[0] in totals["outputs"] or key[4] in totals["groups"] \
            or (key[1], key[2]) in totals["levels"]
        return (size_like, is_total, values[c] == 0, values[c], key)

    def candidates_near(target: int, equations) -> list[int]:
        """Released cells in the equations around `target`: those containing it first; if
        every cell there is already hidden, the equations one step further out, and so on."""
        seen_cells, frontier = set(), {target}
        while frontier:
            seen_cells |= frontier
            around = [e for e in equations if frontier & e.keys()]
            found = {c for e in around for c in e
                     if c not in reasons and c not in implicit and c not in harmless}
            if found:
                return sorted(found, key=priority)
            frontier = {c for e in around for c in e} - seen_cells
        return []

    def hide_one(exposed: set[int], equations, non_negative: bool) -> bool:
        """Hide the first candidate (by priority) that protects an exposed cell; if none does
        on its own, the first candidate, and try again with it hidden."""
        for target in sorted(exposed, key=lambda i: cells.keys[i]):
            candidates = candidates_near(target, equations)
            if not candidates:
                continue
            suppressed = set(reasons)
            for candidate in candidates:
                trial = suppressed | {candidate}
                if target not in recoverable_cells(equations, values, trial | implicit, {target},
                                                   non_negative=non_negative):
                    reasons[candidate] = SECONDARY_REASON
                    return True
            reasons[candidates[0]] = SECONDARY_REASON
            return True
        return False

    for label in sorted({component[i] for i in reasons}):
        equations = by_component.get(label, [])
        if not equations:
            continue
        for _ in range(len(cells.keys) + 1):
            hidden_before = len(reasons)
            for non_negative in (False, True):
                for _ in range(len(cells.keys) + 1):
                    suppressed = {i for i in reasons if component[i] == label}
                    exposed = recoverable_cells(equations, values, suppressed | implicit,
                                                suppressed, non_negative=non_negative)
                    exposed = {i for i in exposed if any(i in e for e in equations)}
                    if not exposed or not hide_one(exposed, equations, non_negative):
                        break
            if len(reasons) == hidden_before:
                break  # neither check found anything more to hide
    return reasons


# --- applying the decisions to the rows -------------------------------------------------------


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
    structure = _build_structure(results, policy.structure)
    reasons = _primary(results, structure, policy)
    if policy.secondary_suppression:
        harmless = _harmless_zeros(results, structure, policy)
        reasons = _secondary(structure, reasons, policy.structure, harmless)
    cells = structure.cells
    implicit = {i for i, shown in enumerate(cells.shown) if not shown}
    values = np.nan_to_num(np.asarray(cells.values, dtype=float), nan=0.0)
    exposed = recoverable_cells(structure.equations, values, set(reasons) | implicit,
                                set(reasons))
    exposed = {i for i in exposed if any(i in e for e in structure.equations)}

    release = results.copy()
    covered = set(policy.structure["outputs"])
    status, why = [], []
    for position, row in enumerate(results.itertuples(index=False)):
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
    if policy.rounding_base:
        release = _round_counts(release, policy.rounding_base)
    release = make_results(release)

    log = pd.DataFrame(
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
    return DisclosureOutcome(release=release, cells=log, policy=policy, unprotected=len(exposed))


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
    counted = (released & release["statistic"].eq("count")).fillna(False)
    release.loc[counted, "estimate"] = release.loc[counted, "n"].astype("Float64")
    share = released & release["statistic"].eq("proportion") & release["denominator"].gt(0)
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
