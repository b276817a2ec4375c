"""The cells of disclosure control: keys, roles and the `Cells` store.

A cell is a count keyed by (output, variable, level, group_variable, group, unit, role): the
numerator of a share, the denominator of a share, or the population of a group. `cells.py`
builds them from the results table; `derived_relations.py` and `cells.py` relate them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.vocabulary import MISSING_PREFIX

MISSING_GROUP = "<group missing>"

ROLE_N = "n"
ROLE_DENOMINATOR = "denominator"
ROLE_POPULATION = "population"

_TOLERANCE = 1e-7


def text_of(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) \
        else str(value)


def is_missing_level(level: str) -> bool:
    return level.startswith(MISSING_PREFIX)


class Cells:
    """Counts keyed by (output, variable, level, group_variable, group, unit, role).

    A cell is "shown" when some row of the results table displays it; other cells (a
    population, the children of an unseen group) are unknowns that only link shown cells.
    """

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.keys: list[tuple] = []
        self.values: list[float] = []
        self.shown: list[bool] = []
        self.summaries: set[int] = set()  # the n behind a mean or median

    def get(self, key: tuple) -> int | None:
        return self.ids.get(key)

    def add(self, key: tuple, value=None, shown: bool = False) -> int:
        index = self.ids.get(key)
        if index is None:
            index = len(self.keys)
            self.ids[key] = index
            self.keys.append(key)
            self.values.append(np.nan)
            self.shown.append(False)
        if value is not None and not pd.isna(value):
            old = self.values[index]
            if not np.isnan(old) and abs(old - float(value)) > _TOLERANCE:
                raise ValueError(f"two rows give different counts for the same cell {key}")
            self.values[index] = float(value)
        self.shown[index] = self.shown[index] or shown
        return index


def population_key(output, group_variable, group, unit) -> tuple:
    unit = unit if unit in ("children", "behaviours") else "children"
    return (output, "", "", group_variable, group, unit, ROLE_POPULATION)
