"""The cohort comparison page (render/pages/comparison.py): self-contained, with its banners,
sources, a figure and a table per section, the verdicts side by side, methods and provenance."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from comparison_helpers import comparison_rows, evaluation

from tahsb_analysis.compare.cohorts import replication_side_by_side
from tahsb_analysis.compare.published import load_published_cohorts
from tahsb_analysis.compare.verdicts import (
    CONSISTENT,
    OPPOSITE,
    SUPPORTED,
    UNINFORMATIVE,
    VERDICTS,
)
from tahsb_analysis.render import verdict_legend
from tahsb_analysis.render.figures.comparison import forest_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.pages.comparison import (
    build_comparison_report,
    side_by_side_table,
    verdict_cell,
)
from tahsb_analysis.render.pages.page import ReportError
from tahsb_analysis.render.pages.provenance import collect_comparison_provenance
from tahsb_analysis.render.tables import (
    INTERNAL_BANNER,
    RELEASE_BANNER,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
)
from tahsb_analysis.results.schema import RELEASED

# What each cohort's verdicts rest on (hand-made; shown on the page rounded as the cells say).
EVIDENCE_A = {
    "P1": dict(scale="value", p_value=0.000515, statistic="proportion", unit="children",
               mdd=0.0844, n=126, denominator=275),
    "C1": dict(scale="direction", p_value=0.00044, p_adjusted=0.0114, statistic="mean",
               unit="years", mdd=2.28),
}
EVIDENCE_B = {
    "P1": dict(scale="value", p_value=0.2104, statistic="proportion", unit="children",
               mdd=0.169, n=40, denominator=70),
    "C1": dict(scale="direction", p_value=0.081, p_adjusted=0.797, statistic="proportion",
               unit="children", mdd=0.453, n=22, denominator=25, compared_n=7,
               compared_denominator=14),
}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.targets += [v for k, v in attrs if k in ("src", "href") and v is not None]


def _cohorts(synthetic=True) -> dict:
    published = {c["id"]: c for c in load_published_cohorts()}
    sources = {"cases": {"file": "cases.csv", "rows": 100, "sha256": "a" * 64}}
    return {"a": {"cohort": "a", "synthetic": synthetic, "sources": sources},
            "b": {"cohort": "b", "synthetic": synthetic, "sources": sources},
            "galvin-2024": published["galvin-2024"],
            "hackett-2013": published["hackett-2013"]}


def _page(tmp_path, disclosure=None, synthetic=True, with_figure=True) -> str:
    rows = comparison_rows(disclosure=disclosure, synthetic=synthetic)
    figures = {}
    if with_figure:
        paths = write_figure(forest_figure(rows, "prevalence"), tmp_path / "comparison_prevalence")
        figures["prevalence"] = paths["png"]
    side = replication_side_by_side({
        "a": evaluation("a", {"P1": CONSISTENT, "C1": SUPPORTED}, evidence=EVIDENCE_A),
        "b": evaluation("b", {"P1": UNINFORMATIVE, "C1": OPPOSITE}, evidence=EVIDENCE_B)})
    return build_comparison_report(
        rows, side_by_side=side, figures=figures, cohorts=_cohorts(synthetic),
        provenance=collect_comparison_provenance(repo_dir=tmp_path),
    )


@pytest.fixture(scope="module")
def internal_page(tmp_path_factory) -> str:
    return _page(tmp_path_factory.mktemp("page"))


def test_the_page_loads_nothing_from_outside_itself(internal_page):
    parser = _Links()
    parser.feed(internal_page)
    assert parser.targets, "the page should at least link its own sections"
    outside = [t for t in parser.targets if not (t.startswith("#") or t.startswith("data:"))]
    assert outside == []
    assert "<script" not in internal_page and "@import" not in internal_page
    assert "data:image/png;base64," in internal_page


def test_an_internal_synthetic_page_carries_both_banners_at_the_top(internal_page):
    head = internal_page[: internal_page.index("<nav")]
    assert INTERNAL_BANNER in head and SYNTHETIC_BANNER in head
    title = re.search(r"<title>(.*)</title>", internal_page).group(1)
    assert INTERNAL_BANNER in title and SYNTHETIC_BANNER in title


def test_a_released_page_of_real_cohorts_has_the_release_banner_only(tmp_path):
    page = _page(tmp_path, disclosure=RELEASED, synthetic=False, with_figure=False)
    head = page[: page.index("<nav")]
    assert RELEASE_BANNER in head and INTERNAL_BANNER not in page
    assert SYNTHETIC_BANNER not in page
    assert SUPPRESSED_MARKER in page


def test_published_citations_are_listed_under_sources_with_why_a_figure_is_not_compared(
        internal_page):
    sources = internal_page[internal_page.index('<section id="sources">'):
                            internal_page.index('<section id="section-prevalence">')]
    assert "Galvin et al. (2024)" in sources and "Hackett et al. (2013)" in sources
    assert "&ldquo;289 young people, 60% with any TA-HSB&rdquo;" in sources
    assert "not compared: A mode of age" in sources


def test_a_source_without_a_verified_reference_says_what_is_known_and_where_its_figures_come_from(
        internal_page):
    galvin = internal_page[internal_page.index('<h3 id="source-galvin-2024">'):
                           internal_page.index('<h3 id="source-hackett-2013">')]
    assert "Full reference not verified." in galvin
    assert "What is known of the source: A study of 289 young people referred" in galvin
    assert "Where the figures below were read: docs/study.md" in galvin
    assert "not available" not in galvin
    hackett = internal_page[internal_page.index('<h3 id="source-hackett-2013">'):]
    assert "Child Abuse Review 22(4), 232-245." in hackett
    assert "not verified" not in hackett[:hackett.index("</table>")]


def test_each_section_shows_its_figure_and_a_table_of_its_comparisons(internal_page):
    prevalence = internal_page[internal_page.index('<section id="section-prevalence">'):
                               internal_page.index('<section id="section-range">')]
    assert "<img src=\"data:image/png;base64," in prevalence
    assert "20.0 pp (" in prevalence and "chi-squared = " in prevalence
    assert "100/200" in prevalence
    links = internal_page[internal_page.index('<section id="section-links">'):
                          internal_page.index('<section id="section-responses">')]
    assert "No comparable rows" in links


def _replication_section(page: str) -> str:
    return page[page.index('<section id="replication">'):page.index('<section id="methods">')]


def test_each_cohorts_verdict_is_shown_with_its_p_mdd_and_counts(internal_page):
    replication = _replication_section(internal_page)
    # By hand from EVIDENCE_A and EVIDENCE_B: p to three decimals (< 0.001 below), the MDD of
    # a share in percentage points to one decimal, of a mean in its unit.
    for expected in (
        "consistent; p &lt; 0.001 (TOST, not adjusted); MDD 8.4 pp; 126/275",
        "supported; p = 0.011 (Holm-adjusted); MDD 2.3 years",
        "uninformative; p = 0.210 (TOST, not adjusted); MDD 16.9 pp; 40/70",
        "opposite direction; p = 0.797 (Holm-adjusted); MDD 45.3 pp; 22/25 vs 7/14",
    ):
        assert f'<td class="number">{expected}</td>' in replication, expected
    assert '<th scope="col">a</th>\n<th scope="col">b</th>' in replication


def test_the_page_explains_every_verdict_word_above_the_side_by_side(internal_page):
    replication = _replication_section(internal_page)
    legend = replication[replication.index('<dl class="legend"'):replication.index("</dl>")]
    assert replication.index("</dl>") < replication.index("<table>")
    for verdict in VERDICTS:
        assert f"<strong>{verdict}</strong>" in legend, verdict
    assert "equivalence test (TOST)" in legend and "margin" in legend
    assert "p at most 0.05" in legend  # the register's alpha, from the evaluations


def test_a_missing_evaluation_reads_not_evaluated():
    assert verdict_cell(None) == "not evaluated"
    side = replication_side_by_side({"a": evaluation("a", {"P1": SUPPORTED}),
                                     "b": evaluation("b", {"P2": SUPPORTED})})
    table = side_by_side_table(side, tier="internal", synthetic=False)
    assert table.rows == [["P1: claim P1", "pub P1", "supported", "not evaluated"],
                          ["P2: claim P2", "pub P2", "not evaluated", "supported"]]


def test_the_side_by_side_methods_are_shown(internal_page):
    methods = internal_page[internal_page.index('<section id="methods">'):]
    assert "Newcombe hybrid score 95% CI (method 10)" in methods
    assert "Holm" in methods


def test_a_compared_cohort_missing_from_cohorts_is_an_error(tmp_path):
    rows = comparison_rows()
    cohorts = _cohorts()
    del cohorts["b"]
    with pytest.raises(ReportError, match=r"cohort\(s\) \['b'\] are compared but not described"):
        build_comparison_report(rows, side_by_side=replication_side_by_side({}), figures={},
                                cohorts=cohorts)


def test_a_figure_for_an_unknown_section_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="name no section"):
        build_comparison_report(comparison_rows(), side_by_side=replication_side_by_side({}),
                                figures={"nope": tmp_path / "x.png"}, cohorts=_cohorts())


def test_building_the_page_twice_gives_the_same_bytes(tmp_path):
    first = _page(tmp_path / "one")
    second = _page(tmp_path / "two")
    assert first == second


def test_a_page_without_provenance_says_so():
    page = build_comparison_report(comparison_rows(), side_by_side=replication_side_by_side({}),
                                   figures={}, cohorts=_cohorts())
    assert "Not recorded: no provenance was given" in page


def test_the_legend_names_each_verdict_once_and_refuses_one_without_a_meaning(monkeypatch):
    words = [word for line in verdict_legend.verdict_legend(0.05) for word, _ in line.entries]
    assert sorted(words) == sorted(VERDICTS)
    monkeypatch.delitem(verdict_legend.MEANINGS, SUPPORTED)
    with pytest.raises(KeyError, match="no meaning in the legend"):
        verdict_legend.verdict_legend(0.05)
