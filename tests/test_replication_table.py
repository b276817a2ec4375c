"""The replication table (render/replication_table.py): an evaluation laid out with its
synthetic note, its tier and its cells, and written as CSV, Markdown and HTML."""

from __future__ import annotations

import pandas as pd
import pytest
from replication_helpers import (
    MORE_THAN_HALF,
    by_group,
    direction_register,
    results,
    row,
    suppressed,
)

from tahsb_analysis.compare.replication import REPLICATION_COLUMNS, evaluate_register
from tahsb_analysis.compare.verdicts import INSUFFICIENT
from tahsb_analysis.render import tables
from tahsb_analysis.render.replication_table import (
    SYNTHETIC_FOOTNOTE,
    render_replication,
    write_replication,
)
from tahsb_analysis.results.schema import concat_results


@pytest.fixture(scope="module")
def synthetic_evaluation(synthetic_results) -> pd.DataFrame:
    return evaluate_register(synthetic_results)


def test_rendered_synthetic_replication_says_consistency_is_by_construction(
    synthetic_evaluation,
):
    rendered = render_replication(synthetic_evaluation)
    assert rendered.synthetic
    assert rendered.footnotes[0] == SYNTHETIC_FOOTNOTE
    assert "by construction" in rendered.title
    assert rendered.header == ["Finding", "Published", "This cohort (estimate, CI, n/N)",
                               "Test", "p (Holm-adjusted)",
                               "Minimum detectable difference (80% power)", "Verdict"]
    assert len(rendered.rows) == len(synthetic_evaluation)
    assert rendered.tier == tables.INTERNAL_TIER  # the analyses' rows are "not checked"


def test_rendered_replication_of_a_real_cohort_has_no_synthetic_note():
    rendered = render_replication(evaluate_register(
        results(row(estimate=0.6, ci_low=0.5, ci_high=0.7, n=60, denominator=100)),
        MORE_THAN_HALF))
    assert not rendered.synthetic
    assert SYNTHETIC_FOOTNOTE not in rendered.footnotes
    assert "by construction" not in rendered.title
    # 60/100 = 60.0% with its interval and counts, in one cell
    assert rendered.rows[0][2] == "60.0% (95% CI 50.0 to 70.0), 60/100"


def test_suppressed_claim_renders_as_insufficient_data_in_the_release_tier():
    table = results(suppressed())  # its only row went through the gate: release tier
    rendered = render_replication(evaluate_register(table, MORE_THAN_HALF))
    assert rendered.rows[0][-1] == INSUFFICIENT
    assert rendered.rows[0][2] == tables.NOT_AVAILABLE
    assert rendered.tier == tables.RELEASE_TIER


def test_render_refuses_an_evaluation_of_two_cohorts():
    table = concat_results([
        results(row(estimate=0.6, n=6, denominator=10)),
        results(row(cohort="second", estimate=0.4, n=4, denominator=10)),
    ])
    with pytest.raises(tables.TableError, match="several cohorts"):
        render_replication(evaluate_register(table, MORE_THAN_HALF))


def test_write_replication_writes_csv_markdown_and_html_deterministically(tmp_path):
    frame = evaluate_register(by_group(ta_only=0.8, dual=0.45, offline_only=0.35),
                              direction_register("higher"))
    rendered = render_replication(frame)
    paths = write_replication(frame, rendered, tmp_path / "out" / "replication")
    assert sorted(paths) == ["csv", "html", "md"]
    first = {k: p.read_bytes() for k, p in paths.items()}
    write_replication(frame, rendered, tmp_path / "out" / "replication")
    assert {k: p.read_bytes() for k, p in paths.items()} == first
    assert b"\r\n" not in first["csv"]
    back = pd.read_csv(paths["csv"])
    assert list(back.columns) == list(REPLICATION_COLUMNS)
    assert back["verdict"].tolist() == frame["verdict"].tolist()
    assert rendered.title in paths["md"].read_text(encoding="utf-8")
    assert "<table>" in paths["html"].read_text(encoding="utf-8")
