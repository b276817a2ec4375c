"""Percentile bootstrap interval of a mean: seeded resample-index matrices, blocks, and
multinomial counts of few distinct values for very many draws."""

import numpy as np
import pytest
from scipy import stats

import tahsb_analysis.analyses.bootstrap as bootstrap_module
from tahsb_analysis.analyses.bootstrap import bootstrap_counts_of_distinct, bootstrap_mean_ci


def test_bootstrap_interval_is_reproducible_with_a_seed_and_changes_with_another():
    sample = np.random.default_rng(1).normal(3.0, 1.2, size=40)
    first = bootstrap_mean_ci(sample, resamples=2_000, seed=11)
    assert bootstrap_mean_ci(sample, resamples=2_000, seed=11) == first
    assert bootstrap_mean_ci(sample, resamples=2_000, seed=12) != first


def test_bootstrap_interval_is_close_to_the_t_interval_on_a_normal_sample():
    sample = np.random.default_rng(2017).normal(3.0, 1.0, size=200)
    low, high = bootstrap_mean_ci(sample, confidence=0.95, resamples=9_999, seed=0)
    t_low, t_high = stats.t.interval(
        0.95, df=199, loc=sample.mean(), scale=stats.sem(sample)
    )
    assert abs(low - t_low) < 0.05
    assert abs(high - t_high) < 0.05


def test_bootstrap_in_blocks_gives_the_same_interval_as_one_matrix(monkeypatch):
    sample = np.random.default_rng(3).normal(size=50)
    whole = bootstrap_mean_ci(sample, resamples=999, seed=5)
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_BLOCK_CELLS", 50 * 7)  # 7 resamples a block
    assert bootstrap_mean_ci(sample, resamples=999, seed=5) == whole


def gap_sample(size: int, seed: int = 8) -> np.ndarray:
    """Gaps in tenths of a year between 1 and 6 years, as onset gaps are: few distinct values."""
    return np.random.default_rng(seed).integers(10, 61, size=size) / 10


def test_small_bootstrap_keeps_the_resample_index_matrix():
    sample = gap_sample(2_000)
    assert 2_000 * 9_999 <= bootstrap_module.BOOTSTRAP_INDEX_LIMIT
    assert bootstrap_counts_of_distinct(sample, 9_999) is None


def test_large_bootstrap_of_few_distinct_values_draws_counts_within_a_tenth_of_a_standard_error(
    monkeypatch,
):
    sample = gap_sample(2_000)
    index_low, index_high = bootstrap_mean_ci(sample, resamples=9_999, seed=3)
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_INDEX_LIMIT", 1_000)
    assert bootstrap_counts_of_distinct(sample, 9_999) == len(np.unique(sample)) == 51
    low, high = bootstrap_mean_ci(sample, resamples=9_999, seed=3)
    # Independent recomputation of the counts path: numpy.random.default_rng(3).multinomial.
    values, counts = np.unique(sample, return_counts=True)
    draws = np.random.default_rng(3).multinomial(len(sample), counts / len(sample), size=9_999)
    expected = np.quantile(draws @ values / len(sample), [0.025, 0.975])
    assert (low, high) == pytest.approx(tuple(expected), rel=1e-12)
    # The same bootstrap distribution of the mean, another random stream: Monte Carlo error
    # only (the documented tolerance is a tenth of the standard error of the mean).
    standard_error = sample.std(ddof=1) / np.sqrt(len(sample))
    assert abs(low - index_low) < 0.1 * standard_error
    assert abs(high - index_high) < 0.1 * standard_error


def test_bootstrap_counts_in_blocks_give_the_same_interval(monkeypatch):
    sample = gap_sample(500)
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_INDEX_LIMIT", 1_000)
    whole = bootstrap_mean_ci(sample, resamples=999, seed=5)
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_BLOCK_CELLS", 51 * 7)  # 7 resamples a block
    assert bootstrap_mean_ci(sample, resamples=999, seed=5) == whole


def test_large_bootstrap_of_many_distinct_values_keeps_the_index_matrix(monkeypatch):
    sample = np.random.default_rng(4).normal(3.0, 1.0, size=500)  # 500 distinct values
    whole = bootstrap_mean_ci(sample, resamples=999, seed=5)
    monkeypatch.setattr(bootstrap_module, "BOOTSTRAP_INDEX_LIMIT", 1_000)
    assert bootstrap_counts_of_distinct(sample, 999) is None
    assert bootstrap_mean_ci(sample, resamples=999, seed=5) == whole
