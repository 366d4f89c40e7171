"""The Spark engine gives the local engine's results: clusters and customer ids, the model
(to the last bit of its JSON), scored pairs, profiles, quarantine and stats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import generate
from tests.datasets import febrl3
from tests.unit.store.conftest import ADAPTERS, sources

COUNTS = ("records", "quarantined", "names_from_email", "candidate_pairs", "edges")


def _profiles(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values("customer_id", ignore_index=True).astype(object)
    return out.where(out.notna(), None)


def assert_same(local: sv.Result, remote: sv.SparkResult) -> None:
    clusters = remote.clusters.toPandas()
    assert clusters["source"].tolist() == local.clusters["source"].tolist()
    assert clusters["source_id"].tolist() == local.clusters["source_id"].tolist()
    assert clusters["customer_id"].tolist() == local.clusters["customer_id"].tolist()
    assert local.model is not None and remote.model is not None
    assert remote.model.to_json() == local.model.to_json()
    pairs = remote.pairs.toPandas()
    assert list(pairs.columns) == list(local.pairs.columns)
    for column in ("source_id_l", "source_id_r", "match_weight", "match_probability"):
        np.testing.assert_array_equal(pairs[column].to_numpy(), local.pairs[column].to_numpy())
    assert pairs["blocking_rule"].tolist() == local.pairs["blocking_rule"].tolist()
    pd.testing.assert_frame_equal(
        _profiles(remote.profiles.toPandas()), _profiles(local.profiles), check_dtype=False
    )
    pd.testing.assert_frame_equal(remote.blocking, local.blocking, check_dtype=False)
    for key in (*COUNTS, "components_rebuilt", "customers"):
        assert remote.stats[key] == local.stats[key], key


def test_synthetic_with_the_probe_equals_local(spark: Any) -> None:
    # A small probe sample makes the broad rules' draws go through the sampled branch, and
    # a small yield scale raises the rate the broad rules must show: name_key (about 1,000
    # pairs, 87% linking) then needs 99% and is left out.
    data = generate(2500, random_state=11)
    settings = sv.Settings(probe_pairs=400, min_rule_yield=0.1, yield_scale_pairs=100)
    local = sv.resolve(sources(data.frames), settings=settings)
    assert local.blocking["link_rate"].notna().any()  # the probe ran
    assert not local.blocking.set_index("rule").loc["name_key", "used"]
    remote = sv.resolve(sources(data.frames), settings=settings, engine=sv.SparkEngine(spark))
    assert isinstance(remote, sv.SparkResult)
    assert_same(local, remote)


def test_synthetic_with_the_probe_measuring_again_equals_local(spark: Any) -> None:
    # At a plain rate of 1% on 400-pair samples, last_name_key measures within two
    # standard errors of the bar and is drawn again, four times larger (first_name, under
    # half the bar, is dropped on its first sample);
    # name_key's first draw holds too few new pairs and is drawn again, larger; postcode,
    # whose pairs are mostly candidates already, has its few new pairs made instead.
    # Spark must make the same draws.
    data = generate(2500, random_state=11)
    settings = sv.Settings(probe_pairs=400, min_rule_yield=0.01)
    local = sv.resolve(sources(data.frames), settings=settings)
    remote = sv.resolve(sources(data.frames), settings=settings, engine=sv.SparkEngine(spark))
    assert_same(local, remote)


def test_febrl3_equals_local(spark: Any) -> None:
    srcs, _ = febrl3()
    local = sv.resolve(srcs)
    remote = sv.resolve(srcs, engine=sv.SparkEngine(spark))
    assert_same(local, remote)


def test_spark_frames_linking_across_sources_equal_local(spark: Any, tmp_path: Path) -> None:
    data = generate(500, random_state=4)
    local = sv.resolve(sources(data.frames), link_within_sources=False)
    # Two sources as Spark DataFrames (one partition each: one batch, as locally).
    mixed = [
        ADAPTERS[name](
            spark.createDataFrame(frame).coalesce(1) if name in ("crm", "web") else frame
        )
        for name, frame in data.frames.items()
    ]
    remote = sv.resolve(mixed, link_within_sources=False, engine=sv.SparkEngine(spark))
    assert_same(local, remote)
    quarantine = remote.quarantine.toPandas()
    key = ["source", "source_id", "reason", "row"]
    pd.testing.assert_frame_equal(
        quarantine.sort_values(key, ignore_index=True).astype(str),
        local.quarantine[key].sort_values(key, ignore_index=True).astype(str),
    )
    issues = ["source", "field", "reason"]
    pd.testing.assert_frame_equal(
        remote.issues.sort_values(issues, ignore_index=True),
        local.issues.sort_values(issues, ignore_index=True),
        check_dtype=False,
    )
    assert remote.rows_in == local.rows_in

    # What a user does next works on the Spark result too.
    first = local.pairs.iloc[0]
    a, b = first["source_l"], first["source_id_l"]
    c, d = first["source_r"], first["source_id_r"]
    pd.testing.assert_frame_equal(remote.explain((a, b), (c, d)), local.explain((a, b), (c, d)))
    assert remote.summary().splitlines()[:4] == local.summary().splitlines()[:4]
    saved = remote.save(tmp_path / "out")
    assert pd.read_parquet(saved / "clusters.parquet").shape == local.clusters.shape
    with pytest.raises(sv.ConfigError, match="not among the resolved records"):
        remote.explain(("crm", "nope"), (a, b))


def test_labels_and_every_guard_equal_local(spark: Any) -> None:
    # Labels, cannot-link on a deduplicated source, a size cap and the weak-link split: the
    # Spark engine learns the same m and rebuilds the same components.
    data = generate(1500, random_state=5)
    settings = sv.Settings(
        unique_sources=("web",), max_cluster_size=4, split_below_bits=3.0, probe_pairs=400
    )
    first = sv.resolve(sources(data.frames), settings=settings)
    truth = data.truth.set_index(["source", "source_id"])["person_id"]
    asked = first.suggest_pairs(15)
    left = truth.reindex(pd.MultiIndex.from_frame(asked[["source_l", "source_id_l"]]))
    right = truth.reindex(pd.MultiIndex.from_frame(asked[["source_r", "source_id_r"]]))
    labels = asked.assign(match=left.to_numpy() == right.to_numpy())
    local = sv.resolve(sources(data.frames), settings=settings, labels=labels)
    assert local.stats["labels"]["pairs"] == 15
    remote = sv.resolve(
        sources(data.frames), settings=settings, labels=labels, engine=sv.SparkEngine(spark)
    )
    assert_same(local, remote)
    assert remote.stats["labels"] == local.stats["labels"]
    assert remote.stats["cannot_link"] == local.stats["cannot_link"]
    # No customer holds two web records, none more than four records.
    clusters = local.clusters
    assert clusters.groupby("customer_id").size().max() <= 4
    assert clusters[clusters["source"] == "web"].groupby("customer_id").size().max() == 1
    # why() on Spark fetches the same links as the local result shows.
    biggest = clusters.groupby("customer_id").size().idxmax()
    mine, theirs = local.why(biggest), remote.why(biggest)
    assert mine.edges["source_id_l"].tolist() == theirs.edges["source_id_l"].tolist()
    assert mine.edges["spanning"].tolist() == theirs.edges["spanning"].tolist()
    with pytest.raises(sv.ConfigError):
        remote.why("C-not-there")
