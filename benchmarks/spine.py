"""Accuracy and time of the default pipeline, for the README and issue notes.

``python -m benchmarks.spine [N ...]`` prints a Markdown table: FEBRL4, FEBRL3, Splink's
fake_1000 and the synthetic four-source set at each size N, with wall time, peak RSS of a
fresh child process per dataset, candidate pairs and pairwise/B-cubed F1.  Each dataset runs
in its own child process so that peak memory is that dataset's alone.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(name: str) -> None:
    import singleview as sv

    sys.path.insert(0, str(ROOT))
    if name.startswith("synthetic"):
        from singleview.datasets import generate

        data = generate(int(name.split(":")[1]), random_state=0)
        sources, truth = data.sources(), data.truth.rename(columns={"person_id": "entity_id"})
        link_within = True
    else:
        from tests import datasets

        sources, truth = getattr(datasets, name)()
        link_within = name != "febrl4"
    start = time.perf_counter()
    result = sv.resolve(sources, link_within_sources=link_within)
    seconds = time.perf_counter() - start
    scores = sv.evaluate(result.clusters, truth)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "dataset": name,
                "records": int(sum(result.rows_in.values())),
                "seconds": seconds,
                "peak_mib": peak,
                "pairs": result.stats["candidate_pairs"],
                "precision": scores.pairwise_precision,
                "recall": scores.pairwise_recall,
                "f1": scores.pairwise_f1,
                "bcubed_f1": scores.bcubed_f1,
            }
        )
    )


def main(sizes: list[int]) -> None:
    names = ["febrl4", "febrl3", "fake_1000", *(f"synthetic:{n}" for n in sizes)]
    print(
        "| dataset | records | wall s (resolve) | peak RSS MiB | candidate pairs | "
        "precision | recall | pairwise F1 | B-cubed F1 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.spine", "--child", name],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env=dict(os.environ),
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {r['dataset']} | {r['records']:,} | {r['seconds']:.1f} | {r['peak_mib']:,.0f} "
            f"| {r['pairs']:,} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
            f"| {r['bcubed_f1']:.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        main([int(a) for a in sys.argv[1:]] or [20_000, 100_000])
