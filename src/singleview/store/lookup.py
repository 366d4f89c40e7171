"""Real-time lookup: which stored customers is one incoming record?

The record (canonical field -> raw value) is normalised by the same code as an ingest (a
one-row :class:`~singleview.FrameSource`), its blocking keys are found among the stored
keys by binary search in memory, and it is scored against those candidates with the
store's frozen model.  The stored keys, records and clusters are read once into memory
(:meth:`Lookup.load`), the records' fields coded once (so each lookup only stacks its
query's row over its candidates': :mod:`.stacked`), and all of it reused until the store
changes.  At 1M records that first call takes a few seconds and about 1 GiB.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ConfigError, StoreError
from ..schema import EXTRA_PREFIX, ID_PREFIX, MAPPABLE_FIELDS
from ..sources import FrameSource
from ..sources.base import normalise_batch
from .context import KEY_MIX, MatchContext
from .db import read_records
from .ingest import BOOKKEEPING
from .persist import load_context
from .stacked import StackedFeatures

__all__ = ["Lookup"]

logger = logging.getLogger(__name__)

#: Most stored records a lookup compares with: candidates are taken rule by rule, the
#: tight rules (ids, e-mail, phone, date of birth with a name) first, until this many.
MAX_CANDIDATES = 300


def _combined(rule: np.ndarray, key: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        mixed = key.astype(np.int64).view(np.uint64) * KEY_MIX + rule.astype(np.uint64)
    return mixed.view(np.int64)


class Lookup:
    """The in-memory search structure of one store version."""

    def __init__(
        self,
        context: MatchContext,
        keys: np.ndarray,
        key_records: np.ndarray,
        records: pd.DataFrame,
        customer: np.ndarray,
    ) -> None:
        self.context = context
        self.keys = keys
        self.key_records = key_records
        self.record_keys = records["record_key"].to_numpy(dtype=np.int64)
        # The bookkeeping columns are dropped once here, not from every lookup's rows.
        self.records = records.drop(columns=list(BOOKKEEPING))
        self.customer = customer
        self._source = _as_array(self.records["source"])
        self._source_id = _as_array(self.records["source_id"])
        # The stored records' fields, coded once: each lookup stacks its query on top of
        # its candidates' rows (see :mod:`.stacked`).  One scoring of a few stored pairs
        # codes every field and key the model reads, here rather than in the first lookups.
        self.stored = context.features(self.records)
        if self.stored.n > 1:
            positions = np.arange(1, min(self.stored.n, 64), dtype=np.int64)
            warm = StackedFeatures.of(self.stored, self.stored, positions)
            context.score(warm, np.zeros(len(positions), dtype=np.int64), positions)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Lookup:
        """Read what lookups need from an open store connection."""
        context = load_context(con)
        if context is None:
            raise StoreError("the store is empty: ingest records before looking any up")
        blocks = con.execute("SELECT rule, key, record_key FROM block_keys").fetchnumpy()
        combined = _combined(np.asarray(blocks["rule"]), np.asarray(blocks["key"]))
        order = np.argsort(combined, kind="stable")
        records = read_records(con)
        records = records.sort_values("record_key", ignore_index=True)
        clusters = con.execute("SELECT record_key, customer_id FROM clusters").df()
        customer = (
            clusters.set_index("record_key")["customer_id"]
            .reindex(records["record_key"])
            .to_numpy(dtype=object)
        )
        logger.info("lookup: %d records and %d keys in memory", len(records), len(order))
        return cls(
            context,
            combined[order],
            np.asarray(blocks["record_key"], dtype=np.int64)[order],
            records,
            customer,
        )

    def search(
        self, record: dict[str, Any], *, limit: int = 5, region: str | None = None
    ) -> pd.DataFrame:
        """Candidate customers for ``record``, best first (see ``IdentityStore.lookup``)."""
        query = _normalise(record, region)
        columns = [
            "customer_id",
            "source",
            "source_id",
            "match_probability",
            "match_weight",
            "explanation",
        ]
        if query is None:
            return pd.DataFrame(columns=columns)
        context = self.context
        features = context.features(query)
        keys = context.keys(features)
        wanted = _combined(keys["rule"].to_numpy(), keys["key"].to_numpy())
        lo = np.searchsorted(self.keys, wanted, side="left")
        hi = np.searchsorted(self.keys, wanted, side="right")
        candidates = _first_candidates(
            self.key_records, lo, hi, keys["rule"].to_numpy(dtype=np.int64)
        )
        if len(candidates) == 0:
            return pd.DataFrame(columns=columns)
        positions = np.searchsorted(self.record_keys, candidates)
        features = StackedFeatures.of(features, self.stored, positions)
        right = np.arange(1, features.n, dtype=np.int64)
        left = np.zeros(len(right), dtype=np.int64)
        scored = context.score(features, left, right)
        levels = scored.levels
        weight = np.log2(np.clip(scored.probability, 1e-300, 1.0)) - np.log2(
            np.clip(1.0 - scored.probability, 1e-300, 1.0)
        )
        labels = [c.labels for c in context.model.comparisons]
        names = [c.column for c in context.model.comparisons]
        probability = scored.probability
        source, source_id = _taken(self._source, positions), _taken(self._source_id, positions)
        customer = self.customer[positions]
        # Best first (then by source and source id, as stored), each customer once.
        order = np.lexsort((source_id, source, -probability))
        rows = order[~pd.Series(customer[order], dtype=object).duplicated().to_numpy()][:limit]
        explanation = np.empty(len(rows), dtype=object)
        explanation[:] = [
            {
                name: "missing" if levels[row, k] < 0 else labels[k][int(levels[row, k])]
                for k, name in enumerate(names)
            }
            for row in rows.tolist()
        ]
        return pd.DataFrame(
            {
                "customer_id": customer[rows],
                "source": source[rows],
                "source_id": source_id[rows],
                "match_probability": probability[rows],
                "match_weight": np.clip(weight[rows], -60.0, 60.0),
                "explanation": explanation,
            },
            columns=columns,
        )


def _as_array(column: pd.Series) -> pa.Array | np.ndarray:
    """A stored column as one Arrow array (Arrow-backed text, pandas 3) or as NumPy."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        arrow = pa.array(column)
        return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    return column.to_numpy()


def _taken(column: pa.Array | np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Rows ``positions`` of a column :func:`_as_array` made, as an object array."""
    if isinstance(column, pa.Array):
        return np.asarray(
            column.take(pa.array(positions)).to_numpy(zero_copy_only=False), dtype=object
        )
    return np.asarray(column.take(positions), dtype=object)


def _first_candidates(
    key_records: np.ndarray, lo: np.ndarray, hi: np.ndarray, rules: np.ndarray
) -> np.ndarray:
    """Distinct stored records under the query's keys, rule by rule in the context's rule
    order (tightest first), stopping once :data:`MAX_CANDIDATES` are found."""
    found: list[np.ndarray] = []
    seen = 0
    for rule in np.unique(rules).tolist():
        for index in np.flatnonzero(rules == rule).tolist():
            found.append(key_records[lo[index] : hi[index]])
            seen += int(hi[index] - lo[index])
        if seen >= MAX_CANDIDATES:
            break
    if not found:
        return np.empty(0, dtype=np.int64)
    # Tightest rules' records first; a broad last rule cannot add more than 3x the cap.
    return np.asarray(pd.unique(np.concatenate(found))[: MAX_CANDIDATES * 4], dtype=np.int64)


def _normalise(record: dict[str, Any], region: str | None) -> pd.DataFrame | None:
    """The record as a one-row canonical records frame (None when it has nothing usable)."""
    if not isinstance(record, dict):
        raise ConfigError("lookup() takes a dict of canonical field names to raw values")
    fields = {k: v for k, v in record.items() if k in MAPPABLE_FIELDS and k != "source_id"}
    ids = {k[len(ID_PREFIX) :]: k for k in record if k.startswith(ID_PREFIX)}
    extra = {k[len(EXTRA_PREFIX) :]: k for k in record if k.startswith(EXTRA_PREFIX)}
    unknown = sorted(
        set(record)
        - set(fields)
        - set(ids.values())
        - set(extra.values())
        - {"source", "source_id"}
    )
    if unknown:
        raise ConfigError(f"lookup(): unknown field(s) {unknown}; use canonical field names")
    row = {**{k: [v] for k, v in record.items()}, "source_id": ["query"]}
    source = FrameSource(
        pd.DataFrame(row),
        name=str(record.get("source", "lookup")),
        id_column="source_id",
        columns={k: k for k in fields},
        ids=ids or None,
        extra=extra or None,
        region=region,
    )
    # One row: nothing to supersede, so the batch step alone (load() would also merge
    # batches and count quarantine reasons, a quarter of a lookup's time).
    normalised = normalise_batch(source, source.data)
    if len(normalised.records) == 0:
        return None
    return normalised.records
