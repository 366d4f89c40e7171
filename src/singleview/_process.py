"""Facts about this process: its peak memory and the CPUs it may use."""

from __future__ import annotations

import os
import sys


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
