"""Folding a batch of records into the store: upsert, block, score, re-cluster the scope.

New records (an unseen source + source id) get a record key; changed ones (same key, newer
or unknown ``updated_at`` and different content) replace their stored version and keep
their key and age; older or identical versions change nothing, so re-ingesting a batch is a
no-op.  Deleted records leave with everything derived from them.  Only the new and changed
records are blocked and scored: their blocking keys meet the stored keys of other records
in one join, and just those neighbours are read back to compare with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ..settings import SurvivorshipSettings
from ..sources.records import record_hash
from .context import MatchContext
from .db import has_table, read_records, write_frame
from .graph import Scope, no_removed, recluster, with_keys
from .persist import load_tf

__all__ = ["BOOKKEEPING", "Folded", "content_hash", "drop_records", "fold_in", "score_records"]

logger = logging.getLogger(__name__)

#: Columns the store adds in front of the canonical record columns.
BOOKKEEPING = ("record_key", "first_seen", "content_hash")


def content_hash(records: pd.DataFrame) -> np.ndarray:
    """:func:`~singleview.sources.records.record_hash` of each record's canonical columns,
    as int64 (the tie-break between versions with the same ``updated_at``)."""
    columns = [c for c in records.columns if c not in BOOKKEEPING]
    hashes: np.ndarray = record_hash(records[columns]).view(np.int64)
    return hashes


def _newer(merged: pd.DataFrame) -> np.ndarray:
    """Whether each incoming version beats the stored one as a load would choose between
    them: later ``updated_at`` (unknown is oldest), then the larger content hash."""
    big = np.iinfo(np.int64).min
    new_time = pd.to_datetime(merged["updated_at"]).to_numpy(dtype="datetime64[ns]")
    old_time = pd.to_datetime(merged["updated_at_stored"]).to_numpy(dtype="datetime64[ns]")
    new_t = np.where(np.isnat(new_time), big, new_time.astype(np.int64))
    old_t = np.where(np.isnat(old_time), big, old_time.astype(np.int64))
    new_h = merged["content_hash"].to_numpy(dtype=np.int64).view(np.uint64)
    stored = merged["content_hash_stored"].to_numpy(dtype=object, copy=True)
    stored[pd.isna(stored)] = 0  # no stored version (never compared: ``exists`` is False)
    old_h = stored.astype(np.int64).view(np.uint64)
    newer: np.ndarray = (new_t > old_t) | ((new_t == old_t) & (new_h > old_h))
    return newer


@dataclass
class Folded:
    """Counts of one batch folded in."""

    new: int
    changed: int
    unchanged: int
    stale: int
    deleted: int
    pairs_scored: int
    scope_records: int
    next_seq: int
    next_key: int


def _stored_versions(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame) -> pd.DataFrame:
    if not has_table(con, "records"):
        columns = ["source", "source_id", "record_key", "first_seen", "updated_at", "content_hash"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    con.register("_incoming", pa.Table.from_pandas(keys, preserve_index=False))
    return con.execute(
        "SELECT r.source, r.source_id, r.record_key, r.first_seen, r.updated_at, r.content_hash "
        "FROM records r JOIN _incoming i ON r.source = i.source AND r.source_id = i.source_id"
    ).df()


def drop_records(con: duckdb.DuckDBPyConnection, keys: np.ndarray) -> pd.DataFrame:
    """Delete records and what hangs off them; returns their old cluster rows."""
    if not has_table(con, "records"):
        return no_removed()
    with_keys(con, keys, "_drop")
    old = con.execute(
        "SELECT record_key, customer_id, component FROM clusters "
        "WHERE record_key IN (SELECT record_key FROM _drop)"
    ).df()
    for sql in (
        "DELETE FROM records WHERE record_key IN (SELECT record_key FROM _drop)",
        "DELETE FROM block_keys WHERE record_key IN (SELECT record_key FROM _drop)",
        "DELETE FROM edges WHERE a IN (SELECT record_key FROM _drop) "
        "OR b IN (SELECT record_key FROM _drop)",
        "DELETE FROM clusters WHERE record_key IN (SELECT record_key FROM _drop)",
    ):
        con.execute(sql)
    return old


def score_records(
    con: duckdb.DuckDBPyConnection, context: MatchContext, touched: pd.DataFrame
) -> tuple[int, set[int]]:
    """Block and score ``touched`` records (stored already, with record keys) against each
    other and the stored records; write their keys and edges.  Returns the pairs scored and
    the components of stored records they link to."""
    if len(touched) == 0:
        return 0, set()
    touched = touched.sort_values(["source", "source_id"], ignore_index=True)
    canonical = touched.drop(columns=list(BOOKKEEPING))
    features = context.features(canonical)
    keys = context.keys(features)
    touched_keys = touched["record_key"].to_numpy(dtype=np.int64)
    own = pd.DataFrame(
        {
            "rule": keys["rule"].to_numpy(dtype=np.int16),
            "key": keys["key"].to_numpy(dtype=np.int64),
            "record_key": touched_keys[keys["position"].to_numpy(dtype=np.int64)],
        }
    )
    con.register("_own", pa.Table.from_pandas(own, preserve_index=False))
    with_keys(con, touched_keys, "_touched")
    # The stored keys the batch shares: its neighbours, and their keys for pairing (so
    # the neighbours' keys need not be computed again).
    shared = con.execute(
        "SELECT DISTINCT b.rule, b.key, b.record_key FROM block_keys b JOIN _own o "
        "ON b.rule = o.rule AND b.key = o.key "
        "WHERE b.record_key NOT IN (SELECT record_key FROM _touched)"
    ).df()
    write_frame(con, "block_keys", own)
    neighbour_keys = np.unique(shared["record_key"].to_numpy(dtype=np.int64))
    # The batch is stored already: read back with its neighbours, in canonical order (one
    # sort inside DuckDB, not a concatenation and a sort of text columns here).
    with_keys(con, np.concatenate([touched_keys, neighbour_keys]), "_both")
    both = read_records(con, "WHERE record_key IN (SELECT record_key FROM _both)")
    record_keys = both["record_key"].to_numpy(dtype=np.int64)
    is_touched = np.isin(record_keys, touched_keys)
    features = context.features(both.drop(columns=list(BOOKKEEPING)))
    if context.model.tf_sizes_:  # read without its term frequencies: those of these values
        load_tf(con, context, features)
    by_key = np.argsort(record_keys)
    all_keys = pd.concat([own, shared], ignore_index=True)
    at = np.searchsorted(
        record_keys, all_keys["record_key"].to_numpy(dtype=np.int64), sorter=by_key
    )
    all_keys["position"] = by_key[at]
    left, right = context.pairs(features, is_touched, all_keys[["rule", "key", "position"]])
    scored = context.score(features, left, right)
    a, b = record_keys[left], record_keys[right]
    edges = pd.DataFrame(
        {
            "a": np.minimum(a, b),
            "b": np.maximum(a, b),
            "probability": scored.probability,
            "disagreement": scored.disagreement,
            "forced": scored.forced,
        }
    )
    write_frame(con, "edges", edges)
    link = (scored.probability >= context.threshold) | scored.forced
    linked = np.concatenate([a[link], b[link]])
    linked = linked[~np.isin(linked, touched_keys)]
    with_keys(con, linked, "_linked")
    comps = con.execute(
        "SELECT DISTINCT component FROM clusters WHERE record_key IN "
        "(SELECT record_key FROM _linked)"
    ).fetchall()
    logger.info(
        "store: %d records scored against %d neighbours: %d pairs",
        len(touched),
        len(neighbour_keys),
        len(left),
    )
    return len(left), {int(row[0]) for row in comps}


def fold_in(
    con: duckdb.DuckDBPyConnection,
    records: pd.DataFrame,
    deleted: pd.DataFrame,
    *,
    context: MatchContext,
    survivorship: SurvivorshipSettings,
    seq: int,
    next_key: int,
) -> Folded:
    """Upsert ``records`` (canonical frame), delete ``deleted`` (source, source_id) and
    re-cluster what changed, inside the caller's transaction."""
    incoming = records.assign(content_hash=content_hash(records))
    stored = _stored_versions(con, incoming[["source", "source_id"]].astype(object))
    merged = incoming.merge(
        stored, on=["source", "source_id"], how="left", suffixes=("", "_stored")
    )
    exists = merged["record_key"].notna().to_numpy()
    same = exists & (merged["content_hash"] == merged["content_hash_stored"]).to_numpy()
    newer = exists & _newer(merged)
    changed = newer & ~same
    older = exists & ~newer & ~same
    is_new = ~exists
    gone = _stored_versions(con, deleted[["source", "source_id"]].astype(object))
    drop = np.concatenate(
        [
            merged.loc[changed, "record_key"].to_numpy(dtype=np.int64),
            gone["record_key"].to_numpy(dtype=np.int64),
        ]
    )
    removed = (
        drop_records(con, drop)
        if len(drop)
        else pd.DataFrame(columns=["record_key", "customer_id", "component"])
    )
    fresh = merged[is_new | changed].copy()
    n_new = int(is_new.sum())
    fresh.loc[is_new[is_new | changed], "record_key"] = next_key + np.arange(n_new)
    fresh.loc[is_new[is_new | changed], "first_seen"] = seq
    fresh["record_key"] = fresh["record_key"].astype(np.int64)
    fresh["first_seen"] = fresh["first_seen"].astype(np.int64)
    columns = list(BOOKKEEPING) + [c for c in records.columns]
    fresh = fresh[columns].reset_index(drop=True)
    write_frame(con, "records", fresh)
    pairs, linked = score_records(con, context, fresh)
    scope = Scope(
        components=linked | {int(c) for c in removed["component"].dropna().tolist()},
        records=set(fresh["record_key"].tolist()),
        removed=removed,
        touched=set(fresh.loc[~is_new[is_new | changed], "record_key"].tolist()),
    )
    next_seq = seq
    if scope.components or scope.records:
        next_seq = recluster(con, scope, context=context, survivorship=survivorship, seq=seq)
    return Folded(
        new=n_new,
        changed=int(changed.sum()),
        unchanged=int(same.sum()),
        stale=int(older.sum()),
        deleted=len(gone),
        pairs_scored=pairs,
        scope_records=len(scope.records),
        next_seq=next_seq,
        next_key=next_key + n_new,
    )
