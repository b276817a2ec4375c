"""Missing-data sensitivity analyses: bounds of the shares (hand counts on a tiny cohort) and
multiple imputation of the response models (MICEData's imputations, statsmodels MICE's pooling
and Rubin's rules by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.imputation.mice import MICE, MICEData

from tahsb_analysis.analyses.group_comparison import compare_groups
from tahsb_analysis.analyses.imputation import (
    CYCLES_BETWEEN,
    MatrixMICEData,
    fit_log_odds,
    impute,
    rubin_pool,
)
from tahsb_analysis.analyses.sensitivity import (
    BOUNDS_METHOD,
    SCENARIO_PREFIX,
    missing_bounds,
    missing_scenario_tests,
    share_bounds,
)
from tahsb_analysis.render.scenario_tests_table import render_scenario_tests
from tahsb_analysis.results.schema import make_results
from tahsb_analysis.vocabulary import MISSING_BOUNDS, SENSITIVITY_ANALYSIS


def _tiny_cohort() -> pd.DataFrame:
    # ta_only: yes, yes, no, not recorded, not recorded (5 children)
    # dual: yes, no, no, no (4 children, nothing missing)
    # trauma (categorical, ordered): ta_only low, high, not recorded; dual low, low, high, high
    flags = [True, True, False, None, None, True, False, False, False]
    return pd.DataFrame({
        "hsb_group": ["ta_only"] * 5 + ["dual"] * 4,
        "flag": pd.array(flags, dtype="boolean"),
        "flag__missing": pd.array([None] * 3 + ["-9", "-9"] + [None] * 4, dtype="string"),
        "level": pd.Categorical(["low", "high", None, "low", "low", "low", "low", "high",
                                 "high"], categories=["low", "high"]),
    })


def _bounds(frame: pd.DataFrame, every_share: bool = False) -> pd.DataFrame:
    table = compare_groups(frame, "hsb_group", ["flag", "level"], groups=("ta_only", "dual"))
    results = make_results(table, cohort="tiny", synthetic=True, analysis="a", output="source")
    return missing_bounds(results, "source", "bounds", every_share=every_share)


def test_bounds_by_hand_count_on_a_tiny_cohort():
    bounds = _bounds(_tiny_cohort())
    assert set(bounds["statistic"]) == {MISSING_BOUNDS}
    assert set(bounds["method"]) == {BOUNDS_METHOD}
    assert set(bounds["output"]) == {"bounds"}

    def row(variable, level, group):
        chosen = bounds[bounds["variable"].eq(variable) & bounds["level"].eq(level)
                        & bounds["group"].eq(group)]
        assert len(chosen) == 1
        return chosen.iloc[0]

    # ta_only flag: 2 yes of 3 recorded, 2 not recorded -> 2/5 to 4/5; complete case 2/3.
    ta = row("flag", "yes", "ta_only")
    assert (ta["estimate"], ta["ci_low"], ta["ci_high"]) == pytest.approx((2 / 3, 2 / 5, 4 / 5))
    assert ta["n"] == ta["denominator"] == 5
    # dual: nothing missing -> bounds equal the share 1/4.
    dual = row("flag", "yes", "dual")
    assert (dual["ci_low"], dual["ci_high"]) == pytest.approx((0.25, 0.25))
    # all: 3 yes of 7 recorded, 2 not recorded -> 3/9 to 5/9.
    everyone = row("flag", "yes", "all")
    assert (everyone["ci_low"], everyone["ci_high"]) == pytest.approx((3 / 9, 5 / 9))
    # Categorical, ta_only: low, high, not recorded, low, low -> 3 low and 1 high of 4
    # recorded, 1 not recorded.
    low = row("level", "low", "ta_only")
    assert (low["estimate"], low["ci_low"], low["ci_high"]) == pytest.approx((3 / 4, 3 / 5, 4 / 5))
    high = row("level", "high", "ta_only")
    assert (high["ci_low"], high["ci_high"]) == pytest.approx((1 / 5, 2 / 5))


def test_bounds_only_for_variables_with_a_value_not_recorded_unless_asked():
    frame = _tiny_cohort()
    frame["flag"] = frame["flag"].fillna(False)
    frame["flag__missing"] = pd.array([None] * 9, dtype="string")
    frame["level"] = frame["level"].fillna("low")
    assert _bounds(frame).empty
    every = _bounds(frame, every_share=True)
    assert len(every) and (every["ci_low"] == every["estimate"]).all()
    assert (every["ci_high"] == every["estimate"]).all()


def _scenario_tests(frame: pd.DataFrame) -> pd.DataFrame:
    def compare(data, group, variables):
        return compare_groups(data, group, variables, groups=("ta_only", "dual"))

    return missing_scenario_tests(frame, "hsb_group", ["flag", "level"], "tests", compare)


def test_scenario_tests_rerun_the_primary_test_on_hand_filled_tables():
    tests = _scenario_tests(_tiny_cohort())
    flag = tests[tests["variable"].eq("flag")]
    # The ta_only children's two flags not recorded counted as yes, then as no; dual unchanged.
    # Reference: scipy.stats.fisher_exact on the 2 x 2 tables filled by hand (every expected
    # count is below 5, so the primary comparison uses Fisher's exact test).
    as_yes = flag[flag["level"].eq(SCENARIO_PREFIX + "yes")]
    as_no = flag[flag["level"].eq(SCENARIO_PREFIX + "no")]
    # Two groups: the overall test and the ta_only-vs-dual test are the same test.
    assert len(as_yes) == 2 and len(as_no) == 2
    assert as_yes["p_value"].tolist() == pytest.approx(
        [stats.fisher_exact([[4, 1], [1, 3]]).pvalue] * 2, abs=1e-12)
    assert as_no["p_value"].tolist() == pytest.approx(
        [stats.fisher_exact([[2, 3], [1, 3]]).pvalue] * 2, abs=1e-12)
    assert int(as_yes["n"].iloc[0]) == 9  # every child counted: no one left out
    assert as_yes["method"].iloc[0].startswith(f"{SENSITIVITY_ANALYSIS}: Fisher")
    assert as_yes["p_adjusted"].isna().all()
    # "level": a value missing without a code counts as not recorded (`missing_reason`), so
    # there is one scenario per category, low and high.
    level = tests[tests["variable"].eq("level")]
    assert sorted(set(level["level"])) == [SCENARIO_PREFIX + "high", SCENARIO_PREFIX + "low"]


def test_no_scenario_rows_when_nothing_is_missing():
    frame = _tiny_cohort()
    frame = frame[frame["flag"].notna() & frame["level"].notna()].reset_index(drop=True)
    assert _scenario_tests(frame).empty


def test_scenario_table_reads_whether_the_conclusion_changes():
    def test_row(output, level, p_value, method="Fisher's exact test (two-sided)"):
        return {"output": output, "variable": "flag", "level": level, "group": "ta_only vs dual",
                "group_variable": "hsb_group", "statistic": "fisher_exact", "p_value": p_value,
                "n": 9, "denominator": 9, "method": method}

    rows = [
        test_row("source", None, 0.04),
        test_row("tests", SCENARIO_PREFIX + "yes", 0.03,
                 f"{SENSITIVITY_ANALYSIS}: Fisher's exact test, every value not recorded ..."),
        test_row("tests", SCENARIO_PREFIX + "no", 0.20,
                 f"{SENSITIVITY_ANALYSIS}: Fisher's exact test, every value not recorded ..."),
    ]
    results = make_results(rows, cohort="tiny", synthetic=True, analysis="source")
    table = render_scenario_tests(results, "tests")
    assert len(table.rows) == 1
    line = dict(zip(table.header, table.rows[0], strict=True))
    assert line["Primary p (complete case)"] == "0.040"
    assert line["Range of p"] == "0.030 to 0.200"
    assert line["Conclusion at 5%"] == "changes"  # 0.04 < 0.05 but 0.20 is not
    results.loc[results["level"].eq(SCENARIO_PREFIX + "no"), "p_value"] = 0.01
    line = dict(zip(table.header, render_scenario_tests(results, "tests").rows[0], strict=True))
    assert line["Conclusion at 5%"] == "unchanged"


def test_share_bounds_of_an_empty_population_are_nan():
    assert all(np.isnan(share_bounds(0, 0, 0)))
    assert share_bounds(3, 7, 2) == pytest.approx((3 / 9, 5 / 9))


def test_rubin_pool_matches_hand_computed_rules():
    q = np.array([0.50, 0.62, 0.41, 0.55])
    u = np.array([0.040, 0.045, 0.038, 0.042])
    pooled = rubin_pool(q, u, complete_df=40, confidence=0.95)
    m, w, b = 4, u.mean(), q.var(ddof=1)
    t = w + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t
    df_old = (m - 1) / lam**2
    df_obs = (40 + 1) / (40 + 3) * 40 * (1 - lam)
    df = df_old * df_obs / (df_old + df_obs)
    assert pooled.estimate == pytest.approx(q.mean())
    assert pooled.total == pytest.approx(t)
    assert pooled.df == pytest.approx(df)
    assert pooled.p_value == pytest.approx(2 * stats.t.sf(q.mean() / np.sqrt(t), df))
    half = stats.t.ppf(0.975, df) * np.sqrt(t)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((q.mean() - half, q.mean() + half))


def _incomplete_data(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 66
    group = rng.integers(0, 3, n)
    age = rng.integers(10, 18, n).astype(float)
    y = (rng.random(n) < 0.3 + 0.2 * (group == 1)).astype(float)
    other = (rng.random(n) < 0.5).astype(float)
    y[rng.random(n) < 0.15] = np.nan
    other[rng.random(n) < 0.1] = np.nan
    age[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"y": y, "other": other, "age": age,
                         "g1": (group == 1).astype(float), "g2": (group == 2).astype(float)})


def test_matrix_mice_data_imputes_exactly_as_mice_data():
    data = _incomplete_data()
    fast = MatrixMICEData(data, rng=np.random.default_rng(5))
    slow = MICEData(data, rng=np.random.default_rng(5))
    for _ in range(3):
        fast.update_all(2)
        slow.update_all(2)
        pd.testing.assert_frame_equal(fast.data, slow.data)


def test_pooled_odds_ratios_match_statsmodels_mice_with_the_same_seed():
    data = _incomplete_data()
    # Few imputations and cycles keep the test fast (patsy builds MICE's matrices slowly);
    # the identity does not depend on them.
    m, burn_in = 5, 2
    completed = impute(data, imputations=m, seed=11, burn_in=burn_in)
    fits = [fit_log_odds(c["y"].to_numpy(), c[["g1", "g2", "age"]], "logit") for c in completed]
    params = np.array([f[0].to_numpy() for f in fits])
    variances = np.array([np.diag(f[1].to_numpy()) for f in fits])
    ours = [rubin_pool(params[:, j], variances[:, j], np.inf) for j in range(3)]

    reference = MICE("y ~ g1 + g2 + age", sm.GLM,
                     MICEData(data, rng=np.random.default_rng(11)),
                     n_skip=CYCLES_BETWEEN - 1,
                     init_kwds={"family": sm.families.Binomial()})
    result = reference.fit(n_burnin=burn_in, n_imputations=m)
    names = list(reference.exog_names)
    for j, term in enumerate(["g1", "g2", "age"]):
        k = names.index(term)
        assert ours[j].estimate == pytest.approx(result.params[k], rel=1e-6)
        assert np.sqrt(ours[j].total) == pytest.approx(result.bse[k], rel=1e-6)


def test_imputation_is_seeded_and_deterministic():
    data = _incomplete_data()
    first = impute(data, imputations=3, seed=2)
    again = impute(data, imputations=3, seed=2)
    other = impute(data, imputations=3, seed=4)
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not all(a.equals(b) for a, b in zip(first, other, strict=True))
    assert not first[0].isna().any().any()


def test_the_gate_hides_scenario_tests_with_the_counts_they_are_computed_from(synthetic_results):
    # A scenario test is computed from every count of its variable (plus the values not
    # recorded): where the primary test of the same comparison is hidden because one of those
    # counts is, the scenario tests must be hidden too, or the hidden count could be solved
    # for from their p-values. Reference: the gate's own verdict on the primary test.
    from pathlib import Path

    from tahsb_analysis.release.disclosure import apply_disclosure_control
    from tahsb_analysis.release.policy import load_policy

    policy = load_policy(Path(__file__).resolve().parents[1] / "config" / "disclosure_policy.yaml")
    release = apply_disclosure_control(synthetic_results, policy).release
    primary = release[release["output"].eq("responses")
                      & release["statistic"].isin(["chi2", "fisher_exact", "kruskal_wallis",
                                                   "linear_by_linear"])
                      & ~release["method"].str.contains("secondary test", regex=False)]
    scenarios = release[release["output"].eq("responses_missing_tests")]
    assert len(scenarios) > 10
    hidden = 0
    for _, row in scenarios.iterrows():
        same = primary[primary["variable"].eq(row["variable"])
                       & primary["group"].fillna("").eq("" if pd.isna(row["group"])
                                                        else row["group"])]
        assert len(same) == 1
        if same["disclosure"].iloc[0] == "suppressed":
            hidden += 1
            assert row["disclosure"] == "suppressed"
            assert pd.isna(row["p_value"])
    assert hidden > 0  # the shipped cohort has such comparisons: the check is not vacuous
    # Internal-only outputs are not in the release at all.
    assert not release["output"].eq("ta_hsb_range_weighted").any()
