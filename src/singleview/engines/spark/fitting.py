"""The model's sufficient statistics (:class:`~singleview.fit_stats.FitStats`) by Spark.

Candidate pairs are compared in ``mapInPandas`` with the local comparison code; Spark
counts them per (level pattern, training sessions, source stratum).  The random pairs
behind u are drawn on the driver with the local engine's generator (positions only, at most
``u_sample_size`` of them), compared the same way, and counted per (own pattern, pattern of
the candidate pair they are).  Term frequencies are value counts.  The driver receives
counts, never pairs or records, and :meth:`~singleview.model.FellegiSunter.fit_from_stats`
fits exactly the model the local engine fits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...blocking import agree
from ...em import pattern_index
from ...features import Features, base_columns
from ...fit_stats import FitStats, SessionCounts, random_pattern_counts
from ...labels import read_labels
from ...model import FellegiSunter, random_pairs
from ...priors import stratum_of
from ...scoring import compare_pairs
from ...store.context import MatchContext
from .frames import POSITION
from .matching import ShippedContext, batch_features, map_pairs

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

__all__ = ["FitCache", "compare_candidates", "label_levels", "spark_fit_stats"]


@dataclass
class FitCache:
    """What a run's fits share: the random pairs behind u and their levels (they depend on
    the records and the comparisons only), materialised by ``keep``."""

    keep: Callable[[DataFrame], DataFrame]
    levelled: DataFrame | None = None


def _untaught(features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    inferred = features.inferred_names
    if inferred is None:
        return np.ones(len(left), dtype=bool)
    return np.asarray(~(inferred[left] | inferred[right]), dtype=bool)


def compare_candidates(
    records: DataFrame,
    pairs: DataFrame,
    shipped: ShippedContext,
    *,
    sessions: Sequence[tuple[str, ...]],
    source_names: Sequence[str],
) -> DataFrame:
    """Candidate pairs with their levels (``gamma_<column>``), one flag per training
    session (``session_<i>``: agreeing on its keys, neither name read from an e-mail) and
    their source ``stratum``."""
    gammas = shipped.gammas
    names = [str(n) for n in source_names]

    def compare(
        context: MatchContext,
        features: Features,
        left: np.ndarray,
        right: np.ndarray,
        batch: pd.DataFrame,
    ) -> pd.DataFrame:
        levels = compare_pairs(features, context.model, left, right).levels
        out = {
            "lo": batch["lo"].to_numpy(dtype=np.int64),
            "hi": batch["hi"].to_numpy(dtype=np.int64),
        }
        for k, name in enumerate(gammas):
            out[name] = levels[:, k]
        untaught = _untaught(features, left, right)
        for i, keys in enumerate(sessions):
            out[f"session_{i}"] = agree(features, keys, left, right) & untaught
        codes = np.asarray([names.index(str(s)) for s in features.source_names], dtype=np.int64)
        out["stratum"] = stratum_of(
            codes[features.source[left]], codes[features.source[right]], len(names)
        )
        return pd.DataFrame(out)

    schema = (
        "lo long, hi long"
        + "".join(f", {g} tinyint" for g in gammas)
        + "".join(f", session_{i} boolean" for i in range(len(sessions)))
        + ", stratum long"
    )
    return map_pairs(records, pairs, shipped, compare, schema)


def _random_levels(
    spark: SparkSession,
    records: DataFrame,
    shipped: ShippedContext,
    *,
    left: np.ndarray,
    right: np.ndarray,
) -> DataFrame:
    """The random pairs ``(a, b)`` (ordered) with their levels."""
    from pyspark.sql import functions as F

    gammas = shipped.gammas
    drawn = spark.createDataFrame(
        pd.DataFrame({"lo": left.astype(np.int64), "hi": right.astype(np.int64)}),
        "lo long, hi long",
    ).withColumn("draw", F.monotonically_increasing_id())

    def compare(
        context: MatchContext,
        features: Features,
        left: np.ndarray,
        right: np.ndarray,
        batch: pd.DataFrame,
    ) -> pd.DataFrame:
        levels = compare_pairs(features, context.model, left, right).levels
        lo = batch["lo"].to_numpy(dtype=np.int64)
        hi = batch["hi"].to_numpy(dtype=np.int64)
        out = {
            "a": np.minimum(lo, hi),
            "b": np.maximum(lo, hi),
        }
        for k, name in enumerate(gammas):
            out[name] = levels[:, k]
        return pd.DataFrame(out)

    schema = "a long, b long" + "".join(f", {g} tinyint" for g in gammas)
    levelled: DataFrame = map_pairs(records, drawn, shipped, compare, schema)
    return levelled


def _random_counts(levelled: DataFrame, compared: DataFrame, gammas: list[str]) -> pd.DataFrame:
    """Counts of (random pair levels, levels of the candidate pair it is, or null)."""
    from pyspark.sql import functions as F

    candidates = compared.select(
        F.col("lo").alias("a"),
        F.col("hi").alias("b"),
        *[F.col(g).alias(f"c_{g}") for g in gammas],
        F.lit(True).alias("candidate"),
    )
    joined = levelled.join(candidates, ["a", "b"], "left")
    return joined.groupBy(*gammas, "candidate", *[f"c_{g}" for g in gammas]).count().toPandas()


def _tf_counts(
    records: DataFrame, shipped: ShippedContext, columns: Sequence[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per column, distinct values in first-seen order and how many records hold each
    (what :meth:`~singleview.features.Coded.counts` gives over all records)."""
    from pyspark.sql import functions as F

    wanted = list(columns)
    if not wanted:
        return {}

    def counts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if len(batch) == 0:
                continue
            found, features = batch_features(shipped.get(), batch)
            positions = found[POSITION].to_numpy(dtype=np.int64)
            for column in wanted:
                coded = features[column]
                flat = coded.codes.ravel()
                slots = np.arange(len(flat), dtype=np.int64)
                held = flat >= 0
                # First (row, slot) holding each value: its place in first-seen order.
                first = np.full(len(coded.values), np.iinfo(np.int64).max, dtype=np.int64)
                order = positions[slots[held] // coded.width] * 8 + slots[held] % coded.width
                np.minimum.at(first, flat[held], order)
                # Object columns: Arrow gets plain arrays (pandas 3's default string dtype
                # can hand it chunked ones, which pyspark cannot send).
                yield pd.DataFrame(
                    {
                        "column": np.full(len(coded.values), column, dtype=object),
                        "value": np.asarray([str(v) for v in coded.values], dtype=object),
                        "count": coded.counts(),
                        "first": first,
                    }
                )

    table = (
        records.mapInPandas(counts, "column string, value string, count long, first long")
        .groupBy("column", "value")
        .agg(F.sum("count").alias("count"), F.min("first").alias("first"))
        .toPandas()
        .sort_values(["column", "first"], kind="mergesort")
    )
    return {
        column: (
            table.loc[table["column"] == column, "value"].to_numpy(dtype=object),
            table.loc[table["column"] == column, "count"].to_numpy(dtype=np.int64),
        )
        for column in wanted
    }


def spark_fit_stats(
    spark: SparkSession,
    records: DataFrame,
    compared: DataFrame,
    shipped: ShippedContext,
    model: FellegiSunter,
    *,
    sessions: Sequence[tuple[str, ...]],
    source_names: Sequence[str],
    source_sizes: np.ndarray,
    link_within: bool,
    cache: FitCache,
) -> FitStats:
    """:class:`FitStats` of the ``compared`` candidates (see :func:`compare_candidates`).
    The random pairs' levels are kept in ``cache`` for a later fit of the same run."""
    gammas = shipped.gammas
    flags = [f"session_{i}" for i in range(len(sessions))]
    table = compared.groupBy(*gammas, *flags, "stratum").count().toPandas()
    weights = table["count"].to_numpy(dtype=np.int64)
    ids, patterns = pattern_index(table[gammas].to_numpy(dtype=np.int8).reshape(-1, len(gammas)))
    width = len(patterns)

    def tally(rows: np.ndarray) -> np.ndarray:
        return np.bincount(ids[rows], weights=weights[rows], minlength=width).astype(np.int64)

    everything = np.ones(len(table), dtype=bool)
    counts = tally(everything)
    session_counts = []
    for keys, flag in zip(sessions, flags, strict=True):
        excluded = frozenset(
            k
            for k, c in enumerate(model.comparisons)
            if any(c.column in base_columns(key) for key in keys)
        )
        session_counts.append(SessionCounts(excluded, tally(table[flag].to_numpy(dtype=bool))))
    known = int(counts.sum()) > 0
    names = [str(n) for n in source_names]
    strata = None
    if known and len(names) >= 2:
        stratum = table["stratum"].to_numpy(dtype=np.int64)
        strata = np.bincount(
            stratum * max(width, 1) + ids,
            weights=weights,
            minlength=len(names) ** 2 * max(width, 1),
        ).astype(np.int64)

    ends = np.cumsum(np.asarray(source_sizes, dtype=np.int64))
    n = int(ends[-1]) if len(ends) else 0
    left, right = random_pairs(
        n,
        lambda rows: np.searchsorted(ends, rows, side="right"),
        link_within=link_within,
        size=model.u_sample_size,
        random_state=model.random_state,
    )
    if cache.levelled is None:
        cache.levelled = cache.keep(_random_levels(spark, records, shipped, left=left, right=right))
    drawn = _random_counts(cache.levelled, compared, gammas)
    random_levels = drawn[gammas].to_numpy(dtype=np.int8).reshape(-1, len(gammas))
    random_weights = drawn["count"].to_numpy(dtype=np.int64)
    candidate = None
    if known:
        number = {tuple(row): i for i, row in enumerate(patterns.tolist())}
        is_candidate = (drawn["candidate"] == True).to_numpy(dtype=bool)  # noqa: E712 - nulls are False
        own = drawn[[f"c_{g}" for g in gammas]].to_numpy(dtype=np.float64)
        candidate = np.asarray(
            [
                number[tuple(int(v) for v in row)] if hit else -1
                for row, hit in zip(own.tolist(), is_candidate.tolist(), strict=True)
            ],
            dtype=np.int64,
        )
    random_patterns, random_counts, random_candidate = random_pattern_counts(
        random_levels, candidate, width, weights=random_weights
    )
    tf = _tf_counts(records, shipped, [c.column for c in model.comparisons if c.tf_adjust])
    return FitStats(
        patterns=patterns,
        counts=counts,
        sessions=session_counts,
        random_patterns=random_patterns,
        random_counts=random_counts,
        random_candidate=random_candidate,
        source_names=names,
        source_sizes=np.asarray(source_sizes, dtype=np.int64),
        strata=strata,
        tf=tf,
        link_within=link_within,
    )


def label_levels(
    spark: SparkSession,
    records: DataFrame,
    labels: pd.DataFrame,
    shipped: ShippedContext,
    model: FellegiSunter,
    *,
    source_names: Sequence[str],
) -> dict[str, int]:
    """Give ``model`` the levels of the labelled matches (compared where the records lie;
    only the levels come back), as the local engine does; the counts for ``stats``."""
    from pyspark.sql import functions as F

    frame = read_labels(labels).reset_index(names="label")
    keys = spark.createDataFrame(
        frame.astype({"match": bool}),
        "label long, source_l string, source_id_l string, source_r string, "
        "source_id_r string, match boolean",
    )
    ids = records.select(POSITION, "source", "source_id")
    found = (
        keys.join(
            ids.select(
                F.col(POSITION).alias("lo"),
                F.col("source").alias("source_l"),
                F.col("source_id").alias("source_id_l"),
            ),
            ["source_l", "source_id_l"],
        )
        .join(
            ids.select(
                F.col(POSITION).alias("hi"),
                F.col("source").alias("source_r"),
                F.col("source_id").alias("source_id_r"),
            ),
            ["source_r", "source_id_r"],
        )
        .where(F.col("lo") != F.col("hi"))
        .select("label", "lo", "hi", "match")
    )
    counts = found.agg(
        F.count(F.lit(1)).alias("pairs"), F.sum(F.col("match").cast("long")).alias("matches")
    ).collect()[0]
    n_pairs, n_matches = int(counts["pairs"]), int(counts["matches"] or 0)
    if n_pairs < len(frame):
        logger.warning(
            "labels: %d of %d pairs name a record that was not resolved; left out",
            len(frame) - n_pairs,
            len(frame),
        )
    if n_matches:
        matched = found.where(F.col("match")).select("lo", "hi")
        compared = compare_candidates(
            records, matched, shipped, sessions=(), source_names=source_names
        )
        levels = compared.select(*shipped.gammas).toPandas().to_numpy(dtype=np.int8)
        model.set_labels(levels)
    return {"pairs": n_pairs, "matches": n_matches}
