"""Which cells disclosure control hides: primary suppression (the policy's rules applied to
each count on its own) and secondary suppression (further counts hidden until no hidden count
can be recovered from the released ones through the equations between them).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from scipy import linalg, optimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tahsb_analysis.release.cells import (
    ROLE_DENOMINATOR,
    ROLE_N,
    Structure,
    is_missing_level,
    level_sum_rules,
)
from tahsb_analysis.release.policy import DisclosurePolicy
from tahsb_analysis.vocabulary import GROUP_SIZE, PROPORTION

SECONDARY_REASON = "secondary: protects a suppressed cell in the same margin"


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


def secondary_suppression(structure: Structure, reasons: dict[int, str], structure_rules: dict,
               harmless: set[int]) -> dict[int, str]:
    """Greedy complementary suppression: while a suppressed cell is recoverable, also hide a
    released cell that shares an equation with it.

    The cell hidden is the smallest level count available (least information lost); group
    sizes and the children behind a summary come last, because the same size is usually shown
    in several tables and hiding one copy protects nothing. Each connected set of linked cells
    is solved on its own: first by linear algebra (fast), then checked with linear programming
    over non-negative counts, repeating until neither finds a recoverable cell.

    Levels that sum levels of another variable (`level_sums`: the nodes of a flow diagram) say
    nothing their parts do not, so they never cost a part its release: the other cells are
    decided first without them (as if they were not shown), then only sums are hidden until no
    hidden cell can be recovered through them; a last pass over every cell catches what hiding
    sums cannot protect (a sum suppressed on its own whose parts are all released).
    """
    cells = structure.cells
    summing = level_sum_rules(structure_rules)
    sums = {i for i, key in enumerate(cells.keys)
            if key[1] in summing and key[6] == ROLE_N and not is_missing_level(key[2])}
    if not sums:
        return _greedy(cells, structure.equations, reasons, structure_rules, harmless)
    without = [e for e in structure.equations if not sums & e.keys()]
    reasons = _greedy(cells, without, reasons, structure_rules, harmless)
    reasons = _greedy(cells, structure.equations, reasons, structure_rules, harmless, sums)
    return _greedy(cells, structure.equations, reasons, structure_rules, harmless)


def _greedy(cells, equations: list[dict[int, float]], reasons: dict[int, str],
            structure_rules: dict, harmless: set[int], only: set[int] | None = None) -> dict:
    """`secondary_suppression` over `equations`, hiding only cells of `only` if given."""
    values = np.nan_to_num(np.asarray(cells.values, dtype=float), nan=0.0)
    implicit = {i for i, shown in enumerate(cells.shown) if not shown}
    component = _components(len(cells.keys), equations)
    by_component: dict[int, list[dict[int, float]]] = defaultdict(list)
    for equation in equations:
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
                     if c not in reasons and c not in implicit and c not in harmless
                     and (only is None or c in only)}
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
