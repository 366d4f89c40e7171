"""Identity store benchmark: a full load, a 10k-record nightly increment, and lookups.

    python -m benchmarks.store 1000000 [--increment 10000] [--lookups 300]

Holds back ``--increment`` raw rows (every source, chosen by a seeded draw) from the
synthetic set, ingests the rest into a fresh store (this first ingest trains the model and
is the "full run"), then times: the increment's ingest, a full rerun of everything with
``sv.resolve`` (what a store-less pipeline does every night), and ``--lookups`` real-time
lookups of held-back records (normalised, blocked, scored; the first call's load of the
store into memory is reported apart).  Prints one markdown table.
"""

from __future__ import annotations

import argparse
import resource
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", type=int)
    parser.add_argument("--increment", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    data = dataset(f"synthetic:{args.records}")
    frames = {name: pd.read_parquet(path) for name, path in data.files.items()}
    total = sum(len(f) for f in frames.values())
    rng = np.random.default_rng(0)
    held = {name: rng.random(len(f)) < args.increment / total for name, f in frames.items()}
    base = {name: f[~held[name]] for name, f in frames.items()}
    extra = {name: f[held[name]] for name, f in frames.items()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.duckdb"
        with sv.IdentityStore(path) as store:
            started = time.perf_counter()
            first = store.ingest([ADAPTERS[n](f) for n, f in base.items()])
            load_s = time.perf_counter() - started
            rows.append(("first ingest (trains the model)", sum(first.rows_in.values()), load_s))
            started = time.perf_counter()
            inc = store.ingest([ADAPTERS[n](f) for n, f in extra.items()])
            inc_s = time.perf_counter() - started
            rows.append(("incremental ingest", sum(inc.rows_in.values()), inc_s))
            size_mib = path.stat().st_size / 2**20
            # Lookups of held-back records, as canonical dicts.
            records = sv.resolve(
                [ADAPTERS[n](f) for n, f in extra.items()], settings=sv.Settings(progress=False)
            ).records
            sample = records.sample(min(args.lookups, len(records)), random_state=0)
            fields = ["first_name", "last_name", "dob", "postcode", "email", "phone"]
            queries = []
            for row in sample[fields].itertuples(index=False):
                query = {}
                for name, value in zip(fields, row, strict=True):
                    if isinstance(value, tuple):
                        if value:
                            query[name] = value[0]
                    elif value is not None and not pd.isna(value):
                        query[name] = str(value.date()) if name == "dob" else value
                queries.append(query)
            started = time.perf_counter()
            store.lookup(queries[0])
            warm_s = time.perf_counter() - started
            times = []
            for query in queries:
                started = time.perf_counter()
                store.lookup(query)
                times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    sv.resolve([ADAPTERS[n](f) for n, f in frames.items()], settings=sv.Settings(progress=False))
    full_s = time.perf_counter() - started
    rows.append(("full rerun with sv.resolve", total, full_s))
    held_rows = sum(len(f) for f in extra.values())
    print(f"\nsynthetic {args.records:,} records; increment {held_rows:,} rows")
    print("\n| step | rows | seconds |\n|---|---:|---:|")
    for name, n, seconds in rows:
        print(f"| {name} | {n:,} | {seconds:.1f} |")
    print(f"\nincrement vs full rerun: {full_s / inc_s:.1f}x faster")
    print(f"increment: {inc.counts()}")
    print(f"store file: {size_mib:,.0f} MiB; peak RSS {_peak_mib():,} MiB")
    p50, p99 = np.percentile(times, [50, 99])
    print(
        f"lookup: first call (loads the store into memory) {warm_s:.1f} s; then "
        f"{len(times)} lookups p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )


if __name__ == "__main__":
    main()
