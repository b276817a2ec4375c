"""Prevalence (P1, P2) on hand-counted cohorts, and the calibrated synthetic cohort.

The conftest cohort, counted by hand: C001 dual (male, 14, LD no), C002 TA-HSB only (male, 15,
LD not recorded), C003 offline only (male, 12, LD yes), C004 offline only (female, 13, LD no),
C005 dual (other, age not recorded, LD no), C006 TA-HSB only (sex not recorded, 16, LD no).
"""

import pandas as pd
import pytest
from conftest import build_cohort
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.analyses.prevalence import age_bands, prevalence
from tahsb_analysis.results.schema import validate_results


@pytest.fixture
def cohort(tmp_path, frames):
    return build_cohort(tmp_path, frames)


@pytest.fixture
def results(cohort):
    return prevalence(cohort, exact_test_resamples=999)


def pick(results, output, **where):
    rows = results[results["output"] == output]
    for column, value in where.items():
        rows = rows[rows[column].isna()] if value is None else rows[rows[column] == value]
    return rows


def test_overall_shares_match_the_hand_count(results):
    overall = pick(results, "prevalence_overall", statistic="proportion", group_variable=None)
    counts = dict(zip(overall["level"], zip(overall["n"], overall["denominator"], strict=True),
                      strict=True))
    assert counts == {"any_ta_hsb": (4, 6), "ta_only": (2, 6), "dual": (2, 6),
                      "offline_only": (2, 6), "neither": (0, 6)}


def test_overall_rows_carry_their_findings_and_method(results):
    overall = pick(results, "prevalence_overall", statistic="proportion",
                   group_variable=None).set_index("level")
    assert overall.loc["any_ta_hsb", "finding"] == "P1"
    assert overall.loc["ta_only", "finding"] == "P2"
    assert set(overall["method"]) == {"Wilson 95% CI"}


def test_dual_among_children_with_any_ta_hsb_is_a_share_of_the_overall_counts(results):
    # C001 and C005 are dual, C002 and C006 TA-HSB only: 2 of the 4 with any TA-HSB.
    row = pick(results, "prevalence_overall", group="any_ta_hsb").squeeze()
    assert (row["variable"], row["level"], row["group_variable"]) == ("hsb_group", "dual",
                                                                       "population")
    assert (row["statistic"], row["n"], row["denominator"]) == ("proportion", 2, 4)
    assert row["estimate"] == pytest.approx(0.5) and row["finding"] == "L3"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        proportion_confint(2, 4, method="wilson"))
    assert row["method"] == "Wilson 95% CI"


def test_overall_ci_agrees_with_statsmodels(results):
    row = pick(results, "prevalence_overall", level="any_ta_hsb").iloc[0]
    # statsmodels.stats.proportion.proportion_confint(4, 6, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        proportion_confint(4, 6, method="wilson")
    )


def test_clopper_pearson_is_available_and_named(cohort):
    results = prevalence(cohort, ci_method="clopper-pearson", exact_test_resamples=999)
    row = pick(results, "prevalence_overall", level="ta_only").iloc[0]
    assert row["method"] == "Clopper-Pearson exact 95% CI"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        proportion_confint(2, 6, method="beta")
    )


def test_by_sex_counts_within_each_level(results):
    male = pick(results, "prevalence_by_sex", group="male", statistic="proportion")
    assert dict(zip(male["level"], male["n"], strict=True))["any_ta_hsb"] == 2
    assert set(male["denominator"]) == {3}
    other = pick(results, "prevalence_by_sex", group="other", level="dual").iloc[0]
    assert (other["n"], other["denominator"]) == (1, 1)


def test_child_with_missing_sex_is_counted_in_a_missing_row_not_dropped(results):
    missing = pick(results, "prevalence_by_sex", variable="sex").iloc[0]
    assert missing["level"] == "missing: not recorded"
    assert (missing["n"], missing["denominator"]) == (1, 6)
    shown = pick(results, "prevalence_by_sex", level="any_ta_hsb", statistic="proportion")
    assert shown["denominator"].sum() + missing["n"] == 6


def test_age_band_with_zero_children_gives_an_empty_denominator_row(results):
    empty = pick(results, "prevalence_by_age_band", group="5-11", level="any_ta_hsb").iloc[0]
    assert empty["denominator"] == 0 and pd.isna(empty["estimate"])
    assert "empty denominator" in empty["warning"]
    older = pick(results, "prevalence_by_age_band", group="15-18", level="any_ta_hsb").iloc[0]
    assert (older["n"], older["denominator"]) == (2, 2)


def test_age_bands_are_configurable(cohort):
    results = prevalence(cohort, age_band_starts=(5, 14), exact_test_resamples=999)
    groups = set(pick(results, "prevalence_by_age_band", statistic="proportion")["group"])
    assert groups == {"5-13", "14-18"}


def test_age_bands_starting_after_the_youngest_age_are_refused(cohort):
    with pytest.raises(ValueError, match="youngest possible age"):
        prevalence(cohort, age_band_starts=(10, 14))


def test_age_band_labels_and_edges():
    ages = pd.Series(pd.array([5, 11, 12, 14, 15, 18, None], dtype="Int64"))
    assert age_bands(ages, (5, 12, 15)).astype("string").tolist()[:6] == [
        "5-11", "5-11", "12-14", "12-14", "15-18", "15-18",
    ]
    assert pd.isna(age_bands(ages, (5, 12, 15)).iloc[6])


def test_learning_disability_test_uses_fisher_and_matches_the_hand_value(results):
    # Children with LD and group known: LD yes: C003 (no TA-HSB); LD no: C001, C005, C006
    # (TA-HSB) and C004 (none). Hypergeometric by hand: P(0 TA-HSB among the 1 LD child)
    # = C(3,0)C(2,1)/C(5,1) = 0.4; P(1) = 0.6; two-sided p = 0.4.
    row = pick(results, "prevalence_by_learning_disability", variable="any_ta_hsb").iloc[0]
    assert row["statistic"] == "fisher_exact"
    assert row["p_value"] == pytest.approx(0.4)
    assert row["p_value"] == pytest.approx(stats.fisher_exact([[0, 3], [1, 1]]).pvalue)
    assert row["n"] == 5
    assert "exact test used" in row["warning"]


def test_results_follow_the_schema_and_name_the_cohort(results, cohort):
    validate_results(results)
    assert set(results["cohort"]) == {cohort.label}
    assert results["synthetic"].all()
    assert set(results["analysis"]) == {"prevalence"}


def test_input_cases_are_not_modified(cohort):
    before = cohort.cases.copy(deep=True)
    prevalence(cohort, exact_test_resamples=999)
    pd.testing.assert_frame_equal(cohort.cases, before)


def test_synthetic_cohort_reproduces_p1_and_p2():
    from pathlib import Path

    from tahsb_analysis.input.validation import validate_cohort

    data = Path(__file__).resolve().parents[1] / "data" / "synthetic"
    cohort = validate_cohort({t: data / f"{t}.csv" for t in ("cases", "case_file", "behaviours")})
    rows = pick(prevalence(cohort, exact_test_resamples=999), "prevalence_overall")
    overall = rows[rows["group_variable"].isna()]
    shares = overall.set_index("level")["estimate"]
    # Published: 46% any TA-HSB (P1), 7% TA-HSB only (P2), of 275 children.
    assert round(100 * shares["any_ta_hsb"]) == 46
    assert round(100 * shares["ta_only"]) == 7
    assert set(overall["denominator"]) == {275}
    # L3's proxy: the 107 dual children among the 126 with any TA-HSB.
    l3 = rows[rows["group"].eq("any_ta_hsb").fillna(False)].squeeze()
    assert (l3["level"], l3["n"], l3["denominator"]) == ("dual", 107, 126)
    assert l3["estimate"] == pytest.approx(107 / 126)


def test_breakdown_tests_are_chi_squared_on_the_crosstab_of_group_by_level(tmp_path):
    from tahsb_analysis.analyses.groups import hsb_group
    from tahsb_analysis.input.validation import validate_cohort
    from tahsb_analysis.synthetic.generator import generate_cohort, write_cohort_csv
    from tahsb_analysis.synthetic.parameters import load_parameters

    tables = generate_cohort(load_parameters(), seed=3, n_cases=3_000)
    cohort = validate_cohort(write_cohort_csv(tables, tmp_path))
    rows = pick(prevalence(cohort), "prevalence_by_sex", variable="hsb_group")
    row = rows[rows["p_value"].notna()].iloc[0]
    known = cohort.cases.assign(hsb_group=hsb_group(cohort.cases)).dropna(
        subset=["hsb_group", "sex"]
    )
    # Reference: scipy.stats.chi2_contingency on pd.crosstab(group, sex), empty levels dropped.
    table = pd.crosstab(known["hsb_group"], known["sex"], dropna=False).to_numpy()
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    expected = stats.chi2_contingency(table, correction=False)
    assert row["statistic"] == "chi2"
    assert row["estimate"] == pytest.approx(expected.statistic, rel=1e-12)
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-12)
    assert row["n"] == table.sum()


def test_variable_missing_for_every_child_gives_empty_rows_and_no_test(tmp_path, frames):
    frames["cases"]["learning_disability"] = "-9"
    cohort = build_cohort(tmp_path, frames)
    results = prevalence(cohort, exact_test_resamples=999)
    missing = pick(results, "prevalence_by_learning_disability", variable="learning_disability")
    assert missing["n"].tolist() == [6]
    shares = pick(results, "prevalence_by_learning_disability", statistic="proportion")
    assert set(shares["denominator"]) == {0}
    tests = pick(results, "prevalence_by_learning_disability", statistic="not_tested")
    assert len(tests) == 2 and tests["p_value"].isna().all()
