"""Matching on Spark with a frozen context gives the local engine's pairs, scores,
clusters and customer ids."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import generate
from singleview.engines.loading import combine
from singleview.engines.spark.frames import to_spark
from singleview.engines.spark.matching import (
    ShippedContext,
    candidate_pairs,
    cluster_anchors,
    customer_clusters,
    score_pairs,
)
from singleview.settings import Settings
from singleview.store.context import MatchContext
from tests.unit.store.conftest import sources


@pytest.fixture(scope="module")
def local() -> tuple[sv.Result, pd.DataFrame, MatchContext]:
    data = generate(600, random_state=11)
    records = combine(sources(data.frames))[0]
    result = sv.resolve(sources(data.frames))
    context = MatchContext.from_result(result, records, settings=Settings(), link_within=True)
    return result, records, context


def test_spark_matching_gives_the_local_clusters_and_ids(spark: Any, local: Any) -> None:
    result, records, context = local
    frame = to_spark(spark, records, 4)
    shipped = ShippedContext(spark, context)
    pairs = candidate_pairs(frame, shipped)
    scored = score_pairs(frame, pairs, shipped).localCheckpoint()
    anchors, rebuilt = cluster_anchors(
        scored,
        frame,
        threshold=context.threshold,
        disagreement_weight=context.disagreement_weight,
        guard=context.guard,
        split_below=context.split_below,
        checkpoint=lambda df: df.localCheckpoint(),
    )
    clusters = (
        customer_clusters(frame, anchors).toPandas().sort_values("position", ignore_index=True)
    )
    assert rebuilt.count() == result.stats["components_rebuilt"] > 0
    expected = result.clusters
    assert clusters["source_id"].tolist() == expected["source_id"].tolist()
    assert clusters["customer_id"].tolist() == expected["customer_id"].tolist()

    # The pairs above the floor carry the local engine's weights and probabilities.
    got = scored.toPandas()
    got = got[got["probability"] >= Settings().pairs_floor].sort_values(["lo", "hi"])
    assert len(got) == len(result.pairs)
    np.testing.assert_array_equal(
        got["probability"].to_numpy(), result.pairs["match_probability"].to_numpy()
    )
    np.testing.assert_array_equal(got["weight"].to_numpy(), result.pairs["match_weight"].to_numpy())
