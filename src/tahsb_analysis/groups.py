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
    return behaviours[behaviours["setting"].astype("string") == "online"]


def dual_subgroup(cases: pd.DataFrame, behaviours: pd.DataFrame) -> pd.Series:
    """Each child's R5 sub-group (Categorical of DUAL_SUBGROUPS), indexed like `cases`."""
    online = online_behaviours(behaviours)
    is_porn = online["behaviour_type"].astype("string") == PORNOGRAPHY_TYPE
    porn_only = is_porn.groupby(online["case_id"].astype("string")).all()
    case_ids = cases["case_id"].astype("string")
    looked_up = case_ids.map(porn_only)  # <NA> where the child has no online behaviour
    dual = (hsb_group(cases) == "dual").to_numpy()
    subgroup = np.select(
        [
            dual & looked_up.eq(True).fillna(False).to_numpy(dtype=bool),
            dual & looked_up.eq(False).fillna(False).to_numpy(dtype=bool),
        ],
        DUAL_SUBGROUPS,
        default=None,
    )
    return pd.Series(
        pd.Categorical(subgroup, categories=DUAL_SUBGROUPS), index=cases.index, name="dual_subgroup"
    )
