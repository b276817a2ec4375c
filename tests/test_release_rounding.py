"""Rounding for the release tier (release/rounding.py): nearest rounding (the NHS England
"suppress 1-7, round the rest to the nearest 5" convention) and zero-restricted controlled
rounding (Cox 1987) that keeps every relation between counts.

References: hand counts, a worked example published by Statistics Canada, and an independent
brute force that lists every controlled rounding of a small table.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tahsb_analysis.release.rounding import controlled_rounding, round_to_nearest

BASE = 5


def _holds(equation: dict, values) -> bool:
    return abs(sum(c * values[i] for i, c in equation.items())) < 1e-9


def _is_controlled_rounding(values, rounded, base) -> bool:
    """Every known value went to one of its two adjacent multiples; multiples stayed."""
    for value, result in zip(values, rounded, strict=True):
        if np.isnan(value):
            continue
        if result % base or abs(result - value) >= base:
            return False
        if value % base == 0 and result != value:
            return False
    return True


def _all_controlled_roundings(values, equations, base, inequalities=()):
    """Every zero-restricted controlled rounding, by trying each up/down choice (independent
    of the solver), with its total absolute change."""
    values = np.asarray(values, dtype=float)
    floor = np.floor(values / base) * base
    moving = [i for i, v in enumerate(values) if v % base]
    found = []
    for ups in itertools.product((0, 1), repeat=len(moving)):
        rounded = floor.copy()
        rounded[moving] += base * np.asarray(ups)
        if all(_holds(e, rounded) for e in equations) and all(
                sum(c * rounded[i] for i, c in e.items()) <= 0 for e in inequalities):
            found.append((float(np.abs(rounded - values).sum()), rounded.tolist()))
    return sorted(found)


def _two_way(inner):
    """Cells of a table with row, column and grand totals, and its equations."""
    inner = np.asarray(inner, dtype=float)
    rows, columns = inner.shape
    values = list(inner.ravel()) + list(inner.sum(axis=1)) + list(inner.sum(axis=0))
    values.append(inner.sum())
    cell = lambda r, c: r * columns + c  # noqa: E731
    row_total = lambda r: rows * columns + r  # noqa: E731
    column_total = lambda c: rows * columns + rows + c  # noqa: E731
    grand = len(values) - 1
    equations = [{**{cell(r, c): 1.0 for c in range(columns)}, row_total(r): -1.0}
                 for r in range(rows)]
    equations += [{**{cell(r, c): 1.0 for r in range(rows)}, column_total(c): -1.0}
                  for c in range(columns)]
    equations.append({**{row_total(r): 1.0 for r in range(rows)}, grand: -1.0})
    return values, equations


# --- nearest ------------------------------------------------------------------------------------


def test_nearest_rounding_of_hand_counts_to_base_5():
    values = [0, 1, 2, 3, 7, 8, 12, 13, 22, np.nan]
    expected = [0, 0, 0, 5, 5, 10, 10, 15, 20, np.nan]
    np.testing.assert_array_equal(round_to_nearest(values, 5), expected)


def test_nearest_rounding_takes_halves_up():
    np.testing.assert_array_equal(round_to_nearest([5, 15, 14, 0], 10), [10, 20, 10, 0])


@pytest.mark.parametrize("base", [0, -5, 2.5, True])
def test_a_base_that_is_not_a_positive_whole_number_is_refused(base):
    with pytest.raises(ValueError, match="rounding base"):
        round_to_nearest([3], base)
    with pytest.raises(ValueError, match="rounding base"):
        controlled_rounding([3], [], base)


# --- controlled rounding of tables that have one -----------------------------------------------


def test_a_2x2_table_with_margins_is_rounded_so_that_it_still_adds_up():
    # Inner cells 3 8 / 6 2; rows 11 and 8, columns 9 and 10, total 19. Rounded to the nearest
    # 5 the first row reads 5 + 10 = 10. By hand: 8 and 2 must give 5 5 or 10 0 (their column
    # total 10 stays); the four controlled roundings have total changes 14, 16, 16 and 20, and
    # the cheapest is every inner cell 5, margins 10 10 / 10 10 and total 20.
    values, equations = _two_way([[3, 8], [6, 2]])
    nearest = round_to_nearest(values, BASE)
    assert not _holds(equations[0], nearest)
    result = controlled_rounding(values, equations, BASE)
    assert result.rounded.tolist() == [5, 5, 5, 5, 10, 10, 10, 10, 20]
    assert result.additive and result.not_additive == () and result.solved
    assert result.method == "controlled rounding to base 5 (Cox 1987), tables additive"
    options = _all_controlled_roundings(values, equations, BASE)
    assert [cost for cost, _ in options] == [14, 16, 16, 20]


def test_statistics_canada_worked_example_of_controlled_rounding_to_base_100():
    # Statistics Canada, Real Time Remote Access, "Controlled rounding" (statcan.gc.ca/eng/rtra/
    # controlled): inner cells Married/Divorced/Widowed by Male 362 121 121, Female 362 0 241
    # (its step 2; totals computed here from the inner cells) are published as (its table 4)
    # Male 400 100 100 | 600, Female 300 0 300 | 600, totals 700 100 400 | 1200.
    values, equations = _two_way([[362, 121, 121], [362, 0, 241]])
    published = [400, 100, 100, 300, 0, 300, 600, 600, 700, 100, 400, 1200]
    assert _is_controlled_rounding(values, published, 100)
    assert all(_holds(e, published) for e in equations)
    result = controlled_rounding(values, equations, 100)
    assert result.additive
    assert result.rounded.tolist() == published
    # Theirs is one random draw; ours is the least total change, which the brute force confirms.
    best_cost, best = _all_controlled_roundings(values, equations, 100)[0]
    assert np.abs(result.rounded - values).sum() == best_cost


@pytest.mark.parametrize("seed", range(6))
def test_controlled_rounding_is_the_cheapest_one_the_brute_force_finds(seed):
    inner = np.random.default_rng(seed).integers(0, 14, size=(2, 3))
    values, equations = _two_way(inner)
    result = controlled_rounding(values, equations, BASE)
    assert result.additive
    assert _is_controlled_rounding(values, result.rounded, BASE)
    assert all(_holds(e, result.rounded) for e in equations)
    assert np.abs(result.rounded - values).sum() == _all_controlled_roundings(
        values, equations, BASE)[0][0]


def test_the_same_input_gives_the_same_rounding():
    values, equations = _two_way([[4, 6, 9], [11, 2, 7], [3, 3, 8]])
    first = controlled_rounding(values, equations, BASE)
    second = controlled_rounding(values, equations, BASE)
    assert first.rounded.tolist() == second.rounded.tolist()


# --- linked tables with no controlled rounding ------------------------------------------------


def _six_overlapping_totals():
    # Six counts of 1 (cells 0-5) and six totals of 5 (cells 6-11), total j adding counts j to
    # j+4 (cyclically). Rounded, each count is 0 or 5 and each total stays 5, so each total needs
    # exactly one count of 5; but each count is in five totals, so six totals would need 6/5
    # counts of 5: no controlled rounding exists. One count of 5 keeps all totals but one.
    values = [1.0] * 6 + [5.0] * 6
    equations = [{**{(j + k) % 6: 1.0 for k in range(5)}, 6 + j: -1.0} for j in range(6)]
    return values, equations


def test_linked_totals_with_no_controlled_rounding_report_the_one_relation_broken():
    values, equations = _six_overlapping_totals()
    assert _all_controlled_roundings(values, equations, BASE) == []
    result = controlled_rounding(values, equations, BASE)
    assert len(result.not_additive) == 1 and not result.additive and result.solved
    assert _is_controlled_rounding(values, result.rounded, BASE)
    kept = [e for j, e in enumerate(equations) if j not in result.not_additive]
    assert all(_holds(e, result.rounded) for e in kept)
    assert not _holds(equations[result.not_additive[0]], result.rounded)
    assert result.method.endswith("except 1 of 6 relations, which no controlled rounding keeps")


def test_a_total_no_row_shows_may_move_further_so_that_the_shown_tables_add_up():
    # The same six totals, but total 1 (cell 7) is shown by no row: it may take any multiple of
    # 5, and then every other relation holds with one count of 5 (count 0, outside total 1).
    values, equations = _six_overlapping_totals()
    shown = [True] * 12
    shown[7] = False
    result = controlled_rounding(values, equations, BASE, shown=shown)
    assert result.additive
    assert all(_holds(e, result.rounded) for e in equations)
    visible = [i for i in range(12) if shown[i]]
    assert _is_controlled_rounding([values[i] for i in visible], result.rounded[visible], BASE)


def test_a_relation_false_before_rounding_is_reported_as_untrue_and_the_rest_kept():
    values, equations = _two_way([[3, 8], [6, 2]])
    equations.append({0: 1.0, 1: -1.0})  # 3 = 8: false as given
    result = controlled_rounding(values, equations, BASE)
    assert result.untrue == (5,) and result.not_additive == (5,)
    assert all(_holds(e, result.rounded) for e in equations[:5])
    assert "1 of 6 relations, which do not hold unrounded" in result.method


# --- unknown cells and inequalities -----------------------------------------------------------


def test_an_unknown_population_links_two_breakdowns_and_stays_unknown():
    # A population no row shows (NaN) is 3 + 4 by one variable and 6 + 1 by another: rounded,
    # both breakdowns still give the same population.
    values = [3.0, 4.0, 6.0, 1.0, np.nan]
    equations = [{0: 1.0, 1: 1.0, 4: -1.0}, {2: 1.0, 3: 1.0, 4: -1.0}]
    result = controlled_rounding(values, equations, BASE, shown=[True] * 4 + [False])
    assert result.additive and np.isnan(result.rounded[4])
    assert result.rounded[0] + result.rounded[1] == result.rounded[2] + result.rounded[3]
    assert _is_controlled_rounding(values[:4], result.rounded[:4], BASE)


def test_a_count_stays_at_most_its_denominator():
    # n = 13 (with 7 it makes a total of 20) and its denominator 13 (with 3 it makes 16). The
    # cheapest rounding keeping both equations prints 15 of 10; with n <= denominator the
    # brute force's cheapest allowed rounding is 15 of 15.
    values = [13.0, 7.0, 13.0, 3.0, 20.0, 16.0]
    equations = [{0: 1.0, 1: 1.0, 4: -1.0}, {2: 1.0, 3: 1.0, 5: -1.0}]
    at_most = [{0: 1.0, 2: -1.0}]
    free = controlled_rounding(values, equations, BASE)
    assert free.rounded[0] > free.rounded[2]
    result = controlled_rounding(values, equations, BASE, inequalities=at_most)
    assert result.additive and result.rounded[0] <= result.rounded[2]
    best_cost, best = _all_controlled_roundings(values, equations, BASE, at_most)[0]
    assert result.rounded.tolist() == best == [15, 5, 15, 0, 20, 15]


# --- degenerate input and the time limit ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "equations", "expected"),
    [
        ([], [], []),
        ([7.0], [], [5.0]),
        ([10.0, 5.0, 5.0], [{1: 1.0, 2: 1.0, 0: -1.0}], [10.0, 5.0, 5.0]),  # all multiples
        # rank-deficient: the same equation twice
        ([3.0, 4.0, 7.0], [{0: 1.0, 1: 1.0, 2: -1.0}] * 2, None),
        ([0.0, 0.0], [{0: 1.0, 1: -1.0}], [0.0, 0.0]),
    ],
)
def test_degenerate_systems_are_rounded_without_error(values, equations, expected):
    result = controlled_rounding(values, equations, BASE)
    assert result.additive and result.solved
    if expected is not None:
        assert result.rounded.tolist() == expected
    assert all(_holds(e, result.rounded) for e in equations)
    assert _is_controlled_rounding(values, result.rounded, BASE)


def test_a_relation_to_a_cell_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="not among the values"):
        controlled_rounding([3.0, 4.0], [{0: 1.0, 2: -1.0}], BASE)


def test_without_time_for_the_solver_counts_go_to_the_nearest_multiple_and_say_so():
    values, equations = _two_way([[3, 8], [6, 2]])
    values.append(np.nan)
    equations.append({0: 1.0, 9: -1.0})  # an unknown: this relation cannot be verified
    result = controlled_rounding(values, equations, BASE, time_limit=0)
    assert not result.solved
    np.testing.assert_array_equal(result.rounded, round_to_nearest(values, BASE))
    broken = [j for j, e in enumerate(equations[:5]) if not _holds(e, result.rounded)]
    assert result.not_additive == (*broken, 5)
    assert result.method.startswith("counts rounded to the nearest multiple of 5")


# --- the shipped cohort -------------------------------------------------------------------------


def test_every_count_of_the_shipped_cohort_is_rounded_keeping_every_true_relation(
        synthetic_results):
    from tahsb_analysis.release.cells import build_structure
    from tahsb_analysis.release.policy import registered_structure

    structure = build_structure(synthetic_results, registered_structure())
    values = np.asarray(structure.cells.values, dtype=float)
    shown = np.asarray(structure.cells.shown, dtype=bool)
    result = controlled_rounding(values, structure.equations, BASE, shown=shown)
    assert result.solved
    known = ~np.isnan(values)
    assert _is_controlled_rounding(values[known], result.rounded[known], BASE)
    for j, equation in enumerate(structure.equations):
        true = not any(np.isnan(values[i]) for i in equation) and _holds(equation, values)
        if j in result.untrue:
            assert not true
        elif not any(np.isnan(values[i]) for i in equation):
            assert _holds(equation, result.rounded)
    # Every relation the counts obey unrounded is kept: the only exceptions are untrue ones.
    assert set(result.not_additive) == set(result.untrue)
