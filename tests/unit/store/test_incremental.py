"""The store's central property: with the matching context frozen, ingesting the data in
any split gives the clusters of one ingest of all of it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import singleview as sv
from singleview.blocking import rule_name
from singleview.datasets import SyntheticData
from singleview.store.context import rule_keys
from singleview.store.db import read_records

from .conftest import partition, sources


def _full_run_with(context_of: Path, path: Path, synthetic: SyntheticData) -> set:
    """One ingest of everything into a fresh store holding ``context_of``'s context."""
    sv.IdentityStore(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute(f"ATTACH '{context_of}' AS trained (READ_ONLY)")
        con.execute("INSERT INTO context SELECT * FROM trained.context")
        con.execute("INSERT INTO term_frequencies SELECT * FROM trained.term_frequencies")
    with sv.IdentityStore(path) as store:
        store.ingest(sources(synthetic.frames))
        return partition(store.clusters())


@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), parts=st.integers(2, 4))
def test_any_split_gives_the_clusters_of_one_run(
    synthetic: SyntheticData, seed: int, parts: int
) -> None:
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / "split.duckdb"
        with sv.IdentityStore(split) as store:
            batch = {k: rng.integers(0, parts, len(f)) for k, f in synthetic.frames.items()}
            for part in range(parts):
                frames = {k: f[batch[k] == part] for k, f in synthetic.frames.items()}
                store.ingest(sources(frames))
            got = partition(store.clusters())
        assert got == _full_run_with(split, Path(tmp) / "full.duckdb", synthetic)


def test_row_order_does_not_change_the_store(tmp_path: Path, synthetic: SyntheticData) -> None:
    shuffled = {k: f.sample(frac=1.0, random_state=5) for k, f in synthetic.frames.items()}
    with sv.IdentityStore(tmp_path / "a.duckdb") as a, sv.IdentityStore(tmp_path / "b.duckdb") as b:
        a.ingest(sources(synthetic.frames))
        b.ingest(sources(shuffled))
        assert a.clusters().equals(b.clusters())


def test_the_guards_hold_in_every_increment(tmp_path: Path, synthetic: SyntheticData) -> None:
    import json

    from singleview.store.context import MatchContext

    guarded = sv.Settings(max_cluster_size=3, unique_sources=("web",))
    rng = np.random.default_rng(3)
    batch = {k: rng.integers(0, 2, len(f)) for k, f in synthetic.frames.items()}
    with sv.IdentityStore(tmp_path / "s.duckdb", settings=guarded) as store:
        for part in range(2):
            store.ingest(sources({k: f[batch[k] == part] for k, f in synthetic.frames.items()}))
        clusters = store.clusters()
    assert clusters.groupby("customer_id").size().max() <= 3
    web = clusters[clusters["source"] == "web"]
    assert web.groupby("customer_id").size().max() == 1
    # The guard is part of the stored context; a context saved before it has none.
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        body = json.loads(con.execute("SELECT body FROM context").fetchone()[0])
    assert body["guard"]["max_cluster_size"] == 3
    assert body["guard"]["unique_sources"] == ["web"]
    del body["guard"]
    old = MatchContext.from_json(json.dumps(body))
    assert old.guard.max_cluster_size is None and old.guard.cannot_link == ()


def test_broad_blocks_left_out_at_training_stay_out(
    tmp_path: Path, synthetic: SyntheticData
) -> None:
    """A store trained with a small ``broad_block_size`` freezes which name-sound blocks it
    leaves out, so ingesting in two parts still gives the clusters of one run."""
    from singleview.store.persist import load_context

    settings_ = sv.Settings(broad_block_size=3)
    split = tmp_path / "split.duckdb"
    first = {k: f.iloc[: len(f) // 2] for k, f in synthetic.frames.items()}
    rest = {k: f.iloc[len(f) // 2 :] for k, f in synthetic.frames.items()}
    with sv.IdentityStore(split, settings=settings_) as store:
        store.ingest(sources(first))
        store.ingest(sources(rest))
        got = partition(store.clusters())
    with duckdb.connect(str(split), read_only=True) as con:
        context = load_context(con)
    assert context is not None
    assert context.stopped.get("name_key")  # blocks of more than 3 name-sound sharers
    assert got == _full_run_with(split, tmp_path / "full.duckdb", synthetic)
    # The keys leave out exactly the stopped blocks' keys, rule by rule.
    with duckdb.connect(str(split), read_only=True) as con:
        features = context.features(read_records(con))
    keys = context.keys(features)
    for index, rule in enumerate(context.rules):
        rows, found = rule_keys(features, rule)
        stopped = context.stopped.get(rule_name(rule), set())
        kept = [
            (r, k) for r, k in zip(rows.tolist(), found.tolist(), strict=True) if k not in stopped
        ]
        part = keys[keys["rule"] == index]
        assert list(zip(part["position"], part["key"], strict=True)) == kept


def test_a_batch_scored_with_its_own_term_frequencies_scores_as_with_whole_tables(
    tmp_path: Path, synthetic: SyntheticData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest reads the term-frequency rows of the values its records hold, not the
    whole tables: every edge it writes has the probability the whole tables give (values
    the tables lack get the same floor, from the whole table's size)."""
    import shutil

    from singleview.store import core, ingest, persist

    rng = np.random.default_rng(11)
    half = {k: rng.random(len(f)) < 0.5 for k, f in synthetic.frames.items()}
    first = {k: f[half[k]] for k, f in synthetic.frames.items()}
    second = {k: f[~half[k]] for k, f in synthetic.frames.items()}
    trained = tmp_path / "trained.duckdb"
    with sv.IdentityStore(trained) as store:
        store.ingest(sources(first))
    shutil.copy(trained, tmp_path / "whole.duckdb")
    shutil.copy(trained, tmp_path / "partial.duckdb")

    partial: list[tuple[int, int]] = []  # (rows read, rows in the whole tables)
    real_load_tf = persist.load_tf

    def spy(con: duckdb.DuckDBPyConnection, context: object, features: object) -> None:
        real_load_tf(con, context, features)  # type: ignore[arg-type]
        model = context.model  # type: ignore[attr-defined]
        partial.append((sum(len(t) for t in model.tf_.values()), sum(model.tf_sizes_.values())))

    monkeypatch.setattr(ingest, "load_tf", spy)
    with sv.IdentityStore(tmp_path / "partial.duckdb") as store:
        store.ingest(sources(second))
    real_load_context = persist.load_context
    monkeypatch.setattr(
        core,
        "load_context",
        lambda con, tf=True: real_load_context(con),  # whole tables
    )
    with sv.IdentityStore(tmp_path / "whole.duckdb") as store:
        store.ingest(sources(second))

    assert len(partial) == 1 and 0 < partial[0][0] < partial[0][1]
    query = "SELECT a, b, probability, disagreement FROM edges ORDER BY a, b"
    with duckdb.connect(str(tmp_path / "partial.duckdb")) as con:
        got = con.execute(query).df()
    with duckdb.connect(str(tmp_path / "whole.duckdb")) as con:
        want = con.execute(query).df()
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
