"""Scored pairs -> customers: connected components of the match graph, with stable ids.

Connected components alone chain people together: a sparse record ("Mr Thomas" calling
from the family landline, a till receipt with just "Sarah Smith") links well enough to
every member of a household or to every namesake, and they all become one customer.

The guard weighs what is known *against* two groups of records being one person.  Each
candidate pair has a *disagreement*: the sum of its negative weights in bits (a different
date of birth, different first name, e-mails and phones that differ), whatever else agrees.
A component holding any pair with more than ``1`` bit of disagreement is rebuilt by
agglomeration, strongest link first: two clusters joined by a link of log-odds ``w`` (at
or above the threshold) merge unless other candidate pairs between them disagree and
``w + disagreement_weight * D <= 0``, where ``D`` sums the disagreement of those other
pairs (the link's own is in ``w`` already).  A link under 0.5 (the default threshold is
0.3) therefore joins two groups only where nothing else between them disagrees.  One ambiguous
link cannot outvote several records that disagree, while a true match whose own evidence
is weak (a work e-mail, an initial) still joins through its stronger neighbours.
The same agglomeration enforces the hard rules of :mod:`singleview.constraints`: no merge
that would put a cannot-link pair (conflicting dates of birth, different ids of a named
column, two records of a deduplicated source) in one customer, none past
``max_cluster_size``.  A component is rebuilt only when it holds a disagreement, two values
a cannot-link rule reads, or too many records; a link with nothing against it always
merges, so a rebuilt component with nothing wrong comes out as it went in, and the rest
are kept as they are.  Pairs matched by a deterministic rule (or a human merge) always
merge.  The optional weak-link split then cuts clusters at a minimum cut (networkx
Stoer-Wagner) weaker than ``split_below`` bits.

Records are positions in the canonical records frame (sorted by source and source id), so
the smallest position in a component is its smallest (source, source_id), and every tie
is broken by positions: the result does not depend on input row order.  A customer id is
a hash of the anchor record's key.
"""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._arrays import factorize_ints, row_chunks
from .agglomerate import Helper, agglomerate_split
from .constraints import Constraints
from .settings import DEFAULT_DISAGREEMENT_WEIGHT

__all__ = [
    "components",
    "customer_ids",
    "guarded_components",
    "record_customer_ids",
    "weak_below",
    "within_components",
]

logger = logging.getLogger(__name__)

#: Disagreement (bits) below this is noise, not a conflict: a component whose pairs all
#: disagree by less is kept whole.
MIN_DISAGREEMENT = 1.0
#: Log-odds of a link are clipped to this many bits (a probability of 1.0 is finite).
MAX_LOG_ODDS = 60.0
#: Pairs checked at once by :func:`within_components`.
INSIDE_CHUNK = 4_000_000


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


def record_customer_ids(source: np.ndarray, source_id: np.ndarray) -> np.ndarray:
    """The customer id a cluster anchored on each of these records gets: ``"C"`` and 16 hex
    digits hashed from ``source + "\x1f" + source_id`` (the same on every engine)."""
    keys = np.asarray(
        [f"{a}\x1f{b}" for a, b in zip(source.tolist(), source_id.tolist(), strict=True)],
        dtype=object,
    )
    try:
        hashes: list[int] = pd.util.hash_array(keys, categorize=False).tolist()
    except UnicodeError:  # a lone surrogate: hashed as its bytes with it passed through
        raw = [key.encode("utf-8", "surrogatepass") for key in keys.tolist()]
        hashes = pd.util.hash_array(np.asarray(raw, dtype=object), categorize=False).tolist()
    return np.array([f"C{h:016x}" for h in hashes], dtype=object)


def customer_ids(anchors: np.ndarray, source: pd.Series, source_id: pd.Series) -> np.ndarray:
    """Per record, the id of its cluster: :func:`record_customer_ids` of the anchor."""
    inverse, unique_anchors = factorize_ints(anchors)
    ids = record_customer_ids(
        source.astype("object").to_numpy()[unique_anchors],
        source_id.astype("object").to_numpy()[unique_anchors],
    )
    return np.asarray(ids[inverse], dtype=object)


def weak_below(bits: float) -> float:
    """The match probability under which a link is weaker than ``bits`` of log-odds (the
    weak-link split looks at components holding one; every engine flags them alike)."""
    return float(1.0 / (1.0 + 2.0 ** (-bits)))


#: The fewest records on each side of a cut the weak-link split makes.
_MIN_SIDE = 2


def _split_weak(
    members: np.ndarray,
    root_of: np.ndarray,
    *,
    left: np.ndarray,
    right: np.ndarray,
    log_odds: np.ndarray,
    is_link: np.ndarray,
    forced: np.ndarray,
    below: float,
) -> np.ndarray:
    """Cut clusters at a minimum cut weaker than ``below`` bits (Stoer-Wagner, networkx),
    both sides of ``_MIN_SIDE`` records or more, again on each part; new root per member.

    Only clusters with a link weaker than ``below`` can have such a cut (every cut crosses
    a spanning-tree link), so only those are searched.  A minimum cut with a side too small
    is contracted into that side's strongest neighbour and the search goes on.  Nodes and
    links enter each graph sorted, so ties break the same way whatever the pair order."""
    root = pd.Series(root_of, index=members)
    left_root = root.reindex(left).to_numpy()
    same = is_link & (left_root == root.reindex(right).to_numpy())
    weak = same & (log_odds < below) & ~forced
    sizes = root.value_counts()
    candidates = [
        c for c in np.unique(left_root[weak]).tolist() if sizes.get(c, 0) >= 2 * _MIN_SIDE
    ]
    if not candidates:
        return root_of
    edges = (
        pd.DataFrame(
            {
                "root": left_root[same],
                "a": np.minimum(left, right)[same],
                "b": np.maximum(left, right)[same],
                "w": np.where(forced[same], 1e9, np.maximum(log_odds[same], 0.0)),
            }
        )
        .groupby(["root", "a", "b"], sort=True)["w"]
        .sum()
        .reset_index()
    )
    rows_of = edges.groupby("root").indices
    nodes_of = pd.Series(members).groupby(root_of).indices
    out = root.copy()
    for cluster in candidates:
        rows = rows_of[cluster]
        graph: nx.Graph[int] = nx.Graph()
        for node in np.sort(members[nodes_of[cluster]]).tolist():
            graph.add_node(node, records=[node])
        for a, b, w in edges.iloc[rows][["a", "b", "w"]].itertuples(index=False):
            graph.add_edge(int(a), int(b), weight=float(w))
        for part in _cut_weak(graph, below):
            out[part] = part[0]
    return out.to_numpy(dtype=np.int64)


def _cut_weak(graph: nx.Graph[int], below: float) -> list[list[int]]:
    """The parts (sorted record lists) a cluster's graph is cut into."""
    parts: list[list[int]] = []
    queue = [graph]
    while queue:
        part = queue.pop()
        records = sorted(r for n in part.nodes for r in part.nodes[n]["records"])
        while True:
            if len(records) < 2 * _MIN_SIDE or part.number_of_nodes() < 2:
                parts.append(records)
                break
            if not nx.is_connected(part):  # zero-weight links: its pieces stand apart
                pieces = sorted(nx.connected_components(part), key=min)
                queue += [part.subgraph(sorted(p)).copy() for p in pieces]
                break
            value, (one, two) = nx.stoer_wagner(part)
            if value >= below:
                parts.append(records)
                break
            small = min(
                (one, two), key=lambda side: sum(len(part.nodes[n]["records"]) for n in side)
            )
            if sum(len(part.nodes[n]["records"]) for n in small) >= _MIN_SIDE:
                queue += [part.subgraph(sorted(side)).copy() for side in (one, two)]
                break
            part = _contract(part, sorted(small))
    return parts


def _contract(graph: nx.Graph[int], side: list[int]) -> nx.Graph[int]:
    """``graph`` with the nodes of ``side`` folded into their strongest neighbour outside
    it (link weights summed), so the next minimum cut must leave them together."""
    inside = set(side)
    weight: dict[int, float] = {}
    for node in side:
        for other, data in graph[node].items():
            if other not in inside:
                weight[other] = weight.get(other, 0.0) + float(data["weight"])
    target = min(weight, key=lambda n: (-weight[n], n))
    merged = nx.Graph()
    for node in graph.nodes:
        if node not in inside:
            records = list(graph.nodes[node]["records"])
            if node == target:
                records += [r for n in side for r in graph.nodes[n]["records"]]
            merged.add_node(node, records=records)
    for a, b, data in graph.edges(data=True):
        x, y = (target if a in inside else a), (target if b in inside else b)
        if x == y:
            continue
        previous = merged.get_edge_data(x, y, {"weight": 0.0})["weight"]
        merged.add_edge(x, y, weight=previous + float(data["weight"]))
    return merged


def within_components(
    n: int, left: np.ndarray, right: np.ndarray, link: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The components among ``n`` records of the pairs where ``link`` is set, and the rows
    of the pairs inside one of them (ascending): the only pairs :func:`guarded_components`
    reads."""
    anchors = components(n, left[link], right[link])
    inside = np.zeros(len(left), dtype=bool)
    for rows in row_chunks(len(left), INSIDE_CHUNK):
        inside[rows] = anchors[left[rows]] == anchors[right[rows]]
    return anchors, np.flatnonzero(inside)


def guarded_components(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    disagreement: np.ndarray | None = None,
    *,
    threshold: float,
    disagreement_weight: float = DEFAULT_DISAGREEMENT_WEIGHT,
    forced: np.ndarray | None = None,
    constraints: Constraints | None = None,
    max_size: int | None = None,
    split_below: float = 0.0,
    anchors: np.ndarray | None = None,
    helper: Helper | None = None,
) -> tuple[np.ndarray, int]:
    """Anchor per record after the over-merge guard, and how many components it rebuilt.

    ``disagreement``: per pair, the sum of its negative weights in bits (see
    :meth:`~singleview.model.FellegiSunter.score_with_disagreement`); ``None`` or a
    ``disagreement_weight`` of 0 turns that part off.  ``forced``: pairs that always merge.
    ``constraints``: cannot-link rules (:mod:`singleview.constraints`); ``max_size``: the
    most records one customer may hold.  ``split_below``: a cluster of four or more records
    whose minimum cut (summed log-odds of the links across it) is below this many bits,
    with two or more records on each side, is cut there, again and again (0: never).
    ``anchors``: the components of the links (pairs at or above ``threshold``) when the
    caller has them already (see :func:`within_components`).  ``helper``: a process that
    agglomerates half of the rebuilt components (:mod:`singleview.agglomerate`).

    Only pairs inside one component of the links count: the others can be left out.
    """
    link = probability >= threshold
    if anchors is None:
        anchors = components(n, left[link], right[link])
    weigh = disagreement is not None and disagreement_weight > 0.0 and len(left) > 0
    flagged = np.zeros(n, dtype=bool)
    if weigh:
        assert disagreement is not None
        conflict = (anchors[left] == anchors[right]) & (disagreement < -MIN_DISAGREEMENT)
        flagged[anchors[left[conflict]]] = True
    if constraints is not None and n:
        flagged[constraints.flagged(anchors)] = True
    oversized = 0
    if max_size is not None and n:
        too_big = np.bincount(anchors, minlength=n) > max_size
        oversized = int(too_big.sum())
        flagged |= too_big
    if split_below > 0.0 and len(left):
        weak = link & (probability < weak_below(split_below))
        sizes = np.bincount(anchors, minlength=n)
        weak &= (anchors[left] == anchors[right]) & (sizes[anchors[left]] >= 2 * _MIN_SIDE)
        flagged[anchors[left[weak]]] = True
    suspicious = int(flagged.sum())
    if suspicious == 0:
        return anchors, 0
    left_anchor = anchors[left]
    rows = np.flatnonzero((left_anchor == anchors[right]) & flagged[left_anchor])
    del left_anchor
    sub_left, sub_right = left[rows], right[rows]
    sub_p = probability[rows]
    clipped = np.clip(sub_p, 1e-300, 1.0)
    log_odds = np.clip(
        np.log2(clipped) - np.log2(np.maximum(1.0 - sub_p, 1e-300)), -MAX_LOG_ODDS, MAX_LOG_ODDS
    )
    if weigh:
        assert disagreement is not None
        sub_d = disagreement[rows]
        against = np.where(sub_d < -MIN_DISAGREEMENT, disagreement_weight * sub_d, 0.0)
    else:
        against = np.zeros(len(rows), dtype=np.float64)
    is_link = sub_p >= threshold
    # Strongest first; ties by record positions, never by input order.
    order = np.lexsort((sub_right, sub_left, -sub_p))
    links = order[is_link[order]]
    must = np.zeros(len(rows), dtype=bool) if forced is None else forced[rows]
    nodes, roots, refused = agglomerate_split(
        sub_left,
        sub_right,
        anchors[sub_left],
        helper=helper,
        log_odds=log_odds,
        against=against,
        links=links,
        forced=must,
        constraints=constraints,
        max_size=max_size,
    )
    result = anchors.copy()
    members = np.flatnonzero(flagged[anchors])
    root = np.arange(n, dtype=np.int64)  # a member no pair touches is its own root
    root[nodes] = roots
    root_of = root[members]
    del root
    if split_below > 0.0:
        root_of = _split_weak(
            members,
            root_of,
            left=sub_left,
            right=sub_right,
            log_odds=log_odds,
            is_link=is_link | must,
            forced=must,
            below=split_below,
        )
    result[members] = pd.Series(members).groupby(root_of).transform("min").to_numpy()
    logger.info(
        "over-merge guard: %d components rebuilt (%d merges refused by cannot-link rules, "
        "%d over %s records)",
        suspicious,
        refused,
        oversized,
        max_size,
    )
    return result, suspicious
