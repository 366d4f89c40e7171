"""What the Fellegi-Sunter model takes besides levels: training sessions, term frequencies
as value codes, and the counting helpers behind u and the prior."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .features import Features

__all__ = ["U_PRIOR_PAIRS", "ExactValues", "TrainingSession", "level_rates", "total_pairs"]

#: Random pairs the u prior is worth (see :data:`comparisons.U_PRIORS`).
U_PRIOR_PAIRS = 1000.0


@dataclass(frozen=True)
class ExactValues:
    """Term frequencies kept as codes: per comparison, the code of the value both sides of a
    pair share (-1 if none) and the adjustment (bits) per value code.  Adjustments are
    looked up a chunk of pairs at a time, never held as one float per pair and comparison.
    """

    codes: Mapping[int, np.ndarray]
    tables: Mapping[int, np.ndarray]

    def __bool__(self) -> bool:
        return bool(self.tables)

    def touched(self, n: int) -> np.ndarray:
        """Which of the ``n`` pairs share a value of some adjusted comparison."""
        out = np.zeros(n, dtype=bool)
        for k in self.tables:
            out |= self.codes[k] >= 0
        return out

    def adjustments(self, rows: np.ndarray) -> dict[int, np.ndarray]:
        """The adjustment of each comparison for the pairs at ``rows`` (0 where none)."""
        out = {}
        for k, table in self.tables.items():
            code = self.codes[k][rows]
            if len(table) == 0:  # the column has no value in these records
                out[k] = np.zeros(len(code), dtype=np.float64)
                continue
            out[k] = np.where(code >= 0, table[np.maximum(code, 0)], 0.0)
        return out


@dataclass(frozen=True)
class TrainingSession:
    """Candidate pairs agreeing on ``keys`` (``mask``); m is not learned here for the
    comparisons in ``excluded`` (those the keys already decide)."""

    keys: tuple[str, ...]
    mask: np.ndarray
    excluded: frozenset[int]


def level_rates(
    levels: np.ndarray, priors: Sequence[np.ndarray], counts: np.ndarray | None = None
) -> list[np.ndarray]:
    """Share of known pairs on each level, per comparison, with the u prior worth
    :data:`U_PRIOR_PAIRS` pairs (it only matters when few pairs could be drawn).
    ``counts``: how many pairs each row of ``levels`` stands for (default one)."""
    rates = []
    for k, prior in enumerate(priors):
        column = levels[:, k]
        known = column >= 0
        weights = None if counts is None else counts[known].astype(np.float64)
        tally: np.ndarray = np.bincount(column[known], weights=weights, minlength=len(prior))
        tally = tally.astype(np.float64) + U_PRIOR_PAIRS * prior
        rates.append(np.asarray(tally / tally.sum(), dtype=np.float64))
    return rates


def total_pairs(features: Features, link_within: bool) -> int:
    """Every pair the run could compare: all pairs, or cross-source pairs only."""
    n = features.n
    if link_within:
        return n * (n - 1) // 2
    per_source = np.bincount(features.source).astype(np.int64)
    return int((n * n - (per_source**2).sum()) // 2)
