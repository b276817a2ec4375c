"""The coder's workbook (`tahsb workbook`): made from the codebook, deterministic, and read back
by `tahsb validate` to the same cohort and the same results as the CSV files (issue #18)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from workbook_helpers import fill_workbook, read_csv_frames

from tahsb_analysis.analyses.run import run_analyses
from tahsb_analysis.cli import main
from tahsb_analysis.input.codebook import TABLE_NAMES, load_codebook
from tahsb_analysis.input.validation import validate_cohort
from tahsb_analysis.input.workbook import field_validation, workbook_bytes, write_workbook

REPO = Path(__file__).resolve().parents[1]
CODEBOOK_YAML = REPO / "src" / "tahsb_analysis" / "data" / "codebook.yaml"
SYNTHETIC = REPO / "data" / "synthetic"


@pytest.fixture(scope="module")
def codebook_yaml():
    """The codebook as plain YAML: the reference the workbook is checked against."""
    return yaml.safe_load(CODEBOOK_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = write_workbook(tmp_path_factory.mktemp("workbook18") / "coding.xlsx")
    return openpyxl.load_workbook(path)


def _fields(codebook_yaml, table):
    resource = next(r for r in codebook_yaml["resources"] if r["name"] == table)
    return resource["schema"]["fields"]


def _validations(sheet):
    """Column letter -> the data validation of that column."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            found[cells.coord.split(":")[0].rstrip("0123456789")] = validation
    return found


def test_workbook_bytes_are_the_same_on_every_run():
    first, second = workbook_bytes(), workbook_bytes()
    assert first == second
    archive = zipfile.ZipFile(__import__("io").BytesIO(first))
    assert {member.date_time for member in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_sheets_headers_and_frozen_header_follow_the_codebook(blank, codebook_yaml):
    assert blank.sheetnames == ["Instructions", "cases", "case_file", "behaviours", "Codes"]
    for table in TABLE_NAMES:
        sheet = blank[table]
        assert [cell.value for cell in sheet[1]] == [f["name"] for f in _fields(codebook_yaml,
                                                                                table)]
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 1  # nothing but the header


def test_codes_offer_the_codebook_codes_and_its_missing_codes(blank, codebook_yaml):
    cases = _validations(blank["cases"])
    sex = cases["E"]  # cases column 5: sex
    assert sex.type == "list" and sex.formula1 == '"male,female,other,-9"'
    in_depth = cases["J"]  # no missing code allowed
    assert in_depth.formula1 == '"yes,no"'
    case_file = _validations(blank["case_file"])
    names = [f["name"] for f in _fields(codebook_yaml, "case_file")]
    porn = case_file[openpyxl.utils.get_column_letter(names.index("porn_trigger_offline") + 1)]
    assert porn.formula1 == '"yes,no,-9,-8"'
    # behaviour_type has more codes than fit an inline list: a range on the Codes sheet.
    behaviour_type = _validations(blank["behaviours"])["C"]
    codes_sheet = blank["Codes"]
    first, last = behaviour_type.formula1.split("!")[1].replace("$", "").split(":")
    listed = [cell.value for row in codes_sheet[first:last] for cell in row]
    expected = [str(c["value"]) for c in next(
        f for f in _fields(codebook_yaml, "behaviours") if f["name"] == "behaviour_type"
    )["categories"]]
    assert listed == expected
    for validation in (sex, in_depth, porn, behaviour_type):
        assert validation.showErrorMessage and validation.errorStyle == "stop"
        assert len(validation.error) <= 255 and len(validation.prompt) <= 255


def test_numbers_are_limited_to_the_codebook_range_and_decimals(blank):
    seq = _validations(blank["behaviours"])["B"]  # behaviour_seq: 1-99, no missing code
    assert (seq.type, seq.operator, seq.formula1, seq.formula2) == ("whole", "between", "1",
                                                                    "99")
    age = _validations(blank["cases"])["F"]  # age_at_referral: 5-18 or -9
    assert age.type == "custom"
    assert age.formula1 == "OR(AND(ISNUMBER(F2),F2=INT(F2),F2>=5,F2<=18),F2=-9)"
    first_hsb = _validations(blank["case_file"])["B"]  # age_first_hsb: 3-18, 1 decimal, -9
    assert "B2=ROUND(B2,1)" in first_hsb.formula1 and "B2=-9" in first_hsb.formula1


def test_months_ids_and_labels_are_text_so_excel_keeps_them(blank, codebook_yaml):
    for table in TABLE_NAMES:
        sheet = blank[table]
        for position, fld in enumerate(_fields(codebook_yaml, table), start=1):
            letter = openpyxl.utils.get_column_letter(position)
            text = fld["type"] == "yearmonth" or (fld["type"] == "string"
                                                  and "categories" not in fld)
            assert (sheet.column_dimensions[letter].number_format == "@") == text, fld["name"]


def test_codes_sheet_lists_every_code_with_its_label(blank, codebook_yaml):
    rows = list(blank["Codes"].iter_rows(values_only=True))
    assert rows[0] == ("table", "field", "code", "label")
    sex = [row[2:] for row in rows[1:] if row[:2] == ("cases", "sex")]
    assert sex == [("male", "male"), ("female", "female"), ("other", "other or non-binary"),
                   ("-9", "not recorded in the case file")]


def test_codebook_version_is_embedded(blank, codebook_yaml):
    name = blank.defined_names["codebook_version"]
    sheet, cell = next(name.destinations)
    assert blank[sheet][cell.replace("$", "")].value == codebook_yaml["version"]
    assert blank.properties.version == codebook_yaml["version"]
    assert blank.properties.created.year == 2017


def test_a_list_too_long_for_excel_needs_the_codes_sheet():
    fld = load_codebook().table("behaviours").field("behaviour_type")
    with pytest.raises(ValueError, match="needs a range"):
        field_validation(fld, "C2")


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    frames = read_csv_frames(SYNTHETIC)
    return fill_workbook(tmp_path_factory.mktemp("workbook18-filled") / "coding.xlsx", frames)


def test_filled_workbook_gives_the_cohort_and_results_of_the_csv_files(filled):
    """The issue's acceptance test, in process: the typed tables are equal, and so are the
    results of the analyses (all but the slow response models, which read the same tables)."""
    from_csv = validate_cohort({t: SYNTHETIC / f"{t}.csv" for t in TABLE_NAMES})
    from_workbook = validate_cohort({t: filled for t in TABLE_NAMES})
    for table in TABLE_NAMES:
        pd.testing.assert_frame_equal(from_workbook.table(table), from_csv.table(table))
    assert from_workbook.label == from_csv.label and from_workbook.synthetic
    assert from_workbook.sources["cases"]["file"] == "coding.xlsx, sheet cases"
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    names = ["prevalence", "ta_hsb_range", "links"]
    pd.testing.assert_frame_equal(run_analyses(from_workbook, config, names),
                                  run_analyses(from_csv, config, names))


def test_cli_writes_the_workbook_and_validates_it_filled(tmp_path, filled, capsys):
    target = tmp_path / "coding.xlsx"
    assert main(["workbook", "--output", str(target)]) == 0
    assert target.read_bytes() == workbook_bytes()
    assert main(["validate", "--workbook", str(filled)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["workbook", "--output", str(tmp_path / "coding.csv")]) == 2
