"""The result of a Spark run: the local :class:`~singleview.result.Result` whose large
frames (clusters, profiles, pairs, records) are Spark DataFrames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...blocking import rule_name
from ...comparisons import Comparison
from ...errors import ConfigError, NotFittedError
from ...result import RecordKey, Result
from ...store.context import MatchContext
from ...why import ClusterWhy, explain_cluster
from ..pairs import empty_pairs
from .frames import POSITION, to_canonical

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkResult", "pairs_out"]


def pairs_out(
    records: DataFrame,
    scored: DataFrame,
    *,
    rules: Sequence[tuple[str, ...]],
    comparisons: Sequence[Comparison],
    floor: float,
) -> DataFrame:
    """``result.pairs`` (the local columns) from scored pairs at or above ``floor``."""
    from pyspark.sql import functions as F

    names = F.array(*[F.lit(rule_name(r)) for r in rules])
    keys = records.select(POSITION, "source", "source_id")
    return (
        scored.where(F.col("probability") >= floor)
        .join(
            keys.select(
                F.col(POSITION).alias("lo"),
                F.col("source").alias("source_l"),
                F.col("source_id").alias("source_id_l"),
            ),
            "lo",
        )
        .join(
            keys.select(
                F.col(POSITION).alias("hi"),
                F.col("source").alias("source_r"),
                F.col("source_id").alias("source_id_r"),
            ),
            "hi",
        )
        .orderBy("lo", "hi")
        .select(
            "source_l",
            "source_id_l",
            "source_r",
            "source_id_r",
            F.col("weight").alias("match_weight"),
            F.col("probability").alias("match_probability"),
            F.when(F.col("forced"), F.lit("rule")).otherwise(F.lit("model")).alias("matched_by"),
            F.element_at(names, F.col("rule") + 1).alias("blocking_rule"),
            *[F.col(f"gamma_{c.column}") for c in comparisons],
        )
    )


@dataclass
class SparkResult(Result):
    """What :func:`singleview.resolve` produced on the Spark engine.

    ``clusters``, ``profiles``, ``pairs``, ``records`` and ``quarantine`` are Spark
    DataFrames with the local columns (``pairs`` is None when no pair was scored);
    ``issues`` and ``blocking`` are small pandas frames; ``model`` is the fitted model.
    """

    clusters: DataFrame  # type: ignore[assignment]
    profiles: DataFrame  # type: ignore[assignment]
    pairs: DataFrame | None  # type: ignore[assignment]
    quarantine: DataFrame  # type: ignore[assignment]
    records: DataFrame  # type: ignore[assignment]
    context: MatchContext | None = field(default=None, repr=False)
    spark: SparkSession | None = field(default=None, repr=False)

    def _two(self, a: RecordKey, b: RecordKey) -> pd.DataFrame:
        from pyspark.sql import functions as F

        wanted = [(str(s), str(i)) for s, i in (a, b)]
        condition = F.lit(False)
        for source, source_id in wanted:
            condition = condition | (
                (F.col("source") == source) & (F.col("source_id") == source_id)
            )
        found = to_canonical(self.records.where(condition).toPandas())
        found = found.sort_values(["source", "source_id"], kind="mergesort", ignore_index=True)
        present = set(zip(found["source"], found["source_id"], strict=True))
        for source, _ in wanted:
            if (source, _) not in present:
                raise ConfigError(
                    f"record ({source!r}, <id>) is not among the resolved records; check the "
                    "source name and id (quarantined records are in result.quarantine)"
                )
        return found

    def explain(self, a: RecordKey, b: RecordKey) -> pd.DataFrame:
        """The weight waterfall for two records (see :meth:`Result.explain`): the two
        records are fetched and compared with the run's model."""
        if self.model is None or self.context is None:
            raise NotFittedError("this result has no model (fewer than two records)")
        found = self._two(a, b)
        features = self.context.features(found)
        keys = list(zip(found["source"], found["source_id"], strict=True))
        left = np.array([keys.index((str(a[0]), str(a[1])))])
        right = np.array([keys.index((str(b[0]), str(b[1])))])
        levels, tf = [], []
        for k, comparison in enumerate(self.model.comparisons):
            level, exact = comparison.compare(features, left, right)
            levels.append(level[0])
            tf.append(self.model.tf_adjustment(k, features, exact)[0])
        prior = float(self.model.prior_weights(features, left, right)[0])
        return self.model.explain(np.array(levels), np.array(tf), prior)

    def why(self, customer_id: str) -> ClusterWhy:
        """What holds customer ``customer_id`` together (see :meth:`Result.why`): its
        records' keys and the pairs between them are fetched, nothing else."""
        from pyspark.sql import functions as F

        members = self.clusters.where(F.col("customer_id") == str(customer_id)).toPandas()
        if not len(members) or self.pairs is None or self.spark is None:
            return explain_cluster(members, empty_pairs(), str(customer_id), self.threshold)
        keys = self.spark.createDataFrame(
            members[["source", "source_id"]].astype(str), "source string, source_id string"
        )
        inside = self.pairs.join(
            keys.select(F.col("source").alias("source_l"), F.col("source_id").alias("source_id_l")),
            ["source_l", "source_id_l"],
        ).join(
            keys.select(F.col("source").alias("source_r"), F.col("source_id").alias("source_id_r")),
            ["source_r", "source_id_r"],
        )
        return explain_cluster(members, inside.toPandas(), str(customer_id), self.threshold)

    # -- the figures a summary shows, by aggregates ----------------------------------------
    def resolved_per_source(self) -> dict[str, int]:
        rows = self.clusters.groupBy("source").count().collect()
        return {str(r["source"]): int(r["count"]) for r in rows}

    def quarantine_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        from pyspark.sql import functions as F

        quarantine: Any = self.quarantine
        per_source = quarantine.groupBy("source").count().collect()
        reasons = quarantine.groupBy("reason").count().orderBy(F.col("count").desc()).collect()
        return (
            {str(r["source"]): int(r["count"]) for r in per_source},
            {str(r["reason"]): int(r["count"]) for r in reasons},
        )

    def cluster_sizes(self, top: int) -> list[int]:
        from pyspark.sql import functions as F

        sizes = self.clusters.groupBy("customer_id").count().orderBy(F.col("count").desc())
        return [int(r["count"]) for r in sizes.limit(top).collect()]

    def n_clustered(self) -> int:
        return int(self.clusters.count())

    def n_customers(self) -> int:
        return int(self.profiles.count())

    def top_profiles(self, top: int) -> pd.DataFrame:
        from pyspark.sql import functions as F

        chosen = self.profiles.orderBy(F.col("n_records").desc(), F.col("customer_id"))
        return chosen.limit(top).toPandas()

    def save(self, directory: str | Path) -> Path:
        """Write every frame as Parquet under ``directory`` (the Spark frames as Parquet
        directories written by Spark), the model as ``model.json`` and the stats."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        spark_frames: dict[str, Any] = {
            "clusters": self.clusters,
            "profiles": self.profiles,
            "pairs": self.pairs,
            "records": self.records,
        }
        for name, frame in spark_frames.items():
            if frame is not None:
                frame.write.mode("overwrite").parquet(str(out / f"{name}.parquet"))
        quarantine: Any = self.quarantine
        quarantine.write.mode("overwrite").parquet(str(out / "quarantine.parquet"))
        for name, small in (
            ("issues", self.issues),
            ("blocking", self.blocking),
        ):
            small.to_parquet(out / f"{name}.parquet", index=False)
        self._write_model_and_stats(out)
        return out
