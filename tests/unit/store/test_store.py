"""IdentityStore: a first ingest equals resolve, re-ingest is a no-op, changes and
deletions, stable ids, overrides, retrain, lookup, schema and closed-store errors."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import SyntheticData
from singleview.store.persist import load_context

from .conftest import partition, sources


def test_first_ingest_gives_the_clusters_and_ids_of_resolve(
    tmp_path: Path, synthetic: SyntheticData
) -> None:
    expected = sv.resolve(sources(synthetic.frames)).clusters
    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        report = store.ingest(sources(synthetic.frames))
        got = store.clusters()
        profiles = store.profiles()
        events = store.changes()
    assert report.new == len(expected)
    assert partition(got) == partition(expected)
    merged = got.merge(expected, on=["source", "source_id"], suffixes=("", "_resolve"))
    assert (merged["customer_id"] == merged["customer_id_resolve"]).all()
    assert sorted(profiles["customer_id"]) == sorted(got["customer_id"].unique())
    assert set(events["kind"]) == {"create"}
    assert events["seq"].is_monotonic_increasing and events["seq"].is_unique


def test_reingesting_a_batch_changes_nothing(tmp_path: Path, synthetic: SyntheticData) -> None:
    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        store.ingest(sources(synthetic.frames))
        before = store.clusters()
        last = int(store.changes()["seq"].max())
        report = store.ingest(sources(synthetic.frames))
        assert (report.new, report.changed, report.pairs_scored) == (0, 0, 0)
        assert report.unchanged == len(before)
        pd.testing.assert_frame_equal(store.clusters(), before)
        assert store.changes(since=last).empty


def test_changed_and_deleted_records(tmp_path: Path) -> None:
    crm = pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "name": ["Ann Lee", "Ann Lee", "Bob Ray"],
            "email": ["ann.lee@mail.co.uk", "ann.lee@mail.co.uk", "bob.ray@post.com"],
            "when": ["2024-01-01", "2024-01-01", "2024-01-01"],
            "gone": [False, False, False],
        }
    )

    def source(frame: pd.DataFrame) -> sv.FrameSource:
        return sv.FrameSource(
            frame,
            name="crm",
            id_column="id",
            columns={"full_name": "name", "email": "email", "updated_at": "when"},
            deleted_column="gone",
        )

    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        store.ingest([source(crm)])
        ann = store.clusters().set_index("source_id")["customer_id"]
        assert ann["1"] == ann["2"] != ann["3"]
        # Record 2 moves to Bob's e-mail (newer), record 3 is deleted, an older version of
        # record 1 is ignored.
        update = pd.DataFrame(
            {
                "id": ["2", "3", "1"],
                "name": ["Bob Ray", "Bob Ray", "Ann Leigh"],
                "email": ["bob.ray@post.com", "bob.ray@post.com", "x@y.com"],
                "when": ["2024-02-01", "2024-02-01", "2023-01-01"],
                "gone": [False, True, False],
            }
        )
        report = store.ingest([source(update)])
        assert (report.changed, report.deleted, report.stale) == (1, 1, 1)
        now = store.clusters().set_index("source_id")["customer_id"]
        assert sorted(now.index) == ["1", "2"]
        assert now["1"] == ann["1"]  # the oldest record keeps its id
        kinds = store.changes(since=report.first_seq - 1)["kind"].tolist()
        assert "remove" in kinds or "update" in kinds


def test_ids_are_stable_on_merge_and_split(tmp_path: Path, synthetic: SyntheticData) -> None:
    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        store.ingest(sources(synthetic.frames))
        clusters = store.clusters()
        sizes = clusters["customer_id"].value_counts()
        big = sizes.index[0]
        members = clusters[clusters["customer_id"] == big].sort_values(["source", "source_id"])
        a = tuple(members.iloc[0][["source", "source_id"]])
        b = tuple(members.iloc[-1][["source", "source_id"]])
        store.force_split(a, b)
        after = store.clusters().set_index(["source", "source_id"])["customer_id"]
        assert after[a] != after[b]
        assert big in {after[a], after[b]}  # one part keeps the id
        split_events = store.changes()
        assert "split" in set(split_events["kind"])
        # Merging two customers keeps the older id (both created at once: the smaller).
        other = sizes.index[1]
        store.force_merge(big, other)
        merged = store.clusters().set_index(["source", "source_id"])["customer_id"]
        assert (
            merged[a]
            == merged[
                tuple(clusters[clusters["customer_id"] == other].iloc[0][["source", "source_id"]])
            ]
        )
        assert "merge" in set(store.changes()["kind"])
        # Overrides survive a retrain.
        store.retrain()
        final = store.clusters().set_index(["source", "source_id"])["customer_id"]
        assert final[a] != final[b]


def test_lookup_finds_the_customer(tmp_path: Path, synthetic: SyntheticData) -> None:
    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        store.ingest(sources(synthetic.frames))
        profiles = store.profiles()
        row = profiles.dropna(subset=["email", "first_name", "last_name"]).iloc[0]
        found = store.lookup(
            {"first_name": row["first_name"], "last_name": row["last_name"], "email": row["email"]}
        )
        assert found.iloc[0]["customer_id"] == row["customer_id"]
        assert found.iloc[0]["match_probability"] > 0.9
        assert set(found.iloc[0]["explanation"]) >= {"email"}
        nobody = store.lookup({"email": "no.such.person.qq@nowhere.example"})
        assert nobody.empty or nobody["match_probability"].max() < 0.5
        with pytest.raises(sv.ConfigError, match="unknown field"):
            store.lookup({"emial": "x@y.com"})


def test_not_a_store_and_closed_store(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    with pytest.raises(sv.StoreError, match="not a singleview store"):
        sv.IdentityStore(path)
    store = sv.IdentityStore(tmp_path / "s.duckdb")
    store.close()
    with pytest.raises(sv.StoreError, match="closed"):
        store.clusters()
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(sv.StoreError, match="schema version 99"):
        sv.IdentityStore(tmp_path / "s.duckdb")


def test_first_ingest_needs_two_records(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["1"], "email": ["a@b.com"]})
    source = sv.FrameSource(frame, name="crm", id_column="id", columns={"email": "email"})
    with (
        sv.IdentityStore(tmp_path / "s.duckdb") as store,
        pytest.raises(sv.StoreError, match="two records"),
    ):
        store.ingest([source])


def test_event_numbers_only_grow(tmp_path: Path, synthetic: SyntheticData) -> None:
    rng = np.random.default_rng(1)
    with sv.IdentityStore(tmp_path / "s.duckdb") as store:
        for part in range(3):
            frames = {k: f[rng.integers(0, 3, len(f)) == part] for k, f in synthetic.frames.items()}
            store.ingest(sources(frames))
        seq = store.changes()["seq"]
    assert seq.is_unique and seq.is_monotonic_increasing


def test_a_version_1_store_is_migrated(tmp_path: Path, synthetic: SyntheticData) -> None:
    """Schema 1 kept the term-frequency tables inside the context JSON; opening such a file
    moves them to their own table and matches exactly as before."""
    path = tmp_path / "s.duckdb"
    with sv.IdentityStore(path) as store:
        store.ingest(sources(synthetic.frames))
        query = {"first_name": "Oliver", "last_name": "Smith", "postcode": "M1 1AE"}
        before = store.lookup(query)
    con = duckdb.connect(str(path))
    whole = load_context(con)
    assert whole is not None and whole.model.tf_
    con.execute("UPDATE context SET body = ?", [whole.to_json()])
    con.execute("DROP TABLE term_frequencies")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with sv.IdentityStore(path) as store:
        assert store.lookup(query).equals(before)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    migrated = load_context(con)
    body = json.loads(con.execute("SELECT body FROM context").fetchone()[0])
    con.close()
    assert body["model"]["tf"] == {}
    assert migrated is not None
    assert set(migrated.model.tf_) == set(whole.model.tf_)
    for column, table in whole.model.tf_.items():
        assert migrated.model.tf_[column].sort_index().equals(table.sort_index())


def test_a_store_keeps_its_threshold_when_the_defaults_change(
    tmp_path: Path, synthetic: SyntheticData
) -> None:
    """Settings are saved at creation; a store from before that was done keeps the
    threshold and guard weight its model was trained with, through ``retrain``."""
    path = tmp_path / "s.duckdb"
    with sv.IdentityStore(path) as store:
        store.ingest(sources(synthetic.frames))
    con = duckdb.connect(str(path))
    saved = con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    assert saved is not None
    assert sv.Settings.model_validate_json(saved[0]).threshold == sv.Settings().threshold
    # An older store: no saved settings, a context trained at 0.5 / 0.5.
    con.execute("DELETE FROM meta WHERE key = 'settings'")
    body = json.loads(con.execute("SELECT body FROM context").fetchone()[0])
    body["threshold"], body["disagreement_weight"] = 0.5, 0.5
    con.execute("UPDATE context SET body = ?", [json.dumps(body)])
    con.close()
    with sv.IdentityStore(path) as store:
        store.retrain()
    con = duckdb.connect(str(path), read_only=True)
    retrained = load_context(con)
    con.close()
    assert retrained is not None
    assert (retrained.threshold, retrained.disagreement_weight) == (0.5, 0.5)
