"""The ``result.pairs`` frame: candidate pairs above the floor, readable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._arrays import TextColumn, position_dtype, take_text
from ..blocking import Candidates, rule_name
from ..comparisons import Comparison
from ..result import Deferred
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
) -> Deferred:
    """``result.pairs``, built when first read: the pairs at or above ``floor`` are picked
    out now into compact arrays (positions, scores, levels: about 40 bytes a pair), and
    the readable frame (about 120 bytes a pair, with its four text columns) only on
    demand."""
    keep = probability >= floor
    position = position_dtype(len(records))
    left = candidates.left[keep].astype(position, copy=False)
    right = candidates.right[keep].astype(position, copy=False)
    weight, probability = weight[keep], probability[keep]
    by_rule, rule = by_rule[keep], candidates.rule[keep]
    # The kept rows gathered once, then one contiguous row per comparison (a boolean mask
    # per column would read all of ``levels`` once per comparison).
    gammas = np.ascontiguousarray(levels[keep].T)
    names = np.array([rule_name(r) for r in rules], dtype=object)
    source, source_id = records["source"], records["source_id"]

    def build() -> pd.DataFrame:
        sources = TextColumn(source.to_numpy(dtype=object))
        ids = TextColumn(source_id.to_numpy(dtype=object))
        frame = pd.DataFrame(
            {
                "source_l": sources.take(left),
                "source_id_l": ids.take(left),
                "source_r": sources.take(right),
                "source_id_r": ids.take(right),
                "match_weight": weight,
                "match_probability": probability,
                "matched_by": take_text(np.array(["model", "rule"], dtype=object), by_rule),
                "blocking_rule": take_text(names, rule),
            }
        )
        for k, comparison in enumerate(comparisons):
            frame[f"gamma_{comparison.column}"] = gammas[k]
        return frame

    return Deferred(build)
