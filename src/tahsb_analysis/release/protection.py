"""How well a suppression pattern protects each hidden count: the attacker's feasible range.

The gate's own audit of a pattern. An attacker who knows every released count (or, when counts
are rounded, the interval each rounded count stands for) and every relation between counts
(the equations and inequalities of `cells.Structure`) can bound each hidden count from below
and above. For a hidden count with true value a and feasible range [min, max], the policy's
`Protection` asks a - min >= min(lower, a), max - a >= upper and max - min >= interval (the
lower, upper and sliding protection levels of Fischetti and Salazar-Gonzalez 2000, "Models and
algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95,
916-928, as tau-ARGUS and R's sdcTable use them).

`linear_range` solves the two linear programs (HiGHS, through `scipy.optimize.linprog`) and
also returns, from their duals, the *capacity cut* of the paper: a linear function of the
suppression pattern that bounds the range from above for every pattern and equals it for this
one. Secondary suppression (`optimal_suppression.py`) adds these cuts to its master problem.
`integer_range` solves the same programs over integers (`scipy.optimize.milp`), which is what
the released counts really are: the final check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

# Duals smaller than this are solver noise.
_DUAL_TOLERANCE = 1e-9
# Seconds allowed for one integer program; at the limit the solver's proven bound is used,
# which can only make a range look narrower (so the check stays on the safe side).
INTEGER_TIME_LIMIT = 5.0


@dataclass
class Model:
    """The relations of one connected set of cells, in matrix form, and every cell's true value
    and released interval. Cells are numbered locally 0..n-1 (`cells` gives their global ids).

    low, high : the interval an attacker knows for each cell when it is released (its value,
        or the interval a rounded value stands for); unseen cells are never released.
    truth : the true value of each cell (NaN for an unseen cell no row gives).
    """

    cells: list[int]
    equalities: sparse.csr_matrix
    inequalities: sparse.csr_matrix
    low: np.ndarray
    high: np.ndarray
    truth: np.ndarray
    unseen: np.ndarray  # bool: never released (a population no row shows, an unprinted level)

    def bounds(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Variable bounds under a pattern: hidden or unseen cells are any count >= 0."""
        free = hidden | self.unseen
        return np.where(free, 0.0, self.low), np.where(free, np.inf, self.high)


def build_models(n_cells: int, equations: list[dict[int, float]],
                 inequalities: list[dict[int, float]], values, low, high, unseen
                 ) -> tuple[list[Model], np.ndarray]:
    """One `Model` per connected set of cells; also each global cell's model index (-1 when
    the cell is in no relation: hidden, it is protected by its own suppression alone)."""
    relations = [*equations, *inequalities]
    parent = list(range(n_cells))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for relation in relations:
        members = list(relation)
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    groups: dict[int, list[int]] = {}
    for relation in relations:
        for cell in relation:
            groups.setdefault(find(cell), [])
    for cell in range(n_cells):
        if find(cell) in groups:
            groups[find(cell)].append(cell)
    membership = np.full(n_cells, -1)
    models = []
    for members in sorted(groups.values()):
        local = {c: i for i, c in enumerate(members)}
        root = find(members[0])
        own_equalities = [e for e in equations if find(next(iter(e))) == root]
        own_inequalities = [e for e in inequalities if find(next(iter(e))) == root]
        members_array = np.array(members)
        membership[members_array] = len(models)
        models.append(Model(
            cells=members,
            equalities=_matrix(own_equalities, local),
            inequalities=_matrix(own_inequalities, local),
            low=np.asarray(low, dtype=float)[members_array],
            high=np.asarray(high, dtype=float)[members_array],
            truth=np.asarray(values, dtype=float)[members_array],
            unseen=np.asarray(unseen, dtype=bool)[members_array],
        ))
    return models, membership


def _matrix(relations: list[dict[int, float]], local: dict[int, int]) -> sparse.csr_matrix:
    rows, cols, data = [], [], []
    for r, relation in enumerate(relations):
        for cell, coefficient in relation.items():
            rows.append(r)
            cols.append(local[cell])
            data.append(coefficient)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(relations), len(local)))


@dataclass
class Side:
    """One side of a hidden count's range: the gap between its true value and the bound
    (max - a, or a - min), and the capacity cut: gap(pattern) <= constant + sum over cells
    of slope * hidden, exact at the pattern it was computed for. A slope is inf when hiding
    that cell leaves the side unbounded."""

    gap: float
    constant: float
    slopes: dict[int, float]  # local cell index -> slope


def linear_range(model: Model, target: int, hidden: np.ndarray
                 ) -> tuple[Side | None, Side | None]:
    """The upper and lower sides of local cell `target`'s range over real counts under the
    pattern `hidden` (bool per local cell). A side is None when it is unbounded (upper) or when
    the solver fails (then the caller treats the cell as unprotected)."""
    lower_bounds, upper_bounds = model.bounds(hidden)
    value = model.truth[target]
    sides = []
    for sense in (-1.0, 1.0):  # -1: maximise the target; +1: minimise it
        if sense > 0 and value == 0:
            sides.append(Side(0.0, 0.0, {}))  # a zero count's minimum is zero: nothing to cut
            continue
        cost = np.zeros(len(model.cells))
        cost[target] = sense
        result = linprog(
            cost,
            A_ub=model.inequalities if model.inequalities.shape[0] else None,
            b_ub=np.zeros(model.inequalities.shape[0]) if model.inequalities.shape[0] else None,
            A_eq=model.equalities if model.equalities.shape[0] else None,
            b_eq=np.zeros(model.equalities.shape[0]) if model.equalities.shape[0] else None,
            bounds=np.column_stack([lower_bounds, upper_bounds]), method="highs",
        )
        if result.status == 3:  # unbounded: only the upper side can be
            sides.append(None if sense < 0 else Side(0.0, 0.0, {}))
            continue
        if result.status != 0:
            sides.append(Side(0.0, 0.0, {}))  # no usable answer: unprotected, no cut
            continue
        bound = -result.fun if sense < 0 else result.fun
        gap = bound - value if sense < 0 else value - bound
        sides.append(_capacity_cut(model, hidden, result, sense, gap))
    upper, lower = sides
    return (None if upper is None else upper), lower


def _capacity_cut(model: Model, hidden: np.ndarray, result, sense: float, gap: float) -> Side:
    """The dual bound of one side as a function of the pattern (see the module docstring).

    The gap is the optimal value of a linear program whose variable bounds depend on the
    pattern; for fixed duals it is linear in the bounds and, the value being concave (max) or
    convex (min) in them, the linearisation bounds the gap for every pattern. Hiding cell c
    moves its upper bound from high to inf and its lower bound from low to 0."""
    # d gap / d upper bound and d gap / d lower bound of every variable, from HiGHS's
    # marginals (d objective / d bound); the objective is -max or +min, the gap max - a or
    # a - min, so both signs flip to give d gap / d bound.
    d_upper = -np.asarray(result.upper.marginals)
    d_lower = -np.asarray(result.lower.marginals)
    slopes = {}
    for i in range(len(model.cells)):
        if model.unseen[i]:
            continue
        slope = 0.0
        if d_upper[i] > _DUAL_TOLERANCE:  # raising this cell's upper bound widens the gap
            slope = np.inf
        if d_lower[i] < -_DUAL_TOLERANCE:  # lowering its lower bound widens the gap
            slope += -d_lower[i] * model.low[i]
        if slope > 0:
            slopes[i] = slope
    current = sum(s for i, s in slopes.items() if hidden[i] and np.isfinite(s))
    return Side(gap=gap, constant=gap - current, slopes=slopes)


def integer_range(model: Model, target: int, hidden: np.ndarray,
                  time_limit: float = INTEGER_TIME_LIMIT) -> tuple[float, float]:
    """The smallest and largest integer count local cell `target` can take under the pattern
    (inf when unbounded). At the time limit the solver's proven bound is returned."""
    lower_bounds, upper_bounds = model.bounds(hidden)
    constraints = []
    if model.equalities.shape[0]:
        zeros = np.zeros(model.equalities.shape[0])
        constraints.append(LinearConstraint(model.equalities, zeros, zeros))
    if model.inequalities.shape[0]:
        constraints.append(LinearConstraint(model.inequalities, -np.inf,
                                            np.zeros(model.inequalities.shape[0])))
    # Rounded intervals have non-integer ends only by construction error; integer counts
    # within them are what the attacker considers.
    bounds = Bounds(np.ceil(lower_bounds - 1e-9), np.floor(upper_bounds + 1e-9))
    found = []
    for sense in (1.0, -1.0):
        cost = np.zeros(len(model.cells))
        cost[target] = sense
        result = milp(cost, integrality=np.ones(len(model.cells)), bounds=bounds,
                      constraints=constraints, options={"time_limit": time_limit})
        if result.status == 0:
            found.append(sense * result.fun)
        elif sense < 0 and (result.status == 3 or "unbounded" in str(result.message)):
            # HiGHS says "unbounded or infeasible"; the true counts are a feasible point
            found.append(np.inf)
        else:
            bound = getattr(result, "mip_dual_bound", None)
            if bound is None or not np.isfinite(bound):
                # no proof either way: take the true value (the narrowest possible answer)
                found.append(float(model.truth[target]))
            else:
                found.append(sense * bound)
    return float(found[0]), float(found[1])
