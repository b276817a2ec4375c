"""Prevalence of TA-HSB in a service cohort (findings P1 and P2), on the cases table.

Shares of children with any TA-HSB, TA-HSB only, dual and offline-only HSB, over the whole
cohort and by sex, age band and learning disability, each with a confidence interval, a named
test of difference across the levels of each breakdown, and the share of dual children among
those with any TA-HSB (the proxy of L3). Returns rows of the results table.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tahsb_analysis.analyses.groups import HSB_GROUPS, hsb_group
from tahsb_analysis.analyses.inference import (
    DEFAULT_MONTE_CARLO_RESAMPLES,
    association_test,
    ci_method_label,
    proportion_rows,
)
from tahsb_analysis.analyses.missing import missing_reason, missing_rows
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.cohort import Cohort, missing_column
from tahsb_analysis.results.schema import make_results

ANALYSIS = "prevalence"
ANY_TA_HSB = "any_ta_hsb"
# The group variable of a share over a population other than all children (L3's proxy).
POPULATION = "population"
# Reported levels, in order: any TA-HSB first (P1), then the mutually exclusive groups.
PREVALENCE_LEVELS = (ANY_TA_HSB, *HSB_GROUPS)
FINDINGS = {ANY_TA_HSB: "P1", "ta_only": "P2"}
BREAKDOWNS = ("sex", "age_band", "learning_disability")
DEFAULT_AGE_BAND_STARTS = (5, 12, 15)


def age_bands(ages: pd.Series, starts: Sequence[int], oldest: int = 18) -> pd.Series:
    """Whole-year ages as ordered bands: starts (5, 12, 15) give "5-11", "12-14", "15-18".

    Ages below the first start are <NA> (they cannot occur in valid data, whose minimum age
    is the codebook's; a configuration starting later than that is refused by the caller).
    """
    starts = sorted(int(s) for s in starts)
    if len(set(starts)) != len(starts) or not starts or starts[-1] > oldest:
        raise ValueError(f"age band starts must be distinct whole years up to {oldest}: {starts}")
    ends = [s - 1 for s in starts[1:]] + [oldest]
    labels = [f"{s}-{e}" if s != e else f"{s}" for s, e in zip(starts, ends, strict=True)]
    edges = [*starts, oldest + 1]
    values = pd.to_numeric(ages, errors="coerce").astype("float64")
    banded = pd.cut(values, bins=edges, right=False, labels=labels)
    return pd.Series(banded, index=ages.index, name="age_band")


def prevalence(
    cohort: Cohort,
    *,
    age_band_starts: Sequence[int] = DEFAULT_AGE_BAND_STARTS,
    ci_method: str = "wilson",
    confidence: float = 0.95,
    exact_test_seed: int = 0,
    exact_test_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
) -> pd.DataFrame:
    """All prevalence rows for one cohort: overall and by each breakdown.

    Output "prevalence_overall" also holds the share of dual children among the children with
    any TA-HSB (variable "hsb_group", level "dual", group_variable "population", group
    "any_ta_hsb", finding L3): n is the overall dual count, denominator the any-TA-HSB count.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort; only its cases table is used.
    age_band_starts : sequence of int
        First whole year of each age band at referral.
    ci_method : {"wilson", "clopper-pearson"}
    confidence : float
    exact_test_seed, exact_test_resamples : int
        Monte Carlo settings of the r x c exact test, used only when a chi-squared test's
        expected counts are too small (see `inference.association_test`).
    """
    cases = cohort.cases
    _check_age_bands(age_band_starts)
    frame = pd.DataFrame(
        {
            "hsb_group": hsb_group(cases),
            "sex": cases["sex"],
            "age_band": age_bands(cases["age_at_referral"], age_band_starts),
            "learning_disability": _yes_no(cases["learning_disability"]),
        }
    )
    reasons = _missing_reasons(cases)
    test_settings = {"seed": exact_test_seed, "resamples": exact_test_resamples}
    rows = _overall_rows(frame, reasons, ci_method, confidence)
    for breakdown in BREAKDOWNS:
        rows += _breakdown_rows(frame, reasons, breakdown, ci_method, confidence, test_settings)
    return make_results(rows, cohort=cohort.label, synthetic=cohort.synthetic, analysis=ANALYSIS)


def _overall_rows(frame, reasons, ci_method, confidence) -> list[dict]:
    rows = _group_share_rows(frame["hsb_group"], ci_method, confidence)
    rows += _missing_count_rows(frame["hsb_group"].isna(), reasons["hsb_group"], "hsb_group")
    rows += _dual_within_any_rows(rows, ci_method, confidence)
    return [{**row, "output": "prevalence_overall"} for row in rows]


def _dual_within_any_rows(overall: list[dict], ci_method, confidence) -> list[dict]:
    """L3's proxy: the dual children among the children with any TA-HSB, a share whose
    numerator and denominator are the dual and any-TA-HSB counts of the overall rows (declared
    to disclosure control as `shared_cells` of prevalence_overall in data/outputs.yaml)."""
    counts = {row["level"]: row["n"] for row in overall if row["statistic"] == "proportion"}
    return proportion_rows(
        ["dual"],
        [counts["dual"]],
        counts[ANY_TA_HSB],
        method=ci_method_label(ci_method, confidence),
        ci_method=ci_method,
        confidence=confidence,
        variable="hsb_group",
        group_variable=POPULATION,
        group=ANY_TA_HSB,
        finding="L3",
    )


def _breakdown_rows(frame, reasons, breakdown, ci_method, confidence, test_settings):
    known = frame["hsb_group"].notna() & frame[breakdown].notna()
    rows = []
    for level in frame[breakdown].cat.categories:
        in_level = known & (frame[breakdown] == level)
        for row in _group_share_rows(frame["hsb_group"][in_level], ci_method, confidence):
            rows.append({**row, "group_variable": breakdown, "group": str(level)})
    rows += _missing_count_rows(frame[breakdown].isna(), reasons[breakdown], breakdown)
    rows += _missing_count_rows(
        frame["hsb_group"].isna() & frame[breakdown].notna(), reasons["hsb_group"], "hsb_group"
    )
    groups = frame.loc[known, "hsb_group"]
    levels = frame.loc[known, breakdown]
    # Passed as one-element lists: given a bare Series, crosstab first checks whether it is a
    # list of arrays by iterating over it, which turns a Categorical of a million children into
    # Python objects. The table is the same either way.
    composition = pd.crosstab([groups], [levels], dropna=False)
    any_ta = pd.crosstab([groups.isin(["ta_only", "dual"])], [levels], dropna=False)
    for variable, table in (("hsb_group", composition), (ANY_TA_HSB, any_ta)):
        rows.append(_test_row(variable, breakdown, table, test_settings))
    return [{**row, "output": f"prevalence_by_{breakdown}"} for row in rows]


def _group_share_rows(groups: pd.Series, ci_method, confidence) -> list[dict]:
    """Proportion rows for every prevalence level among children whose group is known."""
    known = groups.dropna()
    counts = known.value_counts().reindex(list(HSB_GROUPS), fill_value=0)
    numerators = {ANY_TA_HSB: int(counts["ta_only"] + counts["dual"]), **counts.astype(int)}
    rows = proportion_rows(
        PREVALENCE_LEVELS,
        [numerators[level] for level in PREVALENCE_LEVELS],
        int(len(known)),
        method=ci_method_label(ci_method, confidence),
        ci_method=ci_method,
        confidence=confidence,
        variable="hsb_group",
    )
    return [{**row, "finding": FINDINGS.get(row["level"])} for row in rows]


def _missing_count_rows(is_missing: pd.Series, reasons: pd.Series, variable: str) -> list[dict]:
    """Count rows for the children in `is_missing`, out of the whole cohort."""
    return missing_rows(reasons[is_missing], variable=variable, denominator=len(is_missing))


def _test_row(variable: str, breakdown: str, table: pd.DataFrame, settings: dict) -> dict:
    result = association_test(table.to_numpy(), **settings)
    return {
        "variable": variable,
        "group_variable": breakdown,
        **result.row_fields(),
    }


def _missing_reasons(cases: pd.DataFrame) -> dict[str, pd.Series]:
    """Why each child's value is missing ("not recorded", ...); <NA> where it is present."""

    def reason(field_name: str) -> pd.Series:
        return missing_reason(cases[field_name], cases[missing_column(field_name)])

    # A child's group is missing when either flag is; the TA-HSB flag's reason comes first.
    return {
        "hsb_group": reason("ta_hsb").fillna(reason("offline_hsb")),
        "sex": reason("sex"),
        "age_band": reason("age_at_referral"),
        "learning_disability": reason("learning_disability"),
    }


def _yes_no(values: pd.Series) -> pd.Series:
    mapped = values.astype("boolean").map({True: "yes", False: "no"})
    return pd.Series(
        pd.Categorical(mapped, categories=["yes", "no"]), index=values.index, name=values.name
    )


def _check_age_bands(starts: Sequence[int]) -> None:
    youngest = load_codebook().table("cases").field("age_at_referral").minimum
    if min(starts) > youngest:
        raise ValueError(
            f"age bands must start at or below the youngest possible age at referral "
            f"({youngest:g}); the first band starts at {min(starts)}"
        )
