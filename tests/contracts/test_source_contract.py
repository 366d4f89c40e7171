"""Every registered adapter with an ``example()`` keeps the records-frame contract."""

from __future__ import annotations

import logging
import re
from typing import Any

import pandas as pd
import pytest

from singleview.normalise import PLACEHOLDERS
from singleview.schema import CANONICAL_FIELDS, DATE_FIELDS, EXTRA_PREFIX, ID_PREFIX
from singleview.sources import Source, available_source_types, load

EXAMPLE_TYPES = {
    kind: cls for kind, cls in available_source_types().items() if hasattr(cls, "example")
}


def test_every_builtin_adapter_has_an_example() -> None:
    assert {"crm", "web", "call_centre", "store"} <= set(EXAMPLE_TYPES)


@pytest.fixture(params=sorted(EXAMPLE_TYPES))
def adapter(request: pytest.FixtureRequest) -> Any:
    return EXAMPLE_TYPES[request.param]


def sample(adapter: Any) -> pd.DataFrame:
    frame = adapter.example().data
    assert isinstance(frame, pd.DataFrame)
    return frame


def test_is_a_source(adapter: Any) -> None:
    src = adapter.example()
    assert isinstance(src, Source)
    assert isinstance(src.name, str)


def test_columns_and_dtypes(adapter: Any) -> None:
    records = load(adapter.example()).records
    columns = list(records.columns)
    assert tuple(columns[: len(CANONICAL_FIELDS)]) == CANONICAL_FIELDS
    rest = columns[len(CANONICAL_FIELDS) :]
    ids = [c for c in rest if c.startswith(ID_PREFIX)]
    assert ids == sorted(ids) and rest[: len(ids)] == ids
    assert all(c.startswith(EXTRA_PREFIX) for c in rest[len(ids) :])
    for column in DATE_FIELDS:
        assert str(records[column].dtype) == "datetime64[ns]"
    for column in ("email", "phone"):
        assert records[column].map(type).eq(tuple).all()
        assert all(isinstance(v, str) for t in records[column] for v in t)
    for column in columns:
        if column in DATE_FIELDS or column in ("email", "phone"):
            continue
        assert records[column].dtype == object, column
        assert all(v is None or type(v) is str for v in records[column]), column
    assert records["source_id"].is_unique
    assert records["source_id"].notna().all()
    assert len(records) > 0


def test_every_row_accounted_for(adapter: Any) -> None:
    src = adapter.example()
    rows = sum(len(b) for b in src.read())
    result = load(src)
    assert len(result.records) + len(result.quarantine) == rows == len(sample(adapter))
    assert len(result.quarantine) > 0, "the example should include a bad row"
    assert list(result.quarantine.columns) == ["source", "source_id", "reason", "row"]
    assert list(result.issues.columns) == ["source", "field", "reason", "count"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_row_order_does_not_matter(adapter: Any, seed: int) -> None:
    expected = load(adapter.example()).records.sort_values("source_id", ignore_index=True)
    shuffled = sample(adapter).sample(frac=1, random_state=seed)
    got = load(adapter(shuffled)).records.sort_values("source_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)


def test_batching_does_not_matter(adapter: Any) -> None:
    whole = load(adapter.example()).records.sort_values("source_id", ignore_index=True)
    # Batch-level rules (shared numbers) see less at batch_size=1, so compare ids only.
    small = load(adapter(sample(adapter), batch_size=2)).records
    assert sorted(small["source_id"]) == whole["source_id"].tolist()


def test_no_pii_in_logs(adapter: Any, caplog: pytest.LogCaptureFixture) -> None:
    frame = sample(adapter)
    values = {
        str(v).strip()
        for v in frame.to_numpy().ravel()
        if isinstance(v, str) and len(v.strip()) >= 4 and v.strip().lower() not in PLACEHOLDERS
    }
    with caplog.at_level(logging.DEBUG):
        load(adapter.example())
        load(adapter(frame, batch_size=3))
    text = caplog.text.lower()
    # Whole-word matches: "Miss" must not match the reason code "missing_source_id".
    leaked = sorted(v for v in values if re.search(rf"\b{re.escape(v.lower())}\b", text))
    assert not leaked


def test_input_frame_unchanged(adapter: Any) -> None:
    frame = sample(adapter)
    before = frame.copy(deep=True)
    src = adapter(frame, batch_size=3)
    load(src)
    pd.testing.assert_frame_equal(frame, before)
