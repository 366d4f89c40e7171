"""Time the synthetic generator: ``python -m benchmarks.generate [N ...]``.

Prints one Markdown row per size: rows made, wall seconds, CPU seconds, peak RSS of this
process (the generator is the only work it does).
"""

from __future__ import annotations

import resource
import sys
import time

from singleview.datasets import generate


def main(sizes: list[int]) -> None:
    print("| records asked | rows made | wall s | cpu s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|")
    for size in sizes:
        wall, cpu = time.perf_counter(), time.process_time()
        data = generate(size, random_state=0)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows = sum(len(f) for f in data.frames.values())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {size:,} | {rows:,} | {wall:.1f} | {cpu:.1f} | {peak:,.0f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
