"""Reading and cleaning several sources at once, in worker processes.

Cleaning is pure-Python string work (pandas string methods, ``phonenumbers``) that holds
the GIL, so threads do not help; processes do.  Sources go to workers only when they are
cheap to send: they read a file (``CsvSource``, ``ParquetSource``, an adapter given a path).

This process is one of the workers, the others are child processes.  Every worker reads
every source and cleans the batches it claims first (:class:`Claims`),
so the work is shared out as it goes, whatever the sources' sizes and per-row costs (a CRM
row can cost three times a till row), and one large file uses every worker.  Batches are
cleaned whole, exactly as in this process (an adapter may look at a whole batch, e.g. an
e-mail shared by many names in one batch), and put back in order, so the records do not
depend on how many workers there were; the newest row per source id is then kept here, as
:func:`~singleview.sources.load` does.  An error in a worker is raised here as it would
have been (the earliest batch's first), and the workers' log records are re-emitted
through this process's loggers.

A child worker is a fresh interpreter (``python -m singleview.sources.parallel``) that reads
the pickled sources on stdin and writes each source's pickled results on stdout as soon as
it is done with that source, so this process puts the first sources together while the
workers still clean the last.
Unlike ``multiprocessing``, it never imports the caller's ``__main__`` (an ETL script
without an ``if __name__ == "__main__"`` guard is safe) and never forks a process that may
hold DuckDB, Spark or rapidfuzz threads.  Its start-up costs about half a second of imports,
so :func:`worker_count` uses workers only when the files hold enough rows to repay it.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from .._process import peak_mib, usable_cpus
from ..errors import SourceError
from ..schema import Normalised
from .base import Source, finish_load, load, normalise_batch
from .files import PARQUET_SUFFIXES
from .records import compact_text

__all__ = ["MIN_PARALLEL_ROWS", "Claims", "estimated_rows", "load_all", "worker_count"]

logger = logging.getLogger(__name__)

#: Sources holding fewer rows than this in all are loaded in this process (a worker's
#: start-up costs about as much as cleaning 50,000 rows).
MIN_PARALLEL_ROWS = 200_000
#: Bytes per row assumed for a CSV file.
_CSV_ROW_BYTES = 100


def estimated_rows(source: Source) -> int | None:
    """Rows in the file ``source`` reads (Parquet: exact, from its footer; CSV: from its
    size), or None when it does not read one file."""
    path = getattr(source, "path", None)
    if not isinstance(path, Path):
        path = getattr(source, "data", None)
    if not (isinstance(path, Path) and path.is_file()):
        return None
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        try:
            return int(pq.read_metadata(path).num_rows)
        except (OSError, ValueError):
            return None
    return path.stat().st_size // _CSV_ROW_BYTES


def worker_count(sources: Sequence[Source], setting: int | None) -> int:
    """Processes to load ``sources`` with: ``setting`` when given, else one per CPU when
    every source reads a file and the files hold at least :data:`MIN_PARALLEL_ROWS` rows
    together, else 1 (this process)."""
    if setting is not None:
        return max(1, setting)
    rows = [estimated_rows(s) for s in sources]
    if not sources or any(r is None for r in rows):
        return 1
    if sum(r for r in rows if r is not None) < MIN_PARALLEL_ROWS:
        return 1
    return max(1, usable_cpus())


class Claims:
    """Which worker cleans which batch: the first to create a batch's file in ``folder``
    (an exclusive create, atomic on every platform) takes it.  Every worker reads every
    batch and cleans those it claims, so the work is shared out as it goes, whatever the
    sources' sizes and per-row costs."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def take(self, source: int, batch: int) -> bool:
        """Claim batch ``batch`` of source ``source``; False when another worker has."""
        try:
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
            os.close(os.open(self.folder / f"{source}-{batch}", flags))
        except FileExistsError:
            return False
        return True

    def stop(self) -> None:
        """Tell the other workers to start no further source (this one failed)."""
        (self.folder / "stop").touch()

    @property
    def stopped(self) -> bool:
        return (self.folder / "stop").exists()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable whatever the args
        record.exc_info, record.exc_text = None, None
        self.records.append(record)


#: What a worker hands back per source: ``("ok", (batches read, pieces), log records)``
#: with the pieces as (batch number, rows, normalised batch) for the batches it claimed,
#: or ``("error", (batch number, exception), log records)``; a worker stops at its first
#: error, and the others at the next source.
_Outcome = tuple[Any, ...]


def _claimed_outcomes(
    sources: list[Source], claims: Claims, *, collect: bool, compact: bool
) -> Iterator[_Outcome]:
    """Clean the batches this process claims of each source; one outcome per source, as
    each source is done.  ``collect``: keep the log records to hand back (a worker); else
    they go out here.  ``compact``: each batch's text as
    :func:`~singleview.sources.records.compact_text`."""
    root = logging.getLogger("singleview")
    for position, source in enumerate(sources):
        if claims.stopped:
            return
        records = _Collect()
        if collect:
            root.addHandler(records)
        done: list[tuple[int, int, Normalised]] = []
        read = 0  # batches read so far (a source may yield none)
        try:
            for number, batch in enumerate(source.read()):
                read = number + 1
                if claims.take(position, number):
                    part = normalise_batch(source, batch)
                    done.append((number, len(batch), compact_text(part) if compact else part))
        except Exception as error:
            claims.stop()
            yield ("error", (read, error), records.records)
            return
        finally:
            if collect:
                root.removeHandler(records)
        yield ("ok", (read, done), records.records)


def _work(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """In the worker: read the pickled sources, clean the batches it claims of each and
    write each source's outcome as soon as it is done (a pickle per message:
    ``("source", outcome)``), then ``("end", peak RSS in MiB)``.  The parent gathers a
    source while this one cleans the next, and only the last source's pieces are sent
    after the last batch."""
    sources, folder, level, compact = pickle.load(stdin)
    root = logging.getLogger("singleview")
    root.setLevel(level)
    root.propagate = False  # collected and re-emitted by the parent, not printed here
    for outcome in _claimed_outcomes(sources, Claims(folder), collect=True, compact=compact):
        pickle.dump(("source", outcome), stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
    pickle.dump(("end", peak_mib()), stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


#: Seconds a worker whose output broke off is given to exit by itself before it is killed.
_EXIT_WAIT = 5.0


class _Worker:
    """A child worker process and what it has sent so far.  Its output is read by a
    thread as it comes (a full pipe would stop the worker), its error output by another."""

    def __init__(self, payload: bytes, sources: list[Source]) -> None:
        self._names = ", ".join(repr(s.name) for s in sources)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "singleview.sources.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._outcomes: list[_Outcome] = []
        self._ended = False  # the end message came: nothing more will
        self._peak: int | None = None
        self._broken: BaseException | None = None  # the stream could not be read
        self._stderr = b""
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._drain, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        stdin = self._process.stdin
        assert stdin is not None

        def send() -> None:  # the worker reads it once its imports are done
            try:
                stdin.write(payload)
                stdin.close()
            except OSError:  # it died at start: reported by outcome()
                pass

        self._threads.append(threading.Thread(target=send, daemon=True))
        self._threads[-1].start()

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                kind, value = pickle.load(stdout)
                with self._changed:
                    if kind == "end":
                        self._peak, self._ended = value, True
                        self._changed.notify_all()
                        return
                    self._outcomes.append(value)
                    self._changed.notify_all()
        except BaseException as error:  # a cut-off stream or an exit: see outcome()
            with self._changed:
                self._broken = error
                self._changed.notify_all()

    def _drain(self) -> None:
        stderr = self._process.stderr
        assert stderr is not None
        self._stderr = stderr.read()

    def outcome(self, position: int) -> _Outcome | None:
        """The worker's outcome for source ``position``, waiting for it; None when it
        stopped before that source (another process failed)."""
        with self._changed:
            self._changed.wait_for(
                lambda: len(self._outcomes) > position or self._ended or self._broken is not None
            )
            if len(self._outcomes) > position:
                return self._outcomes[position]
            if self._ended:
                return None
        self._fail()

    def finish(self) -> int | None:
        """Wait for the worker to exit; its peak RSS in MiB."""
        with self._changed:
            self._changed.wait_for(lambda: self._ended or self._broken is not None)
        if not self._ended:
            self._fail()
        self._close()
        return self._peak

    def stop(self) -> None:
        """End the worker now (this process was interrupted or a source failed)."""
        if self._process.poll() is None:
            self._process.kill()
        self._close()

    def _close(self) -> int:
        """Wait for the process and both reading threads; close its pipes; its exit code."""
        code = self._process.wait()
        for thread in self._threads:
            thread.join()
        for pipe in (self._process.stdout, self._process.stderr):
            if pipe is not None:
                pipe.close()
        return code

    def _fail(self) -> NoReturn:
        stopped = False
        try:  # its output cannot be read any further: a live worker would block writing it
            self._process.wait(timeout=_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            stopped = True
        code = self._close()
        if code != 0 and not stopped:
            tail = self._stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise SourceError(
                f"sources {self._names}: the worker process loading them failed "
                f"(exit {code}): {' '.join(tail)}"
            )
        # A cut-off result: something else wrote to or closed the pipe.
        how = "was stopped" if stopped else "ended normally"
        raise SourceError(
            f"sources {self._names}: the worker process loading them {how} but its "
            f"result could not be read ({self._broken!r})"
        ) from self._broken


def load_all(
    sources: Sequence[Source], workers: int = 1, *, compact: bool = False
) -> list[Normalised]:
    """:func:`~singleview.sources.load` of every source, in ``workers`` processes (1: in
    this one); the results in the order of ``sources``.  ``compact``: text columns as
    :func:`~singleview.sources.records.compact_text` makes them, batch by batch (so a
    worker sends Arrow buffers, not Python strings, and no whole source is ever held as
    Python strings), whatever the number of workers."""
    if workers <= 1 or not sources or not sys.executable:
        return [_serial(source, compact) for source in sources]
    everything = list(sources)
    level = logging.getLogger("singleview").getEffectiveLevel()
    with tempfile.TemporaryDirectory(prefix="singleview-load-") as folder:
        try:
            payload = pickle.dumps(
                (everything, folder, level, compact), protocol=pickle.HIGHEST_PROTOCOL
            )
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            logger.warning("load: a source cannot be sent to a worker (%s); loading here", error)
            return [_serial(source, compact) for source in sources]
        # This process is one of the ``workers``: it cleans the batches it claims while
        # the others start (a worker's imports take about half a second) and run, and its
        # batches are not sent through a pipe.
        claims = Claims(folder)
        started = [_Worker(payload, everything) for _ in range(workers - 1)]
        try:
            here = list(_claimed_outcomes(everything, claims, collect=False, compact=compact))
            # Each source is put together as soon as every worker has sent it, while the
            # workers clean later sources' batches.
            results = []
            for i, source in enumerate(everything):
                outcomes = [here[i]] if i < len(here) else []
                for worker in started:
                    sent = worker.outcome(i)
                    if sent is not None:
                        outcomes.append(sent)
                results.append(_gather(source, outcomes))
            peaks = [worker.finish() for worker in started]
        except BaseException:  # interrupted or failed: the workers start no further source
            claims.stop()
            for worker in started:
                worker.stop()
            raise
    peaks.append(peak_mib())
    logger.info(
        "load: %d sources in %d processes sharing their batches, this one and %d workers "
        "(peak RSS: %s MiB)",
        len(sources),
        workers,
        workers - 1,
        ", ".join(str(peak) for peak in peaks),
    )
    return results


def _serial(source: Source, compact: bool) -> Normalised:
    """:func:`~singleview.sources.load` in this process, compacted if asked (as a whole:
    the same records as batch by batch)."""
    return compact_text(load(source)) if compact else load(source)


def _gather(source: Source, outcomes: list[_Outcome]) -> Normalised:
    """One source's batches from every worker put back in order, as :func:`load` gives
    them; the error of the earliest batch when a worker failed.  (A worker that stopped at
    an earlier source's error has no outcome here; that error was raised.)"""
    for _, _, records in outcomes:
        for record in records:
            logging.getLogger(record.name).handle(record)
    errors = [value for status, value, _ in outcomes if status == "error"]
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    counts = {count for _, (count, _), _ in outcomes}
    pieces = sorted((p for _, (_, done), _ in outcomes for p in done), key=lambda p: p[0])
    if len(counts) != 1 or [p[0] for p in pieces] != list(range(counts.pop())):
        raise SourceError(
            f"source {source.name!r}: the worker processes read different batches; load "
            "it with load_workers=1 (is its file being written to?)"
        )
    return finish_load(source, [p[2] for p in pieces], sum(p[1] for p in pieces))


if __name__ == "__main__":
    result_pipe = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pickled result
    _work(sys.stdin.buffer, result_pipe)
