"""Scored pairs -> customers: connected components of the match graph, with stable ids.

Connected components alone chain people together: a sparse record ("Mr Thomas" calling
from the family landline, a till receipt with just "Sarah Smith") links well enough to
every member of a household or to every namesake, and they all become one customer.

The guard weighs what is known *against* two groups of records being one person.  Each
candidate pair has a *disagreement*: the sum of its negative weights in bits (a different
date of birth, different first name, e-mails and phones that differ), whatever else agrees.
A component holding any pair with more than ``1`` bit of disagreement is rebuilt by
agglomeration, strongest link first: two clusters joined by a link of log-odds ``w`` merge
only when ``w + disagreement_weight * D > 0``, where ``D`` sums the disagreement of the
other candidate pairs between them (the link's own is in ``w`` already).  One ambiguous
link cannot outvote several records that disagree, while a true match whose own evidence
is weak (a work e-mail, an initial) still joins through its stronger neighbours.
Components without disagreement are kept as they are, so the guard costs nothing where
nothing is wrong.  Pairs matched by a deterministic rule always merge.

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

from ._arrays import factorize_ints
from .constraints import Constraints

__all__ = ["components", "customer_ids", "guarded_components", "record_customer_ids"]

logger = logging.getLogger(__name__)

#: Disagreement (bits) below this is noise, not a conflict: a component whose pairs all
#: disagree by less is kept whole.
MIN_DISAGREEMENT = 1.0
#: Log-odds of a link are clipped to this many bits (a probability of 1.0 is finite).
MAX_LOG_ODDS = 60.0


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
    hashes: list[int] = pd.util.hash_array(keys, categorize=False).tolist() if len(keys) else []
    return np.array([f"C{h:016x}" for h in hashes], dtype=object)


def customer_ids(anchors: np.ndarray, source: pd.Series, source_id: pd.Series) -> np.ndarray:
    """Per record, the id of its cluster: :func:`record_customer_ids` of the anchor."""
    inverse, unique_anchors = factorize_ints(anchors)
    ids = record_customer_ids(
        source.astype("object").to_numpy()[unique_anchors],
        source_id.astype("object").to_numpy()[unique_anchors],
    )
    return np.asarray(ids[inverse], dtype=object)


def _agglomerate(
    left: np.ndarray,
    right: np.ndarray,
    *,
    log_odds: np.ndarray,
    against: np.ndarray,
    links: np.ndarray,
    forced: np.ndarray,
    cannot: tuple[np.ndarray, np.ndarray],
    max_size: int | None,
) -> dict[int, int]:
    """Constrained merging over the pairs of the rebuilt components: record -> root.

    ``links``: rows of the pairs that may merge, strongest first.  ``against``: weighted
    disagreement per pair (<= 0), summed between clusters as they grow.  ``cannot``:
    record pairs that must stay apart (an infinite disagreement); ``max_size``: no merge
    past this many records.  A forced pair merges whatever the rest says.
    """
    between: dict[int, dict[int, float]] = {}
    for a, b, d in zip(
        [*left.tolist(), *cannot[0].tolist()],
        [*right.tolist(), *cannot[1].tolist()],
        [*against.tolist(), *[-np.inf] * len(cannot[0])],
        strict=True,
    ):
        if d < 0.0:
            between.setdefault(a, {})[b] = between.get(a, {}).get(b, 0.0) + d
            between.setdefault(b, {})[a] = between.get(b, {}).get(a, 0.0) + d
    parent: dict[int, int] = {}
    size: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    empty: dict[int, float] = {}
    for row in links.tolist():
        ra, rb = find(int(left[row])), find(int(right[row]))
        if ra == rb:
            continue
        # The link's own disagreement is already in its log-odds: count the others'.
        others = between.get(ra, empty).get(rb, 0.0) - against[row]
        merged = size.get(ra, 1) + size.get(rb, 1)
        if not forced[row] and (
            log_odds[row] + others <= 0.0 or (max_size is not None and merged > max_size)
        ):
            continue
        # Fold the smaller neighbour table into the larger one.
        if len(between.get(ra, empty)) < len(between.get(rb, empty)):
            ra, rb = rb, ra
        keep = between.setdefault(ra, {})
        for other, d in between.pop(rb, {}).items():
            if other == ra:
                continue
            keep[other] = keep.get(other, 0.0) + d
            table = between[other]
            table.pop(rb, None)
            table[ra] = table.get(ra, 0.0) + d
        keep.pop(rb, None)
        parent[rb] = ra
        size[ra] = merged
    return {x: find(x) for x in parent}


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
    both sides of ``_MIN_SIDE`` records or more, until none is left; new root per member.

    Only clusters with a link weaker than ``below`` can have such a cut (every cut crosses
    a spanning-tree link), so only those are searched."""
    root = pd.Series(root_of, index=members)
    same = is_link & (root.reindex(left).to_numpy() == root.reindex(right).to_numpy())
    weak = same & (log_odds < below) & ~forced
    candidates = np.unique(root.reindex(left[weak]).to_numpy())
    if not len(candidates):
        return root_of
    sizes = root.value_counts()
    out = root.copy()
    for cluster in candidates.tolist():
        if sizes.get(cluster, 0) < 2 * _MIN_SIDE:
            continue
        rows = np.flatnonzero(same & (root.reindex(left).to_numpy() == cluster))
        graph: nx.Graph[int] = nx.Graph()
        graph.add_nodes_from(sorted(root.index[root.to_numpy() == cluster].tolist()))
        for a, b, w, f in zip(
            left[rows].tolist(),
            right[rows].tolist(),
            log_odds[rows].tolist(),
            forced[rows].tolist(),
            strict=True,
        ):
            graph.add_edge(a, b, weight=1e9 if f else max(w, 0.0))
        queue = [graph]
        while queue:
            part = queue.pop()
            if part.number_of_nodes() < 2 * _MIN_SIDE or not nx.is_connected(part):
                continue
            value, (one, two) = nx.stoer_wagner(part)
            if value >= below or min(len(one), len(two)) < _MIN_SIDE:
                continue
            for side in (one, two):
                nodes = sorted(side)
                out[nodes] = nodes[0]
                queue.append(part.subgraph(nodes).copy())
    return out.to_numpy(dtype=np.int64)


def guarded_components(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    disagreement: np.ndarray | None = None,
    *,
    threshold: float,
    disagreement_weight: float = 0.5,
    forced: np.ndarray | None = None,
    constraints: Constraints | None = None,
    max_size: int | None = None,
    split_below: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Anchor per record after the over-merge guard, and how many components it rebuilt.

    ``disagreement``: per pair, the sum of its negative weights in bits (see
    :meth:`~singleview.model.FellegiSunter.score_with_disagreement`); ``None`` or a
    ``disagreement_weight`` of 0 turns that part off.  ``forced``: pairs that always merge.
    ``constraints``: cannot-link rules (:mod:`singleview.constraints`); ``max_size``: the
    most records one customer may hold.  ``split_below``: a cluster of four or more records
    whose minimum cut (summed log-odds of the links across it) is below this many bits,
    with two or more records on each side, is cut there, again and again (0: never).
    """
    link = probability >= threshold
    anchors = components(n, left[link], right[link])
    weigh = disagreement is not None and disagreement_weight > 0.0 and len(left) > 0
    flagged = np.zeros(n, dtype=bool)
    if weigh:
        assert disagreement is not None
        conflict = (anchors[left] == anchors[right]) & (disagreement < -MIN_DISAGREEMENT)
        flagged[anchors[left[conflict]]] = True
    cannot_left = cannot_right = np.empty(0, dtype=np.int64)
    if constraints is not None and n:
        cannot_left, cannot_right = constraints.pairs(anchors)
        flagged[constraints.flagged(anchors)] = True
    oversized = 0
    if max_size is not None and n:
        too_big = np.bincount(anchors, minlength=n) > max_size
        oversized = int(too_big.sum())
        flagged |= too_big
    if split_below > 0.0 and len(left):
        weak = link & (
            np.log2(np.clip(probability, 1e-300, 1.0))
            - np.log2(np.maximum(1.0 - probability, 1e-300))
            < split_below
        )
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
    roots = _agglomerate(
        sub_left,
        sub_right,
        log_odds=log_odds,
        against=against,
        links=links,
        forced=must,
        cannot=(cannot_left, cannot_right),
        max_size=max_size,
    )
    result = anchors.copy()
    members = np.flatnonzero(flagged[anchors])
    root_of = np.array([roots.get(int(m), int(m)) for m in members.tolist()], dtype=np.int64)
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
        "over-merge guard: %d components rebuilt (%d cannot-link pairs, %d over %s records)",
        suspicious,
        len(cannot_left),
        oversized,
        max_size,
    )
    return result, suspicious
