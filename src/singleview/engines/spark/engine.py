"""The Spark engine: the local pipeline's decisions and maths, Spark's joins and aggregates.

``sv.resolve(sources, engine=sv.SparkEngine(spark))`` gives the clusters, customer ids,
scores and profiles of the local engine on the same data and seed.  Stage by stage:

* **load**: each source is read and cleaned by its own adapter (pandas sources on the
  driver, as locally); the records go to Spark with their canonical positions.  Generic
  identifier values are found by aggregates and removed in ``mapInPandas``.
* **features**: name spellings and the zero-config facts (coverage, distinct values and
  sources per field, pairs per candidate rule) are aggregates; the local autoconfig code
  decides on them.
* **blocking**: per-record key hashes (``mapInPandas``), oversized blocks dropped, a self-join
  per rule and the first rule per pair (``groupBy``).
* **compare / fit**: levels in ``mapInPandas``; EM on pattern counts
  (:mod:`.fitting`), fitted on the driver.
* **probe**: the zero-config probe of broad rules (:mod:`.probing`).
* **score / cluster**: scores in ``mapInPandas``; large-star/small-star components and
  the over-merge guard per suspicious component (:mod:`.matching`).
* **profiles**: survivorship per group of whole customers (``applyInPandas``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...autoconfig import (
    DISTINGUISH,
    FAMILY,
    block_limit,
    candidate_rules,
)
from ...blocking import rule_name
from ...constraints import Guard, check_unique_sources
from ...features import build_features
from ...generic import remove_values
from ...model import FellegiSunter
from ...settings import Settings
from ...sources import Source
from ...store.context import MatchContext
from ..choices import MIN_PROBE_PAIRS, check_names, choose, probe_plan, with_probe_columns
from ..loading import check_sources, combine
from ..timing import StageTimer
from .fitting import FitCache, compare_candidates, label_levels, spark_fit_stats
from .frames import POSITION, arrow_ready, to_canonical, to_spark
from .matching import ShippedContext, cluster_anchors, customer_clusters, score_pairs
from .profiles import golden_profiles
from .result import SparkResult, pairs_out
from .training import RuleKeys, SparkSummary, generic_issues, generic_values, name_spellings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkEngine"]

logger = logging.getLogger(__name__)


class SparkEngine:
    """Runs the pipeline on Apache Spark (see the module docstring).

    Parameters:
        spark: the session to run on.
        partitions: partitions of the records frame (default: twice the default
            parallelism); pairs are repartitioned by Spark's shuffle settings.
        checkpoint_dir: where iterative stages checkpoint (default: the session's
            checkpoint directory if set, else local checkpoints on the executors).

    Example:
        >>> engine = SparkEngine(spark)  # doctest: +SKIP
        >>> result = sv.resolve(sources, engine=engine)  # doctest: +SKIP
    """

    name = "spark"

    def __init__(
        self,
        spark: SparkSession,
        *,
        partitions: int | None = None,
        checkpoint_dir: str | None = None,
    ) -> None:
        self.spark = spark
        self.partitions = partitions or max(2 * spark.sparkContext.defaultParallelism, 2)
        if checkpoint_dir is not None:
            spark.sparkContext.setCheckpointDir(checkpoint_dir)
        self._reliable = spark.sparkContext.getCheckpointDir() is not None

    def __repr__(self) -> str:
        return f"SparkEngine(partitions={self.partitions})"

    def checkpoint(self, frame: DataFrame) -> DataFrame:
        """``frame`` materialised with its lineage cut."""
        return frame.checkpoint(eager=True) if self._reliable else frame.localCheckpoint(eager=True)

    def run(
        self,
        sources: Sequence[Source],
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
        labels: pd.DataFrame | None = None,
    ) -> SparkResult:
        """Resolve ``sources``; the result's frames are Spark DataFrames (``labels``: see
        :mod:`singleview.labels`)."""
        timer = StageTimer(settings.progress)
        try:
            return self._run(
                sources,
                timer,
                settings=settings,
                link_within=link_within,
                random_state=random_state,
                threshold=threshold,
                labels=labels,
            )
        finally:
            timer.close()

    # -- stages ---------------------------------------------------------------------------
    def _load(
        self, sources: Sequence[Source], settings: Settings
    ) -> tuple[DataFrame, DataFrame, pd.DataFrame, dict[str, int], dict[str, int]]:
        from .loading import QUARANTINE_SCHEMA, load_sources

        check_sources(sources)
        remote = [s for s in sources if getattr(s, "spark_data", None) is not None]
        local = [s for s in sources if s not in remote]
        priority = {s.name: s.options.priority for s in sources}
        if not remote:
            records, found, issues, rows_in, _ = combine(sources)
            raw = to_spark(self.spark, records, self.partitions)
            quarantine = self.spark.createDataFrame(
                found[["source", "source_id", "reason", "row"]].astype(object), QUARANTINE_SCHEMA
            )
            del records
        else:
            raw, quarantine, issues, counted = load_sources(
                self.spark,
                remote,
                combine(local) if local else None,
                partitions=self.partitions,
                checkpoint=self.checkpoint,
            )
            rows_in = {s.name: counted[s.name] for s in sources}
        generic = generic_values(raw, max_names=settings.max_names_per_value)
        if generic:
            found_issues = generic_issues(raw, generic)
            if len(found_issues):
                issues = pd.concat([issues, found_issues], ignore_index=True)
            schema = raw.schema

            def cleaned(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
                for batch in batches:
                    yield arrow_ready(remove_values(to_canonical(batch), generic)[0])

            raw = raw.mapInPandas(cleaned, schema)
        return self.checkpoint(raw), self.checkpoint(quarantine), issues, rows_in, priority

    def _run(
        self,
        sources: Sequence[Source],
        timer: StageTimer,
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
        labels: pd.DataFrame | None = None,
    ) -> SparkResult:
        from pyspark.sql import functions as F

        with timer.stage("load"):
            records, quarantine, issues, rows_in, priority = self._load(sources, settings)
            sizes_frame = records.groupBy("source").count().toPandas().sort_values("source")
            source_names = sizes_frame["source"].astype(str).tolist()
            check_unique_sources(settings.unique_sources, source_names)
            source_sizes = sizes_frame["count"].to_numpy(dtype=np.int64)
            n = int(source_sizes.sum())
        timer.stats["records"] = n
        timer.stats["quarantined"] = quarantine.count()
        record_columns = [c for c in records.columns if c != POSITION]
        base = MatchContext(
            model=FellegiSunter([]),
            rules=[],
            forced_rules=[tuple(r) for r in settings.rules],
            threshold=threshold,
            link_within=link_within,
            disagreement_weight=settings.disagreement_weight,
            stopped={},
            generic={},
            spellings=None,
            names_from_email=settings.names_from_email,
        )
        with timer.stage("features"):
            if settings.names_from_email:
                base.spellings = name_spellings(records)
            shipped = ShippedContext(self.spark, base)
            summary = SparkSummary(records, shipped, n)
        timer.stats["names_from_email"] = summary.inferred
        weighed = (
            [tuple(r) for r in settings.blocking]
            if settings.blocking is not None
            else candidate_rules(summary.columns())
        )
        weighed += [tuple(r) for r in settings.rules if tuple(r) not in weighed]
        with timer.stage("blocking"):
            keyed = RuleKeys(
                records,
                shipped,
                weighed,
                link_within=link_within,
                max_block_size=block_limit(settings),
            )
        summary.rule_keys = keyed
        choices = choose(summary, settings, link_within=link_within)
        comparisons, _, groups, training = choices
        check_names(
            build_features(
                to_canonical(pd.DataFrame({c: pd.Series(dtype=object) for c in record_columns}))
            ),
            choices,
        )
        rules, n_core, probing = probe_plan(choices, settings)
        with timer.stage("blocking"):
            blocked = rules[:n_core] if probing else rules
            candidates = self.checkpoint(keyed_pairs(keyed, rules, blocked, link_within))
            n_candidates = candidates.count()
            if probing and n_candidates < MIN_PROBE_PAIRS:
                probing = False
                blocked = rules
                candidates = self.checkpoint(keyed_pairs(keyed, rules, blocked, link_within))
                n_candidates = candidates.count()
        model = FellegiSunter(
            comparisons,
            groups=groups,
            distinguish=settings.distinguish if settings.distinguish is not None else DISTINGUISH,
            family=settings.family if settings.family is not None else FAMILY,
            u_sample_size=settings.u_sample_size,
            max_iterations=settings.em_max_iterations,
            tolerance=settings.em_tolerance,
            random_state=random_state,
        )
        base.model = model
        base.rules = list(rules)
        fitted = n >= 2 and bool(comparisons) and n_candidates > 0
        context = None
        scored = None
        blocking_stats = block_stats(keyed, rules, blocked, candidates)
        if fitted:
            fit_cache = FitCache(self.checkpoint)
            comparing = ShippedContext(self.spark, base)
            with timer.stage("compare"):
                compared = self.checkpoint(
                    compare_candidates(
                        records,
                        candidates,
                        comparing,
                        sessions=training,
                        source_names=source_names,
                    )
                )
                if labels is not None:
                    timer.stats["labels"] = label_levels(
                        self.spark, records, labels, comparing, model, source_names=source_names
                    )
            with timer.stage("fit"):
                stats = spark_fit_stats(
                    self.spark,
                    records,
                    compared,
                    comparing,
                    model,
                    sessions=training,
                    source_names=source_names,
                    source_sizes=source_sizes,
                    link_within=link_within,
                    cache=fit_cache,
                )
                model.fit_from_stats(stats)
            if probing:
                from .probing import probe_rules

                candidates, compared, blocking_stats = probe_rules(
                    self,
                    records,
                    keyed,
                    candidates=candidates,
                    compared=compared,
                    model=model,
                    base=base,
                    rules=rules,
                    first_optional=n_core,
                    timer=timer,
                    settings=settings,
                    training=training,
                    source_names=source_names,
                    source_sizes=source_sizes,
                    threshold=threshold,
                    random_state=random_state,
                    cache=fit_cache,
                )
            used = blocking_stats.loc[blocking_stats["used"].astype(bool), "rule"].tolist()
            context = MatchContext(
                model=model,
                rules=[r for r in rules if rule_name(r) in used],
                forced_rules=[tuple(r) for r in settings.rules],
                threshold=threshold,
                link_within=link_within,
                disagreement_weight=settings.disagreement_weight,
                stopped={},
                generic={},
                spellings=base.spellings,
                names_from_email=settings.names_from_email,
            )
            with timer.stage("score"):
                scored = self.checkpoint(
                    score_pairs(records, candidates, ShippedContext(self.spark, context))
                )
            n_candidates = candidates.count()
        keyed.release()
        timer.stats["candidate_pairs"] = int(n_candidates)
        timer.stats["string_comparisons"] = int(n_candidates) * sum(
            c.kind != "exact" for c in comparisons
        )
        with timer.stage("cluster"):
            if scored is not None:
                timer.stats["edges"] = scored.where(F.col("probability") >= threshold).count()
                guard = Guard.from_settings(settings, model)
                timer.stats["cannot_link"] = _applied(records, guard)
                anchors, rebuilt = cluster_anchors(
                    scored,
                    records,
                    threshold=threshold,
                    disagreement_weight=settings.disagreement_weight,
                    guard=guard,
                    split_below=settings.split_below_bits,
                    checkpoint=self.checkpoint,
                )
                timer.stats["components_rebuilt"] = rebuilt.count()
            else:
                timer.stats["edges"] = 0
                timer.stats["components_rebuilt"] = 0
                anchors = self.spark.createDataFrame([], "node long, anchor long")
            clusters = self.checkpoint(customer_clusters(records, anchors))
        with timer.stage("profiles"):
            profiles = self.checkpoint(
                golden_profiles(
                    records,
                    clusters,
                    priority=priority,
                    survivorship=settings.survivorship,
                    partitions=self.partitions,
                )
            )
            timer.stats["customers"] = profiles.count()
        pairs = (
            pairs_out(
                records, scored, rules=rules, comparisons=comparisons, floor=settings.pairs_floor
            )
            if scored is not None
            else None
        )
        return SparkResult(
            clusters=clusters.orderBy(POSITION).drop(POSITION),
            profiles=profiles.orderBy("customer_id"),
            pairs=pairs,
            quarantine=quarantine,
            records=records.orderBy(POSITION).drop(POSITION),
            issues=issues,
            blocking=blocking_stats,
            model=model if fitted else None,
            threshold=threshold,
            stats=timer.stats,
            rows_in=rows_in,
            context=context,
            spark=self.spark,
        )


def keyed_pairs(
    keyed: RuleKeys,
    rules: Sequence[tuple[str, ...]],
    blocked: Sequence[tuple[str, ...]],
    link_within: bool,
) -> DataFrame:
    """Distinct candidate pairs ``(lo, hi, rule)`` of the ``blocked`` rules, ``rule`` the
    index in ``rules`` of the first that finds the pair; oversized blocks are skipped."""
    from pyspark.sql import functions as F

    mapping = {keyed.rules.index(tuple(r)): rules.index(tuple(r)) for r in blocked}
    if not mapping:
        return keyed.keys.sparkSession.createDataFrame([], "lo long, hi long, rule int")
    index = F.create_map(*[F.lit(x) for pair in mapping.items() for x in pair])
    keys = (
        keyed.keys.where(F.col("rule").isin(list(mapping)))
        .join(
            keyed.blocks.where(F.col("oversized")).select("rule", "key"),
            ["rule", "key"],
            "left_anti",
        )
        .withColumn("rule", index[F.col("rule")])
    )
    left = keys.select("rule", "key", F.col(POSITION).alias("lo"), F.col("source").alias("s_l"))
    right = keys.select("rule", "key", F.col(POSITION).alias("hi"), F.col("source").alias("s_r"))
    pairs = left.join(right, ["rule", "key"]).where(F.col("lo") < F.col("hi"))
    if not link_within:
        pairs = pairs.where(F.col("s_l") != F.col("s_r"))
    return pairs.groupBy("lo", "hi").agg(F.min("rule").cast("int").alias("rule"))


def block_stats(
    keyed: RuleKeys,
    rules: Sequence[tuple[str, ...]],
    blocked: Sequence[tuple[str, ...]],
    candidates: DataFrame,
) -> pd.DataFrame:
    """The local engine's blocking stats frame for the ``blocked`` rules (the probe's
    columns as a run without a probe has them)."""
    found = candidates.groupBy("rule").count().toPandas()
    new = dict(zip(found["rule"].astype(int), found["count"].astype(int), strict=True))
    rows: list[dict[str, Any]] = []
    for rule in blocked:
        rows.append(
            {
                "rule": rule_name(rule),
                **keyed.plan(rule),
                "new_pairs": new.get(rules.index(tuple(rule)), 0),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "rule",
            "blocks",
            "records",
            "pairs",
            "skipped_blocks",
            "skipped_records",
            "skipped_pairs",
            "new_pairs",
        ],
    )
    frame["new_pairs"] = frame["new_pairs"].astype(np.int64)
    return with_probe_columns(frame)


def _applied(records: DataFrame, guard: Guard) -> list[str]:
    """The cannot-link columns that hold a value in ``records`` (one Spark job)."""
    from pyspark.sql import functions as F

    present = [c for c in guard.cannot_link if c in records.columns]
    if not present:
        return []
    row = records.agg(*[F.count(F.col(c)).alias(c) for c in present]).collect()[0]
    return [c for c in present if int(row[c]) > 0]
