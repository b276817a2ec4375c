"""The release manifest: every file of a cohort's release tier, its status for the output
checker (pass / review / fail, as in ACRO), its SHA-256, and every suppressed cell with its
reason. The manifest names cells; it never shows their values.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.schema import SUPPRESSED
from tahsb_analysis.vocabulary import RELEASE_TIER

PASS = "pass"
REVIEW = "review"
FAIL = "fail"
MANIFEST_VERSION = "1"

NOT_COVERED = "output not covered by the disclosure policy"


# The files a drawn figure consists of, by suffix after its stem (render/figures/output.py):
# the journal PNG, SVG and PDF, the screen preview the report embeds, alt text and caption.
FIGURE_FILE_SUFFIXES = (".png", ".screen.png", ".svg", ".pdf", ".alt.txt", ".caption.txt")


def release_files(files, figure_pngs) -> list[Path]:
    """The files of a release folder: `files`, and every file of each figure given by its PNG."""
    figures = [Path(png) for png in figure_pngs]
    return [Path(f) for f in files] + [png.with_name(png.stem + suffix) for png in figures
                                        for suffix in FIGURE_FILE_SUFFIXES]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The tier's workbook of every table (render/xlsx_tables.py): it shows every table output.
TABLES_WORKBOOK = "tables.xlsx"


def _outputs_of(relative: str, figure_outputs: dict,
                table_outputs: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The results-table outputs a released file shows; None for whole-table files."""
    parts = Path(relative).parts
    if parts == ("tables", TABLES_WORKBOOK):
        return tuple(table_outputs)
    if len(parts) == 2 and parts[0] == "tables":
        return (parts[1].split(".")[0],)
    if len(parts) == 2 and parts[0] == "figures":
        return tuple(figure_outputs.get(parts[1].split(".")[0], ()))
    return None


def output_status(release: pd.DataFrame, outputs: tuple[str, ...] | None) -> tuple[str, list]:
    """Status and reasons of a file showing `outputs` of the release table (None: all of it).

    pass: nothing had to be hidden. review: cells were suppressed (an output checker confirms
    the suppression is complete) or counts were rounded. fail: rows of an output the policy
    does not cover, which the gate hid whole.
    """
    rows = release if outputs is None else release[release["output"].isin(outputs)]
    if outputs is not None and not len(rows) and outputs:
        return REVIEW, ["no rows for this output in the release table"]
    suppressed = rows["disclosure"].eq(SUPPRESSED)
    reasons = rows.loc[suppressed, "disclosure_reason"].fillna("")
    if reasons.str.contains(NOT_COVERED, regex=False).any():
        return FAIL, [NOT_COVERED]
    notes = []
    if suppressed.any():
        notes.append(f"{int(suppressed.sum())} of {len(rows)} rows suppressed")
    rounded = rows.loc[~suppressed, "disclosure_reason"].dropna()
    rounded = rounded[rounded.str.startswith("counts rounded")]
    if len(rounded):
        notes.append(str(rounded.iloc[0]))
    differencing = rows.loc[~suppressed, "warning"].fillna("").str.contains("differencing:")
    if differencing.any():
        notes.append(f"{int(differencing.sum())} rows at differencing risk if the cohorts overlap")
    return (REVIEW if notes else PASS), notes


def build_manifest(
    release_dir: Path,
    files: list[Path],
    release: pd.DataFrame,
    disclosure: dict,
    not_released: dict[str, str],
    figure_outputs: dict | None = None,
    table_outputs: tuple[str, ...] | None = None,
) -> dict:
    """The manifest of one release folder (a JSON-ready dict, sorted for determinism).

    `figure_outputs` maps a figure's stem to the outputs it draws (default: the figures the
    output registry draws from the results table, `Registry.figure_sources`); `table_outputs`
    are the outputs the tables workbook holds (default: the registry's release tables)."""
    if figure_outputs is None:
        figure_outputs = load_registry().figure_sources()
    if table_outputs is None:
        table_outputs = tuple(load_registry().table_outputs(RELEASE_TIER))
    release_dir = Path(release_dir)
    unprotected = int(disclosure.get("summary", {}).get("cells_unprotected") or 0)
    entries = []
    for path in sorted({Path(f) for f in files}, key=lambda p: p.as_posix()):
        relative = path.relative_to(release_dir).as_posix()
        outputs = _outputs_of(relative, figure_outputs, table_outputs)
        status, reasons = output_status(release, outputs)
        if relative == "disclosure.json":
            status, reasons = PASS, ["names and reasons of suppressed cells only, no values"]
        elif unprotected:
            status, reasons = FAIL, [*reasons, f"{unprotected} hidden counts lack their "
                                     "protection interval (see the internal cell log)"]
        entries.append(
            {
                "path": relative,
                "status": status,
                "reasons": reasons,
                "sha256": sha256(path),
                "bytes": path.stat().st_size,
            }
        )
    statuses = [e["status"] for e in entries]
    return {
        "manifest_version": MANIFEST_VERSION,
        "cohort": disclosure["cohort"],
        "synthetic": disclosure["synthetic"],
        "policy": disclosure["policy"],
        "summary": {
            **disclosure["summary"],
            "files": len(entries),
            "files_pass": statuses.count(PASS),
            "files_review": statuses.count(REVIEW),
            "files_fail": statuses.count(FAIL),
        },
        "checker_actions": list(disclosure.get("checker_actions") or []),
        "utility": disclosure.get("utility"),
        "files": entries,
        "not_released": [
            {"path": path, "status": FAIL, "reason": reason}
            for path, reason in sorted(not_released.items())
        ],
        "suppressed_cells": disclosure["suppressed_cells"],
    }


def rows_summary(release: pd.DataFrame, policy_summary: dict, label: str) -> dict:
    """The part of a manifest that describes the rows of a released table (no values)."""
    suppressed = release[release["disclosure"] == SUPPRESSED]
    columns = ["output", "variable", "level", "group_variable", "group", "statistic",
               "disclosure_reason"]
    cells = [
        {("reason" if k == "disclosure_reason" else k): (None if pd.isna(v) else str(v))
         for k, v in record.items()}
        for record in suppressed[columns].to_dict("records")
    ]
    return {
        "cohort": label,
        "synthetic": bool(release["synthetic"].fillna(False).any()),
        "policy": policy_summary,
        "summary": {
            "rows": len(release),
            "rows_released": int((release["disclosure"] != SUPPRESSED).sum()),
            "rows_suppressed": len(suppressed),
        },
        "suppressed_cells": cells,
    }


def write_manifest_json(manifest: dict, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=False)
        handle.write("\n")


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def manifest_markdown(manifest: dict) -> str:
    """The manifest as a page an output checker reads."""
    summary = manifest["summary"]
    policy = manifest["policy"]
    lines = [
        f"# Release manifest: cohort {manifest['cohort']}",
        "",
    ]
    if manifest["synthetic"]:
        lines += ["**SYNTHETIC DATA: describes no real child**", ""]
    lines += [
        f"Disclosure policy version {policy['version']} ({policy['source']}), preset "
        f"{policy.get('preset', '')}: threshold {policy['threshold']}; zero cells disclosive: "
        f"{policy['zeros_disclosive']}; complements checked: {policy['check_complements']}; "
        f"rounding: {policy.get('rounding', 'none')} (base {policy['rounding_base']}); "
        f"secondary suppression: {policy['secondary_suppression']}; protection: "
        f"{_protection_text(policy.get('protection'))}.",
        "",
        f"Rows released: {summary['rows_released']} of {summary['rows']}; rows suppressed: "
        f"{summary['rows_suppressed']}. Files: {summary['files']} ({summary['files_pass']} pass, "
        f"{summary['files_review']} review, {summary['files_fail']} fail).",
        "",
    ]
    lines += _status_lines(manifest)
    lines += utility_markdown(manifest.get("utility"))
    lines += [
        "## Files",
        "",
        "| file | status | reasons | SHA-256 |",
        "|---|---|---|---|",
    ]
    for entry in manifest["files"]:
        lines.append(
            f"| {_cell(entry['path'])} | {entry['status']} | {_cell('; '.join(entry['reasons']))}"
            f" | `{entry['sha256']}` |"
        )
    lines += ["", "## Not released", "", "| output | status | reason |", "|---|---|---|"]
    for entry in manifest["not_released"]:
        lines.append(f"| {_cell(entry['path'])} | {entry['status']} | {_cell(entry['reason'])} |")
    lines += [
        "",
        "## Suppressed cells",
        "",
        "| output | variable | level | group variable | group | statistic | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell in manifest["suppressed_cells"]:
        values = [cell.get(k) for k in ("output", "variable", "level", "group_variable", "group",
                                         "statistic", "reason")]
        lines.append("| " + " | ".join(_cell("" if v is None else v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def _protection_text(protection) -> str:
    if not protection:
        return "not stated"
    return (f"lower {protection['lower']}, upper {protection['upper']}, interval "
            f"{protection['interval']}")


def _status_lines(manifest: dict) -> list[str]:
    """The release's status in words: never "checked" while a file needs review."""
    summary = manifest["summary"]
    if summary.get("files_fail"):
        head = "**Status: NOT releasable as it stands** (files marked fail)."
    elif summary.get("files_review"):
        head = ("**Status: release candidate, not yet checked.** Disclosure control was "
                "applied; an output checker must still:")
    else:
        head = "**Status: disclosure control applied; nothing needed review.** An output " \
               "checker must still:"
    lines = [head, ""]
    lines += [f"- {action}" for action in manifest.get("checker_actions") or []]
    return lines + [""]


def utility_markdown(utility: dict | None) -> list[str]:
    """The utility report as Markdown: this preset's release and each other preset's."""
    if not utility:
        return []
    lines = [
        "## What this release says (utility report)",
        "",
        f"Preset {utility['preset']}: {utility['count_cells_released']} of "
        f"{utility['count_cells']} count cells released ({_share(utility['share_released'])}); "
        f"{utility['count_cells_primary']} hidden by the threshold rules (primary), "
        f"{utility['count_cells_secondary']} hidden to protect them (secondary); "
        f"{utility['findings_reportable']} of {utility['findings']} finding parts reportable.",
        "",
        "| finding | part | reportable | why not |",
        "|---|---|---|---|",
    ]
    for part in utility.get("finding_parts", []):
        lines.append(f"| {part['finding']} | {part['part']} | "
                     f"{'yes' if part['reportable'] else 'no'} | {_cell(part['reason'])} |")
    lines += ["", "| preset | rounding | count cells released | primary | secondary | "
              "finding parts reportable |", "|---|---|---|---|---|---|"]
    for row in [utility, *utility.get("other_presets", [])]:
        lines.append(
            f"| {row['preset']} | {row['rounding']} | {row['count_cells_released']} of "
            f"{row['count_cells']} ({_share(row['share_released'])}) | "
            f"{row['count_cells_primary']} | {row['count_cells_secondary']} | "
            f"{row['findings_reportable']} of {row['findings']} |")
    return lines + [""]


def _share(value) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"
