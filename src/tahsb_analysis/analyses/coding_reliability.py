"""Inter-rater reliability of the case-file coding, field by field (output coding_reliability).

When a cohort declares other coders' case_file tables (config.yaml `double_coding`; the typed
rows are `Cohort.codings`), every coded field of the case_file table gets, over the case files
every coder coded:

* the share of case files on which every coder entered the same code (Wilson CI);
* Cohen's kappa (two coders; asymptotic CI) or Fleiss' kappa (three or more; bootstrap CI);
* Gwet's AC1 (t-based CI from its variance), which unlike kappa stays high when coders agree
  on an unbalanced field (the "kappa paradox");
* for ordered fields (codebook categoriesOrdered) and numbers: Krippendorff's alpha, ordinal
  or interval, which credits near misses (bootstrap CI).

Missing-value codes: for agreement, kappa and AC1 a "not recorded" (-9) or "not applicable"
(-8) code is a code like any other, since whether a case file records something is part of
what is coded; for Krippendorff's alpha, which needs a place on the scale, a missing code is a
missing value (alpha uses every case file with at least two coders' values). Every row's n is
the case files the statistic used; its denominator the case files double-coded.

`coding_disagreements` lists, for the coders, where they disagreed: case id and field, never
the codes. It is internal only (workflow rule coding_disagreements).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.analyses.agreement import (
    Agreement,
    cohen_kappa,
    fleiss_kappa_ci,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from tahsb_analysis.analyses.inference import ci_method_label, proportion_ci
from tahsb_analysis.input.codebook import Field, load_codebook
from tahsb_analysis.input.cohort import CODER_COLUMN, Cohort, missing_column
from tahsb_analysis.results.schema import empty_results, make_results
from tahsb_analysis.vocabulary import (
    COHENS_KAPPA,
    FLEISS_KAPPA,
    GWET_AC1,
    KRIPPENDORFF_ALPHA,
    PERCENT_AGREEMENT,
)

OUTPUT = "coding_reliability"
ANALYSIS = "coding_reliability"
CODED_TABLE = "case_file"
# The bootstrap of Fleiss' kappa and Krippendorff's alpha: resamples of case files and seed.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20170
# Below this many case files an agreement statistic's interval is very wide.
FEW_CASE_FILES = 10
# Agreement this high with kappa this low: the kappa paradox (Feinstein and Cicchetti 1990).
PARADOX_AGREEMENT, PARADOX_KAPPA = 0.9, 0.6
MISSING_AS_CODES = ("missing codes (-9 not recorded, -8 not applicable) count as codes")


def coded_fields() -> list[Field]:
    """The fields of the case_file table that coders code: every field but the identifiers."""
    return [f for f in load_codebook().table(CODED_TABLE).fields if f.role != "identifier"]


def codes_entered(frame: pd.DataFrame, fld: Field) -> np.ndarray:
    """Per row, the code a coder entered as text: the value ("yes", "stable", "12.5") or the
    missing-value code ("-9"); None where the field was not coded."""
    values = frame[fld.name]
    if fld.is_boolean:
        text = values.map({True: "yes", False: "no"}, na_action="ignore")
    elif fld.is_categorical:
        text = values.astype("string")
    else:
        text = values.astype("Float64").map(lambda v: f"{float(v):g}", na_action="ignore")
    text = text.astype(object).where(values.notna(), None)
    column = missing_column(fld.name)
    if column in frame.columns:
        missing = frame[column].astype(object)
        text = text.where(missing.isna(), missing)
    return text.to_numpy(dtype=object)


def ratings_matrix(codings: pd.DataFrame, fld: Field) -> tuple[pd.Index, list[str], np.ndarray]:
    """(case ids, coders, case files x coders codes) over the case files every coder coded."""
    coders = list(dict.fromkeys(codings[CODER_COLUMN].astype(str)))
    frame = pd.DataFrame({"case_id": codings["case_id"].astype(str).to_numpy(),
                          "coder": codings[CODER_COLUMN].astype(str).to_numpy(),
                          "code": codes_entered(codings, fld)})
    wide = frame.pivot(index="case_id", columns="coder", values="code").reindex(columns=coders)
    wide = wide.dropna()
    return wide.index, coders, wide.to_numpy(dtype=object)


def _categories(fld: Field, ratings: np.ndarray) -> list[str]:
    """Every code a coder could enter: the codebook's codes and the field's missing codes; for
    a number, the values the coders entered."""
    if fld.is_boolean or fld.is_categorical:
        return [*fld.valid_codes, *fld.missing_values]
    return sorted(set(ratings.ravel()), key=lambda c: (c.startswith("-"), float(c)))


def _scale(fld: Field, ratings: np.ndarray) -> tuple[np.ndarray, str] | None:
    """Coders x case files values on the field's scale (NaN for a missing code) and alpha's
    level of measurement, for an ordered field or a number; None otherwise."""
    missing = set(fld.missing_values)
    if fld.is_categorical and fld.categories_ordered:
        rank = {code: float(i) for i, code in enumerate(fld.valid_codes)}
        level = "ordinal"
    elif fld.type in ("number", "integer"):
        rank = None
        level = "interval"
    else:
        return None
    values = np.array([[np.nan if c in missing else (rank[c] if rank else float(c))
                        for c in row] for row in ratings], dtype=float)
    return values.T, level


def _row(fld: Field, statistic: str, result: Agreement, double_coded: int, method: str,
         warnings: list[str]) -> dict:
    return {"variable": fld.name, "statistic": statistic, "estimate": result.estimate,
            "ci_low": result.ci_low, "ci_high": result.ci_high, "n": result.units,
            "denominator": double_coded, "method": method,
            "warning": "; ".join(warnings) if warnings else pd.NA}


def field_rows(fld: Field, ratings: np.ndarray, confidence: float, ci_method: str) -> list[dict]:
    """The reliability rows of one field from its case files x coders codes."""
    units, coders = ratings.shape
    level = f"{confidence:.0%}"
    few = [f"fewer than {FEW_CASE_FILES} case files double-coded"] if units < FEW_CASE_FILES else []
    agreeing, _ = percent_agreement(ratings)
    low, high = proportion_ci([agreeing], [units], ci_method, confidence)
    share = Agreement(agreeing / units if units else np.nan, float(low[0]), float(high[0]), units)
    categories = _categories(fld, ratings)
    if coders == 2:
        kappa = cohen_kappa(ratings, categories, confidence)
        kappa_row = (COHENS_KAPPA, kappa,
                     f"Cohen's kappa, {MISSING_AS_CODES}; asymptotic standard error (Fleiss, "
                     f"Cohen and Everitt 1969), normal {level} CI")
    else:
        kappa = fleiss_kappa_ci(ratings, categories, confidence, BOOTSTRAP_SEED,
                                BOOTSTRAP_RESAMPLES)
        kappa_row = (FLEISS_KAPPA, kappa,
                     f"Fleiss' kappa, {MISSING_AS_CODES}; percentile bootstrap {level} CI "
                     f"({BOOTSTRAP_RESAMPLES} resamples of case files, seed {BOOTSTRAP_SEED})")
    kappa_warnings = list(few)
    if np.isnan(kappa.estimate):
        kappa_warnings.append("every code the same: kappa undefined (see AC1)")
    elif share.estimate >= PARADOX_AGREEMENT and kappa.estimate < PARADOX_KAPPA:
        kappa_warnings.append("high agreement but low kappa: the codes are unbalanced (the "
                              "kappa paradox); AC1 is not affected")
    ac1 = gwet_ac1(ratings, categories, confidence)
    rows = [
        _row(fld, PERCENT_AGREEMENT, share, units,
             f"share of case files on which every coder entered the same code, "
             f"{MISSING_AS_CODES}; {ci_method_label(ci_method, confidence)}", few),
        _row(fld, kappa_row[0], kappa_row[1], units, kappa_row[2], kappa_warnings),
        _row(fld, GWET_AC1, ac1, units,
             f"Gwet's AC1 (Gwet 2008) over every code of the field (for an age, every value "
             f"entered), {MISSING_AS_CODES}; variance as irrCAC gwet.ac1.raw, t {level} CI",
             few),
    ]
    scale = _scale(fld, ratings)
    if scale is not None:
        values, measurement = scale
        alpha = krippendorff_alpha(values, measurement, confidence, BOOTSTRAP_SEED,
                                   BOOTSTRAP_RESAMPLES)
        alpha_few = ([f"fewer than {FEW_CASE_FILES} case files with two values"]
                     if alpha.units < FEW_CASE_FILES else [])
        rows.append(_row(fld, KRIPPENDORFF_ALPHA, alpha, units,
                         f"Krippendorff's alpha, {measurement}; missing codes left out; "
                         f"percentile bootstrap {level} CI ({BOOTSTRAP_RESAMPLES} resamples "
                         f"of case files, seed {BOOTSTRAP_SEED})", alpha_few))
    return rows


def coding_reliability(cohort: Cohort, *, confidence: float = 0.95,
                       ci_method: str = "wilson") -> pd.DataFrame:
    """Reliability rows of every coded case_file field (none without a double coding)."""
    codings = cohort.codings
    if len(codings) == 0:
        return empty_results()
    rows = []
    for fld in coded_fields():
        case_ids, _coders, ratings = ratings_matrix(codings, fld)
        if len(case_ids):
            rows += field_rows(fld, ratings, confidence, ci_method)
    if not rows:
        return empty_results()
    return make_results(rows, cohort=cohort.label, synthetic=cohort.synthetic,
                        analysis=ANALYSIS, output=OUTPUT, unit="children")


def coding_disagreements(cohort: Cohort) -> pd.DataFrame:
    """Where the coders disagreed, for them to resolve: case id, field and the coders of that
    case file, in codebook order; never a code (the coders look the case file up)."""
    records = []
    if len(cohort.codings):
        for fld in coded_fields():
            case_ids, coders, ratings = ratings_matrix(cohort.codings, fld)
            differ = ~(ratings == ratings[:, :1]).all(axis=1) if len(ratings) else []
            records += [{"case_id": case_id, "field": fld.name, "coders": ";".join(coders)}
                        for case_id in case_ids[np.asarray(differ, dtype=bool)]]
    frame = pd.DataFrame(records, columns=["case_id", "field", "coders"])
    return frame.sort_values(["case_id"], kind="stable").reset_index(drop=True)
