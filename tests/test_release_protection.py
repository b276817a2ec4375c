"""The attacker's feasible ranges of hidden counts (release/protection.py) and the capacity cuts
secondary suppression builds from them.

Every expected range is solved by hand in the comment beside it. The hot-started HiGHS program
is checked against `scipy.optimize.linprog` (an independent build of the same problem, the path
the gate used before) and the cuts against the exact gap of every pattern of a small table.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from tahsb_analysis.release.protection import build_models, integer_range, linear_range


def one_model(equations, values, low=None, high=None, inequalities=(), unseen=None):
    values = np.asarray(values, dtype=float)
    low = values if low is None else np.asarray(low, dtype=float)
    high = values if high is None else np.asarray(high, dtype=float)
    unseen = np.zeros(len(values), dtype=bool) if unseen is None else np.asarray(unseen)
    models, membership = build_models(len(values), list(equations), list(inequalities),
                                      values, low, high, unseen)
    assert len(models) == 1 and models[0].cells == list(range(len(values)))
    return models[0]


def pattern(size, hidden):
    mask = np.zeros(size, dtype=bool)
    mask[list(hidden)] = True
    return mask


def linear_bounds(model, target, hidden):
    """(min, max) of the target over reals from linear_range's gaps (max None: unbounded)."""
    upper, lower = linear_range(model, target, hidden)
    value = model.truth[target]
    return value - lower.gap, None if upper is None else value + upper.gap


# x + y = total, cells 0 (x = 3), 1 (y = 7), 2 (total = 10)
SUM = [{0: 1.0, 1: 1.0, 2: -1.0}]
SUM_VALUES = [3, 7, 10]


def test_sum_one_hidden_cell_is_recovered_by_differencing():
    model = one_model(SUM, SUM_VALUES)
    # x = total - y = 10 - 7: pinned
    assert linear_bounds(model, 0, pattern(3, [0])) == (3.0, 3.0)
    assert integer_range(model, 0, pattern(3, [0])) == (3.0, 3.0)
    # total = x + y = 10: pinned too
    assert integer_range(model, 2, pattern(3, [2])) == (10.0, 10.0)


def test_sum_two_hidden_parts_range_from_zero_to_the_total():
    model = one_model(SUM, SUM_VALUES)
    hidden = pattern(3, [0, 1])
    # x + y = 10, x, y >= 0: x in [0, 10], y in [0, 10]
    assert linear_bounds(model, 0, hidden) == (0.0, 10.0)
    assert linear_bounds(model, 1, hidden) == (0.0, 10.0)
    assert integer_range(model, 0, hidden) == (0.0, 10.0)
    assert integer_range(model, 1, hidden) == (0.0, 10.0)


def test_sum_everything_hidden_is_unbounded_above():
    model = one_model(SUM, SUM_VALUES)
    hidden = pattern(3, [0, 1, 2])
    upper, lower = linear_range(model, 0, hidden)
    assert upper is None and lower.gap == 3.0  # x in [0, inf)
    assert integer_range(model, 0, hidden) == (0.0, np.inf)


# A 2x2 table with margins: a b | r1 / c d | r2 / c1 c2 | g
#   a=1 b=4 r1=5 / c=3 d=6 r2=9 / c1=4 c2=10 g=14
A, B, C, D, R1, R2, C1, C2, G = range(9)
TABLE_2X2 = [
    {A: 1.0, B: 1.0, R1: -1.0}, {C: 1.0, D: 1.0, R2: -1.0},
    {A: 1.0, C: 1.0, C1: -1.0}, {B: 1.0, D: 1.0, C2: -1.0},
    {R1: 1.0, R2: 1.0, G: -1.0}, {C1: 1.0, C2: 1.0, G: -1.0},
]
VALUES_2X2 = [1, 4, 3, 6, 5, 9, 4, 10, 14]


def test_2x2_a_row_pair_is_recovered_through_the_columns():
    model = one_model(TABLE_2X2, VALUES_2X2)
    hidden = pattern(9, [A, B])
    # a = c1 - c = 4 - 3 and b = c2 - d = 10 - 6, whatever the row says
    assert linear_bounds(model, A, hidden) == (1.0, 1.0)
    assert integer_range(model, B, hidden) == (4.0, 4.0)


def test_2x2_hidden_interior_ranges_follow_the_margins():
    model = one_model(TABLE_2X2, VALUES_2X2)
    hidden = pattern(9, [A, B, C, D])
    # with a free: b = 5 - a, c = 4 - a, d = 5 + a; b, c, d >= 0 gives a in [0, 4], so
    # b in [1, 5], c in [0, 4], d in [5, 9]
    expected = {A: (0.0, 4.0), B: (1.0, 5.0), C: (0.0, 4.0), D: (5.0, 9.0)}
    for cell, bounds in expected.items():
        assert linear_bounds(model, cell, hidden) == pytest.approx(bounds)
        assert integer_range(model, cell, hidden) == bounds


def test_linear_and_integer_ranges_differ_when_the_relation_has_no_integer_vertex():
    # 2x = y with y = 4 released as the interval [3, 5] (a rounded count) and x = 2 hidden:
    # over reals x = y / 2 in [1.5, 2.5]; over integers y must be even, so y = 4 and x = 2.
    model = one_model([{0: 2.0, 1: -1.0}], [2, 4], low=[2, 3], high=[2, 5])
    hidden = pattern(2, [0])
    assert linear_bounds(model, 0, hidden) == pytest.approx((1.5, 2.5))
    assert integer_range(model, 0, hidden) == (2.0, 2.0)


def test_inequalities_bound_a_hidden_count():
    # count <= denominator: x - total <= 0 with x = 3 hidden and total = 5 released:
    # x in [0, 5]
    model = one_model([], [3, 5], inequalities=[{0: 1.0, 1: -1.0}])
    assert linear_bounds(model, 0, pattern(2, [0])) == (0.0, 5.0)
    assert integer_range(model, 0, pattern(2, [0])) == (0.0, 5.0)


def test_unseen_cells_are_never_known():
    # x + y = total with y unseen (no row shows it): x hidden ranges over [0, total]
    model = one_model(SUM, [3, np.nan, 10], unseen=[False, True, False])
    assert linear_bounds(model, 0, pattern(3, [0])) == (0.0, 10.0)


def test_linked_hidden_follows_unknown_cells_only():
    model = one_model(TABLE_2X2, VALUES_2X2)
    # a and d hidden: every relation of a (a + b = r1, a + c = c1) has its other cells
    # released, so a is linked to no other hidden cell; nor is d
    assert set(np.flatnonzero(model.linked_hidden(A, pattern(9, [A, D])))) == {A}
    assert set(np.flatnonzero(model.linked_hidden(D, pattern(9, [A, D])))) == {D}
    # a and b hidden: linked through a + b = r1
    assert set(np.flatnonzero(model.linked_hidden(A, pattern(9, [A, B])))) == {A, B}
    # with c released as an interval, a reaches d through a + c = c1 and c + d = r2
    low = np.array(VALUES_2X2, dtype=float)
    high = low.copy()
    high[C] += 2
    rounded = one_model(TABLE_2X2, VALUES_2X2, low=low, high=high)
    assert set(np.flatnonzero(rounded.linked_hidden(A, pattern(9, [A, D])))) == {A, D}


# A 2x3 table with margins, every pattern enumerated:
#   a b c | r1     2 5 1 |  8
#   d e f | r2     3 0 4 |  7
#   c1 c2 c3 | g   5 5 5 | 15
VALUES_2X3 = [2, 5, 1, 3, 0, 4, 8, 7, 5, 5, 5, 15]
TABLE_2X3 = [
    {0: 1.0, 1: 1.0, 2: 1.0, 6: -1.0}, {3: 1.0, 4: 1.0, 5: 1.0, 7: -1.0},
    {0: 1.0, 3: 1.0, 8: -1.0}, {1: 1.0, 4: 1.0, 9: -1.0}, {2: 1.0, 5: 1.0, 10: -1.0},
    {6: 1.0, 7: 1.0, 11: -1.0}, {8: 1.0, 9: 1.0, 10: 1.0, 11: -1.0},
]
SIZE = len(VALUES_2X3)
ALL_PATTERNS = np.array(list(itertools.product([False, True], repeat=SIZE)))


def scipy_range(model, target, hidden):
    """(min, max) by scipy.optimize.linprog, built from scratch (max None: unbounded)."""
    lower, upper = model.bounds(hidden)
    found = []
    for sense in (1.0, -1.0):
        cost = np.zeros(len(model.cells))
        cost[target] = sense
        result = linprog(cost, A_eq=model.equalities.toarray(),
                         b_eq=np.zeros(model.equalities.shape[0]),
                         bounds=np.column_stack([lower, upper]), method="highs")
        found.append(None if result.status == 3 else sense * result.fun)
    return found[0], found[1]


def cut_value(side, hidden):
    """The capacity cut's linearised gap at a pattern (inf when it hides an inf-slope cell)."""
    total = side.constant
    for cell, slope in side.slopes.items():
        if hidden[cell]:
            total += slope
    return total


@pytest.mark.parametrize("rounded", [False, True], ids=["exact", "intervals"])
def test_capacity_cuts_overestimate_the_gap_of_every_pattern(rounded):
    values = np.array(VALUES_2X3, dtype=float)
    # released counts known exactly, or as intervals value - 1 .. value + 2 (asymmetric, so
    # a wrong sign on the lower bound's dual shows)
    low, high = (values - 1, values + 2) if rounded else (values, values)
    model = one_model(TABLE_2X3, values, low=np.maximum(low, 0), high=high)
    checked = 0
    for target in range(SIZE):
        patterns = ALL_PATTERNS[ALL_PATTERNS[:, target]]
        # the exact gaps of every pattern hiding the target (inf: unbounded), and the cuts
        sides = [linear_range(model, target, hidden) for hidden in patterns]
        for which in (0, 1):  # upper, lower
            true_gaps = np.array([np.inf if s[which] is None else s[which].gap for s in sides])
            cuts = [s[which] for s in sides if s[which] is not None]
            slopes = np.zeros((len(cuts), SIZE))
            for row, cut in enumerate(cuts):
                slopes[row, list(cut.slopes)] = list(cut.slopes.values())
            infinite = np.isinf(slopes)
            linearised = np.array([c.constant for c in cuts])[:, None] \
                + np.where(infinite, 0.0, slopes) @ patterns.T
            linearised[(infinite.astype(int) @ patterns.T) > 0] = np.inf
            # a cut found under one pattern bounds the gap under every pattern hiding its
            # target, and equals it under its own
            assert (linearised >= true_gaps[None, :] - 1e-7).all()
            own = [i for i, s in enumerate(sides) if s[which] is not None]
            assert linearised[np.arange(len(own)), own] == pytest.approx(true_gaps[own])
            checked += linearised.size
    assert checked > SIZE * 2 ** (SIZE - 1) * 2 ** (SIZE - 1)


def test_hot_started_ranges_match_a_fresh_scipy_build():
    # the persistent program (bounds and objective changed between solves, in a shuffled
    # order of patterns) gives the optimum scipy finds from scratch
    model = one_model(TABLE_2X3, VALUES_2X3)
    rng = np.random.default_rng(14)
    order = rng.permutation(len(ALL_PATTERNS))[:150]
    for hidden in ALL_PATTERNS[order]:
        for target in np.flatnonzero(hidden)[:2]:
            expected = scipy_range(model, target, hidden)
            assert linear_bounds(model, target, hidden) == pytest.approx(expected)


def test_a_range_depends_only_on_the_linked_hidden_cells():
    # the rule secondary suppression uses to skip re-checking a protected count
    model = one_model(TABLE_2X3, VALUES_2X3)
    rng = np.random.default_rng(7)
    for hidden in ALL_PATTERNS[rng.permutation(len(ALL_PATTERNS))[:200]]:
        for target in np.flatnonzero(hidden):
            linked = model.linked_hidden(target, hidden)
            assert linear_bounds(model, target, linked) == \
                pytest.approx(linear_bounds(model, target, hidden))
            assert integer_range(model, target, linked) == integer_range(model, target, hidden)


def test_integer_ranges_match_enumeration_of_every_table():
    # brute force over the 2x3 table's interior: every integer table with the released
    # cells of the pattern; the margins follow from the interior
    model = one_model(TABLE_2X3, VALUES_2X3)
    interior = list(itertools.product(range(9), repeat=6))
    tables = np.array([[*t, t[0] + t[1] + t[2], t[3] + t[4] + t[5], t[0] + t[3],
                        t[1] + t[4], t[2] + t[5], sum(t)] for t in interior])
    truth = np.array(VALUES_2X3)
    rng = np.random.default_rng(3)
    compared = 0
    for hidden in ALL_PATTERNS[rng.permutation(len(ALL_PATTERNS))[:150]]:
        largest = [linear_bounds(model, cell, hidden)[1] for cell in np.flatnonzero(hidden[:6])]
        if any(high is None or high > 8 for high in largest):
            continue  # an interior count could exceed 8: beyond the enumeration
        consistent = tables[(tables[:, ~hidden] == truth[~hidden]).all(axis=1)]
        for target in np.flatnonzero(hidden):
            expected = (consistent[:, target].min(), consistent[:, target].max())
            assert integer_range(model, target, hidden) == expected
            compared += 1
    assert compared > 100
