"""How well a suppression pattern protects each hidden count: the attacker's feasible range.

The gate's own audit of a pattern. An attacker who knows every released count (or, when counts
are rounded, the interval each rounded count stands for) and every relation between counts
(the equations and inequalities of `cells.Structure`) can bound each hidden count from below
and above. For a hidden count with true value a and feasible range [min, max], the policy's
`Protection` asks a - min >= min(lower, a), max - a >= upper and max - min >= interval (the
lower, upper and sliding protection levels of Fischetti and Salazar-Gonzalez 2000, "Models and
algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95,
916-928, as tau-ARGUS and R's sdcTable use them).

`linear_range` solves the two linear programs and also returns, from their duals, the
*capacity cut* of the paper: a linear function of the suppression pattern that bounds the range
from above for every pattern and equals it for this one. Secondary suppression
(`optimal_suppression.py`) adds these cuts to its master problem. `integer_range` solves the
same programs over integers, which is what the released counts really are: the final check.

Speed: suppression solves these programs over a thousand times per gate run, each differing
from the last only in its objective (one cell) and in the bounds of the cells the pattern
hides. Each `Model` therefore keeps one HiGHS linear program (`highspy`, the solver scipy
wraps) and re-solves it from the previous optimal basis (a hot start); building the program
anew through `scipy.optimize.linprog` spent most of its time parsing input and presolving.
An integer range needs integer programming only when the linear optimum is not already an
integer point: an integral optimal vertex of the relaxation is an optimum over integers too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

# Duals smaller than this are solver noise.
_DUAL_TOLERANCE = 1e-9
# Seconds allowed for one integer program; at the limit the solver's proven bound is used,
# which can only make a range look narrower (so the check stays on the safe side).
INTEGER_TIME_LIMIT = 5.0
# A linear optimum this close to integers (and feasible once rounded) is an integer optimum.
_INTEGRALITY_TOLERANCE = 1e-6


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
    _program: _LinearProgram | None = field(default=None, init=False, repr=False, compare=False)
    _relation_cells: list | None = field(default=None, init=False, repr=False, compare=False)
    _cell_relations: list | None = field(default=None, init=False, repr=False, compare=False)

    def program(self) -> _LinearProgram:
        """This model's persistent HiGHS linear program (built on first use)."""
        if self._program is None:
            self._program = _LinearProgram(self)
        return self._program

    def bounds(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Variable bounds under a pattern: hidden or unseen cells are any count >= 0."""
        free = hidden | self.unseen
        return np.where(free, 0.0, self.low), np.where(free, np.inf, self.high)

    def linked_hidden(self, target: int, hidden: np.ndarray) -> np.ndarray:
        """The hidden cells (bool per local cell) that local cell `target`'s range depends on
        under the pattern `hidden`: those reached from it through relations, passing only
        through cells an attacker does not know exactly (hidden, unseen, or released as an
        interval). Every relation among known cells alone holds whatever the others are, so
        the target's linear and integer programs are those of this linked part; and hiding
        more cells only widens a range. A count protected under one pattern is therefore
        protected under any pattern that hides at least these cells."""
        # Python lists, not arrays, inside the walk: it reads one element at a time, which
        # costs a numpy array several times what it costs a list (the gate calls this
        # thousands of times a run; issue #19).
        unknown = (hidden | self.unseen | (self.low < self.high)).tolist()
        relations = self._relations()
        by_cell = self._relations_by_cell()
        reached = [False] * len(self.cells)
        reached[target] = True
        stack = [target]
        while stack:
            cell = stack.pop()
            for relation in by_cell[cell]:
                for other in relations[relation]:
                    if unknown[other] and not reached[other]:
                        reached[other] = True
                        stack.append(other)
        return np.array(reached, dtype=bool) & hidden

    def _relations(self) -> list[list[int]]:
        if self._relation_cells is None:
            rows = sparse.vstack([self.equalities, self.inequalities]).tocsr()
            self._relation_cells = [rows.indices[rows.indptr[r]:rows.indptr[r + 1]].tolist()
                                    for r in range(rows.shape[0])]
        return self._relation_cells

    def _relations_by_cell(self) -> list[list[int]]:
        if self._cell_relations is None:
            self._cell_relations = [[] for _ in self.cells]
            for r, members in enumerate(self._relations()):
                for cell in members:
                    self._cell_relations[cell].append(r)
        return self._cell_relations


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
        status, objective, _, reduced_costs = model.program().solve(
            target, sense, lower_bounds, upper_bounds)
        if status == _UNBOUNDED:  # only the upper side can be
            sides.append(None if sense < 0 else Side(0.0, 0.0, {}))
            continue
        if status != _OPTIMAL:
            sides.append(Side(0.0, 0.0, {}))  # no usable answer: unprotected, no cut
            continue
        bound = -objective if sense < 0 else objective
        gap = bound - value if sense < 0 else value - bound
        sides.append(_capacity_cut(model, hidden, reduced_costs, gap))
    upper, lower = sides
    return (None if upper is None else upper), lower


def _capacity_cut(model: Model, hidden: np.ndarray, reduced_costs: np.ndarray,
                  gap: float) -> Side:
    """The dual bound of one side as a function of the pattern (see the module docstring).

    The gap is the optimal value of a linear program whose variable bounds depend on the
    pattern; for fixed duals it is linear in the bounds and, the value being concave (max) or
    convex (min) in them, the linearisation bounds the gap for every pattern. Hiding cell c
    moves its upper bound from high to inf and its lower bound from low to 0.

    HiGHS's reduced cost d of a cell is d objective / d cell for the minimised objective
    (sense * target). Its bound duals are max(d, 0) on the lower bound and min(d, 0) on the
    upper bound (a released unrounded cell is at both): d objective / d bound. The objective
    is -max or +min, the gap max - a or a - min, so d gap / d bound = -(bound dual): a cell
    with d < 0 widens the gap without limit when its upper bound goes to inf, one with d > 0
    by d * low when its lower bound drops from low to 0. (scipy's `linprog` reports the same
    numbers as `upper.marginals` and `lower.marginals`.)"""
    slopes = {}
    for i in np.flatnonzero(~model.unseen & (np.abs(reduced_costs) > _DUAL_TOLERANCE)):
        slope = np.inf if reduced_costs[i] < 0 else reduced_costs[i] * model.low[i]
        if slope > 0:
            slopes[int(i)] = float(slope)
    current = sum(s for i, s in slopes.items() if hidden[i] and np.isfinite(s))
    return Side(gap=gap, constant=gap - current, slopes=slopes)


def integer_range(model: Model, target: int, hidden: np.ndarray,
                  time_limit: float = INTEGER_TIME_LIMIT) -> tuple[float, float]:
    """The smallest and largest integer count local cell `target` can take under the pattern
    (inf when unbounded). At the time limit the solver's proven bound is returned."""
    lower_bounds, upper_bounds = model.bounds(hidden)
    # Rounded intervals have non-integer ends only by construction error; integer counts
    # within them are what the attacker considers.
    lower_bounds = np.ceil(lower_bounds - 1e-9)
    upper_bounds = np.floor(upper_bounds + 1e-9)
    found = []
    for sense in (1.0, -1.0):
        status, objective, values, _ = model.program().solve(
            target, sense, lower_bounds, upper_bounds)
        if status == _UNBOUNDED and sense < 0:
            # A rational polyhedron holding an integer point (the true counts) is unbounded
            # over integers in every direction it is unbounded over reals (Meyer 1974).
            found.append(np.inf)
            continue
        if status == _OPTIMAL:
            point = _integer_point(model, values, lower_bounds, upper_bounds)
            if point is not None and abs(point[target] - sense * objective) \
                    <= _INTEGRALITY_TOLERANCE:
                found.append(float(point[target]) + 0.0)  # + 0.0: no -0.0 from rounding
                continue
        found.append(_integer_optimum(model, target, sense, lower_bounds, upper_bounds,
                                      time_limit))
    return float(found[0]), float(found[1])


def _integer_point(model: Model, values: np.ndarray, lower: np.ndarray, upper: np.ndarray
                   ) -> np.ndarray | None:
    """`values` rounded to integers when they are integers up to solver tolerance and the
    rounded point satisfies every relation and bound exactly; else None."""
    point = np.round(values)
    if np.any(np.abs(values - point) > _INTEGRALITY_TOLERANCE):
        return None
    if np.any(point < lower) or np.any(point > upper):
        return None
    if model.equalities.shape[0] and np.any(np.abs(model.equalities @ point) > 1e-9):
        return None
    if model.inequalities.shape[0] and np.any(model.inequalities @ point > 1e-9):
        return None
    return point


def _integer_optimum(model: Model, target: int, sense: float, lower: np.ndarray,
                     upper: np.ndarray, time_limit: float) -> float:
    """min (sense 1) or max (sense -1) of the target over integers, by integer programming."""
    constraints = []
    if model.equalities.shape[0]:
        zeros = np.zeros(model.equalities.shape[0])
        constraints.append(LinearConstraint(model.equalities, zeros, zeros))
    if model.inequalities.shape[0]:
        constraints.append(LinearConstraint(model.inequalities, -np.inf,
                                            np.zeros(model.inequalities.shape[0])))
    cost = np.zeros(len(model.cells))
    cost[target] = sense
    result = milp(cost, integrality=np.ones(len(model.cells)), bounds=Bounds(lower, upper),
                  constraints=constraints, options={"time_limit": time_limit})
    if result.status == 0:
        return sense * result.fun
    if sense < 0 and (result.status == 3 or "unbounded" in str(result.message)):
        # HiGHS says "unbounded or infeasible"; the true counts are a feasible point
        return np.inf
    bound = getattr(result, "mip_dual_bound", None)
    if bound is None or not np.isfinite(bound):
        # no proof either way: take the true value (the narrowest possible answer)
        return float(model.truth[target])
    return sense * bound


_OPTIMAL = highspy.HighsModelStatus.kOptimal
_UNBOUNDED = highspy.HighsModelStatus.kUnbounded


class _LinearProgram:
    """A model's relations as one HiGHS linear program: minimise sense * x_target subject to
    the equations (= 0), the inequalities (<= 0) and the bounds of a pattern. Between solves
    only the objective and the changed bounds are passed, so HiGHS starts from the last
    optimal basis (the programs of one round differ little)."""

    def __init__(self, model: Model):
        # The plain solver class (exported by highspy): `highspy.Highs` adds interrupt
        # handling and prints a banner to standard output, where commands print their results.
        self.highs = getattr(highspy, "_Highs", highspy.Highs)()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("presolve", "off")  # presolving would discard the basis
        # One thread: starting HiGHS's parallel machinery costs more than these small
        # programs take to solve.
        self.highs.setOptionValue("solver", "simplex")
        self.highs.setOptionValue("threads", 1)
        # Primal simplex: a new objective leaves the last basis primal feasible, so the primal
        # method needs a few iterations where the dual one needs a few dozen.
        self.highs.setOptionValue("simplex_strategy", 4)
        size = len(model.cells)
        self.lower, self.upper = model.bounds(np.zeros(size, dtype=bool))
        self.highs.addVars(size, self.lower, self.upper)
        rows = sparse.vstack([model.equalities, model.inequalities]).tocsr()
        n_equalities = model.equalities.shape[0]
        row_lower = np.concatenate([np.zeros(n_equalities),
                                    np.full(model.inequalities.shape[0], -np.inf)])
        if rows.shape[0]:
            self.highs.addRows(rows.shape[0], row_lower, np.zeros(rows.shape[0]), rows.nnz,
                               rows.indptr[:-1].astype(np.int32),
                               rows.indices.astype(np.int32), rows.data.astype(float))
        self.objective: tuple[int, float] | None = None

    def solve(self, target: int, sense: float, lower: np.ndarray, upper: np.ndarray):
        """(model status, objective value, cell values, reduced costs)."""
        changed = np.flatnonzero((lower != self.lower) | (upper != self.upper))
        if changed.size:
            self.highs.changeColsBounds(changed.size, changed.astype(np.int32),
                                        lower[changed], upper[changed])
            self.lower, self.upper = lower.copy(), upper.copy()
        if self.objective != (target, sense):
            if self.objective is not None:
                self.highs.changeColCost(self.objective[0], 0.0)
            self.highs.changeColCost(target, sense)
            self.objective = (target, sense)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in (_OPTIMAL, _UNBOUNDED):  # a hot start gone wrong: start afresh
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        solution = self.highs.getSolution()
        return (status, self.highs.getObjectiveValue(),
                np.asarray(solution.col_value), np.asarray(solution.col_dual))
