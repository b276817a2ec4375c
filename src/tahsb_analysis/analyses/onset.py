"""Who the dual children are and when each kind of their HSB began (links, L2-L3).

A dual child's first onset of a kind (offline HSB; inappropriate pornography use; other TA-HSB)
is the lowest age_at_onset of their behaviours of that kind; a child with any missing onset age
among the behaviours of a kind has no known first onset of that kind. From these: which came
first (`ORDER_LEVELS`), the trajectory from the first kind to the next (`TRAJECTORY_LEVELS`),
and its first and later step (`FIRST_LEVELS`, `LATER_LEVELS`: the nodes of the flow diagram,
whose counts are sums of the trajectories'). `onset_ages` and `dual_timelines` give the
per-child ages, for internal use only; `links` turns them into results rows.

Onsets are reduced to one row per child and kind with one groupby, and every step is an array
operation over children, so the same code runs on 91 case files and on a million children.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.groups import PORNOGRAPHY_TYPE, dual_subgroup, hsb_group
from tahsb_analysis.input.cohort import Cohort, id_positions

# The three kinds of HSB whose first onset is compared, in the order used to break exact ties
# and to spell "same year" levels.
KINDS = ("offline", "pornography", "other_ta")
OFFLINE, PORNOGRAPHY, OTHER_TA = range(len(KINDS))
ORDER_LEVELS = ("offline_first", "online_first", "same_year")

# A dual child whose onset age is missing for any behaviour of a kind has no known first onset
# of that kind: the known minimum could be later than the true one.
ONSET_MISSING_REASON = "onset age not recorded"

_REQUIRED_COLUMNS = {
    "cases": ("case_id", "in_depth_sample", "ta_hsb", "offline_hsb"),
    "case_file": ("case_id", "porn_trigger_offline", "age_first_hsb"),
    "behaviours": ("case_id", "behaviour_type", "setting", "age_at_onset"),
}


def onset_ages(cohort: Cohort) -> pd.DataFrame:
    """First onset of each kind of HSB for every dual child of the in-depth sample.

    INDIVIDUAL-LEVEL DATA: one row per child, for internal use (checks, the swimmer plot's
    data); never publish it. Children are numbered 1..n in the order of the cases table; no
    case id is carried.

    Returns
    -------
    pandas.DataFrame
        Columns ``child`` (Int64, 1..n), ``dual_subgroup`` (string), ``first_offline``,
        ``first_pornography``, ``first_other_ta`` (Float64 ages in years; <NA> when the child
        has no behaviour of that kind or the onset of any of them is not recorded),
        ``order_online`` (string: "offline_first", "online_first" or "same_year" for the
        child's sub-group comparison, as in output "onset_order"; <NA> when an age is not
        known), ``first_behaviour`` and ``later_behaviour`` (string: the kinds "offline",
        "pornography", "other_ta" with the earliest and the second earliest onset, exact ties
        broken in that order; <NA> unless every onset of the child is known).
    """
    check_cohort(cohort, "onset_ages")
    children = dual_children(cohort)
    onsets = first_onsets(children, cohort.behaviours)
    first, second, _ = trajectory_parts(onsets)
    kinds = np.array([*KINDS, None], dtype=object)
    ages = np.where(onsets["known"], onsets["age"], np.nan)
    return pd.DataFrame(
        {
            "child": pd.array(np.arange(1, len(children) + 1), dtype="Int64"),
            "dual_subgroup": children["dual_subgroup"].astype("string").array,
            "first_offline": _float_array(ages[:, OFFLINE]),
            "first_pornography": _float_array(ages[:, PORNOGRAPHY]),
            "first_other_ta": _float_array(ages[:, OTHER_TA]),
            "order_online": pd.array(
                order_labels(subgroup_order(children, onsets)), dtype="string"
            ),
            "first_behaviour": pd.array(kinds[first], dtype="string"),
            "later_behaviour": pd.array(kinds[second], dtype="string"),
        },
        index=pd.RangeIndex(len(children)),
    )


def dual_timelines(cohort: Cohort) -> pd.DataFrame:
    """`onset_ages` sorted by each child's first onset of any kind, children renumbered 1..n.

    INDIVIDUAL-LEVEL DATA (no case ids): the data of the swimmer plot, for internal use only;
    never publish it. Children with no known onset at all come last.
    """
    ages = onset_ages(cohort)
    columns = ["first_offline", "first_pornography", "first_other_ta"]
    earliest = ages[columns].to_numpy(dtype=float, na_value=np.nan)
    first = np.full(len(ages), np.inf)
    if len(ages):
        first = np.fmin.reduce(earliest, axis=1)
    first = np.where(np.isnan(first), np.inf, first)
    ordered = ages.iloc[np.argsort(first, kind="stable")].reset_index(drop=True)
    ordered["child"] = pd.array(np.arange(1, len(ordered) + 1), dtype="Int64")
    return ordered


# ---------------------------------------------------------------------------------------------
# Population and onsets


def check_cohort(cohort: Cohort, caller: str) -> None:
    if not isinstance(cohort, Cohort):
        raise TypeError(
            f"{caller} needs a Cohort from validation.validate_cohort, got {type(cohort).__name__}"
        )
    for table, columns in _REQUIRED_COLUMNS.items():
        absent = [c for c in columns if c not in cohort.table(table).columns]
        if absent:
            raise ValueError(
                f"the {table} table of cohort {cohort.label!r} lacks column(s) {absent}; "
                "build the cohort with validation.validate_cohort"
            )


def dual_children(cohort: Cohort) -> pd.DataFrame:
    """One row per dual child of the in-depth sample: case_id and dual_subgroup, cases order."""
    cases = cohort.cases
    in_depth = cases["in_depth_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    chosen = cases.loc[in_depth]
    dual = hsb_group(chosen).eq("dual").fillna(False).to_numpy(dtype=bool)
    chosen = chosen.loc[dual]
    subgroup = dual_subgroup(chosen, cohort.behaviours)
    return pd.DataFrame(
        {
            "case_id": chosen["case_id"].astype("string").array,
            "dual_subgroup": subgroup.array,
        },
        index=pd.RangeIndex(len(chosen)),
    )


def first_onsets(children: pd.DataFrame, behaviours: pd.DataFrame) -> dict[str, np.ndarray]:
    """Children x kinds arrays: `shown` (a behaviour of the kind is coded), `known` (shown and
    every onset of the kind recorded) and `age` (lowest recorded onset, NaN if none)."""
    size = (len(children), len(KINDS))
    child = id_positions(behaviours["case_id"], children["case_id"])
    mine = child >= 0
    offline = (behaviours["setting"].astype("string") == "offline").fillna(False)
    porn = (behaviours["behaviour_type"].astype("string") == PORNOGRAPHY_TYPE).fillna(False)
    kind = np.where(
        offline.to_numpy(dtype=bool),
        OFFLINE,
        np.where(porn.to_numpy(dtype=bool), PORNOGRAPHY, OTHER_TA),
    )
    per_row = pd.DataFrame(
        {
            "cell": child[mine] * len(KINDS) + kind[mine],
            "age": behaviours["age_at_onset"].to_numpy(dtype=float, na_value=np.nan)[mine],
        }
    )
    per_row["missing"] = per_row["age"].isna()
    cells = per_row.groupby("cell", sort=False).agg(age=("age", "min"), missing=("missing", "any"))
    index = cells.index.to_numpy(dtype=np.int64)
    shown = np.zeros(size[0] * size[1], dtype=bool)
    shown[index] = True
    partial = np.zeros_like(shown)
    partial[index] = cells["missing"].to_numpy(dtype=bool)
    age = np.full(shown.shape, np.nan)
    age[index] = cells["age"].to_numpy(dtype=float)
    shown = shown.reshape(size)
    return {
        "shown": shown,
        "known": shown & ~partial.reshape(size),
        "age": age.reshape(size),
    }


def _order(offline, online, offline_known, online_known) -> np.ndarray:
    """0 offline_first, 1 online_first, 2 same_year (same whole year of age), -1 unknown."""
    both = offline_known & online_known
    with np.errstate(invalid="ignore"):
        same = np.floor(offline) == np.floor(online)
        code = np.where(same, 2, np.where(offline < online, 0, 1))
    return np.where(both, code, -1)


def subgroup_order(children, onsets) -> np.ndarray:
    """Each child's order against the online kind of their sub-group (-1 unknown or none)."""
    age, known = onsets["age"], onsets["known"]
    subgroup = children["dual_subgroup"].astype("string")
    porn_only = subgroup.eq("pornography_only").fillna(False).to_numpy(dtype=bool)
    other = subgroup.eq("other_ta_hsb").fillna(False).to_numpy(dtype=bool)
    online = np.where(porn_only[:, None], age[:, [PORNOGRAPHY]], age[:, [OTHER_TA]])[:, 0]
    online_known = np.where(porn_only, known[:, PORNOGRAPHY], known[:, OTHER_TA])
    order = _order(age[:, OFFLINE], online, known[:, OFFLINE], online_known)
    return np.where(porn_only | other, order, -1)


def any_online_order(onsets) -> np.ndarray:
    """Each child's order of first offline HSB against first TA-HSB of any kind."""
    age, known, shown = onsets["age"], onsets["known"], onsets["shown"]
    online_shown = shown[:, PORNOGRAPHY] | shown[:, OTHER_TA]
    # Known only when every online kind the child shows is known.
    online_known = online_shown & ~(
        (shown[:, PORNOGRAPHY] & ~known[:, PORNOGRAPHY])
        | (shown[:, OTHER_TA] & ~known[:, OTHER_TA])
    )
    online = np.fmin(age[:, PORNOGRAPHY], age[:, OTHER_TA])
    return _order(age[:, OFFLINE], online, known[:, OFFLINE], online_known)


def order_labels(codes: np.ndarray) -> np.ndarray:
    return np.array([*ORDER_LEVELS, None], dtype=object)[codes]


def missing_onset_reason(needed_known: np.ndarray, needed_shown: np.ndarray) -> pd.Series:
    """ "onset age not recorded" where a needed kind is shown but its onset not known."""
    missing = (needed_shown & ~needed_known).any(axis=1)
    return pd.Series(np.where(missing, ONSET_MISSING_REASON, None), dtype="string")


# ---------------------------------------------------------------------------------------------
# Trajectories


def _trajectory_levels() -> list[str]:
    """Every trajectory level: the six sequences, the three same-year pairs, then all three."""
    sequences = [f"{a} -> {b}" for a in KINDS for b in KINDS if a != b]
    pairs = [
        f"{KINDS[a]} + {KINDS[b]} (same year)"
        for a in range(len(KINDS))
        for b in range(a + 1, len(KINDS))
    ]
    return [*sequences, *pairs, " + ".join(KINDS) + " (same year)"]


TRAJECTORY_LEVELS = tuple(_trajectory_levels())
# The nodes of the trajectories: the first step of each trajectory (a kind, or the kinds that
# began in the same whole year) and the later step (the kind that followed, or "same_year" when
# the first step is a tie and no kind came later than the others). Each child's first and later
# level is a function of their trajectory level, so the counts of these levels are sums of the
# trajectory counts (declared to disclosure control as `level_sums` in data/outputs.yaml).
TIE_LATER = "same_year"
FIRST_LEVELS = (*KINDS, *(level for level in TRAJECTORY_LEVELS if " -> " not in level))
LATER_LEVELS = (*KINDS, TIE_LATER)
_FIRST_OF = np.array([FIRST_LEVELS.index(level.split(" -> ")[0]) for level in TRAJECTORY_LEVELS])
_LATER_OF = np.array(
    [
        LATER_LEVELS.index(level.split(" -> ")[1] if " -> " in level else TIE_LATER)
        for level in TRAJECTORY_LEVELS
    ]
)
# Level code of (first kind, second kind): as a sequence, and when both began in the same
# whole year (spelt in KINDS order, whichever came first). The diagonal is never used.
_SEQUENCE_LEVEL = np.array(
    [[TRAJECTORY_LEVELS.index(f"{a} -> {b}") if a != b else -1 for b in KINDS] for a in KINDS]
)
_SAME_YEAR_LEVEL = np.array(
    [
        [
            TRAJECTORY_LEVELS.index(f"{KINDS[min(a, b)]} + {KINDS[max(a, b)]} (same year)")
            if a != b
            else -1
            for b in range(len(KINDS))
        ]
        for a in range(len(KINDS))
    ]
)


def trajectory_parts(onsets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per child: kind code of the first and of the second onset (len(KINDS) = none, when an
    onset the child shows is unknown or fewer than two kinds are shown) and the trajectory
    level code (-1 none)."""
    shown, known, age = onsets["shown"], onsets["known"], onsets["age"]
    complete = ~(shown & ~known).any(axis=1) & (shown.sum(axis=1) >= 2)
    # Kinds not shown sort last; the stable sort breaks exact ties in KINDS order.
    sortable = np.where(shown, age, np.inf)
    order = np.argsort(sortable, axis=1, kind="stable")
    years = np.floor(np.take_along_axis(sortable, order, axis=1))
    first, second = order[:, 0], order[:, 1]
    pair_same = years[:, 0] == years[:, 1]
    all_same = pair_same & np.isfinite(years[:, 2]) & (years[:, 2] == years[:, 0])
    level = np.where(pair_same, _SAME_YEAR_LEVEL[first, second], _SEQUENCE_LEVEL[first, second])
    level = np.where(all_same, len(TRAJECTORY_LEVELS) - 1, level)
    none = len(KINDS)
    return (
        np.where(complete, first, none),
        np.where(complete, second, none),
        np.where(complete, level, -1),
    )


def trajectory_variables(level: np.ndarray) -> list[tuple[str, tuple[str, ...], np.ndarray]]:
    """(variable, its levels, each child's level code (-1 none)) of the three variables of
    output "trajectories": the trajectory itself ("trajectory", a code of `trajectory_parts`),
    its first step ("trajectory_first") and its later step ("trajectory_later")."""
    known = level >= 0
    return [
        ("trajectory", TRAJECTORY_LEVELS, level),
        ("trajectory_first", FIRST_LEVELS, np.where(known, _FIRST_OF[level], -1)),
        ("trajectory_later", LATER_LEVELS, np.where(known, _LATER_OF[level], -1)),
    ]


def _float_array(values: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.array(np.asarray(values, dtype=float), dtype="Float64")
