"""The results-table schema: one place that says what a row of results is."""

import pandas as pd
import pytest

from tahsb_analysis.results.schema import (
    RESULT_COLUMNS,
    ResultsSchemaError,
    concat_results,
    empty_results,
    make_results,
    validate_results,
)

COMMON = {"cohort": "c", "synthetic": True, "analysis": "a", "output": "o"}


def a_row(**changes):
    row = {
        "variable": "hsb_group", "level": "dual", "statistic": "proportion", "estimate": 0.3,
        "ci_low": 0.1, "ci_high": 0.6, "n": 3, "denominator": 10, "unit": "children",
        "method": "Wilson 95% CI",
    }
    return {**row, **changes}


def test_make_results_fills_every_column_with_its_dtype():
    frame = make_results([a_row()], **COMMON)
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == RESULT_COLUMNS
    assert pd.isna(frame.loc[0, "p_value"]) and frame.loc[0, "n"] == 3


def test_empty_results_has_the_schema():
    assert list(empty_results().columns) == list(RESULT_COLUMNS)
    assert len(empty_results()) == 0


def test_unknown_column_is_refused():
    with pytest.raises(ResultsSchemaError, match="unknown results columns"):
        make_results([a_row(percent=30)], **COMMON)


def test_missing_method_is_refused():
    with pytest.raises(ResultsSchemaError, match="method: must be filled"):
        make_results([a_row(method=None)], **COMMON)


def test_proportion_with_n_above_denominator_is_refused():
    with pytest.raises(ResultsSchemaError, match="exceeds its denominator"):
        make_results([a_row(n=11)], **COMMON)


def test_p_value_outside_unit_interval_is_refused():
    with pytest.raises(ResultsSchemaError, match=r"p-values must lie in \[0, 1\]"):
        make_results([a_row(statistic="chi2", p_value=1.2)], **COMMON)


def test_adjusted_p_value_needs_its_method():
    with pytest.raises(ResultsSchemaError, match="p_adjust_method"):
        make_results([a_row(statistic="chi2", p_value=0.2, p_adjusted=0.4)], **COMMON)


def test_inverted_confidence_interval_is_refused():
    with pytest.raises(ResultsSchemaError, match="ci_low exceeds ci_high"):
        make_results([a_row(ci_low=0.7)], **COMMON)


def test_unknown_unit_is_refused():
    with pytest.raises(ResultsSchemaError, match="unit"):
        make_results([a_row(unit="cases")], **COMMON)


def test_validate_results_rejects_a_float_count_column():
    frame = make_results([a_row()], **COMMON)
    frame["n"] = frame["n"].astype("float64")
    with pytest.raises(ResultsSchemaError, match="n: dtype"):
        validate_results(frame)


def test_concat_keeps_dtypes_and_skips_empty_parts():
    first = make_results([a_row()], **COMMON)
    second = make_results([a_row(level="ta_only", n=1)], **COMMON)
    both = concat_results([first, empty_results(), second])
    assert len(both) == 2
    assert {c: str(t) for c, t in both.dtypes.items()} == RESULT_COLUMNS


def test_input_rows_are_not_modified():
    row = a_row()
    before = dict(row)
    make_results([row], **COMMON)
    assert row == before


def test_rows_of_an_analysis_are_not_checked_for_release_until_the_gate_marks_them():
    frame = make_results([a_row(), a_row(disclosure="suppressed")], **COMMON)
    assert frame["disclosure"].tolist() == ["not checked", "suppressed"]


def test_an_unknown_disclosure_state_is_refused():
    with pytest.raises(ResultsSchemaError, match="disclosure: only"):
        make_results([a_row(disclosure="approved")], **COMMON)
