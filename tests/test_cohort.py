"""Joining a cohort's tables on case_id: `cohort.id_positions` against pandas' own lookup."""

import numpy as np
import pandas as pd
import pytest

from tahsb_analysis.input.cohort import id_positions

IDS = ["C001", "C002", "C003", "C004"]
VALUES = ["C003", "C999", "C001", "C003", "C004"]


def pandas_positions(values, ids) -> np.ndarray:
    """The lookup id_positions replaced: Index.get_indexer on Python str objects."""
    lookup = pd.Index(np.asarray(pd.Series(ids).astype("string"), dtype=object))
    return lookup.get_indexer(np.asarray(pd.Series(values).astype("string"), dtype=object))


@pytest.mark.parametrize(
    "dtype", ["string", "str", object, pd.StringDtype("python")], ids=str
)
def test_positions_equal_pandas_get_indexer_for_every_text_dtype(dtype):
    values = pd.Series(VALUES, dtype=dtype)
    ids = pd.Series(IDS, dtype=dtype)
    positions = id_positions(values, ids)
    np.testing.assert_array_equal(positions, [2, -1, 0, 2, 3])
    np.testing.assert_array_equal(positions, pandas_positions(values, ids))
    assert positions.dtype == np.intp


def test_categorical_and_plain_arrays_are_compared_as_text():
    ids = pd.Categorical(IDS)
    values = np.array(VALUES, dtype=object)
    np.testing.assert_array_equal(id_positions(values, ids), [2, -1, 0, 2, 3])


def test_a_missing_value_never_matches():
    values = pd.Series(["C002", None, pd.NA], dtype="string")
    np.testing.assert_array_equal(id_positions(values, pd.Series(IDS)), [1, -1, -1])
    # not even a missing id (a validated table has none; pandas would match NA to NA here)
    ids = pd.Series(["C001", None], dtype="string")
    np.testing.assert_array_equal(id_positions(values, ids), [-1, -1, -1])


def test_empty_values_or_ids():
    assert len(id_positions(pd.Series([], dtype="string"), pd.Series(IDS))) == 0
    empty_ids = id_positions(pd.Series(VALUES), pd.Series([], dtype="string"))
    np.testing.assert_array_equal(empty_ids, [-1] * len(VALUES))


def test_a_repeated_id_matches_its_first_position():
    ids = pd.Series(["C001", "C002", "C001"], dtype="string")
    np.testing.assert_array_equal(id_positions(pd.Series(["C001"]), ids), [0])


def test_positions_on_chunked_arrow_strings_are_those_of_one_chunk():
    ids = pd.concat([pd.Series(IDS[:2], dtype="string"), pd.Series(IDS[2:], dtype="string")],
                    ignore_index=True)
    np.testing.assert_array_equal(id_positions(pd.Series(VALUES, dtype="string"), ids),
                                  [2, -1, 0, 2, 3])


def test_inputs_are_not_modified():
    values = pd.Series(VALUES, dtype="string")
    ids = pd.Series(IDS, dtype="string")
    before = values.copy(), ids.copy()
    id_positions(values, ids)
    pd.testing.assert_series_equal(values, before[0])
    pd.testing.assert_series_equal(ids, before[1])
