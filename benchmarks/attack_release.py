"""Attack release folders as an outsider would and report how narrowly hidden counts are pinned
down (issue #14). Not a test: run it by hand (see benchmarks/README.md)::

    python benchmarks/attack_release.py --release results/release/synthetic-ttp-2015 \
        [--internal results/internal/synthetic-ttp-2015]
    python benchmarks/attack_release.py --generated [--only "40 children" ...]
    python benchmarks/attack_release.py            # every cohort in results/release, then the
                                                   # generated cohorts

For a release folder the attacker reads only its results_table.csv (all outputs together) and
the packaged codebook (`release.attack.attack_release`, `release.attack_summaries`). With
--internal the internal results table gives the true value of each hidden count (and the
relations it contradicts are dropped), and the gate's internal cell log gives the share of count
cells it hid.

--generated builds SYNTHETIC cohorts (benchmarks/cohorts.py: the packaged parameters scaled to
40 ... 1,200 children; the shipped cohort with 1, 5 or 9 girls, or 2 TA-HSB-only children),
validates them (`validation.validate_cohort`), runs every registered analysis with the settings
of config/config.yaml and the disclosure gate with config/disclosure_policy.yaml in this process,
records whether the gate produced a release, stopped (cells it found recoverable itself) or
crashed (the exception's type only: never a message, which could quote a value), and attacks
whatever release it produced.

Printed: one Markdown table row per cohort, then examples of the hidden cells recovered or
narrowly bounded, by key only (output, variable, level, group); never a value.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cohorts  # noqa: E402  (benchmarks/cohorts.py, beside this script)

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "config.yaml"
POLICY = REPO / "config" / "disclosure_policy.yaml"
EXAMPLES = 3
PRESET = None  # the policy's default preset unless --preset says otherwise
PROTECTION_INTERVAL = 10  # read from the policy in main()
HEADER = ("| cohort | release | headline prevalence (P1) released | count cells hidden (primary + "
          "secondary) | hidden cells attacked | recovered exactly (structure only) | within 1 "
          "| within 2 | narrower than the protection interval | age counts pinned / within 1 |")
RULE = "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
HEADLINE = "prevalence_overall"


# --- attacking one release ------------------------------------------------------------------


def gate_shares(cells: pd.DataFrame | None) -> str:
    """Share of the count cells the release shows that the gate hid, split by reason."""
    if cells is None or not len(cells):
        return "n/a"
    shown = cells[cells["shown"].astype(bool)]
    hidden = shown[shown["status"] == "suppressed"]
    if "suppression" in hidden:
        secondary = int(hidden["suppression"].eq("secondary").sum())
    else:  # a cell log written before primary and secondary were told apart
        secondary = hidden["reason"].fillna("").str.startswith("secondary").sum()
    primary = len(hidden) - secondary
    return (f"{len(hidden)}/{len(shown)} ({100 * len(hidden) / max(len(shown), 1):.0f}%: "
            f"{primary} + {secondary})")


def attack(release: pd.DataFrame, internal: pd.DataFrame | None) -> dict:
    from tahsb_analysis.release.attack import attack_release, summarise
    from tahsb_analysis.release.attack_summaries import attack_summaries

    start = time.perf_counter()
    found = attack_release(release, internal)
    structural = summarise(attack_release(release, internal, use_inferred=False).cells)
    narrow_count = int((found.cells["width"] < PROTECTION_INTERVAL).sum())
    ages = attack_summaries(release)
    width = ages["maximum"] - ages["minimum"]
    pinned = ages[ages["exact"] & (ages["minimum"] >= 1)]
    narrow = ages[width == 1]
    return {
        "summary": summarise(found.cells),
        "narrow": narrow_count,
        "exact_structural": structural["exact"],
        "cells": found.cells,
        "ages": ages,
        "ages_pinned": f"{len(pinned)} / {len(narrow)}",
        "age_groups_pinned": sorted({(r.output, r.variable, r.group)
                                     for r in pd.concat([pinned, narrow]).itertuples(index=False)}),
        "notes": found.notes,
        "truth_consistent": found.truth_consistent,
        "seconds": time.perf_counter() - start,
    }


def headline_released(release: pd.DataFrame | None) -> str:
    """Whether the headline prevalence (P1: any TA-HSB among all children assessed) is
    released."""
    if release is None:
        return "-"
    rows = release[(release["output"] == HEADLINE) & (release["level"] == "any_ta_hsb")
                   & release["group"].isna()]
    return "yes" if len(rows) and rows["disclosure"].eq("released").all() else "no"


def row(name: str, status: str, shares: str, result: dict | None, headline: str = "-") -> str:
    if result is None:
        return f"| {name} | {status} | {headline} | {shares} | - | - | - | - | - | - |"
    s = result["summary"]
    return (f"| {name} | {status} | {headline} | {shares} | {s['hidden']} | {s['exact']} "
            f"({result['exact_structural']}) | {s['width_1']} | {s['width_2']} "
            f"| {result['narrow']} | {result['ages_pinned']} |")


def _key_text(cell) -> str:
    group = f"{cell.group_variable}={cell.group}" if cell.group_variable else "all children"
    what = cell.role if cell.role != "count" else f"{cell.variable}: {cell.level}"
    if cell.role == "denominator":
        what = f"denominator of {cell.variable}" + (f" ({cell.level})" if cell.level else "")
    if cell.role == "population":
        what = "group size"
    return f"{what} [{group}; {cell.outputs}]"


def examples(name: str, result: dict) -> list[str]:
    """Up to EXAMPLES keys per kind of leak, no values."""
    cells = result["cells"]
    lines = []
    shown = int((cells["exact"] & cells["shown_elsewhere"]).sum())
    kinds = ((f"recovered exactly ({shown} shown by another row)", cells["exact"]),
             ("bounded within 1", cells["width"] == 1),
             ("bounded within 2", cells["width"] == 2))
    for label, mask in kinds:
        chosen = cells[mask]
        if len(chosen):
            keys = "; ".join(_key_text(c) for c in chosen.head(EXAMPLES).itertuples())
            more = f" (+{len(chosen) - EXAMPLES} more)" if len(chosen) > EXAMPLES else ""
            lines.append(f"- {name}, {label}: {keys}{more}")
    if result["age_groups_pinned"]:
        groups = "; ".join(f"{variable} [{group}; {output}]"
                           for output, variable, group in result["age_groups_pinned"])
        lines.append(f"- {name}, children of an age pinned or bounded within 1: {groups}")
    if result["truth_consistent"] is False:
        lines.append(f"- {name}: the true values break an assumed relation; bounds unreliable")
    lines += [f"- {name}: {note}" for note in result["notes"]]
    return lines


# --- release folders ------------------------------------------------------------------------


def attack_folder(release_dir: Path, internal_dir: Path | None) -> tuple[str, list[str]]:
    release = pd.read_csv(release_dir / "results_table.csv", keep_default_na=True)
    internal = cells = None
    if internal_dir is not None:
        internal = pd.read_csv(internal_dir / "results_table.csv")
        log = internal_dir / "disclosure_cells.csv"
        cells = pd.read_csv(log) if log.exists() else None
    result = attack(release, internal)
    name = release_dir.name
    return (row(name, "yes", gate_shares(cells), result, headline_released(release)),
            examples(name, result))


# --- generated cohorts ----------------------------------------------------------------------


def run_cohort(tables: dict[str, pd.DataFrame], config: dict, policy):
    """(status, gate outcome or None) of one cohort run in this process."""
    from tahsb_analysis.analyses.run import ANALYSES, analysis_settings, run_analysis
    from tahsb_analysis.input.codebook import load_codebook
    from tahsb_analysis.input.validation import validate_cohort
    from tahsb_analysis.release.disclosure import apply_disclosure_control
    from tahsb_analysis.results.schema import concat_results

    with tempfile.TemporaryDirectory() as folder:
        paths = cohorts.write_tables(tables, Path(folder))
        try:
            cohort = validate_cohort(paths, load_codebook())
        except Exception as error:  # noqa: BLE001 - reported by type, never by message
            return f"invalid input ({type(error).__name__})", None, None
    stage = "analysis"
    try:
        parts = []
        for name in ANALYSES:
            stage = name
            parts.append(run_analysis(name, cohort, analysis_settings(name, config)))
        stage = "disclosure gate"
        results = concat_results(parts)
        outcome = apply_disclosure_control(results, policy)
    except Exception as error:  # noqa: BLE001 - reported by type, never by message
        return f"crashed in {stage} ({type(error).__name__})", None, None
    if outcome.unprotected:
        return f"yes ({outcome.unprotected} short of protection)", outcome, results
    return "yes", outcome, results


def attack_generated(only: list[str] | None) -> tuple[list[str], list[str]]:
    import yaml

    from tahsb_analysis.release.policy import load_policy

    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    policy = load_policy(POLICY, PRESET)
    rows, notes = [], []
    for name, build in cohorts.benchmark_cohorts().items():
        if only and name not in only:
            continue
        status, outcome, results = run_cohort(build(), config, policy)
        if outcome is None:
            rows.append(row(name, status, "n/a", None))
            continue
        result = attack(outcome.release, outcome.redesigned)
        rows.append(row(name, status, gate_shares(outcome.cells), result,
                        headline_released(outcome.release)))
        notes += examples(name, result)
        print(f"  {name}: {status}, attacked in {result['seconds']:.1f} s", file=sys.stderr)
    return rows, notes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, action="append", default=[],
                        help="a release folder (results/release/<cohort>); repeatable")
    parser.add_argument("--internal", type=Path, action="append", default=[],
                        help="the matching internal folder, in the same order as --release")
    parser.add_argument("--generated", action="store_true", help="attack generated cohorts")
    parser.add_argument("--only", nargs="*", help="generated cohorts to run, by name")
    parser.add_argument("--preset", help="preset of the disclosure policy (default: its own)")
    args = parser.parse_args(argv)
    global PRESET, PROTECTION_INTERVAL
    from tahsb_analysis.release.policy import load_policy

    PRESET = args.preset
    PROTECTION_INTERVAL = load_policy(POLICY, PRESET).protection.interval
    releases, internals = args.release, args.internal
    if not releases and not args.generated:
        releases = sorted(p for p in (REPO / "results" / "release").iterdir()
                          if (p / "results_table.csv").exists())
        internals = [REPO / "results" / "internal" / p.name for p in releases]
        args.generated = True
    if internals and len(internals) != len(releases):
        parser.error("give one --internal per --release, or none")
    start = time.perf_counter()
    rows, notes = [], []
    for i, folder in enumerate(releases):
        line, more = attack_folder(folder, internals[i] if internals else None)
        rows.append(line)
        notes += more
    if args.generated:
        more_rows, more_notes = attack_generated(args.only)
        rows += more_rows
        notes += more_notes
    print("\n".join([HEADER, RULE, *rows, "", *notes]))
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
