"""Scored pairs -> customers: connected components of the match graph, with stable ids.

Connected components alone chain people together: a sparse record ("Mr Thomas" calling
from the family landline) links strongly to every member of a household, and the household
becomes one customer.  The guard: a candidate pair whose evidence is strongly against a
match (probability at or below ``conflict_below``) is a *conflict*.  The few components
holding a conflict are rebuilt greedily, strongest link first, refusing any merge that
would put a conflicting pair in one customer.  Every other component is kept as it is, so
the guard costs nothing where nothing is wrong.

Records are positions in the canonical records frame (sorted by source and source id), so
the smallest position in a component is its smallest (source, source_id).  A customer id is
a hash of that anchor record's key: the same input in any row order gives the same ids.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["components", "customer_ids", "guarded_components"]

logger = logging.getLogger(__name__)


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component label per record, labels numbered by each component's smallest record."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    # Relabel so that component order follows the anchor (smallest member).
    anchor = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(anchor, labels, np.arange(n))
    return np.asarray(anchor[labels], dtype=np.int64)


def customer_ids(anchors: np.ndarray, source: pd.Series, source_id: pd.Series) -> np.ndarray:
    """``"C" + 16 hex digits`` hashed from each anchor record's (source, source_id)."""
    keys = (source.astype("object") + "\x1f" + source_id.astype("object")).to_numpy(dtype=object)
    unique_anchors, inverse = np.unique(anchors, return_inverse=True)
    hashes = pd.util.hash_array(keys[unique_anchors], categorize=False)
    ids = np.array([f"C{h:016x}" for h in hashes.tolist()], dtype=object)
    return ids[inverse]


def _rebuild(
    members: np.ndarray,
    edges: list[tuple[float, int, int]],
    conflicts: dict[int, set[int]],
) -> dict[int, int]:
    """Greedy constrained merging inside one component: record -> anchor (smallest member)."""
    parent = {int(m): int(m) for m in members}
    groups = {int(m): {int(m)} for m in members}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        small, large = (
            (groups[ra], groups[rb])
            if len(groups[ra]) <= len(groups[rb])
            else (groups[rb], groups[ra])
        )
        if any(conflicts.get(x, set()) & large for x in small):
            continue
        root, other = (ra, rb) if ra < rb else (rb, ra)
        parent[other] = root
        groups[root] |= groups.pop(other)
    return {m: min(groups[find(m)]) for m in parent}


def guarded_components(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    *,
    threshold: float,
    conflict_below: float,
) -> tuple[np.ndarray, int]:
    """Anchor per record after the over-merge guard, and how many components it rebuilt."""
    link = probability >= threshold
    anchors = components(n, left[link], right[link])
    conflict = (probability <= conflict_below) & (anchors[left] == anchors[right])
    suspicious = np.unique(anchors[left[conflict]])
    if len(suspicious) == 0:
        return anchors, 0
    in_suspicious = np.isin(anchors, suspicious)
    edge_rows = np.flatnonzero(link & in_suspicious[left])
    # Strongest first; ties by record positions, never by input order.
    order = np.lexsort((right[edge_rows], left[edge_rows], -probability[edge_rows]))
    edge_rows = edge_rows[order]
    by_component: dict[int, list[tuple[float, int, int]]] = {}
    for row in edge_rows.tolist():
        a, b = int(left[row]), int(right[row])
        by_component.setdefault(int(anchors[a]), []).append((float(probability[row]), a, b))
    conflicts: dict[int, set[int]] = {}
    for row in np.flatnonzero(conflict).tolist():
        a, b = int(left[row]), int(right[row])
        conflicts.setdefault(a, set()).add(b)
        conflicts.setdefault(b, set()).add(a)
    result = anchors.copy()
    records = np.flatnonzero(in_suspicious)
    records = records[np.argsort(anchors[records], kind="stable")]
    starts = np.flatnonzero(np.diff(anchors[records], prepend=-1))
    for members in np.split(records, starts[1:]):
        anchor = int(anchors[members[0]])
        mapping = _rebuild(members, by_component.get(anchor, []), conflicts)
        result[list(mapping)] = list(mapping.values())
    logger.info("over-merge guard: %d components rebuilt", len(suspicious))
    return result, len(suspicious)
