"""Erasure leaves no bytes behind; a killed ingest leaves the previous state; a second
writer and a reader during a write wait, then get a clear error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import SyntheticData

from .conftest import partition, sources

PLANTED = "zebedee.quixotic-planted"


def _planted(synthetic: SyntheticData) -> dict[str, pd.DataFrame]:
    frames = dict(synthetic.frames)
    web = frames["web"].copy()
    email_column = next(c for c in web.columns if "email" in c.lower())
    web.loc[web.index[0], email_column] = f"{PLANTED}@mailbox.co.uk"
    frames["web"] = web
    return frames


def _bytes_hold(path: Path, text: str) -> bool:
    needle = text.encode()
    found = needle in path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    return found or (wal.exists() and needle in wal.read_bytes())


def test_erase_leaves_no_trace_in_tables_or_bytes(tmp_path: Path, synthetic: SyntheticData) -> None:
    frames = _planted(synthetic)
    path = tmp_path / "s.duckdb"
    id_column = sv.WebSource(frames["web"]).mapping.id_column
    erased_id = str(frames["web"].iloc[0][id_column])
    with sv.IdentityStore(path) as store:
        store.ingest(sources(frames))
        assert _bytes_hold(path, PLANTED)  # the scan can see a planted value
        before = store.clusters()
        store.erase("web", erased_id)
        after = store.clusters()
        events = store.changes()
    assert len(after) == len(before) - 1
    assert ("web", erased_id) not in set(zip(after["source"], after["source_id"], strict=True))
    assert "erase" in set(events["kind"])
    assert not events.astype(str).apply(lambda c: c.str.contains(erased_id)).any().any()
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        for table in tables:
            text = con.execute(f'SELECT * FROM "{table}"').df().astype(str)
            for value in (PLANTED, erased_id):
                assert (
                    not text.apply(lambda c, v=value: c.str.contains(v, regex=False)).any().any()
                ), table
    assert not _bytes_hold(path, PLANTED)


_CHILD = """
import sys
import singleview as sv
from singleview.datasets import generate
data = generate(1200, random_state=3)
adapters = {"crm": sv.CrmSource, "web": sv.WebSource, "call_centre": sv.CallCentreSource,
            "store": sv.StoreSource}
frames = {k: f[f.index % 2 == 1] for k, f in data.frames.items()}
with sv.IdentityStore(sys.argv[1]) as store:
    print("start", flush=True)
    store.ingest([adapters[k](f) for k, f in frames.items()])
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 3.5])
def test_a_killed_ingest_leaves_the_previous_state(
    tmp_path: Path, synthetic: SyntheticData, delay: float
) -> None:
    path = tmp_path / "s.duckdb"
    first = {k: f[f.index % 2 == 0] for k, f in synthetic.frames.items()}
    with sv.IdentityStore(path) as store:
        store.ingest(sources(first))
        before = store.clusters()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    child.stdout.readline()  # the child has opened the store
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    with sv.IdentityStore(path) as store:
        now = store.clusters()
        complete = len(now) > len(before)
        if not complete:  # killed before the commit: exactly the previous state
            pd.testing.assert_frame_equal(now, before)
        store.ingest(sources(synthetic.frames))  # the next ingest completes
        final = partition(store.clusters())
    reference = tmp_path / "ref.duckdb"
    with sv.IdentityStore(reference) as store:
        store.ingest(sources(first))
        store.ingest(sources(synthetic.frames))
        assert final == partition(store.clusters())


_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_other_processes_wait_then_fail_clearly(tmp_path: Path, synthetic: SyntheticData) -> None:
    path = tmp_path / "s.duckdb"
    with sv.IdentityStore(path) as store:
        store.ingest(sources(synthetic.frames))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), "3"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    holder.stdout.readline()
    impatient = sv.IdentityStore.__new__(sv.IdentityStore)
    impatient.__dict__.update(store.__dict__, timeout=0.2, _closed=False, _lookup=None)
    with pytest.raises(sv.StoreBusyError, match="in use by another process"):
        impatient.ingest(sources(synthetic.frames))
    with pytest.raises(sv.StoreBusyError):
        impatient.clusters()
    # A patient reader waits for the writer and then reads the committed state.
    patient = sv.IdentityStore.__new__(sv.IdentityStore)
    patient.__dict__.update(store.__dict__, timeout=30.0, _closed=False, _lookup=None)
    started = time.monotonic()
    assert len(patient.clusters()) > 0
    assert time.monotonic() - started > 0.5
    holder.wait()
    holder.stdout.close()
