"""The ``result.pairs`` frame: candidate pairs at or above the floor, readable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._arrays import TextColumn, position_dtype, take_text
from ..blocking import rule_name
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
    *,
    left: np.ndarray,
    right: np.ndarray,
    rule: np.ndarray,
    rules: list[tuple[str, ...]],
    comparisons: Sequence[Comparison],
    levels: np.ndarray,
    weight: np.ndarray,
    probability: np.ndarray,
    by_rule: np.ndarray,
) -> Deferred:
    """``result.pairs``, built when first read from the pairs it should hold (those at or
    above the floor, see :class:`~singleview.scoring.PairScores`): their compact arrays
    (positions, scores, levels: about 40 bytes a pair) are kept now, and the readable
    frame (about 120 bytes a pair, with its four text columns) is made only on demand.
    ``rule``: each pair's blocking rule, a position in ``rules``."""
    position = position_dtype(len(records))
    left = left.astype(position, copy=False)
    right = right.astype(position, copy=False)
    # One contiguous row per comparison (a column of ``levels`` is strided).
    gammas = np.ascontiguousarray(levels.T)
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
