""":class:`AdapterSource`: the base of the built-in adapters for particular systems.

An adapter knows its system's export: default column mapping, id column, name and date
order.  It reads a DataFrame or a CSV/Parquet file, and user ``columns=``/``ids=`` are merged
over its defaults (the user wins; mapping a field to ``None`` drops a default).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import pandas as pd

from singleview.errors import ConfigError
from singleview.sources.files import (
    PARQUET_SUFFIXES,
    PathArg,
    iter_csv,
    iter_parquet,
    read_header,
)
from singleview.sources.frame import iter_frame
from singleview.sources.mapped import Fields, MappedSource, is_spark_frame
from singleview.sources.mapping import NamedColumnsArg, named_columns

logger = logging.getLogger(__name__)

__all__ = ["AdapterSource", "shared_values"]

_CSV_SUFFIXES = (".csv", ".txt")

#: canonical field -> source column(s); ``None`` drops a default entry.
ColumnOverrides = Mapping[str, str | Sequence[str] | None]


class AdapterSource(MappedSource):
    """A :class:`MappedSource` with defaults for one kind of system, over a frame or a file.

    Subclasses set the ``default_*`` class attributes and :meth:`example_frame`.
    """

    default_name: ClassVar[str]
    default_id_column: ClassVar[str]
    default_columns: ClassVar[Mapping[str, str | tuple[str, ...]]]
    default_ids: ClassVar[Mapping[str, str]] = {}
    default_dayfirst: ClassVar[bool] = False

    def __init__(
        self,
        data: pd.DataFrame | PathArg,
        *,
        name: str | None = None,
        id_column: str | None = None,
        columns: ColumnOverrides | None = None,
        ids: NamedColumnsArg | None = None,
        extra: NamedColumnsArg | None = None,
        region: str | None = "GB",
        dayfirst: bool | None = None,
        priority: int = 0,
        batch_size: int = 100_000,
        deleted_column: str | None = None,
    ) -> None:
        name = self.default_name if name is None else name
        merged_columns = {**self.default_columns, **(columns or {})}
        merged_ids = {**self.default_ids, **named_columns(name, "ids", ids)}
        super().__init__(
            name=name,
            id_column=self.default_id_column if id_column is None else id_column,
            columns={k: v for k, v in merged_columns.items() if v is not None},
            ids=merged_ids,
            extra=extra,
            region=region,
            dayfirst=self.default_dayfirst if dayfirst is None else dayfirst,
            priority=priority,
            batch_size=batch_size,
            deleted_column=deleted_column,
        )
        self.data: pd.DataFrame | Path | Any
        if isinstance(data, pd.DataFrame) or is_spark_frame(data):
            self.data = data
            self.mapping.check(data)
        elif isinstance(data, str | Path) or hasattr(data, "__fspath__"):
            self.data = Path(data)
            self._format()
            self.mapping.check(read_header(self.data, source=name))
        else:
            msg = (
                f"source {name!r}: data must be a pandas or Spark DataFrame or a CSV/Parquet "
                "file path, "
                f"got {type(data).__name__}"
            )
            raise ConfigError(msg)

    @classmethod
    def example_frame(cls) -> pd.DataFrame:
        """A small sample of this system's raw rows, including a bad one."""
        raise NotImplementedError

    @classmethod
    def example(cls) -> Self:
        """An instance over :meth:`example_frame`, for demos and the contract tests."""
        return cls(cls.example_frame())

    def _format(self) -> str:
        assert isinstance(self.data, Path)
        suffix = self.data.suffix.lower()
        if suffix in _CSV_SUFFIXES:
            return "csv"
        if suffix in PARQUET_SUFFIXES:
            return "parquet"
        msg = (
            f"source {self.name!r}: cannot tell the format of {self.data.name!r}; "
            f"use a .csv or .parquet file, or pass a DataFrame"
        )
        raise ConfigError(msg)

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield raw batches of ``options.batch_size`` rows from the frame or file."""
        size = self.options.batch_size
        if isinstance(self.data, pd.DataFrame):
            return iter_frame(self.data, size)
        if is_spark_frame(self.data):
            logger.info("source %s: collecting a Spark DataFrame for the local engine", self.name)
            frame: Any = self.data
            return iter_frame(frame.toPandas(), size)
        if self._format() == "csv":
            return iter_csv(self.data, size, source=self.name)
        return iter_parquet(self.data, size, source=self.name)


def shared_values(fields: Fields, name: str, limit: int) -> pd.DataFrame:
    """Where a value of multi-valued field ``name`` appears with more than ``limit`` last names.

    A number or e-mail shared by many different people in one batch (a switchboard, a shop's
    default receipt address) identifies nobody.  Returns a boolean frame shaped like the field.
    """
    values = fields.multi[name]
    last = fields.get("last_name")
    pairs = pd.DataFrame(
        {
            "value": pd.concat([values[c] for c in values.columns], ignore_index=True),
            "last": pd.concat([last] * values.shape[1], ignore_index=True),
        }
    ).dropna()
    counts = pairs.drop_duplicates().groupby("value")["last"].size()
    shared = counts.index[counts > limit]
    return values.isin(set(shared)) if len(shared) else values.notna() & False
