"""The ``result.pairs`` frame: candidate pairs above the floor, readable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._arrays import TextColumn, take_text
from ..blocking import Candidates, rule_name
from ..comparisons import Comparison
from ..schema import PAIR_KEYS

__all__ = ["empty_pairs", "pairs_frame"]


def empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype="object")
            for c in (
                *PAIR_KEYS,
                "match_weight",
                "match_probability",
                "matched_by",
                "blocking_rule",
            )
        }
    )


def pairs_frame(
    records: pd.DataFrame,
    candidates: Candidates,
    *,
    rules: list[tuple[str, ...]],
    comparisons: Sequence[Comparison],
    levels: np.ndarray,
    weight: np.ndarray,
    probability: np.ndarray,
    by_rule: np.ndarray,
    floor: float,
) -> pd.DataFrame:
    keep = probability >= floor
    left, right = candidates.left[keep], candidates.right[keep]
    source = TextColumn(records["source"].to_numpy(dtype=object))
    source_id = TextColumn(records["source_id"].to_numpy(dtype=object))
    names = np.array([rule_name(r) for r in rules], dtype=object)
    frame = pd.DataFrame(
        {
            "source_l": source.take(left),
            "source_id_l": source_id.take(left),
            "source_r": source.take(right),
            "source_id_r": source_id.take(right),
            "match_weight": weight[keep],
            "match_probability": probability[keep],
            "matched_by": take_text(np.array(["model", "rule"], dtype=object), by_rule[keep]),
            "blocking_rule": take_text(names, candidates.rule[keep]),
        }
    )
    for k, comparison in enumerate(comparisons):
        frame[f"gamma_{comparison.column}"] = levels[keep, k]
    return frame
