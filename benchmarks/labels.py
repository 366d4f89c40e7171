"""fake_1000 accuracy with labels: zero-config, active learning rounds, all labels.

``python -m benchmarks.labels [ROUNDS] [PER_ROUND]`` resolves Splink's fake_1000 with no
labels, then runs ROUNDS rounds (default 4) of active learning: ``result.suggest_pairs``
picks PER_ROUND pairs (default 10), the ground truth answers them (standing in for a
person), and the set is resolved again with every label so far.  Last, it resolves with
all 3,176 pairs of Splink's own labels file.  Prints a Markdown table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import singleview as sv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.datasets import DATA, fake_1000  # noqa: E402


def _answer(pairs: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The oracle: a pair is a match when both records have one true entity."""
    entity = truth.set_index(["source", "source_id"])["entity_id"]
    left = entity.reindex(pd.MultiIndex.from_frame(pairs[["source_l", "source_id_l"]]))
    right = entity.reindex(pd.MultiIndex.from_frame(pairs[["source_r", "source_id_r"]]))
    return pairs[["source_l", "source_id_l", "source_r", "source_id_r"]].assign(
        match=left.to_numpy() == right.to_numpy()
    )


def main(rounds: int = 4, per_round: int = 10) -> None:
    sources, truth = fake_1000()
    rows = []
    result = sv.resolve(sources)
    scores = sv.evaluate(result.clusters, truth)
    rows.append(("zero-config (EM, no labels)", 0, 0, scores))
    labels = pd.DataFrame(columns=["source_l", "source_id_l", "source_r", "source_id_r", "match"])
    for r in range(1, rounds + 1):
        asked = result.suggest_pairs(per_round, exclude=labels if len(labels) else None)
        labels = pd.concat([labels, _answer(asked, truth)], ignore_index=True)
        result = sv.resolve(sources, labels=labels)
        scores = sv.evaluate(result.clusters, truth)
        rows.append(
            (f"active learning, round {r}", len(labels), int(labels["match"].sum()), scores)
        )
    splink = pd.read_csv(DATA / "splink_fake_1000" / "fake_1000_labels.csv", dtype=str)
    splink["source_dataset_l"] = splink["source_dataset_r"] = "fake"
    result = sv.resolve(sources, labels=splink)
    scores = sv.evaluate(result.clusters, truth)
    matches = int((splink["clerical_match_score"].astype(float) >= 0.5).sum())
    rows.append(("Splink's labels file (all pairs)", len(splink), matches, scores))
    lines = [
        "| training | labels | of which matches | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, n, m, s in rows:
        lines.append(
            f"| {name} | {n:,} | {m:,} | {s.pairwise_precision:.4f} | "
            f"{s.pairwise_recall:.4f} | {s.pairwise_f1:.4f} |"
        )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
