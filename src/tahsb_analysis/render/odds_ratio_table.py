"""The odds-ratio layout: one line per outcome and model term, for adjusted odds ratios of
professional responses (findings S1-S3).

Columns: outcome, term, "OR (95% CI)", "p" (and "p adj." when any row has one) and "n in
model". Firth rows (penalised estimates: every term of a model with few events per variable, or
a term the ordinary model could not estimate) get a line of their own under the ordinary one.
"""

from __future__ import annotations

import re

import pandas as pd

from tahsb_analysis.analyses.groups import HSB_GROUP_LABELS
from tahsb_analysis.render.cells import P_ADJUSTED_HEADER, P_HEADER, estimate_cells
from tahsb_analysis.render.footnotes import findings_note, format_test, missing_count, row_place
from tahsb_analysis.render.labels import (
    STATISTIC_LABELS,
    code_words,
    is_all_group,
    level_label,
    lower_first,
    short_group_label,
    unit_word,
    upper_first,
    variable_label,
)
from tahsb_analysis.render.numbers import (
    NOT_AVAILABLE,
    NOT_ESTIMABLE,
    format_odds_ratio,
    format_p_cell,
    is_missing,
)
from tahsb_analysis.render.rendered_table import (
    SUPPRESSED_MARKER,
    Footnotes,
    RenderedTable,
    TableError,
    distinct,
    finish_table,
    is_missing_row,
    is_suppressed,
    is_test,
    refuse_several_cohorts,
    without_group_sizes,
)
from tahsb_analysis.vocabulary import (
    COUNT,
    MISSING_PREFIX,
    ODDS_RATIO,
    ODDS_RATIO_FIRTH,
    PAIR_SEPARATOR,
)

# Default output of `render_odds_ratios` (figures of this output use the name too).
RESPONSE_MODELS_OUTPUT = "response_models"
OR_HEADER = "OR (95% CI)"
N_IN_MODEL_HEADER = "n in model"
# Model terms of the HSB groups come first, in study order; covariates follow as they appear.
GROUP_TERMS = ("ta_only", "dual")
FIRTH_TERM_SUFFIX = " (Firth)"
# A categorical covariate's term as a formula library writes it: "sex[T.female]".
_TREATMENT_TERM = re.compile(r"^(?P<variable>[^\[\]]+)\[T\.(?P<level>[^\[\]]+)\]$")
_RATIOS = (ODDS_RATIO, ODDS_RATIO_FIRTH)


def term_label(term) -> str:
    """A model term in words: "ta_only" -> "TA-HSB only", "age_at_referral" -> "age at
    referral", "sex[T.female]" -> "sex: female"; a Firth line "ta_only (Firth)" -> "TA-HSB
    only, Firth penalised"."""
    if is_missing(term):
        return ""
    term = str(term)
    if term.endswith(FIRTH_TERM_SUFFIX):
        return term_label(term[: -len(FIRTH_TERM_SUFFIX)]) + ", Firth penalised"
    if term in HSB_GROUP_LABELS:
        return short_group_label(term)
    if PAIR_SEPARATOR in term and all(g in HSB_GROUP_LABELS for g in term.split(PAIR_SEPARATOR)):
        return " vs ".join(short_group_label(g) for g in term.split(PAIR_SEPARATOR))
    match = _TREATMENT_TERM.match(term)
    if match:
        variable = match["variable"].strip()
        return f"{variable_label(variable)}: {level_label(variable, match['level'].strip())}"
    return variable_label(term)


def render_odds_ratios(
    rows: pd.DataFrame, output: str = RESPONSE_MODELS_OUTPUT
) -> RenderedTable:
    """Lay out model odds ratios (e.g. the "response_models" output) as one line per outcome
    and term.

    An odds ratio without an estimate reads "not estimable" (separation). Footnotes: how to
    read the table, each model's method with the outcomes fitted that way (outcome labels point
    to it as "[k]" when models differ), every warning with the outcome and term it concerns,
    children left out for missing values per outcome, any other row and the findings served.
    Raises TableError for rows of several cohorts or two rows for one line.
    """
    refuse_several_cohorts(rows, output)
    records = [row for _, row in without_group_sizes(rows).iterrows()]
    ratios = [r for r in records if r["statistic"] in _RATIOS]
    missing = [r for r in records if _is_missing_count(r)]
    others = [r for r in records if r["statistic"] not in _RATIOS and not _is_missing_count(r)]
    lines = _lines(ratios, output)

    footnotes = Footnotes()
    method_notes = _model_notes(ratios, footnotes.note)
    show_adjusted = any(not is_missing(r["p_adjusted"]) for r in ratios)
    for method in distinct(str(r["p_adjust_method"]) for r in ratios
                           if not is_missing(r["p_adjusted"])):
        footnotes.note(f"{P_ADJUSTED_HEADER}: {method} adjustment.")
    for text in [*_warning_notes(lines), *_missing_notes(missing)]:
        footnotes.note(text)
    for r in others:
        if is_test(r):
            footnotes.note(format_test(r))
        else:
            name = STATISTIC_LABELS.get(str(r["statistic"]), code_words(r["statistic"]))
            footnotes.note(f"{row_place(r)}: {name} {estimate_cells(r)[0]}; {r['method']}.")
    findings = findings_note(records)
    if findings:
        footnotes.note(findings)
    if not ratios:
        footnotes.note("No odds ratios in the results for this output.")

    header = ["Outcome", "Term", OR_HEADER, P_HEADER]
    if show_adjusted:
        header.append(P_ADJUSTED_HEADER)
    header.append(N_IN_MODEL_HEADER)
    mark = method_notes if len(method_notes) > 1 else None
    table_rows = _body_lines(lines, mark, show_adjusted)
    return finish_table(rows, output, header, table_rows, footnotes.texts)


def _is_missing_count(row) -> bool:
    return is_missing_row(row) and row["statistic"] == COUNT


def _lines(ratios: list, output: str) -> dict[str, dict[str, pd.Series]]:
    """{outcome: {term: row}}: outcomes in order of appearance, group terms first in study
    order (each Firth line under its ordinary one), then covariates as they appear."""
    lines: dict[str, dict[str, pd.Series]] = {}
    for r in ratios:
        terms = lines.setdefault(str(r["variable"]), {})
        term = "" if is_missing(r["level"]) else str(r["level"])
        if r["statistic"] == ODDS_RATIO_FIRTH:
            term += FIRTH_TERM_SUFFIX
        if term in terms:
            raise TableError(
                f"output {output!r}: two rows fill the same line ({row_place(r)}); an analysis "
                "wrote a duplicate row"
            )
        terms[term] = r
    for outcome, terms in lines.items():
        plain = [t for t in terms if not t.endswith(FIRTH_TERM_SUFFIX)]
        plain = [g for g in GROUP_TERMS if g in plain] + [t for t in plain if t not in GROUP_TERMS]
        order = [t for p in plain for t in (p, p + FIRTH_TERM_SUFFIX) if t in terms]
        order += [t for t in terms if t not in order]  # a Firth line without its ordinary one
        lines[outcome] = {t: terms[t] for t in order}
    return lines


def _model_notes(ratios: list, note) -> dict[str, int]:
    """How to read the table, proportional odds when used, and each model's method with its
    outcomes; returns the footnote number of each method."""
    note(
        "Cells: odds ratio with its confidence interval from one model per outcome; terms of "
        "the HSB groups compare each group with offline HSB only (OR above 1: higher odds of "
        "the response); a line \"TA-HSB only vs dual\" compares those two groups in the same "
        "model (the difference of their terms, Wald test); n in model = children with the "
        "outcome and every covariate recorded; "
        f"\"{NOT_ESTIMABLE}\": the model could not estimate the odds ratio (see warnings)."
    )
    if any("proportional-odds" in str(r["method"]).lower() for r in ratios):
        note("Proportional-odds models: the odds ratio compares the odds of a higher level of "
             "the response (any cut-point) between the groups; Brant's test of that "
             "assumption is given in the warnings.")
    if any(r["statistic"] == ODDS_RATIO_FIRTH for r in ratios):
        note("Lines \"Firth penalised\": Firth's penalised logistic regression (profile "
             "penalised-likelihood CI, penalised likelihood-ratio p), given for every term of a "
             "model with fewer than 10 events per variable, where it is the primary estimate, "
             "and otherwise for a group term the ordinary model could not estimate.")
    method_notes: dict[str, int] = {}
    for method in distinct(str(r["method"]) for r in ratios if not is_missing(r["method"])):
        outcomes = distinct(variable_label(r["variable"]) for r in ratios
                            if str(r["method"]) == method)
        method_notes[method] = note(f"{upper_first(method)}; outcomes: {', '.join(outcomes)}.")
    return method_notes


def _model_size(row):
    """Children in the model: the denominator, else n."""
    for column in ("denominator", "n"):
        if not is_missing(row[column]):
            return int(row[column])
    return None


def _body_lines(lines: dict, method_notes: dict[str, int] | None,
                show_adjusted: bool) -> list[list[str]]:
    """One line per outcome and term; the outcome's label (first line only) points to its
    method's footnote when `method_notes` is given (models differ)."""
    table_rows = []
    for outcome, terms in lines.items():
        for index, (term, r) in enumerate(terms.items()):
            label = ""
            if index == 0:
                label = upper_first(variable_label(outcome))
                if method_notes is not None and not is_missing(r["method"]):
                    label += f" [{method_notes[str(r['method'])]}]"
            term_text = upper_first(term_label(term)) if term else ""
            table_rows.append([label, term_text, *_ratio_cells(r, show_adjusted)])
    return table_rows


def _ratio_cells(r, show_adjusted: bool) -> list[str]:
    """The OR (CI), p, p adj. (when shown) and n-in-model cells of one line."""
    if is_suppressed(r):
        return [SUPPRESSED_MARKER] * (4 if show_adjusted else 3)
    cells = [format_odds_ratio(r["estimate"], r["ci_low"], r["ci_high"]),
             format_p_cell(r["p_value"]) if not is_missing(r["estimate"])
             or not is_missing(r["p_value"]) else ""]
    if show_adjusted:
        cells.append(format_p_cell(r["p_adjusted"]) if not is_missing(r["p_adjusted"]) else "")
    size = _model_size(r)
    cells.append(NOT_AVAILABLE if size is None else str(size))
    return cells


def _warning_notes(lines: dict) -> list[str]:
    """"Warning: quasi-complete separation: ... (police involvement: TA-HSB only)." per
    distinct warning; an outcome whose every term has the warning is named once."""
    flagged: dict[str, dict[str, list[str]]] = {}
    for outcome, terms in lines.items():
        for term, r in terms.items():
            if not is_missing(r["warning"]):
                by_outcome = flagged.setdefault(str(r["warning"]), {})
                by_outcome.setdefault(outcome, []).append(term)
    notes = []
    for warning, by_outcome in flagged.items():
        where = []
        for outcome, terms in by_outcome.items():
            text = variable_label(outcome)
            if len(terms) < len(lines[outcome]):
                text += ": " + ", ".join(term_label(t) for t in terms if t)
            where.append(text)
        notes.append(f"Warning: {lower_first(warning)} ({'; '.join(where)}).")
    return notes


def _missing_notes(missing: list) -> list[str]:
    """"Not recorded: police involvement for 3 children (TA-HSB only 1, dual 2); left out of
    the model." One note per outcome and reason."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    units: dict[tuple[str, str], str] = {}
    for r in missing:
        count = missing_count(r)
        if is_missing(count) or int(count) == 0:
            continue
        key = (str(r["variable"]), str(r["level"]).removeprefix(MISSING_PREFIX))
        group = "" if is_all_group(r["group"]) else str(r["group"])
        by_group = counts.setdefault(key, {})
        by_group[group] = by_group.get(group, 0) + int(count)
        units.setdefault(key, "" if is_missing(r["unit"]) else str(r["unit"]))
    notes = []
    for (variable, reason), by_group in counts.items():
        groups = [g for g in by_group if g]
        total = by_group.get("", sum(by_group[g] for g in groups))
        text = (f"{upper_first(reason)}: {variable_label(variable)} for {total} "
                f"{unit_word(units[(variable, reason)], total) or 'cases'}")
        if groups:
            text += " (" + ", ".join(f"{short_group_label(g)} {by_group[g]}" for g in groups) + ")"
        notes.append(text + "; left out of the model.")
    return notes
