"""CsvSource and ParquetSource."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from singleview.errors import SchemaError, SourceError
from singleview.sources import CsvSource, ParquetSource, load


def write_csv(path: Path) -> Path:
    path.write_text(
        "cust_id,acct,name,mail\n"
        "007,0042,Anne Smith,anne@example.co.uk\n"
        "008,,Bob Jones,\n"
        ",0099,Eve Black,eve@example.co.uk\n"
        "010,NA,,\n"
        "011,0100,Zoë Brown,zoe@example.co.uk\n",
        encoding="utf-8",
    )
    return path


def csv_source(path: Path, **kwargs: object) -> CsvSource:
    return CsvSource(
        path,
        name="files",
        id_column="cust_id",
        columns={"full_name": "name", "email": "mail"},
        ids={"account": "acct"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_csv_keeps_leading_zeros(tmp_path: Path) -> None:
    result = load(csv_source(write_csv(tmp_path / "c.csv")))
    assert result.records["source_id"].tolist() == ["007", "008", "011"]
    assert result.records["id_account"].tolist() == ["0042", None, "0100"]
    assert result.quarantine["reason"].tolist() == ["missing_source_id", "nothing_to_match"]


def test_csv_batches(tmp_path: Path) -> None:
    src = csv_source(write_csv(tmp_path / "c.csv"), batch_size=2)
    assert [len(b) for b in src.read()] == [2, 2, 1]
    batched = load(src).records
    whole = load(csv_source(tmp_path / "c.csv")).records
    pd.testing.assert_frame_equal(batched, whole)


def test_csv_header_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("cust_id,acct,name,mail\n", encoding="utf-8")
    result = load(csv_source(path))
    assert len(result.records) == 0
    assert "id_account" in result.records.columns


def test_missing_file_names_path(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope\.csv"):
        csv_source(tmp_path / "nope.csv")
    with pytest.raises(SourceError, match=r"nope\.parquet"):
        ParquetSource(tmp_path / "nope.parquet", name="p", id_column="x")


def test_empty_file_is_source_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match="empty"):
        csv_source(path)


def test_csv_missing_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv")
    with pytest.raises(SchemaError, match="telephone"):
        CsvSource(path, name="files", id_column="cust_id", columns={"phone": "telephone"})


def test_parquet_matches_csv(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "c.csv")
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    pq_path = tmp_path / "c.parquet"
    frame.to_parquet(pq_path, index=False)
    src = ParquetSource(
        pq_path,
        name="files",
        id_column="cust_id",
        columns={"full_name": "name", "email": "mail"},
        ids={"account": "acct"},
        batch_size=2,
    )
    assert [len(b) for b in src.read()] == [2, 2, 1]
    pd.testing.assert_frame_equal(load(src).records, load(csv_source(csv_path)).records)


def test_parquet_numeric_ids(tmp_path: Path) -> None:
    path = tmp_path / "n.parquet"
    pd.DataFrame({"id": [1, 2], "card": [1234.0, None], "e": ["a@b.co", "c@d.co"]}).to_parquet(path)
    src = ParquetSource(path, name="p", id_column="id", columns={"email": "e"}, ids=["card"])
    records = load(src).records
    assert records["source_id"].tolist() == ["1", "2"]
    assert records["id_card"].tolist() == ["1234", None]
