"""An outsider's attack on released summaries of whole-number values (ages in whole years):
how many children of a group can be shown to have each value?

The mean, SD, median and quartiles of n integers tie the counts c_v of children with each
value v: sum c_v = n, sum v c_v = n x mean, sum v^2 c_v = (n - 1) SD^2 + n mean^2, and each
quartile (linear interpolation between order statistics, numpy's default and R's type 7) fixes
which values the order statistics around it take, i.e. bounds on the cumulative counts. For every
group and value, integer programming finds the smallest and largest count (each group on its
own: tying groups to their total would only narrow the ranges further).

Only fields the codebook declares as integers with a minimum and maximum are attacked: their
values are few. NHS Digital's rule of withholding a mean or median of 1-7 people answers the
same risk. Nothing here reads the disclosure gate's structure.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from tahsb_analysis.release.attack_keys import is_pair, normalised

SUMMARY_COLUMNS = ("output", "variable", "group_variable", "group", "value", "minimum",
                   "maximum", "exact")
_QUANTILES = {"q1": 0.25, "median": 0.5, "q3": 0.75}
_TOLERANCE = 1e-6


def _integer_fields(codebook) -> dict[str, tuple[int, int]]:
    return {fld.name: (int(fld.minimum), int(fld.maximum))
            for table in codebook.tables.values() for fld in table.fields
            if fld.type == "integer" and fld.minimum is not None and fld.maximum is not None
            and fld.name != "behaviour_seq"}


def _summaries(release: pd.DataFrame, fields) -> dict[tuple, dict[str, dict]]:
    """{(output, variable, group_variable): {group: {"n", "mean", "sd", "q1", ...}}} of the
    released summaries of integer fields."""
    totals = {}
    found: dict[tuple, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in release.itertuples(index=False):
        if row.variable not in fields or row.statistic not in ("mean", "sd", *_QUANTILES):
            continue
        variable, level, gv, group, _unit = normalised(row, totals)
        if level or is_pair(group):
            continue
        entry = found[(row.output, variable, gv)][group]
        if row.disclosure == "released" and not pd.isna(row.estimate):
            entry[row.statistic] = float(row.estimate)
        if not pd.isna(row.n):
            entry["n"] = int(row.n)
    return found


class _Layout:
    """Positions of the count of each (group, value) and of the quartile choices."""

    def __init__(self, groups: list[str], values: range) -> None:
        self.groups, self.values = groups, values
        self.size = len(groups) * len(values)

    def count(self, group: int, value: int) -> int:
        return group * len(self.values) + (value - self.values.start)

    def cumulative(self, group: int, upto: int) -> dict[int, float]:
        """Coefficients of C(upto): children of the group with a value <= upto."""
        return {self.count(group, v): 1.0 for v in self.values if v <= upto}


def _moment_rows(layout: _Layout, g: int, stats: dict) -> list[tuple[dict, float, float]]:
    rows = []
    n = stats.get("n")
    if n is None:
        return rows
    counts = {layout.count(g, v): 1.0 for v in layout.values}
    rows.append((counts, n, n))
    if "mean" in stats:
        total = stats["mean"] * n
        if abs(total - round(total)) < _TOLERANCE * max(1, n):
            value = round(total)
            rows.append(({layout.count(g, v): float(v) for v in layout.values}, value, value))
            if "sd" in stats and n > 1:
                squares = (n - 1) * stats["sd"] ** 2 + value ** 2 / n
                squares = round(squares)
                rows.append(({layout.count(g, v): float(v * v) for v in layout.values},
                             squares, squares))
    return rows


def _order_statistic(layout, g, j, value, selector, big) -> list[tuple[dict, float, float]]:
    """x_j == value when the selector (a 0/1 variable, or None for "always") is 1:
    C(value - 1) <= j and C(value) >= j + 1 (0-based order statistics)."""
    below = layout.cumulative(g, value - 1)
    upto = layout.cumulative(g, value)
    if selector is None:
        return [(below, -math.inf, j), (upto, j + 1, math.inf)]
    return [({**below, selector: big}, -math.inf, j + big),
            ({**upto, selector: -big}, j + 1 - big, math.inf)]


def _quantile_rows(layout, g, stats, first_binary) -> tuple[list, int]:
    """Constraints from the quartiles of group g; binaries start at `first_binary`."""
    rows, binary = [], first_binary
    n = stats.get("n")
    if not n:
        return rows, 0
    for name, p in _QUANTILES.items():
        if name not in stats:
            continue
        h = (n - 1) * p
        j, f = int(math.floor(h)), h - math.floor(h)
        q = stats[name]
        pairs = [(u, v) for u in layout.values for v in layout.values
                 if u <= v and abs(u + f * (v - u) - q) < _TOLERANCE]
        if not pairs:
            continue
        choice = [None] if len(pairs) == 1 else list(range(binary, binary + len(pairs)))
        if len(pairs) > 1:
            rows.append(({b: 1.0 for b in choice}, 1, 1))
            binary += len(pairs)
        for (u, v), selector in zip(pairs, choice, strict=True):
            rows += _order_statistic(layout, g, j, u, selector, n + 1)
            if f > 0:
                rows += _order_statistic(layout, g, j + 1, v, selector, n + 1)
    return rows, binary - first_binary


def _program(stats: dict, values: range):
    """The constraints on the counts of one group (and its quartile choices)."""
    layout = _Layout(["group"], values)
    rows = _moment_rows(layout, 0, stats)
    quantiles, binaries = _quantile_rows(layout, 0, stats, layout.size)
    rows += quantiles
    width = layout.size + binaries
    matrix = np.zeros((len(rows), width))
    for r, (terms, _low, _high) in enumerate(rows):
        for column, coefficient in terms.items():
            matrix[r, column] += coefficient
    lower = np.array([low for _, low, _ in rows], dtype=float)
    upper = np.array([high for _, _, high in rows], dtype=float)
    bounds_upper = np.full(width, np.inf)
    bounds_upper[layout.size:] = 1
    return layout, LinearConstraint(matrix, lower, upper), Bounds(np.zeros(width), bounds_upper)


def _bound(result, sense: float) -> float:
    """A proven bound of one program: its optimum, or the solver's dual bound when the time
    limit stopped it (a weaker but still valid bound); no bound when it found nothing."""
    if result.status == 0:
        return sense * result.fun
    dual = getattr(result, "mip_dual_bound", None)
    if dual is None or not np.isfinite(dual):
        return 0.0 if sense > 0 else math.inf
    return sense * dual


def _group_ranges(stats: dict, values: range, time_limit: float) -> list[tuple[int, float, float]]:
    """(value, fewest, most children with it) for one group; [] when the summaries contradict
    each other as the attacker read them."""
    layout, constraint, bounds = _program(stats, values)
    integrality = np.ones(len(bounds.lb))
    ranges = []
    for v in values:
        cost = np.zeros(len(bounds.lb))
        cost[layout.count(0, v)] = 1.0
        found = [milp(sense * cost, integrality=integrality, bounds=bounds,
                      constraints=constraint, options={"time_limit": time_limit})
                 for sense in (1.0, -1.0)]
        if any(result.status == 2 for result in found):
            return []
        ranges.append((v, math.ceil(_bound(found[0], 1.0) - _TOLERANCE),
                       math.floor(_bound(found[1], -1.0) + _TOLERANCE)))
    return ranges


def attack_summaries(release: pd.DataFrame, codebook=None, *, largest_group: int = 60,
                     time_limit: float = 2.0) -> pd.DataFrame:
    """For every released summary of an integer field in a group of at most `largest_group`
    children, the fewest and most children of the group that can have each value
    (`SUMMARY_COLUMNS`; exact when the two agree). Each group is solved on its own; a program
    stopped by `time_limit` (seconds) reports the solver's proven bounds."""
    if codebook is None:
        from tahsb_analysis.input.codebook import load_codebook

        codebook = load_codebook()
    fields = _integer_fields(codebook)
    rows = []
    for (output, variable, gv), groups in sorted(_summaries(release, fields).items()):
        low, high = fields[variable]
        for group, stats in sorted(groups.items()):
            if not stats.get("n") or stats["n"] > largest_group or len(stats) < 2:
                continue
            for value, minimum, maximum in _group_ranges(stats, range(low, high + 1),
                                                         time_limit):
                rows.append({"output": output, "variable": variable, "group_variable": gv,
                             "group": group, "value": value, "minimum": minimum,
                             "maximum": maximum, "exact": minimum == maximum})
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
