"""Reading and cleaning several sources at once, one worker process per source.

Cleaning is pure-Python string work (pandas string methods, ``phonenumbers``) that holds
the GIL, so threads do not help; processes do.  A source goes to a worker only when it is
cheap to send: it reads a file (``CsvSource``, ``ParquetSource``, an adapter given a path).
Records come back in the sources' order, so the result is the same as loading them one by
one; an error in a worker is raised here as it would have been, and the workers' log
records are re-emitted through this process's loggers.

A worker is a fresh interpreter (``python -m singleview.sources.parallel``) that reads one
pickled source on stdin and writes the pickled result on stdout.  Unlike
``multiprocessing``, it never imports the caller's ``__main__`` (an ETL script without an
``if __name__ == "__main__"`` guard is safe) and never forks a process that may hold
DuckDB, Spark or rapidfuzz threads.  Its start-up costs about a second of imports, so
:func:`worker_count` uses workers only when the files are large enough to repay it.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..schema import Normalised
from .base import Source, load

__all__ = ["MIN_PARALLEL_BYTES", "file_bytes", "load_all", "worker_count"]

logger = logging.getLogger(__name__)

#: Files smaller than this in all are loaded in this process (a worker's start-up costs
#: about as much as cleaning 50,000 rows).
MIN_PARALLEL_BYTES = 20 * 2**20


def file_bytes(source: Source) -> int | None:
    """Size of the file ``source`` reads, or None when it does not read one file."""
    path = getattr(source, "path", None)
    if not isinstance(path, Path):
        path = getattr(source, "data", None)
    if isinstance(path, Path) and path.is_file():
        return path.stat().st_size
    return None


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(sources: Sequence[Source], setting: int | None) -> int:
    """Processes to load ``sources`` with: ``setting`` when given (at most one per
    source), else one per CPU when every source reads a file and the files hold at least
    :data:`MIN_PARALLEL_BYTES` together, else 1 (this process)."""
    if setting is not None:
        return max(1, min(setting, len(sources)))
    sizes = [file_bytes(s) for s in sources]
    if len(sources) < 2 or any(s is None for s in sizes):
        return 1
    if sum(s for s in sizes if s is not None) < MIN_PARALLEL_BYTES:
        return 1
    return max(1, min(_cpus(), len(sources)))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable whatever the args
        record.exc_info, record.exc_text = None, None
        self.records.append(record)


def _peak_mib() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 2**20 if sys.platform == "darwin" else peak // 1024)


def _work(payload: bytes) -> bytes:
    """In the worker: load the pickled ``(source, log level)``; the pickled outcome."""
    source, level = pickle.loads(payload)
    root = logging.getLogger("singleview")
    root.setLevel(level)
    root.propagate = False  # collected and re-emitted by the parent, not printed here
    collect = _Collect()
    root.addHandler(collect)
    outcome: tuple[Any, ...]
    try:
        outcome = ("ok", load(source), collect.records, _peak_mib())
    except Exception as error:
        outcome = ("error", error, collect.records, _peak_mib())
    return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)


def _run_worker(source: Source, level: int) -> tuple[Any, ...]:
    payload = pickle.dumps((source, level), protocol=pickle.HIGHEST_PROTOCOL)
    done = subprocess.run(
        [sys.executable, "-m", "singleview.sources.parallel"],
        input=payload,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SourceError(
            f"source {source.name!r}: the worker process loading it failed "
            f"(exit {done.returncode}): {' '.join(tail)}"
        )
    outcome: tuple[Any, ...] = pickle.loads(done.stdout)
    return outcome


def load_all(sources: Sequence[Source], workers: int = 1) -> list[Normalised]:
    """:func:`~singleview.sources.load` of every source, in ``workers`` processes (1: in
    this one); the results in the order of ``sources``."""
    if workers <= 1 or len(sources) < 2:
        return [load(source) for source in sources]
    # Largest file first, so the last one to start is a small one.
    order = sorted(range(len(sources)), key=lambda i: -(file_bytes(sources[i]) or 0))
    level = logging.getLogger("singleview").getEffectiveLevel()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # each thread waits on a process
        futures = {i: pool.submit(_run_worker, sources[i], level) for i in order}
        outcomes = [futures[i].result() for i in range(len(sources))]
    for _, _, records, _ in outcomes:
        for record in records:
            logging.getLogger(record.name).handle(record)
    for status, value, _, _ in outcomes:
        if status == "error":
            raise value
    logger.info(
        "load: %d sources in %d worker processes (their peak RSS: %s MiB)",
        len(sources),
        workers,
        ", ".join(str(peak) for _, _, _, peak in outcomes),
    )
    return [value for _, value, _, _ in outcomes]


if __name__ == "__main__":
    result_pipe = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pickled result
    result_pipe.write(_work(sys.stdin.buffer.read()))
    result_pipe.flush()
