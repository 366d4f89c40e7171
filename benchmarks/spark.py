"""The Spark engine in local mode next to the local engine, on the synthetic set.

    python -m benchmarks.spark 100000 [1000000 ...] [--cores 2] [--sources pandas|spark]

Each run is a child process; wall time covers the whole job (Spark: session start
included, reported apart), peak memory is the largest sum of resident memory over the
job's process tree (driver, JVM and Python workers), sampled every 0.2 s.  The Spark run's
clusters are compared with the local run's (same customer id for every record).  Prints a
markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

_CHILD = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import singleview as sv
from benchmarks.datasets import dataset
n, engine, cores, kind, out = sys.argv[1:6]
adapters = {"crm": sv.CrmSource, "web": sv.WebSource, "call_centre": sv.CallCentreSource,
            "store": sv.StoreSource}
started = time.perf_counter()
data = dataset(f"synthetic:{n}")
session_s = 0.0
if engine == "spark":
    from singleview.engines.spark import local_session
    spark = local_session(int(cores), partitions=max(4, 2 * int(cores)),
                          driver_memory="8g")
    session_s = time.perf_counter() - started
    if kind == "spark":
        frames = {k: spark.read.parquet(str(p)) for k, p in data.files.items()}
    else:
        frames = {k: pd.read_parquet(p) for k, p in data.files.items()}
    run = sv.SparkEngine(spark)
else:
    frames = {k: pd.read_parquet(p) for k, p in data.files.items()}
    run = None
result = sv.resolve([adapters[k](f) for k, f in frames.items()], engine=run)
clusters = result.clusters.toPandas() if engine == "spark" else result.clusters
wall = time.perf_counter() - started
clusters.to_parquet(out)
print(json.dumps({"wall": wall, "session": session_s, "pairs": result.stats["candidate_pairs"],
                  "customers": result.stats["customers"], "stages": result.stats["seconds"]}))
"""


def _tree_rss_mib(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total // 2**20


def _run(n: int, engine: str, cores: int, kind: str, out: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path])}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(n), engine, str(cores), kind, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mib(child.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        tail = "\n".join(stderr.splitlines()[-30:])
        raise SystemExit(f"{engine} at {n:,} records failed (exit {child.returncode}):\n{tail}")
    report: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    report["peak_mib"] = peak
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("records", type=int, nargs="+")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--sources", choices=["pandas", "spark"], default="pandas")
    args = parser.parse_args()
    import pandas as pd

    rows = []
    folder = Path("benchmarks/results")
    folder.mkdir(parents=True, exist_ok=True)
    for n in args.records:
        local = _run(n, "local", args.cores, "pandas", folder / "clusters-local.parquet")
        spark = _run(n, "spark", args.cores, args.sources, folder / "clusters-spark.parquet")
        same = pd.read_parquet(folder / "clusters-local.parquet").equals(
            pd.read_parquet(folder / "clusters-spark.parquet")
        )
        for name, report in (("local", local), (f"spark local[{args.cores}]", spark)):
            rows.append((n, name, report, same))
    print(
        "| records | engine | wall s | of which session start s | peak RSS MiB (all "
        "processes) | candidate pairs | customers | same clusters and ids |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n, name, report, same in rows:
        print(
            f"| {n:,} | {name} | {report['wall']:.1f} | {report['session']:.1f} | "
            f"{report['peak_mib']:,} | {report['pairs']:,} | {report['customers']:,} | "
            f"{'yes' if same else 'NO'} |"
        )
    for n, name, report, _ in rows:
        stages = report["stages"]
        assert isinstance(stages, dict)
        print(f"{n:,} {name}: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))


if __name__ == "__main__":
    main()
