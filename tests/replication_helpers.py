"""Hand-made results tables and one-claim registers for the replication tests
(test_register, test_replication, test_replication_table)."""

from __future__ import annotations

import pandas as pd

from tahsb_analysis.compare.replication import evaluate_register
from tahsb_analysis.results.schema import SUPPRESSED, make_results


def row(**values) -> dict:
    """One results row: a whole-population proportion of "v = yes" in output "o" unless
    told otherwise."""
    base = {
        "cohort": "test-cohort",
        "synthetic": False,
        "analysis": "test",
        "output": "o",
        "variable": "v",
        "level": "yes",
        "statistic": "proportion",
        "unit": "children",
        "method": "Wilson 95% CI",
    }
    return {**base, **values}


def results(*rows: dict) -> pd.DataFrame:
    return make_results(list(rows))


def suppressed(**values) -> dict:
    """A release-tier row whose numbers were blanked by disclosure control."""
    return row(**values, estimate=pd.NA, ci_low=pd.NA, ci_high=pd.NA, n=pd.NA,
               denominator=pd.NA, disclosure=SUPPRESSED, disclosure_reason="count below 10")


SELECT = {"output": "o", "variable": "v", "level": "yes", "group_variable": None,
          "group": None, "statistic": "proportion"}


def register_of(*checks: dict, claim_id: str = "X1") -> dict:
    return {
        "version": 1,
        "source": "hand-made register for tests",
        "alpha": 0.05,
        "claims": [{"id": claim_id, "finding": "a finding", "kind": "value",
                    "published": "a published value", "checks": list(checks)}],
    }


def claim_row(frame: pd.DataFrame, finding: str = "X1") -> pd.Series:
    """The overall row (part 0) of one claim."""
    rows = frame[frame["finding"].eq(finding).fillna(False) & frame["part"].eq(0).fillna(False)]
    assert len(rows) == 1, f"{len(rows)} overall rows for {finding}"
    return rows.iloc[0]


def parts_of(frame: pd.DataFrame, finding: str = "X1") -> pd.DataFrame:
    return frame[frame["finding"].eq(finding).fillna(False) & frame["part"].gt(0).fillna(False)]


def verdict_of(table: pd.DataFrame, register: dict, finding: str = "X1") -> str:
    return claim_row(evaluate_register(table, register), finding)["verdict"]


def packaged_claim(register: dict, finding: str) -> dict:
    return next(c for c in register["claims"] if c["id"] == finding)


MORE_THAN_HALF = register_of({"rule": "share_above", "measure": "share", "threshold": 0.5,
                              "select": SELECT})


TA_ONLY = {**SELECT, "group_variable": "hsb_group", "group": "ta_only"}


def direction_register(direction: str) -> dict:
    return register_of({"rule": "direction", "measure": "share", "direction": direction,
                        "compared_with": {"group": ["dual", "offline_only"]},
                        "select": TA_ONLY})


def by_group(**estimates) -> pd.DataFrame:
    return results(*[row(group_variable="hsb_group", group=group, estimate=value,
                         ci_low=max(value - 0.1, 0), ci_high=min(value + 0.1, 1),
                         n=round(value * 20), denominator=20)
                     for group, value in estimates.items()])
