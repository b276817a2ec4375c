"""The replication table: an evaluation of the replication register (`compare.replication`)
laid out as a table, one line per finding and per part, and written as CSV, Markdown and HTML.
Nothing is evaluated here; the cells are worded as in the verdicts' reasons (`compare.wording`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tahsb_analysis.compare.replication import OVERALL_PART
from tahsb_analysis.compare.verdicts import (
    DESCRIPTIVE_VERDICTS,
    DIRECTION_VERDICTS,
    VALUE_VERDICTS,
)
from tahsb_analysis.compare.wording import (
    count_text,
    difference_text,
    is_missing,
    number_text,
    with_ci,
)
from tahsb_analysis.render import tables
from tahsb_analysis.spreadsheet import to_csv_neutralised

REPLICATION_OUTPUT = "replication"
REPLICATION_TITLE = "Published findings of Hollis and Belton (2017) checked on"
SYNTHETIC_TITLE_NOTE = "SYNTHETIC cohort: agreement by construction"
SYNTHETIC_FOOTNOTE = (
    "SYNTHETIC cohort: it was generated to match the published findings, so agreement here "
    "holds by construction, as far as its size lets a test detect it. It shows that the "
    "pipeline's arithmetic reproduces what the cohort was built to contain; it is no evidence "
    "for or against the findings themselves."
)
HEADER = ["Finding", "Published", "This cohort (estimate, CI, n/N)", "Test",
          "p (Holm-adjusted)", "Minimum detectable difference (80% power)", "Verdict"]


def p_text(value) -> str:
    if is_missing(value):
        return tables.NOT_AVAILABLE
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _p_cell(row) -> str:
    """ "0.014 (0.345)": the raw p, then the Holm-adjusted one where Holm applies."""
    if is_missing(row["p_value"]):
        return tables.NOT_AVAILABLE
    raw = p_text(row["p_value"])
    return raw if is_missing(row["p_adjusted"]) else f"{raw} ({p_text(row['p_adjusted'])})"


def _mdd_cell(row) -> str:
    if is_missing(row["mdd"]) or is_missing(row["statistic"]):
        return tables.NOT_AVAILABLE
    unit = None if is_missing(row["unit"]) else row["unit"]
    return difference_text(row["mdd"], row["statistic"], unit)


def _test_cell(row) -> str:
    return tables.NOT_AVAILABLE if is_missing(row["test"]) else str(row["test"])


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

    Columns: `HEADER`; a claim with
    several parts has its overall line, then one line per part ("C6.3"). Every line names
    the test, its p-values and the minimum detectable difference. On a synthetic cohort the
    title and the first footnote say that agreement holds by construction. The
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
            _test_cell(row),
            _p_cell(row),
            _mdd_cell(row),
            str(row["verdict"]),
        ])

    footnotes = [SYNTHETIC_FOOTNOTE] if synthetic else []
    alphas = sorted({float(a) for a in frame["alpha"].dropna()})
    alpha = f"{alphas[0]:g}" if len(alphas) == 1 else "the register's alpha"
    footnotes.append(
        f"Directional findings: {'; '.join(DIRECTION_VERDICTS[:-1])}. Supported means the "
        f"published direction AND the named test's p, Holm-adjusted across the register's "
        f"directional claims of this cohort (a claim's p is the largest of its parts'), is at "
        f"most {alpha}; contradicted means significant the other way. The minimum detectable "
        "difference (MDD) is at 80% power and Holm's strictest level."
    )
    footnotes.append(
        f"Published values: {'; '.join(VALUE_VERDICTS[:-1])}. Consistent means an equivalence "
        "test (TOST) against the published value plus or minus the register's margin passes; "
        "inconsistent means the CI lies outside that band. Rank and presence checks: "
        f"{'; '.join(DESCRIPTIVE_VERDICTS[:-1])} (read from counts, not tested). "
        f"{DIRECTION_VERDICTS[-1]}: a row the claim needs is absent, suppressed by disclosure "
        "control, without an estimate, count or p-value, or with an empty denominator."
    )
    footnotes.append(
        "p: the raw p-value, then the Holm-adjusted one in brackets. Minimum detectable "
        "difference: the smallest difference the same kind of test detects with 80% power at "
        "this cohort's size (a smaller true effect would usually be missed); the power method "
        "is in the CSV (mdd_method column). A finding with several parts holds only when every "
        "part does: the worst part decides, and its p is the largest of the parts'."
    )
    overall = frame[frame["part"].eq(OVERALL_PART).fillna(False).to_numpy(dtype=bool)]
    for _, row in overall.iterrows():
        if not is_missing(row["note"]):
            footnotes.append(f"{row['finding']}: {row['note']}")
    versions = list(dict.fromkeys(str(v) for v in frame["register_version"].dropna()))
    if versions:
        footnotes.append(f"Replication register version {', '.join(versions)}; the rule and "
                         "the results method of every line are in the CSV (method column); "
                         "the margins of the equivalence tests are in the register.")
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
