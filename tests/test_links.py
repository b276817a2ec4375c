"""Links between TA-HSB and offline HSB (L1-L3, C1 ages): tiny cohorts ordered by hand.

Cohort D, used by most tests. Every child is male, aged 18 at referral, in the in-depth
sample; "-9" = not recorded. Kinds: off = offline HSB, porn = inappropriate_pornography,
other = any other online type. "same year" = same whole year of age (floor).

=====  =============  ======================================  =====  ===========  ===========
child  sub-group      behaviours (type: onset age)            porn   order (sub-  order (any
                                                              trig.  group)       TA-HSB)
=====  =============  ======================================  =====  ===========  ===========
D1     porn only      off_contact 10.0, porn 8.5              yes    online       online
D2     porn only      off_contact 9.0, porn 12.0              yes    offline      offline
D3     porn only      off_contact 11.2, porn 11.9             no     same year    same year
D4     porn only      off_contact 10.9, porn 11.0             -9     offline      offline
D5     porn only      off_contact 9.0, off_harassment -9,     yes    missing      missing
                      porn 12.0
D6     other          off_contact 8.0, iioc 11.5, texts 13.0  no     offline 3.5  offline
D7     other          off_contact 10.0, iioc 14.5, porn 9.0   yes    offline 4.5  online
D8     other          off_contact 12.0, texts 10.0            no     online       online
D9     other          off_contact 13.0, iioc 13.4             no     same year    same year
D10    other          off_contact 9.0, iioc -9, grooming 12   yes    missing      missing
D11    other          off_contact 10.0, iioc 12.0, porn -9    -9     offline 2.0  missing
D12    other          off_contact 10.2, porn 10.5, texts 10.9 yes    same year    same year
T1     (TA-HSB only)  iioc 14.0                               -8     -            -
O1     (offline only) off_contact 9.0                         no     -            -
=====  =============  ======================================  =====  ===========  ===========

D4 shows that onsets 0.1 years apart in different whole years are ordered, D3 that onsets
0.7 years apart in the same whole year are "same year". D5, D10 and D11 are partial: a missing
onset among the behaviours of a kind leaves that kind's first onset unknown.
"""

import copy
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.descriptivestats import sign_test
from statsmodels.stats.multitest import multipletests

import tahsb_analysis.analyses.bootstrap as bootstrap_module
from tahsb_analysis.analyses.bootstrap import bca_mean_ci, bootstrap_mean_ci
from tahsb_analysis.analyses.characteristics import characteristics
from tahsb_analysis.analyses.links import links
from tahsb_analysis.analyses.onset import TRAJECTORY_LEVELS, dual_timelines, onset_ages
from tahsb_analysis.analyses.onset_gap import gap_summary_rows, paired_difference_row
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.results.schema import RESULT_COLUMNS, validate_results

REPO = Path(__file__).resolve().parents[1]
SETTINGS = load_codebook().behaviour_settings()
CASE_FILE_FIELDS = [
    "age_first_hsb", "looked_after", "family_stability", "parent_relationship",
    "mental_health_difficulties", "unresolved_trauma", "impulsivity",
    "emotional_regulation_problems", "aggression_towards_self", "aggression_towards_others",
    "porn_trigger_offline", "police_involvement", "yos_involvement", "social_care_level",
    "school_exclusion_hsb", "therapeutic_intervention", "cj_outcome",
]
MISSING_ONSET = "missing: onset age not recorded"

COHORT_D_CASES = [
    # case_id, ta_hsb, offline_hsb, porn_trigger_offline
    ("D1", "yes", "yes", "yes"),
    ("D2", "yes", "yes", "yes"),
    ("D3", "yes", "yes", "no"),
    ("D4", "yes", "yes", "-9"),
    ("D5", "yes", "yes", "yes"),
    ("D6", "yes", "yes", "no"),
    ("D7", "yes", "yes", "yes"),
    ("D8", "yes", "yes", "no"),
    ("D9", "yes", "yes", "no"),
    ("D10", "yes", "yes", "yes"),
    ("D11", "yes", "yes", "-9"),
    ("D12", "yes", "yes", "yes"),
    ("T1", "yes", "no", "-8"),
    ("O1", "no", "yes", "no"),
]
COHORT_D_BEHAVIOURS = [
    # case_id, behaviour_type, age_at_onset
    ("D1", "offline_contact", "10"), ("D1", "inappropriate_pornography", "8.5"),
    ("D2", "offline_contact", "9"), ("D2", "inappropriate_pornography", "12"),
    ("D3", "offline_contact", "11.2"), ("D3", "inappropriate_pornography", "11.9"),
    ("D4", "offline_contact", "10.9"), ("D4", "inappropriate_pornography", "11"),
    ("D5", "offline_contact", "9"), ("D5", "offline_harassment", "-9"),
    ("D5", "inappropriate_pornography", "12"),
    ("D6", "offline_contact", "8"), ("D6", "iioc", "11.5"), ("D6", "sexual_texts", "13"),
    ("D7", "offline_contact", "10"), ("D7", "iioc", "14.5"),
    ("D7", "inappropriate_pornography", "9"),
    ("D8", "offline_contact", "12"), ("D8", "sexual_texts", "10"),
    ("D9", "offline_contact", "13"), ("D9", "iioc", "13.4"),
    ("D10", "offline_contact", "9"), ("D10", "iioc", "-9"), ("D10", "online_grooming", "12"),
    ("D11", "offline_contact", "10"), ("D11", "iioc", "12"),
    ("D11", "inappropriate_pornography", "-9"),
    ("D12", "offline_contact", "10.2"), ("D12", "inappropriate_pornography", "10.5"),
    ("D12", "sexual_texts", "10.9"),
    ("T1", "iioc", "14"),
    ("O1", "offline_contact", "9"),
]
# Paired differences (other TA-HSB minus offline) of the other_ta_hsb children with both ages
# known: D6, D7, D8, D9, D11, D12. D10's other TA-HSB onset is partial.
D_PAIRED_OTHER = np.array([11.5, 14.5, 10.0, 13.4, 12.0, 10.9])
D_PAIRED_OFFLINE = np.array([8.0, 10.0, 12.0, 13.0, 10.0, 10.2])
# Gaps of the offline_first ones: D6 3.5, D7 4.5, D11 2.0.
D_GAPS = np.array([3.5, 4.5, 2.0])
CONDITIONAL_WORDS = (
    "conditional on offline HSB first: dual children with other TA-HSB whose first offline HSB "
    "came in an earlier whole year of age than their first other TA-HSB (same-year onsets "
    "left out)"
)
PAIRED_WORDS = (
    "over all dual children with other TA-HSB and both onset ages, whichever came first "
    "(same-year onsets kept at their recorded difference)"
)


def cohort_frames(cases, behaviours, age_first_hsb=None) -> dict[str, pd.DataFrame]:
    """Text frames for an in-depth cohort given as (id, ta_hsb, offline_hsb, porn_trigger) and
    (id, type, onset age); age_first_hsb maps an id to its value (default -9)."""
    age_first_hsb = age_first_hsb or {}
    cases_frame = pd.DataFrame(
        [
            {"case_id": cid, "cohort": "test-links", "data_origin": "synthetic",
             "assessment_month": "2015-03", "sex": "male", "age_at_referral": "18",
             "learning_disability": "no", "offline_hsb": off, "ta_hsb": ta,
             "in_depth_sample": "yes"}
            for cid, ta, off, _ in cases
        ],
        dtype=str,
    )
    case_file = pd.DataFrame(
        [
            {"case_id": cid, **dict.fromkeys(CASE_FILE_FIELDS, "-9"),
             "porn_trigger_offline": trigger, "age_first_hsb": age_first_hsb.get(cid, "-9")}
            for cid, _, _, trigger in cases
        ],
        columns=["case_id", *CASE_FILE_FIELDS], dtype=str,
    )
    seq: dict[str, int] = {}
    rows = []
    for cid, kind, age in behaviours:
        seq[cid] = seq.get(cid, 0) + 1
        rows.append({"case_id": cid, "behaviour_seq": str(seq[cid]), "behaviour_type": kind,
                     "setting": SETTINGS[kind], "age_at_onset": age, "aimed_at_other": "yes"})
    behaviours_frame = pd.DataFrame(
        rows, columns=["case_id", "behaviour_seq", "behaviour_type", "setting", "age_at_onset",
                       "aimed_at_other"], dtype=str,
    )
    return {"cases": cases_frame, "case_file": case_file, "behaviours": behaviours_frame}


def build(directory: Path, cases, behaviours, age_first_hsb=None):
    from conftest import write_csv_tables

    frames = cohort_frames(cases, behaviours, age_first_hsb)
    return validate_cohort(write_csv_tables(directory, frames))


@pytest.fixture
def cohort_d(tmp_path):
    return build(tmp_path, COHORT_D_CASES, COHORT_D_BEHAVIOURS)


@pytest.fixture
def result_d(cohort_d):
    return links(cohort_d)


@pytest.fixture(scope="module")
def synthetic_cohort():
    directory = REPO / "data" / "synthetic"
    return validate_cohort(
        {name: directory / f"{name}.csv" for name in ("cases", "case_file", "behaviours")}
    )


def rows_of(result, output, *, variable=None, level=None, group=None, statistic=None):
    chosen = result[result["output"] == output]
    for column, value in (("variable", variable), ("level", level), ("group", group),
                          ("statistic", statistic)):
        if value is not None:
            chosen = chosen[chosen[column] == value]
    return chosen


def one_row(result, output, **criteria) -> pd.Series:
    chosen = rows_of(result, output, **criteria)
    assert len(chosen) == 1, chosen
    return chosen.iloc[0]


def shares(result, output, group, variable=None) -> dict[str, tuple[int, int]]:
    rows = rows_of(result, output, variable=variable, group=group, statistic="proportion")
    return {r.level: (int(r.n), int(r.denominator)) for r in rows.itertuples()}


def missing_counts(result, output, group, variable=None) -> dict[str, tuple[int, int]]:
    rows = rows_of(result, output, variable=variable, group=group, statistic="count")
    return {r.level: (int(r.n), int(r.denominator)) for r in rows.itertuples()}


# ---------------------------------------------------------------------------------------------
# Onset order (L2;L3)


def test_onset_order_compares_each_subgroup_with_its_own_online_behaviour(result_d):
    # pornography_only: D2, D4 offline first; D1 online first; D3 same year; D5 partial.
    assert shares(result_d, "onset_order", "pornography_only") == {
        "offline_first": (2, 4), "online_first": (1, 4), "same_year": (1, 4),
    }
    # other_ta_hsb against first OTHER TA-HSB: D6, D7, D11 offline first (D7's earlier
    # pornography and D11's partial pornography do not count); D8 online; D9, D12 same year.
    assert shares(result_d, "onset_order", "other_ta_hsb") == {
        "offline_first": (3, 6), "online_first": (1, 6), "same_year": (2, 6),
    }


def test_all_dual_order_uses_the_first_ta_hsb_of_any_kind(result_d):
    # D7 turns online first (pornography at 9 before offline at 10); D11's partial pornography
    # leaves its first TA-HSB unknown: offline D2 D4 D6, online D1 D7 D8, same D3 D9 D12.
    assert shares(result_d, "onset_order", "all_dual") == {
        "offline_first": (3, 9), "online_first": (3, 9), "same_year": (3, 9),
    }


def test_onsets_in_the_same_whole_year_are_same_year_and_a_year_boundary_orders_them(
    cohort_d,
):
    ages = onset_ages(cohort_d)
    # Children are numbered in cases order: D3 is child 3, D4 child 4.
    d3 = ages.loc[ages["child"] == 3].iloc[0]
    d4 = ages.loc[ages["child"] == 4].iloc[0]
    assert (d3["first_offline"], d3["first_pornography"]) == (11.2, 11.9)
    assert d3["order_online"] == "same_year"  # floor(11.2) == floor(11.9)
    assert (d4["first_offline"], d4["first_pornography"]) == (10.9, 11.0)
    assert d4["order_online"] == "offline_first"  # floor(10.9) = 10 < 11 = floor(11.0)


def test_a_missing_onset_makes_the_kind_partial_and_is_counted_per_group(result_d):
    # D5 (offline partial) in pornography_only; D10 (other TA partial) in other_ta_hsb;
    # all_dual also loses D11, whose pornography onset (part of "any TA-HSB") is partial.
    assert missing_counts(result_d, "onset_order", "pornography_only") == {MISSING_ONSET: (1, 5)}
    assert missing_counts(result_d, "onset_order", "other_ta_hsb") == {MISSING_ONSET: (1, 7)}
    assert missing_counts(result_d, "onset_order", "all_dual") == {MISSING_ONSET: (3, 12)}
    row = one_row(result_d, "onset_order", group="all_dual", statistic="count")
    assert row["method"] == "count of children whose value is missing"
    assert row["variable"] == "onset_order"


def test_onset_order_rows_carry_findings_group_variable_and_wilson_intervals(result_d):
    rows = rows_of(result_d, "onset_order")
    assert (rows["finding"] == "L2;L3").all()
    assert (rows["group_variable"] == "dual_subgroup").all()
    assert set(rows["group"]) == {"all_dual", "pornography_only", "other_ta_hsb"}
    row = one_row(result_d, "onset_order", group="other_ta_hsb", level="offline_first")
    low, high = stats.binomtest(3, 6).proportion_ci(method="wilson")  # Wilson 95%: 3 of 6
    assert row["estimate"] == pytest.approx(0.5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["method"] == "Wilson 95% CI"


# ---------------------------------------------------------------------------------------------
# Pornography as a trigger (L1)


def test_porn_trigger_shares_per_group_with_missing_rows_from_the_missing_codes(result_d):
    # yes: D1 D2 D5 D7 D10 D12; no: D3 D6 D8 D9; -9: D4 D11. T1 and O1 are not dual.
    assert shares(result_d, "porn_trigger", "all_dual") == {"yes": (6, 10)}
    assert shares(result_d, "porn_trigger", "pornography_only") == {"yes": (3, 4)}
    assert shares(result_d, "porn_trigger", "other_ta_hsb") == {"yes": (3, 6)}
    assert missing_counts(result_d, "porn_trigger", "all_dual") == {
        "missing: not recorded": (2, 12)
    }
    assert missing_counts(result_d, "porn_trigger", "pornography_only") == {
        "missing: not recorded": (1, 5)
    }
    rows = rows_of(result_d, "porn_trigger")
    assert (rows["variable"] == "porn_trigger_offline").all()
    assert (rows["finding"] == "L1").all()


def test_porn_trigger_bounds_count_not_recorded_as_no_then_yes(result_d):
    # All dual: 6 yes of 10 recorded, 2 not recorded (D4, D11) -> 6/12 to 8/12 (sensitivity
    # analysis); the complete-case share 6/10 stays the estimate.
    row = one_row(result_d, "porn_trigger_missing_bounds", group="all_dual")
    assert row["statistic"] == "missing_bounds"
    assert row["method"].startswith("sensitivity analysis:")
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((0.6, 0.5, 8 / 12))
    assert (row["n"], row["denominator"]) == (12, 12)
    # Pornography only: 3 yes of 4, 1 not recorded -> 3/5 to 4/5.
    row = one_row(result_d, "porn_trigger_missing_bounds", group="pornography_only")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((3 / 5, 4 / 5))


def test_binomial_test_matches_scipy_binomtest_one_sided(result_d):
    row = one_row(result_d, "porn_trigger", statistic="binomial_test")
    expected = stats.binomtest(6, 10, p=0.5, alternative="greater").pvalue
    assert row["p_value"] == pytest.approx(expected, rel=1e-12)
    assert (row["group"], row["level"]) == ("all_dual", "yes")
    assert (row["estimate"], row["n"], row["denominator"]) == (pytest.approx(0.6), 6, 10)
    assert row["method"] == "exact binomial test, one-sided (H1: share > 0.5)"


def test_binomial_test_on_31_of_52_matches_a_hand_computed_tail(synthetic_cohort):
    row = one_row(links(synthetic_cohort), "porn_trigger", statistic="binomial_test")
    # P(X >= 31 | n = 52, p = 0.5) = sum_{k=31}^{52} C(52, k) / 2**52 = 0.105804...
    # (scipy.stats.binom.sf(30, 52, 0.5) = 0.10580428438075806; the brief's "0.0971" is not
    # this tail, and neither is P(X >= 32) = binom.sf(31, 52, 0.5) = 0.0632).
    hand = sum(math.comb(52, k) for k in range(31, 53)) / 2**52
    assert hand == pytest.approx(0.105804, abs=1e-6)
    assert hand == pytest.approx(stats.binom.sf(30, 52, 0.5), rel=1e-12)
    assert row["p_value"] == pytest.approx(hand, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Onset gap (L2)


def test_gap_summaries_cover_the_offline_first_other_ta_hsb_children(result_d):
    rows = rows_of(result_d, "onset_gap", level="offline_first")
    by_statistic = dict(zip(rows["statistic"], rows["estimate"].astype(float), strict=True))
    q1, median, q3 = np.quantile(D_GAPS, [0.25, 0.5, 0.75])  # 2.75, 3.5, 4.0
    assert by_statistic == pytest.approx(
        {"mean": 10 / 3, "sd": float(np.std(D_GAPS, ddof=1)), "median": median, "q1": q1,
         "q3": q3}
    )
    assert (median, q1, q3) == (3.5, 2.75, 4.0)
    assert (rows["n"] == 3).all() and (rows["denominator"] == 3).all()
    assert (rows["unit"] == "years").all()
    assert (rows["group"] == "other_ta_hsb").all() and (rows["finding"] == "L2").all()


def test_bootstrap_interval_is_the_percentile_interval_of_seeded_resample_index_matrix(
    cohort_d,
):
    result = links(cohort_d, gap_ci="bootstrap", bootstrap_resamples=999, bootstrap_seed=7)
    mean = one_row(result, "onset_gap", level="offline_first", statistic="mean")
    # Independent recomputation: numpy.random.default_rng(7).integers(0, 3, size=(999, 3)).
    rng = np.random.default_rng(7)
    means = D_GAPS[rng.integers(0, 3, size=(999, 3))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert mean["method"] == (
        "mean with bootstrap percentile 95% CI (999 resamples, seed 7); " + CONDITIONAL_WORDS
    )


def gap_sample(size: int, seed: int = 8) -> np.ndarray:
    """Gaps in tenths of a year between 1 and 6 years, as onset gaps are: few distinct values."""
    return np.random.default_rng(seed).integers(10, 61, size=size) / 10


def test_gap_row_says_when_the_bootstrap_drew_counts(monkeypatch):
    import tahsb_analysis.analyses.links as links_module

    settings = links_module._settings(
        "wilson", 0.95, "bootstrap", 999, 7, "wilcoxon", "kruskal-wallis", "holm"
    )
    gaps = gap_sample(1_000)
    rows = gap_summary_rows(gaps, {"level": "offline_first"}, settings)
    assert rows[0]["method"] == (
        "mean with bootstrap percentile 95% CI (999 resamples, seed 7); " + CONDITIONAL_WORDS
    )
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_INDEX_LIMIT", 1_000)
    rows = gap_summary_rows(gaps, {"level": "offline_first"}, settings)
    assert rows[0]["method"] == (
        "mean with bootstrap percentile 95% CI (999 resamples, each drawn as multinomial counts "
        "of the 51 distinct gaps because the 1000 gaps are many, seed 7); " + CONDITIONAL_WORDS
    )
    assert (rows[0]["ci_low"], rows[0]["ci_high"]) == bootstrap_mean_ci(
        gaps, resamples=999, seed=7
    )
    # BCa draws the same counts (the large-cohort path): no resample-index matrix.
    bca = {**settings, "gap_ci": "bca"}
    row = paired_difference_row(gaps - 2, {"level": "paired_difference"}, bca)
    assert "multinomial counts of the 51 distinct differences" in row["method"]
    assert (row["ci_low"], row["ci_high"]) == bca_mean_ci(gaps - 2, resamples=999, seed=7)


def test_t_interval_option_matches_scipy_t_interval(cohort_d):
    mean = one_row(links(cohort_d, gap_ci="t"), "onset_gap", level="offline_first",
                   statistic="mean")
    low, high = stats.t.interval(0.95, df=2, loc=D_GAPS.mean(), scale=stats.sem(D_GAPS))
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert mean["method"] == "mean with t-based 95% CI; " + CONDITIONAL_WORDS


def test_paired_wilcoxon_test_matches_scipy_over_all_children_with_both_ages(result_d):
    row = one_row(result_d, "onset_gap", statistic="wilcoxon")
    expected = stats.wilcoxon(D_PAIRED_OTHER, D_PAIRED_OFFLINE)  # two-sided by default
    assert row["p_value"] == pytest.approx(expected.pvalue, rel=1e-12)
    # Differences -2, 0.4, 0.7, 2, 3.5, 4.5: median (0.7 + 2) / 2.
    assert row["estimate"] == pytest.approx(1.35)
    assert (row["n"], row["denominator"]) == (6, 6)
    assert row["method"] == (
        "Wilcoxon signed-rank test (two-sided), onset of other TA-HSB vs offline HSB, over all "
        "other-TA-HSB dual children with both ages (not only those whose offline HSB came first; "
        "same-year onsets kept at their recorded difference)"
    )
    assert pd.isna(row["level"]) and row["group"] == "other_ta_hsb"


def test_paired_sign_test_matches_statsmodels(cohort_d):
    row = one_row(links(cohort_d, paired_test="sign"), "onset_gap", statistic="sign_test")
    _, expected = sign_test(D_PAIRED_OTHER - D_PAIRED_OFFLINE, mu0=0)
    assert row["p_value"] == pytest.approx(expected, rel=1e-12)
    assert row["estimate"] == pytest.approx(1.35)
    assert row["method"].startswith("sign test (two-sided), onset of other TA-HSB")


def test_the_two_tests_are_holm_adjusted_as_one_family(result_d):
    binomial = one_row(result_d, "porn_trigger", statistic="binomial_test")
    paired = one_row(result_d, "onset_gap", statistic="wilcoxon")
    adjusted = multipletests([binomial["p_value"], paired["p_value"]], method="holm")[1]
    assert (binomial["p_adjusted"], paired["p_adjusted"]) == pytest.approx(tuple(adjusted))
    assert binomial["p_adjust_method"] == paired["p_adjust_method"] == "Holm"


def test_a_single_child_in_the_gap_gives_insufficient_data_rows_without_warnings(tmp_path):
    cases = [("D6", "yes", "yes", "no"), ("D8", "yes", "yes", "no")]
    behaviours = [("D6", "offline_contact", "8"), ("D6", "iioc", "11.5"),
                  ("D8", "offline_contact", "12"), ("D8", "sexual_texts", "10")]
    cohort = build(tmp_path, cases, behaviours)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = links(cohort)
    gap = rows_of(result, "onset_gap", level="offline_first")
    assert len(gap) == 5 and gap["estimate"].isna().all()
    assert (gap["warning"] == "insufficient data: fewer than 2 children").all()
    assert (gap["n"] == 1).all()
    # Two children with both ages known: the paired test runs.
    paired = one_row(result, "onset_gap", statistic="wilcoxon")
    assert paired["n"] == 2 and pd.notna(paired["p_value"])


def test_equal_onsets_for_every_child_are_not_tested_and_say_so(tmp_path):
    cases = [("E1", "yes", "yes", "no"), ("E2", "yes", "yes", "no")]
    behaviours = [("E1", "offline_contact", "9"), ("E1", "iioc", "9"),
                  ("E2", "offline_contact", "12"), ("E2", "sexual_texts", "12")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = links(build(tmp_path, cases, behaviours))
    paired = one_row(result, "onset_gap", statistic="wilcoxon")
    assert paired["estimate"] == 0 and pd.isna(paired["p_value"])
    assert paired["warning"] == "not tested: every paired difference is zero"


def test_paired_difference_and_its_default_t_interval_match_scipy_ttest_1samp(result_d):
    row = one_row(result_d, "onset_gap", level="paired_difference", statistic="mean")
    differences = D_PAIRED_OTHER - D_PAIRED_OFFLINE  # 3.5, 4.5, -2, 0.4, 2, 0.7
    reference = stats.ttest_1samp(differences, 0.0).confidence_interval(0.95)
    assert row["estimate"] == pytest.approx(differences.mean(), rel=1e-12)  # 9.1 / 6
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (reference.low, reference.high), rel=1e-12
    )
    assert (row["n"], row["denominator"], row["unit"]) == (6, 6, "years")
    assert (row["group"], row["finding"]) == ("other_ta_hsb", "L2")
    assert row["method"] == "mean paired difference with t-based 95% CI; " + PAIRED_WORDS
    assert pd.isna(row["p_value"])  # the paired test is the Wilcoxon (or sign) row


def test_the_default_gap_interval_is_the_modified_cox_interval_by_hand(result_d):
    # Olsson (2005), modified Cox: logs of 3.5, 4.5, 2.0 have mean 1.15000 and variance
    # s^2 = 0.172323 (n = 3); centre 1.15000 + s^2/2 = 1.23616; half width
    # t(0.975, 2) * sqrt(s^2/3 + s^4/4) = 4.30265 * 0.254685 = 1.09582; exp: 1.1507, 10.2983.
    import math

    gap = one_row(result_d, "onset_gap", level="offline_first", statistic="mean")
    logs = [math.log(v) for v in (3.5, 4.5, 2.0)]
    mean = sum(logs) / 3
    variance = sum((x - mean) ** 2 for x in logs) / 2
    half = stats.t.ppf(0.975, 2) * math.sqrt(variance / 3 + variance**2 / 4)
    expected = (math.exp(mean + variance / 2 - half), math.exp(mean + variance / 2 + half))
    assert (gap["ci_low"], gap["ci_high"]) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx((1.1507, 10.2983), abs=1e-4)
    assert gap["estimate"] == pytest.approx(10 / 3)  # the estimate is still the plain mean
    assert gap["method"].startswith("mean with modified Cox 95% CI (log scale, for positive "
                                    "right-skewed gaps; Olsson 2005); conditional on offline")
    # the paired difference, which can be negative, keeps the t interval (test above)


def test_bca_intervals_equal_scipy_bootstrap_bca_with_the_same_seed_and_resamples(cohort_d):
    result = links(cohort_d, gap_ci="bca", bootstrap_resamples=999, bootstrap_seed=7)
    for level, values in (("offline_first", D_GAPS),
                          ("paired_difference", D_PAIRED_OTHER - D_PAIRED_OFFLINE)):
        row = one_row(result, "onset_gap", level=level, statistic="mean")
        reference = stats.bootstrap((values,), np.mean, n_resamples=999, method="BCa",
                                    rng=np.random.default_rng(7)).confidence_interval
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            (reference.low, reference.high), rel=1e-12
        )
        assert "bootstrap BCa 95% CI (999 resamples, seed 7)" in row["method"]


def test_bca_of_a_skewed_sample_equals_scipy_and_is_not_the_percentile_interval():
    sample = np.random.default_rng(3).lognormal(1.0, 0.8, 26).round(1)
    reference = stats.bootstrap((sample,), np.mean, n_resamples=1999, method="BCa",
                                confidence_level=0.9, rng=np.random.default_rng(11))
    bca = bca_mean_ci(sample, confidence=0.9, resamples=1999, seed=11)
    interval = reference.confidence_interval
    assert bca == pytest.approx((interval.low, interval.high), rel=1e-12)
    assert bca != pytest.approx(bootstrap_mean_ci(sample, confidence=0.9, resamples=1999,
                                                  seed=11), rel=1e-3)
    assert bca_mean_ci(np.full(4, 2.5), resamples=99) == (2.5, 2.5)  # SciPy: NaN


def test_without_any_ordering_the_paired_mean_is_zero_while_the_conditional_gap_is_positive(
    tmp_path,
):
    # Mirror pairs: +3 / -3, +2 / -2, +4.5 / -4.5 years, and a same-year pair +0.6 / -0.6.
    onsets = {"S1": (8, 11), "S2": (11, 8), "S3": (9, 11), "S4": (11, 9), "S5": (7.5, 12),
              "S6": (12, 7.5), "S7": (10.2, 10.8), "S8": (11.8, 11.2)}
    cases = [(cid, "yes", "yes", "no") for cid in onsets]
    behaviours = [row for cid, (off, other) in onsets.items()
                  for row in ((cid, "offline_contact", str(off)), (cid, "iioc", str(other)))]
    result = links(build(tmp_path, cases, behaviours))
    paired = one_row(result, "onset_gap", level="paired_difference", statistic="mean")
    gap = one_row(result, "onset_gap", level="offline_first", statistic="mean")
    assert paired["estimate"] == pytest.approx(0.0, abs=1e-12)
    assert paired["n"] == 8  # the same-year pair is kept at +0.6 and -0.6
    assert paired["ci_low"] < 0 < paired["ci_high"]
    assert gap["estimate"] == pytest.approx((3 + 2 + 4.5) / 3)  # only offline-first children
    assert gap["n"] == 3 and gap["ci_low"] > 0
    wilcoxon = one_row(result, "onset_gap", statistic="wilcoxon")
    assert wilcoxon["n"] == 8 and wilcoxon["p_value"] == pytest.approx(1.0)


def test_the_replication_register_still_finds_one_conditional_gap_mean(result_d):
    # data/replication_register.yaml selects the study's gap by these keys.
    chosen = rows_of(result_d, "onset_gap", variable="onset_gap", level="offline_first",
                     group="other_ta_hsb", statistic="mean")
    assert len(chosen) == 1 and (chosen["group_variable"] == "dual_subgroup").all()
    assert chosen.iloc[0]["estimate"] == pytest.approx(10 / 3)


# ---------------------------------------------------------------------------------------------
# Trajectories (L3)


def test_trajectories_count_first_kind_to_second_kind_with_same_year_levels(result_d):
    assert shares(result_d, "trajectories", "all_dual", "trajectory") == {
        level: (n, 9) for level, n in {
            "offline -> pornography": 2,  # D2, D4
            "offline -> other_ta": 1,  # D6
            "pornography -> offline": 2,  # D1, D7
            "pornography -> other_ta": 0,
            "other_ta -> offline": 1,  # D8
            "other_ta -> pornography": 0,
            "offline + pornography (same year)": 1,  # D3
            "offline + other_ta (same year)": 1,  # D9
            "pornography + other_ta (same year)": 0,
            "offline + pornography + other_ta (same year)": 1,  # D12
        }.items()
    }
    assert list(rows_of(result_d, "trajectories", variable="trajectory", group="all_dual",
                        statistic="proportion")["level"]) == list(TRAJECTORY_LEVELS)
    assert missing_counts(result_d, "trajectories", "all_dual", "trajectory") == {
        MISSING_ONSET: (3, 12)
    }


def test_pornography_only_trajectories_list_only_levels_without_other_ta_hsb(result_d):
    assert shares(result_d, "trajectories", "pornography_only", "trajectory") == {
        "offline -> pornography": (2, 4),
        "pornography -> offline": (1, 4),
        "offline + pornography (same year)": (1, 4),
    }
    other = shares(result_d, "trajectories", "other_ta_hsb", "trajectory")
    assert len(other) == len(TRAJECTORY_LEVELS)
    assert {k: v for k, v in other.items() if v[0]} == {
        "offline -> other_ta": (1, 5), "pornography -> offline": (1, 5),
        "other_ta -> offline": (1, 5), "offline + other_ta (same year)": (1, 5),
        "offline + pornography + other_ta (same year)": (1, 5),
    }
    assert (rows_of(result_d, "trajectories")["finding"] == "L3").all()


# The nodes of the flow diagram in cohort D, counted by hand from the table above (children
# with every onset known: D1-D4, D6-D9, D12).
D_FIRST = {
    "all_dual": {
        "offline": 3,  # D2, D4 (then pornography), D6 (then other TA-HSB)
        "pornography": 2,  # D1, D7
        "other_ta": 1,  # D8
        "offline + pornography (same year)": 1,  # D3
        "offline + other_ta (same year)": 1,  # D9
        "pornography + other_ta (same year)": 0,
        "offline + pornography + other_ta (same year)": 1,  # D12
    },
    "pornography_only": {"offline": 2, "pornography": 1,  # D2, D4; D1
                         "offline + pornography (same year)": 1},  # D3
    "other_ta_hsb": {"offline": 1, "pornography": 1, "other_ta": 1,  # D6; D7; D8
                     "offline + pornography (same year)": 0,
                     "offline + other_ta (same year)": 1,  # D9
                     "pornography + other_ta (same year)": 0,
                     "offline + pornography + other_ta (same year)": 1},  # D12
}
D_LATER = {
    "all_dual": {"offline": 3, "pornography": 2, "other_ta": 1,  # D1, D7, D8; D2, D4; D6
                 "same_year": 3},  # D3, D9, D12
    "pornography_only": {"offline": 1, "pornography": 2, "same_year": 1},  # D1; D2, D4; D3
    "other_ta_hsb": {"offline": 2, "pornography": 0, "other_ta": 1,  # D7, D8; -; D6
                     "same_year": 2},  # D9, D12
}
D_KNOWN = {"all_dual": 9, "pornography_only": 4, "other_ta_hsb": 5}


@pytest.mark.parametrize("group", ["all_dual", "pornography_only", "other_ta_hsb"])
def test_the_first_and_later_steps_count_the_children_of_each_node_by_hand(result_d, group):
    for variable, expected in (("trajectory_first", D_FIRST), ("trajectory_later", D_LATER)):
        observed = shares(result_d, "trajectories", group, variable)
        assert observed == {level: (n, D_KNOWN[group]) for level, n in expected[group].items()}
        assert list(observed) == list(expected[group])  # in the order of the kinds
    rows = rows_of(result_d, "trajectories", group="all_dual", statistic="count")
    # The children left out are counted for each variable, as for the trajectories.
    assert dict(zip(rows["variable"], rows["n"], strict=True)) == {
        "trajectory": 3, "trajectory_first": 3, "trajectory_later": 3}


def test_each_node_is_the_sum_of_its_flows(result_d):
    flows = shares(result_d, "trajectories", "all_dual", "trajectory")
    first = shares(result_d, "trajectories", "all_dual", "trajectory_first")
    later = shares(result_d, "trajectories", "all_dual", "trajectory_later")
    for node, (n, _) in first.items():
        assert n == sum(m for level, (m, _) in flows.items()
                        if level == node or level.startswith(f"{node} -> "))
    for node, (n, _) in later.items():
        parts = [m for level, (m, _) in flows.items()
                 if (level.endswith(" (same year)") if node == "same_year"
                     else level.endswith(f" -> {node}"))]
        assert n == sum(parts)


def test_the_second_kind_is_the_next_onset_and_exact_ties_follow_kind_order(tmp_path):
    cases = [("E1", "yes", "yes", "no"), ("E2", "yes", "yes", "no")]
    behaviours = [
        # E1: offline 8, then other TA-HSB 12.2 before pornography 12.8 (same year as it).
        ("E1", "offline_contact", "8"), ("E1", "inappropriate_pornography", "12.8"),
        ("E1", "iioc", "12.2"),
        # E2: offline and pornography both at exactly 9, other TA-HSB at 15.
        ("E2", "offline_contact", "9"), ("E2", "inappropriate_pornography", "9"),
        ("E2", "iioc", "15"),
    ]
    cohort = build(tmp_path, cases, behaviours)
    observed = {k: v for k, v in shares(links(cohort), "trajectories", "all_dual",
                                        "trajectory").items() if v[0]}
    assert observed == {"offline -> other_ta": (1, 2),
                        "offline + pornography (same year)": (1, 2)}
    ages = onset_ages(cohort)
    assert list(ages["first_behaviour"]) == ["offline", "offline"]
    assert list(ages["later_behaviour"]) == ["other_ta", "pornography"]


# ---------------------------------------------------------------------------------------------
# Age at first HSB by group (C1)


def test_first_hsb_age_by_group_follows_compare_groups_and_agrees_with_characteristics(
    tmp_path,
):
    ages = {"D1": "8.5", "D2": "9", "D6": "8", "T1": "14", "O1": "9"}
    cohort = build(tmp_path, COHORT_D_CASES, COHORT_D_BEHAVIOURS, ages)
    rows = rows_of(links(cohort), "first_hsb_age_by_group")
    sizes = rows[rows["statistic"] == "group_size"]
    # The groups of cohort D's in-depth sample, recorded ages or not: D1-D12, T1, O1.
    assert dict(zip(sizes["group"], sizes["n"], strict=True)) == {
        "ta_only": 1, "dual": 12, "offline_only": 1, "all": 14,
    }
    assert (sizes["variable"] == "hsb_group").all() and sizes["finding"].isna().all()
    rows = rows[rows["statistic"] != "group_size"]
    assert (rows["variable"] == "age_first_hsb").all()
    assert (rows["finding"] == "C1").all() and (rows["analysis"] == "links").all()
    reference = characteristics(cohort)
    reference = reference[reference["variable"] == "age_first_hsb"]
    assert list(rows["statistic"]) == list(reference["statistic"])
    assert list(rows["group"].fillna("-")) == list(reference["group"].fillna("-"))
    pd.testing.assert_series_equal(
        rows["estimate"].reset_index(drop=True), reference["estimate"].reset_index(drop=True)
    )
    dual_mean = one_row(rows, "first_hsb_age_by_group", group="dual", statistic="mean")
    assert (dual_mean["estimate"], dual_mean["n"]) == (pytest.approx((8.5 + 9 + 8) / 3), 3)
    missing = one_row(rows, "first_hsb_age_by_group", group="dual", statistic="count")
    assert (missing["level"], missing["n"]) == ("missing: not recorded", 9)


# ---------------------------------------------------------------------------------------------
# Edge cases, individual-level tables and the results contract


def test_an_empty_dual_group_gives_insufficient_data_rows_not_a_crash(tmp_path):
    cases = [("T1", "yes", "no", "-8"), ("O1", "no", "yes", "no")]
    behaviours = [("T1", "iioc", "14"), ("O1", "offline_contact", "9")]
    cohort = build(tmp_path, cases, behaviours)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = links(cohort)
        ages = onset_ages(cohort)
        timelines = dual_timelines(cohort)
    validate_results(result)
    order = rows_of(result, "onset_order", statistic="proportion")
    assert len(order) == 9 and order["estimate"].isna().all() and (order["denominator"] == 0).all()
    assert (order["warning"] == "empty denominator: no children in this population").all()
    gap = rows_of(result, "onset_gap")
    assert (gap["warning"] == "insufficient data: fewer than 2 children").all()
    assert gap["estimate"].isna().all()
    binomial = one_row(result, "porn_trigger", statistic="binomial_test")
    assert binomial["warning"] == "insufficient data: no children with a known value"
    assert pd.isna(binomial["p_value"])
    assert len(ages) == 0 and len(timelines) == 0
    assert list(ages.columns) == list(timelines.columns)


def test_onset_ages_gives_first_onsets_per_kind_and_leaves_partial_kinds_missing(cohort_d):
    ages = onset_ages(cohort_d).set_index("child")
    assert list(ages.index) == list(range(1, 13))  # the 12 dual children, cases order
    d5, d7, d10, d11 = ages.loc[5], ages.loc[7], ages.loc[10], ages.loc[11]
    assert pd.isna(d5["first_offline"]) and d5["first_pornography"] == 12
    assert (d7["first_offline"], d7["first_pornography"], d7["first_other_ta"]) == (10, 9, 14.5)
    assert d7["order_online"] == "offline_first"  # other TA-HSB is the sub-group's comparison
    assert (d7["first_behaviour"], d7["later_behaviour"]) == ("pornography", "offline")
    assert pd.isna(d10["first_other_ta"]) and pd.isna(d10["order_online"])
    assert pd.isna(d11["first_pornography"]) and d11["order_online"] == "offline_first"
    assert pd.isna(d11["first_behaviour"]) and pd.isna(d11["later_behaviour"])
    assert pd.isna(ages.loc[1, "first_other_ta"])  # D1 shows no other TA-HSB


def test_onset_ages_and_dual_timelines_contain_no_case_id(cohort_d):
    case_ids = set(cohort_d.cases["case_id"])
    for table in (onset_ages(cohort_d), dual_timelines(cohort_d)):
        assert "case_id" not in table.columns
        assert list(table.columns) == [
            "child", "dual_subgroup", "first_offline", "first_pornography", "first_other_ta",
            "order_online", "first_behaviour", "later_behaviour",
        ]
        text = table.astype("string").to_numpy(dtype=object, na_value=None).ravel()
        assert not case_ids & {v for v in text if v is not None}


def test_dual_timelines_are_sorted_by_first_onset_and_renumbered(cohort_d):
    timelines = dual_timelines(cohort_d)
    first = timelines[["first_offline", "first_pornography", "first_other_ta"]].min(axis=1)
    assert first.is_monotonic_increasing
    assert list(timelines["child"]) == list(range(1, 13))
    # D6 (offline at 8) starts first, D9 (13) last.
    assert first.iloc[0] == 8 and first.iloc[-1] == 13


def test_input_data_not_modified(cohort_d):
    before = copy.deepcopy(cohort_d)
    links(cohort_d)
    onset_ages(cohort_d)
    dual_timelines(cohort_d)
    for name in ("cases", "case_file", "behaviours"):
        pd.testing.assert_frame_equal(cohort_d.table(name), before.table(name))


def test_output_passes_validate_results_with_analysis_links(result_d):
    validate_results(result_d)
    assert list(result_d.columns) == list(RESULT_COLUMNS)
    assert (result_d["analysis"] == "links").all()
    assert set(result_d["output"]) == {
        "onset_order", "porn_trigger", "onset_gap", "first_hsb_age_by_group", "trajectories",
        "porn_trigger_missing_bounds",
    }
    assert result_d["synthetic"].all() and (result_d["cohort"] == "test-links").all()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("gap_ci", "normal",
      r"gap_ci 'normal'; choose one of \['bca', 'bootstrap', 'cox', 't'\]"),
     ("paired_test", "t-test", r"paired_test 't-test'; choose one of \['sign', 'wilcoxon'\]"),
     ("ci_method", "wald", "unknown CI method 'wald'"),
     ("continuous_test", "median", "unknown continuous_test 'median'"),
     ("p_adjust", "bonferroni", "unknown p_adjust 'bonferroni'"),
     ("bootstrap_resamples", 0, "bootstrap_resamples must be a positive whole number")],
)
def test_an_unknown_setting_is_refused_naming_what_is_allowed(cohort_d, option, value, message):
    with pytest.raises(ValueError, match=message):
        links(cohort_d, **{option: value})


def test_a_table_that_is_not_a_cohort_is_refused():
    with pytest.raises(TypeError, match="Cohort"):
        links(pd.DataFrame())


# ---------------------------------------------------------------------------------------------
# The committed synthetic cohort, recounted with plain pandas


def _plain_recount() -> dict:
    """L1 and L2 counted from the CSV files with plain pandas, without the package."""
    directory = REPO / "data" / "synthetic"
    cases = pd.read_csv(directory / "cases.csv", dtype=str)
    case_file = pd.read_csv(directory / "case_file.csv", dtype=str)
    behaviours = pd.read_csv(directory / "behaviours.csv", dtype=str)
    dual = cases[(cases["in_depth_sample"] == "yes") & (cases["ta_hsb"] == "yes")
                 & (cases["offline_hsb"] == "yes")]["case_id"]
    trigger = case_file[case_file["case_id"].isin(dual)]["porn_trigger_offline"]

    b = behaviours[behaviours["case_id"].isin(dual)].copy()
    b["age"] = pd.to_numeric(b["age_at_onset"].replace("-9", np.nan))
    online = b[b["setting"] == "online"]
    porn_only = (online["behaviour_type"] == "inappropriate_pornography").groupby(
        online["case_id"]).all()
    other_children = porn_only[~porn_only].index
    offline = b[b["setting"] == "offline"].groupby("case_id")["age"].agg(["min", "count", "size"])
    other = online[online["behaviour_type"] != "inappropriate_pornography"]
    other = other.groupby("case_id")["age"].agg(["min", "count", "size"])
    both = pd.DataFrame({"offline": offline["min"], "other": other["min"],
                         "complete": (offline["count"] == offline["size"])
                         & (other["count"] == other["size"])}).loc[other_children]
    both = both[both["complete"]]
    after = both[np.floor(both["offline"]) < np.floor(both["other"])]
    return {
        "l1": (int((trigger == "yes").sum()), int(trigger.isin(["yes", "no"]).sum())),
        "l2": (len(after), len(both)),
        "gap": float((after["other"] - after["offline"]).mean()),
    }


def test_synthetic_cohort_l1_31_of_52_more_than_half(synthetic_cohort):
    result = links(synthetic_cohort)
    validate_results(result)
    row = one_row(result, "porn_trigger", group="all_dual", statistic="proportion")
    assert (row["n"], row["denominator"]) == (31, 52) == _plain_recount()["l1"]
    assert row["estimate"] > 0.5


def test_synthetic_cohort_l2_26_of_32_offline_first_with_mean_gap_3_years(synthetic_cohort):
    result = links(synthetic_cohort)
    recount = _plain_recount()
    row = one_row(result, "onset_order", group="other_ta_hsb", level="offline_first")
    assert (row["n"], row["denominator"]) == (26, 32) == recount["l2"]
    mean = one_row(result, "onset_gap", level="offline_first", statistic="mean")
    assert mean["n"] == 26
    assert mean["estimate"] == pytest.approx(3.0, abs=1e-9)
    assert mean["estimate"] == pytest.approx(recount["gap"], abs=1e-9)
    assert mean["ci_low"] < 3.0 < mean["ci_high"]


def test_the_gap_coverage_benchmark_is_importable_seeded_and_covers_every_method():
    import importlib.util

    spec = importlib.util.spec_from_file_location("coverage_gap",
                                                  REPO / "benchmarks" / "coverage_gap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # no side effects on import
    table = module.gap_coverage(4, 9, resamples=19)
    assert table.equals(module.gap_coverage(4, 9, resamples=19))
    assert {"estimand", "method", "distribution", "n", "coverage", "coverage_se",
            "mean_width"} <= set(table.columns)
    assert set(table["method"]) == {"cox", "t", "bootstrap", "bca"}
    assert set(table["estimand"]) == {"conditional gap", "paired difference"}
    assert set(table["n"]) == {5, 10, 26} and len(table) == 2 * 2 * 3 * 4
    assert table["coverage"].between(0, 1).all() and (table["mean_width"] > 0).all()
    assert module.markdown_table(table).count("\n") == 2 + 2 * 2 * 4 - 1
