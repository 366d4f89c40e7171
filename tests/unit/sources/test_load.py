"""load(): concatenation, superseded rows, issue sums and the contract check."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pandas as pd
import pytest

from singleview.errors import SourceError
from singleview.schema import Normalised
from singleview.sources import FrameSource, SourceOptions, load
from singleview.sources.base import empty_records


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "a", "a", "c", "c", "d", "d"],
            "email": [
                "old@example.co.uk",
                "b@example.co.uk",
                "new@example.co.uk",
                "mid@example.co.uk",
                "c1@example.co.uk",
                "c2@example.co.uk",
                "d1@example.co.uk",
                "d2@example.co.uk",
            ],
            "ts": [
                "2024-01-01",
                "2024-01-01",
                "2024-03-01",
                "2024-02-01",
                "",
                "",
                "",
                "2024-01-01",
            ],
        }
    )


def source(data: pd.DataFrame, batch_size: int = 100_000) -> FrameSource:
    return FrameSource(
        data,
        name="s",
        id_column="id",
        columns={"email": "email", "updated_at": "ts"},
        batch_size=batch_size,
    )


def newest(result: Normalised) -> dict[str, tuple[str, ...]]:
    return dict(zip(result.records["source_id"], result.records["email"], strict=True))


def test_newest_kept_and_others_superseded() -> None:
    result = load(source(frame()))
    kept = newest(result)
    assert kept["a"] == ("new@example.co.uk",)
    assert kept["d"] == ("d2@example.co.uk",)  # NaT is oldest
    assert result.records["source_id"].is_unique
    assert result.quarantine["reason"].value_counts().to_dict() == {"superseded": 4}
    assert sorted(result.quarantine["source_id"]) == ["a", "a", "c", "d"]
    assert len(result.records) + len(result.quarantine) == len(frame())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_row_order_and_batching_do_not_matter(seed: int, batch_size: int) -> None:
    expected = newest(load(source(frame())))
    shuffled = frame().sample(frac=1, random_state=seed)
    assert newest(load(source(shuffled, batch_size))) == expected


def test_issues_summed_across_batches() -> None:
    data = pd.DataFrame({"id": ["1", "2", "3", "4"], "email": ["bad", "worse", "x@y.co", "nope"]})
    result = load(
        FrameSource(data, name="s", id_column="id", columns={"email": "email"}, batch_size=1)
    )
    assert result.issues.to_dict("records") == [
        {"source": "s", "field": "email", "reason": "invalid_syntax", "count": 3}
    ]


def test_logs_counts_without_values(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="singleview"):
        load(source(frame()))
    assert "8 rows read, 4 records kept, 4 quarantined" in caplog.text
    assert "example.co.uk" not in caplog.text


class Broken:
    """A source whose normalise breaks the contract in a chosen way."""

    def __init__(self, records: pd.DataFrame, *, rows: int | None = None) -> None:
        self.name = "broken"
        self.options = SourceOptions()
        self.records = records
        self.rows = len(records) if rows is None else rows

    def read(self) -> Iterator[pd.DataFrame]:
        yield pd.DataFrame({"x": range(self.rows)})

    def normalise(self, batch: pd.DataFrame) -> Normalised:
        return Normalised(records=self.records)


def good_records() -> pd.DataFrame:
    return load(source(frame().iloc[:2])).records


def test_contract_checked() -> None:
    assert len(load(Broken(good_records().assign(source="broken"))).records) == 2
    bad = good_records().assign(source="broken")
    with pytest.raises(SourceError, match=r"'broken'.*'dob'"):
        load(Broken(bad.assign(dob="1980-01-01")))
    with pytest.raises(SourceError, match="'email'"):
        load(Broken(bad.assign(email="x@example.co.uk")))
    with pytest.raises(SourceError, match="columns must start"):
        load(Broken(bad.drop(columns="city")))
    with pytest.raises(SourceError, match="'first_name'"):
        load(Broken(bad.assign(first_name=1)))
    with pytest.raises(SourceError, match="'source'"):
        load(Broken(good_records()))
    with pytest.raises(SourceError, match="unexpected columns"):
        load(Broken(bad.assign(other="x")))
    with pytest.raises(SourceError, match="every input row"):
        load(Broken(bad, rows=5))


def test_contract_accepts_pandas_string_dtype() -> None:
    records = good_records().assign(source="broken")
    records["city"] = pd.Series([None, "leeds"], dtype="string")
    assert len(load(Broken(records)).records) == 2


def test_empty_source() -> None:
    class Nothing(Broken):
        def read(self) -> Iterator[pd.DataFrame]:
            return iter(())

    result = load(Nothing(empty_records()))
    assert len(result.records) == 0
    pd.testing.assert_frame_equal(result.records, empty_records())
