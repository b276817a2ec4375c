"""Published cohorts: the packaged file, its schema and checks (every problem named by file,
entry and key), and its figures as rows compared like a cohort of our own."""

from __future__ import annotations

import pytest
import yaml
from comparison_helpers import one, share, table
from statsmodels.stats.proportion import proportion_confint

from tahsb_analysis.compare.cohorts import compare_cohorts
from tahsb_analysis.compare.published import (
    PublishedCohortsError,
    default_published_cohorts_path,
    load_published_cohorts,
    published_cohort_results,
    rounding_range,
)
from tahsb_analysis.results.schema import RELEASED


def test_the_packaged_file_derives_galvins_count_from_60_percent_of_289():
    cohorts = {c["id"]: c for c in load_published_cohorts()}
    (figure,) = cohorts["galvin-2024"]["figures"]
    assert figure["wording"] == "289 young people, 60% with any TA-HSB"
    assert figure["n"] == round(0.60 * 289) == 173
    assert figure["n_derived"] is True and figure["n_range"] == [172, 174]


def test_rounding_range_lists_every_count_that_rounds_to_the_percentage():
    # 172/289 = 59.52% and 174/289 = 60.21% round to 60%; 171/289 = 59.17%, 175/289 = 60.55%.
    assert rounding_range(60, 0, 289) == (172, 174)
    assert rounding_range(60, 0, 10) == (6, 6)


def test_galvins_row_is_released_with_a_wilson_ci_and_names_its_source():
    galvin = {c["id"]: c for c in load_published_cohorts()}["galvin-2024"]
    row = published_cohort_results(galvin).iloc[0]
    # statsmodels proportion_confint(173, 289, method="wilson") -> 0.541166 to 0.653479
    low, high = proportion_confint(173, 289, method="wilson")
    assert (row["cohort"], row["analysis"], row["output"], row["level"]) == (
        "galvin-2024", "published", "prevalence_overall", "any_ta_hsb")
    assert row["estimate"] == pytest.approx(173 / 289)
    assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
    assert row["method"] == ("published figure (Galvin et al. 2024); n derived from a rounded "
                             "percentage; Wilson 95% CI")
    assert "172 to 174" in row["warning"]
    assert row["disclosure"] == RELEASED and not row["synthetic"]


def test_context_figures_give_no_rows_and_each_says_why():
    cohorts = {c["id"]: c for c in load_published_cohorts()}
    for label in ("hackett-2013", "hollis-2017"):
        assert published_cohort_results(cohorts[label]).empty
        assert all(not f["comparable"] and f["reason"] for f in cohorts[label]["figures"])


def test_a_published_cohort_compares_like_a_cohort_of_our_own():
    galvin = {c["id"]: c for c in load_published_cohorts()}["galvin-2024"]
    ours = table("ours", [share(126, 275)], disclosure=RELEASED)
    result = compare_cohorts({"ours": ours, "galvin-2024": published_cohort_results(galvin)},
                             [("galvin-2024", "ours")])
    row = one(result, "risk_difference")
    assert row["estimate"] == pytest.approx(173 / 289 - 126 / 275)
    assert row["disclosure"] == RELEASED and row["synthetic"]


def _document() -> dict:
    return yaml.safe_load(default_published_cohorts_path().read_text(encoding="utf-8"))


def _load_changed(tmp_path, change) -> list[dict]:
    document = _document()
    change(document)
    path = tmp_path / "cohorts.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_published_cohorts(path)


def test_a_missing_key_is_an_error_naming_file_entry_and_key(tmp_path):
    def drop_wording(document):
        del document["cohorts"][0]["figures"][0]["wording"]

    with pytest.raises(PublishedCohortsError) as error:
        _load_changed(tmp_path, drop_wording)
    message = str(error.value)
    assert str(tmp_path / "cohorts.yaml") in message
    assert "cohort 'galvin-2024' (cohorts[0]), figure 'any_ta_hsb' (figures[0])" in message
    assert "'wording' is a required property" in message


def test_a_count_that_is_not_the_rounded_percentage_is_an_error(tmp_path):
    def wrong_n(document):
        document["cohorts"][0]["figures"][0]["n"] = 175

    with pytest.raises(PublishedCohortsError, match=r"key 'n': 60% of 289 rounds to 173, not 175"):
        _load_changed(tmp_path, wrong_n)


def test_a_wrong_rounding_range_is_an_error(tmp_path):
    def wrong_range(document):
        document["cohorts"][0]["figures"][0]["n_range"] = [172, 175]

    with pytest.raises(PublishedCohortsError, match="are 172 to 174, not"):
        _load_changed(tmp_path, wrong_range)


def test_a_comparable_figure_needs_the_row_it_maps_to(tmp_path):
    def no_target(document):
        del document["cohorts"][0]["figures"][0]["maps_to"]

    with pytest.raises(PublishedCohortsError, match="'maps_to' is a required property"):
        _load_changed(tmp_path, no_target)


def test_a_figure_not_compared_needs_a_reason(tmp_path):
    def no_reason(document):
        del document["cohorts"][1]["figures"][0]["reason"]

    with pytest.raises(PublishedCohortsError, match="cohort 'hackett-2013'.*'reason'"):
        _load_changed(tmp_path, no_reason)


def test_a_misspelt_key_is_an_error(tmp_path):
    def misspell(document):
        document["cohorts"][0]["citaton"] = document["cohorts"][0]["citation"]

    with pytest.raises(PublishedCohortsError, match="'citaton' was unexpected"):
        _load_changed(tmp_path, misspell)


def test_a_repeated_cohort_id_is_an_error(tmp_path):
    def repeat(document):
        document["cohorts"][2]["id"] = "galvin-2024"

    with pytest.raises(PublishedCohortsError, match="used by an earlier cohort"):
        _load_changed(tmp_path, repeat)


def test_a_file_that_is_not_yaml_is_an_error_naming_it(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("cohorts: [unclosed\n", encoding="utf-8")
    with pytest.raises(PublishedCohortsError, match="broken.yaml: not valid YAML"):
        load_published_cohorts(path)


def test_published_cohorts_are_taken_by_id_and_an_unknown_id_is_named():
    from tahsb_analysis.compare.published import PublishedCohortsError, published_cohorts_named

    assert [entry["id"] for entry in published_cohorts_named(["galvin-2024"])] == ["galvin-2024"]
    with pytest.raises(PublishedCohortsError, match=r"\['galvin-2042'\]"):
        published_cohorts_named(["galvin-2024", "galvin-2042"])
