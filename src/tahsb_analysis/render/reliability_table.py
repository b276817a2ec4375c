"""The reliability layout: one line per coded field, a column per agreement statistic
(output coding_reliability, analyses/coding_reliability.py). Methods and warnings become
footnotes; a suppressed statistic shows [c]."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.labels import STATISTIC_LABELS, upper_first, variable_label
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    format_ci,
    format_number,
    format_percent,
    is_missing,
)
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    Footnotes,
    RenderedTable,
    finish_table,
    is_suppressed,
    output_rows,
    refuse_several_cohorts,
)
from tahsb_analysis.vocabulary import (
    COHENS_KAPPA,
    FLEISS_KAPPA,
    GWET_AC1,
    KRIPPENDORFF_ALPHA,
    PERCENT_AGREEMENT,
)

# Columns after the field and its case files: statistic(s) shown in each, in order.
COLUMNS = (
    ("Agreement (CI)", (PERCENT_AGREEMENT,)),
    ("Kappa (CI)", (COHENS_KAPPA, FLEISS_KAPPA)),
    ("Gwet's AC1 (CI)", (GWET_AC1,)),
    ("Krippendorff's alpha (CI)", (KRIPPENDORFF_ALPHA,)),
)
NO_DOUBLE_CODING = ("No case file was coded by more than one coder: declare the other coders' "
                    "case_file tables under double_coding in config.yaml (README).")


def _cell(row, notes: Footnotes) -> str:
    if is_suppressed(row):
        return SUPPRESSED_MARKER
    if is_missing(row["estimate"]):
        text = NOT_AVAILABLE
    elif row["statistic"] == PERCENT_AGREEMENT:
        text = (f"{format_percent(row['estimate'])} "
                f"({format_ci(row['ci_low'], row['ci_high'])})")
    else:
        text = (f"{format_number(row['estimate'], 2)} "
                f"({format_ci(row['ci_low'], row['ci_high'], percent=False, digits=2)})")
    marks = [notes.note(f"{upper_first(STATISTIC_LABELS[row['statistic']])}: {row['method']}.")]
    if not is_missing(row["warning"]):
        marks.append(notes.note(upper_first(str(row["warning"])) + "."))
    return text + " " + "".join(f"[{m}]" for m in marks)


def render_reliability(results: pd.DataFrame, output: str) -> RenderedTable:
    """One line per field: the case files double-coded and each statistic with its CI."""
    rows = output_rows(results, output)
    refuse_several_cohorts(rows, output)
    header = ["Field", "Case files double-coded", *(title for title, _ in COLUMNS)]
    notes = Footnotes()
    lines = []
    for variable in dict.fromkeys(rows["variable"].astype(str)):
        field_rows = rows[rows["variable"].astype(str).eq(variable).to_numpy(dtype=bool)]
        by_statistic = {str(r["statistic"]): r for _, r in field_rows.iterrows()}
        first = field_rows.iloc[0]
        size = (SUPPRESSED_MARKER if is_missing(first["denominator"])
                else str(int(first["denominator"])))
        line = [upper_first(variable_label(variable)), size]
        for _title, statistics in COLUMNS:
            found = [by_statistic[s] for s in statistics if s in by_statistic]
            line.append(_cell(found[0], notes) if found else "")
        lines.append(line)
    footnotes = list(notes.texts) if lines else [NO_DOUBLE_CODING]
    return finish_table(rows, output, header, lines, footnotes,
                        source=rows if len(rows) else results)
