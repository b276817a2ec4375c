"""Range of TA-HSB in the in-depth sample (R1-R5): tiny cohorts counted by hand.

Cohort A, used by most tests (every child male, aged 15; "-9" = not recorded):

=====  ======  ===========  =========  ==========================================================
child  ta_hsb  offline_hsb  in depth   behaviours (type: aimed_at_other)
=====  ======  ===========  =========  ==========================================================
A1     yes     no           yes        iioc: yes, iioc: -9, sexual_texts: yes
A2     yes     yes          yes        iioc: -9, inappropriate_pornography: no, offline_contact
A3     yes     yes          yes        inappropriate_pornography: no, offline_contact
A4     yes     no           yes        online_grooming: yes
A5     -9      yes          yes        iioc: yes, sexual_texts: yes, offline_contact
A6     no      yes          yes        offline_non_contact
A7     yes     yes          no         (none: outside the in-depth sample)
A8     yes     yes          yes        online_sexual_harassment: yes, inappropriate_pornography:
                                       no, offline_harassment
=====  ======  ===========  =========  ==========================================================

In-depth sample: A1-A6, A8 = 7 children. Any TA-HSB (ta_hsb yes): A1, A2, A3, A4, A8 = 5.
A5's ta_hsb is not recorded. Dual: A2, A3, A8 (A7 is outside the sample, A5's group unknown).
"""

import copy
import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.analyses.behaviour_range import ta_hsb_range
from tahsb_analysis.analyses.design_weights import UNWEIGHTED_NOTE
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.results.schema import validate_results

REPO = Path(__file__).resolve().parents[1]
SETTINGS = load_codebook().behaviour_settings()
ONLINE_TYPES = [t for t, s in SETTINGS.items() if s == "online"]
CASE_FILE_FIELDS = [
    "age_first_hsb", "looked_after", "family_stability", "parent_relationship",
    "mental_health_difficulties", "unresolved_trauma", "impulsivity",
    "emotional_regulation_problems", "aggression_towards_self", "aggression_towards_others",
    "porn_trigger_offline", "police_involvement", "yos_involvement", "social_care_level",
    "school_exclusion_hsb", "therapeutic_intervention", "cj_outcome",
]

COHORT_A_CASES = [
    # case_id, ta_hsb, offline_hsb, in_depth_sample
    ("A1", "yes", "no", "yes"),
    ("A2", "yes", "yes", "yes"),
    ("A3", "yes", "yes", "yes"),
    ("A4", "yes", "no", "yes"),
    ("A5", "-9", "yes", "yes"),
    ("A6", "no", "yes", "yes"),
    ("A7", "yes", "yes", "no"),
    ("A8", "yes", "yes", "yes"),
]
COHORT_A_BEHAVIOURS = [
    # case_id, behaviour_type, aimed_at_other
    ("A1", "iioc", "yes"),
    ("A1", "iioc", "-9"),
    ("A1", "sexual_texts", "yes"),
    ("A2", "iioc", "-9"),
    ("A2", "inappropriate_pornography", "no"),
    ("A2", "offline_contact", "yes"),
    ("A3", "inappropriate_pornography", "no"),
    ("A3", "offline_contact", "yes"),
    ("A4", "online_grooming", "yes"),
    ("A5", "iioc", "yes"),
    ("A5", "sexual_texts", "yes"),
    ("A5", "offline_contact", "yes"),
    ("A6", "offline_non_contact", "yes"),
    ("A8", "online_sexual_harassment", "yes"),
    ("A8", "inappropriate_pornography", "no"),
    ("A8", "offline_harassment", "yes"),
]


def cohort_frames(cases, behaviours) -> dict[str, pd.DataFrame]:
    """Text frames for a cohort given as (id, ta_hsb, offline_hsb, in_depth) and
    (id, type, aimed_at_other); every other field is a fixed valid value or -9."""
    cases_frame = pd.DataFrame(
        [
            {"case_id": cid, "cohort": "test-range", "data_origin": "synthetic",
             "assessment_month": "2015-03", "sex": "male", "age_at_referral": "15",
             "learning_disability": "no", "offline_hsb": off, "ta_hsb": ta,
             "in_depth_sample": depth}
            for cid, ta, off, depth in cases
        ],
        dtype=str,
    )
    case_file = pd.DataFrame(
        [{"case_id": cid, **dict.fromkeys(CASE_FILE_FIELDS, "-9")}
         for cid, _, _, depth in cases if depth == "yes"],
        columns=["case_id", *CASE_FILE_FIELDS], dtype=str,
    )
    seq: dict[str, int] = {}
    rows = []
    for cid, kind, aimed in behaviours:
        seq[cid] = seq.get(cid, 0) + 1
        rows.append({"case_id": cid, "behaviour_seq": str(seq[cid]), "behaviour_type": kind,
                     "setting": SETTINGS[kind], "age_at_onset": "-9", "aimed_at_other": aimed})
    behaviours_frame = pd.DataFrame(
        rows, columns=["case_id", "behaviour_seq", "behaviour_type", "setting", "age_at_onset",
                       "aimed_at_other"], dtype=str,
    )
    return {"cases": cases_frame, "case_file": case_file, "behaviours": behaviours_frame}


def build(directory: Path, cases, behaviours):
    from conftest import write_csv_tables

    return validate_cohort(write_csv_tables(directory, cohort_frames(cases, behaviours)))


@pytest.fixture
def cohort_a(tmp_path):
    return build(tmp_path, COHORT_A_CASES, COHORT_A_BEHAVIOURS)


@pytest.fixture
def result_a(cohort_a):
    return ta_hsb_range(cohort_a)


def rows_of(result, output, variable=None, *, level=None, group=None, statistic=None,
            unit="children"):
    chosen = result[(result["output"] == output) & (result["unit"] == unit)]
    for column, value in (("variable", variable), ("level", level), ("group", group),
                          ("statistic", statistic)):
        if value is not None:
            chosen = chosen[chosen[column] == value]
    return chosen


def one_row(result, output, variable, *, level, group, statistic="proportion", unit="children"):
    chosen = rows_of(result, output, variable, level=level, group=group, statistic=statistic,
                     unit=unit)
    assert len(chosen) == 1, chosen
    return chosen.iloc[0]


def counts(rows) -> dict[str, tuple[int, int]]:
    return {r.level: (int(r.n), int(r.denominator)) for r in rows.itertuples()}


# ---------------------------------------------------------------------------------------------
# R1, R2: types


def test_type_counts_use_both_denominators_and_list_every_online_type_in_codebook_order(result_a):
    types = rows_of(result_a, "ta_hsb_types", "ta_hsb_type", statistic="proportion")
    in_depth = types[types["group"] == "in_depth_sample"]
    any_ta = types[types["group"] == "any_ta_hsb"]
    assert in_depth["level"].tolist() == ONLINE_TYPES
    assert any_ta["level"].tolist() == ONLINE_TYPES
    # In-depth (7): iioc A1 A2 A5; pornography A2 A3 A8; harassment A8; grooming A4;
    # sexual texts A1 A5. Any TA-HSB (5) leaves out A5, whose ta_hsb is not recorded.
    zero_types = dict.fromkeys(ONLINE_TYPES[5:], 0)
    expected_in_depth = {"iioc": 3, "inappropriate_pornography": 3,
                         "online_sexual_harassment": 1, "online_grooming": 1,
                         "sexual_texts": 2, **zero_types}
    expected_any_ta = {"iioc": 2, "inappropriate_pornography": 3,
                       "online_sexual_harassment": 1, "online_grooming": 1,
                       "sexual_texts": 1, **zero_types}
    assert counts(in_depth) == {k: (v, 7) for k, v in expected_in_depth.items()}
    assert counts(any_ta) == {k: (v, 5) for k, v in expected_any_ta.items()}
    assert (types["group_variable"] == "population").all()
    assert (types["finding"] == "R1;R2").all()
    # Shares over groups sampled at different fractions say they are pooled and unweighted.
    assert (types["method"] == "Wilson 95% CI; " + UNWEIGHTED_NOTE).all()
    iioc = one_row(result_a, "ta_hsb_types", "ta_hsb_type", level="iioc", group="any_ta_hsb")
    assert iioc["estimate"] == pytest.approx(2 / 5)


def test_two_behaviours_of_the_same_type_count_the_child_once(result_a):
    # A1 has two iioc rows: iioc is 3 children of the sample (A1, A2, A5), not 4.
    iioc = one_row(result_a, "ta_hsb_types", "ta_hsb_type", level="iioc",
                   group="in_depth_sample")
    assert (iioc["n"], iioc["denominator"]) == (3, 7)


def test_types_are_ranked_by_children_with_ties_sharing_the_lower_rank(result_a):
    ranks = rows_of(result_a, "ta_hsb_types", "ta_hsb_type", statistic="rank")
    assert ranks["level"].tolist() == ONLINE_TYPES
    by_type = dict(zip(ranks["level"], ranks["estimate"].astype(float), strict=True))
    # Any TA-HSB counts: pornography 3 -> 1; iioc 2 -> 2; harassment, grooming and sexual
    # texts 1 each -> all 3; the four types with no child -> all 6 ("min" ranks).
    assert by_type == {"iioc": 2, "inappropriate_pornography": 1,
                       "online_sexual_harassment": 3, "online_grooming": 3, "sexual_texts": 3,
                       "exposing_to_pornography": 6, "online_coercion_extortion": 6,
                       "non_consensual_image_sharing": 6, "ai_generated_images": 6}
    zero = ranks[ranks["level"] == "ai_generated_images"].iloc[0]
    assert (zero["n"], zero["denominator"]) == (0, 5)
    assert (ranks["group"] == "any_ta_hsb").all()
    assert (ranks["finding"] == "R1").all()
    assert (ranks["method"] == "rank by number of children (ties share the lower rank)").all()
    assert ranks["ci_low"].isna().all()


def test_child_with_ta_hsb_not_recorded_is_counted_in_a_missing_row(result_a):
    for output in ("ta_hsb_types", "ta_hsb_forms_per_child"):
        missing = one_row(result_a, output, "ta_hsb", level="missing: not recorded",
                          group="in_depth_sample", statistic="count")
        # A5 of the 7 in-depth children.
        assert (missing["n"], missing["denominator"], missing["estimate"]) == (1, 7, 1.0)
        assert missing["method"] == "count of children whose value is missing"


# ---------------------------------------------------------------------------------------------
# R3: forms per child


def test_forms_per_child_count_distinct_types_among_children_with_any_ta_hsb(result_a):
    per_count = rows_of(result_a, "ta_hsb_forms_per_child", "n_ta_hsb_types",
                        group="any_ta_hsb")
    # A1 {iioc, sexual_texts} = 2 (two iioc rows, one type); A2 {iioc, pornography} = 2;
    # A3 1; A4 1; A8 {harassment, pornography} = 2.
    assert counts(per_count) == {"1": (2, 5), "2": (3, 5), "more than one": (3, 5)}
    assert (per_count["finding"] == "R3").all()


def test_more_than_one_form_is_reported_over_both_denominators(result_a):
    of_any_ta = one_row(result_a, "ta_hsb_forms_per_child", "n_ta_hsb_types",
                        level="more than one", group="any_ta_hsb")
    of_sample = one_row(result_a, "ta_hsb_forms_per_child", "n_ta_hsb_types",
                        level="more than one", group="in_depth_sample")
    # Any TA-HSB: A1, A2, A8 of 5. Whole sample: A1, A2, A5 (iioc, sexual texts), A8 of 7.
    assert (of_any_ta["n"], of_any_ta["denominator"]) == (3, 5)
    assert (of_sample["n"], of_sample["denominator"]) == (4, 7)
    assert of_sample["estimate"] == pytest.approx(4 / 7)


# ---------------------------------------------------------------------------------------------
# R4: aimed at another person


def test_aimed_at_other_per_behaviour_leaves_missing_rows_out_and_counts_them(result_a):
    share = one_row(result_a, "ta_hsb_aimed_at_other", "aimed_at_other", level="yes",
                    group="in_depth_sample", unit="behaviours")
    missing = one_row(result_a, "ta_hsb_aimed_at_other", "aimed_at_other",
                      level="missing: not recorded", group="in_depth_sample",
                      statistic="count", unit="behaviours")
    # 11 online rows of in-depth children; A1's second iioc and A2's iioc are -9 -> 9 known;
    # yes: A1 2, A4 1, A5 2, A8 1 = 6.
    assert (share["n"], share["denominator"]) == (6, 9)
    assert (missing["n"], missing["denominator"]) == (2, 11)
    assert missing["method"] == "count of behaviours whose value is missing"


def test_aimed_at_other_per_child_is_yes_when_any_behaviour_is_and_missing_only_otherwise(
        result_a):
    share = one_row(result_a, "ta_hsb_aimed_at_other", "aimed_at_other", level="yes",
                    group="any_online_behaviour")
    missing = one_row(result_a, "ta_hsb_aimed_at_other", "aimed_at_other",
                      level="missing: not recorded", group="any_online_behaviour",
                      statistic="count")
    # Children with an online behaviour: A1 A2 A3 A4 A5 A8 = 6. A1 is yes although one of his
    # rows is -9; A2 (-9, no) is missing; A3 (no) is no; A4, A5, A8 yes -> 4 of 5 known.
    assert (share["n"], share["denominator"]) == (4, 5)
    assert (missing["n"], missing["denominator"]) == (1, 6)
    assert share["finding"] == "R4"


# ---------------------------------------------------------------------------------------------
# R5: dual sub-groups


def test_dual_children_split_into_pornography_only_and_other_ta_hsb(result_a):
    shares = rows_of(result_a, "dual_subgroups", "dual_subgroup", statistic="proportion")
    # Dual in-depth children: A2 (iioc + pornography), A3 (pornography only), A8 (harassment +
    # pornography). A7 is outside the sample; A5's group is unknown.
    assert counts(shares) == {"pornography_only": (1, 3), "other_ta_hsb": (2, 3)}
    assert set(shares["group_variable"]) == {"hsb_group"}
    assert set(shares["group"]) == {"dual"}
    unknown_group = one_row(result_a, "dual_subgroups", "hsb_group",
                            level="missing: not recorded", group="in_depth_sample",
                            statistic="count")
    assert (unknown_group["n"], unknown_group["denominator"]) == (1, 7)
    assert rows_of(result_a, "dual_subgroups", "dual_subgroup", statistic="count").empty


def test_each_dual_subgroup_reports_its_share_aimed_at_another_person(result_a):
    aimed = rows_of(result_a, "dual_subgroups", "aimed_at_other", level="yes")
    # pornography_only: A3 (no) -> 0 of 1. other_ta_hsb: A8 yes, A2 missing -> 1 of 1.
    by_group = {r.group: (int(r.n), int(r.denominator)) for r in aimed.itertuples()}
    assert by_group == {"pornography_only": (0, 1), "other_ta_hsb": (1, 1)}
    assert set(aimed["group_variable"]) == {"dual_subgroup"}
    missing = one_row(result_a, "dual_subgroups", "aimed_at_other",
                      level="missing: not recorded", group="other_ta_hsb", statistic="count")
    assert (missing["n"], missing["denominator"]) == (1, 2)
    assert rows_of(result_a, "dual_subgroups", "aimed_at_other", group="pornography_only",
                   statistic="count").empty


def test_a_child_whose_offline_flag_is_not_recorded_is_counted_as_hsb_group_missing(tmp_path):
    # E1: ta_hsb yes, offline_hsb -9 -> group unknown; E2 dual with pornography only.
    cases = [("E1", "yes", "-9", "yes"), ("E2", "yes", "yes", "yes")]
    behaviours = [("E1", "iioc", "yes"), ("E2", "inappropriate_pornography", "no"),
                  ("E2", "offline_contact", "yes")]
    result = ta_hsb_range(build(tmp_path, cases, behaviours))
    unknown_group = one_row(result, "dual_subgroups", "hsb_group",
                            level="missing: not recorded", group="in_depth_sample",
                            statistic="count")
    assert (unknown_group["n"], unknown_group["denominator"]) == (1, 2)
    shares = rows_of(result, "dual_subgroups", "dual_subgroup", statistic="proportion")
    assert counts(shares) == {"pornography_only": (1, 1), "other_ta_hsb": (0, 1)}


def test_a_dual_child_with_no_online_behaviour_gets_a_missing_subgroup_row(cohort_a):
    # The validation refuses this child (ta_hsb yes needs an online behaviour), so it is built
    # by hand: A3 loses his pornography row and becomes a dual child with no online behaviour.
    behaviours = cohort_a.behaviours
    keep = ~((behaviours["case_id"] == "A3") & (behaviours["setting"] == "online"))
    broken = dataclasses.replace(cohort_a, behaviours=behaviours[keep.to_numpy(dtype=bool)])
    result = ta_hsb_range(broken)
    shares = rows_of(result, "dual_subgroups", "dual_subgroup", statistic="proportion")
    missing = one_row(result, "dual_subgroups", "dual_subgroup", level="missing: not recorded",
                      group="dual", statistic="count")
    assert counts(shares) == {"pornography_only": (0, 2), "other_ta_hsb": (2, 2)}
    assert (missing["n"], missing["denominator"]) == (1, 3)


# ---------------------------------------------------------------------------------------------
# Confidence intervals


def test_wilson_limits_match_statsmodels_and_the_hand_formula_for_3_of_10(tmp_path):
    # Ten children with any TA-HSB: B01-B03 iioc, B04-B10 sexual texts -> iioc 3 of 10.
    cases = [(f"B{i:02d}", "yes", "no", "yes") for i in range(1, 11)]
    behaviours = [(f"B{i:02d}", "iioc" if i <= 3 else "sexual_texts", "yes")
                  for i in range(1, 11)]
    result = ta_hsb_range(build(tmp_path, cases, behaviours))
    iioc = one_row(result, "ta_hsb_types", "ta_hsb_type", level="iioc", group="any_ta_hsb")
    assert (iioc["n"], iioc["denominator"]) == (3, 10)
    # Wilson by hand, z = 1.959964, p = 0.3, n = 10:
    # centre = (p + z^2/2n) / (1 + z^2/n) = 0.49207 / 1.38415 = 0.35550
    # half = z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n) = 0.24772 -> 0.1078 to 0.6032.
    z = 1.959964
    centre = (0.3 + z**2 / 20) / (1 + z**2 / 10)
    half = z * math.sqrt(0.3 * 0.7 / 10 + z**2 / 400) / (1 + z**2 / 10)
    assert (centre - half, centre + half) == pytest.approx((0.1078, 0.6032), abs=5e-5)
    assert iioc["ci_low"] == pytest.approx(0.1078, abs=5e-5)
    assert iioc["ci_high"] == pytest.approx(0.6032, abs=5e-5)
    # statsmodels.stats.proportion.proportion_confint(3, 10, alpha=0.05, method="wilson")
    low, high = proportion_confint(3, 10, alpha=0.05, method="wilson")
    assert (iioc["ci_low"], iioc["ci_high"]) == pytest.approx((low, high))


@pytest.mark.parametrize(
    ("ci_method", "statsmodels_method", "label"),
    [("wilson", "wilson", "Wilson 90% CI"), ("clopper-pearson", "beta",
                                             "Clopper-Pearson exact 90% CI")],
)
def test_every_proportion_row_has_the_limits_statsmodels_gives(cohort_a, ci_method,
                                                                statsmodels_method, label):
    result = ta_hsb_range(cohort_a, ci_method=ci_method, confidence=0.90)
    # Shares of behaviours have the cluster-robust interval (test_clustered.py) whatever the
    # setting; every share of children has the setting's.
    shares = result[(result["statistic"] == "proportion") & (result["unit"] == "children")]
    assert len(shares) > 20
    for row in shares.itertuples():
        if row.denominator == 0:
            continue
        # proportion_confint(n, denominator, alpha=0.10, method=...) computed row by row here.
        low, high = proportion_confint(int(row.n), int(row.denominator), alpha=0.10,
                                       method=statsmodels_method)
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high)), row
        assert row.estimate == pytest.approx(row.n / row.denominator)
    assert shares["method"].str.startswith(label).all()
    assert set(shares["method"].str.removeprefix(label)) <= {"", "; " + UNWEIGHTED_NOTE}


def test_clopper_pearson_for_3_of_10_matches_the_beta_quantiles(tmp_path):
    cases = [(f"B{i:02d}", "yes", "no", "yes") for i in range(1, 11)]
    behaviours = [(f"B{i:02d}", "iioc" if i <= 3 else "sexual_texts", "yes")
                  for i in range(1, 11)]
    result = ta_hsb_range(build(tmp_path, cases, behaviours), ci_method="clopper-pearson")
    iioc = one_row(result, "ta_hsb_types", "ta_hsb_type", level="iioc", group="any_ta_hsb")
    # Exact limits: Beta(0.025; 3, 8) and Beta(0.975; 4, 7) = 0.0667 and 0.6525.
    from scipy.stats import beta

    assert iioc["ci_low"] == pytest.approx(beta.ppf(0.025, 3, 8))
    assert iioc["ci_high"] == pytest.approx(beta.ppf(0.975, 4, 7))
    assert (iioc["ci_low"], iioc["ci_high"]) == pytest.approx((0.0667, 0.6525), abs=5e-5)


# ---------------------------------------------------------------------------------------------
# Empty populations and bad input


def test_empty_in_depth_sample_gives_empty_denominators_with_a_warning_not_a_crash(cohort_a):
    cases = cohort_a.cases.copy()
    cases["in_depth_sample"] = pd.array([False] * len(cases), dtype="boolean")
    empty = dataclasses.replace(cohort_a, cases=cases, case_file=cohort_a.case_file.iloc[0:0],
                                behaviours=cohort_a.behaviours.iloc[0:0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division or empty-slice warning either
        result = ta_hsb_range(empty)
    validate_results(result)
    estimated = result[result["statistic"].isin(["proportion", "rank"])]
    # Every output still has its rows: 9 types x 3, forms (1, more than one x 2), R4 x 2,
    # sub-groups 2 + aimed 2.
    assert len(estimated) == 27 + 3 + 2 + 4
    assert set(estimated["output"]) == {"ta_hsb_types", "ta_hsb_forms_per_child",
                                        "ta_hsb_aimed_at_other", "dual_subgroups"}
    assert (estimated["denominator"] == 0).all()
    assert (estimated["n"] == 0).all()
    assert estimated["estimate"].isna().all()
    assert estimated["ci_low"].isna().all() and estimated["ci_high"].isna().all()
    children = estimated[estimated["unit"] == "children"]
    assert (children["warning"] == "empty denominator: no children in this population").all()
    behaviours = estimated[estimated["unit"] == "behaviours"]
    assert (behaviours["warning"] == "empty denominator: no behaviours in this population").all()
    assert result[result["statistic"] == "count"].empty


def test_no_dual_child_gives_empty_subgroup_rows_with_a_warning(tmp_path):
    # C1 TA-HSB only, C2 offline only, C3 dual but outside the in-depth sample.
    cases = [("C1", "yes", "no", "yes"), ("C2", "no", "yes", "yes"), ("C3", "yes", "yes", "no")]
    behaviours = [("C1", "iioc", "yes"), ("C2", "offline_contact", "yes")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ta_hsb_range(build(tmp_path, cases, behaviours))
    dual = result[result["output"] == "dual_subgroups"]
    assert len(dual) == 4
    assert (dual["denominator"] == 0).all()
    assert dual["estimate"].isna().all() and dual["ci_low"].isna().all()
    assert (dual["warning"] == "empty denominator: no children in this population").all()
    # The rest of the cohort is unaffected: iioc is 1 of the 1 child with any TA-HSB.
    iioc = one_row(result, "ta_hsb_types", "ta_hsb_type", level="iioc", group="any_ta_hsb")
    assert (iioc["n"], iioc["denominator"], iioc["estimate"]) == (1, 1, 1.0)


def test_a_denominator_emptied_by_missing_values_says_how_many_were_left_out(tmp_path):
    # D1's only online behaviour has aimed_at_other not recorded.
    result = ta_hsb_range(build(tmp_path, [("D1", "yes", "no", "yes")],
                                [("D1", "iioc", "-9")]))
    share = one_row(result, "ta_hsb_aimed_at_other", "aimed_at_other", level="yes",
                    group="any_online_behaviour")
    assert (share["n"], share["denominator"]) == (0, 0)
    assert pd.isna(share["estimate"])
    assert share["warning"] == ("empty denominator: no children in this population with a "
                                "known value (1 left out for a missing value)")


def test_unknown_ci_method_is_refused_with_a_clear_message(cohort_a):
    with pytest.raises(ValueError, match="unknown CI method 'agresti'"):
        ta_hsb_range(cohort_a, ci_method="agresti")


def test_confidence_outside_zero_to_one_is_refused(cohort_a):
    with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
        ta_hsb_range(cohort_a, confidence=95)


def test_input_frames_are_not_modified(cohort_a):
    before = {name: copy.deepcopy(cohort_a.table(name))
              for name in ("cases", "case_file", "behaviours")}
    ta_hsb_range(cohort_a, ci_method="clopper-pearson")
    for name, frame in before.items():
        pd.testing.assert_frame_equal(cohort_a.table(name), frame)


def test_output_is_a_valid_results_table_labelled_with_the_cohort(cohort_a, result_a):
    validate_results(result_a)
    assert (result_a["cohort"] == cohort_a.label).all()
    assert result_a["synthetic"].all()
    assert (result_a["analysis"] == "ta_hsb_range").all()
    assert result_a["output"].unique().tolist() == [
        "ta_hsb_types", "ta_hsb_forms_per_child", "ta_hsb_aimed_at_other", "dual_subgroups",
        "ta_hsb_range_weighted",
    ]
    assert result_a["finding"].notna().all()


# ---------------------------------------------------------------------------------------------
# The committed synthetic cohort, recounted with plain pandas


def test_synthetic_cohort_reproduces_r1_r3_and_r5_by_an_independent_recount():
    directory = REPO / "data" / "synthetic"
    names = ("cases", "case_file", "behaviours")
    result = ta_hsb_range(validate_cohort({n: directory / f"{n}.csv" for n in names}))

    cases = pd.read_csv(directory / "cases.csv", dtype=str)
    behaviours = pd.read_csv(directory / "behaviours.csv", dtype=str)
    sample = cases[cases["in_depth_sample"] == "yes"]
    any_ta = set(sample.loc[sample["ta_hsb"] == "yes", "case_id"])
    dual = set(sample.loc[(sample["ta_hsb"] == "yes") & (sample["offline_hsb"] == "yes"),
                          "case_id"])
    online = behaviours[behaviours["setting"] == "online"]
    types = online[["case_id", "behaviour_type"]].drop_duplicates()

    # R1: children with any TA-HSB per type; iioc is the single most common type.
    per_type = types[types["case_id"].isin(any_ta)]["behaviour_type"].value_counts()
    assert per_type.idxmax() == "iioc"
    assert (per_type == per_type.max()).sum() == 1
    ranks = rows_of(result, "ta_hsb_types", "ta_hsb_type", statistic="rank")
    assert ranks.loc[ranks["estimate"] == 1, "level"].tolist() == ["iioc"]
    assert dict(zip(ranks["level"], ranks["n"].astype(int), strict=True)) == {
        t: int(per_type.get(t, 0)) for t in ONLINE_TYPES
    }

    # R3: 45 of the 66 boys with any TA-HSB have more than one type.
    per_child = types["case_id"].value_counts()
    more = int((per_child[per_child.index.isin(any_ta)] > 1).sum())
    assert (more, len(any_ta)) == (45, 66)
    r3 = one_row(result, "ta_hsb_forms_per_child", "n_ta_hsb_types", level="more than one",
                 group="any_ta_hsb")
    assert (r3["n"], r3["denominator"]) == (45, 66)
    assert r3["estimate"] == pytest.approx(0.68, abs=0.005)

    # R5: dual boys whose online types are pornography only (20) and the others (32).
    dual_types = types[types["case_id"].isin(dual)]
    porn_only = dual_types.groupby("case_id")["behaviour_type"].agg(
        lambda kinds: set(kinds) == {"inappropriate_pornography"})
    assert (int(porn_only.sum()), int((~porn_only).sum())) == (20, 32)
    shares = rows_of(result, "dual_subgroups", "dual_subgroup", statistic="proportion")
    assert counts(shares) == {"pornography_only": (20, 52), "other_ta_hsb": (32, 52)}
    assert np.isfinite(shares["ci_low"].astype(float)).all()


def test_behaviour_level_r4_share_has_the_cluster_robust_interval_and_a_correlation_row(
        cohort_a):
    from tahsb_analysis.analyses.clustered import cluster_robust_share, cluster_sums

    result = ta_hsb_range(cohort_a)
    r4 = result[(result["output"] == "ta_hsb_aimed_at_other") & (result["unit"] == "behaviours")]
    share = r4[r4["statistic"] == "proportion"].iloc[0]
    online = cohort_a.behaviours[cohort_a.behaviours["setting"].astype("string") == "online"]
    yes, size = cluster_sums(online["case_id"].astype("string"),
                             online["aimed_at_other"].astype("boolean"))
    expected = cluster_robust_share(yes, size)
    assert (share["ci_low"], share["ci_high"]) == pytest.approx(
        (expected["ci_low"], expected["ci_high"]))
    assert share["method"].startswith("cluster-robust Wilson 95% CI (children as clusters")
    (correlation,) = r4[r4["statistic"] == "within_child_correlation"].itertuples()
    assert pd.isna(correlation.level) and correlation.denominator == share["denominator"]
    assert correlation.estimate == pytest.approx(expected["correlation"], nan_ok=True)
