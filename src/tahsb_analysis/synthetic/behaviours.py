"""The `behaviours` table of the SYNTHETIC cohort: which types each in-depth boy shows and when
each began, calibrated to R3, R5, L1 and L2.

Online types follow exact profile counts, offline types are drawn by weight without
replacement, and onsets are anchored per kind (offline HSB, pornography, other TA-HSB) so that
the published orderings and the mean gap hold exactly. porn_trigger_offline is decided here,
because a trigger has to begin before the offline HSB it triggers.
"""

from __future__ import annotations

import numpy as np

from tahsb_analysis.input.codebook import Codebook
from tahsb_analysis.synthetic.allocation import (
    MAX_ONSET,
    MIN_ONSET,
    TENTHS_TEXT,
    scaled_code_count,
    shuffled_codes,
    tenths_with_exact_mean,
    uniform_tenths,
)
from tahsb_analysis.synthetic.parameters import (
    NOT_APPLICABLE,
    NOT_RECORDED,
    PORNOGRAPHY,
    parse_profiles,
)


def generate_behaviours(
    values: dict, sizes: dict, sample: dict, rng: np.random.Generator, codebook: Codebook
):
    """The `behaviours` columns and, per in-depth child, his earliest and latest onset.

    Also decides porn_trigger_offline, because a trigger has to start before the offline HSB
    it triggers; the codes are returned in `onsets["porn_trigger"]`. The steps draw from `rng`
    in a fixed order (online types, offline types, triggers, anchors, onsets, aimed_at_other),
    so the same seed gives the same table.
    """
    settings = codebook.behaviour_settings()
    type_index = {code: i for i, code in enumerate(settings)}
    subgroup = sample["subgroup"]
    online_child, online_type, child_profile, has_porn = _online_types(
        values, subgroup, type_index, rng
    )
    offline_child, offline_type = _offline_types(values, subgroup, settings, type_index, rng)
    uses_porn = (child_profile, has_porn)
    trigger = _porn_triggers(values, subgroup, uses_porn, rng)
    anchor = _anchors(values, subgroup, uses_porn, trigger, rng)
    row_child = np.concatenate([online_child, offline_child])
    row_type = np.concatenate([online_type, offline_type])
    is_offline_row = np.arange(len(row_child)) >= len(online_child)
    onset = _row_onsets(
        values, subgroup, anchor, row_child, row_type, is_offline_row, type_index, rng
    )
    aimed = _aimed_at_other(values, sizes, row_type, type_index, rng)
    return _behaviour_columns(sample, settings, row_child, row_type, onset, aimed, trigger)


def _online_types(values: dict, subgroup: np.ndarray, type_index: dict, rng):
    """Which online types each boy shows (exact profile counts, shuffled): one entry per row
    (child, type), each child's profile number (-1 none) and which profiles use pornography."""
    m = len(subgroup)
    profile_lists: list[tuple[str, ...]] = [(PORNOGRAPHY,)]
    child_profile = np.full(m, -1, dtype=np.int64)
    child_profile[subgroup == "dual_pornography_only"] = 0
    for sub, name in (
        ("ta_only", "ta_type_profiles_ta_only"),
        ("dual_other_ta_hsb", "ta_type_profiles_dual_other"),
    ):
        profiles = parse_profiles(values[name])
        offset = len(profile_lists)
        profile_lists.extend(profiles)
        members = np.flatnonzero(subgroup == sub)
        keys = {str(offset + i): count for i, count in enumerate(profiles.values())}
        child_profile[members] = shuffled_codes(rng, keys, len(members)).astype(np.int64)
    longest = max(len(p) for p in profile_lists)
    profile_types = np.full((len(profile_lists), longest), -1, dtype=np.int64)
    for i, types in enumerate(profile_lists):
        profile_types[i, : len(types)] = [type_index[t] for t in types]
    profile_length = (profile_types >= 0).sum(axis=1)
    has_porn = (profile_types == type_index[PORNOGRAPHY]).any(axis=1)

    online_children = np.flatnonzero(child_profile >= 0)
    lengths = profile_length[child_profile[online_children]]
    online_child = np.repeat(online_children, lengths)
    position = np.arange(len(online_child)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    online_type = profile_types[child_profile[online_child], position]
    return online_child, online_type, child_profile, has_porn


def _offline_types(values: dict, subgroup: np.ndarray, settings: dict, type_index: dict, rng):
    """Which offline types each boy with offline HSB shows (weighted, without replacement:
    Gumbel top-k): one entry per row (child, type)."""
    offline_codes = [code for code in settings if settings[code] == "offline"]
    offline_children = np.flatnonzero(
        np.isin(subgroup, ["dual_pornography_only", "dual_other_ta_hsb", "offline_only"])
    )
    per_child = values["offline_types_per_child"]
    k_values = np.array([int(k) for k in per_child])
    k_p = np.array([float(p) for p in per_child.values()])
    k = rng.choice(k_values, size=len(offline_children), p=k_p / k_p.sum())
    weights = np.array([float(values["offline_type_weights"][c]) for c in offline_codes])
    keys = np.log(weights) + rng.gumbel(size=(len(offline_children), len(offline_codes)))
    ranked = np.argsort(-keys, axis=1)
    chosen = np.arange(len(offline_codes)) < k[:, None]
    offline_child = np.repeat(offline_children, k)
    offline_type = np.array([type_index[c] for c in offline_codes])[ranked[chosen]]
    return offline_child, offline_type


def _porn_triggers(values: dict, subgroup: np.ndarray, uses_porn, rng) -> np.ndarray:
    """porn_trigger_offline per in-depth boy: exact counts; only boys who use pornography can
    have "yes"; "-8" (not applicable) for boys without offline HSB."""
    child_profile, has_porn = uses_porn
    trigger = np.full(len(subgroup), NOT_APPLICABLE, dtype=object)
    table = values["porn_trigger_offline_by_subgroup"]
    for sub in ("dual_pornography_only", "offline_only"):
        members = np.flatnonzero(subgroup == sub)
        trigger[members] = shuffled_codes(rng, table[sub], len(members))
    members = np.flatnonzero(subgroup == "dual_other_ta_hsb")
    trigger[members] = "no"
    wanted = scaled_code_count(table["dual_other_ta_hsb"], len(members), "yes")
    users = members[has_porn[child_profile[members]]]
    # Checked at the calibrated size; in a rescaled cohort rounding may leave one user short.
    trigger[rng.choice(users, size=min(wanted, len(users)), replace=False)] = "yes"
    return trigger


def _anchors(values: dict, subgroup: np.ndarray, uses_porn, trigger, rng) -> np.ndarray:
    """The first onset of each kind of behaviour, per child (tenths; -1 none).

    Kinds: 0 offline, 1 pornography (dual boys: placed relative to the offline HSB), 2 other
    online. TA-HSB-only boys' pornography counts as kind 2: nothing to relate it to.
    """
    anchor = np.full((len(subgroup), 3), -1, dtype=np.int64)

    def draw(spec, size, exact):
        if exact:
            return tenths_with_exact_mean(
                rng, size, spec["mean"], spec["sd"], spec["min"], spec["max"]
            )
        drawn = np.rint(rng.normal(spec["mean"] * 10, spec["sd"] * 10, size))
        return np.clip(drawn, round(spec["min"] * 10), round(spec["max"] * 10)).astype(np.int64)

    ta_only = np.flatnonzero(subgroup == "ta_only")
    anchor[ta_only, 2] = draw(values["first_hsb_age_ta_only"], len(ta_only), exact=True)
    offline_only = np.flatnonzero(subgroup == "offline_only")
    anchor[offline_only, 0] = draw(
        values["first_hsb_age_offline_only"], len(offline_only), exact=True
    )

    dual = np.flatnonzero(np.isin(subgroup, ["dual_pornography_only", "dual_other_ta_hsb"]))
    anchor[dual, 0] = draw(values["first_offline_age_dual"], len(dual), exact=False)
    _place_other_ta_hsb(values, subgroup, anchor, rng)
    _place_pornography(values, dual, uses_porn, trigger, anchor, rng)
    return anchor


def _place_other_ta_hsb(values: dict, subgroup: np.ndarray, anchor: np.ndarray, rng) -> None:
    """L2: the first other TA-HSB follows (gap >= 1 year, exact mean), precedes, or shares the
    onset of the first offline HSB. Offline onsets are nudged so every onset stays in range."""
    other = np.flatnonzero(subgroup == "dual_other_ta_hsb")
    timing = shuffled_codes(rng, values["l2_timing_dual_other"], len(other))
    gap = np.zeros(len(other), dtype=np.int64)
    after = timing == "after"
    spread = values["l2_gap_after_spread_years"]
    gap[after] = tenths_with_exact_mean(
        rng,
        int(after.sum()),
        float(values["l2_mean_gap_years"]),
        spread["sd"],
        spread["min"],
        spread["max"],
    )
    before = timing == "before"
    before_range = values["l2_gap_before_years"]
    gap[before] = -uniform_tenths(rng, int(before.sum()), before_range["min"], before_range["max"])
    first_offline = anchor[other, 0]
    first_offline = np.minimum(first_offline, MAX_ONSET - np.maximum(gap, 0))
    first_offline = np.maximum(first_offline, MIN_ONSET - np.minimum(gap, 0))
    anchor[other, 0] = first_offline
    anchor[other, 2] = first_offline + gap


def _place_pornography(values: dict, dual, uses_porn, trigger, anchor: np.ndarray, rng) -> None:
    """L1: pornography that triggers offline HSB began before it; otherwise after it."""
    child_profile, has_porn = uses_porn
    porn_users = dual[has_porn[child_profile[dual]]]
    lead = values["pornography_lead_when_trigger_years"]
    lag = values["pornography_lag_when_not_trigger_years"]
    is_trigger = trigger[porn_users] == "yes"
    shift = np.where(
        is_trigger,
        -uniform_tenths(rng, len(porn_users), lead["min"], lead["max"]),
        uniform_tenths(rng, len(porn_users), lag["min"], lag["max"]),
    )
    anchor[porn_users, 1] = np.clip(anchor[porn_users, 0] + shift, MIN_ONSET, MAX_ONSET)


def _row_onsets(
    values: dict, subgroup, anchor, row_child, row_type, is_offline_row, type_index, rng
) -> np.ndarray:
    """The onset of every behaviour row (tenths): the first of each (child, kind) exactly at
    its anchor, later ones spread after it."""
    porn = type_index[PORNOGRAPHY]
    is_dual_row = np.isin(subgroup[row_child], ["dual_pornography_only", "dual_other_ta_hsb"])
    row_kind = np.where(is_offline_row, 0, np.where((row_type == porn) & is_dual_row, 1, 2))
    spread_years = values["later_onset_spread_years"]
    spread_tenths = np.where(
        row_kind == 0, round(spread_years["offline"] * 10), round(spread_years["online"] * 10)
    )
    spread_tenths[row_kind == 1] = 0
    offset = np.floor(rng.random(len(row_child)) * (spread_tenths + 1)).astype(np.int64)
    # The first behaviour of each kind starts exactly at the anchor: subtract each
    # (child, kind)'s smallest offset.
    key = row_child * 3 + row_kind
    smallest = np.full(len(subgroup) * 3, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, key, offset)
    if (anchor[row_child, row_kind] < 0).any():
        raise RuntimeError("a behaviour row has no onset anchor")
    return np.minimum(anchor[row_child, row_kind] + offset - smallest[key], MAX_ONSET)


def _aimed_at_other(values: dict, sizes: dict, row_type, type_index: dict, rng) -> np.ndarray:
    """aimed_at_other per row: the exact number of "yes" (and "-9") per type, shuffled."""
    aimed = np.empty(len(row_type), dtype=object)
    shares = values["aimed_at_other_yes_share_by_type"]
    not_recorded = values["aimed_at_other_not_recorded_rows"]
    for code in type_index:
        rows = np.flatnonzero(row_type == type_index[code])
        if not len(rows):
            continue
        missing = min(
            len(rows), int(np.floor(int(not_recorded.get(code, 0)) * sizes["scale"] + 0.5))
        )
        yes = int(np.floor(float(shares.get(code, 1.0)) * (len(rows) - missing) + 0.5))
        counts = {NOT_RECORDED: missing, "yes": yes, "no": len(rows) - missing - yes}
        aimed[rows] = shuffled_codes(rng, counts, len(rows))
    return aimed


def _behaviour_columns(sample: dict, settings: dict, row_child, row_type, onset, aimed, trigger):
    """Rows ordered by child, then onset, then type and numbered 1..k per child; the columns,
    and each child's first and latest onset."""
    m = len(sample["case_index"])
    type_codes = list(settings)
    order = np.lexsort((row_type, onset, row_child))
    row_child, row_type, onset, aimed = (
        row_child[order],
        row_type[order],
        onset[order],
        aimed[order],
    )
    counts = np.bincount(row_child, minlength=m)
    starts = np.cumsum(counts) - counts
    sequence = np.arange(len(row_child)) - starts[row_child] + 1
    if (counts == 0).any():
        raise RuntimeError("an in-depth child has no behaviour rows")

    types = np.array(type_codes, dtype=object)
    behaviours = {
        "case_id": sample["case_id"][row_child],
        "behaviour_seq": sequence.astype(str).astype(object),
        "behaviour_type": types[row_type],
        "setting": np.array([settings[c] for c in type_codes], dtype=object)[row_type],
        "age_at_onset": TENTHS_TEXT[onset],
        "aimed_at_other": aimed,
    }
    nonempty = counts > 0
    onsets = {
        "first": np.minimum.reduceat(onset, starts[nonempty]) if len(onset) else onset,
        "latest": np.maximum.reduceat(onset, starts[nonempty]) if len(onset) else onset,
        "porn_trigger": trigger,
    }
    return behaviours, onsets
