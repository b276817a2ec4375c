"""The unknowns of the outsider's attack (release/attack.py): every count a release row shows
or hides, keyed so that the same count in two outputs is one unknown.

A key is (role, variable, level, group_variable, group, unit, scope):

* role "count": children (or behaviours) with `level` of `variable` in the population
  (group_variable, group, unit): the n of a share, count or rank row;
* role "denominator": children in that population with a known value of `variable` (the
  denominator of a share, the n behind a mean or quartile; `level` names a sub-population when a
  summary describes one, e.g. the onset gap of children whose offline HSB came first);
* role "population": children in the group (a group_size row, the denominator of a count).

`scope` is "" when the key means the same count in every output; when two outputs release
different values for one key, the attacker cannot equate them and the key is scoped to each
output instead. Nothing here reads the disclosure gate's structure or the output registry.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from tahsb_analysis.vocabulary import (
    COUNT,
    GROUP_SIZE,
    MISSING_PREFIX,
    PAIR_SEPARATOR,
    PROPORTION,
    RANK,
    SUMMARY_STATISTICS,
    TEST_STATISTICS,
)

Key = tuple  # (role, variable, level, group_variable, group, unit, scope)
COUNT_ROLE = "count"
DENOMINATOR_ROLE = "denominator"
POPULATION_ROLE = "population"
# The children whose group variable was not recorded: an unseen group of every group variable
# whose total is the whole population.
MISSING_GROUP = "<group variable missing>"


class _Hidden:
    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN = _Hidden()  # the value of a field the release blanked

_ROUNDING = re.compile(r"counts rounded to base (\d+)")


def text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def is_missing_level(level: str) -> bool:
    return level.startswith(MISSING_PREFIX)


def is_total_group(group: str) -> bool:
    """A group named as the total of its group variable ("all", "all_dual")."""
    return group == "all" or group.startswith("all_")


def is_pair(group: str) -> bool:
    return PAIR_SEPARATOR in group


@dataclass(frozen=True)
class Sighting:
    """One count field of one release row: its key (without scope), and its value or HIDDEN."""

    key: tuple
    output: str
    position: int
    field: str
    value: object
    rounded: bool = False  # a released value rounded to the release's base


@dataclass(frozen=True)
class Relation:
    """lower <= sum(coefficient * unknown) <= upper, and why the attacker may assume it."""

    terms: dict
    lower: float
    upper: float
    origin: str

    @staticmethod
    def equal(terms: dict, origin: str, value: float = 0.0) -> Relation:
        return Relation(_drop_zero(terms), value, value, origin)

    @staticmethod
    def at_most(terms: dict, origin: str, value: float = 0.0) -> Relation:
        return Relation(_drop_zero(terms), -math.inf, value, origin)


def _drop_zero(terms: dict) -> dict:
    return {k: v for k, v in terms.items() if v != 0}


@dataclass
class Observations:
    """Every sighting of a count in one release table, and the keys they resolve to."""

    release: pd.DataFrame
    sightings: list[Sighting]
    total_groups: dict[str, str]
    rounding_base: int | None
    split: set = field(default_factory=set)  # keys released with different values
    controlled: bool = False  # controlled rounding (to either adjacent multiple)

    def __post_init__(self) -> None:
        values = defaultdict(set)
        for s in self.sightings:
            if s.value is not HIDDEN:
                values[s.key].add(float(s.value))
        self.split = {key for key, seen in values.items() if len(seen) > 1}
        self._by_key: dict[Key, list[Sighting]] = defaultdict(list)
        for s in self.sightings:
            self._by_key[self.canonical(s)].append(s)
        self.hidden = {k for k, seen in self._by_key.items()
                       if any(s.value is HIDDEN for s in seen)}

    def key(self, output: str, base: tuple) -> Key:
        """The unknown `base` stands for in `output`. The population of a group named by the
        group variable "population" is each output's own: "any_ta_hsb" is every child with
        TA-HSB in one table and those of the in-depth sample in another."""
        own = base in self.split or (base[0] == POPULATION_ROLE and base[3] == "population")
        return (*base, output if own else "")

    def canonical(self, sighting: Sighting) -> Key:
        return self.key(sighting.output, sighting.key)

    def sighted(self, key: Key) -> bool:
        return key in self._by_key

    def hidden_keys(self) -> list[Key]:
        return sorted(self.hidden)

    def hidden_in(self, key: Key) -> list[str]:
        return sorted({s.output for s in self._by_key[key] if s.value is HIDDEN})

    def shown_in(self, key: Key) -> list[str]:
        return sorted({s.output for s in self._by_key[key] if s.value is not HIDDEN})

    def released_interval(self, key: Key) -> tuple[float, float] | None:
        """The values the released sightings of a count allow: the value itself, or the values
        that round to it (nearest multiple of the base, halves up)."""
        intervals = []
        for s in self._by_key.get(key, ()):
            if s.value is HIDDEN:
                continue
            value = float(s.value)
            if s.rounded and self.controlled:
                # controlled rounding: one of the two multiples around the count
                base = self.rounding_base
                intervals.append((max(value - base + 1, 0.0), value + base - 1))
            elif s.rounded:
                base = self.rounding_base
                intervals.append((max(value - base // 2, 0.0), value + math.ceil(base / 2) - 1))
            else:
                intervals.append((value, value))
        if not intervals:
            return None
        return max(low for low, _ in intervals), min(high for _, high in intervals)

    def released_value(self, output: str, base: tuple) -> float | None:
        interval = self.released_interval(self.key(output, base))
        if interval is None or interval[0] != interval[1]:
            return None
        return interval[0]


def _total_groups(release: pd.DataFrame) -> dict[str, str]:
    """The total group of each group variable that has one ("all" first)."""
    totals: dict[str, str] = {}
    for gv, group in zip(release["group_variable"], release["group"], strict=True):
        gv, group = text(gv), text(group)
        if gv and is_total_group(group) and totals.get(gv) != "all":
            totals[gv] = group
    return totals


def normalised(row, totals: dict[str, str]) -> tuple[str, str, str, str, str]:
    """(variable, level, group_variable, group, unit) of a row as the attacker reads it: a row
    with a group variable but no group describes the group variable's total; n of a summary of
    years counts children."""
    gv, group = text(row.group_variable), text(row.group)
    if gv and not group:
        group = totals.get(gv, "")
    unit = text(row.unit)
    unit = "children" if unit in ("years", "") else unit
    return text(row.variable), text(row.level), gv, group, unit


def rounding_base(row) -> int | None:
    """The base a released row's counts were rounded to, as its disclosure reason says."""
    match = _ROUNDING.search(text(row.disclosure_reason))
    return int(match.group(1)) if match and text(row.disclosure) == "released" else None


def _row_sightings(position: int, row, totals: dict[str, str], rounded: bool
                   ) -> list[Sighting]:
    variable, level, gv, group, unit = normalised(row, totals)
    if is_pair(group):
        return []
    suppressed = text(row.disclosure) == "suppressed"
    fields: list[tuple[str, tuple]] = []
    statistic = row.statistic
    if statistic in (PROPORTION, RANK):
        fields = [("n", (COUNT_ROLE, variable, level, gv, group, unit)),
                  ("denominator", (DENOMINATOR_ROLE, variable, "", gv, group, unit))]
    elif statistic == COUNT:
        fields = [("n", (COUNT_ROLE, variable, level, gv, group, unit)),
                  ("denominator", (POPULATION_ROLE, "", "", gv, group, unit))]
    elif statistic == GROUP_SIZE:
        fields = [("n", (POPULATION_ROLE, "", "", gv, group, unit))]
    elif statistic in SUMMARY_STATISTICS:
        key = (DENOMINATOR_ROLE, variable, level, gv, group, "children")
        fields = [("n", key), ("denominator", key)]
    elif statistic in TEST_STATISTICS and level and not is_missing_level(level):
        # a test of one share (binomial test): its n and denominator are the share's
        fields = [("n", (COUNT_ROLE, variable, level, gv, group, unit)),
                  ("denominator", (DENOMINATOR_ROLE, variable, "", gv, group, unit))]
    sightings = []
    for name, key in fields:
        value = getattr(row, name)
        if pd.isna(value):
            if suppressed:
                sightings.append(Sighting(key, row.output, position, name, HIDDEN))
            continue
        sightings.append(Sighting(key, row.output, position, name, float(value), rounded))
    return sightings


def observe_release(release: pd.DataFrame) -> Observations:
    """Every count the release table shows or hides, as sightings of keys."""
    release = release.reset_index(drop=True)
    totals = _total_groups(release)
    sightings: list[Sighting] = []
    base, controlled = None, False
    for row in release.itertuples(index=False):
        if rounding_base(row):
            base = rounding_base(row)
            controlled = controlled or "controlled" in text(row.disclosure_reason)
    for position, row in enumerate(release.itertuples(index=False)):
        # when the release is rounded, every count it shows is (a suppressed row's denominator
        # too), whatever the row's own reason says
        sightings += _row_sightings(position, row, totals, base is not None)
    return Observations(release, sightings, totals, base, controlled=controlled)
