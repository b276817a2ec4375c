"""The draft results document: its methods paragraph names exactly the methods on the rows and
cites exactly the works in its .bib; the Word file holds every table and figure of its tier,
numbered without gaps, nothing internal-only in the release tier, and is the same on rewrite."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
import yaml
from matplotlib.figure import Figure

from tahsb_analysis.registry import load_registry
from tahsb_analysis.release.policy import load_policy
from tahsb_analysis.render.draft_document import (
    DOUBLE_COLUMN_MM,
    DraftError,
    build_draft,
    figure_width_mm,
    read_figures,
    write_draft,
)
from tahsb_analysis.render.methods_paragraph import (
    methods_paragraph,
    paragraph_citations,
    software_sentences,
)
from tahsb_analysis.render.references import (
    REFERENCES,
    author_year_text,
    bibtex,
    cited_keys,
)
from tahsb_analysis.results.schema import make_results

REPO = Path(__file__).resolve().parents[1]
WILSON = "Wilson 90% CI"
CHI2 = "Pearson chi-squared test (1 df)"
FISHER = "Fisher's exact test (two-sided)"
FIRTH = ("Firth penalised logistic regression (firthmodels), profile-likelihood 95% CI; "
         "adjusted for age at referral")
VERSIONS = {"python": "3.99.1", "pandas": "9.8.7", "scipy": "1.2.3", "statsmodels": "0.1.2",
            "matplotlib": "4.5.6", "snakemake": "10.0.1", "firthmodels": "not installed",
            "tahsb-analysis": "0.0.9"}
# "@type{key," then fields "name = {value}," and a closing brace (what BibTeX readers parse).
BIB_ENTRY = re.compile(r"@(\w+)\{([A-Za-z0-9_:-]+),\n((?:  \w+\s*= \{.*\},\n)+)\}")


def rows(method_of_test: str, released: bool = False) -> list[dict]:
    """Two shares with Wilson 90% CIs and one test by `method_of_test`, Holm-adjusted."""
    share = dict(output="prevalence_overall", variable="hsb_group", statistic="proportion",
                 estimate=0.4, ci_low=0.2, ci_high=0.6, n=4, denominator=10, unit="children",
                 method=WILSON)
    test = dict(output="prevalence_by_sex", variable="hsb_group", group_variable="sex",
                statistic="chi2", estimate=1.5, p_value=0.2, p_adjusted=0.4,
                p_adjust_method="Holm", n=10, unit="children", method=method_of_test)
    state = {"disclosure": "released"} if released else {}
    return [{**share, "level": "dual", **state}, {**share, "level": "ta_only", **state},
            {**test, **state}]


def results(method_of_test: str = CHI2, released: bool = False):
    return make_results(rows(method_of_test, released), cohort="c1", synthetic=True,
                        analysis="prevalence")


def text_of(paragraphs) -> str:
    return " ".join(paragraph.text for paragraph in paragraphs)


# --- the methods paragraph -------------------------------------------------------------------


def test_the_paragraph_names_the_test_on_the_rows_and_not_the_one_absent():
    chi2 = text_of(methods_paragraph(results(CHI2), "internal", versions=VERSIONS))
    fisher = text_of(methods_paragraph(results(FISHER), "internal", versions=VERSIONS))
    assert "Pearson's chi-squared test [@pearson1900]" in chi2
    assert "Fisher" not in chi2 and "fisher1922" not in chi2
    assert "Fisher's exact test [@fisher1922]" in fisher
    assert "Pearson" not in fisher
    # Neither frame has a model, an imputation or a missing value (the family rule, quoted,
    # names "the Firth row", so the check is on Firth's own sentence).
    for text in (chi2, fisher):
        assert "firth1993" not in text and "penalised" not in text
        assert "imputation" not in text and "complete case" not in text
        assert "Wilson score 90% confidence intervals [@wilson1927]" in text  # level from rows


def test_firth_and_missing_data_appear_only_with_their_rows():
    frame = make_results(
        [*rows(CHI2), dict(output="response_models", variable="referral", level="dual",
                           statistic="odds_ratio_firth", estimate=2.0, unit="children",
                           method=FIRTH),
         dict(output="characteristics", variable="sex", level="missing: not recorded",
              statistic="count", estimate=2, n=2, unit="children",
              method="count of children whose value is missing")],
        cohort="c1", synthetic=True, analysis="prevalence")
    text = text_of(methods_paragraph(frame, "internal", versions=VERSIONS))
    assert "fewer than 10 events per variable" in text and "[@firth1993; @heinze2002]" in text
    assert "(complete case)" in text
    assert "multiple imputation" not in text and "bounds" not in text


def test_the_multiplicity_rule_is_named_only_when_a_p_value_is_adjusted():
    adjusted = text_of(methods_paragraph(results(), "internal", versions=VERSIONS))
    assert "Holm's method [@holm1979]" in adjusted
    assert "one family per report section" in adjusted
    frame = results()
    frame["p_adjusted"] = frame["p_adjusted"].mask(frame["p_adjusted"].notna())
    frame["p_adjust_method"] = frame["p_adjust_method"].mask(frame["p_adjust_method"].notna())
    plain = text_of(methods_paragraph(frame, "internal", versions=VERSIONS))
    assert "Holm" not in plain and "multiplicity" not in plain


def test_the_release_paragraph_summarises_the_policy_in_config():
    raw = yaml.safe_load((REPO / "config" / "disclosure_policy.yaml").read_text())
    preset = raw["default_preset"]
    threshold = raw["presets"][preset]["threshold"]
    policy = load_policy(REPO / "config" / "disclosure_policy.yaml").summary()
    text = text_of(methods_paragraph(results(released=True), "release", policy, VERSIONS))
    assert f"preset {preset}" in text and f"version {raw['version']}" in text
    assert f"Counts from 1 to {threshold - 1} were suppressed" in text
    assert "secondary suppression" in text
    internal = text_of(methods_paragraph(results(), "internal", versions=VERSIONS))
    assert "no disclosure control has been applied" in internal and "preset" not in internal


def test_a_rounding_preset_says_it_rounds():
    policy = load_policy(REPO / "config" / "disclosure_policy.yaml",
                         "nhs-suppress-1-7-round-5").summary()
    text = text_of(methods_paragraph(results(released=True), "release", policy, VERSIONS))
    assert "Counts from 1 to 7 were suppressed" in text
    assert "rounded to the nearest multiple of 5" in text


def test_the_software_sentence_gives_each_version_and_leaves_out_what_is_not_installed():
    sentence = " ".join(software_sentences(VERSIONS))
    for name in ("python", "pandas", "scipy", "statsmodels", "matplotlib", "snakemake",
                 "tahsb-analysis"):
        assert VERSIONS[name] in sentence, name
    assert "firthmodels" not in sentence
    assert cited_keys([sentence]) == ["mckinney2010", "virtanen2020", "seabold2010",
                                      "hunter2007", "molder2021"]


# --- citations and the .bib ------------------------------------------------------------------


def test_every_cited_key_is_in_the_bib_and_every_bib_entry_is_cited():
    paragraphs = methods_paragraph(results(FISHER), "internal", versions=VERSIONS)
    marked = cited_keys([paragraph.text for paragraph in paragraphs])
    bib = bibtex(paragraph_citations(paragraphs))
    assert [key for _, key, _ in BIB_ENTRY.findall(bib)] == marked
    assert set(marked) >= {"hollis2017", "wilson1927", "fisher1922", "holm1979"}


def test_every_reference_parses_as_bibtex_with_author_title_year_and_a_well_formed_doi():
    bib = bibtex(REFERENCES)
    entries = BIB_ENTRY.findall(bib)
    assert len(entries) == len(REFERENCES) == bib.count("\n@") + 1
    for kind, key, body in entries:
        fields = dict(re.findall(r"  (\w+)\s*= \{(.*)\},", body))
        assert {"author", "title", "year"} <= set(fields), key
        assert re.fullmatch(r"1[89]\d\d|20[0-2]\d", fields["year"]), key
        assert key.endswith(fields["year"]), key
        if "doi" in fields:
            assert re.fullmatch(r"10\.\d{4,5}/\S+", fields["doi"]), key
        assert kind in {"article", "book", "inproceedings", "techreport"}


def test_citations_read_as_author_and_year():
    assert author_year_text("as shown [@wilson1927; @newcombe1998].") == (
        "as shown (Wilson, 1927; Newcombe, 1998).")
    with pytest.raises(KeyError, match="nobody2099"):
        author_year_text("[@nobody2099]")
    with pytest.raises(KeyError, match="nobody2099"):
        bibtex(["wilson1927", "nobody2099"])


# --- the Word document -----------------------------------------------------------------------


def _png(path: Path, width: float, height: float) -> Path:
    figure = Figure(figsize=(width, height), dpi=20)
    figure.add_subplot().bar([0, 1], [1, 2])
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


@pytest.fixture(scope="module")
def figure_files(tmp_path_factory):
    """A PNG and a caption for every figure of the registry, in a folder per tier."""
    folder = tmp_path_factory.mktemp("draft17-figures")
    pngs = {}
    for figure in load_registry().figures("internal", drawn_from=None):
        png = _png(folder / f"{figure.name}.png", 4, 3)
        png.with_name(f"{figure.name}.caption.txt").write_text(
            f"Caption of {figure.name}.\n", encoding="utf-8")
        pngs[figure.name] = png
    return pngs


def draft_of(tier: str, pngs: dict, **kwargs):
    registry = load_registry()
    names = registry.figure_names(tier, drawn_from=None)
    frame = results(released=tier == "release")
    return build_draft(frame, tier, read_figures({n: pngs[n] for n in names}),
                       versions=VERSIONS, **kwargs)


@pytest.fixture(scope="module")
def drafts(figure_files):
    """The draft of each tier, built once for the tests that only read it."""
    return {tier: draft_of(tier, figure_files) for tier in ("internal", "release")}


def numbered(document, word: str) -> list[int]:
    numbers = [int(m.group(1)) for p in document.paragraphs
               if (m := re.match(rf"{word} (\d+)\. ", p.text))]
    return list(dict.fromkeys(numbers))  # a split table repeats its caption "(continued)"


@pytest.mark.parametrize("tier", ["internal", "release"])
def test_the_draft_holds_every_table_and_figure_of_its_tier_numbered_in_order(
        tier, drafts, tmp_path):
    registry = load_registry()
    draft = drafts[tier]
    paths = write_draft(draft, tmp_path / "draft_results.docx")
    document = docx.Document(str(paths["docx"]))
    tables = registry.table_outputs(tier)
    figures = registry.figure_names(tier, drawn_from=None)
    assert numbered(document, "Table") == list(range(1, len(tables) + 1))
    assert numbered(document, "Figure") == list(range(1, len(figures) + 1))
    assert len(document.inline_shapes) == len(figures)
    assert len(document.tables) >= len(tables)
    assert list(draft.tables) == tables  # registry order
    captions = [p.text for p in document.paragraphs if p.text.startswith("Figure ")]
    assert captions == [f"Figure {i}. Caption of {name}." for i, name in
                        enumerate(draft.figures, start=1)]
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text.startswith("SYNTHETIC: Draft results, cohort c1")
    assert "Wilson score 90% confidence intervals (Wilson, 1927)" in text
    bib = paths["bib"].read_text(encoding="utf-8")
    keys = [key for _, key, _ in BIB_ENTRY.findall(bib)]
    assert keys == list(draft.citations)
    listed = [m.group(1) for p in document.paragraphs if (m := re.match(r"\[(\w+)\] ", p.text))]
    assert listed == keys


def test_the_release_draft_has_no_internal_only_table_or_figure(drafts):
    registry = load_registry()
    draft = drafts["release"]
    internal_only_tables = {o.name for o in registry.outputs if "release" not in o.tiers}
    internal_only_figures = {f.name for f in registry.figures("internal", drawn_from=None)
                             if "release" not in f.tiers}
    assert internal_only_figures, "the swimmer plot is internal only"
    assert not set(draft.tables) & internal_only_tables
    assert not set(draft.figures) & internal_only_figures
    assert set(drafts["internal"].figures) >= internal_only_figures


def test_the_release_draft_refuses_rows_the_gate_has_not_seen(figure_files):
    names = load_registry().figure_names("release", drawn_from=None)
    with pytest.raises(DraftError, match="not checked"):
        build_draft(results(released=False), "release",
                    read_figures({n: figure_files[n] for n in names}), versions=VERSIONS)


def test_a_missing_figure_or_caption_is_named(figure_files, tmp_path):
    figures = read_figures({"prevalence": figure_files["prevalence"]})
    with pytest.raises(DraftError, match="ta_hsb_types"):
        build_draft(results(), "internal", figures, versions=VERSIONS)
    orphan = _png(tmp_path / "lonely.png", 1, 1)
    with pytest.raises(DraftError, match="lonely.caption.txt"):
        read_figures({"lonely": orphan})


def test_the_draft_is_byte_identical_when_written_again(drafts, figure_files, tmp_path):
    first = write_draft(drafts["internal"], tmp_path / "a" / "d.docx")
    second = write_draft(draft_of("internal", figure_files), tmp_path / "b" / "d.docx")
    assert first["docx"].read_bytes() == second["docx"].read_bytes()
    assert first["bib"].read_bytes() == second["bib"].read_bytes()
    properties = docx.Document(str(first["docx"])).core_properties
    assert properties.created.year == 2000 and properties.revision == 1


def test_a_wide_figure_takes_the_double_column_and_a_tall_one_is_narrowed(tmp_path):
    assert figure_width_mm(_png(tmp_path / "wide.png", 6, 3)) == DOUBLE_COLUMN_MM
    # 3 x 12 inches: 174 mm wide would be 696 mm tall; fitted to 200 mm tall -> 50 mm, but
    # never narrower than a single column (85 mm).
    assert figure_width_mm(_png(tmp_path / "tall.png", 3, 12)) == 85.0
    assert figure_width_mm(_png(tmp_path / "taller.png", 4, 6)) == pytest.approx(
        200 * 4 / 6, abs=0.5)


def test_the_study_page_and_the_paragraph_say_firth_in_the_same_words():
    from tahsb_analysis.render.method_texts import FIRTH_TEXT
    from tahsb_analysis.render.pages.methods import methods_context

    frame = make_results(
        [dict(output="response_models", variable="referral", level="dual",
              statistic="odds_ratio_firth", estimate=2.0, unit="children", method=FIRTH)],
        cohort="c1", synthetic=True, analysis="responses")
    page = [m["explanation"] for group in methods_context(frame) for m in group["methods"]]
    paragraph = text_of(methods_paragraph(frame, "internal", versions=VERSIONS))
    assert page == [author_year_text(FIRTH_TEXT)]
    assert "(Firth, 1993; Heinze and Schemper, 2002)" in page[0]
    assert FIRTH_TEXT in paragraph
