"""Secondary suppression as a mixed-integer program: hide the cheapest further counts so that
every hidden count keeps the policy's protection.

The method is the cutting-plane algorithm of Fischetti and Salazar-Gonzalez (2000, JASA 95,
916-928), the one behind tau-ARGUS's and sdcTable's "optimal" methods:

1. master problem (`scipy.optimize.milp`, HiGHS): binary x_c = 1 when count c is hidden;
   minimise sum cost_c x_c with the primary cells fixed at 1, subject to the cuts found so far;
2. for each hidden count, the attacker's linear programs (`protection.linear_range`) give its
   range under the master's pattern; a count short of its protection (for a secondary count,
   only while it is hidden) yields a capacity cut, valid for every pattern and violated by
   this one. A count found protected is not solved again while the pattern still hides the
   cells its range depends on (`Model.linked_hidden`): hiding more only widens a range;
3. repeat until no hidden count is short. The pattern is then the cheapest that protects every
   hidden count against an attacker working over real numbers; a last check over integers
   (`protection.integer_range`) raises the requirement of any count the integers narrow further
   and resumes the loop.

Costs follow the release priority of each count's output (policy `priority_weights`), so a
headline count is hidden only when no combination of breakdown or detail counts protects the
cells it would protect. Small counts cost a little less than large ones of the same priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from tahsb_analysis.release.policy import Protection
from tahsb_analysis.release.protection import (
    Model,
    Side,
    build_models,
    integer_range,
    linear_range,
)

# Stop after this many rounds of the master problem (each round adds at least one cut); the
# cells still short of protection are then reported, never silently released.
MAX_ROUNDS = 200
MASTER_TIME_LIMIT = 60.0


@dataclass
class SuppressionProblem:
    """What secondary suppression needs, by global cell id.

    values : true count of each cell (NaN for an unseen cell no row gives)
    low, high : the interval an attacker learns from a released cell (its value, or the
        interval its rounded value stands for)
    unseen : cells no row shows (always unknown to the attacker)
    primary : cells hidden whatever the cost (primary suppression, withheld outputs)
    fixed_released : shown cells that may not be hidden (they say nothing about a child)
    costs : the cost of hiding each cell
    """

    equations: list[dict[int, float]]
    inequalities: list[dict[int, float]]
    values: np.ndarray
    low: np.ndarray
    high: np.ndarray
    unseen: np.ndarray
    primary: set[int]
    fixed_released: set[int]
    costs: np.ndarray
    protection: Protection
    # Released counts that must keep the protection interval too (a rounded count: relations
    # between rounded counts can narrow it below its rounding interval).
    released_targets: set[int] = field(default_factory=set)
    # The width a released target must keep (at most the protection interval; a rounded
    # count cannot be wider than its own rounding interval).
    released_interval: float = 0.0


@dataclass
class SuppressionResult:
    hidden: set[int]
    secondary: set[int]
    ranges: dict[int, tuple[float, float]]  # hidden cell -> integer feasible range
    unprotected: set[int] = field(default_factory=set)
    rounds: int = 0
    objective: float = 0.0
    notes: list[str] = field(default_factory=list)


def secondary_cells(problem: SuppressionProblem) -> SuppressionResult:
    """The cheapest set of further cells to hide (see the module docstring)."""
    n_cells = len(problem.values)
    models, membership = build_models(n_cells, problem.equations, problem.inequalities,
                                      problem.values, problem.low, problem.high, problem.unseen)
    hidden = set(problem.primary)
    extra = {c: 0.0 for c in range(n_cells)}  # integer-check raises of a cell's requirement
    result = SuppressionResult(hidden=set(hidden), secondary=set(), ranges={})
    for model in models:
        if not any(c in problem.primary or c in problem.released_targets
                   for c in model.cells):
            continue
        chosen, rounds, notes, ranges = _solve_model(model, problem, extra)
        result.rounds += rounds
        result.notes += notes
        hidden |= {model.cells[i] for i in np.flatnonzero(chosen)}
        result.ranges.update(ranges)
    result.hidden = hidden
    result.secondary = hidden - problem.primary
    result.objective = float(sum(problem.costs[c] for c in result.secondary))
    for cell in sorted(hidden | problem.released_targets):
        if membership[cell] < 0:
            result.ranges[cell] = (0.0, np.inf) if cell in hidden else (
                problem.low[cell], problem.high[cell])
        elif cell not in result.ranges:  # a fallback pattern: not checked over integers yet
            model = models[membership[cell]]
            pattern = np.array([c in hidden for c in model.cells])
            result.ranges[cell] = integer_range(model, model.cells.index(cell), pattern)
        if cell in hidden:
            if not _meets(problem.protection, problem.values[cell], *result.ranges[cell]):
                result.unprotected.add(cell)
        elif np.subtract(*result.ranges[cell][::-1]) < problem.released_interval - 1e-6:
            result.unprotected.add(cell)
    return result


def _meets(protection: Protection, value: float, low: float, high: float) -> bool:
    lower, upper, interval = protection.required(value)
    return value - low >= lower - 1e-6 and high - value >= upper - 1e-6 \
        and high - low >= interval - 1e-6


def _solve_model(model: Model, problem: SuppressionProblem, extra: dict[int, float]):
    """The cheapest pattern of one connected set of cells: (hidden bool array, rounds, notes,
    integer range of each hidden cell by global id)."""
    size = len(model.cells)
    primary = np.array([c in problem.primary for c in model.cells])
    hideable = np.array([not model.unseen[i] and c not in problem.fixed_released
                         for i, c in enumerate(model.cells)]) | primary
    costs = np.array([problem.costs[c] for c in model.cells])
    released_targets = np.array([c in problem.released_targets for c in model.cells])
    # (coefficients a, right-hand side b, the cell it protects): a x >= b
    cuts: list[tuple[np.ndarray, float, int]] = []
    # cell -> hidden cells (local) whose hiding alone protects it (Model.linked_hidden)
    verified: dict[int, set[int]] = {}
    unprotectable: set[int] = set()  # local cells no pattern protects: reported, not required
    notes = []
    pattern = primary.copy()
    for round_number in range(1, MAX_ROUNDS + 1):
        pattern = _master(costs, primary, hideable, [(a, b) for a, b, _ in cuts], size)
        if pattern is None:
            hopeless = _unprotectable(model, problem, hideable, {t for _, _, t in cuts})
            if not hopeless:
                notes.append(f"{size} linked counts: no pattern protects every hidden count; "
                             "every count that may be hidden is hidden")
                return hideable.copy(), round_number, notes, {}
            unprotectable |= hopeless
            notes.append(f"{len(hopeless)} counts cannot keep their protection whatever is "
                         "hidden (zero or fixed by counts that say nothing about a child)")
            cuts = [cut for cut in cuts if cut[2] not in unprotectable]
            continue
        new_cuts = _short_cells(model, problem, pattern, primary, extra, verified,
                                released_targets, unprotectable)
        if not new_cuts:
            short, ranges = _integer_check(model, problem, pattern, extra, released_targets,
                                           unprotectable)
            if not short:
                return pattern, round_number, notes, ranges
            verified.clear()
            continue
        cuts += new_cuts
    notes.append(f"{size} linked counts: stopped after {MAX_ROUNDS} rounds; every count that "
                 "may be hidden is hidden")
    return hideable.copy(), MAX_ROUNDS, notes, {}


def _master(costs, primary, hideable, cuts, size) -> np.ndarray | None:
    lower = primary.astype(float)
    upper = hideable.astype(float)
    constraints = ()
    if cuts:
        matrix = np.vstack([a for a, _ in cuts])
        constraints = LinearConstraint(matrix, np.array([b for _, b in cuts]), np.inf)
    result = milp(costs, integrality=np.ones(size), bounds=Bounds(lower, upper),
                  constraints=constraints,
                  # a zero gap: the optimum, not a pattern within HiGHS's default 0.01% of it
                  # (which could keep a cheap cell hidden that nothing needs)
                  options={"time_limit": MASTER_TIME_LIMIT, "mip_rel_gap": 0.0})
    if result.x is None:
        return None
    return np.round(result.x).astype(bool)


def _unprotectable(model, problem, hideable, targets) -> set[int]:
    """Local cells among `targets` short of their protection even with every count that may be
    hidden hidden: no pattern helps them, so they are reported instead of required."""
    hopeless = set()
    for target in sorted(targets):
        # a released target that may be hidden is always protectable (hide it); one that may
        # not be hidden needs its interval with everything else hidden
        upper_side, lower_side = linear_range(model, target, hideable)
        value = model.truth[target]
        need_lower, need_upper, need_interval = problem.protection.required(value)
        upper_gap = np.inf if upper_side is None else upper_side.gap
        lower_gap = 0.0 if lower_side is None else lower_side.gap
        if not hideable[target]:
            need_lower = need_upper = 0.0  # a released target needs its interval only
            need_interval = problem.released_interval
        if (upper_gap < need_upper - 1e-6 or lower_gap < min(need_lower, max(value, 0.0)) - 1e-6
                or upper_gap + lower_gap < need_interval - 1e-6):
            hopeless.add(target)
    return hopeless


def _short_cells(model, problem, pattern, primary, extra, verified, released_targets,
                 unprotectable) -> list:
    """Cuts for every hidden count (and released target) short of its protection under
    `pattern`, each tagged with the local cell it protects."""
    hidden_set = set(np.flatnonzero(pattern).tolist())
    watched = hidden_set | set(np.flatnonzero(released_targets & ~pattern).tolist())
    cuts = []
    for target in sorted(watched - unprotectable):
        cell = model.cells[target]
        if cell in verified and verified[cell] <= hidden_set:
            continue  # protected by cells this pattern hides too: hiding more only widens
        upper_side, lower_side = linear_range(model, target, pattern)
        value = model.truth[target]
        need_lower, need_upper, need_interval = problem.protection.required(value)
        need_lower = min(need_lower + extra[cell], max(value, 0.0))
        need_interval += extra[cell]
        need_upper += extra[cell]
        conditional = None if primary[target] else target
        released = not pattern[target]
        if released:  # a released rounded count: its interval only, while it is released
            need_lower = need_upper = 0.0
            need_interval = problem.released_interval + extra[cell]
        short = []
        if upper_side is not None and upper_side.gap < need_upper - 1e-6:
            short.append(([upper_side], need_upper))
        if lower_side is not None and lower_side.gap < need_lower - 1e-6:
            short.append(([lower_side], need_lower))
        width = np.inf if upper_side is None else upper_side.gap + (
            lower_side.gap if lower_side is not None else 0.0)
        if width < need_interval - 1e-6:
            short.append(([upper_side, lower_side], need_interval))
        if not short:
            verified[cell] = set(np.flatnonzero(model.linked_hidden(target, pattern)).tolist())
            continue
        for sides, need in short:
            if released:
                coefficients, rhs = _cut(sides, need, None, len(model.cells))
                # while the count is released: hiding it lifts the requirement
                coefficients[target] += need
            else:
                coefficients, rhs = _cut(sides, need, conditional, len(model.cells))
            cuts.append((coefficients, rhs, target))
    return cuts


def _cut(sides: list[Side], need: float, conditional: int | None, size: int):
    """sum of the sides' linearised gaps >= need (times x_target for a secondary count),
    as (a, b) with a x >= b."""
    coefficients = np.zeros(size)
    constant = 0.0
    for side in sides:
        if side is None:
            continue
        constant += side.constant
        for i, slope in side.slopes.items():
            coefficients[i] += slope
    finite = coefficients[np.isfinite(coefficients)]
    big = need + abs(constant) + float(np.abs(finite).sum()) + 1.0
    coefficients[~np.isfinite(coefficients)] = big
    coefficients = np.minimum(coefficients, big)
    if conditional is None:
        return coefficients, need - constant
    # a x + constant >= need * x_t  <=>  a x - (need - 0) x_t >= -constant; the linearised
    # gap is never below zero, so with x_t = 0 the cut asks nothing.
    coefficients[conditional] -= need
    return coefficients, -constant


def _integer_check(model, problem, pattern, extra, released_targets, unprotectable
                   ) -> tuple[list[int], dict]:
    """Hidden counts (and released targets) that integer programming bounds more narrowly than
    their protection; their requirement is raised by the shortfall so that the next round
    widens them."""
    short, ranges = [], {}
    watched = set(np.flatnonzero(pattern)) | set(np.flatnonzero(released_targets & ~pattern))
    for target in sorted(watched):
        cell = model.cells[target]
        low, high = integer_range(model, target, pattern)
        ranges[cell] = (low, high)
        if target in unprotectable:
            continue
        value = model.truth[target]
        lower, upper, interval = problem.protection.required(value)
        if not pattern[target]:
            lower = upper = 0.0
            interval = problem.released_interval
        shortfall = max(upper - (high - value), interval - (high - low), 0.0)
        if value - low < lower - 1e-6:
            shortfall = max(shortfall, 1.0)
        if shortfall > 1e-6 and np.isfinite(shortfall):
            extra[cell] += shortfall
            short.append(cell)
    return short, ranges


def audit_pattern(problem: SuppressionProblem) -> SuppressionResult:
    """No secondary suppression: the integer range of every primary cell under the primary
    pattern alone, and which of them fall short of their protection."""
    n_cells = len(problem.values)
    models, membership = build_models(n_cells, problem.equations, problem.inequalities,
                                      problem.values, problem.low, problem.high, problem.unseen)
    result = SuppressionResult(hidden=set(problem.primary), secondary=set(), ranges={})
    for cell in sorted(problem.primary):
        if membership[cell] < 0:
            result.ranges[cell] = (0.0, np.inf)
            continue
        model = models[membership[cell]]
        pattern = np.array([c in problem.primary for c in model.cells])
        result.ranges[cell] = integer_range(model, model.cells.index(cell), pattern)
        if not _meets(problem.protection, problem.values[cell], *result.ranges[cell]):
            result.unprotected.add(cell)
    return result
