"""Group sizes of the group comparisons on the two shipped synthetic cohorts, against a hand count.

Outputs characteristics, responses and first_hsb_age_by_group give, for each HSB group and for
all groups together, a "group_size" row: the children of the in-depth sample in that group,
values recorded or not. The hand count reads the cases file as text, independently of
`groups.hsb_group`.
"""

from pathlib import Path

import pandas as pd
import pytest

from tahsb_analysis.analyses.characteristics import characteristics
from tahsb_analysis.analyses.links import links
from tahsb_analysis.analyses.responses import responses
from tahsb_analysis.input.validation import validate_cohort

REPO = Path(__file__).resolve().parents[1]
COHORTS = ("synthetic", "synthetic-2019")
OUTPUTS = ("characteristics", "responses", "first_hsb_age_by_group")


def hand_count(directory: Path) -> dict[str, int]:
    cases = pd.read_csv(directory / "cases.csv", dtype=str, keep_default_na=False)
    sample = cases[cases["in_depth_sample"] == "yes"]
    flags = list(zip(sample["ta_hsb"], sample["offline_hsb"], strict=True))
    counts = {
        "ta_only": flags.count(("yes", "no")),
        "dual": flags.count(("yes", "yes")),
        "offline_only": flags.count(("no", "yes")),
    }
    return {**counts, "all": sum(counts.values())}


@pytest.fixture(scope="module", params=COHORTS)
def cohort_results(request):
    directory = REPO / "data" / request.param
    cohort = validate_cohort(
        {n: directory / f"{n}.csv" for n in ("cases", "case_file", "behaviours")}
    )
    results = pd.concat([characteristics(cohort), responses(cohort), links(cohort)])
    return hand_count(directory), results


@pytest.mark.parametrize("output", OUTPUTS)
def test_group_size_rows_give_the_hand_counted_children_of_each_group(cohort_results, output):
    expected, results = cohort_results
    rows = results[results["output"] == output]
    sizes = rows[rows["statistic"] == "group_size"]
    assert dict(zip(sizes["group"], sizes["n"], strict=True)) == expected
    assert (sizes["estimate"] == sizes["n"].astype(float)).all()
    assert (sizes["group_variable"] == "hsb_group").all()
    assert (sizes["variable"] == "hsb_group").all()
    assert min(expected.values()) > 0  # every group of both cohorts has children


@pytest.mark.parametrize("output", OUTPUTS)
def test_group_size_rows_come_before_the_other_rows_of_their_group(cohort_results, output):
    _, results = cohort_results
    rows = results[results["output"] == output].reset_index(drop=True)
    for group in ("ta_only", "dual", "offline_only", "all"):
        of_group = rows.index[rows["group"].eq(group).fillna(False).to_numpy(dtype=bool)]
        assert rows.loc[of_group[0], "statistic"] == "group_size", group
        assert (rows.loc[of_group[1:], "statistic"] != "group_size").all(), group
