"""The study report: one self-contained page per cohort and tier, laid out from hand-made
results rows whose methods, counts and banners are known by construction."""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.pages.methods import method_summary
from tahsb_analysis.render.pages.page import ReportError, write_report
from tahsb_analysis.render.pages.provenance import NOT_A_GIT_CHECKOUT, collect_provenance
from tahsb_analysis.render.pages.study import build_report, internal_only_figures
from tahsb_analysis.render.tables import (
    INTERNAL_BANNER,
    RELEASE_BANNER,
    SYNTHETIC_BANNER,
    render_table,
)
from tahsb_analysis.results.schema import make_results

REPO = Path(__file__).resolve().parents[1]
REAL_COHORT = REPO / "results" / "synthetic-ttp-2015"
COHORT = "ttp-test"
WILSON = "Wilson 95% CI"
CHI2 = "Pearson chi-squared test (1 df)"
FISHER = "Fisher's exact test (two-sided)"
T_MEAN = "mean with t-based 95% CI"
QUARTILES = "median and quartiles (linear interpolation)"
RISK_DIFFERENCE = "risk difference (reference minus comparison), Newcombe hybrid score 95% CI"
LOGIT = "logistic regression (statsmodels Logit); Wald 95% CI"
SHA = {"cases": "a" * 64, "case_file": "b" * 64, "behaviours": "c" * 64}
CONFIG = {
    "cohorts": {COHORT: {"cases": "cases.csv", "case_file": "case_file.csv",
                         "behaviours": "behaviours.csv"}},
    "age_band_starts": [5, 12, 15],
    "exact_test": {"resamples": 99, "seed": 111},
    "links": {"gap_ci": "bootstrap", "bootstrap_resamples": 99, "bootstrap_seed": 222},
    "p_adjust": "holm",
}
ALT_TEXT = "Stacked bar chart of the HSB groups: <made up> for the test & nothing else"


def proportion(level, n, denominator, **extra):
    return dict(variable="hsb_group", level=level, statistic="proportion",
                estimate=n / denominator, ci_low=0.01, ci_high=0.9, n=n,
                denominator=denominator, unit="children", method=WILSON, **extra)


def small_rows() -> list[dict]:
    """14 rows; by hand: Wilson 5 (proportions), chi-squared 2 and Fisher 1 (tests), t mean 1
    and quartiles 3 (summaries), risk difference 1 (effect size), logistic 1 (model); two
    p-values Holm-adjusted, three (chi-squared twice, odds ratio) not adjusted."""
    return [
        proportion("ta_only", 1, 10, output="prevalence_overall", finding="P2"),
        proportion("dual", 4, 10, output="prevalence_overall", finding="P1"),
        proportion("offline_only", 5, 10, output="prevalence_overall"),
        proportion("dual", 2, 6, output="prevalence_by_sex", group_variable="sex",
                   group="male"),
        proportion("dual", 2, 4, output="prevalence_by_sex", group_variable="sex",
                   group="female"),
        dict(output="prevalence_by_sex", variable="hsb_group", group_variable="sex",
             statistic="chi2", estimate=1.5, p_value=0.22, n=10, unit="children", method=CHI2),
        dict(output="prevalence_by_sex", variable="any_ta_hsb", group_variable="sex",
             statistic="chi2", estimate=0.5, p_value=0.48, n=10, unit="children", method=CHI2),
        dict(output="onset_gap", variable="onset_gap", level="offline_first", statistic="mean",
             estimate=3.0, ci_low=2.0, ci_high=4.0, n=8, unit="years", method=T_MEAN),
        *[dict(output="onset_gap", variable="onset_gap", level="offline_first", statistic=s,
               estimate=v, n=8, unit="years", method=QUARTILES)
          for s, v in (("median", 3.0), ("q1", 2.0), ("q3", 4.0))],
        dict(output="x_comparison", variable="looked_after", level="yes",
             group_variable="hsb_group", group="ta_only vs dual", statistic="risk_difference",
             estimate=0.1, ci_low=-0.2, ci_high=0.4, p_value=0.5, p_adjusted=0.9,
             p_adjust_method="Holm", unit="children", method=RISK_DIFFERENCE),
        dict(output="x_comparison", variable="looked_after", group_variable="hsb_group",
             statistic="fisher_exact", p_value=0.3, p_adjusted=0.9, p_adjust_method="Holm",
             unit="children", method=FISHER),
        dict(output="response_models", variable="police_involvement", level="ta_only",
             statistic="odds_ratio", estimate=2.0, ci_low=1.1, ci_high=3.6, p_value=0.02,
             n=10, denominator=40, unit="children", method=LOGIT),
    ]


def small_results(synthetic=True, disclosure=None, cohort=COHORT) -> pd.DataFrame:
    extra = {} if disclosure is None else {"disclosure": disclosure}
    return make_results(small_rows(), cohort=cohort, synthetic=synthetic, analysis="made_up",
                        **extra)


def cohort_metadata(cohort=COHORT, synthetic=True) -> dict:
    sources = {table: {"file": f"{table}.csv", "rows": 5, "sha256": sha}
               for table, sha in SHA.items()}
    return {"cohort": cohort, "synthetic": synthetic, "codebook_version": "1.0.0",
            "sources": sources}


def provenance(tmp_path, cohort=COHORT, synthetic=True, **extra) -> dict:
    return collect_provenance(cohort_metadata=cohort_metadata(cohort, synthetic),
                              config=CONFIG, repo_dir=tmp_path, **extra)


def disclosure_manifest() -> dict:
    """A manifest with a cell log beside it that holds a value (which must never be shown)."""
    return {
        "cells": [{"output": "prevalence_by_sex", "value": 987654}],
        "policy": {"version": "1", "threshold": 10, "zeros_disclosive": True,
                   "rounding_base": None},
        "summary": {"rows": 14, "suppressed": 2},
        "suppressed_cells": [
            {"output": "prevalence_by_sex", "variable": "hsb_group", "level": "dual",
             "group_variable": "sex", "group": "female", "statistic": "proportion",
             "reason": "count 2 below threshold 10", "estimate": 0.987654, "n": 4242},
            {"output": "prevalence_overall", "variable": "hsb_group", "level": "ta_only",
             "group_variable": pd.NA, "group": None, "statistic": "proportion",
             "reason": "secondary"},
        ],
    }


@pytest.fixture(autouse=True)
def no_git_checkout_above_tmp_path(monkeypatch, tmp_path):
    """Git must not find a checkout above tmp_path (were the temporary folder inside one)."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


@pytest.fixture
def figure_png(tmp_path) -> Path:
    """A tiny PNG, its screen preview (a second PNG at 48 dpi: 1 inch is 48 px), alt text and
    caption beside it, as figures.write_figure writes."""
    fig = Figure(figsize=(1, 1), dpi=20)
    fig.add_subplot().bar([0, 1], [1, 2])
    path = tmp_path / "figures" / "prevalence.png"
    path.parent.mkdir()
    fig.savefig(path, format="png", metadata={"Software": None})
    fig.savefig(path.with_name("prevalence.screen.png"), format="png", dpi=48,
                metadata={"Software": None})
    path.with_name("prevalence.alt.txt").write_text(ALT_TEXT + "\n", encoding="utf-8")
    path.with_name("prevalence.caption.txt").write_text("The caption.\n", encoding="utf-8")
    return path


def same_figure_as(png: Path, name: str) -> Path:
    """A copy of the test figure (PNG, alt text, caption) under another name."""
    target = png.with_name(f"{name}.png")
    for suffix in (".png", ".screen.png", ".alt.txt", ".caption.txt"):
        shutil.copyfile(png.with_name(f"prevalence{suffix}"), png.with_name(f"{name}{suffix}"))
    return target


# --- reading the page back -----------------------------------------------------------------------


class PageParser(HTMLParser):
    """Every start tag with its attributes, the <title>, the text, and table rows as cells."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._in_title = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "title":
            self._in_title = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}">(.*?)</section>', page, flags=re.DOTALL)
    assert match, f"no section {section_id!r} in the page"
    return match.group(1)


def body_start(page: str) -> str:
    """The text at the top of the page, before the table of contents."""
    header = page.split("<body>", 1)[1].split("<nav", 1)[0]
    return " ".join(parse(header).text)


# --- self-contained ------------------------------------------------------------------------------


def test_the_page_loads_nothing_from_outside_itself(tmp_path, figure_png):
    page = build_report(small_results(), figures={"prevalence": figure_png},
                        provenance=provenance(tmp_path))
    parsed = parse(page)
    links = [(tag, name, value) for tag, attrs in parsed.tags for name, value in attrs.items()
             if name in ("src", "href", "srcset", "action", "data", "poster", "xlink:href")]
    assert links, "the page has in-page links and an embedded figure"
    for tag, name, value in links:
        assert value.startswith("#") or value.startswith("data:"), (tag, name, value)
    assert not [tag for tag, _ in parsed.tags
                if tag in ("script", "link", "iframe", "object", "embed")]
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"https?://", page.replace(figure_png.as_posix(), ""))


def test_text_from_the_results_is_escaped(tmp_path):
    rows = small_rows()
    rows[0]["method"] = "Wilson <script>alert(1)</script> CI"
    results = make_results(rows, cohort=COHORT, synthetic=True, analysis="made_up")
    page = build_report(results, provenance=provenance(tmp_path))
    assert "<script>" not in page
    assert "Wilson &lt;script&gt;alert(1)&lt;/script&gt; CI" in page


# --- tier and SYNTHETIC banners ------------------------------------------------------------------


def test_an_internal_table_gives_the_internal_banner_in_the_title_and_at_the_top(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert INTERNAL_BANNER in parse(page).title
    assert body_start(page).lstrip().startswith(INTERNAL_BANNER)
    assert RELEASE_BANNER not in page


def test_an_internal_page_says_no_disclosure_control_was_applied(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert "No disclosure control has been applied" in section(page, "methods")


def test_a_release_table_gives_the_release_banner_and_the_disclosure_policy(tmp_path):
    released = small_results(disclosure="released")
    released.loc[[0, 4], "disclosure"] = "suppressed"
    page = build_report(released, disclosure=disclosure_manifest(),
                        provenance=provenance(tmp_path))
    assert RELEASE_BANNER in parse(page).title
    assert body_start(page).lstrip().startswith(RELEASE_BANNER)
    assert INTERNAL_BANNER not in page
    methods = parse(section(page, "methods"))
    assert ["threshold", "10"] in methods.rows
    assert ["zeros disclosive", "yes"] in methods.rows
    assert ["rounding base", "none"] in methods.rows
    assert ["suppressed", "2"] in methods.rows
    assert ["prevalence_by_sex", "hsb_group", "dual", "sex", "female", "proportion",
            "count 2 below threshold 10"] in methods.rows
    assert ["prevalence_overall", "hsb_group", "ta_only", "", "", "proportion",
            "secondary"] in methods.rows
    assert "No disclosure control has been applied" not in page


def test_a_suppressed_cell_shows_where_and_why_but_never_its_value(tmp_path):
    page = build_report(small_results(disclosure="released"), disclosure=disclosure_manifest(),
                        provenance=provenance(tmp_path))
    assert "count 2 below threshold 10" in page
    assert "0.987654" not in page
    assert "4242" not in page
    assert "987654" not in page


def test_a_release_page_refuses_the_individual_level_swimmer_plot(tmp_path, figure_png):
    timelines = same_figure_as(figure_png, "dual_timelines")
    with pytest.raises(ReportError, match="dual_timelines"):
        build_report(small_results(disclosure="released"), figures={"dual_timelines": timelines},
                     disclosure=disclosure_manifest(), provenance=provenance(tmp_path))
    internal = build_report(small_results(), figures={"dual_timelines": timelines},
                            provenance=provenance(tmp_path))
    assert 'id="figure-dual_timelines"' in section(internal, "links")


def test_a_release_page_needs_the_disclosure_manifest(tmp_path):
    with pytest.raises(ReportError, match="disclosure"):
        build_report(small_results(disclosure="released"), provenance=provenance(tmp_path))


def test_a_release_page_refuses_a_replication_table_not_checked_for_release(tmp_path):
    internal_table = render_table(small_results(), "prevalence_overall")
    with pytest.raises(ReportError, match="replication"):
        build_report(small_results(disclosure="released"), replication=internal_table,
                     disclosure=disclosure_manifest(), provenance=provenance(tmp_path))


def test_a_synthetic_table_gives_the_synthetic_banner_in_the_title_and_at_the_top(tmp_path):
    page = build_report(small_results(synthetic=True), provenance=provenance(tmp_path))
    assert SYNTHETIC_BANNER in parse(page).title
    assert SYNTHETIC_BANNER in body_start(page)


def test_a_table_of_real_data_has_no_synthetic_banner(tmp_path):
    page = build_report(small_results(synthetic=False),
                        provenance=provenance(tmp_path, synthetic=False))
    assert "SYNTHETIC" not in page


# --- sections ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "section_id"),
    [("prevalence_overall", "prevalence"), ("prevalence_by_sex", "prevalence"),
     ("onset_gap", "links"), ("response_models", "responses"),
     ("x_comparison", "other-outputs")],
)
def test_every_output_of_the_table_appears_in_its_section(tmp_path, output, section_id):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert f'id="table-{output}"' in section(page, section_id)
    assert page.count(f'id="table-{output}"') == 1


def item_ids(page: str, section_id: str) -> list[str]:
    """The ids of the tables and figures of one section, in page order."""
    return re.findall(r'id="((?:table|figure)-[^"]+)"', section(page, section_id))


def test_sections_and_their_items_follow_the_output_registry(
    tmp_path, figure_png, synthetic_results, synthetic_cohort
):
    registry = load_registry()
    figures = {name: figure_png if name == "prevalence" else same_figure_as(figure_png, name)
               for name in registry.figure_names("internal", drawn_from=None)}
    record = collect_provenance(cohort_metadata=synthetic_cohort.metadata(), config=CONFIG,
                                repo_dir=tmp_path)
    page = build_report(synthetic_results, figures=figures, provenance=record)
    shown = re.findall(r'<section id="([^"]+)">', page)
    assert shown[:len(registry.sections)] == [s.id for s in registry.sections]
    for entry in registry.sections:
        expected = [f"{kind}-{name}" for kind, name in registry.section_items(entry.id)]
        assert item_ids(page, entry.id) == expected, entry.id
    # The swimmer plot is drawn from the cohort, not from the trajectories rows, but it follows
    # them, as the study shows it.
    assert item_ids(page, "links")[-3:] == [
        "table-trajectories", "figure-trajectories", "figure-dual_timelines"]
    assert "Onset timelines of dual children (INTERNAL USE ONLY: individual children)" in (
        section(page, "links"))


def test_only_the_figures_the_registry_keeps_internal_are_refused_on_a_release_page():
    assert internal_only_figures(["prevalence", "dual_timelines", "trajectories"]) == [
        "dual_timelines"]
    assert internal_only_figures(["made_up"]) == []


def test_an_output_of_a_section_missing_from_the_table_is_named_as_absent(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert "Not in this results table: Forms of TA-HSB;" in section(page, "range")


def test_the_table_of_contents_links_to_every_section_and_table(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    targets = {attrs["href"][1:] for tag, attrs in parse(toc).tags if tag == "a"}
    ids = {attrs["id"] for _, attrs in parse(page).tags if "id" in attrs}
    assert {"prevalence", "range", "characteristics", "links", "responses", "other-outputs",
            "replication", "methods", "provenance", "table-onset_gap"} <= targets
    assert targets <= ids


def test_replication_is_not_evaluated_when_no_register_is_given(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert "Not evaluated" in section(page, "replication")


def test_a_given_replication_table_is_shown_in_its_section(tmp_path):
    register = render_table(small_results(), "prevalence_overall")
    page = build_report(small_results(), replication=register, provenance=provenance(tmp_path))
    replication = section(page, "replication")
    assert "Not evaluated" not in replication
    assert "<caption>HSB groups among all children assessed (cohort ttp-test)</caption>" in (
        replication
    )


# --- methods -------------------------------------------------------------------------------------


def test_method_summary_counts_the_rows_of_each_method_under_its_kind():
    summary = method_summary(small_results())
    counted = {(r.kind, r.method): r.rows for r in summary.itertuples()}
    assert counted == {
        ("Proportions and their confidence intervals", WILSON): 5,
        ("Summaries, counts and ranks", T_MEAN): 1,
        ("Summaries, counts and ranks", QUARTILES): 3,
        ("Effect sizes", RISK_DIFFERENCE): 1,
        ("Tests", FISHER): 1,
        ("Tests", CHI2): 2,
        ("Models", LOGIT): 1,
    }
    quartiles = summary[summary["method"].eq(QUARTILES)].iloc[0]
    assert quartiles["statistics"] == ["25th percentile", "75th percentile", "median"]
    assert summary["rows"].sum() == len(small_results())


def test_the_methods_section_lists_each_distinct_method_with_its_rows(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    rows = parse(section(page, "methods")).rows
    listed = {row[0]: int(row[3]) for row in rows if len(row) == 4 and row[3].isdigit()}
    assert listed == {WILSON: 5, T_MEAN: 1, QUARTILES: 3, RISK_DIFFERENCE: 1, FISHER: 1,
                      CHI2: 2, LOGIT: 1}


def test_the_methods_section_names_the_multiplicity_adjustment(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    methods = parse(section(page, "methods"))
    assert ["Holm", "x_comparison", "2"] in methods.rows
    text = " ".join(methods.text)
    assert "3 other row(s) carry a p-value without multiplicity adjustment" in text
    assert "One family per report section of a cohort" in text


# --- provenance ----------------------------------------------------------------------------------


def test_provenance_shows_the_input_sha256s_from_the_cohort_metadata(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    rows = parse(section(page, "provenance")).rows
    for table, sha in SHA.items():
        assert [table, f"{table}.csv", "5", sha] in rows


def test_provenance_shows_the_versions_of_the_key_packages(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    rows = parse(section(page, "provenance")).rows
    for package in ("pandas", "numpy", "scipy", "statsmodels", "tahsb-analysis"):
        assert [package, metadata.version(package)] in rows


def test_provenance_outside_a_git_checkout_says_so(tmp_path):
    record = provenance(tmp_path)
    assert record["git"] == {"commit": None, "dirty": None, "note": NOT_A_GIT_CHECKOUT}
    page = build_report(small_results(), provenance=record)
    assert ["git commit", NOT_A_GIT_CHECKOUT] in parse(section(page, "provenance")).rows


def test_provenance_shows_the_config_as_yaml(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    pre = re.search(r"<pre>(.*?)</pre>", section(page, "provenance"), flags=re.DOTALL)
    assert yaml.safe_load(pre.group(1)) == CONFIG
    assert "age_band_starts: [5, 12, 15]" in pre.group(1)


def test_provenance_of_another_cohort_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="other"):
        build_report(small_results(), provenance=provenance(tmp_path, cohort="other"))


def test_a_table_of_several_cohorts_is_an_error(tmp_path):
    both = pd.concat([small_results(), small_results(cohort="other")], ignore_index=True)
    with pytest.raises(ReportError, match="several cohorts"):
        build_report(both, provenance=provenance(tmp_path))


# --- figures and determinism ---------------------------------------------------------------------


def test_building_twice_gives_the_same_page(tmp_path, figure_png):
    def build():
        return build_report(small_results(), figures={"prevalence": figure_png},
                            disclosure=disclosure_manifest(), provenance=provenance(tmp_path))

    assert build() == build()


def test_a_figure_embeds_as_a_png_data_uri_with_its_alt_text(tmp_path, figure_png):
    page = build_report(small_results(), figures={"prevalence": figure_png},
                        provenance=provenance(tmp_path))
    images = [attrs for tag, attrs in parse(section(page, "prevalence")).tags if tag == "img"]
    assert len(images) == 1
    prefix = "data:image/png;base64,"
    assert images[0]["src"].startswith(prefix)
    # The screen preview, not the journal PNG, shown at its print size: 1 inch is 96 CSS px.
    screen = figure_png.with_name("prevalence.screen.png")
    assert base64.b64decode(images[0]["src"][len(prefix):]) == screen.read_bytes()
    assert (images[0]["width"], images[0]["height"]) == ("96", "96")
    assert images[0]["alt"] == ALT_TEXT
    assert "The caption." in section(page, "prevalence")


def test_a_figure_without_its_screen_preview_is_an_error_naming_the_file(tmp_path, figure_png):
    figure_png.with_name("prevalence.screen.png").unlink()
    with pytest.raises(ReportError, match="prevalence.screen.png"):
        build_report(small_results(), figures={"prevalence": figure_png},
                     provenance=provenance(tmp_path))


def test_a_figure_not_given_is_not_shown(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    assert "<img" not in page


def test_a_figure_without_alt_text_is_an_error_naming_the_file(tmp_path, figure_png):
    figure_png.with_name("prevalence.alt.txt").unlink()
    with pytest.raises(ReportError, match="prevalence.alt.txt"):
        build_report(small_results(), figures={"prevalence": figure_png},
                     provenance=provenance(tmp_path))


def test_write_report_writes_the_page_byte_for_byte(tmp_path):
    page = build_report(small_results(), provenance=provenance(tmp_path))
    path = tmp_path / "out" / "report.html"
    write_report(page, path)
    assert path.read_bytes() == page.encode("utf-8")


def test_the_results_table_is_not_modified(tmp_path):
    results = small_results()
    before = results.copy()
    build_report(results, provenance=provenance(tmp_path))
    pd.testing.assert_frame_equal(results, before)


# --- the real results table ----------------------------------------------------------------------


def test_the_synthetic_results_table_gives_a_page_with_every_output(
    tmp_path, figure_png, synthetic_results, synthetic_cohort
):
    results = synthetic_results
    assert set(results["disclosure"]) == {"not checked"}
    record = collect_provenance(
        cohort_metadata=synthetic_cohort.metadata(),
        config=yaml.safe_load((REPO / "config" / "config.yaml").read_text()),
        repo_dir=REPO,
    )
    page = build_report(results, figures={"prevalence": figure_png}, provenance=record)
    for output in results["output"].unique():
        assert page.count(f'id="table-{output}"') == 1, output
    assert "other-outputs" not in page
    assert INTERNAL_BANNER in parse(page).title and SYNTHETIC_BANNER in parse(page).title
    listed = [row for row in parse(section(page, "methods")).rows
              if len(row) == 4 and row[3].isdigit()]
    assert sum(int(row[3]) for row in listed) == len(results)
