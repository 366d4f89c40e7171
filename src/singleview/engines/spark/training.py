"""What a run decides from all its records, computed by Spark aggregates.

Generic identifier values, name spellings, the facts zero configuration weighs (coverage,
distinct values and sources per field, pairs per blocking rule) and the oversized blocks:
each is a small result collected to the driver, where the local engine's own functions
make the decision.  Records never leave the workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...autoconfig import MIN_COVERAGE
from ...blocking import BlockLimit, as_limit, rule_name
from ...errors import ConfigError
from ...features import DERIVED_KEYS
from ...handles import NameSpellings, spellings_from_counts
from ...schema import ID_PREFIX, MULTI_VALUED_FIELDS
from ...store.context import ordered_rule_keys
from .frames import POSITION
from .matching import ShippedContext, batch_features

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["RuleKeys", "SparkSummary", "generic_issues", "generic_values", "name_spellings"]

#: Value combinations one record may have on one rule (four slots per multi-valued key):
#: a block's first-seen order is ``position * SEEN_SPAN + rank``.
SEEN_SPAN = 1 << 16
#: The summary row counting records whose names were read from e-mail handles.
INFERRED = "\x00inferred"
#: Keys besides the columns that zero configuration asks about.
SUMMARY_KEYS = ("email_key", "name_key", *DERIVED_KEYS)


def _exploded(records: DataFrame, column: str) -> DataFrame:
    """``(position, value)`` per value of ``column`` (one row per value of a list)."""
    from pyspark.sql import functions as F

    if column in MULTI_VALUED_FIELDS:
        value = F.explode(F.col(column))
        return records.select(POSITION, value.alias("value"))
    return records.select(POSITION, F.col(column).alias("value")).where(F.col("value").isNotNull())


def generic_values(records: DataFrame, *, max_names: int) -> dict[str, set[object]]:
    """:func:`singleview.generic.find_generic_values` by aggregates: per identifier column,
    the values whose records hold more than ``max_names`` values of another identity field."""
    from pyspark.sql import functions as F

    if max_names <= 0 or "last_name" not in records.columns or records.isEmpty():
        return {}
    columns = [c for c in records.columns if c in MULTI_VALUED_FIELDS or c.startswith(ID_PREFIX)]
    identity = ["last_name", *columns]
    found: dict[str, set[object]] = {}
    for column in columns:
        values = _exploded(records, column)
        suspects = values.groupBy("value").count().where(F.col("count") > max_names)
        if suspects.isEmpty():
            continue
        held = values.join(suspects.select("value"), "value")
        generic: set[object] = set()
        for other in identity:
            if other == column:
                continue
            spread = _exploded(records, other).withColumnRenamed("value", "other")
            wide = (
                held.join(spread, POSITION)
                .groupBy("value")
                .agg(F.countDistinct("other").alias("n"))
                .where(F.col("n") > max_names)
            )
            generic |= {row["value"] for row in wide.collect()}
        if generic:
            found[column] = generic
    return found


def generic_issues(records: DataFrame, generic: dict[str, set[object]]) -> pd.DataFrame:
    """Issue counts of the removed generic values (as
    :func:`singleview.generic.remove_values` reports them): per source and column."""
    from pyspark.sql import functions as F

    rows = []
    for column, values in generic.items():
        hits = _exploded(records.select(POSITION, "source", column), column)
        hits = hits.join(records.select(POSITION, "source"), POSITION).where(
            F.col("value").isin(sorted(map(str, values)))
        )
        for row in hits.groupBy("source").count().orderBy(F.col("count").desc()).collect():
            rows.append(
                {
                    "source": row["source"],
                    "field": column,
                    "reason": "generic_value",
                    "count": int(row["count"]),
                }
            )
    return pd.DataFrame(rows, columns=["source", "field", "reason", "count"])


def name_spellings(records: DataFrame) -> NameSpellings | None:
    """:func:`singleview.handles.name_spellings` by aggregates (generic values are never
    names, so the records before their removal give the same spellings)."""
    from pyspark.sql import functions as F

    if not {"first_name", "last_name"} <= set(records.columns):
        return None
    named = records.where(F.col("first_name").isNotNull() & F.col("last_name").isNotNull())
    total = named.count()
    if total == 0:
        return None
    parts = []
    for column in ("first_name", "last_name"):
        counts = named.groupBy(column).count().toPandas()
        parts.append(
            spellings_from_counts(
                counts[column].to_numpy(dtype=object), counts["count"].to_numpy(dtype=np.int64)
            )
        )
    (firsts, first_counts), (lasts, last_counts) = parts
    return NameSpellings(firsts, first_counts, lasts, last_counts, int(total))


class RuleKeys:
    """Blocking keys of candidate rules, ``(rule, key, position, source)``, and per rule
    the plan figures of :func:`singleview.blocking.plan_rule` by aggregates."""

    def __init__(
        self,
        records: DataFrame,
        shipped: ShippedContext,
        rules: Sequence[tuple[str, ...]],
        *,
        link_within: bool,
        max_block_size: int | BlockLimit,
    ) -> None:
        from pyspark.sql import functions as F

        self.rules = [tuple(r) for r in rules]
        limit = as_limit(max_block_size)
        broad = [i for i, rule in enumerate(self.rules) if limit.is_broad(rule)]
        wanted = self.rules

        def keys(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                if len(batch) == 0:
                    continue
                found, features = batch_features(shipped.get(), batch)
                positions = found[POSITION].to_numpy(dtype=np.int64)
                sources = found["source"].to_numpy(dtype=object)
                for index, rule in enumerate(wanted):
                    try:
                        rows, hashed, rank = ordered_rule_keys(features, rule)
                    except ConfigError:  # a key of a column these records lack
                        continue
                    yield pd.DataFrame(
                        {
                            "rule": np.full(len(rows), index, dtype=np.int32),
                            "key": hashed,
                            POSITION: positions[rows],
                            "source": sources[rows],
                            "seen": positions[rows] * SEEN_SPAN + rank,
                        }
                    )

        self.keys = records.mapInPandas(
            keys, "rule int, key long, position long, source string, seen long"
        ).persist()
        per_source = self.keys.groupBy("rule", "key", "source").agg(F.count("*").alias("c"))
        seen = self.keys.groupBy("rule", "key").agg(F.min("seen").alias("seen"))
        blocks = (
            per_source.groupBy("rule", "key")
            .agg(F.sum("c").alias("size"), F.sum(F.col("c") * F.col("c")).alias("squares"))
            .join(seen, ["rule", "key"])
        )
        pairs = (
            (F.col("size") * (F.col("size") - 1) / 2)
            if link_within
            else ((F.col("size") * F.col("size") - F.col("squares")) / 2)
        ).cast("long")
        largest = (
            F.when(F.col("rule").isin(broad), F.lit(limit.broad)).otherwise(F.lit(limit.default))
            if broad
            else F.lit(limit.default)
        )
        blocks = blocks.withColumn("pairs", pairs).withColumn("oversized", F.col("size") > largest)
        self.blocks = blocks.persist()
        plan = self.blocks.groupBy("rule").agg(
            F.sum((F.col("size") > 1).cast("long")).alias("blocks"),
            F.sum(F.when(~F.col("oversized"), F.col("pairs")).otherwise(0)).alias("pairs"),
            F.sum(F.col("oversized").cast("long")).alias("skipped_blocks"),
            F.sum(F.when(F.col("oversized"), F.col("size")).otherwise(0)).alias("skipped_records"),
            F.sum(F.when(F.col("oversized"), F.col("pairs")).otherwise(0)).alias("skipped_pairs"),
        )
        records_per_rule = self.keys.groupBy("rule").agg(F.countDistinct(POSITION).alias("records"))
        table = plan.join(records_per_rule, "rule").toPandas().set_index("rule")
        self._plan: dict[tuple[str, ...], dict[str, int]] = {}
        for index, rule in enumerate(self.rules):
            known = index in table.index
            self._plan[rule] = {
                name: int(table[name].get(index, 0)) if known else 0
                for name in (
                    "blocks",
                    "records",
                    "pairs",
                    "skipped_blocks",
                    "skipped_records",
                    "skipped_pairs",
                )
            }

    def plan(self, rule: Sequence[str]) -> dict[str, int]:
        """Blocks, records, pairs and skipped figures of one rule (zeros if unknown)."""
        return self._plan[tuple(rule)]

    def stopped(self, rules: Sequence[tuple[str, ...]]) -> dict[str, set[int]]:
        """Per rule name: the keys of its oversized blocks (few: each holds many records)."""
        from pyspark.sql import functions as F

        indices = [self.rules.index(tuple(r)) for r in rules]
        found = (
            self.blocks.where(F.col("oversized") & F.col("rule").isin(indices))
            .select("rule", "key")
            .collect()
        )
        stopped: dict[str, set[int]] = {}
        for row in found:
            stopped.setdefault(rule_name(self.rules[row["rule"]]), set()).add(int(row["key"]))
        return stopped

    def release(self) -> None:
        """Drop the cached keys and blocks."""
        self.keys.unpersist()
        self.blocks.unpersist()


class SparkSummary:
    """:class:`singleview.autoconfig.FieldSummary` of records on Spark: per field and key,
    how many records hold a value, whether two distinct values exist and which sources hold
    it; pairs per rule from :class:`RuleKeys`."""

    def __init__(self, records: DataFrame, shipped: ShippedContext, n: int) -> None:
        from pyspark.sql import functions as F

        self.n = n
        self._columns = [
            c for c in records.columns if c not in (POSITION, "source", "source_id", "updated_at")
        ]
        names = [*self._columns, *SUMMARY_KEYS]

        def facts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                if len(batch) == 0:
                    continue
                found, features = batch_features(shipped.get(), batch)
                sources = found["source"].to_numpy(dtype=object)
                inferred = features.inferred_names
                yield pd.DataFrame(
                    {
                        "name": [INFERRED],
                        "present": [0 if inferred is None else int(inferred.sum())],
                        "value": [None],
                        "source": [None],
                    },
                    dtype=object,
                ).astype({"present": np.int64})
                for name in names:
                    try:
                        coded = features[name]
                    except ConfigError:
                        continue
                    present = coded.present()
                    distinct = [str(v) for v in coded.values[:2]]
                    held = sorted(set(sources[present].tolist()))
                    size = 1 + len(distinct) + len(held)
                    yield pd.DataFrame(
                        {
                            "name": [name] * size,
                            "present": [int(present.sum())] + [0] * (size - 1),
                            "value": [None, *distinct, *[None] * len(held)],
                            "source": [None, *[None] * len(distinct), *held],
                        },
                        dtype=object,
                    ).astype({"present": np.int64})

        rows = records.mapInPandas(facts, "name string, present long, value string, source string")
        table = (
            rows.groupBy("name")
            .agg(
                F.sum("present").alias("present"),
                F.collect_set("value").alias("values"),
                F.collect_set("source").alias("sources"),
            )
            .toPandas()
        )
        self._facts = {
            str(row["name"]): (int(row["present"]), len(row["values"]), len(row["sources"]))
            for row in table.to_dict("records")
        }
        self.rule_keys: RuleKeys | None = None
        #: Records whose names were read from their e-mail handles.
        self.inferred = self._facts.pop(INFERRED, (0, 0, 0))[0]

    def columns(self) -> list[str]:
        return list(self._columns)

    def usable(self, name: str, *, link_within: bool) -> bool:
        present, values, sources = self._facts.get(name, (0, 0, 0))
        if present == 0 or present / max(self.n, 1) < MIN_COVERAGE or values < 2:
            return False
        return link_within or sources >= 2

    def rule_pairs(
        self, rule: Sequence[str], *, link_within: bool, max_block_size: int | BlockLimit
    ) -> int:
        if self.rule_keys is None:
            raise RuntimeError("rule_keys must be computed before blocking is chosen")
        return self.rule_keys.plan(rule)["pairs"]
