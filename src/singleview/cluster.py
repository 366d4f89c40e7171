"""Scored pairs -> customers: connected components of the match graph, with stable ids.

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

__all__ = ["components", "customer_ids"]

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
