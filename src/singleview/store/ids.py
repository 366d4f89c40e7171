"""Stable customer ids across runs, and the events that record how they change.

The rules, applied whenever a part of the graph is clustered again:

* A record's *age* is when the store first saw it (``first_seen``, the sequence number of
  that ingest), ties broken by ``(source, source_id)``.  A cluster's age is the sequence
  number at which its id was created.
* **Split**: an old id goes with its oldest surviving record; the other parts get new ids
  (event ``split``, ``other_id`` = the id they came from).
* **Merge**: when several old ids meet in one new cluster, the id of the oldest cluster
  survives; the others are retired (event ``merge``, ``other_id`` = the retired id).
* **Create**: a cluster with no old id gets a new one (event ``create``).  A new id is
  ``"C"`` + 16 hex digits hashed from its oldest record's ``(source, source_id)`` (as
  :func:`singleview.cluster.customer_ids` does), re-hashed with the event sequence number
  if that id was ever issued before: ids are never reused.
* **Remove**: an old id left with no records (erased or deleted) is retired (event
  ``remove``).
* **Update**: a surviving id whose records changed (joined, left, or changed content).

Events carry ids and counts only, never values from the records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

__all__ = ["EVENT_KINDS", "Assignment", "assign_ids"]

#: Event kinds in the order they are numbered within one operation.
EVENT_KINDS = ("create", "split", "merge", "update", "remove", "erase")


def _hashed(keys: pd.Series, salt: str = "") -> np.ndarray:
    hashes = pd.util.hash_array((keys + salt).to_numpy(dtype=object), categorize=False)
    return np.array([f"C{h:016x}" for h in hashes.tolist()], dtype=object)


class Assignment:
    """The outcome of :func:`assign_ids`: an id per member row and the events."""

    def __init__(self, ids: np.ndarray, events: pd.DataFrame, created: list[str]) -> None:
        self.ids = ids
        self.events = events
        self.created = created


def assign_ids(
    members: pd.DataFrame,
    *,
    created_seq: dict[str, int],
    gone: Iterable[str],
    touched: Iterable[int],
    issued: Callable[[list[str]], set[str]],
    seq: int,
) -> Assignment:
    """Customer ids for re-clustered records.

    ``members``: one row per record: ``record_key``, ``source``, ``source_id``,
    ``first_seen``, ``old_id`` (None for a record without one) and ``label`` (its new
    cluster).  ``created_seq``: old id -> sequence number it was created at.  ``gone``: old
    ids whose records are all gone.  ``touched``: record keys whose content changed.
    ``issued(ids)``: which of ``ids`` were issued before.  ``seq``: sequence number of this
    operation, used to salt a re-issued hash.
    """
    order = members.sort_values(["first_seen", "source", "source_id"], kind="mergesort")
    with_old = order[order["old_id"].notna()]
    claims = with_old.drop_duplicates("old_id")[["old_id", "label"]].copy()
    claims["created"] = claims["old_id"].map(created_seq).fillna(np.iinfo(np.int64).max)
    claims = claims.sort_values(["label", "created", "old_id"], kind="mergesort")
    winners = claims.drop_duplicates("label")
    retired = claims[~claims.index.isin(winners.index)]
    label_id = dict(zip(winners["label"].tolist(), winners["old_id"].tolist(), strict=True))

    # Clusters no old id claims: a new id from the oldest record.
    fresh = order[~order["label"].isin(list(label_id))].drop_duplicates("label")
    anchor = members.sort_values(["source", "source_id"], kind="mergesort")
    anchor = anchor[anchor["label"].isin(fresh["label"])].drop_duplicates("label")
    keys = anchor["source"].astype(object) + "\x1f" + anchor["source_id"].astype(object)
    proposed = _hashed(keys)
    taken = issued(proposed.tolist())
    if taken or len(set(proposed.tolist())) < len(proposed):
        again = _hashed(keys, f"\x1f{seq}")
        seen: set[str] = set()
        for i, value in enumerate(proposed.tolist()):
            if value in taken or value in seen:
                proposed[i] = again[i]
            seen.add(str(proposed[i]))
    new_ids = dict(zip(anchor["label"].tolist(), proposed.tolist(), strict=True))
    label_id |= new_ids
    ids = members["label"].map(label_id).to_numpy(dtype=object)

    came_from = with_old.drop_duplicates("label").set_index("label")["old_id"]
    fresh_events = pd.DataFrame({"label": list(new_ids), "customer_id": list(new_ids.values())})
    fresh_events["other_id"] = fresh_events["label"].map(came_from)
    fresh_events["kind"] = np.where(fresh_events["other_id"].notna(), "split", "create")
    merges = pd.DataFrame(
        {
            "kind": "merge",
            "customer_id": retired["label"].map(label_id),
            "other_id": retired["old_id"],
        }
    )
    # Updates: surviving ids whose member set or member content changed.
    now = pd.DataFrame({"customer_id": ids, "record_key": members["record_key"].to_numpy()})
    before = pd.DataFrame(
        {"customer_id": with_old["old_id"].to_numpy(), "record_key": with_old["record_key"]}
    )
    both = now.merge(before, how="outer", indicator=True)
    changed = both.loc[both["_merge"] != "both", "customer_id"]
    changed = pd.concat([changed, now.loc[now["record_key"].isin(list(touched)), "customer_id"]])
    survivors = winners["old_id"]
    updates = pd.DataFrame(
        {"kind": "update", "customer_id": pd.unique(changed[changed.isin(survivors)])}
    )
    removed = pd.DataFrame(
        {"kind": "remove", "customer_id": sorted(set(gone) - set(survivors.tolist()))}
    )
    parts = [fresh_events.drop(columns="label"), merges, updates, removed]
    frame = pd.concat(
        [p.reindex(columns=["kind", "customer_id", "other_id"]) for p in parts], ignore_index=True
    ).astype(object)
    frame = frame.where(frame.notna(), None)
    sizes = pd.Series(ids).value_counts()
    frame["records"] = frame["customer_id"].map(sizes).fillna(0).astype(np.int64)
    rank = {kind: i for i, kind in enumerate(EVENT_KINDS)}
    frame = frame.sort_values(
        ["kind", "customer_id", "other_id"],
        key=lambda s: s.map(rank) if s.name == "kind" else s.fillna(""),
        kind="mergesort",
    ).reset_index(drop=True)
    return Assignment(np.asarray(ids, dtype=object), frame, sorted(new_ids.values()))
