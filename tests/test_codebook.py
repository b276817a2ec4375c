"""The codebook loads, is internally consistent, and its Markdown page is current."""

import re
from pathlib import Path

import pytest
import yaml

from tahsb_analysis.input.codebook import (
    TABLE_NAMES,
    CodebookError,
    default_codebook_path,
    load_codebook,
    render_markdown,
)

REPO = Path(__file__).resolve().parents[1]
# Finding ids listed in docs/study.md ("Published findings").
STUDY_FINDINGS = {"P1", "P2", "R1", "R2", "R3", "R4", "R5", "L1", "L2", "L3", "S1", "S2", "S3"}
STUDY_FINDINGS |= {f"C{i}" for i in range(1, 7)}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def test_codebook_has_the_three_tables(codebook):
    assert tuple(codebook.tables) == TABLE_NAMES


def test_cases_table_holds_the_fields_the_issue_requires(codebook):
    names = set(codebook.table("cases").field_names)
    required = {
        "case_id",
        "cohort",
        "sex",
        "age_at_referral",
        "learning_disability",
        "offline_hsb",
        "ta_hsb",
        "in_depth_sample",
        "assessment_month",
    }
    assert required <= names
    # No date of birth or day-level date: at most year and month of assessment.
    assert not any("birth" in n or "dob" in n for n in names)
    assert codebook.table("cases").field("assessment_month").type == "yearmonth"


def test_case_file_holds_every_background_and_response_variable(codebook):
    names = set(codebook.table("case_file").field_names)
    assert {
        "age_first_hsb",
        "family_stability",
        "parent_relationship",
        "mental_health_difficulties",
        "unresolved_trauma",
        "impulsivity",
        "emotional_regulation_problems",
        "aggression_towards_self",
        "aggression_towards_others",
        "porn_trigger_offline",
        "police_involvement",
        "yos_involvement",
        "social_care_level",
        "school_exclusion_hsb",
        "therapeutic_intervention",
        "cj_outcome",
    } <= names
    levels = codebook.table("case_file").field("social_care_level").valid_codes
    assert levels == ("none", "early_help", "section_17", "section_47")


def test_behaviour_types_cover_the_study_and_the_guide(codebook):
    settings = codebook.behaviour_settings()
    # R1 and R2 of the study (seed 004) are all online types.
    for code in [
        "iioc",
        "inappropriate_pornography",
        "online_sexual_harassment",
        "online_grooming",
        "sexual_texts",
        "exposing_to_pornography",
    ]:
        assert settings[code] == "online"
    assert {"online", "offline"} == set(settings.values())


def test_not_recorded_and_not_applicable_are_different_codes(codebook):
    trigger = codebook.table("case_file").field("porn_trigger_offline")
    assert trigger.missing_values == ("-9", "-8")
    assert trigger.missing_label("-9") != trigger.missing_label("-8")
    # A field that only allows "not recorded" must not accept "not applicable".
    assert "-8" not in codebook.table("cases").field("sex").missing_values


def test_every_finding_named_by_a_field_is_a_published_finding(codebook):
    named = {f for t in codebook.tables.values() for fld in t.fields for f in fld.findings}
    assert named <= STUDY_FINDINGS
    # Every finding measured from the data (all but the interpretive L3) is served by a field.
    assert STUDY_FINDINGS - {"L3"} <= named


def test_every_field_has_a_title_and_a_known_type(codebook):
    for table in codebook.tables.values():
        for fld in table.fields:
            assert fld.title and fld.title != fld.name, f"{table.name}.{fld.name} lacks a label"
            assert fld.type in {"string", "integer", "number", "boolean", "yearmonth"}


def test_expected_description_names_codes_and_missing_codes(codebook):
    text = codebook.table("case_file").field("porn_trigger_offline").expected_description()
    assert text.startswith("one of yes, no")
    assert "-9 = not recorded" in text and "-8 = not applicable" in text


def test_codebook_page_is_up_to_date(codebook):
    page = (REPO / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert page == render_markdown(codebook), "run: tahsb codebook --output docs/codebook.md"


def test_codebook_page_lists_every_field(codebook):
    page = render_markdown(codebook)
    for table in codebook.tables.values():
        for name in table.field_names:
            assert re.search(rf"\| `{name}` \|", page), name


def test_codebook_with_a_code_both_valid_and_missing_is_refused(tmp_path):
    raw = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    sex = next(f for f in raw["resources"][0]["schema"]["fields"] if f["name"] == "sex")
    sex["categories"].append({"value": "-9", "label": "clash"})
    bad = tmp_path / "codebook.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError, match="both valid and missing"):
        load_codebook(bad)


def test_codebook_missing_a_table_is_refused(tmp_path):
    raw = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    raw["resources"] = raw["resources"][:2]
    bad = tmp_path / "codebook.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError, match="tables must be"):
        load_codebook(bad)


def test_every_field_has_a_known_role_and_background_fields_serve_c1_to_c6(codebook):
    background = [f for _, f in codebook.fields_with_role("background")]
    assert {"age_first_hsb", "family_stability", "unresolved_trauma"} <= {
        f.name for f in background
    }
    served = {finding for f in background for finding in f.findings}
    assert {f"C{i}" for i in range(1, 7)} <= served


def test_codebook_page_documents_the_group_derivation(codebook):
    page = render_markdown(codebook)
    assert "## Derived groups" in page
    assert "pornography_only when every online behaviour" in page


def test_response_composites_name_case_file_fields_and_their_codes(codebook):
    assert set(codebook.response_composites) == {"therapeutic_response", "punitive_response"}
    page = render_markdown(codebook)
    assert "## Composite responses (finding S1)" in page
    assert "`cj_outcome` is `out_of_court`/`court_order`" in page


def test_composite_naming_an_unknown_code_is_refused(tmp_path):
    raw = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    raw["x-response-composites"][0]["any_of"][0]["values"] = ["perhaps"]
    bad = tmp_path / "codebook.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError, match="are not its codes"):
        load_codebook(bad)
