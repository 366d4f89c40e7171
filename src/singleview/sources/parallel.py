"""Reading and cleaning several sources at once, in worker processes.

Cleaning is pure-Python string work (pandas string methods, ``phonenumbers``) that holds
the GIL, so threads do not help; processes do.  A source goes to a worker only when it is
cheap to send: it reads a file (``CsvSource``, ``ParquetSource``, an adapter given a path).
Records come back in the sources' order, so the result is the same as loading them one by
one; an error in a worker is raised here as it would have been, and the workers' log
records are re-emitted through this process's loggers.

A worker is a fresh interpreter (``python -m singleview.sources.parallel``) that reads its
share of the pickled sources on stdin (the largest first, each to the least loaded worker)
and writes the pickled results on stdout.  Unlike
``multiprocessing``, it never imports the caller's ``__main__`` (an ETL script without an
``if __name__ == "__main__"`` guard is safe) and never forks a process that may hold
DuckDB, Spark or rapidfuzz threads.  Its start-up costs about two seconds of imports, so
:func:`worker_count` uses workers only when the files hold enough rows to repay it.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .._process import peak_mib, usable_cpus
from ..errors import SourceError
from ..schema import Normalised
from .base import Source, load
from .files import PARQUET_SUFFIXES

__all__ = ["MIN_PARALLEL_ROWS", "estimated_rows", "load_all", "worker_count"]

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
    """Processes to load ``sources`` with: ``setting`` when given (at most one per
    source), else one per CPU when every source reads a file and the files hold at least
    :data:`MIN_PARALLEL_ROWS` rows together, else 1 (this process)."""
    if setting is not None:
        return max(1, min(setting, len(sources)))
    rows = [estimated_rows(s) for s in sources]
    if len(sources) < 2 or any(r is None for r in rows):
        return 1
    if sum(r for r in rows if r is not None) < MIN_PARALLEL_ROWS:
        return 1
    return max(1, min(usable_cpus(), len(sources)))


def _shares(sources: Sequence[Source], workers: int) -> list[list[int]]:
    """Source positions per worker: the largest first, each to the least loaded."""
    sizes = [estimated_rows(s) or 0 for s in sources]
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for i in sorted(range(len(sources)), key=lambda i: (-sizes[i], i)):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += sizes[i]
    return [share for share in shares if share]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # picklable whatever the args
        record.exc_info, record.exc_text = None, None
        self.records.append(record)


def _work(payload: bytes) -> bytes:
    """In the worker: load each of the pickled ``(sources, log level)``; the pickled
    outcomes, one per source."""
    sources, level = pickle.loads(payload)
    root = logging.getLogger("singleview")
    root.setLevel(level)
    root.propagate = False  # collected and re-emitted by the parent, not printed here
    outcomes: list[tuple[Any, ...]] = []
    for source in sources:
        collect = _Collect()
        root.addHandler(collect)
        try:
            outcomes.append(("ok", load(source), collect.records))
        except Exception as error:
            outcomes.append(("error", error, collect.records))
            break
        finally:
            root.removeHandler(collect)
    return pickle.dumps((outcomes, peak_mib()), protocol=pickle.HIGHEST_PROTOCOL)


def _run_worker(payload: bytes, sources: list[Source]) -> tuple[list[tuple[Any, ...]], int]:
    done = subprocess.run(
        [sys.executable, "-m", "singleview.sources.parallel"],
        input=payload,
        capture_output=True,
        check=False,
    )
    names = ", ".join(repr(s.name) for s in sources)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise SourceError(
            f"sources {names}: the worker process loading them failed "
            f"(exit {done.returncode}): {' '.join(tail)}"
        )
    try:
        outcome: tuple[list[tuple[Any, ...]], int] = pickle.loads(done.stdout)
    except (pickle.UnpicklingError, EOFError, ValueError) as error:
        # Exit 0 but a cut-off result: something else wrote to or closed the pipe.
        raise SourceError(
            f"sources {names}: the worker process loading them ended normally but its "
            f"result could not be read ({len(done.stdout)} bytes: {error})"
        ) from error
    return outcome


def load_all(sources: Sequence[Source], workers: int = 1) -> list[Normalised]:
    """:func:`~singleview.sources.load` of every source, in ``workers`` processes (1: in
    this one); the results in the order of ``sources``."""
    if workers <= 1 or len(sources) < 2 or not sys.executable:
        return [load(source) for source in sources]
    shares = _shares(sources, workers)
    level = logging.getLogger("singleview").getEffectiveLevel()
    try:
        payloads = [
            pickle.dumps(([sources[i] for i in share], level), protocol=pickle.HIGHEST_PROTOCOL)
            for share in shares
        ]
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        logger.warning("load: a source cannot be sent to a worker (%s); loading here", error)
        return [load(source) for source in sources]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:  # each thread waits on one
        futures = [
            pool.submit(_run_worker, payload, [sources[i] for i in share])
            for payload, share in zip(payloads, shares, strict=True)
        ]
        done = [future.result() for future in futures]
    by_position: dict[int, tuple[Any, ...]] = {}
    for share, (outcomes, _) in zip(shares, done, strict=True):
        by_position.update(zip(share, outcomes, strict=False))
    results: list[Normalised] = []
    for position in range(len(sources)):
        if position not in by_position:  # an earlier source of its worker failed
            continue
        status, value, records = by_position[position]
        for record in records:
            logging.getLogger(record.name).handle(record)
        if status == "error":
            raise value
        results.append(value)
    logger.info(
        "load: %d sources in %d worker processes (their peak RSS: %s MiB)",
        len(sources),
        len(shares),
        ", ".join(str(peak) for _, peak in done),
    )
    return results


if __name__ == "__main__":
    result_pipe = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the pickled result
    result_pipe.write(_work(sys.stdin.buffer.read()))
    result_pipe.flush()
