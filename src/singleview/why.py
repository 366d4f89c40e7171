"""Why a customer holds together: the links inside each cluster and the weakest of them.

A cluster is held together by its *links* (scored pairs at or above the threshold, or
matched by a deterministic rule).  Its maximum spanning tree is the strongest set of links
that still connects every record; the weakest link on that tree is the cluster's
*bottleneck*: remove every link at most that strong and the cluster falls apart, so it is
the one link a reviewer should look at first.  A *bridge* is a link whose removal alone
splits the cluster.

:func:`weakest_links` computes the bottleneck of every cluster at once (one spanning forest
with scipy; bridges by walking every cycle's forest path in numpy rounds), for the report's
riskiest clusters;
:func:`explain_cluster` lists the pairs inside one customer for ``result.why``.

Example:
    >>> import pandas as pd
    >>> clusters = pd.DataFrame({"source": ["a"] * 3, "source_id": ["1", "2", "3"],
    ...                          "customer_id": ["X", "X", "X"]})
    >>> pairs = pd.DataFrame({"source_l": ["a", "a"], "source_id_l": ["1", "2"],
    ...                       "source_r": ["a", "a"], "source_id_r": ["2", "3"],
    ...                       "match_weight": [12.0, 1.5], "match_probability": [0.9998, 0.74],
    ...                       "matched_by": ["model", "model"]})
    >>> row = weakest_links(clusters, pairs, 0.5).iloc[0]
    >>> row["n_links"], row["weakest_left"], row["weakest_right"], row["bridges"]
    (np.int64(2), 'a:2', 'a:3', np.int64(2))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    minimum_spanning_tree,
    shortest_path,
)

from .errors import ConfigError
from .schema import PAIR_KEYS

__all__ = ["ClusterWhy", "explain_cluster", "weakest_links"]

#: Link strengths (log2-odds) are clipped to this for the spanning tree.
_MAX_BITS = 60.0
_KEYS = ["source", "source_id"]
_PAIR_KEYS = list(PAIR_KEYS)


def _positions(clusters: pd.DataFrame) -> pd.DataFrame:
    """The clusters sorted by (source, source_id): a record's row is its position."""
    frame = clusters[[*_KEYS, "customer_id"]].astype(object)
    return frame.sort_values(_KEYS, kind="mergesort", ignore_index=True)


def _keys(source: pd.Series, source_id: pd.Series) -> np.ndarray:
    """One string per record key (one hash lookup instead of a two-level index)."""
    return np.asarray((source.astype(str) + "\x1f" + source_id.astype(str)).to_numpy(dtype=object))


def _inside_links(records: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The links of ``pairs`` whose two records are in one customer: positions ``a < b``,
    their ``bits`` (clipped log2-odds) and the customer."""
    if pairs is None or not len(pairs) or not len(records):
        return pd.DataFrame({"a": [], "b": [], "bits": [], "customer_id": []})
    index = pd.Index(_keys(records["source"], records["source_id"]))
    left = index.get_indexer(_keys(pairs["source_l"], pairs["source_id_l"]))
    right = index.get_indexer(_keys(pairs["source_r"], pairs["source_id_r"]))
    probability = pairs["match_probability"].to_numpy(dtype=np.float64)
    by_rule = (pairs["matched_by"].astype(object) == "rule").to_numpy()
    customer = records["customer_id"].to_numpy(dtype=object)
    known = (left >= 0) & (right >= 0)
    keep = known & ((probability >= threshold) | by_rule)
    keep[keep] = customer[left[keep]] == customer[right[keep]]
    weight = pairs["match_weight"].to_numpy(dtype=np.float64)
    bits = np.where(by_rule, _MAX_BITS, np.clip(weight, -_MAX_BITS, _MAX_BITS))
    a, b = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
    return pd.DataFrame(
        {"a": a, "b": b, "bits": bits[keep], "customer_id": customer[a]}
    ).drop_duplicates(["a", "b"])


def _spanning(n: int, links: pd.DataFrame) -> np.ndarray:
    """Per link, whether it is on the maximum spanning forest (ties by position)."""
    if not len(links):
        return np.zeros(0, dtype=bool)
    # scipy minimises and treats a zero as "no edge": cost = (max - bits) + 1 > 0.  Equal
    # costs are broken by position so the forest does not depend on input order.
    order = np.lexsort((links["b"].to_numpy(), links["a"].to_numpy(), -links["bits"].to_numpy()))
    rank = np.empty(len(links), dtype=np.float64)
    rank[order] = np.arange(len(links), dtype=np.float64)
    cost = 1.0 + rank
    graph = coo_matrix((cost, (links["a"].to_numpy(), links["b"].to_numpy())), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    on_tree = pd.MultiIndex.from_arrays([tree.row, tree.col])
    return np.asarray(pd.MultiIndex.from_arrays([links["a"], links["b"]]).isin(on_tree), dtype=bool)


def _bridges(n: int, links: pd.DataFrame, tree: np.ndarray) -> np.ndarray:
    """Per link, whether removing it alone disconnects its cluster, given which links are
    on a spanning forest (``tree``).  A link off the forest closes a cycle, so it and the
    forest path between its ends are no bridges; every other forest link is one.  The
    paths are walked for all such links at once, one step up the forest per round."""
    if not len(links):
        return np.zeros(0, dtype=bool)
    a, b = links["a"].to_numpy(dtype=np.int64), links["b"].to_numpy(dtype=np.int64)
    # Parent and depth of every record in the forest: a breadth-first search from a
    # virtual root (position n) joined to the first record of each tree.
    forest = coo_matrix((np.ones(int(tree.sum())), (a[tree], b[tree])), shape=(n, n)).tocsr()
    _, label = connected_components(forest, directed=False)
    first = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, label, np.arange(n, dtype=np.int64))
    rows = np.concatenate([a[tree], np.full(len(first), n, dtype=np.int64)])
    cols = np.concatenate([b[tree], first])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    _, parent = breadth_first_order(graph, n, directed=False, return_predecessors=True)
    on_cycle = np.zeros(n + 1, dtype=bool)  # on_cycle[x]: the forest link x-parent[x]
    depth = _depths(graph, n)
    u, v = a[~tree], b[~tree]
    while len(u):
        du, dv = depth[u], depth[v]
        up_u, up_v = du >= dv, dv >= du
        on_cycle[u[up_u]] = True
        on_cycle[v[up_v]] = True
        u = np.where(up_u, parent[u], u)
        v = np.where(up_v, parent[v], v)
        open_ = u != v
        u, v = u[open_], v[open_]
    child = np.where(parent[a] == b, a, b)
    return np.asarray(tree & ~on_cycle[child], dtype=bool)


def _depths(graph: csr_matrix, root: int) -> np.ndarray:
    """Links from ``root`` to every node of ``graph`` (one breadth-first search in C)."""
    distance = shortest_path(graph, directed=False, unweighted=True, indices=root)
    return np.where(np.isfinite(distance), distance, 0).astype(np.int64)


def _probability(bits: pd.Series) -> pd.Series:
    return pd.Series(1.0 / (1.0 + np.exp2(-bits.to_numpy(dtype=np.float64))), index=bits.index)


def weakest_links(clusters: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per customer of two or more records: ``customer_id``, ``n_records``,
    ``n_links`` (links inside it), ``weakest_weight`` and ``weakest_probability`` (its
    spanning tree's weakest link; NaN when no link holds it, e.g. a human merge),
    ``weakest_left``/``weakest_right`` (``"source:source_id"``) and ``bridges``.
    Weakest first, then largest, then by id."""
    records = _positions(clusters)
    sizes = records.groupby("customer_id", sort=True).size()
    sizes = sizes[sizes >= 2]
    out = pd.DataFrame(
        {
            "customer_id": sizes.index.to_numpy(dtype=object),
            "n_records": sizes.to_numpy(dtype=np.int64),
        }
    )
    links = _inside_links(records, pairs, threshold)
    spanning = _spanning(len(records), links)
    links = links.assign(tree=spanning, bridge=_bridges(len(records), links, spanning))
    label = (records["source"].astype(str) + ":" + records["source_id"].astype(str)).to_numpy(
        dtype=object
    )
    n_links = links.groupby("customer_id").size()
    bridges = links.groupby("customer_id")["bridge"].sum()
    tree = links[links["tree"]].sort_values(["bits", "a", "b"], kind="mergesort")
    weakest = tree.drop_duplicates("customer_id").set_index("customer_id")
    out["n_links"] = out["customer_id"].map(n_links).fillna(0).astype(np.int64)
    out["weakest_weight"] = out["customer_id"].map(weakest["bits"]).astype(np.float64)
    out["weakest_probability"] = _probability(out["weakest_weight"])
    a = out["customer_id"].map(weakest["a"])
    b = out["customer_id"].map(weakest["b"])
    for column, ends in (("weakest_left", a), ("weakest_right", b)):
        known = ends.notna().to_numpy()
        values = np.full(len(out), None, dtype=object)
        values[known] = label[ends[known].to_numpy(dtype=np.int64)]
        out[column] = values
    out["bridges"] = out["customer_id"].map(bridges).fillna(0).astype(np.int64)
    return out.sort_values(
        ["weakest_weight", "n_records", "customer_id"],
        ascending=[True, False, True],
        na_position="first",
        kind="mergesort",
        ignore_index=True,
    )


@dataclass(frozen=True)
class ClusterWhy:
    """The records of one customer and the scored pairs between them.

    ``edges``: every scored pair inside the customer (``result.pairs`` columns) with
    ``link`` (at or above the threshold, or a rule), ``spanning`` (on the strongest
    spanning tree: the links that hold the customer together) and ``bridge`` (its removal
    alone splits the customer); spanning links first, weakest first.  ``weakest``: the
    weakest spanning link (None for one record, or when no link holds the customer).
    """

    customer_id: str
    records: pd.DataFrame
    edges: pd.DataFrame
    weakest: pd.Series | None

    def summary(self) -> str:
        """A few lines of text: sizes and the weakest link (ids only, no values)."""
        n_links = int(self.edges["link"].sum()) if len(self.edges) else 0
        lines = [
            f"customer {self.customer_id}: {len(self.records)} records, {n_links} links, "
            f"{int(self.edges['bridge'].sum()) if len(self.edges) else 0} bridges"
        ]
        if self.weakest is not None:
            w = self.weakest
            lines.append(
                f"weakest link: {w['source_l']}:{w['source_id_l']} - {w['source_r']}:"
                f"{w['source_id_r']} (weight {w['match_weight']:.2f}, probability "
                f"{w['match_probability']:.4f})"
            )
        return "\n".join(lines)


def explain_cluster(
    clusters: pd.DataFrame, pairs: pd.DataFrame, customer_id: str, threshold: float
) -> ClusterWhy:
    """The pairs that hold ``customer_id`` together (see :class:`ClusterWhy`)."""
    members = clusters[clusters["customer_id"].astype(object) == customer_id]
    if not len(members):
        raise ConfigError(f"customer {customer_id!r} is not in the clusters")
    records = _positions(members)
    mine = pd.MultiIndex.from_frame(records[_KEYS])
    left = pd.MultiIndex.from_arrays(
        [pairs["source_l"].astype(object), pairs["source_id_l"].astype(object)]
    )
    right = pd.MultiIndex.from_arrays(
        [pairs["source_r"].astype(object), pairs["source_id_r"].astype(object)]
    )
    edges = pairs[left.isin(mine) & right.isin(mine)].reset_index(drop=True)
    links = _inside_links(records, edges, threshold)
    spanning = _spanning(len(records), links)
    links = links.assign(spanning=spanning, bridge=_bridges(len(records), links, spanning))
    a = mine.get_indexer(
        pd.MultiIndex.from_arrays(
            [edges["source_l"].astype(object), edges["source_id_l"].astype(object)]
        )
    )
    b = mine.get_indexer(
        pd.MultiIndex.from_arrays(
            [edges["source_r"].astype(object), edges["source_id_r"].astype(object)]
        )
    )
    key = pd.MultiIndex.from_arrays([np.minimum(a, b), np.maximum(a, b)])
    flags = links.set_index(["a", "b"])
    edges = edges.assign(
        link=np.asarray(key.isin(flags.index), dtype=bool),
        spanning=flags["spanning"].reindex(key, fill_value=False).to_numpy(dtype=bool),
        bridge=flags["bridge"].reindex(key, fill_value=False).to_numpy(dtype=bool),
        # The strength the spanning tree used: a rule's link counts as the strongest.
        _bits=flags["bits"].reindex(key).to_numpy(dtype=np.float64),
    )
    edges = edges.sort_values(
        ["spanning", "link", "_bits", "match_weight", *_PAIR_KEYS],
        ascending=[False, False, True, True, True, True, True, True],
        kind="mergesort",
        ignore_index=True,
    ).drop(columns="_bits")
    weakest = edges.iloc[0] if len(edges) and bool(edges["spanning"].iloc[0]) else None
    return ClusterWhy(customer_id=customer_id, records=records, edges=edges, weakest=weakest)
