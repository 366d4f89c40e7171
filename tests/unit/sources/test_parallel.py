"""Loading sources in worker processes: the same records as one by one, errors and log
records brought back, and when the workers are used at all."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import generate
from singleview.errors import SchemaError
from singleview.sources import load, parallel
from singleview.sources.parallel import estimated_rows, load_all, worker_count
from singleview.sources.records import INFERRED_TEXT, KEPT_AS_OBJECTS

ADAPTERS = {
    "crm": sv.CrmSource,
    "web": sv.WebSource,
    "call_centre": sv.CallCentreSource,
    "store": sv.StoreSource,
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("parallel")
    out = {}
    for name, frame in generate(1_500, random_state=4).frames.items():
        out[name] = folder / f"{name}.csv"
        frame.to_csv(out[name], index=False)
    return out


def _sources(files: dict[str, Path]) -> list[sv.Source]:
    return [ADAPTERS[name](path, region="GB") for name, path in files.items()]


def test_workers_give_what_loading_one_by_one_gives(files: dict[str, Path]) -> None:
    sources = _sources(files)
    one = [load(s) for s in sources]
    two = load_all(sources, workers=2)
    assert len(two) == len(one)
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(a.records, b.records)
        pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
        pd.testing.assert_frame_equal(a.issues, b.issues)


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def test_compact_loading_holds_the_same_records_in_pandas_text(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """``compact=True`` (what resolve asks for) gives the records of plain loading, text in
    pandas' own text dtype (Arrow-backed on pandas 3), the same in one process, in two,
    and with one source's batches shared between three workers."""
    sources = _sources(files)
    plain = [load(s) for s in sources]
    for workers in (1, 2):
        compact = load_all(sources, workers=workers, compact=True)
        for a, b in zip(plain, compact, strict=True):
            pd.testing.assert_frame_equal(_as_objects(a.records), _as_objects(b.records))
            pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
            text = [c for c in b.records.columns if c not in KEPT_AS_OBJECTS]
            assert all(b.records[c].dtype in (INFERRED_TEXT, "datetime64[ns]") for c in text)
    batched = sv.CrmSource(files["crm"], region="GB", batch_size=400)
    (alone,) = load_all([batched], workers=1, compact=True)
    (shared,) = load_all([batched], workers=3, compact=True)
    pd.testing.assert_frame_equal(alone.records, shared.records)


def test_resolve_with_workers_gives_the_same_customers(files: dict[str, Path]) -> None:
    alone = sv.resolve(_sources(files), settings=sv.Settings(load_workers=1))
    side = sv.resolve(_sources(files), settings=sv.Settings(load_workers=2))
    pd.testing.assert_frame_equal(alone.clusters, side.clusters)
    pd.testing.assert_frame_equal(alone.quarantine, side.quarantine)


def test_worker_log_records_are_emitted_here(
    files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="singleview"):
        load_all(_sources(files), workers=2)
    kept = [r for r in caplog.records if "rows read" in r.getMessage()]
    assert sorted(r.getMessage().split(":")[0] for r in kept) == sorted(
        f"source {name}" for name in files
    )
    assert all(r.name == "singleview.sources.base" for r in kept)


def test_an_error_in_a_worker_is_raised_here(files: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "crm.csv"
    frame = pd.read_csv(files["crm"], dtype=str)
    frame.to_csv(broken, index=False)
    sources = [sv.CrmSource(broken, region="GB"), sv.WebSource(files["web"], region="GB")]
    # The file loses its id column after the source checked its header.
    frame.drop(columns=["contact_id"]).to_csv(broken, index=False)
    with pytest.raises(SchemaError, match="contact_id"):
        load_all(sources, workers=2)


def test_a_source_that_cannot_be_sent_is_loaded_here(
    files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    sources = _sources(files)
    sources[0].unpicklable = lambda: None  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="singleview"):
        loaded = load_all(sources, workers=2)
    assert [len(n.records) for n in loaded] == [len(load(s).records) for s in sources]
    assert any("cannot be sent" in r.getMessage() for r in caplog.records)


def test_worker_count(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _sources(files)
    assert all(estimated_rows(s) for s in sources)
    frame = pd.read_csv(files["web"], dtype=str)
    frame.to_parquet(tmp_path / "web.parquet", index=False)
    assert estimated_rows(sv.WebSource(tmp_path / "web.parquet")) == len(frame)  # exact
    assert worker_count(sources, 3) == 3
    assert worker_count(sources, 9) == 9  # as many as asked: they share the batches
    # Automatic: these files hold few rows, so this process loads them ...
    assert worker_count(sources, None) == 1
    # ... large enough ones go to one worker per CPU ...
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ROWS", 0)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    assert worker_count(sources, None) == 2
    # ... and in-memory frames are never sent.
    frames = generate(300, random_state=1).sources()
    assert estimated_rows(frames[0]) is None
    assert worker_count(frames, None) == 1
    assert worker_count([*sources[:1], *frames[1:]], None) == 1


def test_one_source_in_several_batches_is_shared_by_every_worker(
    files: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Three workers share the batches of one source (400 rows each, some ids repeated so
    that superseding spans workers): the records, quarantine and issues of
    loading in this process, and one "rows read" log line with every row counted."""
    frame = pd.read_csv(files["crm"], dtype=str)
    repeated = frame.sample(200, random_state=3).assign(email="changed@example.com")
    path = tmp_path / "crm.csv"
    pd.concat([frame, repeated], ignore_index=True).to_csv(path, index=False)
    source = sv.CrmSource(path, region="GB", batch_size=400)
    alone = load(source)
    with caplog.at_level(logging.INFO, logger="singleview"):
        (shared,) = load_all([source], workers=3)
    pd.testing.assert_frame_equal(alone.records, shared.records)
    pd.testing.assert_frame_equal(alone.quarantine, shared.quarantine)
    pd.testing.assert_frame_equal(alone.issues, shared.issues)
    assert (shared.quarantine["reason"] == "superseded").sum() >= 1
    read = [r.getMessage() for r in caplog.records if "rows read" in r.getMessage()]
    assert read == [read[0]] and f"{len(frame) + 200} rows read" in read[0]
    assert any("3 processes sharing" in r.getMessage() for r in caplog.records)


def test_a_batch_is_claimed_once(tmp_path: Path) -> None:
    first, second = parallel.Claims(tmp_path), parallel.Claims(tmp_path)
    assert first.take(0, 0) and not second.take(0, 0)
    assert second.take(0, 1) and second.take(1, 0) and not first.take(1, 0)
    assert not first.stopped
    second.stop()
    assert first.stopped


def test_workers_that_read_different_batches_are_an_error() -> None:
    """A file that changes while the workers read it: a clear error, not lost rows."""
    from singleview.errors import SourceError

    source = sv.WebSource.example()
    (piece,) = [p for p in source.read()]
    normalised = load(source)
    outcomes: list[parallel._Outcome] = [
        ("ok", (2, [(0, len(piece), normalised)]), []),
        ("ok", (1, []), []),
    ]
    with pytest.raises(SourceError, match="different batches"):
        parallel._gather(source, outcomes)
    # Both read two batches but nobody cleaned the second: also an error.
    outcomes[1] = ("ok", (2, []), [])
    with pytest.raises(SourceError, match="different batches"):
        parallel._gather(source, outcomes)


def test_load_workers_is_validated() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="load_workers"):
        sv.Settings(load_workers=0)


def _workers_run(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Every worker process started from here on runs ``script`` (``python -c``) instead."""
    import subprocess
    import sys

    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        return real_popen([sys.executable, "-c", script], **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "Popen", popen)


def test_a_cut_off_worker_result_is_a_clear_error(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that exits 0 with a truncated result (seen under a profiler attached to
    the workers) raises a SourceError naming the sources, not a bare UnpicklingError."""
    from singleview.errors import SourceError

    # The real worker, with the second half of everything it writes cut off.
    _workers_run(
        monkeypatch,
        "import subprocess, sys; "
        "out = subprocess.run([sys.executable, '-m', 'singleview.sources.parallel'], "
        "stdin=sys.stdin, capture_output=True).stdout; "
        "sys.stdout.buffer.write(out[: len(out) // 2])",
    )
    with pytest.raises(SourceError, match="could not be read") as raised:
        load_all(_sources(files), workers=2)
    assert "'crm'" in str(raised.value)


def test_a_worker_that_dies_is_a_clear_error(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed before it sends anything: a SourceError with its exit code."""
    from singleview.errors import SourceError

    _workers_run(
        monkeypatch,
        "import sys; sys.stdin.buffer.read(); sys.stderr.write('out of memory\\n'); sys.exit(9)",
    )
    with pytest.raises(SourceError, match=r"failed \(exit 9\): out of memory"):
        load_all(_sources(files), workers=2)


def test_a_worker_whose_output_breaks_off_is_stopped_not_waited_for(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker whose output cannot be read (seen under py-spy) but which goes on writing
    would block on the full pipe for ever: it is stopped and a SourceError says so."""
    from singleview.errors import SourceError

    _workers_run(
        monkeypatch,
        "import sys; sys.stdin.buffer.read(); out = sys.stdout.buffer; "
        "out.write(b'not a pickle'); out.flush()\n"
        "while True: out.write(bytes(65536)); out.flush()",
    )
    monkeypatch.setattr(parallel, "_EXIT_WAIT", 0.5)
    with pytest.raises(SourceError, match="was stopped but its result could not be read"):
        load_all(_sources(files), workers=2)


def test_each_source_is_gathered_once_the_workers_sent_it(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each source is gathered once every worker has sent it: the first source is put
    together while the worker still has later sources to send."""
    gathered: list[tuple[str, int]] = []
    real_gather, real_outcome = parallel._gather, parallel._Worker.outcome
    asked: list[int] = []

    def gather(source: sv.Source, outcomes: list[parallel._Outcome]) -> object:
        gathered.append((source.name, len(asked)))
        return real_gather(source, outcomes)

    def outcome(self: parallel._Worker, position: int) -> parallel._Outcome | None:
        asked.append(position)
        return real_outcome(self, position)

    monkeypatch.setattr(parallel, "_gather", gather)
    monkeypatch.setattr(parallel._Worker, "outcome", outcome)
    sources = _sources(files)
    together = load_all(sources, workers=2)
    assert [name for name, _ in gathered] == [s.name for s in sources]
    # Source i is gathered after the worker's outcome i was asked for, before i + 1's.
    assert [count for _, count in gathered] == list(range(1, len(sources) + 1))
    one_by_one = [load(s) for s in sources]
    for got, want in zip(together, one_by_one, strict=True):
        pd.testing.assert_frame_equal(got.records, want.records)


def test_a_source_that_yields_no_batch_loads_empty() -> None:
    """A reader that yields nothing: no records in workers, as in this process."""
    outcomes: list[parallel._Outcome] = [("ok", (0, []), []), ("ok", (0, []), [])]
    source = sv.WebSource.example()
    gathered = parallel._gather(source, outcomes)
    assert len(gathered.records) == 0 and len(gathered.quarantine) == 0
