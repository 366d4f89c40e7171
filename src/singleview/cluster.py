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

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ._arrays import factorize_ints, unique_sorted

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
) -> dict[int, int]:
    """Constrained merging over the pairs of the rebuilt components: record -> root.

    ``links``: rows of the pairs that may merge, strongest first.  ``against``: weighted
    disagreement per pair (<= 0), summed between clusters as they grow.
    """
    between: dict[int, dict[int, float]] = {}
    for a, b, d in zip(left.tolist(), right.tolist(), against.tolist(), strict=True):
        if d < 0.0:
            between.setdefault(a, {})[b] = between.get(a, {}).get(b, 0.0) + d
            between.setdefault(b, {})[a] = between.get(b, {}).get(a, 0.0) + d
    parent: dict[int, int] = {}

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
        if not forced[row] and log_odds[row] + others <= 0.0:
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
    return {x: find(x) for x in parent}


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
) -> tuple[np.ndarray, int]:
    """Anchor per record after the over-merge guard, and how many components it rebuilt.

    ``disagreement``: per pair, the sum of its negative weights in bits (see
    :meth:`~singleview.model.FellegiSunter.score_with_disagreement`); ``None`` or a
    ``disagreement_weight`` of 0 turns the guard off.  ``forced``: pairs that always merge.
    """
    link = probability >= threshold
    anchors = components(n, left[link], right[link])
    if disagreement is None or disagreement_weight <= 0.0 or len(left) == 0:
        return anchors, 0
    left_anchor = anchors[left]
    same = left_anchor == anchors[right]
    conflict = same & (disagreement < -MIN_DISAGREEMENT)
    suspicious = unique_sorted(left_anchor[conflict])
    if len(suspicious) == 0:
        return anchors, 0
    flagged = np.zeros(n, dtype=bool)
    flagged[suspicious] = True
    rows = np.flatnonzero(same & flagged[left_anchor])
    del left_anchor, same, conflict
    sub_left, sub_right = left[rows], right[rows]
    sub_p = probability[rows]
    clipped = np.clip(sub_p, 1e-300, 1.0)
    log_odds = np.clip(
        np.log2(clipped) - np.log2(np.maximum(1.0 - sub_p, 1e-300)), -MAX_LOG_ODDS, MAX_LOG_ODDS
    )
    against = np.where(
        disagreement[rows] < -MIN_DISAGREEMENT, disagreement_weight * disagreement[rows], 0.0
    )
    is_link = sub_p >= threshold
    # Strongest first; ties by record positions, never by input order.
    order = np.lexsort((sub_right, sub_left, -sub_p))
    links = order[is_link[order]]
    must = np.zeros(len(rows), dtype=bool) if forced is None else forced[rows]
    roots = _agglomerate(
        sub_left, sub_right, log_odds=log_odds, against=against, links=links, forced=must
    )
    result = anchors.copy()
    members = np.flatnonzero(flagged[anchors])
    root_of = np.array([roots.get(int(m), int(m)) for m in members.tolist()], dtype=np.int64)
    result[members] = pd.Series(members).groupby(root_of).transform("min").to_numpy()
    logger.info("over-merge guard: %d components rebuilt", len(suspicious))
    return result, len(suspicious)
