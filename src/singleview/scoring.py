"""Candidate pairs -> comparison levels -> a fitted model's weights and probabilities.

Shared by every engine and by the blocking probe (:mod:`singleview.probe`): levels are
computed once per pair and can be carried over when the candidate set grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._arrays import pair_keys, row_chunks
from ._process import usable_cpus
from .blocking import Candidates, agree
from .comparisons import compare_all
from .features import Features, base_columns
from .model import ExactValues, FellegiSunter, TrainingSession

__all__ = [
    "Compared",
    "compare_pairs",
    "extend_compared",
    "fit_compared",
    "score_compared",
]


#: Pairs compared at once.
COMPARE_CHUNK = 2_000_000
#: From this many pairs the comparisons run in one thread per CPU.
THREADED_FROM = 100_000
#: Pairs scored at once (their working arrays are a few times this many floats).
SCORE_PAIRS_CHUNK = 4_000_000


@dataclass(frozen=True)
class Compared:
    """Pairs with their levels (``int8``, one column per comparison)."""

    left: np.ndarray
    right: np.ndarray
    levels: np.ndarray

    def take(self, rows: np.ndarray) -> Compared:
        """The pairs at ``rows``."""
        return Compared(self.left[rows], self.right[rows], self.levels[rows])


def compare_pairs(
    features: Features, model: FellegiSunter, left: np.ndarray, right: np.ndarray
) -> Compared:
    """Every comparison of ``model`` on the pairs ``(left[i], right[i])``.

    Pairs go through in chunks of :data:`COMPARE_CHUNK`, so the per-comparison working
    arrays (value codes of both sides, similarities) stay the same size at any pair count.
    """
    threads = usable_cpus() if len(left) >= THREADED_FROM else 1
    levels = compare_all(
        model.comparisons, features, left, right, threads=threads, chunk=COMPARE_CHUNK
    )
    return Compared(left, right, levels)


def extend_compared(
    features: Features, model: FellegiSunter, compared: Compared, candidates: Candidates
) -> Compared:
    """``compared`` (a subset of ``candidates``, both ordered by (left, right)) grown to all
    of ``candidates``: known pairs are copied into place and the others compared in chunks
    straight into the result, so no second full set of arrays is made."""
    n = max(features.n, 1)
    keys = pair_keys(candidates.left, candidates.right, n)
    done = np.searchsorted(keys, pair_keys(compared.left, compared.right, n))
    todo = np.ones(len(keys), dtype=bool)
    todo[done] = False
    del keys
    levels = np.empty((len(candidates), compared.levels.shape[1]), dtype=compared.levels.dtype)
    levels[done] = compared.levels
    del done
    rows = np.flatnonzero(todo)
    del todo
    for part in row_chunks(len(rows), COMPARE_CHUNK):
        chunk = rows[part]
        levels[chunk] = compare_pairs(
            features, model, candidates.left[chunk], candidates.right[chunk]
        ).levels
    return Compared(candidates.left, candidates.right, levels)


def fit_compared(
    features: Features,
    compared: Compared,
    model: FellegiSunter,
    *,
    link_within: bool,
    training: Sequence[Sequence[str]] = (),
) -> None:
    """Train ``model`` on these pairs: u from random pairs of ``features``, m by EM in one
    session per ``training`` key list, the prior by EM."""
    left, right = compared.left, compared.right
    inferred = features.inferred_names
    untaught = (
        np.ones(len(left), dtype=bool) if inferred is None else ~(inferred[left] | inferred[right])
    )
    sessions = [
        TrainingSession(
            keys=tuple(keys),
            mask=agree(features, keys, left, right) & untaught,
            excluded=frozenset(
                k
                for k, c in enumerate(model.comparisons)
                if any(c.column in base_columns(key) for key in keys)
            ),
        )
        for keys in training
    ]
    model.fit(
        features, compared.levels, link_within=link_within, sessions=sessions, pairs=(left, right)
    )


def score_compared(
    features: Features, compared: Compared, model: FellegiSunter
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match weights, probabilities and disagreement (see
    :meth:`~singleview.model.FellegiSunter.score_with_disagreement`) of compared pairs.

    Pairs are scored :data:`SCORE_PAIRS_CHUNK` at a time: the per-pair working arrays (the
    prior, the shared values behind term-frequency adjustments, pattern ids) stay the same
    size at any pair count, and only the three results are as long as the pairs.
    """
    tables = {}
    for k, comparison in enumerate(model.comparisons):
        table = model.tf_table(k, features) if comparison.tf_adjust else None
        if table is not None:
            tables[k] = table
    n = len(compared.left)
    weight = np.empty(n, dtype=np.float64)
    probability = np.empty(n, dtype=np.float64)
    against = np.empty(n, dtype=np.float64)
    for rows in row_chunks(n, SCORE_PAIRS_CHUNK):
        left, right = compared.left[rows], compared.right[rows]
        shared = {k: model.comparisons[k].shared_codes(features, left, right) for k in tables}
        weight[rows], probability[rows], against[rows] = model.score_with_disagreement(
            compared.levels[rows],
            ExactValues(shared, tables),
            model.prior_weights(features, left, right),
        )
    return weight, probability, against
