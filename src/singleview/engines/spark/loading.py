"""Sources on Spark: Spark DataFrames cleaned where they lie, records numbered in
canonical order without a collect.

A :class:`~singleview.FrameSource` over a Spark DataFrame is normalised by its own adapter
in ``mapInPandas``, one partition per batch (per-batch rules, such as an e-mail shared by
many last names, see a partition).  Rows sharing a source id keep the newest version, as
:func:`singleview.sources.load` decides (latest ``updated_at``, then the row hash); the
others are quarantined as superseded.  Records of every source are then sorted by (source,
source id) and numbered: each sorted partition's size goes to the driver, and each record's
position is its partition's offset plus its rank inside it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import SourceError
from ...schema import ISSUE_COLUMNS, QUARANTINE_COLUMNS, empty_issues, empty_quarantine
from ...sources import Source
from ...sources.base import check_records, superseded_rows
from ...sources.records import record_hash
from .frames import POSITION, arrow_ready, none_for_missing, records_schema, to_canonical

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["QUARANTINE_SCHEMA", "load_sources", "load_spark_source", "number_records"]

#: Flips the top bit so that unsigned 64-bit row hashes keep their order as signed longs.
_TOP_BIT = np.uint64(1 << 63)


def _outputs(columns: list[str]) -> str:
    """One schema for the three things a partition yields: records, quarantine, issues."""
    schema = records_schema(columns)
    fields = [f"`{f.name}` {f.dataType.simpleString()}" for f in schema.fields]
    return ", ".join(
        [
            "kind string",
            *fields,
            "tiebreak long",
            "q_source_id string",
            "q_reason string",
            "q_row string",
            "i_field string",
            "i_reason string",
            "i_count long",
        ]
    )


def load_spark_source(
    source: Source, data: DataFrame
) -> tuple[DataFrame, DataFrame, pd.DataFrame, int]:
    """Records (no positions yet), quarantined rows (Spark), issue counts and rows read of a
    source over a Spark DataFrame."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    shipped = copy.copy(source)
    shipped.data = None  # type: ignore[attr-defined]  # workers get the adapter, not the frame
    name = source.name
    columns = list(source.normalise(data.limit(0).toPandas()).records.columns)

    def normalise(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        parts = list(batches)
        if not parts:
            return
        batch = pd.concat(parts, ignore_index=True)
        if len(batch) == 0:
            return
        result = shipped.normalise(batch)
        if len(result.records) + len(result.quarantine) != len(batch):
            raise SourceError(
                f"source {name!r}: normalise() returned "
                f"{len(result.records) + len(result.quarantine)} rows for a batch of {len(batch)}"
            )
        check_records(result.records, name)
        records = result.records.reindex(columns=columns)
        ready = arrow_ready(records)
        ready.insert(0, "kind", "record")
        ready["tiebreak"] = (record_hash(result.records) ^ _TOP_BIT).view(np.int64)
        for extra in _EXTRA[1:]:
            ready[extra] = None
        yield ready
        for frame, kind in ((result.quarantine, "quarantine"), (result.issues, "issue")):
            if len(frame) == 0:
                continue
            size = len(frame)
            out = pd.DataFrame(
                {c: [None] * size for c in ["kind", *columns, *_EXTRA]}, dtype=object
            )
            out["kind"] = kind
            out["source"] = name
            if kind == "quarantine":
                out["q_source_id"] = none_for_missing(frame["source_id"])
                out["q_reason"] = none_for_missing(frame["reason"])
                out["q_row"] = none_for_missing(frame["row"])
            else:
                out["i_field"] = none_for_missing(frame["field"])
                out["i_reason"] = none_for_missing(frame["reason"])
                out["i_count"] = frame["count"].astype(np.int64).to_numpy()
            yield out

    out = data.mapInPandas(normalise, _outputs(columns)).localCheckpoint(eager=True)
    rows_read = data.count()
    records = out.where(F.col("kind") == "record")
    by_id = Window.partitionBy("source_id")
    newest = Window.partitionBy("source_id").orderBy(
        F.col("updated_at").asc_nulls_first(), F.col("tiebreak").asc()
    )
    ranked = records.withColumn("copies", F.count(F.lit(1)).over(by_id)).withColumn(
        "rank", F.row_number().over(newest)
    )
    kept = ranked.where(F.col("rank") == F.col("copies")).select(*columns)
    lost = ranked.where(F.col("rank") < F.col("copies")).select(*columns)

    def superseded(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if len(batch):
                found = to_canonical(batch)
                yield superseded_rows(found, name)[list(QUARANTINE_COLUMNS)]

    quarantine = (
        out.where(F.col("kind") == "quarantine")
        .select(
            "source",
            F.col("q_source_id").alias("source_id"),
            F.col("q_reason").alias("reason"),
            F.col("q_row").alias("row"),
        )
        .unionByName(lost.mapInPandas(superseded, QUARANTINE_SCHEMA))
    )
    issues = (
        out.where(F.col("kind") == "issue")
        .groupBy("source", "i_field", "i_reason")
        .agg(F.sum("i_count").alias("count"))
        .toPandas()
        .rename(columns={"i_field": "field", "i_reason": "reason"})
    )
    issues = issues.sort_values(["source", "field", "reason"], ignore_index=True)
    issues = issues.astype({"source": object, "field": object, "reason": object, "count": "int64"})
    return kept, quarantine, issues[list(ISSUE_COLUMNS)], rows_read


_EXTRA = ("tiebreak", "q_source_id", "q_reason", "q_row", "i_field", "i_reason", "i_count")
QUARANTINE_SCHEMA = "source string, source_id string, reason string, row string"


def number_records(records: DataFrame, checkpoint: Any) -> DataFrame:
    """``records`` sorted by (source, source id) with a dense ``position`` from 0: each
    sorted partition's row count goes to the driver, then each row gets its partition's
    offset plus its rank inside the partition."""
    from pyspark import TaskContext
    from pyspark.sql import functions as F
    from pyspark.sql import types as t

    ordered = checkpoint(records.orderBy("source", "source_id"))
    sizes = (
        ordered.groupBy(F.spark_partition_id().alias("part")).count().toPandas().set_index("part")
    )
    parts = ordered.rdd.getNumPartitions()
    counts = np.zeros(parts, dtype=np.int64)
    counts[sizes.index.to_numpy(dtype=np.int64)] = sizes["count"].to_numpy(dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).tolist()
    columns = list(records.columns)

    def number(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        context = TaskContext.get()
        start = offsets[context.partitionId()] if context is not None else 0
        for batch in batches:
            out = batch.copy()
            out.insert(0, POSITION, np.arange(start, start + len(batch), dtype=np.int64))
            start += len(batch)
            yield out

    schema = t.StructType([t.StructField(POSITION, t.LongType(), False), *ordered.schema.fields])
    numbered: DataFrame = ordered.select(*columns).mapInPandas(number, schema)
    return numbered


def load_sources(
    spark: SparkSession,
    sources: Sequence[Source],
    local: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int], dict[str, int]] | None,
    *,
    partitions: int,
    checkpoint: Any,
) -> tuple[DataFrame, Any, pd.DataFrame, dict[str, int]]:
    """Records with positions, quarantine (Spark), issues and rows in per source, from the
    Spark-backed ``sources`` and the already loaded pandas ones (``local``)."""
    frames: list[DataFrame] = []
    quarantines: list[DataFrame] = []
    issues = [empty_issues()]
    rows_in: dict[str, int] = {}
    if local is not None:
        records, quarantine, local_issues, local_rows, _ = local
        if len(records):
            frames.append(
                spark.createDataFrame(arrow_ready(records), records_schema(list(records.columns)))
            )
        if len(quarantine):
            quarantines.append(
                spark.createDataFrame(
                    quarantine[list(QUARANTINE_COLUMNS)].astype(object), QUARANTINE_SCHEMA
                )
            )
        issues.append(local_issues)
        rows_in |= local_rows
    for source in sources:
        data: Any = getattr(source, "spark_data", None)
        kept, rejected, found, rows_read = load_spark_source(source, data)
        frames.append(kept)
        quarantines.append(rejected)
        issues.append(found)
        rows_in[source.name] = rows_read
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame, allowMissingColumns=True)
    numbered = checkpoint(number_records(union.repartition(partitions), checkpoint))
    quarantine_all = (
        quarantines[0]
        if quarantines
        else spark.createDataFrame(empty_quarantine().astype(object), QUARANTINE_SCHEMA)
    )
    for frame in quarantines[1:]:
        quarantine_all = quarantine_all.unionByName(frame)
    all_issues = pd.concat([i for i in issues if len(i)] or [empty_issues()], ignore_index=True)
    return numbered, quarantine_all, all_issues, rows_in
