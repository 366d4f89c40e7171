"""Identity store benchmark: a full load, a 10k-record nightly increment, and lookups.

    python -m benchmarks.store 1000000 [--increment 10000] [--lookups 300]

Holds back ``--increment`` raw rows (every source, chosen by a seeded draw) from the
synthetic set, ingests the rest into a fresh store (this first ingest trains the model),
then times: the increment's ingest and a full rerun of everything with ``sv.resolve``
(what a store-less pipeline does every night), each in a fresh process as a nightly job
runs (the data read before the clock starts), and ``--lookups`` real-time lookups of
held-back records (normalised, blocked, scored; the first call's load of the store into
memory is reported apart).  Prints one markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import singleview as sv
from benchmarks.datasets import dataset

ADAPTERS = {
    "crm": sv.CrmSource,
    "web": sv.WebSource,
    "call_centre": sv.CallCentreSource,
    "store": sv.StoreSource,
}


def _peak_mib() -> int:
    """This process's peak resident memory (``VmHWM``: its own, not inherited over exec as
    ``ru_maxrss`` is on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _split(
    records: int, increment: int
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """All raw frames, the part ingested first and the held-back increment (seeded)."""
    data = dataset(f"synthetic:{records}")
    frames = {name: pd.read_parquet(path) for name, path in data.files.items()}
    total = sum(len(f) for f in frames.values())
    rng = np.random.default_rng(0)
    held = {name: rng.random(len(f)) < increment / total for name, f in frames.items()}
    base = {name: f[~held[name]] for name, f in frames.items()}
    extra = {name: f[held[name]] for name, f in frames.items()}
    return frames, base, extra


def _child(args: argparse.Namespace) -> None:
    """One timed step in this fresh process; prints its figures as JSON."""
    frames, _, extra = _split(args.records, args.increment)
    # Imported before the clock starts: a nightly job's imports are not its work.
    import singleview.engines.local
    import singleview.store  # noqa: F401

    if args.child == "rerun":
        started = time.perf_counter()
        sv.resolve(
            [ADAPTERS[n](f) for n, f in frames.items()], settings=sv.Settings(progress=False)
        )
        figures = {"seconds": time.perf_counter() - started}
    else:
        started = time.perf_counter()
        with sv.IdentityStore(args.store) as store:
            report = store.ingest([ADAPTERS[n](f) for n, f in extra.items()])
        figures = {
            "seconds": time.perf_counter() - started,
            "rows": sum(report.rows_in.values()),
            "counts": report.counts(),
        }
    print(json.dumps(figures | {"peak_mib": _peak_mib()}))


def _in_child(args: argparse.Namespace, step: str, store: Path | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.store", str(args.records), "--child", step]
    command += ["--increment", str(args.increment)]
    if store is not None:
        command += ["--store", str(store)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _queries(extra: dict[str, pd.DataFrame], n: int) -> list[dict[str, object]]:
    """Held-back records as canonical dicts, the way a caller would pass them."""
    records = sv.resolve(
        [ADAPTERS[name](f) for name, f in extra.items()], settings=sv.Settings(progress=False)
    ).records
    sample = records.sample(min(n, len(records)), random_state=0)
    fields = ["first_name", "last_name", "dob", "postcode", "email", "phone"]
    queries = []
    for row in sample[fields].itertuples(index=False):
        query: dict[str, object] = {}
        for name, value in zip(fields, row, strict=True):
            if isinstance(value, tuple):
                if value:
                    query[name] = value[0]
            elif value is not None and not pd.isna(value):
                query[name] = str(value.date()) if name == "dob" else value
        queries.append(query)
    return queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", type=int)
    parser.add_argument("--increment", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--child", choices=["rerun", "increment"], help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    frames, base, extra = _split(args.records, args.increment)
    total = sum(len(f) for f in frames.values())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        with sv.IdentityStore(path) as store:
            started = time.perf_counter()
            first = store.ingest([ADAPTERS[n](f) for n, f in base.items()])
            load_s = time.perf_counter() - started
        rows.append(("first ingest (trains the model)", sum(first.rows_in.values()), load_s))
        inc = _in_child(args, "increment", path)
        rows.append(("incremental ingest (fresh process)", inc["rows"], inc["seconds"]))
        size_mib = path.stat().st_size / 2**20
        queries = _queries(extra, args.lookups)
        with sv.IdentityStore(path) as store:
            started = time.perf_counter()
            store.lookup(queries[0])
            warm_s = time.perf_counter() - started
            times = []
            for query in queries:
                started = time.perf_counter()
                store.lookup(query)
                times.append((time.perf_counter() - started) * 1000)
    full = _in_child(args, "rerun")
    rows.append(("full rerun with sv.resolve (fresh process)", total, full["seconds"]))
    held_rows = sum(len(f) for f in extra.values())
    print(f"\nsynthetic {args.records:,} records; increment {held_rows:,} rows")
    print("\n| step | rows | seconds |\n|---|---:|---:|")
    for name, n, seconds in rows:
        print(f"| {name} | {n:,} | {seconds:.1f} |")
    print(f"\nincrement vs full rerun: {full['seconds'] / inc['seconds']:.1f}x faster")
    print(f"increment: {inc['counts']}")
    print(
        f"store file: {size_mib:,.0f} MiB; peak RSS {_peak_mib():,} MiB (first ingest and "
        f"lookups), {inc['peak_mib']:,} MiB (increment), {full['peak_mib']:,} MiB (rerun)"
    )
    p50, p99 = np.percentile(times, [50, 99])
    print(
        f"lookup: first call (loads the store into memory) {warm_s:.1f} s; then "
        f"{len(times)} lookups p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )


if __name__ == "__main__":
    main()
