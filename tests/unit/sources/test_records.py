"""Building blocks for records frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from singleview.sources.records import INFERRED_TEXT, as_text, text_column


def _objects(*values: object) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@pytest.mark.parametrize(
    "values",
    [
        ("Ann", None, "Bob", float("nan"), "Zoë"),
        (None, None),
        (),
        ("only text", "ß", "\u3000 wide space"),
    ],
)
def test_a_text_column_is_pandas_own_text_with_one_missing_marker(values: tuple) -> None:
    """The column holds what assigning the array, every missing value as None, holds, in
    pandas' text dtype (pandas 3: Arrow-backed str with NaN, even with no text at all, so
    that batches agree; pandas 2: object with None)."""
    array = _objects(*values)
    expected = pd.DataFrame(index=range(len(array)))
    cleaned = array.copy()
    cleaned[pd.isna(cleaned)] = None
    expected["column"] = cleaned
    got = pd.DataFrame(index=range(len(array)))
    got["column"] = text_column(array, got.index)
    assert got["column"].astype(object).where(got["column"].notna(), None).tolist() == list(cleaned)
    assert got["column"].dtype == INFERRED_TEXT
    if got["column"].dtype == object:
        assert all(v is None or isinstance(v, str) for v in got["column"])


def test_a_value_arrow_cannot_hold_is_left_for_pandas_to_infer() -> None:
    """A lone surrogate is not UTF-8, which Arrow (and so pandas 3's str) cannot hold: the
    column stays object, missing values as None, and nothing is lost."""
    array = _objects("\ud800 broken", None, "fine")
    column = text_column(array, pd.RangeIndex(3))
    assert column.tolist() == ["\ud800 broken", None, "fine"]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a", None], dtype="str", name="x"),
        pd.Series(["a", None, np.nan, pd.NA], dtype=object, index=[5, 3, 9, 1]),
        pd.Series(["x", None], dtype="string"),
        pd.Series([], dtype=object),
        pd.Series([1.5, np.nan]),
        pd.Series([pd.NaT, pd.Timestamp("2020-01-01")]),
        pd.Series(["\ud800", None], dtype=object),
    ],
)
def test_as_text_is_astype_object_with_every_missing_value_none(values: pd.Series) -> None:
    """The one-conversion path for text gives what ``astype(object)`` then ``where`` gave:
    same values, Python types, index and name."""
    expected = values.astype(object).where(values.notna(), None)
    got = as_text(values)
    assert got.equals(expected) and got.dtype == object
    assert got.index.equals(expected.index) and got.name == expected.name
    assert [type(v) for v in got] == [type(v) for v in expected]
