"""An outsider's attack on a release results table: how narrowly can each hidden count be
pinned down from what the release shows?

Independent of the disclosure gate on purpose: nothing here reads the gate's cell structure,
the output registry or the policy. The attacker sees one cohort's release results table (all
outputs together), the public codebook, and generic facts about counts. Every count a row shows
or hides is an integer unknown (`Key`): the numerator of a share, count or rank row; the
denominator of a share (children with a known value); the population of a group (group_size
rows, the denominator of a missing-value count); the children behind a mean or quartile. The
same key in two outputs is the same unknown unless their released values disagree.

The relations an outsider derives (`attack_relations.derive_relations`) tie the unknowns
together; for every hidden count, integer programming (`scipy.optimize.milp`, HiGHS) finds its
smallest and largest feasible value. A hidden count whose interval is a single value has been
recovered; one whose interval is one or two children wide is all but recovered.

The audit and its vocabulary (feasible interval, protection levels) follow Fischetti and
Salazar-Gonzalez (2000), "Models and algorithms for optimizing cell suppression in tabular data
with linear constraints", JASA 95, 916-928: an attacker who knows every released number and
every relation solves, for each hidden cell, the integer programs of its minimum and maximum.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from tahsb_analysis.release.attack_keys import (
    HIDDEN,
    Key,
    Observations,
    Relation,
    observe_release,
)
from tahsb_analysis.release.attack_relations import derive_relations

KEY_FIELDS = ("role", "variable", "level", "group_variable", "group", "unit")
CELL_COLUMNS = (*KEY_FIELDS, "outputs", "hidden", "shown_elsewhere", "true_value", "minimum",
                "maximum", "width", "exact", "protected")
# Tolerance for deciding that a solver's bound is an integer (HiGHS returns floats).
_INTEGER_TOLERANCE = 1e-6


@dataclass
class Attack:
    """What the attacker found: one row per hidden count, and how it got there.

    cells : DataFrame with `CELL_COLUMNS`: the key of each hidden count (and, when counts are
        rounded, of each released rounded count: `hidden` False), the outputs that hide (or
        show) it, whether another row shows it, its true value (when the internal table was given),
        its feasible [minimum, maximum], width = maximum - minimum (inf when unbounded), exact
        (minimum == maximum) and protected (None unless protection levels were given).
    relations : the relations used, each with the origin that names why the attacker may
        assume it.
    notes : what the attacker could not use or had to give up (conflicting keys, infeasible
        components), in words.
    truth_consistent : with the internal table, whether the true hidden values satisfy every
        relation (if not, some relation the attacker assumed is wrong and its bounds are not
        to be trusted); None without it.
    """

    cells: pd.DataFrame
    relations: list[Relation]
    notes: list[str] = field(default_factory=list)
    truth_consistent: bool | None = None

    def relation_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for relation in self.relations:
            counts[relation.origin] += 1
        return dict(sorted(counts.items()))


def attack_release(release: pd.DataFrame, internal: pd.DataFrame | None = None, *,
                   codebook=None, protection: tuple[int, int] | None = None,
                   use_inferred: bool = True) -> Attack:
    """Attack a cohort's release results table.

    Parameters
    ----------
    release : DataFrame
        The release tier's long results table (as read from ``results_table.csv``).
    internal : DataFrame, optional
        The internal results table of the same cohort (same rows, same order): only used to
        report the true value of each hidden count and to check that the relations hold.
    codebook : Codebook, optional
        The public codebook (levels of each field, response composites); the packaged one when
        omitted.
    protection : (lower, upper), optional
        Protection levels: a hidden count is protected when its true value is at least `lower`
        above the minimum and at least `upper` below the maximum.
    use_inferred : bool
        Also use relations the attacker infers from patterns in the released counts (the same
        counts in two populations) and from reading level labels (onset order and trajectories).
        False keeps only relations that follow from the table's structure and the codebook.

    Returns
    -------
    Attack
    """
    if codebook is None:
        from tahsb_analysis.input.codebook import load_codebook

        codebook = load_codebook()
    observations = observe_release(release)
    relations, notes = derive_relations(observations, release, codebook,
                                        use_inferred=use_inferred)
    truth = _true_values(observations, internal) if internal is not None else {}
    if truth:
        relations, dropped = _relations_that_hold(observations, relations, truth)
        notes += [f"{count} assumed relations ({origin}) contradicted by the true values: "
                  "not used" for origin, count in sorted(dropped.items())]
    bounds, solve_notes = feasible_ranges(observations, relations)
    consistent = None
    if truth:
        consistent = truth_is_feasible(observations, relations, truth)
    cells = _cell_table(observations, bounds, truth, protection)
    return Attack(cells=cells, relations=relations, notes=notes + solve_notes,
                  truth_consistent=consistent)


# --- the integer programs -------------------------------------------------------------------


@dataclass
class _Program:
    """The unknowns of one connected set of relations and their constraint matrix."""

    keys: list[Key]
    lower: np.ndarray
    upper: np.ndarray
    matrix: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    def solve(self, index: int, sense: float, fixed: dict[int, float] | None = None):
        cost = np.zeros(len(self.keys))
        cost[index] = sense
        lower, upper = self.lower.copy(), self.upper.copy()
        for position, value in (fixed or {}).items():
            lower[position] = upper[position] = value
        constraints = (LinearConstraint(self.matrix, self.row_lower, self.row_upper)
                       if len(self.matrix) else ())
        return milp(cost, integrality=np.ones(len(self.keys)), bounds=Bounds(lower, upper),
                    constraints=constraints)


def _known_bounds(observations: Observations, key: Key) -> tuple[float, float]:
    """Bounds of an unknown before any relation: its released value (an interval when counts
    are rounded), or 0..inf."""
    interval = observations.released_interval(key)
    return interval if interval is not None else (0.0, np.inf)


def _programs(observations: Observations, relations: list[Relation]) -> list[_Program]:
    """One integer program per connected set of unknowns that are not released exactly."""
    keys = sorted({k for r in relations for k in r.terms} | set(observations.hidden_keys()))
    position = {k: i for i, k in enumerate(keys)}
    bounds = [_known_bounds(observations, k) for k in keys]
    free = [low != high for low, high in bounds]
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for relation in relations:
        members = [position[k] for k in relation.terms if free[position[k]]]
        for other in members[1:]:
            parent[find(other)] = find(members[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(keys)):
        if free[i]:
            groups[find(i)].append(i)
    by_group: dict[int, list[Relation]] = defaultdict(list)
    for relation in relations:
        members = [position[k] for k in relation.terms if free[position[k]]]
        if members:
            by_group[find(members[0])].append(relation)
    return [_program(keys, bounds, position, members, by_group[root])
            for root, members in sorted(groups.items())]


def _program(keys, bounds, position, members, relations) -> _Program:
    local = {i: j for j, i in enumerate(members)}
    matrix = np.zeros((len(relations), len(members)))
    row_lower = np.zeros(len(relations))
    row_upper = np.zeros(len(relations))
    for r, relation in enumerate(relations):
        constant_low = constant_high = 0.0
        for key, coefficient in relation.terms.items():
            i = position[key]
            if i in local:
                matrix[r, local[i]] += coefficient
            else:  # a released value: move it to the right-hand side
                low, high = sorted((coefficient * bounds[i][0], coefficient * bounds[i][1]))
                constant_low += low
                constant_high += high
        row_lower[r] = relation.lower - constant_high
        row_upper[r] = relation.upper - constant_low
    lower = np.array([bounds[i][0] for i in members], dtype=float)
    upper = np.array([bounds[i][1] for i in members], dtype=float)
    return _Program([keys[i] for i in members], lower, upper, matrix, row_lower, row_upper)


def feasible_ranges(observations: Observations, relations: list[Relation]
                    ) -> tuple[dict[Key, tuple[float, float] | None], list[str]]:
    """The smallest and largest value of every hidden count under the relations.

    A hidden count also shown by another row has that value. None when its connected set of
    relations is infeasible (the attacker assumed a relation the released values contradict).
    """
    ranges: dict[Key, tuple[float, float] | None] = {}
    notes = []
    for key in observations.hidden_keys():
        interval = observations.released_interval(key)
        if interval is not None and interval[0] == interval[1]:
            ranges[key] = interval
    targets = set(observations.hidden_keys()) | set(rounded_keys(observations))
    for program in _programs(observations, relations):
        wanted = [i for i, k in enumerate(program.keys) if k in targets and k not in ranges]
        for i in wanted:
            low = program.solve(i, 1.0)
            if low.status == 2:
                notes.append(f"{len(program.keys)} linked unknowns have no feasible value: "
                             "an assumed relation contradicts the released counts")
                for j in wanted:
                    ranges[program.keys[j]] = None
                break
            high = program.solve(i, -1.0)
            minimum = _integer(low.fun) if low.status == 0 else 0.0
            maximum = _integer(-high.fun) if high.status == 0 else np.inf
            ranges[program.keys[i]] = (minimum, maximum)
    return ranges, notes


def truth_is_feasible(observations: Observations, relations: list[Relation],
                      truth: dict[Key, float]) -> bool:
    """Whether every hidden count can take its true value at once under the relations (a
    check of the attacker's assumptions, not part of the attack)."""
    for program in _programs(observations, relations):
        fixed = {i: truth[k] for i, k in enumerate(program.keys) if k in truth}
        if not fixed:
            continue
        result = program.solve(0, 0.0, fixed)
        if result.status != 0:
            return False
    return True


def _integer(value: float) -> float:
    rounded = float(np.round(value))
    return rounded if abs(value - rounded) < _INTEGER_TOLERANCE else float(value)


# --- reporting ------------------------------------------------------------------------------


def _true_values(observations: Observations, internal: pd.DataFrame) -> dict[Key, float]:
    """The internal value of every count the release hides or shows rounded, matched by row
    key (output, variable, level, group variable, group, statistic). Release rows without an
    internal twin (levels the gate merged, e.g. "a or b") have no known truth and are left out;
    internal-only outputs are not in the release at all."""
    columns = ["output", "variable", "level", "group_variable", "group", "statistic"]

    def keys(frame: pd.DataFrame) -> list[tuple]:
        return list(frame[columns].astype("string").fillna("").itertuples(index=False,
                                                                          name=None))

    release = observations.release
    positions: dict[tuple, int] = {}
    for position, key in enumerate(keys(internal)):
        if key in positions:
            raise ValueError("the internal table has two rows with the same key")
        positions[key] = position
    release_keys = keys(release)
    if not any(key in positions for key in release_keys):
        raise ValueError("the internal table does not have the release table's rows")
    truth: dict[Key, float] = {}
    for sighting in observations.sightings:
        if sighting.value is not HIDDEN and not sighting.rounded:
            continue  # released exactly: its value is the truth
        position = positions.get(release_keys[sighting.position])
        if position is None:
            continue
        value = internal.iloc[position][sighting.field]
        if not pd.isna(value):
            truth[observations.canonical(sighting)] = float(value)
    return truth


def _relations_that_hold(observations: Observations, relations: list[Relation],
                         truth: dict[Key, float]) -> tuple[list[Relation], dict[str, int]]:
    """The relations the true values satisfy (when every term's true value is known), and how
    many of each origin they contradict. An auditor holding the internal table keeps only the
    relations that are true, so that the bounds are those of an attacker who knows them."""
    known = dict(truth)
    for key in {k for r in relations for k in r.terms}:
        interval = observations.released_interval(key)
        if interval is not None and interval[0] == interval[1] and key not in known:
            known[key] = interval[0]
    kept, dropped = [], defaultdict(int)
    for relation in relations:
        if all(k in known for k in relation.terms):
            value = sum(c * known[k] for k, c in relation.terms.items())
            if not relation.lower - 1e-6 <= value <= relation.upper + 1e-6:
                dropped[relation.origin] += 1
                continue
        kept.append(relation)
    return kept, dict(dropped)


def rounded_keys(observations: Observations) -> list[Key]:
    """Released counts the release shows rounded (an interval, not a value): attacked too,
    since the relations between them can narrow a rounded count below its interval."""
    return sorted(k for k in {observations.canonical(s) for s in observations.sightings
                              if s.value is not HIDDEN and s.rounded}
                  if k not in observations.hidden)


def _cell_table(observations, ranges, truth, protection) -> pd.DataFrame:
    rows = []
    for key in [*sorted(observations.hidden_keys()), *rounded_keys(observations)]:
        bounds = ranges.get(key)
        minimum, maximum = bounds if bounds is not None else (np.nan, np.nan)
        true = truth.get(key, np.nan)
        protected = None
        if protection is not None and not np.isnan(true) and bounds is not None:
            protected = bool(true - minimum >= protection[0] and maximum - true >= protection[1])
        rows.append({
            **dict(zip(KEY_FIELDS, key[:6], strict=True)),
            "outputs": "; ".join(observations.hidden_in(key) or observations.shown_in(key)),
            "hidden": key in observations.hidden,
            "shown_elsewhere": observations.released_interval(key) is not None,
            "true_value": true,
            "minimum": minimum,
            "maximum": maximum,
            "width": maximum - minimum,
            "exact": bool(bounds is not None and minimum == maximum),
            "protected": protected,
        })
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def summarise(cells: pd.DataFrame) -> dict[str, int]:
    """Counts of attacked cells: hidden, released rounded, and of both: recovered exactly,
    bounded to 1 or 2 children, and not bounded at all (infeasible components count as
    unknown)."""
    width = cells["width"].astype(float)
    return {
        "hidden": int(cells["hidden"].astype(bool).sum()),
        "rounded": int((~cells["hidden"].astype(bool)).sum()),
        "exact": int(cells["exact"].sum()),
        "width_1": int((width == 1).sum()),
        "width_2": int((width == 2).sum()),
        "unbounded": int(np.isinf(width).sum()),
        "unknown": int(width.isna().sum()),
    }
