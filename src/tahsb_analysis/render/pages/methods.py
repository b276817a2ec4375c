"""The methods section of the pages: every method named on the results rows, grouped by kind
of statistic, with the rows using it and the multiplicity adjustments applied. Nothing is
computed beyond counting the rows of the table that name each method.
"""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.render.method_texts import (
    CLUSTER_TEXT,
    FIRTH_TEXT,
    METHOD_TEXTS,
    MISSING_DATA,
    ONSET_GAP_TEXT,
    ORDERED_TESTS_TEXT,
    PROPORTIONAL_ODDS_TEXT,
    WEIGHTED_TEXT,
)
from tahsb_analysis.render.pages.page import output_links
from tahsb_analysis.render.references import author_year_text
from tahsb_analysis.render.tables import (
    STATISTIC_LABELS,
)
from tahsb_analysis.vocabulary import (
    EFFECT_STATISTICS,
    MISSING_BOUNDS,
    SENSITIVITY_ANALYSIS,
    TEST_STATISTICS,
    WEIGHTED_PROPORTION,
    WITHIN_CHILD_CORRELATION,
)
from tahsb_analysis.vocabulary import (
    ODDS_RATIO as ODDS_RATIO_STATISTIC,
)
from tahsb_analysis.vocabulary import (
    ODDS_RATIO_FIRTH as FIRTH_STATISTIC,
)

# Kinds of statistic, for the methods section, in the order they are listed.
PROPORTIONS = "Proportions and their confidence intervals"
SUMMARIES = "Summaries, counts and ranks"
EFFECT_SIZES = "Effect sizes"
TESTS = "Tests"
MODELS = "Models"
OTHER = "Other statistics"
SENSITIVITY = "Missing-data sensitivity analyses"
METHOD_KINDS = (PROPORTIONS, SUMMARIES, EFFECT_SIZES, TESTS, MODELS, SENSITIVITY, OTHER)
# The words come from render/method_texts.py, which the draft's methods paragraph reads too;
# here their citations read as running text ("(Olsson, 2005)").
# A sentence under a kind's heading, saying why its methods are there.
KIND_NOTES = {TESTS: author_year_text(ORDERED_TESTS_TEXT)}
SUMMARY_STATISTICS = frozenset({"mean", "sd", "median", "q1", "q3", "count", "rank"})
MODEL_STATISTICS = frozenset({ODDS_RATIO_STATISTIC, FIRTH_STATISTIC})
# One sentence on when and why a method is used, for methods whose name does not say it; the
# first whose key begins the method's text applies.
METHOD_PREFIX_EXPLANATIONS = (
    ("Firth penalised logistic regression", author_year_text(FIRTH_TEXT)),
    ("proportional-odds logistic regression", author_year_text(PROPORTIONAL_ODDS_TEXT)),
)

# A sentence for the methods section on rows whose reading needs one, by the level that marks
# them: (kind it is shown under, sentence), shown when the results have such a row.
LEVEL_EXPLANATIONS = {"paired_difference": (SUMMARIES, author_year_text(ONSET_GAP_TEXT))}

# A sentence for the methods section on statistics whose reading needs one, shown under their
# kind when the results have them.
STATISTIC_EXPLANATIONS = {
    WEIGHTED_PROPORTION: author_year_text(WEIGHTED_TEXT),
    WITHIN_CHILD_CORRELATION: author_year_text(CLUSTER_TEXT),
}


def kind_note(kind: str, results: pd.DataFrame) -> str | None:
    """The note under a kind's heading: the missing-data texts of the analyses on the rows
    under the sensitivity analyses, else `KIND_NOTES`."""
    if kind == SENSITIVITY:
        # The draft's missing-data texts (method_texts.METHOD_TEXTS), those the rows use.
        return " ".join(author_year_text(m.text) for m in METHOD_TEXTS
                        if m.topic == MISSING_DATA and m.present(results))
    return KIND_NOTES.get(kind)


def statistic_kind(statistic: str) -> str:
    """The kind a statistic belongs to in the methods section: "chi2" -> "Tests"."""
    if statistic in ("proportion", WEIGHTED_PROPORTION):
        return PROPORTIONS
    if statistic in SUMMARY_STATISTICS:
        return SUMMARIES
    if statistic in EFFECT_STATISTICS:
        return EFFECT_SIZES
    if statistic in TEST_STATISTICS:
        return TESTS
    if statistic in MODEL_STATISTICS:
        return MODELS
    if statistic == MISSING_BOUNDS:
        return SENSITIVITY
    return OTHER


def method_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Every distinct method of the results table, per kind of statistic, with the rows using it.

    Columns: kind, method, statistics (in words, sorted), outputs (sorted), rows. A method
    used for statistics of two kinds is listed under each, so the rows add up to the table's.
    Sorted by kind (METHOD_KINDS order), then method.
    """
    sensitivity = results["method"].astype(str).str.startswith(SENSITIVITY_ANALYSIS)
    frame = pd.DataFrame({
        "kind": results["statistic"].astype(str).map(statistic_kind).mask(
            sensitivity.to_numpy(dtype=bool), SENSITIVITY),
        "method": results["method"].astype(str),
        "statistic": results["statistic"].astype(str),
        "output": results["output"].astype(str),
    })
    records = []
    for (kind, method), rows in frame.groupby(["kind", "method"], sort=False):
        records.append({
            "kind": kind,
            "method": method,
            "statistics": sorted({STATISTIC_LABELS.get(s, s.replace("_", " "))
                                  for s in rows["statistic"]}),
            "outputs": sorted(set(rows["output"])),
            "rows": len(rows),
        })
    records.sort(key=lambda r: (METHOD_KINDS.index(r["kind"]), r["method"].lower(), r["method"]))
    return pd.DataFrame(records, columns=["kind", "method", "statistics", "outputs", "rows"])


def adjustment_summary(results: pd.DataFrame) -> list[dict]:
    """Each multiplicity adjustment named on the rows: method, p-values adjusted, outputs."""
    adjusted = results[results["p_adjust_method"].notna().to_numpy(dtype=bool)]
    return [
        {"method": str(method), "rows": len(rows), "outputs": sorted(set(rows["output"]))}
        for method, rows in sorted(adjusted.groupby("p_adjust_method"), key=lambda i: str(i[0]))
    ]


def unadjusted_p_values(results: pd.DataFrame) -> int:
    """Rows with a p-value and no multiplicity adjustment."""
    return int((results["p_value"].notna() & results["p_adjust_method"].isna()).sum())


def method_explanation(method: str) -> str | None:
    """The sentence of `METHOD_PREFIX_EXPLANATIONS` for `method`, or None."""
    return next((text for key, text in METHOD_PREFIX_EXPLANATIONS
                 if str(method).startswith(key)),
                None)


def methods_context(results: pd.DataFrame) -> list[dict]:
    """The study page's methods, per kind of statistic (`METHOD_KINDS` order), with links to
    the tables using each."""
    summary = method_summary(results)
    levels = set(results["level"].dropna().astype(str))
    present = set(results["statistic"].astype(str))
    return [
        {"kind": kind,
         "notes": [text for level, (note_kind, text) in LEVEL_EXPLANATIONS.items()
                   if level in levels and note_kind == kind]
         + [text for statistic, text in STATISTIC_EXPLANATIONS.items()
            if statistic in present and statistic_kind(statistic) == kind],
         "note": kind_note(kind, results),
         "methods": [
             {"method": r.method, "explanation": method_explanation(r.method),
              "statistics": ", ".join(r.statistics),
              "outputs": output_links(r.outputs), "rows": r.rows}
             for r in summary[summary["kind"].eq(kind)].itertuples()
         ]}
        for kind in METHOD_KINDS if summary["kind"].eq(kind).any()
    ]


def adjustments_context(results: pd.DataFrame) -> list[dict]:
    """Each multiplicity adjustment with links to the tables it adjusted."""
    return [{**a, "outputs": output_links(a["outputs"])} for a in adjustment_summary(results)]


def comparison_methods(comparison: pd.DataFrame) -> list[dict]:
    """The comparison page's methods: each with the statistics it gave and its rows."""
    counts = comparison.groupby(["statistic", "method"], sort=True).size()
    methods: dict[str, dict] = {}
    for (statistic, method), rows in counts.items():
        entry = methods.setdefault(str(method), {"method": str(method), "statistics": set(),
                                                 "rows": 0})
        entry["statistics"].add(STATISTIC_LABELS.get(statistic, str(statistic).replace("_", " ")))
        entry["rows"] += int(rows)
    return [{**m, "statistics": ", ".join(sorted(m["statistics"]))}
            for m in sorted(methods.values(), key=lambda m: m["method"].lower())]
