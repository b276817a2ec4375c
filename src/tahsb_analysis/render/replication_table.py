"""The replication table: an evaluation of the replication register (`compare.replication`)
laid out as a table, one line per finding and per part, and written as CSV, Markdown and HTML.
Nothing is evaluated here; the cells are worded as in the verdicts' reasons (`compare.wording`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import OVERALL_PART
from tahsb_analysis.compare.verdicts import CONSISTENT, INSUFFICIENT, NOT_CONSISTENT
from tahsb_analysis.compare.wording import count_text, is_missing, number_text, with_ci
from tahsb_analysis.render import tables
from tahsb_analysis.spreadsheet import to_csv_neutralised

REPLICATION_OUTPUT = "replication"
REPLICATION_TITLE = "Published findings of Hollis and Belton (2017) checked on"
SYNTHETIC_TITLE_NOTE = "SYNTHETIC cohort: consistent by construction"
SYNTHETIC_FOOTNOTE = (
    "SYNTHETIC cohort: it was generated to match the published findings, so consistency here "
    "holds by construction. It shows that the pipeline's arithmetic reproduces what the "
    "cohort was built to contain; it is no evidence for or against the findings themselves."
)
HEADER = ["Finding", "Published", "This cohort (estimate, CI, n/N)", "Verdict"]


def _cohort_cell(row, parts_of_finding: int) -> str:
    """ "46.0% (95% CI 40.0 to 51.7), 126/275"; the two rows of a comparison joined by "vs",
    in the order the Finding column names them."""
    if row["part"] == OVERALL_PART and parts_of_finding > 1:
        return f"see {row['finding']}.1 to {row['finding']}.{parts_of_finding}"
    if is_missing(row["estimate"]) and is_missing(row["n"]):
        return tables.NOT_AVAILABLE
    statistic, unit = row["statistic"], row["unit"]
    if statistic == "rank":
        count = count_text(row["n"], row["denominator"], statistic, unit)
        return f"{number_text(row['estimate'], statistic, unit)} ({count} {unit})"
    main = with_ci(row["estimate"], row["ci_low"], row["ci_high"], statistic, unit,
                   row["method"])
    count = count_text(row["n"], row["denominator"], statistic, unit)
    text = f"{main}, {count}" if count else main
    if is_missing(row["compared_with"]):
        return text
    other = with_ci(row["compared_estimate"], row["compared_ci_low"], row["compared_ci_high"],
                    statistic, unit, row["method"])
    other_count = count_text(row["compared_n"], row["compared_denominator"], statistic, unit)
    other = f"{other}, {other_count}" if other_count else other
    return f"{text} vs {other}"


def render_replication(frame: pd.DataFrame) -> tables.RenderedTable:
    """Lay out an evaluation (`compare.replication.evaluate_register`) of one cohort as a table.

    Columns: Finding | Published | This cohort (estimate, CI, n/N) | Verdict; a claim with
    several parts has its overall line, then one line per part ("C6.3"). On a synthetic
    cohort the title and the first footnote say that consistency holds by construction. The
    tier comes from the evaluation (that of the results rows). Raises tables.TableError for
    several cohorts.
    """
    cohorts = list(dict.fromkeys(str(c) for c in frame["cohort"].dropna()))
    if len(cohorts) > 1:
        raise tables.TableError(
            f"the replication holds several cohorts ({', '.join(cohorts)}); render one cohort "
            "at a time"
        )
    synthetic = bool(frame["synthetic"].fillna(False).any())
    tiers = set(frame["tier"].dropna())
    tier = tables.RELEASE_TIER if tiers == {tables.RELEASE_TIER} else tables.INTERNAL_TIER
    parts = frame.groupby("finding", sort=False)["part"].max().to_dict()

    title = f"{REPLICATION_TITLE} cohort {cohorts[0] if cohorts else '(none)'}"
    if synthetic:
        title += f" ({SYNTHETIC_TITLE_NOTE})"

    table_rows = []
    for _, row in frame.iterrows():
        if row["part"] == OVERALL_PART:
            finding = f"{row['finding']}: {row['claim']}"
        else:
            finding = f"{row['finding']}.{row['part']} {tables.upper_first(row['measure'])}"
        table_rows.append([
            finding,
            str(row["published"]),
            _cohort_cell(row, int(parts.get(row["finding"], 0)) or 1),
            str(row["verdict"]),
        ])

    footnotes = [SYNTHETIC_FOOTNOTE] if synthetic else []
    footnotes.append(
        f"Verdicts: {CONSISTENT}; {NOT_CONSISTENT}; {INSUFFICIENT} (a row the claim needs is "
        "absent, suppressed by disclosure control, without an estimate or with an empty "
        "denominator). Thresholds and directions compare point estimates, strictly; they are "
        "not significance tests (the tests are in the results table)."
    )
    footnotes.append(
        "A finding with several parts is consistent only when every part is, not consistent "
        "when any part is not, and otherwise insufficient data."
    )
    overall = frame[frame["part"].eq(OVERALL_PART).fillna(False).to_numpy(dtype=bool)]
    for _, row in overall.iterrows():
        if not is_missing(row["note"]):
            footnotes.append(f"{row['finding']}: {row['note']}")
    versions = list(dict.fromkeys(str(v) for v in frame["register_version"].dropna()))
    if versions:
        footnotes.append(f"Replication register version {', '.join(versions)}; the rule and "
                         "the results method of every line are in the CSV (method column).")
    return tables.RenderedTable(
        title=title,
        header=list(HEADER),
        rows=table_rows,
        footnotes=footnotes,
        synthetic=synthetic,
        output=REPLICATION_OUTPUT,
        tier=tier,
    )


def write_replication(frame: pd.DataFrame, rendered: tables.RenderedTable,
                      stem: str | Path) -> dict[str, Path]:
    """Write `stem`.csv (the evaluation, unrounded), `stem`.md and `stem`.html; return the
    paths by format."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    texts = {
        "csv": to_csv_neutralised(frame, lineterminator="\n"),
        "md": tables.table_to_markdown(rendered),
        "html": tables.table_to_html(rendered),
    }
    return tables.write_texts(texts, stem)
