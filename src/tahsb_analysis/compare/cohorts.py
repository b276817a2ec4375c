"""Cohort comparison: the same statistic of two cohorts set side by side as results rows.

Pure functions over results tables (results.py): `compare_cohorts` turns the proportion and
mean rows two cohorts share into differences, odds ratios and tests (analysis "comparison";
the statistics are in `statistics`); `replication_side_by_side` lines up the replication
verdicts of several cohorts, each with the p-values, minimum detectable difference and counts
it rests on. A published cohort's aggregate figures become comparable rows in
`published`. The comparison page's sections are those of the output registry.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tahsb_analysis.compare.replication import OVERALL_PART, REPLICATION_COLUMNS
from tahsb_analysis.compare.statistics import (
    KEY_COLUMNS,
    compare_means,
    compare_proportions,
    holm_adjust,
    is_na,
)
from tahsb_analysis.registry import load_registry
from tahsb_analysis.results.schema import empty_results, make_results, validate_results
from tahsb_analysis.vocabulary import MISSING_PREFIX

COMPARISON_ANALYSIS = "comparison"
DEFAULT_DIFFERENCING_THRESHOLD = 10

# The page's sections: those of the output registry, then "other" for the outputs the registry
# does not list.
OTHER_SECTION = "other"
SECTION_TITLES: dict[str, str] = {
    **{section.id: section.title for section in load_registry().sections},
    OTHER_SECTION: "Other outputs",
}

# The side-by-side replication table, one row per finding and cohort: the finding, the cohort,
# then the verdict with what it rests on, as named in the evaluation (replication.py), and the
# scale of `mdd` in words.
FINDING_COLUMNS = ("finding", "claim", "kind", "published")
EVIDENCE_COLUMNS = (
    "verdict", "scale", "test", "p_value", "p_adjusted", "p_adjust_method", "alpha", "margin",
    "statistic", "unit", "mdd", "n", "denominator", "compared_n", "compared_denominator",
)
MDD_SCALE = "mdd_scale"
SIDE_BY_SIDE_COLUMNS: dict[str, str] = {
    **{column: REPLICATION_COLUMNS[column] for column in FINDING_COLUMNS},
    "cohort": REPLICATION_COLUMNS["cohort"],
    **{column: REPLICATION_COLUMNS[column] for column in EVIDENCE_COLUMNS[:-4]},
    MDD_SCALE: "string",
    **{column: REPLICATION_COLUMNS[column] for column in EVIDENCE_COLUMNS[-4:]},
}


class ComparisonError(ValueError):
    """Cohorts cannot be compared as asked (the message names the cohort, key or pair)."""


def section_of(output) -> str:
    """The comparison page's section of an output: its section in the output registry
    ("prevalence_by_sex" -> "prevalence"), or "other" when the registry does not list it."""
    return load_registry().section_of(str(output)) or OTHER_SECTION


def pairs_against(labels, reference: str) -> list[tuple[str, str]]:
    """Every cohort but the reference, each compared with the reference, in the given order.

    Raises ValueError when the reference is not among the labels.
    """
    labels = list(labels)
    if reference not in labels:
        raise ValueError(f"reference cohort {reference!r} is not one of {labels}")
    return [(label, reference) for label in labels if label != reference]


def section_outputs(comparison: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The outputs each section's forest plot draws, keyed by the plot's file stem (for the
    manifest: a plot's status is that of the rows it shows)."""
    outputs = sorted(set(comparison["output"].dropna().astype(str)))
    return {
        f"comparison_{section}": tuple(o for o in outputs if section_of(o) == section)
        for section in SECTION_TITLES
    }


# --- comparing cohorts ---------------------------------------------------------------------


def _value(value):
    return None if is_na(value) else value


def _key(row) -> tuple:
    return tuple(_value(row[column]) for column in KEY_COLUMNS)


def _key_words(key: tuple) -> str:
    return ", ".join(f"{column}={value!r}" for column, value in zip(KEY_COLUMNS, key, strict=True)
                     if value is not None)


def _rows_of(table: pd.DataFrame, label: str) -> tuple[dict, dict]:
    """({key: proportion row}, {key: (mean row, sd row or None)}) of one cohort, in order."""
    mask_level = ~table["level"].astype("string").str.startswith(MISSING_PREFIX).fillna(False)
    statistic = table["statistic"].astype(str)
    proportions: dict[tuple, pd.Series] = {}
    means: dict[tuple, pd.Series] = {}
    sds: dict[tuple, pd.Series] = {}
    for kind, store in (("proportion", proportions), ("mean", means), ("sd", sds)):
        rows = table[(statistic.eq(kind) & mask_level).to_numpy(dtype=bool)]
        for _, row in rows.iterrows():
            key = _key(row)
            if key in store:
                raise ComparisonError(
                    f"cohort {label!r}: several {kind} rows share {_key_words(key)}; a "
                    "comparison needs one row per statistic"
                )
            store[key] = row
    return proportions, {key: (row, sds.get(key)) for key, row in means.items()}


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    for label, table in tables.items():
        validate_results(table)
        cohorts = set(table["cohort"].astype(str))
        if cohorts - {str(label)}:
            raise ComparisonError(
                f"the table given as cohort {label!r} holds rows of cohort(s) "
                f"{sorted(cohorts - {str(label)})}; give each cohort's own results table"
            )


def _default_pairs(labels: list[str]) -> list[tuple[str, str]]:
    return [(label, labels[0]) for label in labels[1:]]


def compare_cohorts(
    tables: Mapping[str, pd.DataFrame],
    pairs: list[tuple[str, str]] | None = None,
    *,
    confidence: float = 0.95,
    threshold: int = DEFAULT_DIFFERENCING_THRESHOLD,
) -> pd.DataFrame:
    """Compare cohorts statistic by statistic; results rows with analysis "comparison".

    Parameters
    ----------
    tables
        Cohort label -> that cohort's results table (internal or release tier, or the rows of
        `published.published_cohort_results`). Every row of a table must be of its cohort.
    pairs
        (A, B) pairs to compare, A minus B; default each cohort against the first, in order.
    confidence
        Coverage of every CI.
    threshold
        The disclosure threshold: released pairs whose counts differ by fewer than this get a
        differencing warning.

    Returns
    -------
    Results rows (results.py schema), per pair in order and per key (`KEY_COLUMNS`) in the
    order of A's table. cohort is "A vs B"; output, variable, level, group_variable, group,
    unit are the key; finding joins both rows' findings; n and denominator are the sums of
    both cohorts'. For a key both cohorts have as a proportion row: "risk_difference" (Newcombe
    hybrid score CI), "odds_ratio" (Woolf logit CI; 0.5 added to every cell when one is 0)
    and a test row, "chi2" (Pearson, 1 df, no continuity correction) when every expected count
    is at least 5, else "fisher_exact" (estimate: the sample odds ratio), "not_tested" when a
    margin is empty. For a key both have as a mean row with an SD row: "mean_difference"
    (Welch CI, Welch-Satterthwaite df) and "welch_t". Test p-values are Holm-adjusted within
    each pair. disclosure is "suppressed" (values blank) when a source row is suppressed or,
    being released, blank; "not checked" when a source is; else "released". The two cohorts
    are assumed independent (no child in both).

    References
    ----------
    Newcombe, R. G. (1998) Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17, 873-890 (method 10;
    statsmodels confint_proportions_2indep(method="newcomb")). Woolf, B. (1955) On estimating
    the relation between blood group and disease. Ann Hum Genet 19, 251-253
    (method="logit"; "logit-adjusted" adds 0.5 to each cell, Haldane 1956). Welch, B. L.
    (1947) Biometrika 34, 28-35 (scipy.stats.ttest_ind_from_stats(equal_var=False)). Holm, S.
    (1979) Scand J Stat 6, 65-70 (statsmodels multipletests(method="holm")).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        raise ValueError(f"threshold must be a non-negative whole number, got {threshold!r}")
    _check_tables(tables)
    labels = [str(label) for label in tables]
    pairs = _default_pairs(labels) if pairs is None else [tuple(p) for p in pairs]
    _check_pairs(pairs, tables)
    rows_by_cohort = {label: _rows_of(tables[label], label) for label in labels}
    records: list[dict] = []
    for first, second in pairs:
        records += _compare_pair(
            (first, second), tables[first], rows_by_cohort[first], rows_by_cohort[second],
            confidence=confidence, threshold=threshold)
    if not records:
        return empty_results()
    return make_results(records, analysis=COMPARISON_ANALYSIS)


def _check_pairs(pairs: list[tuple], tables: Mapping[str, pd.DataFrame]) -> None:
    labels = [str(label) for label in tables]
    for pair in pairs:
        if len(pair) != 2:
            raise ComparisonError(f"a pair names two cohorts, got {pair!r}")
        unknown = [c for c in pair if c not in tables]
        if unknown:
            raise ComparisonError(
                f"pair {pair!r}: no results table for cohort(s) {unknown}; tables were given "
                f"for {labels}"
            )
        if pair[0] == pair[1]:
            raise ComparisonError(f"pair {pair!r} compares a cohort with itself")


def _compare_pair(labels, first_table, rows_a, rows_b, *, confidence, threshold) -> list[dict]:
    """The rows comparing two cohorts, per key in the order of the first cohort's table, with
    the p-values of the pair's tests Holm-adjusted per report section."""
    (shares_a, means_a), (shares_b, means_b) = rows_a, rows_b
    pair_records: list[dict] = []
    order = list(dict.fromkeys([*shares_a, *means_a]))
    for key in _in_table_order(first_table, order):
        if key in shares_a and key in shares_b:
            pair_records += compare_proportions(
                labels, shares_a[key], shares_b[key], key, confidence=confidence,
                threshold=threshold)
        if key in means_a and key in means_b:
            pair_records += compare_means(
                labels, means_a[key], means_b[key], key, confidence=confidence,
                threshold=threshold)
    holm_adjust(pair_records)
    return pair_records


def _in_table_order(table: pd.DataFrame, keys: list[tuple]) -> list[tuple]:
    """`keys` in the order their first row appears in `table`."""
    wanted = set(keys)
    ordered = []
    for _, row in table.iterrows():
        key = _key(row)
        if key in wanted and key not in ordered:
            ordered.append(key)
    return ordered


# --- replication verdicts side by side ----------------------------------------------------


def mdd_scale(statistic, unit) -> object:
    """What a minimum detectable difference measures, in words: "difference of shares (0 to
    1)" for a proportion, "difference of means (years)" for a mean; <NA> otherwise."""
    if is_na(statistic):
        return pd.NA
    if statistic == "proportion":
        return "difference of shares (0 to 1)"
    if statistic == "mean":
        return "difference of means" + ("" if is_na(unit) else f" ({unit})")
    return pd.NA


def _overall_rows(label: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The overall rows (part 0) of one cohort's evaluation, checked to be of that cohort."""
    missing = [c for c in ("cohort", "register_version", "part", *FINDING_COLUMNS,
                           *EVIDENCE_COLUMNS) if c not in frame.columns]
    if missing:
        raise ComparisonError(
            f"the evaluation given as cohort {label!r} lacks the column(s) {missing}; pass "
            "replication.evaluate_register's frame"
        )
    cohorts = set(frame["cohort"].dropna().astype(str))
    if cohorts - {label}:
        raise ComparisonError(
            f"the evaluation given as cohort {label!r} holds rows of cohort(s) "
            f"{sorted(cohorts - {label})}; evaluate each cohort on its own"
        )
    return frame[frame["part"].eq(OVERALL_PART).fillna(False).to_numpy(dtype=bool)]


def _check_one_register(evaluations: Mapping[str, pd.DataFrame]) -> None:
    versions: dict[str, str] = {}
    for label, frame in evaluations.items():
        for version in frame["register_version"].dropna().astype(str).unique():
            versions.setdefault(version, str(label))
    if len(versions) > 1:
        listed = ", ".join(f"version {v} ({c})" for v, c in sorted(versions.items()))
        raise ComparisonError(
            f"the cohorts were evaluated with different replication registers ({listed}); "
            "evaluate every cohort with the same register"
        )


def _side_by_side_record(fixed: dict, label: str, match: pd.DataFrame) -> dict:
    record = {**fixed, "cohort": label}
    if not len(match):  # this cohort's evaluation lacks the finding
        return {**record, **dict.fromkeys(EVIDENCE_COLUMNS, pd.NA), MDD_SCALE: pd.NA}
    row = match.iloc[0]
    record.update({column: row[column] for column in EVIDENCE_COLUMNS})
    record[MDD_SCALE] = pd.NA if is_na(row["mdd"]) else mdd_scale(row["statistic"], row["unit"])
    return record


def replication_side_by_side(evaluations: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The overall verdict (part 0) of every finding per cohort, with what it rests on.

    `evaluations` maps cohort label -> `replication.evaluate_register` frame of that cohort.
    Returns one tidy frame, `SIDE_BY_SIDE_COLUMNS`, one row per finding and cohort (findings
    in register order, cohorts in the order given): the finding (finding, claim, kind,
    published), the cohort, then the evaluation's own values for that cohort's overall row:
    verdict, scale, test, p_value (raw), p_adjusted (Holm; <NA> for an equivalence test,
    which is not adjusted), p_adjust_method, alpha, margin (equivalence), statistic, unit,
    mdd (minimum detectable difference on the estimate's scale), mdd_scale (that scale in
    words, `mdd_scale`), and the counts the verdict rests on: n and denominator, compared_n and
    compared_denominator (direction claims; <NA> for a finding of several parts, whose counts
    are in its parts). Every value is copied unchanged. A cohort whose evaluation lacks a
    finding gets a row with every evidence column <NA>.

    Raises ComparisonError when an evaluation lacks a column, holds another cohort's rows, or
    the cohorts were evaluated with different register versions.
    """
    frames = [(str(label), _overall_rows(str(label), frame))
              for label, frame in evaluations.items()]
    _check_one_register(evaluations)
    findings: dict[str, dict] = {}
    for _, overall in frames:
        for _, row in overall.iterrows():
            findings.setdefault(str(row["finding"]),
                                {column: row[column] for column in FINDING_COLUMNS})
    records = []
    for finding, fixed in findings.items():
        for label, overall in frames:
            match = overall[overall["finding"].eq(finding).fillna(False).to_numpy(dtype=bool)]
            records.append(_side_by_side_record(fixed, label, match))
    frame = pd.DataFrame.from_records(records, columns=list(SIDE_BY_SIDE_COLUMNS))
    for column, dtype in SIDE_BY_SIDE_COLUMNS.items():
        values = frame[column].astype(object).where(frame[column].notna(), pd.NA)
        frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True)
