"""Golden profiles on Spark: the local survivorship code per group of whole customers.

Every rule of :func:`singleview.survivorship.build_profiles` looks at one customer's
records only (its tie-break is the records' canonical order, which a subset keeps), so
running it on groups of whole customers gives the profiles of one run over everything.
Customers are grouped into buckets by a hash of their id, so each Python call handles many
customers at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...settings import SurvivorshipSettings
from ...survivorship import build_profiles
from .frames import POSITION, TIME_FIELDS, none_for_missing, to_canonical

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["golden_profiles", "profiles_schema"]


def profiles_schema(
    record_columns: list[str], priority: dict[str, int], settings: SurvivorshipSettings
) -> tuple[StructType, list[str]]:
    """The Spark schema of the profiles of records with these columns, and its columns."""
    from pyspark.sql import types as t

    empty = to_canonical(pd.DataFrame({c: pd.Series(dtype=object) for c in record_columns}))
    frame = build_profiles(empty, np.empty(0, dtype=object), priority, settings)
    fields = []
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype):
            kind: Any = t.TimestampNTZType()
        elif pd.api.types.is_integer_dtype(dtype):
            kind = t.LongType()
        elif pd.api.types.is_float_dtype(dtype):
            kind = t.DoubleType()
        else:
            kind = t.StringType()
        fields.append(t.StructField(str(column), kind, nullable=True))
    return t.StructType(fields), [str(c) for c in frame.columns]


def _spark_ready(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[column] = values.astype("datetime64[us]")
        elif pd.api.types.is_numeric_dtype(values.dtype):
            out[column] = values
        else:
            array = none_for_missing(values)
            out[column] = pd.Series(
                [v if v is None else str(v) for v in array], index=frame.index, dtype=object
            )
    return pd.DataFrame(out, index=frame.index)


def golden_profiles(
    records: DataFrame,
    clusters: DataFrame,
    *,
    priority: dict[str, int],
    survivorship: SurvivorshipSettings,
    partitions: int,
) -> DataFrame:
    """One profile per customer (the local engine's columns and values), from ``records``
    (with ``position``) and ``clusters`` (``position``, ``customer_id``)."""
    from pyspark.sql import functions as F

    record_columns = [c for c in records.columns if c != POSITION]
    schema, columns = profiles_schema(record_columns, priority, survivorship)
    times = [c for c in TIME_FIELDS if c in record_columns]
    joined = records.join(clusters.select(POSITION, "customer_id"), POSITION).withColumn(
        "bucket", F.pmod(F.xxhash64("customer_id"), F.lit(partitions))
    )

    def build(group: pd.DataFrame) -> pd.DataFrame:
        ordered = group.sort_values(POSITION, kind="mergesort", ignore_index=True)
        found = to_canonical(ordered.drop(columns=["customer_id", "bucket"]))
        for column in times:
            found[column] = found[column].astype("datetime64[ns]")
        profiles = build_profiles(
            found.drop(columns=[POSITION]),
            ordered["customer_id"].to_numpy(dtype=object),
            priority,
            survivorship,
        )
        return _spark_ready(profiles, columns)

    return joined.groupBy("bucket").applyInPandas(build, schema)
