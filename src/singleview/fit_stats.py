"""What fitting a Fellegi-Sunter model needs, as counts: the sufficient statistics.

EM sees the candidate pairs only through how many of them show each level pattern (overall
and per training session); u through how often random pairs show each pattern and which of
them are candidates; the prior through per-source sizes and (source pair, pattern) counts;
term frequencies through how many records hold each value.  :class:`FitStats` holds exactly
that, so :meth:`~singleview.model.FellegiSunter.fit_from_stats` fits the same model from
counts made anywhere: :func:`local_fit_stats` computes them with numpy, the Spark engine
with aggregates, and the fitted floats are equal because the integers are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._arrays import count_values, locate_pairs, row_chunks, unique_inverse
from .em import pattern_index
from .priors import stratum_of

if TYPE_CHECKING:
    from .features import Features
    from .model import FellegiSunter
    from .model_parts import TrainingSession

__all__ = ["FitStats", "SessionCounts", "local_fit_stats", "random_pattern_counts"]


@dataclass(frozen=True)
class SessionCounts:
    """Candidate pairs per pattern in one training session; m is not learned there for the
    comparisons in ``excluded``."""

    excluded: frozenset[int]
    counts: np.ndarray


@dataclass(frozen=True)
class FitStats:
    """The sufficient statistics of one fit (see the module docstring)."""

    #: Distinct level rows of the candidate pairs, in :func:`~singleview.em.pattern_index`
    #: order, and how many candidates show each.
    patterns: np.ndarray
    counts: np.ndarray
    sessions: list[SessionCounts]
    #: Distinct (level row, candidate pattern) combinations of the random pairs behind u,
    #: how many random pairs show each, and the pattern number of the candidate pair a
    #: random pair is (-1: not a candidate).  ``random_candidate`` is None when the
    #: candidates are unknown (then no drawn match is taken out of u).
    random_patterns: np.ndarray
    random_counts: np.ndarray
    random_candidate: np.ndarray | None
    #: Source names (sorted) and records per source.
    source_names: list[str]
    source_sizes: np.ndarray
    #: Candidates per (source stratum, pattern), flat: ``stratum * len(patterns) +
    #: pattern`` (see :func:`~singleview.priors.stratum_of`); None for one source or
    #: unknown candidates.
    strata: np.ndarray | None
    #: Per term-frequency column: its distinct values and how many records hold each.
    tf: dict[str, tuple[np.ndarray, np.ndarray]]
    link_within: bool

    def total_pairs(self) -> int:
        """Every pair the run could compare: all pairs, or cross-source pairs only."""
        sizes = self.source_sizes.astype(np.int64)
        n = int(sizes.sum())
        if self.link_within:
            return n * (n - 1) // 2
        return int((n * n - int((sizes**2).sum())) // 2)


def random_pattern_counts(
    levels: np.ndarray,
    candidate: np.ndarray | None,
    n_patterns: int,
    *,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Random pairs' levels (and candidate pattern numbers, or None) as distinct
    combinations with counts (the ``random_*`` fields of :class:`FitStats`).  ``weights``:
    how many pairs each row stands for (default one)."""
    ids, patterns = pattern_index(levels)

    def tally(groups: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(groups, weights=weights, minlength=size).astype(np.int64)

    if candidate is None:
        return patterns, tally(ids, len(patterns)), None
    width = np.int64(n_patterns + 1)
    combined, inverse = unique_inverse(
        ids.astype(np.int64) * width + (candidate.astype(np.int64) + 1)
    )
    counts = tally(inverse, len(combined))
    return patterns[combined // width], counts, (combined % width - 1).astype(np.int64)


def _random_candidates(
    features: Features,
    random_left: np.ndarray,
    random_right: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    ids: np.ndarray,
) -> np.ndarray:
    """Per random pair, the pattern number of the candidate pair it is, or -1."""
    low, high = np.minimum(random_left, random_right), np.maximum(random_left, random_right)
    rows = locate_pairs(pairs[0], pairs[1], low, high, max(features.n, 1))
    return np.where(rows >= 0, ids[np.maximum(rows, 0)], -1).astype(np.int64)


#: Pairs counted at once per (source pair, pattern) stratum.
STRATA_CHUNK = 4_000_000


def _strata(
    features: Features,
    pairs: tuple[np.ndarray, np.ndarray],
    ids: np.ndarray,
    n_sources: int,
    width: int,
) -> np.ndarray:
    """Candidate pairs per (source pair, pattern), counted a chunk of pairs at a time (the
    source codes and stratum numbers are 8 bytes a pair each)."""
    strata = np.zeros(n_sources**2 * width, dtype=np.int64)
    source = features.source
    for rows in row_chunks(len(ids), STRATA_CHUNK):
        stratum = stratum_of(source[pairs[0][rows]], source[pairs[1][rows]], n_sources)
        strata += np.bincount(stratum * width + ids[rows], minlength=len(strata))
    return strata


def local_fit_stats(
    model: FellegiSunter,
    features: Features,
    levels: np.ndarray,
    *,
    link_within: bool,
    sessions: Sequence[TrainingSession] = (),
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> FitStats:
    """:class:`FitStats` of candidate ``levels`` (rows: the candidate ``pairs``, if given)
    over ``features``, with ``model``'s comparisons and random sample."""
    random_left, random_right, random_levels = model._random_sample(features, link_within)
    ids, patterns = pattern_index(levels)
    counts = count_values(ids, len(patterns))
    known = pairs is not None and len(pairs[0]) > 0
    candidate = (
        _random_candidates(features, random_left, random_right, pairs, ids)
        if pairs is not None and known
        else None
    )
    random_patterns, random_counts, random_candidate = random_pattern_counts(
        random_levels, candidate, len(patterns)
    )
    names = [str(v) for v in features.source_names]
    strata = None
    if pairs is not None and known and len(names) >= 2:
        strata = _strata(features, pairs, ids, len(names), max(len(patterns), 1))
    tf = {
        c.column: (features[c.column].values, features[c.column].counts())
        for c in model.comparisons
        if c.tf_adjust
    }
    return FitStats(
        patterns=patterns,
        counts=counts,
        sessions=[
            SessionCounts(s.excluded, count_values(ids, len(patterns), s.mask)) for s in sessions
        ],
        random_patterns=random_patterns,
        random_counts=random_counts,
        random_candidate=random_candidate,
        source_names=names,
        source_sizes=np.bincount(features.source, minlength=len(names)).astype(np.int64),
        strata=strata,
        tf=tf,
        link_within=link_within,
    )
