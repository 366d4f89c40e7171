"""The zero-config blocking probe (:mod:`singleview.probe`) on Spark, draw for draw.

The probe's random generator decides which pairs of a broad rule are scored, so the
Spark engine makes the same draws from the same numbers: per rule, the sizes of its blocks
in the order blocking meets them (a block's first record and value slot), or the count of
the rule's new pairs, go to the driver; the driver draws with the local code
(:func:`~singleview.probe.draw_block_pairs`, ``rng.choice``), and Spark fetches the drawn
pairs, scores them with the model fitted so far and counts the links.  The driver sees
one integer per block of a probed rule, never its pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...autoconfig import block_limit
from ...blocking import rule_name
from ...model import FellegiSunter
from ...probe import draw_block_pairs, regrown_draw, remeasured, required_yield
from ...settings import Settings
from ...store.context import MatchContext
from ..timing import StageTimer
from .fitting import FitCache, compare_candidates, spark_fit_stats
from .frames import POSITION
from .matching import ShippedContext, score_pairs
from .training import RuleKeys

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from .engine import SparkEngine

__all__ = ["probe_rules"]


def _sampled(
    engine: SparkEngine,
    keyed: RuleKeys,
    rule: tuple[str, ...],
    *,
    size: int,
    rng: np.random.Generator,
) -> DataFrame | None:
    """A uniform sample of the rule's pairs as ``(lo, hi)``, drawn as the local probe
    draws it; None when the rule has few pairs (make them all)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    index = keyed.rules.index(rule)
    blocks = (
        keyed.blocks.where((F.col("rule") == index) & ~F.col("oversized") & (F.col("size") > 1))
        .select("key", "size", "seen")
        .toPandas()
        .sort_values("seen", kind="mergesort", ignore_index=True)
    )
    drawn = draw_block_pairs(blocks["size"].to_numpy(dtype=np.int64), size=size, rng=rng)
    if drawn is None:
        return None
    block, i, j = drawn
    spark = keyed.keys.sparkSession
    keys = blocks["key"].to_numpy(dtype=np.int64)
    wanted = pd.DataFrame(
        {"draw": np.arange(len(block), dtype=np.int64), "key": keys[block], "i": i, "j": j}
    )
    drawn_frame = spark.createDataFrame(wanted, "draw long, key long, i long, j long")
    members = (
        keyed.keys.where(F.col("rule") == index)
        .join(F.broadcast(drawn_frame.select("key").distinct()), "key")
        .withColumn("rank", F.row_number().over(Window.partitionBy("key").orderBy(POSITION)) - 1)
        .select("key", "rank", POSITION)
    )
    first = members.select("key", F.col("rank").alias("i"), F.col(POSITION).alias("a"))
    second = members.select("key", F.col("rank").alias("j"), F.col(POSITION).alias("b"))
    pairs = drawn_frame.join(first, ["key", "i"]).join(second, ["key", "j"])
    return pairs.select(F.least("a", "b").alias("lo"), F.greatest("a", "b").alias("hi"))


def _fresh_sample(
    engine: SparkEngine,
    keyed: RuleKeys,
    rule: tuple[str, ...],
    known: DataFrame,
    *,
    target: int,
    rng: np.random.Generator,
) -> tuple[DataFrame, int, float] | None:
    """The local probe's sample of pairs the rule would add (drawn again, larger, when few
    of the first draw's are new: :func:`~singleview.probe.regrown_draw`), their count and
    the share of the drawn pairs that were new; None when the rule has few pairs."""
    size = target
    while True:
        sample = _sampled(engine, keyed, rule, size=size, rng=rng)
        if sample is None:
            return None
        sample = engine.checkpoint(sample)
        drawn = sample.count()
        fresh = engine.checkpoint(sample.join(known.select("lo", "hi"), ["lo", "hi"], "left_anti"))
        found = fresh.count()
        grown = regrown_draw(target, size, found)
        if grown is None:
            return fresh, found, found / max(drawn, 1)
        size = grown


def _indexed(frame: DataFrame, chosen: np.ndarray) -> DataFrame:
    """The rows of ``frame`` (``lo``, ``hi``) at positions ``chosen`` of its (lo, hi)
    order."""
    from pyspark.sql import functions as F

    spark = frame.sparkSession
    numbered = (
        frame.select("lo", "hi")
        .orderBy("lo", "hi")
        .rdd.zipWithIndex()
        .map(lambda pair: (pair[0][0], pair[0][1], pair[1]))
    )
    table = spark.createDataFrame(numbered, "lo long, hi long, n long")
    picks = spark.createDataFrame(pd.DataFrame({"n": np.asarray(chosen, dtype=np.int64)}), "n long")
    return table.join(F.broadcast(picks), "n").select("lo", "hi")


def probe_rules(
    engine: SparkEngine,
    records: DataFrame,
    keyed: RuleKeys,
    *,
    candidates: DataFrame,
    compared: DataFrame,
    model: FellegiSunter,
    base: MatchContext,
    rules: Sequence[tuple[str, ...]],
    first_optional: int,
    timer: StageTimer,
    settings: Settings,
    training: Sequence[tuple[str, ...]],
    source_names: Sequence[str],
    source_sizes: np.ndarray,
    threshold: float,
    random_state: int,
    cache: FitCache,
) -> tuple[DataFrame, DataFrame, pd.DataFrame]:
    """The local engine's probe (:func:`singleview.probe.probe_rules`, then comparing the
    pairs the kept rules add and fitting the model again): candidates ``(lo, hi, rule)``,
    compared candidates and the blocking stats."""
    from pyspark.sql import functions as F

    from .engine import block_stats, keyed_pairs

    spark = engine.spark
    link_within = base.link_within
    with timer.stage("probe"):
        # Scores as the local probe's: the model fitted on the tight rules, no forcing rule.
        scoring = ShippedContext(spark, replace(base, model=model, forced_rules=[]))
        rng = np.random.default_rng(random_state)
        known = candidates
        rows: list[dict[str, Any]] = []
        added = []
        for index in range(first_optional, len(rules)):
            rule = tuple(rules[index])
            plan = keyed.plan(rule)
            stats_row: dict[str, Any] = {"rule": rule_name(rule), **plan}
            scale = settings.yield_scale_pairs if block_limit(settings).is_broad(rule) else 0
            new: DataFrame | None = None
            count = 0
            target = settings.probe_pairs
            while True:  # as the local probe: a larger sample when its rate is near the bar
                fresh_sample = (
                    _fresh_sample(engine, keyed, rule, known, target=target, rng=rng)
                    if link_within
                    else None
                )
                if fresh_sample is None:  # few pairs (or a link across sources): make them all
                    if new is None:
                        new = engine.checkpoint(
                            keyed_pairs(keyed, rules, [rule], link_within)
                            .select("lo", "hi")
                            .join(known.select("lo", "hi"), ["lo", "hi"], "left_anti")
                        )
                        count = new.count()
                    take = min(target, count)
                    chosen = (
                        np.sort(rng.choice(count, size=take, replace=False))
                        if take
                        else np.empty(0, dtype=np.int64)
                    )
                    sample = _indexed(new, chosen) if take else None
                    expected = count
                else:
                    sample, take, share = fresh_sample
                    expected = round(plan["pairs"] * share)
                if take and sample is not None:
                    scored = score_pairs(records, sample.withColumn("rule", F.lit(index)), scoring)
                    rate = scored.where(F.col("probability") >= threshold).count() / take
                else:
                    rate = 0.0
                needed = required_yield(settings.min_rule_yield, expected, scale)
                larger = remeasured(
                    rate,
                    needed,
                    take,
                    expected=expected,
                    target=target,
                    sample_size=settings.probe_pairs,
                )
                if larger is None:
                    break
                target = larger
            used = take > 0 and rate >= needed
            if used and new is None:
                new = engine.checkpoint(
                    keyed_pairs(keyed, rules, [rule], link_within)
                    .select("lo", "hi")
                    .join(known.select("lo", "hi"), ["lo", "hi"], "left_anti")
                )
            probed = new.count() if new is not None else expected
            stats_row |= {"probed_pairs": int(probed), "link_rate": rate, "used": used}
            rows.append(stats_row)
            if used and new is not None:
                fresh = new.withColumn("rule", F.lit(index).cast("int"))
                added.append(fresh)
                known = engine.checkpoint(known.unionByName(fresh))
        core = block_stats(keyed, rules, rules[:first_optional], candidates)
        stats = pd.concat([core, pd.DataFrame(rows)], ignore_index=True)
        found = known.groupBy("rule").count().toPandas()
        per_rule = dict(zip(found["rule"].astype(int), found["count"].astype(int), strict=True))
        stats["new_pairs"] = [per_rule.get(i, 0) for i in range(len(rules))]
        stats["new_pairs"] = stats["new_pairs"].astype(np.int64)
        stats["used"] = stats["used"].astype(bool)
    if not added:
        return candidates, compared, stats
    with timer.stage("compare"):
        comparing = ShippedContext(spark, replace(base, model=model))
        extra = compare_candidates(
            records,
            added[0] if len(added) == 1 else _union(added),
            comparing,
            sessions=training,
            source_names=source_names,
        )
        compared = engine.checkpoint(compared.unionByName(extra))
    with timer.stage("fit"):
        fit = spark_fit_stats(
            spark,
            records,
            compared,
            comparing,
            model,
            sessions=training,
            source_names=source_names,
            source_sizes=source_sizes,
            link_within=link_within,
            cache=cache,
        )
        model.fit_from_stats(fit)
    return known, compared, stats


def _union(frames: list[DataFrame]) -> DataFrame:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out
