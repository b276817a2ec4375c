"""The gate's rule for summaries of whole-number values (release/summaries.py).

Expected answers come from hand counts, and whatever a group still releases is attacked
independently by the outsider's attack (release/attack_summaries.py), which must find no count
the rule forbids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tahsb_analysis.release.summaries as summaries
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.release.attack_summaries import attack_summaries
from tahsb_analysis.release.summaries import (
    SUMMARY_REASON,
    count_range_protected,
    summary_suppressions,
)
from tahsb_analysis.results.schema import RELEASED, make_results

K, P = 10, 3  # threshold and protection interval of these tests
AGES = range(5, 19)  # the codebook's range of age_at_referral


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def summary_rows(ages_by_group: dict[str, list[int]]) -> pd.DataFrame:
    """Summary rows as group_statistics writes them: mean (t CI), SD, type-7 quartiles."""
    rows = []
    for group, ages in ages_by_group.items():
        ages = np.asarray(ages, dtype=float)
        n = len(ages)
        common = {"output": "characteristics", "variable": "age_at_referral",
                  "group_variable": "hsb_group", "group": group, "n": n, "denominator": n,
                  "unit": "years", "method": "m"}
        sd = float(ages.std(ddof=1))
        half = stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)
        q1, median, q3 = np.quantile(ages, [0.25, 0.5, 0.75])
        rows += [
            {**common, "statistic": "mean", "estimate": ages.mean(),
             "ci_low": ages.mean() - half, "ci_high": ages.mean() + half},
            {**common, "statistic": "sd", "estimate": sd},
            *({**common, "statistic": s, "estimate": float(v)}
              for s, v in (("median", median), ("q1", q1), ("q3", q3))),
        ]
    return make_results(rows, cohort="test", synthetic=True, analysis="characteristics")


def withheld(results, reasons) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for position in reasons:
        row = results.iloc[position]
        found.setdefault(row["group"], set()).add(row["statistic"])
    return found


def assert_released_rows_pass_the_outsiders_attack(results, reasons, codebook) -> None:
    """Whatever is released, attacked group by group, bounds no count as the rule forbids."""
    release = results.copy()
    release["disclosure"] = RELEASED
    release.loc[list(reasons), ["disclosure", "estimate", "ci_low", "ci_high"]] = (
        "suppressed", pd.NA, pd.NA, pd.NA)
    found = attack_summaries(release, codebook, largest_group=10_000)
    for row in found.itertuples():
        n = int(results.loc[results["group"] == row.group, "n"].iloc[0])
        assert count_range_protected(row.minimum, row.maximum, n, K, P), (row.group, row.value)


def test_sixty_children_aged_14_or_15_withhold_mean_and_sd(codebook):
    # Hand count: with two possible values, n and the mean fix both counts (55 and 5);
    # the count of 15-year-olds (5) lies between 1 and k - 1.
    results = summary_rows({"dual": [14] * 55 + [15] * 5})
    reasons = summary_suppressions(results, codebook, K, P)
    assert {"mean", "sd"} <= withheld(results, reasons)["dual"]
    assert set(reasons.values()) == {SUMMARY_REASON}
    assert_released_rows_pass_the_outsiders_attack(results, reasons, codebook)


def test_fourteen_children_with_spread_ages_do_not_release_their_full_summary(codebook):
    ages = [9, 11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 17, 17]
    results = summary_rows({"ta_only": ages})
    reasons = summary_suppressions(results, codebook, K, P)
    assert {"mean", "sd", "q1", "q3"} <= withheld(results, reasons)["ta_only"]
    assert_released_rows_pass_the_outsiders_attack(results, reasons, codebook)


def test_a_large_group_with_broad_ages_releases_its_mean_and_sd(codebook):
    # 100 children of every age 5..18: children can move between ages keeping n, mean and SD,
    # so every count can be 0 or far above P. The 25th percentile is exactly 8 (type 7:
    # h = 1399 / 4, x_349 = x_350 = 8) and the only other pair interpolating to 8 (5 and 9)
    # leaves too few children for the SD, so it proves that at least one child is aged 8:
    # under the rule (lo between 1 and k - 1), the quartiles are withheld, mean and SD kept.
    results = summary_rows({"all": [age for age in AGES for _ in range(100)]})
    reasons = summary_suppressions(results, codebook, K, P)
    assert withheld(results, reasons) == {"all": {"median", "q1", "q3"}}
    assert_released_rows_pass_the_outsiders_attack(results, reasons, codebook)


def test_a_large_group_whose_quartiles_prove_nothing_releases_everything(codebook):
    # 40 children of every age 5..18 plus 2 more aged 11 and 12 (n = 562): the median
    # interpolates x_280 = 11 and x_281 = 12 half-way; the 25th percentile, 8, is
    # x_140 + (x_141 - x_140) / 4 and could come from ages 7 and 11 as well as 8 and 8 (the
    # 75th likewise), so no age is proven present, and each count can reach P.
    ages = [age for age in AGES for _ in range(40)] + [11, 12]
    results = summary_rows({"all": ages})
    reasons = summary_suppressions(results, codebook, K, P)
    assert_released_rows_pass_the_outsiders_attack(results, reasons, codebook)
    assert reasons == {}


def test_a_group_below_the_threshold_is_suppressed_without_an_attack(codebook, monkeypatch):
    def no_solver(*args, **kwargs):
        raise AssertionError("a group below the threshold needs no attack")

    monkeypatch.setattr(summaries, "milp", no_solver)
    results = summary_rows({"ta_only": [12, 13, 13, 14, 15, 15, 16, 17, 17]})
    reasons = summary_suppressions(results, codebook, K, P)
    assert sorted(reasons) == list(range(5))


def test_rows_already_suppressed_are_not_returned_and_not_seen(codebook):
    results = summary_rows({"dual": [14] * 55 + [15] * 5})
    sd_position = int(results.index[results["statistic"] == "sd"][0])
    reasons = summary_suppressions(results, codebook, K, P, suppressed={sd_position})
    assert sd_position not in reasons
    # the mean's confidence interval still carries the SD: the mean is withheld too
    assert "mean" in withheld(results, reasons)["dual"]


@pytest.mark.parametrize("seed", range(6))
def test_quartiles_are_read_as_numpy_quantile_computes_them(seed):
    # Reference: numpy.quantile's default method "linear" (Hyndman & Fan type 7, R's default):
    # h = (n - 1) p, x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 40))
    ages = rng.integers(8, 18, size=n)
    counts = np.bincount(ages - AGES.start, minlength=len(AGES))
    for name, p in summaries.QUANTILES.items():
        q = float(np.quantile(ages, float(p)))
        assert summaries._quantile_matches(counts, AGES, n, p, q), name
        j, f = summaries._position(n, p)
        ordered = np.sort(ages)
        pair = (int(ordered[j]), int(ordered[min(j + 1, n - 1)]) if f else int(ordered[j]))
        assert pair in summaries._pairs(q, f, AGES)
        assert not summaries._quantile_matches(counts, AGES, n, p, q + 0.25)


def test_a_solver_stopped_by_its_time_limit_never_releases(codebook, monkeypatch):
    class Stopped:  # what scipy's milp returns when the time limit stops HiGHS without a point
        status, x, fun = 1, None, None

    monkeypatch.setattr(summaries, "milp", lambda *args, **kwargs: Stopped())
    results = summary_rows({"all": [age for age in AGES for _ in range(100)]})
    reasons = summary_suppressions(results, codebook, K, P)
    assert sorted(reasons) == list(range(5))


def test_a_tiny_time_limit_withholds_rather_than_releases(codebook):
    results = summary_rows({"dual": [14] * 55 + [15] * 5})
    reasons = summary_suppressions(results, codebook, K, P, time_limit=1e-9)
    assert {"mean", "sd"} <= withheld(results, reasons)["dual"]


def test_the_total_and_a_group_may_not_pin_the_other_group(codebook):
    # Hand count: "all" (30 aged 14, 30 aged 15) and "dual" (25 and 20) each have the smallest
    # SD their mean allows, so mean and SD pin both to two adjacent ages; ta_only = all - dual
    # would then be 5 and 10 although ta_only itself shows no mean or SD.
    results = summary_rows({"all": [14] * 30 + [15] * 30, "dual": [14] * 25 + [15] * 20,
                            "ta_only": [14] * 5 + [15] * 10})
    hidden = set(results.index[results["group"].eq("ta_only")
                               & results["statistic"].isin(["mean", "sd"])])
    reasons = summary_suppressions(results, codebook, K, P, suppressed=hidden)
    shown = {g: {"mean", "sd"} - withheld(results, reasons).get(g, set())
             for g in ("all", "dual")}
    assert not (shown["all"] == {"mean", "sd"} and shown["dual"] == {"mean", "sd"})
    assert not hidden & set(reasons)


def test_the_rule_for_one_count():
    assert count_range_protected(0, 3, 60, K, P)
    assert not count_range_protected(0, 2, 60, K, P)
    # at least 1, but possibly 10 or more: no small count is shown
    assert count_range_protected(1, 50, 60, K, P)
    # between 1 and 9 for certain: a small count, however wide
    assert not count_range_protected(1, 9, 60, K, P)
    assert not count_range_protected(5, 7, 60, K, P)
    assert count_range_protected(10, 12, 60, K, P)
    assert count_range_protected(0, 2, 2, K, P)  # a group of 2: no narrower than its size
