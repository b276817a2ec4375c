"""Checks across the three tables (children known in cases, in-depth sample, behaviour
settings, onset ages), using only cells that passed their own checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tahsb_analysis.input.checked import (
    _CheckedTable,
    _problems_at,
)
from tahsb_analysis.input.codebook import Codebook
from tahsb_analysis.input.messages import (
    FIRST_HSB_AFTER_ONSET,
    FIRST_HSB_AFTER_REFERRAL,
    NO_CASE_FILE_ROW,
    NOT_IN_DEPTH,
    OFFLINE_BUT_NO_OFFLINE_HSB,
    OFFLINE_HSB_WITHOUT_OFFLINE,
    ONLINE_BUT_NO_TA_HSB,
    ONSET_AFTER_REFERRAL,
    PORN_TRIGGER_WITHOUT_OFFLINE,
    SETTING_MISMATCH,
    TA_HSB_WITHOUT_ONLINE,
    UNKNOWN_CHILD,
)

# ---------------------------------------------------------------------------------------------
# Cross-table checks


@dataclass
class _Children:
    """One entry per valid, first-seen case_id of the cases table."""

    ids: pd.Index
    cases_rows: np.ndarray  # row number of the child's cases row
    in_depth: np.ndarray  # code text or None (cell invalid or column absent)
    ta_hsb: np.ndarray
    offline_hsb: np.ndarray
    age_at_referral: np.ndarray  # NaN unless a valid, recorded age

    def positions(self, detail: _CheckedTable) -> np.ndarray:
        """For each row of `detail`, the position of its child here, or -1."""
        column = detail.columns["case_id"]
        distinct = self.ids.get_indexer(pd.Index(column.uniques, dtype=object))
        return np.where(column.ok, distinct[column.codes], -1)


def _children(cases: _CheckedTable) -> _Children:
    keep = cases.columns["case_id"].ok & ~cases.duplicate
    count = int(keep.sum())

    def values(name: str) -> np.ndarray:
        if not cases.has(name):
            return np.full(count, None, dtype=object)
        return cases.columns[name].value()[keep]

    referral = (cases.columns["age_at_referral"].numbers[keep] if cases.has("age_at_referral")
                else np.full(count, np.nan))
    return _Children(
        ids=pd.Index(cases.columns["case_id"].text()[keep], dtype=object),
        cases_rows=cases.rows[keep],
        in_depth=values("in_depth_sample"),
        ta_hsb=values("ta_hsb"),
        offline_hsb=values("offline_hsb"),
        age_at_referral=referral,
    )


def _take(values: np.ndarray, positions: np.ndarray, fill=None) -> np.ndarray:
    """values[positions], with `fill` where the position is -1."""
    taken = values[np.maximum(positions, 0)] if len(values) else np.full(len(positions), fill)
    taken = taken.astype(object if fill is None else float)
    taken[positions < 0] = fill
    return taken


def _cross_table_problems(tables: dict[str, _CheckedTable], codebook: Codebook
                          ) -> list[tuple[str, pd.DataFrame]]:
    problems: list[tuple[str, pd.DataFrame]] = []
    cases = tables.get("cases")
    case_file = tables.get("case_file")
    behaviours = tables.get("behaviours")
    settings = codebook.behaviour_settings()

    if behaviours is not None and behaviours.has("behaviour_type", "setting"):
        problems += _setting_mismatch(behaviours, settings)
    if cases is None or not cases.has("case_id"):
        return problems

    children = _children(cases)
    in_depth = children.in_depth == "yes"
    detail_tables = {name: table for name, table in (("case_file", case_file),
                                                     ("behaviours", behaviours))
                     if table is not None and table.has("case_id")}
    positions: dict[str, np.ndarray] = {}
    belongs: dict[str, np.ndarray] = {}
    for name, detail in detail_tables.items():
        position = children.positions(detail)
        unknown = detail.columns["case_id"].ok & (position < 0)
        # With a broken case_id in cases, an id missing from cases may be that row's: the
        # broken cell is reported, and no foreign-key problem is added on top of it.
        if unknown.any() and cases.all_ok("case_id"):
            problems.append((name, _problems_at(
                detail.source, detail.rows[unknown], "case_id", UNKNOWN_CHILD,
                f"a case_id listed in {cases.source}")))
        child_in_depth = _take(children.in_depth, position)
        not_in_depth = (position >= 0) & (child_in_depth == "no")
        if not_in_depth.any():
            problems.append((name, _problems_at(
                detail.source, detail.rows[not_in_depth], "case_id", NOT_IN_DEPTH,
                f"rows only for children with in_depth_sample = yes in {cases.source}")))
        positions[name] = position
        # Rows of in-depth children, each once: the rows the consistency checks judge.
        belongs[name] = (position >= 0) & (child_in_depth == "yes") & ~detail.duplicate

    if "case_file" in detail_tables and case_file.all_ok("case_id"):
        listed = np.zeros(len(children.ids), dtype=bool)
        listed[positions["case_file"][positions["case_file"] >= 0]] = True
        lacking = in_depth & ~listed
        if lacking.any():
            problems.append(("cases", _problems_at(
                cases.source, children.cases_rows[lacking], "in_depth_sample",
                NO_CASE_FILE_ROW,
                f"one row in {case_file.source} for every child with in_depth_sample = yes")))

    if "behaviours" in detail_tables and behaviours.has("behaviour_type"):
        problems += _behaviour_consistency(cases, children, in_depth, behaviours,
                                           positions["behaviours"], belongs["behaviours"],
                                           settings)

    if "case_file" in detail_tables:
        position = positions["case_file"]
        rows_ok = belongs["case_file"]
        if case_file.has("age_first_hsb"):
            problems += _onset_after_referral(case_file, "age_first_hsb", rows_ok, position,
                                              children, FIRST_HSB_AFTER_REFERRAL, cases.source)
        if case_file.has("porn_trigger_offline"):
            recorded = case_file.columns["porn_trigger_offline"].holds("yes", "no")
            wrong = rows_ok & recorded & (_take(children.offline_hsb, position) == "no")
            if wrong.any():
                problems.append(("case_file", _problems_at(
                    case_file.source, case_file.rows[wrong], "porn_trigger_offline",
                    PORN_TRIGGER_WITHOUT_OFFLINE,
                    "-8 (not applicable) when the child displayed no offline HSB")))
        if (case_file.has("age_first_hsb") and "behaviours" in detail_tables
                and behaviours.has("age_at_onset") and behaviours.all_ok("case_id")):
            problems += _first_hsb_after_onset(case_file, rows_ok, position, behaviours,
                                               positions["behaviours"], len(children.ids))
    return problems


def _type_settings(behaviours: _CheckedTable, settings: dict[str, str]) -> np.ndarray:
    """Per row: the codebook's setting of the behaviour type, None if the type is invalid."""
    column = behaviours.columns["behaviour_type"]
    distinct = np.array([settings.get(code) for code in column.uniques], dtype=object)
    setting = distinct[column.codes]
    setting[~column.ok] = None
    return setting


def _setting_mismatch(behaviours: _CheckedTable, settings: dict[str, str]):
    setting = behaviours.columns["setting"]
    implied = _type_settings(behaviours, settings)
    both_ok = setting.ok & behaviours.columns["behaviour_type"].ok
    wrong = both_ok & (setting.text() != implied)
    if not wrong.any():
        return []
    return [("behaviours", _problems_at(
        behaviours.source, behaviours.rows[wrong], "setting", SETTING_MISMATCH,
        "the setting the codebook gives the behaviour type (online or offline)"))]


def _behaviour_consistency(cases, children, in_depth, behaviours, position, rows_ok, settings):
    problems = []
    setting = _type_settings(behaviours, settings)
    online = setting == "online"
    offline = setting == "offline"
    for of_setting, flag, message in ((online, "ta_hsb", ONLINE_BUT_NO_TA_HSB),
                                      (offline, "offline_hsb", OFFLINE_BUT_NO_OFFLINE_HSB)):
        wrong = rows_ok & of_setting & (_take(getattr(children, flag), position) == "no")
        if wrong.any():
            problems.append(("behaviours", _problems_at(
                behaviours.source, behaviours.rows[wrong], "behaviour_type", message,
                f"{flag} = yes in {cases.source}, or no such behaviour for this child")))

    if behaviours.all_ok("case_id"):
        # A row whose case_id is broken could belong to any child: then no child is judged.
        count = len(children.ids)
        known = position >= 0
        has_online, has_offline, type_unknown = (np.zeros(count, dtype=bool) for _ in range(3))
        has_online[position[known & online]] = True
        has_offline[position[known & offline]] = True
        type_unknown[position[known & ~behaviours.columns["behaviour_type"].ok]] = True
        judged = in_depth & ~type_unknown
        for flag, has, setting_name, message in (
                ("ta_hsb", has_online, "online", TA_HSB_WITHOUT_ONLINE),
                ("offline_hsb", has_offline, "offline", OFFLINE_HSB_WITHOUT_OFFLINE)):
            lacking = judged & (getattr(children, flag) == "yes") & ~has
            if lacking.any():
                problems.append(("cases", _problems_at(
                    cases.source, children.cases_rows[lacking], flag, message,
                    f"at least one {setting_name} behaviour in {behaviours.source}, "
                    f"or {flag} = no")))

    if behaviours.has("age_at_onset"):
        problems += _onset_after_referral(behaviours, "age_at_onset", rows_ok, position,
                                          children, ONSET_AFTER_REFERRAL, cases.source)
    return problems


def _onset_after_referral(detail, column, rows_ok, position, children, message, cases_source):
    # Age at referral is in whole years, so a child referred at 14 may have been 14.9.
    onset = detail.columns[column].numbers
    referral = _take(children.age_at_referral, position, fill=np.nan)
    with np.errstate(invalid="ignore"):
        late = rows_ok & (onset >= referral + 1)
    if not late.any():
        return []
    return [(detail.spec.name, _problems_at(
        detail.source, detail.rows[late], column, message,
        f"an age below the child's age_at_referral in {cases_source} plus one year "
        "(age at referral is in whole years)"))]


def _first_hsb_after_onset(case_file, rows_ok, position, behaviours, behaviour_position, count):
    onset_column = behaviours.columns["age_at_onset"]
    known = behaviour_position >= 0
    earliest = np.full(count, np.inf)
    recorded = known & ~np.isnan(onset_column.numbers)
    np.minimum.at(earliest, behaviour_position[recorded], onset_column.numbers[recorded])
    # A child with an unreadable onset age is not judged: the unreadable one may be earliest.
    unreadable = np.zeros(count, dtype=bool)
    unreadable[behaviour_position[known & ~onset_column.ok]] = True
    first_hsb = case_file.columns["age_first_hsb"].numbers
    child_earliest = _take(earliest, position, fill=np.inf)
    child_unreadable = _take(unreadable, position, fill=True).astype(bool)
    with np.errstate(invalid="ignore"):
        late = rows_ok & ~child_unreadable & (first_hsb > child_earliest)
    if not late.any():
        return []
    return [("case_file", _problems_at(
        case_file.source, case_file.rows[late], "age_first_hsb", FIRST_HSB_AFTER_ONSET,
        f"an age no later than the earliest age_at_onset of the child's rows in "
        f"{behaviours.source}"))]


