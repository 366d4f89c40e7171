"""Facts about this process: its peak memory and the CPUs it may use; handing freed
memory back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pyarrow as pa

T = TypeVar("T")
R = TypeVar("R")


def peak_mib() -> int | None:
    """This process's peak resident memory so far, in MiB (None where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024 if sys.platform != "darwin" else peak // 2**20)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the platform says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def side_by_side(work: Callable[[T], R], items: Sequence[T], *, threaded: bool) -> list[R]:
    """``work(item)`` of each item, in order: in threads (one per usable CPU, at most one
    per item) when ``threaded``, here one by one otherwise.  For work whose heavy part
    releases the GIL (NumPy, Arrow, rapidfuzz); the caller builds any shared state the
    work reads lazily first, so no two threads build it."""
    threads = min(usable_cpus(), len(items)) if threaded else 1
    if threads < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on other C libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    return trim


def release_free_memory() -> None:
    """Give freed memory back to the system: the C heap's free pages (glibc's
    ``malloc_trim``; a no-op elsewhere) and those Arrow's memory pool keeps (mimalloc
    holds freed pages of Arrow buffers, a gigabyte after survivorship on ten million
    records).  Allocators keep freed pages for reuse, but the later stages allocate large
    arrays from fresh mappings, so without this the kept pages add to the peak."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    pa.default_memory_pool().release_unused()
