"""Over-merged true entities on the synthetic set's hard negatives, guard by guard.

``python -m benchmarks.guards [N ...]`` resolves the synthetic four-source set at each size
N (default 20,000) once per guard setting and prints a Markdown table: over-merged entities
in all and by kind (twins, Jr/Sr, household members, others outside the household), the
pairwise precision, recall and F1.  An entity is over-merged when a customer holds its
records and another entity's (:func:`singleview.overmerged`).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import singleview as sv
from singleview.datasets import generate

#: Each row: a label and the Settings overrides that give it.
_OFF = {"cannot_link": (), "max_cluster_size": None}
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("components only (no guard)", {"disagreement_weight": 0.0, **_OFF}),
    ("disagreement guard only", _OFF),
    ("+ cannot-link dob, size cap 250 (default)", {}),
    ("+ weak-link split below 2 bits", {"split_below_bits": 2.0}),
    ("+ weak-link split below 4 bits", {"split_below_bits": 4.0}),
]
KINDS = ("twin", "jr/sr", "household", "other")


def run(n: int, variants: list[tuple[str, dict[str, Any]]] = VARIANTS) -> list[dict[str, Any]]:
    """One row per variant on the synthetic set of ``n`` records."""
    data = generate(n, random_state=0)
    truth = data.truth.rename(columns={"person_id": "entity_id"})
    people = data.people.rename(columns={"person_id": "entity_id"})
    rows = []
    for label, overrides in variants:
        start = time.perf_counter()
        result = sv.resolve(
            data.sources(), link_within_sources=True, settings=sv.Settings(**overrides)
        )
        seconds = time.perf_counter() - start
        scores = sv.evaluate(result.clusters, truth)
        merged = sv.overmerged(result.clusters, truth, groups=people)
        counts = merged["kind"].value_counts() if len(merged) else {}
        rows.append(
            {
                "records": n,
                "variant": label,
                "overmerged": len(merged),
                **{kind: int(counts.get(kind, 0)) for kind in KINDS},
                "precision": scores.pairwise_precision,
                "recall": scores.pairwise_recall,
                "f1": scores.pairwise_f1,
                "seconds": seconds,
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    head = (
        "| records | guards | over-merged entities | twins | Jr/Sr | household "
        "| outside the household | precision | recall | F1 | seconds |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['records']:,} | {r['variant']} | {r['overmerged']:,} | {r['twin']:,} "
            f"| {r['jr/sr']:,} | {r['household']:,} | {r['other']:,} | {r['precision']:.4f} "
            f"| {r['recall']:.4f} | {r['f1']:.4f} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main(sizes: list[int]) -> None:
    rows = [row for n in sizes for row in run(n)]
    sys.stdout.write(table(rows) + "\n")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000])
