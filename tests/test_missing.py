"""Missing-value reasons and the count rows that report them (missing.py)."""

import pandas as pd
import pytest

from tahsb_analysis.analyses.missing import (
    MISSING_METHOD,
    missing_code_reasons,
    missing_reason,
    missing_rows,
    short_label,
)
from tahsb_analysis.input.codebook import load_codebook
from tahsb_analysis.results.schema import make_results


def test_reasons_are_the_codebook_missing_labels_shortened():
    field = load_codebook().table("case_file").field("porn_trigger_offline")
    # codebook: -9 "not recorded in the case file", -8 "not applicable to this child"
    assert field.missing_label("-9") == "not recorded in the case file"
    assert field.missing_label("-8") == "not applicable to this child"
    assert missing_code_reasons() == {"-9": "not recorded", "-8": "not applicable"}


def test_a_label_that_is_neither_reason_is_kept_whole():
    assert short_label("refused by the family") == "refused by the family"


def test_each_missing_value_gets_the_reason_of_its_code_and_present_values_get_na():
    values = pd.Series([True, None, None, False], dtype="boolean", index=[10, 11, 12, 13])
    codes = pd.Series([None, "-9", "-8", None], dtype="string", index=[10, 11, 12, 13])

    reasons = missing_reason(values, codes)

    assert reasons.index.tolist() == [10, 11, 12, 13]
    assert reasons.isna().tolist() == [True, False, False, True]
    assert reasons.astype("string").tolist() == [pd.NA, "not recorded", "not applicable", pd.NA]


def test_categorical_codes_as_a_validated_cohort_holds_them_give_the_same_reasons():
    values = pd.Series([None, None, 1.5], dtype="Float64")
    codes = pd.Series(pd.Categorical(["-8", "-9", None], categories=["-9", "-8"]))

    assert missing_reason(values, codes).astype("string").tolist() == [
        "not applicable",
        "not recorded",
        pd.NA,
    ]


def test_without_codes_or_with_an_unknown_code_a_missing_value_is_not_recorded():
    values = pd.Series([None, 2, None], dtype="Int64")

    assert missing_reason(values).astype("string").tolist() == [
        "not recorded",
        pd.NA,
        "not recorded",
    ]
    unknown = pd.Series(["-7", None, None], dtype="string")
    assert missing_reason(values, unknown).astype("string").tolist() == [
        "not recorded",
        pd.NA,
        "not recorded",
    ]


def test_codes_of_another_length_are_refused():
    with pytest.raises(ValueError, match="do not match"):
        missing_reason(pd.Series([None, 1.0]), pd.Series(["-9"]))


def test_missing_rows_count_each_reason_in_codebook_order_with_the_given_denominator():
    # 2 not applicable, 1 not recorded, 3 values present: denominator 6 children.
    reasons = missing_reason(
        pd.Series([None, None, 1, 2, None, 3], dtype="Int64"),
        pd.Series(["-8", "-8", None, None, "-9", None], dtype="string"),
    )

    rows = missing_rows(
        reasons,
        variable="age_first_hsb",
        denominator=6,
        group_variable="hsb_group",
        group="dual",
        finding="C1",
    )

    assert [(r["level"], r["n"], r["estimate"], r["denominator"]) for r in rows] == [
        ("missing: not recorded", 1, 1.0, 6),
        ("missing: not applicable", 2, 2.0, 6),
    ]
    assert all(r["statistic"] == "count" for r in rows)
    assert all(r["method"] == "count of children whose value is missing" for r in rows)
    assert all(r["group"] == "dual" and r["finding"] == "C1" for r in rows)


def test_a_reason_with_no_missing_value_gives_no_row():
    reasons = missing_reason(pd.Series([1.0, 2.0]), None)

    assert missing_rows(reasons, variable="x", denominator=2) == []


def test_behaviour_rows_say_behaviours_and_plain_string_reasons_are_ordered_too():
    reasons = pd.Series(["not applicable", None, "not recorded", "not applicable"], dtype="string")

    rows = missing_rows(reasons, variable="aimed_at_other", denominator=4, unit="behaviours")

    assert [(r["level"], r["n"]) for r in rows] == [
        ("missing: not recorded", 1),
        ("missing: not applicable", 2),
    ]
    assert {r["method"] for r in rows} == {MISSING_METHOD["behaviours"]}
    assert {r["unit"] for r in rows} == {"behaviours"}


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="behaviours"):
        missing_rows(pd.Series(["not recorded"]), variable="x", denominator=1, unit="cases")


def test_missing_rows_are_valid_results_rows():
    reasons = missing_reason(pd.Series([None, 1.0]), pd.Series(["-9", None]))
    rows = missing_rows(reasons, variable="x", denominator=2)

    table = make_results(rows, cohort="c", synthetic=True, analysis="a", output="o")

    assert table.loc[0, "level"] == "missing: not recorded"
    assert table.loc[0, "n"] == 1
