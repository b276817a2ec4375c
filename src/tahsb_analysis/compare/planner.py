"""The planner for the next cohort: how many children a new cohort needs to test each claim of
the replication register (`register`) at the effect seen in a reference cohort.

`plan_cohort(results, register=None, settings=PlanSettings())` reads one reference cohort's
results table (results/schema.py; the internal tier, or a release table whose rows are not
suppressed) and returns one row per claim (and per part, when a claim has several) with the
effect seen, the children needed per group, and the cohort that yields them. Nothing is
simulated: every number comes from the reference rows and a closed-form power calculation, so
the same table always gives the same plan.

Methods (statsmodels 0.15, `statsmodels.stats.power`; power 80%, alpha 0.05 two-sided by
default; a directional check at alpha / (the register's directional claims), the strictest
step of the Holm adjustment the verdicts apply, so a cohort of the planned size reaches
`supported` with at least the planned power):

========================  ============================================================
check of the register     planned as
========================  ============================================================
direction, two groups,    two-sample z-test on Cohen's h (`proportion_effectsize`, the
proportions               arcsine difference) with `NormalIndPower().solve_power`, the
                          second group `ratio` times the first as in the reference
direction, two groups,    two-sample t-test on Cohen's d (pooled SD) with
means                     `TTestIndPower().solve_power` and the reference group ratio
direction, two levels of  sign test: among children in either level, the share in the
one group                 first against 50%, one-sample z-test on Cohen's h
                          (`NormalIndPower` with ratio=0, the one-sample case)
direction tested by a     the model's odds ratio applied to the reference group's crude
model's odds ratio        share gives two shares, then as two proportions (unadjusted
(S1-S3 vs offline-only)   for age: it approximates the age-adjusted model's power)
share_above (threshold)   one-sample z-test of the share against the threshold on
                          Cohen's h (`NormalIndPower` with ratio=0)
equivalence, proportion   TOST against value +/- the register's margin at the reference
                          share: smallest n with `power_ztost_prop(..., dist="norm",
                          discrete=False)` at the power (statsmodels.stats.proportion)
equivalence, mean         TOST power by normal approximation at the reference mean and SD
headline prevalence (P1)  also precision: n = z^2 p (1 - p) / m^2 (normal approximation,
                          Wald) for a CI of half-width at most m (--margin) at the
                          reference p; a second part of P1
rank_is, all_present,     not plannable (no test is declared), with the reason
shares of behaviours
========================  ============================================================

Group sizes become cohorts through the reference cohort's own shares: a group's "yield" is the
children of the group with the value recorded (the row's denominator) per child of its
population (the in-depth sample, or all children assessed for the prevalence outputs). The
population needed is the largest group need divided by its yield; an in-depth sample becomes
the children assessed that yield it through the reference in-depth share (in-depth sample /
children assessed). This assumes the next cohort is sampled and recorded like the reference.
A claim with several parts (several groups compared, several measures) needs every part: its
overall row (part 0) is the largest need of its parts, or not plannable when any part is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from tahsb_analysis.compare.register import SELECT_KEYS, resolve_register
from tahsb_analysis.compare.replication import directional_claim_count
from tahsb_analysis.compare.sample_sizes import (
    precision_n,
    shares_from_odds_ratio,
    tost_mean_n,
    tost_share_n,
)
from tahsb_analysis.compare.verdicts import DIRECTION_SCALE, RULE_SCALES
from tahsb_analysis.render.tables import level_label, short_group_label
from tahsb_analysis.results.schema import SUPPRESSED, validate_results
from tahsb_analysis.vocabulary import PAIR_SEPARATOR

PLANNABLE = "plannable"
NOT_PLANNABLE = "not plannable"
OVERALL_PART = 0
ALL_ASSESSED = "children assessed"
IN_DEPTH = "in-depth sample"
# Outputs computed on every child assessed; the others are on the in-depth sample.
ALL_ASSESSED_PREFIX = "prevalence_"
# Below this many children in a group the normal approximation behind the plan is rough: an
# exact test (Fisher's, the binomial) at that size has less power than planned.
SMALL_GROUP = 10
SMALL_GROUP_NOTE = (f"fewer than {SMALL_GROUP} children in a group: the normal approximation "
                    "is rough there and an exact test needs somewhat more")
# Where the reference cohort's size and in-depth sample size are read.
ASSESSED_SELECT = {"output": "prevalence_overall", "variable": "hsb_group",
                   "level": "any_ta_hsb", "group_variable": None, "group": None,
                   "statistic": "proportion"}
IN_DEPTH_SELECT = {"output": "characteristics", "variable": "hsb_group", "level": None,
                   "group_variable": "hsb_group", "group": "all", "statistic": "group_size"}

PLAN_COLUMNS: dict[str, str] = {
    "cohort": "string",  # the reference cohort
    "finding": "string",  # the register's claim id ("P1")
    "part": "Int64",  # 0: the claim; 1, 2, ...: its parts (only when several)
    "claim": "string",  # the published finding, paraphrased
    "measure": "string",  # what is measured (and which groups, for a part)
    "status": "string",  # "plannable" or "not plannable"
    "test": "string",  # the test or interval planned for
    "effect_measure": "string",  # "Cohen's h", "Cohen's d", "share (precision)"
    "effect": "Float64",  # the effect seen in the reference (signed)
    "estimate": "Float64",  # the reference estimate of the first group
    "compared_estimate": "Float64",  # the reference estimate it is compared with
    "groups": "string",  # the groups compared, in words
    "group_ratio": "Float64",  # second group / first group (reference denominators)
    "n_needed": "Int64",  # children needed in the first group (or the only one)
    "compared_n_needed": "Int64",  # children needed in the second group
    "population": "string",  # "children assessed" or "in-depth sample"
    "in_depth_needed": "Int64",  # in-depth sample needed (in-depth claims only)
    "children_needed": "Int64",  # children assessed needed
    "power": "Float64",
    "alpha": "Float64",
    "method": "string",  # the statsmodels function and the assumptions
    "reason": "string",  # why not plannable, or what a reader must know
}


@dataclass(frozen=True)
class PlanSettings:
    """Power and two-sided alpha of the tests; `margin` the CI half-width (0-1) of values."""

    power: float = 0.8
    alpha: float = 0.05
    margin: float = 0.05

    def __post_init__(self):
        for name in ("power", "alpha", "margin"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ValueError(f"{name} must lie strictly between 0 and 1")


class PlanError(ValueError):
    """The reference table lacks what every plan needs (its size or in-depth sample)."""


@dataclass(frozen=True)
class Need:
    """Children needed in one group, and `recorded`: the children of the group with the value
    recorded in the reference (the row's denominator), which sets the group's yield per child
    of its population."""

    children: int
    recorded: int


# --- reading the reference rows --------------------------------------------------------------


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _find(rows: pd.DataFrame, select: dict):
    mask = np.ones(len(rows), dtype=bool)
    for key in SELECT_KEYS:
        if key in select:
            value = select[key]
            column = rows[key]
            hit = column.isna() if value is None else column.eq(str(value)).fillna(False)
            mask &= hit.to_numpy(dtype=bool)
    found = rows[mask]
    return found.iloc[0] if len(found) == 1 else None


def _usable(rows, select, need=("estimate", "n", "denominator")):
    """(row, None) or (None, why the reference row cannot be planned from)."""
    row = _find(rows, select)
    where = f"{select['output']}: {select['variable']}"
    if row is None:
        return None, f"no single reference row for {where}"
    if row["disclosure"] == SUPPRESSED:
        return None, f"the reference row for {where} is suppressed"
    if any(_is_missing(row[c]) for c in need):
        return None, f"the reference row for {where} has no {'/'.join(need)}"
    if "denominator" in need and int(row["denominator"]) == 0:
        return None, f"the reference row for {where} has an empty denominator"
    return row, None


def _population(select: dict) -> str:
    return ALL_ASSESSED if select["output"].startswith(ALL_ASSESSED_PREFIX) else IN_DEPTH


def _group_words(select: dict, key: str) -> str:
    value = select[key]
    if value is None:
        return "all"
    variable = select["group_variable"] if key == "group" else select["variable"]
    if variable in ("hsb_group", "dual_subgroup"):
        return short_group_label(value)
    return level_label(variable, value)


# --- sample sizes -----------------------------------------------------------------------------


def _ceil(value: float) -> int:
    # Rounded first so that floating noise (45.0000000001) does not add a child.
    return math.ceil(round(float(value), 6))


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _solve(analysis, effect: float, settings: PlanSettings, ratio: float) -> float:
    return float(analysis.solve_power(effect_size=abs(effect), nobs1=None, alpha=settings.alpha,
                                      power=settings.power, ratio=ratio,
                                      alternative="two-sided"))


def _population_needed(needs: list[Need], size: int) -> int:
    """The population (of `size` in the reference) that yields every group's need:
    ceil(children / (recorded / size)) in integers, exact and so deterministic."""
    return max(_ceil_div(need.children * size, need.recorded) for need in needs)


# --- one check --------------------------------------------------------------------------------


def _not_plannable(base: dict, reason: str) -> dict:
    return {**base, "status": NOT_PLANNABLE, "reason": reason}


def _share_note(estimate, target, direction) -> str | None:
    points_the_other_way = estimate < target if direction == "higher" else estimate > target
    if points_the_other_way:
        return ("the reference points the other way to the published direction: the plan is "
                "for detecting the reference's own effect")
    return None


def _band(check, statistic) -> tuple[float, float]:
    value, margin = float(check["value"]), float(check["margin"])
    low, high = value - margin, value + margin
    return (max(low, 0.0), min(high, 1.0)) if statistic == "proportion" else (low, high)


def _equivalence_part(check, rows, settings, base) -> list[dict]:
    """The TOST of a published value with the register's margin; for the headline prevalence
    (P1) also the precision of its CI at the CLI's --margin (a second part)."""
    select = check["select"]
    statistic = select["statistic"]
    if statistic not in ("proportion", "mean"):
        return [_not_plannable(base, f"a {statistic} compared with a published value: no "
                               "power method")]
    need = ("estimate", "n", "denominator") if statistic == "proportion" else ("estimate", "n")
    row, problem = _usable(rows, select, need=need)
    if problem:
        return [_not_plannable(base, problem)]
    low, high = _band(check, statistic)
    estimate = float(row["estimate"])
    part = {**base, "measure": f"{check['measure']}: equivalence with the published value",
            "test": f"TOST against [{low:g}, {high:g}] (the register's margin "
            f"{float(check['margin']):g}), alpha {settings.alpha:g} per one-sided test",
            "effect_measure": "distance to the margin", "effect": min(estimate - low,
                                                                      high - estimate),
            "estimate": estimate, "compared_estimate": float(check["value"]),
            "groups": _group_words(select, "group")}
    if statistic == "proportion":
        n = tost_share_n(estimate, low, high, settings.power, settings.alpha)
        method = ("statsmodels power_ztost_prop(low, high, n, p = reference share, dist='norm', "
                  "discrete=False): normal-approximation power of the TOST, smallest n "
                  "reaching the power; the verdict's test is the exact binomial TOST "
                  "(binom_tost)")
        recorded = int(row["denominator"])
    else:
        sd_row, sd_problem = _usable(rows, {**select, "statistic": "sd"}, need=("estimate",))
        if sd_problem:
            return [_not_plannable(part, sd_problem)]
        n = tost_mean_n(estimate, float(sd_row["estimate"]), low, high, settings.power,
                        settings.alpha)
        method = ("one-sample TOST power by normal approximation (scipy norm) at the reference "
                  "mean and SD, smallest n reaching the power; the verdict's t TOST needs a "
                  "few more at small n")
        recorded = int(row["n"])
    if n is None:
        return [_not_plannable(part, "the reference estimate is not strictly inside the "
                               "margin: the TOST passes at most alpha of the time at any size")]
    parts = [{**part, "status": PLANNABLE, "n_needed": n, "method": method,
              "needs": [Need(n, recorded)]}]
    if statistic == "proportion" and _is_headline(select):
        parts.append(_precision_part(check, row, settings, base))
    return parts


def _is_headline(select: dict) -> bool:
    return all(select.get(key) == value for key, value in ASSESSED_SELECT.items())


def _precision_part(check, row, settings, base) -> dict:
    """The headline prevalence to within +/- settings.margin (the CLI's --margin)."""
    p = float(row["estimate"])
    confidence = f"{1 - settings.alpha:.0%}"
    part = {**base, "measure": f"{check['measure']}: precision", "test": f"{confidence} CI of "
            f"half-width at most {settings.margin * 100:g} percentage points",
            "effect_measure": "share (precision)", "effect": p, "estimate": p,
            "groups": _group_words(check["select"], "group")}
    if p in (0.0, 1.0):
        return _not_plannable(part, "reference share is 0% or 100%: no precision plan")
    n = precision_n(p, settings.margin, settings.alpha)
    method = (f"normal-approximation (Wald) sample size n = z^2 p (1 - p) / m^2, z = "
              f"{norm.ppf(1 - settings.alpha / 2):.4f}, p = reference share, m = "
              f"{settings.margin:g}; the Wilson interval of the results is about as wide")
    # A precision plan has no power: the CI's width does not depend on an effect.
    return {**part, "status": PLANNABLE, "n_needed": n, "method": method, "power": pd.NA,
            "needs": [Need(n, int(row["denominator"]))]}


def _share_above_part(check, rows, settings, base) -> list[dict]:
    select, threshold = check["select"], float(check["threshold"])
    row, problem = _usable(rows, select)
    if problem:
        return [_not_plannable(base, problem)]
    if row["unit"] != "children":
        return [_not_plannable(base, f"the share counts {row['unit']}, not children: several "
                               "of one child are not independent")]
    p = float(row["estimate"])
    effect = float(proportion_effectsize(p, threshold))
    part = {**base, "test": f"one-sample z-test of the share against {threshold:.0%} "
            "(two-sided)", "effect_measure": "Cohen's h", "effect": effect, "estimate": p,
            "compared_estimate": threshold, "groups": _group_words(select, "group"),
            "reason": _share_note(p, threshold, "higher")}
    if effect == 0:
        return [_not_plannable(part, f"no effect in the reference (share = {threshold:.0%})")]
    n = _ceil(_solve(NormalIndPower(), effect, settings, ratio=0))
    method = ("statsmodels proportion_effectsize(p, threshold) (Cohen's h, arcsine) and "
              "NormalIndPower().solve_power(ratio=0: the one-sample z-test), normal "
              "approximation")
    return [{**part, "status": PLANNABLE, "n_needed": n, "method": method,
             "needs": [Need(n, int(row["denominator"]))]}]


def _direction_parts(check, rows, settings, base) -> list[dict]:
    select, direction = check["select"], check["direction"]
    (key, values), = check["compared_with"].items()
    parts = []
    for value in values:
        other_select = {**select, key: value}
        label = f"{_group_words(select, key)} vs {_group_words(other_select, key)}"
        part_base = {**base, "measure": f"{check['measure']}: {label}", "groups": label}
        test = (check.get("tests") or {}).get(value) or {}
        if "published_side" in test:
            parts.append(_odds_ratio(select, other_select, test["select"], rows, settings,
                                     part_base))
        elif key == "level":
            parts.append(_sign_test(select, other_select, rows, settings, part_base, direction))
        elif select["statistic"] == "mean":
            parts.append(_two_means(select, other_select, rows, settings, part_base, direction))
        elif select["statistic"] == "proportion":
            parts.append(_two_shares(select, other_select, rows, settings, part_base, direction))
        else:
            parts.append(_not_plannable(part_base, f"no power method for a comparison of "
                                        f"{select['statistic']} rows"))
    return parts


def _two_shares(select, other_select, rows, settings, base, direction) -> dict:
    row, problem = _usable(rows, select)
    other, other_problem = _usable(rows, other_select)
    if problem or other_problem:
        return _not_plannable(base, problem or other_problem)
    if row["unit"] != "children":
        return _not_plannable(base, f"the shares count {row['unit']}, not children")
    p1, p2 = float(row["estimate"]), float(other["estimate"])
    d1, d2 = int(row["denominator"]), int(other["denominator"])
    effect = float(proportion_effectsize(p1, p2))
    part = {**base, "test": "two-sample z-test of two proportions (two-sided)",
            "effect_measure": "Cohen's h", "effect": effect, "estimate": p1,
            "compared_estimate": p2, "group_ratio": d2 / d1,
            "reason": _share_note(p1, p2, direction)}
    if effect == 0:
        return _not_plannable(part, "no difference in the reference (effect 0)")
    n1 = _solve(NormalIndPower(), effect, settings, ratio=d2 / d1)
    method = ("statsmodels proportion_effectsize (Cohen's h, arcsine) and "
              "NormalIndPower().solve_power with ratio = second group / first group as in the "
              "reference (children with the value recorded); normal approximation")
    return _two_groups(part, n1, d1, d2, method)


def _odds_ratio(select, other_select, model_select, rows, settings, base) -> dict:
    """A comparison the register tests with an age-adjusted model's odds ratio (S1-S3): the
    odds ratio seen, turned into two shares at the baseline share of the model's reference
    group (the crude share of the compared row that is not the model's term), then planned as
    two shares. Unadjusted for age: the plan is for the crude comparison at the adjusted
    effect."""
    model, problem = _usable(rows, model_select, need=("estimate",))
    row, row_problem = _usable(rows, select)
    other, other_problem = _usable(rows, other_select)
    if problem or row_problem or other_problem:
        return _not_plannable(base, problem or row_problem or other_problem)
    # the model's term: the group the odds ratio is for ("ta_only", or "ta_only" of the
    # contrast "ta_only vs dual", whose baseline is dual)
    term = str(model_select["level"]).split(PAIR_SEPARATOR)[0]
    term_row, baseline_row = (row, other) if select["group"] == term else (other, row)
    baseline = float(baseline_row["estimate"])
    odds_ratio = float(model["estimate"])
    if baseline in (0.0, 1.0) or not odds_ratio > 0:
        return _not_plannable(base, "the reference group's share is 0% or 100%, or the odds "
                              "ratio is not positive: no shares to plan from")
    term_share = shares_from_odds_ratio(odds_ratio, baseline)
    p1, p2 = (term_share, baseline) if term_row is row else (baseline, term_share)
    d1, d2 = int(row["denominator"]), int(other["denominator"])
    effect = float(proportion_effectsize(p1, p2))
    part = {**base, "test": "two-sample z-test of two proportions (two-sided), the shares "
            f"implied by the age-adjusted odds ratio {odds_ratio:.3g}",
            "effect_measure": "Cohen's h", "effect": effect, "estimate": p1,
            "compared_estimate": p2, "group_ratio": d2 / d1}
    if effect == 0:
        return _not_plannable(part, "odds ratio 1 in the reference (effect 0)")
    n1 = _solve(NormalIndPower(), effect, settings, ratio=d2 / d1)
    method = (f"the model's odds ratio (response_models, {term} term) applied to the "
              f"reference group's crude share {baseline:.3g}: shares {p1:.3g} and {p2:.3g}; "
              "statsmodels proportion_effectsize (Cohen's h) and NormalIndPower().solve_power "
              "with the reference group ratio. Unadjusted for age: the verdict's test is the "
              "age-adjusted logistic model, whose power this only approximates")
    return _two_groups(part, n1, d1, d2, method)


def _two_means(select, other_select, rows, settings, base, direction) -> dict:
    row, problem = _usable(rows, select, need=("estimate", "n"))
    other, other_problem = _usable(rows, other_select, need=("estimate", "n"))
    sd_row, sd_problem = _usable(rows, {**select, "statistic": "sd"}, need=("estimate",))
    other_sd, other_sd_problem = _usable(rows, {**other_select, "statistic": "sd"},
                                         need=("estimate",))
    problem = problem or other_problem or sd_problem or other_sd_problem
    if problem:
        return _not_plannable(base, problem)
    n1, n2 = int(row["n"]), int(other["n"])
    if n1 + n2 <= 2:
        return _not_plannable(base, "fewer than 3 children: no pooled standard deviation")
    pooled = math.sqrt(((n1 - 1) * float(sd_row["estimate"]) ** 2
                        + (n2 - 1) * float(other_sd["estimate"]) ** 2) / (n1 + n2 - 2))
    m1, m2 = float(row["estimate"]), float(other["estimate"])
    part = {**base, "test": "two-sample t-test of two means (two-sided)",
            "effect_measure": "Cohen's d", "estimate": m1, "compared_estimate": m2,
            "group_ratio": n2 / n1, "reason": _share_note(m1, m2, direction)}
    if pooled == 0 or m1 == m2:
        return _not_plannable(part, "no difference or no spread in the reference (effect "
                              "undefined or 0)")
    effect = (m1 - m2) / pooled
    nobs1 = _solve(TTestIndPower(), effect, settings, ratio=n2 / n1)
    method = ("Cohen's d with the pooled SD of the reference groups, statsmodels "
              "TTestIndPower().solve_power with the reference group ratio; the results test "
              "the groups with Mann-Whitney U, about 95% as efficient as the t-test for normal "
              "data, so the plan may be slightly optimistic")
    return _two_groups({**part, "effect": effect}, nobs1, n1, n2, method)


def _two_groups(part, nobs1, d1, d2, method) -> dict:
    need1, need2 = _ceil(nobs1), _ceil(nobs1 * d2 / d1)
    needs = [Need(need1, d1), Need(need2, d2)]
    return {**part, "status": PLANNABLE, "n_needed": need1, "compared_n_needed": need2,
            "method": method, "needs": needs}


def _sign_test(select, other_select, rows, settings, base, direction) -> dict:
    row, problem = _usable(rows, select)
    other, other_problem = _usable(rows, other_select)
    if problem or other_problem:
        return _not_plannable(base, problem or other_problem)
    a, b = int(row["n"]), int(other["n"])
    if a + b == 0:
        return _not_plannable(base, "no child in either level in the reference")
    share = a / (a + b)
    effect = float(proportion_effectsize(share, 0.5))
    part = {**base, "test": "sign test: share in the first level among children in either, "
            "against 50% (one-sample z-test, two-sided)", "effect_measure": "Cohen's h",
            "effect": effect, "estimate": share, "compared_estimate": 0.5,
            "reason": _share_note(share, 0.5, direction)}
    if effect == 0:
        return _not_plannable(part, "as many children in each level in the reference (effect 0)")
    n = _ceil(_solve(NormalIndPower(), effect, settings, ratio=0))
    method = ("statsmodels proportion_effectsize(share, 0.5) (Cohen's h) and "
              "NormalIndPower().solve_power(ratio=0: one-sample); children in neither level "
              "(e.g. same-year onsets) are counted in the yield, not the test")
    return {**part, "status": PLANNABLE, "n_needed": n, "method": method,
            "needs": [Need(n, a + b)]}


PLANNERS = {"equivalence": _equivalence_part, "share_above": _share_above_part,
            "direction": _direction_parts}
NO_TEST = {"rank_is": "a ranking has no declared test", "all_present": "presence (n > 0) has "
           "no declared test"}


# --- populations and claims -------------------------------------------------------------------


def reference_sizes(rows: pd.DataFrame) -> tuple[int, int | None]:
    """(children assessed, in-depth sample) of the reference cohort; in-depth None if absent."""
    assessed, problem = _usable(rows, ASSESSED_SELECT, need=("denominator",))
    if problem:
        raise PlanError("the reference table has no prevalence_overall row giving the number "
                        "of children assessed")
    in_depth, _ = _usable(rows, IN_DEPTH_SELECT, need=("n",))
    return int(assessed["denominator"]), None if in_depth is None else int(in_depth["n"])


def _joined(*notes) -> str | None:
    kept = [note for note in notes if not _is_missing(note)]
    return "; ".join(kept) if kept else None


def _with_totals(part: dict, rows: pd.DataFrame, select: dict) -> dict:
    needs = part.pop("needs", None)
    part["population"] = _population(select)
    if part.get("status") != PLANNABLE:
        return part
    smallest = min(n for n in (part.get("n_needed"), part.get("compared_n_needed"))
                   if not _is_missing(n))
    if smallest < SMALL_GROUP:
        part["reason"] = _joined(part.get("reason"), SMALL_GROUP_NOTE)
    assessed, in_depth = reference_sizes(rows)
    if part["population"] == ALL_ASSESSED:
        part["children_needed"] = _population_needed(needs, assessed)
        return part
    if in_depth is None:
        return _not_plannable(part, "the reference table has no in-depth sample size "
                              "(characteristics group_size, group all)")
    population = _population_needed(needs, in_depth)
    part["in_depth_needed"] = population
    part["children_needed"] = _ceil_div(population * assessed, in_depth)
    part["method"] += (f"; in-depth sample = largest group need / the group's share of the "
                       f"reference in-depth sample; children assessed = in-depth sample x "
                       f"{assessed}/{in_depth} (the reference's in-depth share)")
    return part


def _claim_rows(claim: dict, rows: pd.DataFrame, settings: PlanSettings, base: dict,
                family: int = 1):
    """The plan of one claim. A directional check is planned at alpha / family, the strictest
    level of the register's Holm adjustment over its `family` directional claims (Bonferroni:
    a cohort this size reaches `supported` with at least the planned power whatever step the
    claim is tested at); a published value's TOST and the precision of P1 at alpha."""
    parts = []
    for check in claim["checks"]:
        rule = check["rule"]
        check_settings = settings
        if RULE_SCALES.get(rule) == DIRECTION_SCALE and family > 1:
            check_settings = replace(settings, alpha=settings.alpha / family)
        check_base = {**base, "measure": check["measure"], "alpha": check_settings.alpha}
        if rule in NO_TEST:
            part = _not_plannable(check_base, NO_TEST[rule])
            parts.append(_with_totals(part, rows, check["select"]))
        elif rule in PLANNERS:
            for part in PLANNERS[rule](check, rows, check_settings, check_base):
                if check_settings is not settings and not _is_missing(part.get("method")):
                    part["method"] = (f"{part['method']}; alpha {settings.alpha:g} / {family} "
                                      "directional claims (Holm's strictest step)")
                parts.append(_with_totals(part, rows, check["select"]))
        else:
            parts.append(_not_plannable({**check_base, "population": pd.NA},
                                        f"rule {rule!r} has no power method"))
    if len(parts) == 1:
        return [{**parts[0], "part": OVERALL_PART}]
    return [_overall(base, parts), *({**p, "part": i} for i, p in enumerate(parts, start=1))]


def _overall(base: dict, parts: list[dict]) -> dict:
    overall = {**base, "part": OVERALL_PART, "measure": f"{len(parts)} parts, every one needed",
               "test": "every part's test"}
    blocked = [i for i, p in enumerate(parts, start=1) if p["status"] != PLANNABLE]
    if blocked:
        words = ", ".join(str(i) for i in blocked)
        return _not_plannable(overall, f"part(s) {words} not plannable")
    largest = max(parts, key=lambda p: (p["children_needed"], p.get("in_depth_needed") or 0))
    populations = {p["population"] for p in parts}
    in_depth = [p["in_depth_needed"] for p in parts if not _is_missing(p.get("in_depth_needed"))]
    return {**overall, "status": PLANNABLE, "population": " and ".join(sorted(populations)),
            "in_depth_needed": max(in_depth) if in_depth else pd.NA,
            "children_needed": largest["children_needed"],
            "method": "the largest need of the parts: each part then has at least the planned "
                      "power on its own; all parts together have less (no adjustment)"}


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(PLAN_COLUMNS))
    for column, dtype in PLAN_COLUMNS.items():
        values = frame[column].astype(object).where(frame[column].notna(), pd.NA)
        frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True)


def plan_cohort(results: pd.DataFrame, register=None,
                settings: PlanSettings | None = None) -> pd.DataFrame:
    """The children a next cohort needs per claim of the register, at each reference cohort's
    effects: `PLAN_COLUMNS`, one row per cohort and claim (part 0) and per part of a claim
    with several. `register`: a loaded register, a path, or None for the packaged one.
    Raises ResultsSchemaError for a table off the schema, PlanError when a cohort's size is
    not in it; a claim that cannot be planned is a "not plannable" row with the reason."""
    settings = settings or PlanSettings()
    register = resolve_register(register)
    validate_results(results)
    records: list[dict] = []
    family = directional_claim_count(register)
    for cohort, rows in results.groupby("cohort", sort=False):
        reference_sizes(rows)  # fail early, before any claim, when the cohort's size is absent
        for claim in register["claims"]:
            base = {"cohort": cohort, "finding": claim["id"], "claim": claim["finding"],
                    "power": settings.power, "alpha": settings.alpha}
            records += _claim_rows(claim, rows, settings, base, family)
    return _frame(records)
