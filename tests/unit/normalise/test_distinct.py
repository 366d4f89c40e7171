"""Shared helpers of the cleaning functions: text that Arrow cannot hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview.normalise as nz
from singleview.normalise._distinct import arrow_text
from singleview.normalise.names import split_full_name

# A lone surrogate: what bytes that are not UTF-8 become when read with "surrogateescape".
_BROKEN = "\udcff"


def _objects(*values: object) -> pd.Series:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return pd.Series(array, dtype=object)


def test_arrow_text_reads_a_lone_surrogate_as_the_replacement_character() -> None:
    text = arrow_text(np.array([f"Ann{_BROKEN}", None, 5, "Bob"], dtype=object))
    assert text.to_pylist() == ["Ann\ufffd", None, None, "Bob"]


@pytest.mark.parametrize(
    ("clean", "raw", "expected"),
    [
        (lambda s: nz.normalise_phone(s, "GB"), f"07911 123456{_BROKEN}", "+447911123456"),
        (nz.normalise_email, f"ann{_BROKEN}@example.com", None),
        (lambda s: nz.normalise_timestamp(s, dayfirst=True), f"2020-01-02{_BROKEN}", pd.NaT),
        (nz.fold, f"Zo\u00eb{_BROKEN} Smith", "zoe smith"),
    ],
)
def test_a_lone_surrogate_is_cleaned_or_reported_not_a_crash(
    clean: object, raw: str, expected: object
) -> None:
    """Such a value gets through every cleaner: read or nulled with a reason, never an
    error from inside Arrow."""
    out = clean(_objects(raw, None))  # type: ignore[operator]
    values = out if isinstance(out, pd.Series) else out.values
    if expected is None or expected is pd.NaT:
        assert pd.isna(values.iloc[0])
        assert out.reasons.iloc[0] is not None
    else:
        assert values.iloc[0] == expected
    assert pd.isna(values.iloc[1])


def test_a_full_name_with_a_lone_surrogate_is_still_split() -> None:
    parts = split_full_name(_objects(f"Ann{_BROKEN} Lee"))
    assert parts.iloc[0].tolist() == ["ann", None, "lee"]


def test_a_source_id_with_a_lone_surrogate_resolves_and_keeps_it() -> None:
    import singleview as sv

    frame = pd.DataFrame(
        {
            "id": ["a\udcff", "b", "c", "d\udcfe"],
            "first_name": ["Ann", "Bob", "Ann", None],
            "last_name": ["Lee", "Ray", "Lee", None],
            "email": ["ann@x.com", "bob@y.com", "ann@x.com", "bad address"],
        },
        dtype=object,
    )
    columns = {"first_name": "first_name", "last_name": "last_name", "email": "email"}
    result = sv.resolve([sv.FrameSource(frame, name="s", id_column="id", columns=columns)])
    clusters = result.clusters.set_index("source_id")["customer_id"]
    assert clusters["a\udcff"] == clusters["c"] != clusters["b"]
    assert len(result.profiles) == 2
    # The record with nothing to match on is quarantined with its id as it was.
    assert result.quarantine["source_id"].tolist() == ["d\udcfe"]
