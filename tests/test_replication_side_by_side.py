"""The replication verdicts of several cohorts side by side (compare.cohorts
.replication_side_by_side): one row per finding and cohort, each verdict with the p-values,
minimum detectable difference and counts it rests on, copied unchanged from each cohort's
evaluation; on hand-made evaluations and on `evaluate_register` of tiny results tables."""

from __future__ import annotations

import pandas as pd
import pytest
from comparison_helpers import evaluation
from replication_helpers import SELECT, row
from scipy.stats import binomtest
from statsmodels.stats.proportion import binom_tost

from tahsb_analysis.compare.cohorts import (
    EVIDENCE_COLUMNS,
    SIDE_BY_SIDE_COLUMNS,
    ComparisonError,
    mdd_scale,
    replication_side_by_side,
)
from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.compare.verdicts import (
    CONSISTENT,
    INSUFFICIENT,
    NOT_SUPPORTED,
    SUPPORTED,
    UNINFORMATIVE,
)
from tahsb_analysis.results.schema import make_results

# Hand-made evidence of two cohorts: every value distinct, so a value shown in the wrong
# cohort or finding is caught.
EVIDENCE_A = {
    "P1": dict(scale="value", test="exact binomial TOST", p_value=0.000515, margin=0.10,
               statistic="proportion", unit="children", mdd=0.0844, n=126, denominator=275),
    "C1": dict(scale="direction", test="Mann-Whitney U", p_value=0.00044, p_adjusted=0.0114,
               p_adjust_method="Holm (30 directional tests of this cohort)",
               statistic="mean", unit="years", mdd=2.28),
}
EVIDENCE_B = {
    "P1": dict(scale="value", test="exact binomial TOST", p_value=0.21, margin=0.10,
               statistic="proportion", unit="children", mdd=0.169, n=40, denominator=70),
    "C1": dict(scale="direction", test="Fisher's exact", p_value=0.081, p_adjusted=0.797,
               p_adjust_method="Holm (12 directional tests of this cohort)",
               statistic="proportion", unit="children", mdd=0.453, n=22, denominator=25,
               compared_n=7, compared_denominator=14),
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return replication_side_by_side({
        "a": evaluation("a", {"P1": CONSISTENT, "C1": SUPPORTED}, evidence=EVIDENCE_A),
        "b": evaluation("b", {"P1": UNINFORMATIVE, "C1": NOT_SUPPORTED}, evidence=EVIDENCE_B),
    })


def cell(frame: pd.DataFrame, finding: str, cohort: str) -> pd.Series:
    rows = frame[frame["finding"].eq(finding) & frame["cohort"].eq(cohort)]
    assert len(rows) == 1, f"{len(rows)} rows for {finding} in {cohort}"
    return rows.iloc[0]


def test_one_row_per_finding_and_cohort_in_register_then_given_order(frame):
    assert list(frame.columns) == list(SIDE_BY_SIDE_COLUMNS)
    assert list(zip(frame["finding"], frame["cohort"], strict=True)) == [
        ("P1", "a"), ("P1", "b"), ("C1", "a"), ("C1", "b")]
    assert frame["published"].tolist() == ["pub P1"] * 2 + ["pub C1"] * 2
    assert {c: str(t) for c, t in frame.dtypes.items()} == SIDE_BY_SIDE_COLUMNS


def test_each_cohort_carries_its_own_verdict_p_and_mdd_exactly_as_evaluated(frame):
    expected = {("a", "P1"): (CONSISTENT, EVIDENCE_A["P1"]), ("a", "C1"): (SUPPORTED,
                                                                          EVIDENCE_A["C1"]),
                ("b", "P1"): (UNINFORMATIVE, EVIDENCE_B["P1"]),
                ("b", "C1"): (NOT_SUPPORTED, EVIDENCE_B["C1"])}
    for (cohort, finding), (verdict, given) in expected.items():
        shown = cell(frame, finding, cohort)
        assert shown["verdict"] == verdict
        for column in EVIDENCE_COLUMNS[1:]:
            if column in given:
                assert shown[column] == given[column], (cohort, finding, column)
            elif column != "alpha":
                assert pd.isna(shown[column]), (cohort, finding, column)
        assert shown["alpha"] == 0.05
    # An equivalence test is not adjusted: no adjusted p, the raw one kept.
    assert pd.isna(cell(frame, "P1", "a")["p_adjusted"])
    # Part 1 rows (p 0.999, n 999) never reach the side-by-side.
    assert not frame["p_value"].eq(0.999).any() and not frame["n"].eq(999).any()


def test_the_mdd_says_what_it_measures(frame):
    assert cell(frame, "P1", "a")["mdd_scale"] == "difference of shares (0 to 1)"
    assert cell(frame, "C1", "a")["mdd_scale"] == "difference of means (years)"
    assert mdd_scale("mean", pd.NA) == "difference of means"
    assert pd.isna(mdd_scale("rank", "children")) and pd.isna(mdd_scale(pd.NA, pd.NA))


def test_a_finding_a_cohort_lacks_gets_a_row_with_no_evidence():
    frame = replication_side_by_side({
        "a": evaluation("a", {"P1": SUPPORTED, "P2": INSUFFICIENT},
                        evidence={"P2": dict(mdd=0.05, statistic="proportion")}),
        "b": evaluation("b", {"P1": "opposite direction"}),
    })
    assert cell(frame, "P2", "a")["verdict"] == INSUFFICIENT
    missing = cell(frame, "P2", "b")
    assert all(pd.isna(missing[c]) for c in [*EVIDENCE_COLUMNS, "mdd_scale"])


def test_side_by_side_refuses_evaluations_with_different_registers():
    with pytest.raises(ComparisonError, match="different replication registers"):
        replication_side_by_side({"a": evaluation("a", {"P1": SUPPORTED}, version="2"),
                                  "b": evaluation("b", {"P1": SUPPORTED}, version="3")})


def test_side_by_side_refuses_an_evaluation_of_another_cohort_or_without_the_evidence():
    with pytest.raises(ComparisonError, match=r"holds rows of cohort\(s\) \['b'\]"):
        replication_side_by_side({"a": evaluation("b", {"P1": SUPPORTED})})
    bare = evaluation("a", {"P1": SUPPORTED}).drop(columns=["mdd", "p_adjusted"])
    with pytest.raises(ComparisonError, match=r"lacks the column\(s\) \['p_adjusted', 'mdd'\]"):
        replication_side_by_side({"a": bare})


def test_no_evaluation_gives_an_empty_frame_with_the_columns():
    frame = replication_side_by_side({})
    assert frame.empty and list(frame.columns) == list(SIDE_BY_SIDE_COLUMNS)


# --- on evaluate_register of tiny results tables ------------------------------------------------

REGISTER = {
    "version": 1, "source": "hand-made register for tests", "alpha": 0.05,
    "claims": [
        {"id": "X1", "finding": "46% of children", "kind": "value", "published": "46%",
         "checks": [{"rule": "equivalence", "measure": "share", "value": 0.46, "margin": 0.10,
                     "margin_reason": "test", "select": SELECT}]},
        {"id": "X2", "finding": "most children", "kind": "direction", "published": "above 50%",
         "checks": [{"rule": "share_above", "measure": "share", "threshold": 0.5,
                     "select": {**SELECT, "output": "o2"}}]},
    ],
}


def cohort_table(cohort: str, rows: list[dict]) -> pd.DataFrame:
    return make_results([{**r, "cohort": cohort} for r in rows])


def test_evaluated_cohorts_side_by_side_keep_every_value_of_their_evaluation():
    a = cohort_table("a", [row(estimate=127 / 275, ci_low=0.403, ci_high=0.521, n=127,
                               denominator=275),
                           row(output="o2", estimate=0.7, ci_low=0.60, ci_high=0.78, n=70,
                               denominator=100)])
    b = cohort_table("b", [row(estimate=40 / 70, ci_low=0.455, ci_high=0.681, n=40,
                               denominator=70)])  # b has no row for X2
    evaluations = {"a": evaluate_register(a, REGISTER), "b": evaluate_register(b, REGISTER)}
    frame = replication_side_by_side(evaluations)
    for cohort, evaluated in evaluations.items():
        for _, source in evaluated[evaluated["part"].eq(0)].iterrows():
            shown = cell(frame, source["finding"], cohort)
            for column in EVIDENCE_COLUMNS:
                same = (pd.isna(shown[column]) and pd.isna(source[column])) or \
                    shown[column] == source[column]
                assert same, (cohort, source["finding"], column)
    # Independent references for the values carried: statsmodels binom_tost(127, 275, 0.36,
    # 0.56) p = 0.000673; binom_tost(40, 70, 0.36, 0.56) p = 0.621; scipy binomtest(70, 100)
    # two-sided against 0.5 (Holm over one test leaves it as it is).
    x1a, x1b, x2a = cell(frame, "X1", "a"), cell(frame, "X1", "b"), cell(frame, "X2", "a")
    assert x1a["verdict"] == CONSISTENT and x1b["verdict"] == UNINFORMATIVE
    assert x1a["p_value"] == pytest.approx(binom_tost(127, 275, 0.36, 0.56)[0])
    assert x1b["p_value"] == pytest.approx(0.621071, abs=1e-6)
    assert pd.isna(x1a["p_adjusted"]) and (x1a["n"], x1a["denominator"]) == (127, 275)
    assert x1a["mdd_scale"] == "difference of shares (0 to 1)" and x1a["mdd"] > 0
    assert x2a["verdict"] == SUPPORTED
    assert x2a["p_value"] == pytest.approx(binomtest(70, 100, 0.5).pvalue)
    assert x2a["p_adjusted"] == pytest.approx(x2a["p_value"])
    assert cell(frame, "X2", "b")["verdict"] == INSUFFICIENT
