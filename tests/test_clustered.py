"""Behaviour-level shares with children as clusters (analyses/clustered.py), issue #16 item 4.

References: statsmodels' GEE fitted here on the same behaviours (independence working
correlation with the robust sandwich covariance for the variance; exchangeable working
correlation for the within-child correlation), and a hand example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from tahsb_analysis.analyses.clustered import (
    cluster_robust_share,
    cluster_sums,
    clustered_share_fields,
    exchangeable_correlation,
)
from tahsb_analysis.analyses.design_weights import wilson_interval


def _behaviours(seed: int, correlation: float = 0.3):
    """66 children with 1-3 behaviours each, correlated within child (beta-binomial)."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3], size=66, p=[0.3, 0.55, 0.15])
    c = (1 - correlation) / correlation
    child_p = rng.beta(0.6 * c, 0.4 * c, size=66)
    draws = [rng.random(k) < q for k, q in zip(sizes, child_p, strict=True)]
    values = np.concatenate(draws).astype(float)
    return np.repeat(np.arange(66), sizes), values


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_variance_is_statsmodels_gee_sandwich_with_the_small_sample_factor(seed):
    child, values = _behaviours(seed)
    fit = sm.GEE(values, np.ones((len(values), 1)), groups=child,
                 family=sm.families.Binomial(), cov_struct=sm.cov_struct.Independence()).fit()
    p = values.mean()
    assert fit.params[0] == pytest.approx(np.log(p / (1 - p)), abs=1e-8)
    # Robust variance of the logit, by the delta method on the share's scale, times K/(K-1).
    expected = fit.cov_params()[0, 0] * (p * (1 - p)) ** 2 * 66 / 65
    yes, size = cluster_sums(child, values.astype(bool))
    result = cluster_robust_share(yes, size)
    assert result["estimate"] == pytest.approx(p, abs=1e-15)
    assert result["variance"] == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_within_child_correlation_is_statsmodels_gee_exchangeable_estimate(seed):
    child, values = _behaviours(seed)
    fit = sm.GEE(values, np.ones((len(values), 1)), groups=child,
                 family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()).fit()
    yes, size = cluster_sums(child, values.astype(bool))
    assert exchangeable_correlation(yes, size) == pytest.approx(
        fit.model.cov_struct.dep_params, abs=1e-6)


def test_a_hand_example():
    # Children: A 2 of 2 yes, B 0 of 2, C 1 of 1, D 1 of 3. p = 4/8 = 0.5.
    # Residuals y_i - p m_i: 1, -1, 0.5, -0.5; sum of squares 2.5; v = 4/3 * 2.5 / 64.
    child = ["A", "A", "B", "B", "C", "D", "D", "D"]
    values = pd.array([True, True, False, False, True, True, False, False], dtype="boolean")
    yes, size = cluster_sums(child, values)
    assert yes.tolist() == [2, 0, 1, 1] and size.tolist() == [2, 2, 1, 3]
    result = cluster_robust_share(yes, size)
    assert result["variance"] == pytest.approx(4 / 3 * 2.5 / 64)
    n_eff = 0.25 / (4 / 3 * 2.5 / 64)  # 4.8 behaviours' worth of information, not 8
    assert result["effective_n"] == pytest.approx(n_eff)
    # Wilson at n_eff with the t quantile on K - 1 = 3 df, written out.
    t = stats.t.ppf(0.975, 3)
    centre = (0.5 + t * t / (2 * n_eff)) / (1 + t * t / n_eff)
    half = t / (1 + t * t / n_eff) * np.sqrt(0.25 / n_eff + t * t / (4 * n_eff**2))
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((centre - half,
                                                                    centre + half))
    assert wilson_interval(0.5, n_eff, df=3) == pytest.approx((centre - half, centre + half))


def test_a_missing_value_is_left_out_and_single_behaviours_give_no_correlation():
    values = pd.array([True, None, False], dtype="boolean")
    yes, size = cluster_sums(["A", "B", "C"], values)
    assert yes.tolist() == [1, 0] and size.tolist() == [1, 1]
    fields, correlation = clustered_share_fields(["A", "B", "C"], values)
    assert np.isnan(correlation["estimate"]) and correlation["warning"]
    assert correlation["n"] == correlation["denominator"] == 2
    assert "cluster-robust" in fields["method"]


def test_one_behaviour_per_child_gives_wilson_at_k_minus_1():
    # One behaviour per child: v = K/(K-1) * sum (y_i - p)^2 / K^2 = p (1 - p) / (K - 1), so
    # the interval is Wilson's on K - 1 = 99 trials (t quantile on 99 df).
    values = pd.array([True] * 30 + [False] * 70, dtype="boolean")
    fields, _ = clustered_share_fields(np.arange(100), values)
    assert (fields["ci_low"], fields["ci_high"]) == pytest.approx(
        wilson_interval(0.3, 99, df=99), abs=1e-12)
