from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from singleview.errors import ConfigError, SchemaError
from singleview.normalise import (
    PLACEHOLDERS,
    Cleaned,
    clean_text,
    fold,
    join_parts,
    normalise_country,
    normalise_gender,
)


def test_fold_examples() -> None:
    s = pd.Series(["  Zoë O'Brien-Smith ", "ÅSA", "José\tLuis", "a.b,c", 123.0, 7, 1.5])
    assert fold(s).tolist() == [
        "zoe obrien smith",
        "asa",
        "jose luis",
        "a b c",
        "123",
        "7",
        "1 5",
    ]


def test_fold_blank_and_missing_become_none() -> None:
    s = pd.Series(["", "   ", "-", None, np.nan, pd.NA], dtype=object)
    assert fold(s).tolist() == [None] * 6


def test_fold_keeps_index_and_does_not_mutate() -> None:
    s = pd.Series([" A ", "B"], index=[10, 3], name="x")
    before = s.copy()
    out = fold(s)
    assert out.index.tolist() == [10, 3]
    assert out.name == "x"
    pd.testing.assert_series_equal(s, before)


@pytest.mark.parametrize("dtype", [object, "string", None])
def test_fold_accepts_string_dtypes(dtype: str | None) -> None:
    s = pd.Series(["Ab", None], dtype=dtype)
    assert fold(s).tolist() == ["ab", None]


def test_fold_empty_series() -> None:
    assert len(fold(pd.Series([], dtype=object))) == 0


@given(st.lists(st.one_of(st.text(), st.none(), st.integers())))
def test_fold_is_idempotent(values: list[object]) -> None:
    once = fold(pd.Series(values, dtype=object))
    assert fold(once).tolist() == once.tolist()


def test_clean_text_reasons() -> None:
    s = pd.Series(["Hello", "N/A", "unknown", "?", "", None, "TBC", "0"], index=list("abcdefgh"))
    out = clean_text(s)
    assert isinstance(out, Cleaned)
    assert out.values.tolist() == ["hello", None, None, None, None, None, None, None]
    assert out.reasons.tolist() == [
        None,
        "placeholder",
        "placeholder",
        "placeholder",
        None,
        None,
        "placeholder",
        "placeholder",
    ]
    assert out.reasons.dtype == object
    assert out.values.index.equals(s.index)
    assert out.reasons.index.equals(s.index)


def test_clean_text_all_missing() -> None:
    out = clean_text(pd.Series([None, None], dtype=object))
    assert out.values.isna().all()
    assert out.reasons.tolist() == [None, None]


def test_placeholders_are_folded_lower_case() -> None:
    assert "unknown" in PLACEHOLDERS
    assert all(p == p.lower() for p in PLACEHOLDERS)


def test_normalise_gender() -> None:
    s = pd.Series(["Male", "M", "mr", "FEMALE", "woman", "Non-binary", "other", "U", "Unknown"])
    out = normalise_gender(pd.concat([s, pd.Series(["banana", None, " "])], ignore_index=True))
    assert out.values.tolist() == ["m", "m", "m", "f", "f", "x", "x"] + [None] * 5
    assert out.reasons.tolist() == [None] * 7 + ["placeholder"] * 2 + ["unparseable", None, None]


def test_normalise_country() -> None:
    s = pd.Series(
        [
            "United Kingdom",
            "UK",
            "GBR",
            "England",
            "gb",
            "U.S.A.",
            "United States",
            "fr",
            "NA",
            "Atlantis",
            "zz",
            None,
        ]
    )
    out = normalise_country(s)
    assert out.values.tolist() == ["GB"] * 5 + ["US", "US", "FR", None, None, None, None]
    assert out.reasons.tolist() == [None] * 8 + ["placeholder", "unparseable", "unparseable", None]


def test_join_parts_skips_blanks() -> None:
    frame = pd.DataFrame(
        {"a": ["1 High St", None, " ", 4.0], "b": [" Flat 2", None, "x", None]},
        index=[5, 5, 6, 7],
    )
    before = frame.copy()
    out = join_parts(frame, ["a", "b"])
    assert out.tolist() == ["1 High St Flat 2", None, "x", "4"]
    assert out.index.tolist() == [5, 5, 6, 7]
    pd.testing.assert_frame_equal(frame, before)


def test_join_parts_order_and_errors() -> None:
    frame = pd.DataFrame({"a": ["x"], "b": ["y"]})
    assert join_parts(frame, ["b", "a"]).tolist() == ["y x"]
    with pytest.raises(SchemaError):
        join_parts(frame, ["a", "missing"])
    with pytest.raises(ConfigError):
        join_parts(frame, [])
