"""Matching on Spark with a frozen :class:`~singleview.store.context.MatchContext`:
blocking keys, candidate pairs, scores, guarded clusters and customer ids.

Each step is the local code applied to pandas batches; only joins and aggregates are
Spark's.  This works because the context makes matching batch-independent (the identity
store's central property): a record's blocking keys are hashes of its values, and a pair's
score depends on its two records and the frozen model alone.

Shuffles: the keys' self-join (by rule and key), the two record joins of the pairs (by
position), the rounds of :func:`~.components.connected_components`, the grouping of the
over-merge guard's suspicious components, and the anchor join.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from functools import reduce
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...cluster import MIN_DISAGREEMENT, guarded_components, record_customer_ids, weak_below
from ...constraints import Guard
from ...features import Features
from ...store.context import MatchContext
from .components import connected_components
from .frames import POSITION, to_canonical

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "ShippedContext",
    "batch_features",
    "candidate_pairs",
    "cluster_anchors",
    "customer_clusters",
    "map_pairs",
    "score_pairs",
]

Checkpoint = Callable[["DataFrame"], "DataFrame"]


class ShippedContext:
    """A context sent once to every worker in a broadcast variable (pickled: the model
    drops its per-run caches), with what the driver needs of it at hand."""

    def __init__(self, spark: SparkSession, context: MatchContext) -> None:
        self.link_within = context.link_within
        self.gammas = [f"gamma_{c.column}" for c in context.model.comparisons]
        self._broadcast = spark.sparkContext.broadcast(context)

    def get(self) -> MatchContext:
        """The context (unpickled once per worker process)."""
        context: MatchContext = self._broadcast.value
        return context

    def destroy(self) -> None:
        """Free the broadcast copies."""
        self._broadcast.unpersist()


def batch_features(context: MatchContext, batch: pd.DataFrame) -> tuple[pd.DataFrame, Features]:
    records = to_canonical(batch)
    return records, context.features(records.drop(columns=[POSITION]))


def candidate_pairs(records: DataFrame, shipped: ShippedContext) -> DataFrame:
    """Distinct candidate pairs ``(lo, hi, rule)`` with ``lo < hi`` positions and the first
    rule that finds them (as local :func:`singleview.blocking.block`)."""
    from pyspark.sql import functions as F

    def keys(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if len(batch) == 0:
                continue
            context = shipped.get()
            found, features = batch_features(context, batch)
            frame = context.keys(features)
            rows = frame["position"].to_numpy(dtype=np.int64)
            yield pd.DataFrame(
                {
                    "rule": frame["rule"].to_numpy(dtype=np.int32),
                    "key": frame["key"].to_numpy(dtype=np.int64),
                    POSITION: found[POSITION].to_numpy(dtype=np.int64)[rows],
                    "source": found["source"].to_numpy(dtype=object)[rows],
                }
            )

    keyed = records.mapInPandas(keys, "rule int, key long, position long, source string")
    left = keyed.select(
        "rule", "key", F.col(POSITION).alias("lo"), F.col("source").alias("source_l")
    )
    right = keyed.select(
        "rule", "key", F.col(POSITION).alias("hi"), F.col("source").alias("source_r")
    )
    pairs = left.join(right, ["rule", "key"]).where(F.col("lo") < F.col("hi"))
    if not shipped.link_within:
        pairs = pairs.where(F.col("source_l") != F.col("source_r"))
    return pairs.groupBy("lo", "hi").agg(F.min("rule").alias("rule"))


PairFunction = Callable[
    [MatchContext, Features, np.ndarray, np.ndarray, pd.DataFrame], pd.DataFrame
]


def map_pairs(
    records: DataFrame,
    pairs: DataFrame,
    shipped: ShippedContext,
    fn: PairFunction,
    schema: str,
) -> DataFrame:
    """``fn(context, features, left, right, batch)`` over batches of ``pairs`` (columns
    ``lo``, ``hi``: positions, in that order), where ``features`` are those of the batch's
    records and ``left``/``right`` index them; ``fn`` returns a frame of ``schema``."""
    from pyspark.sql import functions as F

    columns = [c for c in records.columns if c != POSITION]
    left = records.select(
        F.col(POSITION).alias("lo"), *[F.col(c).alias(f"l__{c}") for c in columns]
    )
    right = records.select(
        F.col(POSITION).alias("hi"), *[F.col(c).alias(f"r__{c}") for c in columns]
    )
    joined = pairs.join(left, "lo").join(right, "hi")

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if len(batch) == 0:
                continue
            sides = [
                batch[[key, *[f"{side}__{c}" for c in columns]]].set_axis(
                    [POSITION, *columns], axis=1
                )
                for key, side in (("lo", "l"), ("hi", "r"))
            ]
            both = pd.concat(sides, ignore_index=True).drop_duplicates(POSITION)
            context = shipped.get()
            found, features = batch_features(context, both)
            positions = found[POSITION].to_numpy(dtype=np.int64)
            lo = batch["lo"].to_numpy(dtype=np.int64)
            hi = batch["hi"].to_numpy(dtype=np.int64)
            yield fn(
                context,
                features,
                np.searchsorted(positions, lo),
                np.searchsorted(positions, hi),
                batch.drop(columns=[c for c in batch.columns if c[:3] in ("l__", "r__")]),
            )

    return joined.mapInPandas(run, schema)


def score_pairs(records: DataFrame, pairs: DataFrame, shipped: ShippedContext) -> DataFrame:
    """Candidate pairs with ``weight``, ``probability``, ``disagreement``, ``forced`` and a
    ``gamma_<column>`` level per comparison, scored by the frozen model."""
    gammas = shipped.gammas

    def score(
        context: MatchContext,
        features: Features,
        left: np.ndarray,
        right: np.ndarray,
        batch: pd.DataFrame,
    ) -> pd.DataFrame:
        scored = context.score(features, left, right)
        out = pd.DataFrame(
            {
                "lo": batch["lo"].to_numpy(dtype=np.int64),
                "hi": batch["hi"].to_numpy(dtype=np.int64),
                "rule": batch["rule"].to_numpy(dtype=np.int32),
                "weight": scored.weight,
                "probability": scored.probability,
                "disagreement": scored.disagreement,
                "forced": scored.forced,
            }
        )
        for k, name in enumerate(gammas):
            out[name] = scored.levels[:, k].astype(np.int8)
        return out

    schema = (
        "lo long, hi long, rule int, weight double, probability double, "
        "disagreement double, forced boolean" + "".join(f", {g} tinyint" for g in gammas)
    )
    return map_pairs(records, pairs, shipped, score, schema)


def _flagged_components(
    labels: DataFrame,
    with_components: DataFrame,
    nodes: DataFrame,
    *,
    threshold: float,
    disagreement_weight: float,
    guard: Guard,
    split_below: float,
) -> DataFrame:
    """The components the local guard would rebuild, or a superset of them (a component
    with nothing wrong comes out of the rebuild as it went in)."""
    from pyspark.sql import functions as F

    parts: list[DataFrame] = []
    if disagreement_weight > 0.0:
        parts.append(
            with_components.where(F.col("disagreement") < -MIN_DISAGREEMENT).select("component")
        )
    columns = [c for c in guard.cannot_link if c in nodes.columns]
    # Count values as the local guard does: dates by the day, NaN as missing.
    for column in columns:
        kind = dict(nodes.dtypes)[column]
        if column == "dob":
            nodes = nodes.withColumn(column, F.to_date(column))
        elif kind in ("double", "float"):
            nodes = nodes.withColumn(column, F.when(~F.isnan(column), F.col(column)))
    if guard.unique_sources:
        columns.append("_unique")
        nodes = nodes.withColumn(
            "_unique",
            F.when(F.col("source").isin(list(guard.unique_sources)), F.col("node")),
        )
    if columns:
        counts = nodes.groupBy("component").agg(*[F.countDistinct(c).alias(c) for c in columns])
        several = reduce(operator.or_, [F.col(c) > 1 for c in columns])
        parts.append(counts.where(several).select("component"))
    sizes = labels.groupBy("component").count()
    if guard.max_cluster_size is not None:
        parts.append(sizes.where(F.col("count") > guard.max_cluster_size).select("component"))
    if split_below > 0.0:
        floor = weak_below(split_below)
        weak = with_components.where(
            (F.col("probability") >= threshold) & (F.col("probability") < floor)
        ).select("component")
        big = sizes.where(F.col("count") >= 4).select("component")
        parts.append(weak.join(big, "component"))
    if not parts:
        return labels.select("component").limit(0)
    flagged = parts[0]
    for part in parts[1:]:
        flagged = flagged.unionByName(part)
    return flagged.distinct()


def cluster_anchors(
    scored: DataFrame,
    records: DataFrame,
    *,
    threshold: float,
    disagreement_weight: float,
    guard: Guard,
    split_below: float,
    checkpoint: Checkpoint,
) -> tuple[DataFrame, DataFrame]:
    """``(node, anchor)`` for every record in a cluster of two or more, as the local
    :func:`singleview.cluster.guarded_components` anchors them, and the components the
    guard rebuilt (``component``).  Records not listed are their own anchor.  The guard
    rebuilds each flagged component in one Python call with its pairs and its records'
    cannot-link values (a cogroup); a flagged component with nothing wrong comes out as
    it went in."""
    from pyspark.sql import functions as F

    links = scored.where(F.col("probability") >= threshold).select(
        F.col("hi").alias("a"), F.col("lo").alias("b")
    )
    labels = connected_components(links, checkpoint=checkpoint)
    if (
        disagreement_weight <= 0.0
        and not guard.cannot_link
        and not guard.unique_sources
        and guard.max_cluster_size is None
        and split_below <= 0.0
    ):  # no guard at all: the components are the customers
        return labels.withColumnRenamed("component", "anchor"), labels.limit(0)
    with_components = (
        scored.join(
            labels.select(F.col("node").alias("lo"), F.col("component").alias("c_l")), "lo", "left"
        )
        .join(
            labels.select(F.col("node").alias("hi"), F.col("component").alias("c_r")), "hi", "left"
        )
        .where(F.col("c_l").isNotNull() & (F.col("c_l") == F.col("c_r")))
        .select(
            F.col("c_l").alias("component"),
            "lo",
            "hi",
            "probability",
            "disagreement",
            "forced",
        )
    )
    with_components = checkpoint(with_components)
    wanted = [c for c in dict.fromkeys(["source", *guard.cannot_link]) if c in records.columns]
    nodes = labels.join(records.select(F.col(POSITION).alias("node"), *wanted), "node")
    suspicious = checkpoint(
        _flagged_components(
            labels,
            with_components,
            nodes,
            threshold=threshold,
            disagreement_weight=disagreement_weight,
            guard=guard,
            split_below=split_below,
        )
    )

    def rebuild(pairs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
        pairs = pairs.sort_values(["lo", "hi"], kind="mergesort", ignore_index=True)
        members = members.sort_values("node", kind="mergesort", ignore_index=True)
        lo = pairs["lo"].to_numpy(dtype=np.int64)
        hi = pairs["hi"].to_numpy(dtype=np.int64)
        nodes = members["node"].to_numpy(dtype=np.int64)
        anchors, _ = guarded_components(
            len(nodes),
            np.searchsorted(nodes, lo),
            np.searchsorted(nodes, hi),
            pairs["probability"].to_numpy(dtype=np.float64),
            pairs["disagreement"].to_numpy(dtype=np.float64),
            threshold=threshold,
            disagreement_weight=disagreement_weight,
            forced=pairs["forced"].to_numpy(dtype=bool),
            constraints=guard.constraints(members),
            max_size=guard.max_cluster_size,
            split_below=split_below,
        )
        return pd.DataFrame({"node": nodes, "anchor": nodes[anchors]})

    rebuilt = (
        with_components.join(suspicious, "component")
        .groupBy("component")
        .cogroup(nodes.join(suspicious, "component").groupBy("component"))
        .applyInPandas(rebuild, "node long, anchor long")
    )
    kept = labels.join(rebuilt.select("node"), "node", "left_anti").select(
        "node", F.col("component").alias("anchor")
    )
    return checkpoint(kept.unionByName(rebuilt)), suspicious


def customer_clusters(records: DataFrame, anchors: DataFrame) -> DataFrame:
    """``(position, source, source_id, customer_id)`` for every record: the id of its
    anchor record (:func:`singleview.cluster.record_customer_ids`)."""
    from pyspark.sql import functions as F

    keyed = records.select(POSITION, "source", "source_id")
    anchored = keyed.join(
        anchors.select(F.col("node").alias(POSITION), "anchor"), POSITION, "left"
    ).select(POSITION, "source", "source_id", F.coalesce("anchor", POSITION).alias("anchor"))
    named = anchored.join(
        keyed.select(
            F.col(POSITION).alias("anchor"),
            F.col("source").alias("anchor_source"),
            F.col("source_id").alias("anchor_source_id"),
        ),
        "anchor",
    )

    def ids(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield pd.DataFrame(
                {
                    POSITION: batch[POSITION].to_numpy(dtype=np.int64),
                    "source": batch["source"].to_numpy(dtype=object),
                    "source_id": batch["source_id"].to_numpy(dtype=object),
                    "customer_id": record_customer_ids(
                        batch["anchor_source"].to_numpy(dtype=object),
                        batch["anchor_source_id"].to_numpy(dtype=object),
                    ),
                }
            )

    return named.mapInPandas(
        ids, "position long, source string, source_id string, customer_id string"
    )
