"""How the default threshold and disagreement weight were chosen, reproducibly.

``python -m benchmarks.threshold [N ...]`` resolves FEBRL4, FEBRL3, Splink's fake_1000 and
the synthetic four-source set (size N, default 20,000, seeds 0-3: seed 0 is the one the
tests assert on, 1-3 were never tuned on) once per (disagreement weight, threshold)
setting and prints a Markdown table of pairwise F1, with precision and recall on the
synthetic rows.  Zero configuration otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd

import singleview as sv
from singleview.datasets import generate

#: (disagreement_weight, threshold): the settings compared; the first is the old default.
SETTINGS: list[tuple[float, float]] = [(0.5, 0.5), (0.5, 0.3), (0.3, 0.5), (0.3, 0.4), (0.3, 0.3)]
SEEDS = (0, 1, 2, 3)


def _datasets(sizes: list[int]) -> list[tuple[str, Any, pd.DataFrame, bool]]:
    from tests import datasets

    out: list[tuple[str, Any, pd.DataFrame, bool]] = []
    for name, load, within in (
        ("FEBRL4", datasets.febrl4, False),
        ("FEBRL3", datasets.febrl3, True),
        ("fake_1000", datasets.fake_1000, True),
    ):
        sources, truth = load()
        out.append((name, sources, truth, within))
    for n in sizes:
        for seed in SEEDS:
            data = generate(n, random_state=seed)
            truth = data.truth.rename(columns={"person_id": "entity_id"})
            out.append((f"synthetic {n:,} seed {seed}", data.sources(), truth, True))
    return out


def main(sizes: list[int]) -> None:
    header = "| dataset | " + " | ".join(f"w {w}, t {t}" for w, t in SETTINGS) + " |"
    print(header)
    print("|---|" + "---:|" * len(SETTINGS))
    for name, sources, truth, within in _datasets(sizes):
        cells = []
        for weight, threshold in SETTINGS:
            result = sv.resolve(
                sources,
                link_within_sources=within,
                settings=sv.Settings(disagreement_weight=weight, threshold=threshold),
            )
            s = sv.evaluate(result.clusters, truth)
            cell = f"{s.pairwise_f1:.4f}"
            if name.startswith("synthetic"):
                cell += f" ({s.pairwise_precision:.3f} / {s.pairwise_recall:.3f})"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000])
