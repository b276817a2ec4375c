"""Rounding of released counts: to the nearest multiple of a base, or controlled rounding that
keeps every linear relation between the counts (the tables still add up).

Two policy presets round. "Suppress 1-7, round the rest to the nearest 5" is the NHS England
(formerly NHS Digital) small-number convention for sub-national counts: NHS Digital,
"Disclosure control methodology for Hospital Episode Statistics (HES) and Emergency Care Data
Set (ECDS)" (September 2018),
https://digital.nhs.uk/data-and-information/data-tools-and-services/data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-and-ecds-from-september-2018
(adopted for other data sets, e.g. the Data Quality Maturity Index's suppression rules: "Values
between one and 7 replaced with an asterisk ... All remaining integer values are rounded to the
nearest five"). The suppression part is done elsewhere; `round_to_nearest` is the rounding.
Rounded independently, a total need not equal the sum of its rounded parts.

Controlled rounding to base 5 keeps tables additive: every count goes to one of the two
multiples of the base adjacent to it, counts already a multiple (zero too) stay unchanged
("zero-restricted"), and every relation between counts holds for the rounded values (Cox 1987,
"A constructive procedure for unbiased controlled rounding", JASA 82:520-524; the controlled
rounding of tau-ARGUS). A two-way table with its margins always has one (Cox 1987); linked
tables and tables of three or more dimensions may have none (Causey, Cox and Ernst 1985). Here
it is a mixed-integer program (`scipy.optimize.milp`, HiGHS): one up/down binary per count
that is not a multiple; the cost is the total absolute change, then, among equally good
roundings, the number of counts moved away from their nearest multiple. When no controlled
rounding exists, the fewest relations are left non-additive and named; when the solver finds
nothing in time, counts are rounded to the nearest multiple and every relation that cannot be
verified is named. The caller says so in the outputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, diags, hstack, vstack
from scipy.sparse import identity as identity_matrix

_TOLERANCE = 1e-6
DEFAULT_TIME_LIMIT = 20.0

# scipy.optimize.milp status codes.
_OPTIMAL, _LIMIT, _INFEASIBLE = 0, 1, 2


@dataclass(frozen=True)
class RoundingResult:
    """Rounded counts (NaN where a count was unknown and stays so), the positions in the
    equation list of the relations the rounded counts do not keep (`not_additive`), and a
    sentence for the outputs' method field."""

    rounded: np.ndarray
    not_additive: tuple[int, ...]
    method: str
    solved: bool  # False: the solver gave no solution and counts were rounded to nearest
    inequalities_broken: tuple[int, ...] = ()  # positions in the inequality list
    # Relations that do not hold for the unrounded values either (a fault in the structure or
    # the input, not in the rounding); also in `not_additive` / `inequalities_broken`.
    untrue: tuple[int, ...] = ()
    untrue_inequalities: tuple[int, ...] = ()

    @property
    def additive(self) -> bool:
        """Every equation and inequality holds for the rounded values."""
        return not self.not_additive and not self.inequalities_broken


def _check_base(base) -> int:
    if isinstance(base, bool) or not float(base).is_integer() or base < 1:
        raise ValueError(f"the rounding base must be a positive whole number, not {base!r}")
    return int(base)


def round_to_nearest(values, base) -> np.ndarray:
    """Each count to the nearest multiple of `base`, halves up; zero stays zero, NaN stays NaN.

    The NHS England convention rounds what survives suppression of 1-7 to the nearest 5
    (module docstring). With base 5, 3 -> 5, 12 -> 10, 13 -> 15; with an even base 10, 5 -> 10.
    """
    base = _check_base(base)
    array = np.asarray(values, dtype=float)
    return np.floor(array / base + 0.5) * base


@dataclass
class _Cells:
    """How each cell enters the program: fixed (a multiple), rounded (down or up), or free
    (unknown: any non-negative integer)."""

    floor: np.ndarray  # the multiple of the base below the value (NaN when unknown)
    rounded: np.ndarray  # bool: a known value that is not a multiple: goes down or up
    free: np.ndarray  # bool: unknown value
    nearest_up: np.ndarray  # bool: the nearest multiple is the one above (halves up)


def _classify(values: np.ndarray, base: int) -> _Cells:
    free = np.isnan(values)
    nearest = round_to_nearest(values, base)
    floor = np.floor(values / base) * base
    remainder = values - floor
    multiple = ~free & ((remainder < _TOLERANCE) | (remainder > base - _TOLERANCE))
    floor = np.where(multiple, nearest, floor)  # a multiple up to float noise is its own floor
    rounded = ~free & ~multiple
    return _Cells(floor, rounded, free, rounded & (nearest > floor))


def controlled_rounding(values, equations, base, *, shown=None, inequalities=(),
                        time_limit: float = DEFAULT_TIME_LIMIT) -> RoundingResult:
    """Zero-restricted controlled rounding of `values` to multiples of `base` that keeps each
    equation (dict cell -> coefficient, meaning sum coefficient * value = 0) exact, and each
    inequality (same form, meaning sum <= 0: a count at most its denominator) true.

    A NaN value is an unknown the relations link (an unseen population, or a hidden count whose
    true value must not shape the rounding): any non-negative integer, and NaN in the result. A
    known value that no row shows (`shown` False) is rounded like the others; only if that
    leaves no controlled rounding may such a cell (a multiple too) take any non-negative
    multiple of the base, since no reader sees it. When even then no rounding keeps every
    relation, the rounding that breaks the fewest is returned with their positions. A relation
    false for the unrounded values is left out and reported in `untrue`. Within `time_limit`
    seconds in all; without a solution, counts go to the nearest multiple (`solved` False).
    """
    base = _check_base(base)
    values = np.asarray(values, dtype=float).ravel()
    shown = np.ones(len(values), bool) if shown is None else np.asarray(shown, bool).ravel()
    if len(shown) != len(values):
        raise ValueError("`shown` must have one entry per value")
    relations = [(dict(e), True) for e in equations] + [(dict(e), False) for e in inequalities]
    for relation, _ in relations:
        if any(not 0 <= int(i) < len(values) for i in relation):
            raise ValueError("a relation refers to a cell that is not among the values")
    cells = _classify(values, base)
    # A relation false for the true values (all its cells known) cannot be kept by any
    # rounding: reported as such, and left out so that it does not force the search for the
    # fewest broken relations.
    untrue = {k for k, (relation, equality) in enumerate(relations)
              if not any(cells.free[i] for i in relation)
              and not _holds(relation, equality, values)}
    kept = [r for k, r in enumerate(relations) if k not in untrue]
    started = time.monotonic()
    stages = [(False, False)] + ([(True, False)] if np.any(~cells.free & ~shown) else [])
    stages.append((True, True))
    solution = None
    for free_unseen, allow_violations in stages:
        remaining = time_limit - (time.monotonic() - started)
        solution, status = _solve(values, kept, base, cells, shown, free_unseen,
                                  allow_violations, remaining)
        if solution is not None or status != _INFEASIBLE:
            break
    if solution is None:
        return _nearest_fallback(values, relations, len(equations), base, time_limit, untrue)
    broken = {k for k, (relation, equality) in enumerate(relations)
              if k not in untrue and not _holds(relation, equality, solution)}
    rounded = np.where(cells.free, np.nan, solution)
    return _result(rounded, broken, untrue, len(equations), base, solved=True,
                   method=_method(base, broken, untrue, len(relations)))


def _holds(relation: dict, equality: bool, values: np.ndarray) -> bool:
    total = float(sum(coefficient * values[i] for i, coefficient in relation.items()))
    return abs(total) <= _TOLERANCE if equality else total <= _TOLERANCE


def _result(rounded, broken: set, untrue: set, n_equations: int, base, solved, method):
    """Split relation positions back into equations and inequalities."""

    def split(positions):
        equations = tuple(sorted(k for k in positions if k < n_equations))
        return equations, tuple(sorted(k - n_equations for k in positions if k >= n_equations))

    not_additive, inequalities_broken = split(broken | untrue)
    untrue_equations, untrue_inequalities = split(untrue)
    return RoundingResult(rounded, not_additive, method, solved, inequalities_broken,
                          untrue_equations, untrue_inequalities)


def _method(base: int, broken: set, untrue: set, total: int) -> str:
    text = f"controlled rounding to base {base} (Cox 1987), tables additive"
    exceptions = []
    if broken:
        exceptions.append(f"{len(broken)} of {total} relations, which no controlled rounding"
                          " keeps")
    if untrue:
        exceptions.append(f"{len(untrue)} of {total} relations, which do not hold unrounded")
    if exceptions:
        text += " except " + " and ".join(exceptions)
    return text


def _nearest_fallback(values, relations, n_equations, base, time_limit, untrue):
    """Nearest rounding; every relation not verified to hold is named (one with an unknown
    cell cannot be verified)."""
    rounded = round_to_nearest(values, base)
    unverified = {k for k, (relation, equality) in enumerate(relations)
                  if any(np.isnan(rounded[i]) for i in relation)
                  or not _holds(relation, equality, rounded)}
    method = (f"counts rounded to the nearest multiple of {base} (no controlled rounding found"
              f" within {time_limit:g} s)")
    if unverified:
        method += f"; {len(unverified)} of {len(relations)} relations may not hold"
    return _result(rounded, unverified, untrue, n_equations, base, solved=False, method=method)


def _solve(values, relations, base, cells: _Cells, shown, free_unseen: bool,
           allow_violations: bool, time_limit: float):
    """One mixed-integer program; returns (every cell's value, status) or (None, status).

    Variables: one per rounded cell (0 down, 1 up; with `free_unseen`, a known cell no row
    shows is instead a non-negative integer number of bases), one per unknown cell (a
    non-negative integer), and with `allow_violations` two slacks and a binary per relation.
    """
    n = len(values)
    solution = np.where(cells.free | cells.rounded, np.nan, cells.floor)
    involved = {i for relation, _ in relations for i in relation}
    # A rounded cell in no relation simply goes to its nearest multiple.
    alone = cells.rounded & ~np.isin(np.arange(n), list(involved))
    solution[alone] = round_to_nearest(values[alone], base)
    stretched = ~cells.free & ~shown & free_unseen
    binary = [i for i in sorted(involved) if cells.rounded[i] and not stretched[i]]
    integer = [i for i in sorted(involved) if cells.free[i] or stretched[i]]
    columns = {i: k for k, i in enumerate(binary + integer)}
    n_cells = len(columns)
    if n_cells == 0:
        return solution, _OPTIMAL
    # x_i = floor_i + base * u_i (binary u), x_i = base * w_i (stretched) or x_i = w_i (free).
    scale = {i: (1.0 if cells.free[i] else float(base)) for i in columns}
    offset = {i: (cells.floor[i] if i in binary else 0.0) for i in columns}

    rows, cols, data, rhs, equality = [], [], [], [], []
    for relation, is_equation in relations:
        constant, terms = 0.0, []
        for i, coefficient in relation.items():
            if i in columns:
                terms.append((columns[i], coefficient * scale[i]))
                constant += coefficient * offset[i]
            else:
                constant += coefficient * solution[i]
        if not terms:
            continue  # nothing to choose: holds or not whatever is decided (reported later)
        for column, coefficient in terms:
            rows.append(len(rhs))
            cols.append(column)
            data.append(coefficient)
        rhs.append(-constant)
        equality.append(is_equation)

    # Cost of going up rather than down: the extra absolute change, then (tie-break, worth less
    # than one unit of change) one more count moved away from its nearest multiple. Unknown
    # and stretched cells cost nothing: no reader sees them.
    weight = n_cells + 1
    cost = np.zeros(n_cells)
    for i in binary:
        remainder = values[i] - cells.floor[i]
        cost[columns[i]] = (base - 2 * remainder) * weight + (-1.0 if cells.nearest_up[i] else 1.0)
    lower = np.zeros(n_cells)
    upper = np.array([1.0] * len(binary) + [np.inf] * len(integer))
    integrality = np.ones(n_cells)
    rhs = np.asarray(rhs, dtype=float)
    low_rhs = np.where(equality, rhs, -np.inf)
    matrix = csr_matrix((data, (rows, cols)), shape=(len(rhs), n_cells))
    if allow_violations and len(rhs):
        matrix, cost, lower, upper, integrality, low_rhs, rhs = _with_violations(
            matrix, cost, lower, upper, integrality, low_rhs, rhs, base)
    if time_limit <= 0:
        return None, _LIMIT
    constraints = [LinearConstraint(matrix, low_rhs, rhs)] if len(rhs) else []
    result = milp(cost, integrality=integrality, bounds=Bounds(lower, upper),
                  constraints=constraints,
                  options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})
    if result.x is None:
        return None, result.status
    x = np.round(result.x[:n_cells])
    for i, column in columns.items():
        solution[i] = offset[i] + scale[i] * x[column]
    return solution, result.status


def _with_violations(matrix, cost, lower, upper, integrality, low_rhs, rhs, base):
    """Add to each relation a slack plus minus a slack minus, both at most M times a binary
    "broken", and make each broken relation cost more than any rounding could."""
    n_rows, n_cells = matrix.shape
    # No rounding moves one side of a relation by more than base per unit coefficient, so a
    # slack never needs more than that (plus the constant, for relations with unknowns that
    # are inconsistent as given).
    big = np.asarray(abs(matrix).sum(axis=1)).ravel() * base + np.abs(rhs) + base
    broken_cost = float(np.abs(cost).sum()) + 1.0
    identity = identity_matrix(n_rows, format="csr")
    empty_cells = csr_matrix((n_rows, n_cells))
    empty = csr_matrix((n_rows, n_rows))
    bound = -diags(big, format="csr")
    matrix = vstack([
        hstack([matrix, identity, -identity, empty]),
        hstack([empty_cells, identity, empty, bound]),  # slack plus <= big * broken
        hstack([empty_cells, empty, identity, bound]),  # slack minus <= big * broken
    ], format="csr")
    cost = np.concatenate([cost, np.zeros(2 * n_rows), np.full(n_rows, broken_cost)])
    lower = np.concatenate([lower, np.zeros(3 * n_rows)])
    upper = np.concatenate([upper, np.tile(big, 2), np.ones(n_rows)])
    integrality = np.concatenate([integrality, np.zeros(2 * n_rows), np.ones(n_rows)])
    low_rhs = np.concatenate([low_rhs, np.full(2 * n_rows, -np.inf)])
    rhs = np.concatenate([rhs, np.zeros(2 * n_rows)])
    return matrix, cost, lower, upper, integrality, low_rhs, rhs
