"""Connected components as iterative Spark joins: the large-star / small-star algorithm.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014).  Nodes are
record positions.  An undirected edge is kept once, as ``(big, small)``.  With ``m(v)`` the
smallest node of v's neighbourhood (v included):

* *large-star* links every neighbour larger than v to ``m(v)``;
* *small-star* links v and every neighbour smaller than v to the smallest of them.

Both keep connectivity and never raise a component's minimum; alternating them reaches
stars centred on each component's smallest node, usually in a handful of rounds.  So a
node's label is its component's smallest position: the anchor the local
:func:`singleview.cluster.components` gives.  Each round is checkpointed (the lineage of an
iterative plan grows with every round otherwise), and convergence is tested with Spark
jobs: no edge is collected to the driver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...errors import SingleViewError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["MAX_ROUNDS", "connected_components"]

logger = logging.getLogger(__name__)

#: Rounds after which the loop gives up (it needs O(log^2 n) in the worst case).
MAX_ROUNDS = 100


def _oriented(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return (
        edges.select(
            F.greatest("a", "b").alias("a"),
            F.least("a", "b").alias("b"),
        )
        .where(F.col("a") != F.col("b"))
        .distinct()
    )


def _large_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    both = edges.select("a", "b").unionByName(
        edges.select(F.col("b").alias("a"), F.col("a").alias("b"))
    )
    smallest = both.groupBy("a").agg(F.min("b").alias("m"))
    smallest = smallest.select("a", F.least("a", "m").alias("m"))
    return (
        both.where(F.col("b") > F.col("a"))
        .join(smallest, "a")
        .select(F.col("b").alias("a"), F.col("m").alias("b"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    smallest = edges.groupBy("a").agg(F.min("b").alias("m"))
    moved = (
        edges.join(smallest, "a")
        .select(F.col("b").alias("a"), F.col("m").alias("b"))
        .where(F.col("a") != F.col("b"))
    )
    return moved.unionByName(smallest.select("a", F.col("m").alias("b"))).distinct()


def _same(new: DataFrame, old: DataFrame) -> bool:
    """Whether two distinct edge sets are equal (same size, one inside the other)."""
    if new.count() != old.count():
        return False
    return new.join(old, ["a", "b"], "left_anti").isEmpty()


def connected_components(
    edges: DataFrame,
    *,
    checkpoint: Callable[[DataFrame], DataFrame],
    max_rounds: int = MAX_ROUNDS,
) -> DataFrame:
    """``(node, component)`` for every node of ``edges`` (columns ``a``, ``b``: longs),
    ``component`` being the smallest node connected to it.  Nodes without an edge are not
    in the result: their component is themselves.

    ``checkpoint`` cuts a round's lineage (``DataFrame.localCheckpoint`` or
    ``DataFrame.checkpoint``)."""
    from pyspark.sql import functions as F

    current = checkpoint(_oriented(edges))
    for round_number in range(1, max_rounds + 1):
        following = checkpoint(_small_star(_large_star(current)))
        if _same(following, current):
            logger.info("connected components: converged after %d rounds", round_number)
            break
        current = following
    else:
        raise SingleViewError(f"connected components did not converge in {max_rounds} rounds")
    # Converged: every edge joins a node to its component's smallest node.
    members = following.select(F.col("a").alias("node"), F.col("b").alias("component"))
    roots = following.select(F.col("b").alias("node"), F.col("b").alias("component"))
    return members.unionByName(roots).groupBy("node").agg(F.min("component").alias("component"))
