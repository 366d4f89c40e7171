from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from singleview.cluster import components
from singleview.engines.spark.components import connected_components


def _labels(spark: Any, n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    edges = spark.createDataFrame(
        [(int(a), int(b)) for a, b in zip(left, right, strict=True)], "a long, b long"
    )
    found = connected_components(edges, checkpoint=lambda df: df.localCheckpoint()).toPandas()
    labels = np.arange(n, dtype=np.int64)
    labels[found["node"].to_numpy()] = found["component"].to_numpy()
    return labels


@pytest.mark.parametrize("shape", ["path", "reversed path", "star", "random"])
def test_components_equal_the_local_ones(spark: Any, shape: str) -> None:
    rng = np.random.default_rng(7)
    n = 60
    if shape == "path":
        order = rng.permutation(n)
        left, right = order[:-1], order[1:]
    elif shape == "reversed path":
        left, right = np.arange(n - 1, 0, -1), np.arange(n - 2, -1, -1)
    elif shape == "star":
        left, right = np.full(n - 1, 31), np.delete(np.arange(n), 31)
    else:
        left, right = rng.integers(0, n, 45), rng.integers(0, n, 45)
    expected = components(n, left, right)
    assert (_labels(spark, n, left, right) == expected).all()


def test_no_edges_gives_no_labels(spark: Any) -> None:
    edges = spark.createDataFrame([], "a long, b long")
    out = connected_components(edges, checkpoint=lambda df: df.localCheckpoint())
    assert out.count() == 0
