"""The study page's section "Planning the next cohort": the plan that `compare.planner.plan_cohort`
wrote (results/internal/<cohort>/plan.csv, `PLAN_COLUMNS`) laid out for a reader.

Nothing is recomputed here: every number on the section is a cell of the plan, formatted. Per
claim the page shows the overall row (part 0) and, when the claim has several parts, the part
whose need sets the claim's (the part with the overall row's children assessed); every part with
its test and method is in a collapsed <details> below the table. The precision of the headline
prevalence (P1's precision part) has a table of its own.

The plan is internal only: it is computed from rows that have not been through disclosure
control (small groups' shares set its numbers), so a release-tier page names where the plan is
instead of showing it (`study.build_report` refuses a plan on a release page).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.planner import OVERALL_PART, PLAN_COLUMNS, PLANNABLE
from tahsb_analysis.render.pages.page import ReportError

# The planner's effect measure of the headline prevalence's precision part (compare/planner.py,
# `_precision_part`); a test builds a plan with plan_cohort and checks this row is found.
PRECISION_EFFECT_MEASURE = "share (precision)"
NOT_GIVEN = "\u2014"  # an em dash: the plan has no value here


def read_plan(path: str | Path) -> pd.DataFrame:
    """plan.csv as `plan_cohort` returned it (`PLAN_COLUMNS` and their dtypes). Raises
    ReportError naming the file (and missing columns, never a cell) when it is not a plan."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"plan {path}: no such file; make it with `tahsb plan --out` or the "
                          "workflow's rule plan")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [column for column in PLAN_COLUMNS if column not in frame.columns]
    if missing:
        raise ReportError(f"plan {path}: not a plan of compare/planner.py; missing columns: "
                          + ", ".join(missing))
    frame = frame[list(PLAN_COLUMNS)].copy()
    try:
        for column, dtype in PLAN_COLUMNS.items():
            values = frame[column]
            if dtype in ("Float64", "Int64"):
                values = pd.to_numeric(values)
            frame[column] = values.astype(dtype)
    except (ValueError, TypeError) as error:
        raise ReportError(f"plan {path}: a numeric column holds text (not a plan of "
                          "compare/planner.py)") from error
    return frame


# --- cells in words ----------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _text(value) -> str:
    return NOT_GIVEN if _missing(value) else str(value)


def _count(value) -> str:
    return NOT_GIVEN if _missing(value) else str(int(value))


def _number(value) -> str:
    return NOT_GIVEN if _missing(value) else f"{float(value):.3g}"


def _effect(row) -> str:
    """The effect seen and, for a comparison, the reference estimates it comes from: "Cohen's h
    0.712 (0.52 vs 0.18)"."""
    if _missing(row["effect"]):
        return NOT_GIVEN
    effect = f"{_text(row['effect_measure'])} {_number(row['effect'])}"
    if _missing(row["compared_estimate"]):
        return effect
    return f"{effect} ({_number(row['estimate'])} vs {_number(row['compared_estimate'])})"


def _per_group(row) -> str:
    """Children needed in each group compared: "20 and 73 (TA-HSB only vs dual)"."""
    if _missing(row["n_needed"]):
        return NOT_GIVEN
    needs = _count(row["n_needed"])
    if not _missing(row["compared_n_needed"]):
        needs += f" and {_count(row['compared_n_needed'])}"
    return needs if _missing(row["groups"]) else f"{needs} ({row['groups']})"


def _part(row) -> dict:
    return {
        "part": _count(row["part"]),
        "measure": _text(row["measure"]),
        "status": _text(row["status"]),
        "plannable": _text(row["status"]) == PLANNABLE,
        "test": _text(row["test"]),
        "effect": _effect(row),
        "per_group": _per_group(row),
        "population": _text(row["population"]),
        "in_depth_needed": _count(row["in_depth_needed"]),
        "children_needed": _count(row["children_needed"]),
        "method": _text(row["method"]),
        "reason": "" if _missing(row["reason"]) else str(row["reason"]),
    }


def _setting_part(overall, parts: pd.DataFrame):
    """The part whose need is the claim's (the overall row is the largest need of its parts):
    a plannable part with the overall row's children assessed, one with its in-depth sample
    too when there are several."""
    if _text(overall["status"]) != PLANNABLE or _missing(overall["children_needed"]):
        return None
    matches = [row for _, row in parts.iterrows()
               if _text(row["status"]) == PLANNABLE and not _missing(row["children_needed"])
               and row["children_needed"] == overall["children_needed"]]
    for row in matches:
        if _count(row["in_depth_needed"]) == _count(overall["in_depth_needed"]):
            return row
    return matches[0] if matches else None


def _claim(rows: pd.DataFrame) -> dict:
    overall = rows[rows["part"] == OVERALL_PART].iloc[0]
    parts = rows[rows["part"] != OVERALL_PART]
    shown = _part(overall)
    setting = _setting_part(overall, parts) if len(parts) else None
    if setting is not None:  # the effect and groups of the part that sets the need
        shown["effect"] = f"{_effect(setting)}, part {_count(setting['part'])}"
        shown["per_group"] = f"{_per_group(setting)}, part {_count(setting['part'])}"
    return {**shown, "finding": _text(overall["finding"]), "claim": _text(overall["claim"]),
            "id": f"plan-{overall['finding']}",
            "parts": [_part(row) for _, row in (parts if len(parts) else rows).iterrows()],
            "several_parts": bool(len(parts)),
            "overall_method": "" if _missing(overall["method"]) or not len(parts)
            else str(overall["method"])}


def _settings_text(values, as_percent: bool) -> str:
    values = pd.Series([values]) if not isinstance(values, pd.Series) else values
    kept = sorted({float(v) for v in values.dropna()})
    words = [f"{v:.0%}" if as_percent else f"{v:.3g}" for v in kept]
    return " and ".join(words) if words else NOT_GIVEN


def plan_context(plan: pd.DataFrame, cohort: str) -> dict:
    """The plan of `cohort` as the study page shows it: one entry per claim (register order),
    the precision row(s) of the headline prevalence, and the power and alpha planned for.
    Raises ReportError for a frame without the plan's columns or a plan of another cohort."""
    missing = [column for column in PLAN_COLUMNS if column not in plan.columns]
    if missing:
        raise ReportError("the plan lacks the columns of compare/planner.py: "
                          + ", ".join(missing))
    cohorts = sorted(plan["cohort"].dropna().astype(str).unique())
    if cohorts != [cohort]:
        raise ReportError(f"the plan is of cohort(s) {', '.join(cohorts) or 'none'}, not of "
                          f"{cohort}: plan this cohort's results table")
    findings = list(dict.fromkeys(plan["finding"].astype(str)))
    claims = [_claim(plan[plan["finding"].astype(str) == finding]) for finding in findings]
    precision = plan[plan["effect_measure"].eq(PRECISION_EFFECT_MEASURE).fillna(False)]
    return {
        "claims": claims,
        "n_plannable": sum(claim["plannable"] for claim in claims),
        "precision": [{**_part(row), "finding": _text(row["finding"]),
                       "estimate": _number(row["estimate"])}
                      for _, row in precision.iterrows()],
        "power": _settings_text(plan["power"], as_percent=True),
        # the register's alpha (published values, precision) and the directional claims'
        # (alpha / number of directional claims: Holm's strictest step)
        "alpha": _settings_text(plan["alpha"].dropna().max() if plan["alpha"].notna().any()
                                else plan["alpha"], as_percent=False),
        "alpha_directional": _settings_text(plan["alpha"].dropna().min()
                                            if plan["alpha"].notna().any() else plan["alpha"],
                                            as_percent=False),
    }
