"""Derive each child's HSB group from the coded data (never from a stored label).

The rules, written once here and documented on the codebook page:

* HSB group, from cases.ta_hsb and cases.offline_hsb:
  ``ta_only`` (TA-HSB, no offline HSB), ``dual`` (both), ``offline_only`` (offline HSB, no
  TA-HSB), ``neither`` (no HSB of either kind recorded); <NA> when either flag is missing.
* Dual sub-group (finding R5), for dual children in the in-depth sample, from the behaviours
  table: ``pornography_only`` when every online behaviour coded for the child is
  developmentally inappropriate use of pornography, otherwise ``other_ta_hsb``; <NA> for
  children who are not dual or have no online behaviour coded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.input.cohort import id_positions

HSB_GROUPS = ("ta_only", "dual", "offline_only", "neither")
HSB_GROUP_LABELS = {
    "ta_only": "TA-HSB only",
    "dual": "dual (TA-HSB and offline HSB)",
    "offline_only": "offline HSB only",
    "neither": "no HSB recorded",
    "any_ta_hsb": "any TA-HSB",
}
DUAL_SUBGROUPS = ("pornography_only", "other_ta_hsb")
DUAL_SUBGROUP_LABELS = {
    "pornography_only": "TA-HSB solely inappropriate pornography use",
    "other_ta_hsb": "other TA-HSB",
}
PORNOGRAPHY_TYPE = "inappropriate_pornography"


def hsb_group(cases: pd.DataFrame) -> pd.Series:
    """Each child's HSB group (Categorical of HSB_GROUPS), indexed like `cases`."""
    ta = cases["ta_hsb"].astype("boolean")
    offline = cases["offline_hsb"].astype("boolean")
    known = (ta.notna() & offline.notna()).to_numpy()
    ta = ta.fillna(False).to_numpy(dtype=bool)
    offline = offline.fillna(False).to_numpy(dtype=bool)
    group = np.select(
        [
            known & ta & ~offline,
            known & ta & offline,
            known & ~ta & offline,
            known & ~ta & ~offline,
        ],
        HSB_GROUPS,
        default=None,
    )
    return pd.Series(
        pd.Categorical(group, categories=HSB_GROUPS), index=cases.index, name="hsb_group"
    )


def online_behaviours(behaviours: pd.DataFrame) -> pd.DataFrame:
    """The TA-HSB (online) rows of the behaviours table."""
    return behaviours[is_code(behaviours["setting"], "online")]


def is_code(values: pd.Series, code: str) -> np.ndarray:
    """Where `values` equals `code`, as a numpy mask (False where missing).

    A Categorical compares its integer codes: turning a million categorical values into text
    first, as ``values.astype("string") == code`` does, takes a large part of a second.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if code not in categories:
            return np.zeros(len(values), dtype=bool)
        return np.asarray(values.cat.codes) == categories.get_loc(code)
    return values.astype("string").eq(code).fillna(False).to_numpy(dtype=bool)


def dual_subgroup(cases: pd.DataFrame, behaviours: pd.DataFrame) -> pd.Series:
    """Each child's R5 sub-group (Categorical of DUAL_SUBGROUPS), indexed like `cases`."""
    online = online_behaviours(behaviours)
    # Per child with online rows: is any of them a known type other than pornography? (A
    # missing type decides nothing.) Children are numbered by factorize, then looked up.
    child, ids = pd.factorize(online["case_id"].astype("string"))
    types = online["behaviour_type"]
    other_type = types.notna().to_numpy(dtype=bool) & ~is_code(types, PORNOGRAPHY_TYPE)
    has_other = np.zeros(len(ids), dtype=bool)
    has_other[child[(child >= 0) & other_type]] = True
    at = id_positions(cases["case_id"], ids)  # -1 where the child has no online behaviour
    looked_up = at >= 0
    porn_only = looked_up & ~has_other[np.maximum(at, 0)] if len(ids) else looked_up
    dual = (hsb_group(cases) == "dual").to_numpy()
    subgroup = np.select(
        [dual & porn_only, dual & looked_up & ~porn_only],
        DUAL_SUBGROUPS,
        default=None,
    )
    return pd.Series(
        pd.Categorical(subgroup, categories=DUAL_SUBGROUPS), index=cases.index, name="dual_subgroup"
    )
