"""Hand-made results tables for the comparison tests (test_comparison, test_published,
test_comparison_figures, test_comparison_page): the rows, the cohorts' tables and evaluations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tahsb_analysis.compare.cohorts import compare_cohorts
from tahsb_analysis.compare.replication import REPLICATION_COLUMNS
from tahsb_analysis.results.schema import RELEASED, SUPPRESSED, make_results

WILSON = "Wilson 95% CI"
T_MEAN = "mean with t-based 95% CI"
SD = "standard deviation (n - 1)"


def share(n, denominator, level="any_ta_hsb", output="prevalence_overall", **extra) -> dict:
    """A proportion row of HSB group `level` (n/denominator) in `output`."""
    row = dict(output=output, variable="hsb_group", level=level, statistic="proportion",
               estimate=n / denominator if denominator else np.nan, n=n,
               denominator=denominator, unit="children", method=WILSON)
    row.update(extra)
    return row


def mean_rows(mean, sd, n, group="ta_only") -> list[dict]:
    """The mean and SD rows of age at referral for one HSB group (characteristics)."""
    common = dict(output="characteristics", variable="age_at_referral",
                  group_variable="hsb_group", group=group, n=n, denominator=n, unit="years")
    return [dict(common, statistic="mean", estimate=mean, method=T_MEAN),
            dict(common, statistic="sd", estimate=sd, method=SD)]


def table(cohort, rows, *, disclosure=None, synthetic=True) -> pd.DataFrame:
    extra = {} if disclosure is None else {"disclosure": disclosure}
    return make_results(rows, cohort=cohort, synthetic=synthetic, analysis="made_up", **extra)


def compared(rows_a, rows_b, **kwargs) -> pd.DataFrame:
    """Compare cohort "a" (first) with "b"; kwargs go to `table` for both."""
    return compare_cohorts({"b": table("b", rows_b, **kwargs), "a": table("a", rows_a, **kwargs)},
                           [("a", "b")])


def one(frame: pd.DataFrame, statistic: str) -> pd.Series:
    rows = frame[frame["statistic"].eq(statistic).to_numpy(dtype=bool)]
    assert len(rows) == 1, f"{len(rows)} rows of {statistic}"
    return rows.iloc[0]


def evaluation(cohort, verdicts, version="3", evidence=None) -> pd.DataFrame:
    """A hand-made `evaluate_register` frame (every REPLICATION_COLUMNS column, its dtype): per
    finding an overall row (part 0) with `verdicts[finding]` and the columns given in
    `evidence[finding]`, then a part 1 row with other values (which the side-by-side must not
    show)."""
    evidence = evidence or {}
    records = []
    for finding, verdict in verdicts.items():
        common = dict(cohort=cohort, register_version=version, finding=finding,
                      claim=f"claim {finding}", kind="value", alpha=0.05)
        records.append(dict(common, part=0, published=f"pub {finding}", verdict=verdict,
                            **evidence.get(finding, {})))
        records.append(dict(common, part=1, published="part", verdict="opposite direction",
                            p_value=0.999, p_adjusted=0.999, mdd=0.999, n=999,
                            denominator=9999))
    frame = pd.DataFrame.from_records(records, columns=list(REPLICATION_COLUMNS))
    for column, dtype in REPLICATION_COLUMNS.items():
        frame[column] = frame[column].astype(object).where(frame[column].notna(),
                                                           pd.NA).astype(dtype)
    return frame


def comparison_rows(disclosure=None, synthetic=True) -> pd.DataFrame:
    """a vs b on any TA-HSB (RD 0.2), dual (suppressed when released) and a characteristic."""
    looked_after = dict(output="characteristics", variable="looked_after", level="yes",
                        group_variable="hsb_group", group="ta_only", statistic="proportion",
                        n=10, denominator=40, estimate=0.25, unit="children", method=WILSON)
    rows_a = [share(60, 100), share(30, 100, level="dual"), looked_after]
    rows_b = [share(40, 100), share(20, 100, level="dual"), dict(looked_after, n=12)]
    if disclosure == RELEASED:
        rows_a[1].update(disclosure=SUPPRESSED, n=pd.NA, estimate=pd.NA)
    return compare_cohorts({
        "b": table("b", rows_b, disclosure=disclosure, synthetic=synthetic),
        "a": table("a", rows_a, disclosure=disclosure, synthetic=synthetic),
    }, [("a", "b")])
