"""The cohort comparison page (render/pages/comparison.py): self-contained, with its banners,
sources, a figure and a table per section, the verdicts side by side, methods and provenance."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from comparison_helpers import comparison_rows, evaluation

from tahsb_analysis.compare.cohorts import replication_side_by_side
from tahsb_analysis.compare.published import load_published_cohorts
from tahsb_analysis.render.figures.comparison import forest_figure
from tahsb_analysis.render.figures.output import write_figure
from tahsb_analysis.render.pages.comparison import build_comparison_report
from tahsb_analysis.render.pages.page import ReportError
from tahsb_analysis.render.pages.provenance import collect_comparison_provenance
from tahsb_analysis.render.tables import (
    INTERNAL_BANNER,
    RELEASE_BANNER,
    SUPPRESSED_MARKER,
    SYNTHETIC_BANNER,
)
from tahsb_analysis.results.schema import RELEASED


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
    side = replication_side_by_side({"a": evaluation("a", {"P1": "supported"}),
                                     "b": evaluation("b", {"P1": "opposite direction"})})
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


def test_each_section_shows_its_figure_and_a_table_of_its_comparisons(internal_page):
    prevalence = internal_page[internal_page.index('<section id="section-prevalence">'):
                               internal_page.index('<section id="section-range">')]
    assert "<img src=\"data:image/png;base64," in prevalence
    assert "20.0 pp (" in prevalence and "chi-squared = " in prevalence
    assert "100/200" in prevalence
    links = internal_page[internal_page.index('<section id="section-links">'):
                          internal_page.index('<section id="section-responses">')]
    assert "No comparable rows" in links


def test_the_side_by_side_verdicts_and_the_methods_are_shown(internal_page):
    replication = internal_page[internal_page.index('<section id="replication">'):
                                internal_page.index('<section id="methods">')]
    assert "supported" in replication and "opposite direction" in replication
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
