"""The one multiplicity rule (results/multiplicity.py): families per report section, each test
counted once, covariates and sensitivity analyses left out. Expected values by hand (Holm:
the i-th smallest p times m - i + 1, made non-decreasing) and statsmodels for BH."""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from tahsb_analysis.results.multiplicity import adjust_families, single_field_aliases
from tahsb_analysis.results.schema import make_results, validate_results

SECTIONS = {"prevalence_by_sex": "prevalence", "prevalence_by_age_band": "prevalence",
            "characteristics": "characteristics", "first_hsb_age_by_group": "links",
            "responses": "responses", "response_models": "responses"}


def p_row(output, variable, p, *, statistic="chi2", level=None, group=None,
             method="Pearson chi-squared test"):
    return {"output": output, "variable": variable, "level": level,
            "group_variable": "hsb_group", "group": group, "statistic": statistic,
            "p_value": p, "method": method, "unit": "children"}


def table(*rows, cohort="c") -> pd.DataFrame:
    frames = []
    for output in dict.fromkeys(r["output"] for r in rows):
        part = pd.DataFrame([{k: v for k, v in r.items() if k != "output"} for r in rows
                             if r["output"] == output])
        frames.append(make_results(part, cohort=cohort, synthetic=True, analysis="a",
                                   output=output))
    return pd.concat(frames, ignore_index=True)


def adjusted(frame, **where) -> list[float]:
    mask = pd.Series(True, index=frame.index)
    for key, value in where.items():
        mask &= frame[key].eq(value).fillna(False)
    return frame.loc[mask, "p_adjusted"].astype(float).tolist()


def test_the_prevalence_breakdowns_are_one_family_other_sections_their_own():
    frame = table(p_row("prevalence_by_sex", "sex", 0.01),
                  p_row("prevalence_by_age_band", "age_band", 0.04),
                  p_row("characteristics", "looked_after", 0.03))
    out = adjust_families(frame, sections=SECTIONS, aliases={})
    # prevalence: 0.01 x 2 = 0.02, 0.04 x 1 = 0.04; characteristics alone: 0.03
    assert adjusted(out, output="prevalence_by_sex") == pytest.approx([0.02])
    assert adjusted(out, output="prevalence_by_age_band") == pytest.approx([0.04])
    assert adjusted(out, output="characteristics") == pytest.approx([0.03])
    assert set(out["p_adjust_method"]) == {"Holm"}
    validate_results(out)


def test_a_test_shown_by_two_outputs_counts_once_and_carries_one_adjusted_p():
    # age at first HSB in characteristics (first section showing it) and in
    # first_hsb_age_by_group (links): one test of the characteristics family of two
    # (0.001 x 2 = 0.002; 0.2 x 1); the links copy carries 0.002 and adds nothing to links'
    # family, where 0.03 stays alone (0.03).
    frame = table(
        p_row("characteristics", "age_first_hsb", 0.001, statistic="mann_whitney_u",
                 group="ta_only vs dual"),
        p_row("characteristics", "looked_after", 0.2),
        p_row("first_hsb_age_by_group", "age_first_hsb", 0.001, statistic="mann_whitney_u",
                 group="ta_only vs dual"),
        p_row("first_hsb_age_by_group", "age_first_hsb", 0.03, statistic="kruskal_wallis"),
    )
    out = adjust_families(frame, sections=SECTIONS, aliases={})
    assert adjusted(out, variable="age_first_hsb", statistic="mann_whitney_u") == \
        pytest.approx([0.002, 0.002])
    assert adjusted(out, output="first_hsb_age_by_group", statistic="kruskal_wallis") == \
        pytest.approx([0.03])


def test_a_one_condition_composite_is_its_field_and_is_not_tested_twice():
    # therapeutic_response = therapeutic_intervention: with the police test the family has two
    # tests (0.01 x 2 = 0.02, 0.04 x 1 = 0.04), not three (which would give 0.03 and 0.04 x 2).
    frame = table(p_row("responses", "therapeutic_intervention", 0.01),
                  p_row("responses", "therapeutic_response", 0.01),
                  p_row("responses", "police_involvement", 0.04))
    aliases = single_field_aliases(
        {"therapeutic_response": {"any_of": [{"field": "therapeutic_intervention",
                                              "values": ["yes"]}]},
         "punitive_response": {"any_of": [{"field": "police_involvement", "values": ["yes"]},
                                          {"field": "yos_involvement", "values": ["yes"]}]}})
    assert aliases == {"therapeutic_response": "therapeutic_intervention"}
    out = adjust_families(frame, sections=SECTIONS, aliases=aliases)
    assert adjusted(out, output="responses") == pytest.approx([0.02, 0.02, 0.04])


def test_covariate_terms_and_sensitivity_analyses_are_not_adjusted():
    frame = table(
        p_row("response_models", "police_involvement", 0.01, statistic="odds_ratio",
                 level="ta_only", method="logistic regression"),
        p_row("response_models", "police_involvement", 0.02, statistic="odds_ratio",
                 level="ta_only vs dual", method="logistic regression"),
        p_row("response_models", "police_involvement", 0.001, statistic="odds_ratio",
                 level="age_at_referral", method="logistic regression"),
        p_row("responses", "police_involvement", 0.005,
                 method="sensitivity analysis: every not recorded counted as yes"),
    )
    out = adjust_families(frame, sections=SECTIONS, aliases={})
    # the family is the two group terms: 0.01 x 2 = 0.02, 0.02 x 1 -> 0.02
    assert adjusted(out, level="ta_only") == pytest.approx([0.02])
    assert adjusted(out, level="ta_only vs dual") == pytest.approx([0.02])
    covariate = out[out["level"].eq("age_at_referral").fillna(False)]
    assert covariate["p_adjusted"].isna().all() and covariate["p_adjust_method"].isna().all()
    sensitivity = out[out["output"].eq("responses")]
    assert sensitivity["p_adjusted"].isna().all()
    assert sensitivity["p_value"].tolist() == [0.005]


def test_each_cohort_is_its_own_family_and_bh_matches_statsmodels():
    rows = [p_row("characteristics", f"v{i}", p) for i, p in enumerate([0.01, 0.02, 0.04])]
    frame = pd.concat([table(*rows, cohort="one"), table(*rows[:1], cohort="two")],
                      ignore_index=True)
    out = adjust_families(frame, "fdr_bh", sections=SECTIONS, aliases={})
    expected = multipletests([0.01, 0.02, 0.04], method="fdr_bh")[1]
    assert adjusted(out, cohort="one") == pytest.approx(list(expected))
    assert adjusted(out, cohort="two") == pytest.approx([0.01])
    assert set(out["p_adjust_method"].dropna()) == {"Benjamini-Hochberg"}
    with pytest.raises(ValueError, match="p_adjust"):
        adjust_families(frame, "bonferroni", sections=SECTIONS, aliases={})


def test_secondary_tests_and_wald_rows_replaced_by_a_primary_firth_row_are_left_out():
    # The family: the linear-by-linear test (0.01) and the Firth row (0.02) -> Holm 0.02 and
    # 0.02; the secondary chi-squared test (0.001) and the Wald row (0.03) are not adjusted.
    firth = {**p_row("response_models", "police_involvement", 0.02, statistic="odds_ratio_firth",
                     level="ta_only", method="Firth penalised logistic regression")}
    frame = table(
        p_row("responses", "family_stability", 0.01, statistic="linear_by_linear",
              group="ta_only vs dual", method="linear-by-linear association test"),
        p_row("responses", "family_stability", 0.001, group="ta_only vs dual",
              method="Pearson chi-squared test; secondary test: the variable is ordered"),
        p_row("response_models", "police_involvement", 0.03, statistic="odds_ratio",
              level="ta_only", method="logistic regression"),
        firth,
    )
    frame.loc[frame["statistic"].eq("odds_ratio_firth"), "warning"] = (
        "primary estimate, as events per variable are few (EPV = 6.0 < 10)")
    out = adjust_families(frame, sections=SECTIONS, aliases={})
    assert adjusted(out, statistic="linear_by_linear") == pytest.approx([0.02])
    assert adjusted(out, statistic="odds_ratio_firth") == pytest.approx([0.02])
    assert out.loc[out["statistic"].eq("chi2"), "p_adjusted"].isna().all()
    assert out.loc[out["statistic"].eq("odds_ratio"), "p_adjusted"].isna().all()
