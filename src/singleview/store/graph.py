"""Re-clustering the part of the stored graph an operation touched.

An operation (ingest, erase, an override, a retrain) changes some records and edges.  The
*scope* is every record of every stored component those changes reach, plus the new
records: outside it no link changed, so no cluster can.  The scope is clustered again with
the same guarded clustering as a full run (:func:`singleview.cluster.guarded_components`),
on its records in canonical order, so ties break exactly as they would in one run over
everything.  Ids follow the rules of :mod:`singleview.store.ids`; profiles of the scope's
customers are rebuilt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..cluster import components, guarded_components
from ..settings import SurvivorshipSettings
from ..survivorship import build_profiles
from .context import MatchContext
from .db import has_table, read_records, write_frame
from .ids import assign_ids

__all__ = ["Scope", "no_removed", "recluster", "with_keys"]

logger = logging.getLogger(__name__)

#: Disagreement (bits) given to a force_split pair: no evidence outweighs it.
SPLIT_DISAGREEMENT = -1.0e18


def with_keys(con: duckdb.DuckDBPyConnection, keys: np.ndarray, name: str = "_keys") -> None:
    """Register ``keys`` (record keys) as a one-column relation ``name`` for joins."""
    con.register(name, pa.table({"record_key": pa.array(np.asarray(keys, dtype=np.int64))}))


def no_removed() -> pd.DataFrame:
    """An empty frame of removed cluster rows (see :attr:`Scope.removed`)."""
    return pd.DataFrame(columns=["record_key", "customer_id", "component"])


@dataclass
class Scope:
    """What an operation hands to :func:`recluster`."""

    #: Components (stored ``component`` values) whose records are clustered again.
    components: set[int]
    #: Record keys to include besides those components' records (new records).
    records: set[int]
    #: Old cluster rows (record_key, customer_id, component) of records already removed
    #: from the clusters table by the operation (changed, deleted or erased records).
    removed: pd.DataFrame
    #: Record keys whose content changed (for ``update`` events).
    touched: set[int]


def _closure(con: duckdb.DuckDBPyConnection, scope: Scope) -> np.ndarray:
    """Record keys in scope, grown through force_merge overrides until closed."""
    comps = set(scope.components)
    extra = set(scope.records)
    while True:
        with_keys(con, np.fromiter(comps, dtype=np.int64, count=len(comps)), "_comps")
        with_keys(con, np.fromiter(extra, dtype=np.int64, count=len(extra)), "_extra")
        keys = con.execute(
            "SELECT record_key FROM clusters WHERE component IN (SELECT record_key FROM _comps) "
            "UNION SELECT record_key FROM _extra"
        ).fetchnumpy()["record_key"]
        keys = np.asarray(keys, dtype=np.int64)
        with_keys(con, keys, "_scope")
        outside = con.execute(
            "SELECT DISTINCT c.component FROM overrides o "
            "JOIN clusters c ON c.record_key IN (o.a, o.b) "
            "WHERE o.kind = 'merge' AND (o.a IN (SELECT record_key FROM _scope) "
            "OR o.b IN (SELECT record_key FROM _scope)) "
            "AND c.record_key NOT IN (SELECT record_key FROM _scope)"
        ).fetchall()
        grown = {int(row[0]) for row in outside} - comps
        if not grown:
            return np.asarray(keys, dtype=np.int64)
        comps |= grown


def recluster(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    *,
    context: MatchContext,
    survivorship: SurvivorshipSettings,
    seq: int,
) -> int:
    """Cluster the scope again, write clusters, customers, profiles and events; returns the
    next free sequence number."""
    keys = _closure(con, scope)
    with_keys(con, keys, "_scope")
    old = con.execute(
        "SELECT record_key, customer_id, component FROM clusters "
        "WHERE record_key IN (SELECT record_key FROM _scope)"
    ).df()
    old = pd.concat([old, scope.removed], ignore_index=True).drop_duplicates("record_key")
    records = read_records(con, "WHERE record_key IN (SELECT record_key FROM _scope)")
    edges = con.execute(
        "SELECT a, b, probability, disagreement, forced FROM edges "
        "WHERE a IN (SELECT record_key FROM _scope) AND b IN (SELECT record_key FROM _scope)"
    ).df()
    overrides = con.execute(
        "SELECT kind, a, b FROM overrides WHERE a IN (SELECT record_key FROM _scope) "
        "AND b IN (SELECT record_key FROM _scope) ORDER BY seq"
    ).df()
    n = len(records)
    record_keys = records["record_key"].to_numpy(dtype=np.int64) if n else np.empty(0, np.int64)
    position = pd.Index(record_keys)
    left = position.get_indexer(edges["a"].to_numpy(dtype=np.int64))
    right = position.get_indexer(edges["b"].to_numpy(dtype=np.int64))
    probability = edges["probability"].to_numpy(dtype=np.float64)
    disagreement = edges["disagreement"].to_numpy(dtype=np.float64)
    forced = edges["forced"].to_numpy(dtype=bool)
    if len(overrides):
        o_left = position.get_indexer(overrides["a"].to_numpy(dtype=np.int64))
        o_right = position.get_indexer(overrides["b"].to_numpy(dtype=np.int64))
        merge = (overrides["kind"] == "merge").to_numpy()
        left = np.concatenate([left, o_left])
        right = np.concatenate([right, o_right])
        probability = np.concatenate([probability, np.where(merge, 1.0, 0.0)])
        disagreement = np.concatenate([disagreement, np.where(merge, 0.0, SPLIT_DISAGREEMENT)])
        forced = np.concatenate([forced, merge])
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    anchors, _ = guarded_components(
        n,
        lo,
        hi,
        probability,
        disagreement,
        threshold=context.threshold,
        # A force_split is a disagreement: the guard must run to honour it.
        disagreement_weight=(
            max(context.disagreement_weight, 1e-9)
            if len(overrides)
            else context.disagreement_weight
        ),
        forced=forced,
        constraints=context.guard.constraints(records),
        max_size=context.guard.max_cluster_size,
        split_below=context.split_below,
    )
    link = (probability >= context.threshold) | forced
    component = record_keys[components(n, lo[link], hi[link])] if n else record_keys
    old_of = old.set_index("record_key")["customer_id"]
    members = pd.DataFrame(
        {
            "record_key": record_keys,
            "source": records["source"].astype(object).to_numpy() if n else [],
            "source_id": records["source_id"].astype(object).to_numpy() if n else [],
            "first_seen": records["first_seen"].to_numpy(dtype=np.int64) if n else [],
            "old_id": pd.Series(record_keys).map(old_of).to_numpy(dtype=object),
            "label": anchors,
        }
    )
    old_ids = np.asarray(pd.unique(old["customer_id"].dropna().to_numpy(dtype=object)))
    con.register("_old_ids", pa.table({"customer_id": pa.array(old_ids.tolist(), pa.string())}))
    created = dict(
        con.execute(
            "SELECT customer_id, created_seq FROM customers "
            "WHERE customer_id IN (SELECT customer_id FROM _old_ids)"
        ).fetchall()
    )

    def issued(ids: list[str]) -> set[str]:
        con.register("_proposed", pa.table({"customer_id": pa.array(ids, pa.string())}))
        found = con.execute(
            "SELECT customer_id FROM issued_ids "
            "WHERE customer_id IN (SELECT customer_id FROM _proposed)"
        ).fetchall()
        return {str(row[0]) for row in found}

    surviving = set(members["old_id"].dropna().tolist())
    assignment = assign_ids(
        members,
        created_seq=created,
        gone=[i for i in old_ids.tolist() if i not in surviving],
        touched=scope.touched,
        issued=issued,
        seq=seq,
    )
    ids = assignment.ids
    # Write: clusters, customers, issued ids, profiles, events.
    con.execute("DELETE FROM clusters WHERE record_key IN (SELECT record_key FROM _scope)")
    write_frame(
        con,
        "clusters",
        pd.DataFrame({"record_key": record_keys, "customer_id": ids, "component": component}),
    )
    retired = assignment.events.loc[
        assignment.events["kind"].isin(["merge", "remove"]), ["kind", "customer_id", "other_id"]
    ]
    gone_ids = np.where(retired["kind"] == "merge", retired["other_id"], retired["customer_id"])
    con.register("_gone", pa.table({"customer_id": pa.array(list(gone_ids), pa.string())}))
    con.execute("DELETE FROM customers WHERE customer_id IN (SELECT customer_id FROM _gone)")
    if assignment.created:
        fresh = pd.DataFrame({"customer_id": assignment.created, "created_seq": seq})
        write_frame(con, "customers", fresh)
        write_frame(con, "issued_ids", fresh[["customer_id"]])
    if has_table(con, "profiles"):
        con.execute("DELETE FROM profiles WHERE customer_id IN (SELECT customer_id FROM _old_ids)")
    if n:
        priority = dict(con.execute("SELECT source, priority FROM sources").fetchall())
        canonical = records.drop(columns=["record_key", "first_seen", "content_hash"])
        profiles = build_profiles(canonical, ids, priority, survivorship)
        write_frame(con, "profiles", profiles)
    events = assignment.events.copy()
    events.insert(0, "logged_at", pd.Timestamp.now(tz="UTC").tz_localize(None))
    events.insert(0, "seq", seq + np.arange(len(events), dtype=np.int64))
    write_frame(
        con, "events", events[["seq", "logged_at", "kind", "customer_id", "other_id", "records"]]
    )
    logger.info(
        "store: %d records in scope, %d customers, %d events",
        n,
        len(set(ids.tolist())),
        len(events),
    )
    return seq + max(len(events), 1)
