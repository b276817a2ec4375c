"""Double coding: other coders' case_file tables validated like the first coder's, the
reliability rows, the disagreement list and the shipped synthetic second coding."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tahsb_analysis.analyses.coding_reliability import (
    OUTPUT,
    coded_fields,
    codes_entered,
    coding_disagreements,
    coding_reliability,
)
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.input.validation import InputValidationError, validate_cohort
from tahsb_analysis.synthetic.double_coding import DISAGREEMENT, FILE_NAME, SHARE, second_coding
from tahsb_analysis.synthetic.generator import generate_cohort
from tahsb_analysis.synthetic.parameters import load_parameters

REPO = Path(__file__).resolve().parents[1]

DATA = REPO / "data" / "synthetic"
PATHS = {name: DATA / f"{name}.csv" for name in ("cases", "case_file", "behaviours")}
CODER_B = [{"coder": "B", "case_file": DATA / FILE_NAME}]


@pytest.fixture(scope="module")
def double_coded():
    return validate_cohort(PATHS, double_coding=CODER_B)


def test_the_shipped_second_coding_is_the_generator_output_of_the_default_seed(tmp_path):
    tables = generate_cohort(load_parameters(), 20170)
    path = tmp_path / FILE_NAME
    second_coding(tables, 20170).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    assert (DATA / FILE_NAME).read_bytes() == path.read_bytes(), (
        f"data/synthetic/{FILE_NAME} is stale: run `tahsb synthesize --seed 20170 --output "
        "data/synthetic --second-coder`")


def test_second_coding_recodes_the_share_and_disagrees_at_the_rate_per_field():
    tables = generate_cohort(load_parameters(), 20170)
    second = second_coding(tables, 20170)
    first = tables["case_file"].set_index("case_id").loc[second["case_id"]].reset_index()
    assert len(second) == round(SHARE * 91) == 18
    differ = (first != second).sum()
    for fld in coded_fields():
        assert differ[fld.name] == round(DISAGREEMENT * 18) == 2, fld.name


def test_double_coding_is_validated_and_stacked_by_coder(double_coded):
    codings = double_coded.codings
    assert codings["coder"].value_counts().to_dict() == {"A": 18, "B": 18}
    assert double_coded.coder_sources["B"]["rows"] == 18
    a = codings[codings["coder"] == "A"].set_index("case_id")
    b = codings[codings["coder"] == "B"].set_index("case_id")
    assert sorted(a.index) == sorted(b.index)


def test_a_bad_second_coding_is_refused_naming_coder_file_row_and_column(tmp_path):
    frame = pd.read_csv(DATA / FILE_NAME, dtype=str, keep_default_na=False)
    frame.loc[2, "looked_after"] = "maybe"
    frame.loc[4, "case_id"] = "SYN-9999"  # not a child of cases
    path = tmp_path / "case_file.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputValidationError) as caught:
        validate_cohort(PATHS, double_coding=[{"coder": "C", "case_file": path}])
    problems = caught.value.problems
    assert set(problems["file"]) == {"case_file.csv (coder C)"}
    found = set(zip(problems["row"], problems["column"], strict=True))
    assert {(4, "looked_after"), (6, "case_id")} <= found
    assert not problems["problem"].str.contains("maybe|SYN-9999").any()


def test_a_subset_of_the_case_files_is_allowed_but_coder_a_is_reserved():
    with pytest.raises(ValueError, match="first coder"):
        validate_cohort(PATHS, double_coding=[{"coder": "A", "case_file": DATA / FILE_NAME}])


def test_reliability_rows_per_field_match_the_synthetic_disagreement_rate(double_coded):
    rows = coding_reliability(double_coded)
    assert set(rows["output"]) == {OUTPUT}
    agreement = rows[rows["statistic"] == "percent_agreement"]
    assert len(agreement) == len(coded_fields()) == 17
    # 2 of 18 case files disagree in every field (the generator's documented rate).
    assert (agreement["estimate"] == 16 / 18).all()
    assert (agreement["n"] == 18).all() and (agreement["denominator"] == 18).all()
    alpha = rows[rows["statistic"] == "krippendorff_alpha"]["variable"]
    assert set(alpha) == {"age_first_hsb", "family_stability", "parent_relationship",
                          "social_care_level", "cj_outcome"}
    assert set(rows["statistic"]) == {"percent_agreement", "cohens_kappa", "gwet_ac1",
                                      "krippendorff_alpha"}


def test_kappa_of_a_field_recomputed_independently_with_scikit_style_counts(double_coded):
    # Cohen's kappa of looked_after by hand: (po - pe) / (1 - pe) from the two coders' codes.
    codings = double_coded.codings
    fld = load_codebook().table("case_file").field("looked_after")
    a = pd.Series(codes_entered(codings[codings["coder"] == "A"], fld),
                  index=codings.loc[codings["coder"] == "A", "case_id"].to_numpy())
    b = pd.Series(codes_entered(codings[codings["coder"] == "B"], fld),
                  index=codings.loc[codings["coder"] == "B", "case_id"].to_numpy())
    b = b.loc[a.index]
    po = (a.to_numpy() == b.to_numpy()).mean()
    pe = sum((a == c).mean() * (b == c).mean() for c in set(a) | set(b))
    rows = coding_reliability(double_coded)
    kappa = rows[(rows["variable"] == "looked_after") & (rows["statistic"] == "cohens_kappa")]
    assert float(kappa["estimate"].iloc[0]) == pytest.approx((po - pe) / (1 - pe))


def test_no_double_coding_gives_no_rows_and_no_disagreements():
    cohort = validate_cohort(PATHS)
    assert len(coding_reliability(cohort)) == 0
    assert list(coding_disagreements(cohort).columns) == ["case_id", "field", "coders"]
    assert len(coding_disagreements(cohort)) == 0


def test_disagreements_name_case_and_field_never_a_code(double_coded):
    listed = coding_disagreements(double_coded)
    assert list(listed.columns) == ["case_id", "field", "coders"]
    assert len(listed) == 2 * 17
    assert listed.groupby("field").size().eq(2).all()
    assert set(listed["coders"]) == {"A;B"}


def test_missing_codes_are_codes_for_agreement(double_coded):
    fld = load_codebook().table("case_file").field("porn_trigger_offline")
    codes = codes_entered(double_coded.codings, fld)
    assert set(codes) <= {"yes", "no", "-9", "-8"}
    assert np.isin(["-8"], codes).all()
