"""Canonical records between pandas and Spark, with the same dtypes on both sides.

The local engine works on a records frame in canonical order (sorted by source and source
id) whose row number is the record's *position*: every tie-break and every customer id
rests on it.  On Spark the records carry that position as a ``position`` column.  Text is
``string``, the multi-valued fields are ``array<string>``, times are ``timestamp_ntz`` (no
time zone can shift them).  A pandas batch that comes back from Spark (in ``mapInPandas``
or ``toPandas``) holds NumPy arrays for lists, ``NaN`` or ``None`` for missing text and
microsecond times; :func:`to_canonical` turns it back into exactly what the local code
expects, so the same pure functions see the same values on both engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...schema import MULTI_VALUED_FIELDS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = [
    "POSITION",
    "TIME_FIELDS",
    "arrow_ready",
    "none_for_missing",
    "records_schema",
    "to_canonical",
    "to_spark",
]

#: The column holding a record's position in canonical order.
POSITION = "position"
#: Canonical columns holding times (naive, as the local engine keeps them).
TIME_FIELDS = ("updated_at", "dob")


def records_schema(columns: list[str]) -> StructType:
    """The Spark schema of canonical records with these columns (plus ``position``)."""
    from pyspark.sql import types as t

    fields = []
    for column in columns:
        if column in MULTI_VALUED_FIELDS:
            kind: Any = t.ArrayType(t.StringType(), containsNull=False)
        elif column in TIME_FIELDS:
            kind = t.TimestampNTZType()
        elif column == POSITION:
            kind = t.LongType()
        else:
            kind = t.StringType()
        fields.append(t.StructField(column, kind, nullable=column not in ("source", "source_id")))
    return t.StructType(fields)


def arrow_ready(records: pd.DataFrame) -> pd.DataFrame:
    """``records`` with lists for tuples and plain object text, ready for Arrow."""
    out = {}
    for column in records.columns:
        values = records[column]
        if column in MULTI_VALUED_FIELDS:
            out[column] = pd.Series(
                [list(v) if isinstance(v, tuple) else [] for v in values],
                index=records.index,
                dtype=object,
            )
        elif column in TIME_FIELDS:
            out[column] = pd.to_datetime(values).astype("datetime64[us]")
        elif column == POSITION:
            out[column] = values.astype(np.int64)
        else:
            out[column] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(out, index=records.index)


def to_spark(spark: SparkSession, records: pd.DataFrame, partitions: int) -> DataFrame:
    """Canonical records (in canonical order) as a Spark DataFrame with a ``position``
    column equal to each record's row number."""
    frame = records.reset_index(drop=True)
    frame.insert(0, POSITION, np.arange(len(frame), dtype=np.int64))
    schema = records_schema(list(frame.columns))
    ready = arrow_ready(frame)
    df = (
        spark.createDataFrame(ready, schema=schema)
        if len(ready)
        else spark.createDataFrame([], schema)
    )
    return df.repartition(partitions, POSITION)


def none_for_missing(values: pd.Series) -> np.ndarray:
    """``values`` as an object array with None for every missing value (NaN, NA, NaT)."""
    objects = values.astype(object)
    return np.asarray(objects.where(objects.notna(), None), dtype=object)


def _text(values: pd.Series) -> pd.Series:
    array = none_for_missing(values)
    return pd.Series(array, index=values.index, dtype=object, name=values.name)


def _tuples(values: pd.Series) -> pd.Series:
    return pd.Series(
        [tuple(v) if v is not None and not _missing(v) else () for v in values],
        index=values.index,
        dtype=object,
        name=values.name,
    )


def _missing(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)


def to_canonical(batch: pd.DataFrame) -> pd.DataFrame:
    """A batch of records from Spark, sorted by position, with the local engine's dtypes
    (object text with None, tuples for multi-valued fields, ``datetime64[ns]`` times)."""
    if POSITION in batch.columns:
        batch = batch.sort_values(POSITION, kind="mergesort", ignore_index=True)
    out: dict[str, pd.Series] = {}
    for column in batch.columns:
        values = batch[column]
        if column in MULTI_VALUED_FIELDS:
            out[column] = _tuples(values)
        elif column in TIME_FIELDS:
            out[column] = pd.to_datetime(values).astype("datetime64[ns]")
        elif column == POSITION:
            out[column] = values.astype(np.int64)
        else:
            out[column] = _text(values)
    return pd.DataFrame(out, index=batch.index)
