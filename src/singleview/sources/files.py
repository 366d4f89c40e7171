"""File sources: :class:`CsvSource` and :class:`ParquetSource`, read in batches.

CSV files are read with every column as text, so ids such as ``"007"`` keep their leading
zeros; empty cells become missing and everything else is left for normalisation to judge.
Missing text values are ``None`` in ``object`` columns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from singleview.errors import SourceError
from singleview.sources.mapped import MappedSource
from singleview.sources.mapping import ColumnsArg, NamedColumnsArg

__all__ = [
    "PARQUET_SUFFIXES",
    "CsvSource",
    "ParquetSource",
    "iter_csv",
    "iter_parquet",
    "read_header",
]

PathArg = str | os.PathLike[str]


#: File name endings read as Parquet (anything else as CSV).
PARQUET_SUFFIXES = (".parquet", ".pq")


def _existing(path: PathArg, source: str) -> Path:
    resolved = Path(path)
    if not resolved.is_file():
        msg = f"source {source!r}: file {str(resolved)!r} does not exist or is not a file"
        raise SourceError(msg)
    return resolved


def _read_error(path: Path, source: str, exc: Exception) -> SourceError:
    # The parser's own message can quote the offending row, so only its type is shown.
    msg = f"source {source!r}: could not read {str(path)!r} ({type(exc).__name__})"
    return SourceError(msg)


def _csv_options() -> dict[str, Any]:
    return {"dtype": str, "keep_default_na": False, "na_values": [""]}


def iter_csv(path: PathArg, batch_size: int, *, source: str) -> Iterator[pd.DataFrame]:
    """Batches of ``batch_size`` rows of a CSV file, every column as text."""
    resolved = _existing(path, source)
    empty = read_header(resolved, source=source)
    produced = False
    try:
        with pd.read_csv(resolved, chunksize=batch_size, **_csv_options()) as reader:
            for chunk in reader:
                produced = True
                yield chunk
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise _read_error(resolved, source, exc) from exc
    if not produced:
        yield empty


def iter_parquet(path: PathArg, batch_size: int, *, source: str) -> Iterator[pd.DataFrame]:
    """Batches of ``batch_size`` rows of a Parquet file."""
    resolved = _existing(path, source)
    try:
        parquet = pq.ParquetFile(resolved)
        produced = False
        for batch in parquet.iter_batches(batch_size=batch_size):
            produced = True
            frame: pd.DataFrame = batch.to_pandas()
            yield frame
        if not produced:
            empty: pd.DataFrame = parquet.schema_arrow.empty_table().to_pandas()
            yield empty
    except (ValueError, OSError) as exc:
        raise _read_error(resolved, source, exc) from exc


def read_header(path: PathArg, *, source: str) -> pd.DataFrame:
    """An empty frame with the file's columns (CSV or Parquet, by extension)."""
    resolved = _existing(path, source)
    try:
        if resolved.suffix.lower() in PARQUET_SUFFIXES:
            header: pd.DataFrame = pq.read_schema(resolved).empty_table().to_pandas()
            return header
        csv_header: pd.DataFrame = pd.read_csv(resolved, nrows=0, **_csv_options())
        return csv_header
    except pd.errors.EmptyDataError as exc:
        msg = f"source {source!r}: file {str(resolved)!r} is empty (no header row)"
        raise SourceError(msg) from exc
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise _read_error(resolved, source, exc) from exc


class _FileSource(MappedSource):
    def __init__(
        self,
        path: PathArg,
        *,
        name: str,
        id_column: str,
        columns: ColumnsArg | None = None,
        ids: NamedColumnsArg | None = None,
        extra: NamedColumnsArg | None = None,
        region: str | None = None,
        dayfirst: bool = False,
        priority: int = 0,
        batch_size: int = 100_000,
        deleted_column: str | None = None,
    ) -> None:
        super().__init__(
            name=name,
            id_column=id_column,
            columns=columns,
            ids=ids,
            extra=extra,
            region=region,
            dayfirst=dayfirst,
            priority=priority,
            batch_size=batch_size,
            deleted_column=deleted_column,
        )
        self.path: Path = _existing(path, name)
        self.mapping.check(read_header(self.path, source=name))


class CsvSource(_FileSource):
    """A source over a CSV file with a header row, read ``batch_size`` rows at a time.

    Takes the same keyword arguments as :class:`~singleview.sources.FrameSource`.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.csv"
    >>> _ = path.write_text("id,email\\n007,ann@example.co.uk\\n")
    >>> next(CsvSource(path, name="crm", id_column="id").read())["id"].tolist()
    ['007']
    """

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield the file in batches of ``options.batch_size`` rows, every column as text."""
        return iter_csv(self.path, self.options.batch_size, source=self.name)


class ParquetSource(_FileSource):
    """A source over a Parquet file, read ``batch_size`` rows at a time.

    Takes the same keyword arguments as :class:`~singleview.sources.FrameSource`.
    """

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield the file in batches of ``options.batch_size`` rows."""
        return iter_parquet(self.path, self.options.batch_size, source=self.name)
