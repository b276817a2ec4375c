"""The gate's rule for summaries of whole-number values: which mean, SD, median and quartile rows
of a results table may be released without revealing how many children have a value.

Summaries of few whole numbers are counts in disguise (release/attack_summaries.py recovers
them). `summary_suppressions` attacks every discrete variable's summaries as an outsider would,
with integer programming, and withholds those of a group that would reveal a count.

The rule (quoted in the disclosure policy)
------------------------------------------
A variable is discrete when the codebook declares it an integer field with a minimum and a
maximum, or when the caller names it a derived whole-number variable with its range. The rule
does not apply to other variables: a value with decimals (`number` fields such as age at first
HSB, recorded to a tenth of a year, and gaps derived from them) is not attacked here.

For each discrete variable, the released summaries of all its groups are attacked together. The
unknowns are the number of children c[g, v] of each group g with each value v of the codebook
range. The attacker knows:

* the n of every group (printed beside its summaries and as the group's size): sum_v c = n;
* a released mean: sum_v v c = n x mean;
* a released SD, or a released mean with a confidence interval (its half-width is a multiple of
  SD / sqrt(n)): sum_v v^2 c = (n - 1) SD^2 + n mean^2;
* a released median or quartile q, computed as numpy.quantile's default (linear interpolation,
  R's type 7) by the analyses: with h = (n - 1) p, j = floor(h), f = h - j, the order statistics
  x_j and x_(j+1) (0-based) take one of the pairs (u, w) with u + f (w - u) = q, i.e. bounds on
  the cumulative counts;
* where the rows show a total group of a group variable ("all", "all_..."), that each count of
  the total is the sum of the counts of the groups shown plus a non-negative count of children
  in no group shown, those adding up to the difference of the n's;
* the same population described in several outputs with identical summaries is one population.

A group whose n is below the threshold k is suppressed without an attack. Any other group's
summaries are released only if, for every value v, the range [lo, hi] of c[g, v] over all
integer solutions satisfies: lo == 0 and hi - lo >= min(P, n), or lo >= k (P is the protection
interval). A group whose summaries are withheld is still checked the same way (its counts must
not be narrowed by the others' summaries); when they are, the others linked to it through the
total fall back. A group that fails falls back, in this order, to releasing: everything (mean,
SD, median, quartiles); mean and SD only; median and quartiles only; the median only; nothing.
The attack is repeated until every group passes at its level. A program the solver does not
settle within the time limit counts as revealing (never released on a timeout), and so does a
variable whose summaries admit no solution at all.

Each answer of the solver that a count can take a value is checked in exact integer arithmetic
before it is believed (and reused to settle other counts); a proof that it cannot is HiGHS's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from tahsb_analysis.vocabulary import PAIR_SEPARATOR, SUMMARY_STATISTICS

SUMMARY_REASON = "summary of a small group: would reveal how many children have a value"

# What a group may release, most first; a group that fails moves one step down.
FALLBACK_LEVELS: tuple[frozenset[str], ...] = (
    frozenset(SUMMARY_STATISTICS),
    frozenset({"mean", "sd"}),
    frozenset({"median", "q1", "q3"}),
    frozenset({"median"}),
    frozenset(),
)
NOTHING = len(FALLBACK_LEVELS) - 1
QUANTILES = {"q1": Fraction(1, 4), "median": Fraction(1, 2), "q3": Fraction(3, 4)}
_MATCH = 1e-6  # a released quartile matches an interpolation of two values within this
_FEASIBLE, _INFEASIBLE, _UNKNOWN = "feasible", "infeasible", "unknown"

PopulationKey = tuple  # (variable, level, group_variable, group, output or "")


def discrete_ranges(codebook, derived: Mapping[str, tuple[int, int]] | None = None,
                    ) -> dict[str, tuple[int, int]]:
    """{variable: (minimum, maximum)} of the variables the rule applies to: the codebook's
    integer fields with both limits, and the derived whole-number variables given."""
    ranges = {fld.name: (int(fld.minimum), int(fld.maximum))
              for table in codebook.tables.values() for fld in table.fields
              if fld.type == "integer" and fld.minimum is not None and fld.maximum is not None}
    ranges.update({name: (int(low), int(high)) for name, (low, high) in (derived or {}).items()})
    return ranges


def count_range_protected(low: int, high: int, n: int, threshold: int, protection: int) -> bool:
    """The rule for one count: at least k for certain; or not shown to lie between 1 and
    k - 1 (its range reaches 0 or k) and not narrowed below the protection interval P (or
    below the group's size, when the group has fewer than P children). Showing only that a
    count is at least 1, in a range that reaches k, reveals no small count."""
    if low >= threshold:
        return True
    wide = high - low >= min(protection, n)
    return wide and (low == 0 or high >= threshold)


@dataclass
class _Population:
    """One group's summaries of one variable: n, the estimates, and the rows that show them."""

    key: PopulationKey
    n: int
    estimates: dict[str, float] = field(default_factory=dict)
    mean_has_ci: bool = False
    rows: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    withheld: set[str] = field(default_factory=set)  # suppressed for other reasons

    def known(self, level: int) -> dict[str, float]:
        """The estimates an attacker reads when the group releases `level`."""
        shown = (FALLBACK_LEVELS[level] & set(self.estimates)) - self.withheld
        known = {s: self.estimates[s] for s in shown}
        if "mean" in known and self.mean_has_ci and "sd" in self.estimates:
            known["sd"] = self.estimates["sd"]
        return known


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _is_total(group: str) -> bool:
    return group == "all" or group.startswith("all_")


def _populations(results: pd.DataFrame, ranges, suppressed) -> dict[PopulationKey, _Population]:
    """The summary populations of discrete variables; one per output unless every output
    describing it shows the same n and estimates."""
    by_output: dict[tuple, dict[str, _Population]] = defaultdict(dict)
    frame = results.reset_index(drop=True)
    for position, row in enumerate(frame.itertuples(index=False)):
        variable, group = _text(row.variable), _text(row.group)
        if (row.statistic not in SUMMARY_STATISTICS or variable not in ranges
                or PAIR_SEPARATOR in group or pd.isna(row.n)):
            continue
        base = (variable, _text(row.level), _text(row.group_variable), group)
        population = by_output[base].setdefault(
            row.output, _Population((*base, row.output), int(row.n)))
        population.rows[row.statistic].append(position)
        if position in suppressed:
            population.withheld.add(row.statistic)
        if not pd.isna(row.estimate):
            population.estimates[row.statistic] = float(row.estimate)
            if row.statistic == "mean" and not pd.isna(row.ci_low):
                population.mean_has_ci = True
    found = {}
    for base, outputs in by_output.items():
        shown = {(p.n, tuple(sorted(p.estimates.items()))) for p in outputs.values()}
        if len(shown) == 1:
            merged = _Population((*base, ""), next(iter(outputs.values())).n)
            for p in outputs.values():
                merged.estimates.update(p.estimates)
                merged.mean_has_ci |= p.mean_has_ci
                merged.withheld |= p.withheld
                for statistic, positions in p.rows.items():
                    merged.rows[statistic] += positions
            # a statistic is withheld only if every output withholds it
            merged.withheld = {s for s in merged.withheld
                               if all(s in p.withheld or s not in p.rows
                                      for p in outputs.values())}
            found[merged.key] = merged
        else:
            found.update({p.key: p for p in outputs.values()})
    return found


def _relations(populations) -> list[tuple[PopulationKey, list[PopulationKey]]]:
    """(total, groups) for each total group shown with other groups of its group variable."""
    members = defaultdict(list)
    for key in populations:
        variable, level, gv, group, output = key
        if gv:
            members[(variable, level, gv, output)].append(key)
    relations = []
    for keys in members.values():
        totals = sorted(k for k in keys if _is_total(k[3]))
        parts = sorted(k for k in keys if not _is_total(k[3]))
        if totals and parts:
            total = next((k for k in totals if k[3] == "all"), totals[0])
            if populations[total].n >= sum(populations[k].n for k in parts):
                relations.append((total, parts))
    return relations


def _components(keys, relations) -> list[tuple[list, list]]:
    """Populations linked through a total (one integer program each), in a fixed order."""
    parent = {k: k for k in keys}

    def root(k):
        while parent[k] != k:
            k = parent[k]
        return k

    for total, parts in relations:
        for part in parts:
            parent[root(part)] = root(total)
    groups = defaultdict(list)
    for k in sorted(keys):
        groups[root(k)].append(k)
    return [(members, [r for r in relations if root(r[0]) == head])
            for head, members in sorted(groups.items())]


class _Program:
    """The attacker's integer program for linked populations of one variable at given levels."""

    def __init__(self, populations: list[_Population], relations, values: range,
                 levels: dict, time_limit: float) -> None:
        self.populations, self.values, self.time_limit = populations, values, time_limit
        self.index = {p.key: i for i, p in enumerate(populations)}
        self.known = [p.known(levels[p.key]) for p in populations]
        self.relations = [(self.index[t], [self.index[k] for k in parts])
                          for t, parts in relations]
        width = len(values)
        self.counts = len(populations) * width
        self.residual_start = self.counts
        columns = self.counts + len(self.relations) * width
        rows: list[tuple[dict, float, float]] = []
        binaries: list[int] = []
        self.valid = True  # False when a summary fits no whole numbers of the range
        for g, (population, known) in enumerate(zip(populations, self.known, strict=True)):
            rows += self._moment_rows(g, population.n, known)
            quantile_rows, columns = self._quantile_rows(g, population.n, known, columns,
                                                         binaries)
            rows += quantile_rows
        for r, (total, parts) in enumerate(self.relations):
            for v in range(width):
                terms = {self.column(total, v): 1.0, self.residual_start + r * width + v: -1.0}
                for part in parts:
                    terms[self.column(part, v)] = -1.0
                rows.append((terms, 0.0, 0.0))
        self.width = columns
        data, row_index, col_index = [], [], []
        for r, (terms, _, _) in enumerate(rows):
            for column, coefficient in terms.items():
                row_index.append(r)
                col_index.append(column)
                data.append(coefficient)
        matrix = csr_array((data, (row_index, col_index)), shape=(len(rows), columns))
        self.constraint = LinearConstraint(matrix, [lo for _, lo, _ in rows],
                                           [hi for _, _, hi in rows])
        self.lower = np.zeros(columns)
        self.upper = np.full(columns, np.inf)
        for g, population in enumerate(populations):
            self.upper[g * width:(g + 1) * width] = population.n
        self.upper[binaries] = 1.0

    def column(self, g: int, v: int) -> int:
        return g * len(self.values) + v

    def _cumulative(self, g: int, upto: int) -> dict[int, float]:
        """Coefficients of the children of group g with a value <= upto (an actual value)."""
        return {self.column(g, i): 1.0 for i, v in enumerate(self.values) if v <= upto}

    def _moment_rows(self, g: int, n: int, known: dict) -> list[tuple[dict, float, float]]:
        # values shifted to start at 0 keep the coefficients small (better conditioned)
        shift = self.values.start
        rows = [({self.column(g, i): 1.0 for i in range(len(self.values))}, n, n)]
        moments = _moments(n, known, shift)
        if moments is None:
            self.valid = False
            return rows
        for power, total in enumerate(moments, start=1):
            terms = {self.column(g, i): float(i ** power) for i in range(1, len(self.values))}
            rows.append((terms, total, total))
        return rows

    def _quantile_rows(self, g, n, known, columns, binaries):
        """Order-statistic constraints of the quartiles; a choice between several pairs of
        values is a set of binaries (the bound of each row is the largest it needs)."""
        rows = []
        for name, p in QUANTILES.items():
            if name not in known:
                continue
            j, f = _position(n, p)
            pairs = _pairs(known[name], f, self.values)
            if not pairs:
                self.valid = False
                continue
            if len(pairs) == 1:
                selectors = [None]
            else:
                selectors = list(range(columns, columns + len(pairs)))
                binaries += selectors
                columns += len(pairs)
                rows.append(({s: 1.0 for s in selectors}, 1.0, 1.0))
            for (u, w), selector in zip(pairs, selectors, strict=True):
                rows += self._order_statistic(g, n, j, u, selector)
                if f:
                    rows += self._order_statistic(g, n, j + 1, w, selector)
        return rows, columns

    def _order_statistic(self, g, n, j, value, selector):
        """x_j == value (0-based) when the selector is 1: C(value - 1) <= j < C(value)."""
        below, upto = self._cumulative(g, value - 1), self._cumulative(g, value)
        if selector is None:
            return [(below, -math.inf, j), (upto, j + 1, math.inf)]
        return [({**below, selector: float(n - j)}, -math.inf, n),
                ({**upto, selector: -float(j + 1)}, 0.0, math.inf)]

    def ask(self, g: int, v: int, low: float, high: float):
        """Can count (g, v) lie in [low, high]? (_FEASIBLE, counts) / (_INFEASIBLE | _UNKNOWN,
        None). A solution is believed only once `verify` accepts it."""
        column = self.column(g, v)
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[column], upper[column] = max(lower[column], low), min(upper[column], high)
        if lower[column] > upper[column]:
            return _INFEASIBLE, None
        result = milp(np.zeros(self.width), integrality=np.ones(self.width),
                      bounds=Bounds(lower, upper), constraints=self.constraint,
                      options={"time_limit": self.time_limit, "presolve": True})
        if result.status == 2:
            return _INFEASIBLE, None
        if result.x is None:
            return _UNKNOWN, None
        counts = np.rint(result.x[:self.counts]).astype(np.int64).reshape(
            len(self.populations), len(self.values))
        if not self.verify(counts) or not low <= counts[g, v] <= high:
            return _UNKNOWN, None
        return _FEASIBLE, counts

    def verify(self, counts: np.ndarray) -> bool:
        """Do these counts give exactly the summaries the attacker reads? (exact arithmetic)"""
        if (counts < 0).any():
            return False
        shift = self.values.start
        offsets = np.arange(len(self.values), dtype=object)
        for g, (population, known) in enumerate(zip(self.populations, self.known, strict=True)):
            row = counts[g].astype(object)
            if int(row.sum()) != population.n:
                return False
            for power, total in enumerate(_moments(population.n, known, shift) or (), start=1):
                if int((row * offsets ** power).sum()) != total:
                    return False
            for name, p in QUANTILES.items():
                if name in known and not _quantile_matches(row, self.values, population.n, p,
                                                           known[name]):
                    return False
        for total, parts in self.relations:
            if (counts[total] < counts[parts].sum(axis=0)).any():
                return False
        return True


def _moments(n: int, known: dict, shift: int) -> list[int] | None:
    """The sums of (v - shift) and (v - shift)^2 over the group that the mean and SD fix;
    None when they are not whole numbers (beyond floating-point error): no whole numbers
    give these summaries."""
    if "mean" not in known or n == 0:
        return []
    exact = (known["mean"] - shift) * n
    first = round(exact)
    if abs(exact - first) > 1e-6 + 1e-12 * abs(exact):
        return None
    moments = [first]
    if "sd" in known and n > 1:
        exact = (n - 1) * known["sd"] ** 2 + first * first / n
        moments.append(round(exact))
        if abs(exact - moments[1]) > 1e-6 + 1e-12 * abs(exact):
            return None
    return moments


def _position(n: int, p: Fraction) -> tuple[int, Fraction]:
    h = (n - 1) * p
    j = math.floor(h)
    return j, h - j


def _pairs(q: float, f: Fraction, values: range) -> list[tuple[int, int]]:
    """(x_j, x_(j+1)) that interpolate to q: u + f (w - u) = q, u <= w (only u when f = 0)."""
    if not f:
        return [(u, u) for u in values if abs(u - q) < _MATCH]
    return [(u, w) for u in values for w in values
            if u <= w and abs(u + float(f) * (w - u) - q) < _MATCH]


def _quantile_matches(row, values: range, n: int, p: Fraction, q: float) -> bool:
    j, f = _position(n, p)
    cumulative = np.cumsum(row)
    x_j = values[int(np.searchsorted(cumulative, j + 1))]
    x_next = values[int(np.searchsorted(cumulative, min(j + 2, n)))]
    return abs(float(x_j + f * (x_next - x_j)) - q) < _MATCH


class _Witnesses:
    """Solutions found so far: which counts are known to reach 0, and the largest seen."""

    def __init__(self, shape) -> None:
        self.zero = np.zeros(shape, dtype=bool)
        self.most = np.zeros(shape, dtype=np.int64)
        self.found: list[np.ndarray] = []

    def add(self, counts: np.ndarray) -> None:
        self.found.append(counts)
        self.zero |= counts == 0
        self.most = np.maximum(self.most, counts)


def _count_protected(program: _Program, g, v, witnesses, threshold, protection) -> bool:
    n = program.populations[g].n
    need = min(protection, n)

    def ask(low, high):
        status, counts = program.ask(g, v, low, high)
        if counts is not None:
            witnesses.add(counts)
        return status

    zero = _FEASIBLE if witnesses.zero[g, v] else ask(0, 0)
    if zero == _FEASIBLE:  # lo == 0: protected if the count can also reach P
        return witnesses.most[g, v] >= need or ask(need, math.inf) == _FEASIBLE
    if zero == _UNKNOWN:
        return False
    return ask(1, threshold - 1) == _INFEASIBLE  # lo >= 1: protected only if lo >= k


def _failing(program: _Program, witnesses, threshold, protection) -> list[int]:
    """The populations with a count the rule does not accept (each stops at its first)."""
    failing = []
    for g in range(len(program.populations)):
        if not all(_count_protected(program, g, v, witnesses, threshold, protection)
                   for v in range(len(program.values))):
            failing.append(g)
    return failing


def _failing_in(members: list[_Population], relations, values: range, levels: dict,
                settings: tuple, previous: dict) -> list[PopulationKey] | None:
    """The populations of one linked set that reveal a count at their levels; None when no
    solution explains their summaries. `previous` keeps solutions between rounds."""
    threshold, protection, time_limit = settings
    program = _Program(members, relations, values, levels, time_limit)
    if not program.valid:
        return None
    keys = tuple(p.key for p in members)
    witnesses = _Witnesses((len(members), len(values)))
    for counts in previous.get(keys, ()):  # still solutions if they satisfy this program
        if program.verify(counts):
            witnesses.add(counts)
    if not witnesses.found:
        _status, counts = program.ask(0, 0, 0, math.inf)
        if counts is None:
            return None
        witnesses.add(counts)
    failing = _failing(program, witnesses, threshold, protection)
    previous[keys] = witnesses.found
    return [keys[g] for g in failing]


def _failing_alone(members, values, levels, settings, previous) -> set | None:
    """A quick screen: each population that releases something, attacked on its own (small
    programs). One that fails on its own is treated as failing, which can only withhold more
    than the rule needs, never less: the program with its total only narrows its ranges, so
    it fails there too unless the total pushes lo to k or more. Those that pass are checked
    together afterwards."""
    failing = set()
    for population in members:
        if levels[population.key] == NOTHING:
            continue
        found = _failing_in([population], [], values, levels, settings, previous)
        if found is None:
            return None
        failing |= set(found)
    return failing


def _settle(members: list[_Population], relations, values: range,
            settings: tuple) -> dict[PopulationKey, int]:
    """The level each population of one linked set releases."""
    threshold = settings[0]
    levels = {p.key: 0 if p.n >= threshold else NOTHING for p in members}
    by_key = {p.key: p for p in members}
    previous: dict = {}
    while True:
        # A total that releases nothing is left out of the program, and so is its check. Proof
        # that it passes whenever its groups do: its count of a value is the sum of theirs plus
        # children in no group shown (r >= 0, any split of the difference of the n's), and the
        # groups are then independent. If every group has lo == 0, so has the total; if one has
        # lo >= k, so has the total; else each group reaches min(P, n_g), and the sum of those
        # is at least min(P, sum n_g) <= min(P, n_total).
        active = [(total, parts) for total, parts in relations
                  if by_key[total].known(levels[total])]
        failing = _failing_alone(members, values, levels, settings, previous)
        if failing is None:
            return {key: NOTHING for key in levels}
        for keys, linked in _components([p.key for p in members], active):
            if failing:  # fall back first: the screen already failed some
                break
            if not linked:  # a population on its own: the screen checked it
                continue
            found = _failing_in([by_key[k] for k in keys], linked, values, levels, settings,
                                previous)
            if found is None:  # summaries no solution explains: release none of them
                return {key: NOTHING for key in levels}
            failing |= set(found)
        bump = set()
        for key in sorted(failing):
            if levels[key] < NOTHING:
                bump.add(key)
            else:  # a withheld group narrowed by the others: the groups linked to it fall back
                for total, parts in active:
                    if key == total or key in parts:
                        bump |= {k for k in (total, *parts) if levels[k] < NOTHING}
        if not bump:
            return levels
        for key in bump:
            levels[key] += 1


def summary_suppressions(results: pd.DataFrame, codebook, threshold: int, protection: int, *,
                         suppressed: frozenset[int] | set[int] = frozenset(),
                         derived: Mapping[str, tuple[int, int]] | None = None,
                         time_limit: float = 1.0) -> dict[int, str]:
    """{row position: SUMMARY_REASON} for the summary rows of `results` (the internal results
    table, positions as in `results.reset_index(drop=True)`) that the rule above withholds.

    `suppressed`: positions of rows already withheld for other reasons (the attacker does not
    see them; they are not returned). `derived`: {variable: (minimum, maximum)} of derived
    whole-number variables. `time_limit`: seconds per integer program. Pure and deterministic.
    """
    ranges = discrete_ranges(codebook, derived)
    populations = _populations(results, ranges, set(suppressed))
    relations = _relations(populations)
    reasons: dict[int, str] = {}
    for keys, linked in _components(list(populations), relations):
        members = [populations[k] for k in keys]
        low, high = ranges[keys[0][0]]
        levels = _settle(members, linked, range(low, high + 1),
                         (threshold, protection, time_limit))
        for population in members:
            released = FALLBACK_LEVELS[levels[population.key]]
            for statistic, positions in population.rows.items():
                if statistic not in released:
                    reasons.update({pos: SUMMARY_REASON for pos in positions
                                    if pos not in suppressed})
    return dict(sorted(reasons.items()))
