"""What a release still says: the utility report of the disclosure gate, and what an output
checker still has to look at.

For the preset applied and for every other preset of the policy file: the share of count cells
released (rounded or exact), primary and secondary suppressions, and which published findings
are reportable (their replication verdict is not "insufficient data" on the release table).
Names and counts only, never a value of a cell, so it may travel with the release.
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.results.schema import RELEASED, SUPPRESSED

# The replication verdict of a finding the release cannot speak to.
NOT_REPORTABLE = "insufficient data"


def cell_counts(cells: pd.DataFrame) -> dict:
    """Count cells shown by the release table: how many, released, hidden (primary and
    secondary), and the share released."""
    shown = cells[cells["shown"].astype(bool)]
    hidden = shown["status"].eq(SUPPRESSED)
    kind = shown["suppression"] if "suppression" in shown else pd.Series("", index=shown.index)
    total = len(shown)
    released = int(shown["status"].eq(RELEASED).sum())
    return {
        "count_cells": total,
        "count_cells_released": released,
        "count_cells_primary": int((hidden & kind.eq("primary")).sum()),
        "count_cells_secondary": int((hidden & kind.eq("secondary")).sum()),
        "share_released": round(released / total, 4) if total else None,
    }


def reportable_findings(replication: pd.DataFrame) -> list[dict]:
    """Each finding's part as the release's replication table judges it: reportable or not,
    and why not (the replication reason names the missing or suppressed rows)."""
    rows = []
    for record in replication.itertuples(index=False):
        reportable = record.verdict != NOT_REPORTABLE
        rows.append({
            "finding": str(record.finding),
            "part": int(record.part),
            "claim": str(record.claim),
            "reportable": bool(reportable),
            "reason": "" if reportable else str(record.reason),
        })
    return rows


def preset_utility(name: str, outcome, replication: pd.DataFrame) -> dict:
    """The utility of one preset's release."""
    findings = reportable_findings(replication)
    return {
        "preset": name,
        "rounding": outcome.policy.rounding,
        **cell_counts(outcome.cells),
        "findings_reportable": sum(f["reportable"] for f in findings),
        "findings": len(findings),
        "cells_unprotected": int(outcome.unprotected),
    }


def utility_report(outcome, replication: pd.DataFrame,
                   alternatives: dict[str, tuple]) -> dict:
    """The utility report of the applied preset (`outcome`, with the replication table of its
    release) and a comparison row for each other preset (name -> (outcome, replication))."""
    return {
        **preset_utility(outcome.policy.preset, outcome, replication),
        "finding_parts": reportable_findings(replication),
        "other_presets": [preset_utility(name, other, other_replication)
                          for name, (other, other_replication) in sorted(alternatives.items())],
    }


def checker_actions(summary: dict, policy: dict) -> list[str]:
    """What an output checker still has to look at before the release is published, from the
    gate's summary (`disclosure_summary`). Never empty: a release is a candidate until a person
    has checked it."""
    actions = []
    if summary.get("cells_unprotected"):
        actions.append(
            f"{summary['cells_unprotected']} hidden counts could not be given their protection "
            "interval: do not release the outputs listed as 'fail' in the manifest")
    hidden = summary.get("cells_suppressed", 0)
    if hidden:
        actions.append(
            f"confirm the suppression of {hidden} counts ({summary.get('cells_primary', 0)} "
            f"primary, {summary.get('cells_secondary', 0)} secondary) and that no table "
            "outside this release shows them")
    if policy.get("rounding") not in (None, "none"):
        actions.append(f"confirm that counts rounded to base {policy.get('rounding_base')} "
                       "are acceptable for this release")
    actions.append("read every file marked 'review' in the manifest, including figures, "
                   "captions and alt text, and check that the release goes to its intended "
                   "audience only")
    return actions
