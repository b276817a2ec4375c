"""The study page's "Planning the next cohort" (render/pages/plan_section.py): the plan made by
compare/planner.py::plan_cohort, written as plan.csv and read back, laid out on the internal
page with its numbers unchanged; the release page shows none of it."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_study_page import parse, section

from tahsb_analysis.compare.planner import OVERALL_PART, plan_cohort
from tahsb_analysis.compare.register import load_register
from tahsb_analysis.render.pages.page import ReportError
from tahsb_analysis.render.pages.plan_section import (
    NOT_GIVEN,
    PRECISION_EFFECT_MEASURE,
    plan_context,
    read_plan,
)
from tahsb_analysis.render.pages.provenance import collect_provenance
from tahsb_analysis.render.pages.study import build_report
from tahsb_analysis.results.schema import make_results
from tahsb_analysis.spreadsheet import to_csv_neutralised

COHORT = "plan-test"
ASSESSED, IN_DEPTH, ANY_TA_HSB = 300, 100, 138  # 138 / 300 = 46% with any TA-HSB
# The precision of 46% to within +/-5 points by hand: n = 1.959964^2 x 0.46 x 0.54 / 0.05^2
# = 3.841459 x 0.2484 / 0.0025 = 381.69, so 382 children assessed.
PRECISION_BY_HAND = 382
# Columns of the claims table (templates/study_plan_section.html.j2).
FINDING, STATUS, EFFECT, PER_GROUP, IN_DEPTH_NEEDED, CHILDREN_NEEDED, NOTE = 0, 2, 3, 4, 5, 6, 7


@pytest.fixture(autouse=True)
def no_git_checkout_above_tmp_path(monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def small_results(disclosure=None, cohort=COHORT) -> pd.DataFrame:
    """The two rows every plan reads (the children assessed, the in-depth sample): P1 can be
    planned from them, every other claim lacks its rows and is "not plannable"."""
    rows = [
        {"output": "prevalence_overall", "variable": "hsb_group", "level": "any_ta_hsb",
         "statistic": "proportion", "estimate": ANY_TA_HSB / ASSESSED, "n": ANY_TA_HSB,
         "denominator": ASSESSED, "unit": "children"},
        {"output": "characteristics", "variable": "hsb_group", "group_variable": "hsb_group",
         "group": "all", "statistic": "group_size", "estimate": IN_DEPTH, "n": IN_DEPTH,
         "unit": "children"},
    ]
    extra = {} if disclosure is None else {"disclosure": disclosure}
    return make_results(rows, cohort=cohort, synthetic=True, analysis="test", method="test",
                        **extra)


def provenance(tmp_path, cohort=COHORT) -> dict:
    metadata = {"cohort": cohort, "synthetic": True, "codebook_version": "1.0.0",
                "sources": {"cases": {"file": "cases.csv", "rows": 5, "sha256": "a" * 64}}}
    return collect_provenance(cohort_metadata=metadata, config={}, repo_dir=tmp_path)


def plan_csv(results: pd.DataFrame, tmp_path) -> pd.DataFrame:
    """plan_cohort's plan through plan.csv, as the workflow writes and the page reads it."""
    path = tmp_path / "plan.csv"
    to_csv_neutralised(plan_cohort(results), path, lineterminator="\n")
    return read_plan(path)


def claims_rows(page: str) -> list[list[str]]:
    table = re.search(r'<table id="plan-table">(.*?)</table>', section(page, "plan"), re.DOTALL)
    assert table, "no claims table in the plan section"
    return parse(table.group(1)).rows[1:]  # without the header


def count_text(value) -> str:
    return NOT_GIVEN if pd.isna(value) else str(int(value))


def test_plan_csv_reads_back_as_plan_cohort_returned_it(tmp_path, synthetic_results):
    plan = plan_cohort(synthetic_results)
    path = tmp_path / "plan.csv"
    to_csv_neutralised(plan, path, lineterminator="\n")
    pd.testing.assert_frame_equal(read_plan(path), plan)


def test_the_internal_page_has_one_entry_per_register_claim_and_the_precision_row(tmp_path):
    plan = plan_csv(small_results(), tmp_path)
    page = build_report(small_results(), plan=plan, provenance=provenance(tmp_path))
    claims = [claim["id"] for claim in load_register()["claims"]]
    rows = claims_rows(page)
    assert [row[FINDING] for row in rows] == claims
    p1 = rows[claims.index("P1")]
    assert (p1[STATUS], p1[CHILDREN_NEEDED]) == ("plannable", str(PRECISION_BY_HAND))
    assert all(row[STATUS] == "not plannable" and row[NOTE] for row in rows if row is not p1)
    precision = parse(section(page, "plan").split('id="plan-precision"', 1)[1]
                      .split("</table>", 1)[0]).rows
    assert len(precision) == 2  # header and the one precision row
    finding, _, interval, share, children, _ = precision[1]
    assert (finding, share, children) == ("P1", "0.46", str(PRECISION_BY_HAND))
    assert interval == "95% CI of half-width at most 5 percentage points"
    assert page.count("<details") == len(claims)


def test_the_numbers_on_the_page_are_those_of_plan_csv(tmp_path, synthetic_cohort,
                                                       synthetic_results):
    cohort = synthetic_cohort.metadata()["cohort"]
    plan = plan_csv(synthetic_results, tmp_path)
    page = build_report(synthetic_results, plan=plan, provenance=provenance(tmp_path, cohort))
    overall = plan[plan["part"] == OVERALL_PART].set_index("finding")
    rows = {row[FINDING]: row for row in claims_rows(page)}
    assert list(rows) == list(overall.index)
    assert overall["status"].eq("plannable").sum() >= 10  # the section is not all blanks
    for finding, claim in overall.iterrows():
        row = rows[finding]
        assert row[STATUS] == claim["status"], finding
        assert row[CHILDREN_NEEDED] == count_text(claim["children_needed"]), finding
        assert row[IN_DEPTH_NEEDED] == count_text(claim["in_depth_needed"]), finding
        parts = plan[(plan["finding"] == finding) & (plan["part"] != OVERALL_PART)]
        if claim["status"] == "plannable" and len(parts):
            # A claim of several parts shows the part that sets its need, with that part's
            # children per group.
            number = int(re.search(r"part (\d+)$", row[EFFECT]).group(1))
            part = parts[parts["part"] == number].iloc[0]
            assert part["children_needed"] == claim["children_needed"], finding
            assert row[PER_GROUP].startswith(count_text(part["n_needed"])), finding
        details = re.search(rf'<details id="plan-{finding}">(.*?)</details>', page, re.DOTALL)
        assert len(parse(details.group(1)).rows) - 1 == max(len(parts), 1), finding


def test_the_precision_row_is_found_in_a_plan_of_the_planner(tmp_path):
    plan = plan_cohort(small_results())
    precision = plan[plan["effect_measure"] == PRECISION_EFFECT_MEASURE]
    assert precision["children_needed"].tolist() == [PRECISION_BY_HAND]
    assert [row["children_needed"] for row in plan_context(plan, COHORT)["precision"]] == [
        str(PRECISION_BY_HAND)]


def test_the_method_and_assumptions_are_named(tmp_path):
    page = build_report(small_results(), plan=plan_cohort(small_results()),
                        provenance=provenance(tmp_path))
    text = " ".join(parse(section(page, "plan")).text)
    for words in ("80% power at alpha 0.05", "strictest step of the Holm adjustment",
                  "NormalIndPower", "TTestIndPower", "power_ztost_prop",
                  "sampled and recorded like this one",
                  "at the effect seen in this cohort"):
        assert words in text, words


def test_the_release_page_has_no_plan_numbers(tmp_path):
    released = small_results(disclosure="released")
    manifest = {"policy": {"threshold": 10}, "summary": {"rows": 2}}
    page = build_report(released, disclosure=manifest, provenance=provenance(tmp_path))
    plan_section = section(page, "plan")
    text = " ".join(parse(plan_section.split("</h2>", 1)[1]).text)
    assert "internal report" in text and "tahsb plan" in text
    assert not re.search(r"\d", text)
    assert "<table" not in plan_section
    assert str(PRECISION_BY_HAND) not in page
    with pytest.raises(ReportError, match="release"):
        build_report(released, plan=plan_cohort(small_results()), disclosure=manifest,
                     provenance=provenance(tmp_path))


def test_an_internal_page_without_a_plan_says_not_planned(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    plan_section = section(page, "plan")
    assert "Not planned" in plan_section and "tahsb plan" in plan_section
    assert "<table" not in plan_section


def test_the_table_of_contents_links_to_the_plan(tmp_path):
    page = build_report(small_results(), plan=plan_cohort(small_results()),
                        provenance=provenance(tmp_path))
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="#plan">Planning the next cohort</a>' in toc
    numbered = re.findall(r"<h2>(\d+)\. ([^<]+)</h2>", page)
    assert [title for _, title in numbered][-4:] == [
        "Replication of the published findings", "Planning the next cohort", "Methods",
        "Provenance"]
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1))


def test_a_plan_of_another_cohort_is_an_error(tmp_path):
    plan = plan_cohort(small_results(cohort="another"))
    with pytest.raises(ReportError, match="another"):
        build_report(small_results(), plan=plan, provenance=provenance(tmp_path))


def test_a_plan_file_that_is_missing_or_not_a_plan_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="no such file"):
        read_plan(tmp_path / "plan.csv")
    plan = plan_cohort(small_results()).drop(columns=["children_needed"])
    to_csv_neutralised(plan, tmp_path / "plan.csv")
    with pytest.raises(ReportError, match="children_needed"):
        read_plan(tmp_path / "plan.csv")


def test_the_page_with_a_plan_is_the_same_twice(tmp_path):
    def build():
        return build_report(small_results(), plan=plan_csv(small_results(), tmp_path),
                            provenance=provenance(tmp_path))

    assert build() == build()
