"""Candidate pairs -> comparison levels -> a fitted model's weights and probabilities.

Shared by every engine and by the blocking probe (:mod:`singleview.probe`): levels are
computed once per pair and can be carried over when the candidate set grows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ._arrays import row_chunks
from ._process import side_by_side, usable_cpus
from .blocking import Candidates, agree
from .comparisons import compare_all
from .features import Features, base_columns
from .model import ExactValues, FellegiSunter, TrainingSession

__all__ = [
    "Compared",
    "PairScores",
    "compare_pairs",
    "fit_compared",
    "grow_levels",
    "score_compared",
    "score_pairs",
    "scores_at",
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
        """The pairs at ``rows`` (positions, not a mask)."""
        return Compared(self.left[rows], self.right[rows], self.levels.take(rows, axis=0))


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


def grow_levels(
    features: Features,
    model: FellegiSunter,
    candidates: Candidates,
    levels: np.ndarray,
    done: np.ndarray,
) -> Compared:
    """``candidates`` compared, given the ``levels`` of the pairs at rows ``done`` (see
    :func:`~singleview._arrays.locate_pairs`; the pairs compared before the candidate set
    grew): those
    are copied into place and the others compared :data:`COMPARE_CHUNK` candidates at a
    time straight into the result, so no second full set of arrays is made."""
    todo = np.ones(len(candidates), dtype=bool)
    todo[done] = False
    grown = np.empty((len(candidates), levels.shape[1]), dtype=levels.dtype)
    grown[done] = levels
    for part in row_chunks(len(candidates), COMPARE_CHUNK):
        rows = part.start + np.flatnonzero(todo[part])
        if len(rows):
            grown[rows] = compare_pairs(
                features, model, candidates.left[rows], candidates.right[rows]
            ).levels
    return Compared(candidates.left, candidates.right, grown)


def _agreements(
    features: Features, training: Sequence[Sequence[str]], left: np.ndarray, right: np.ndarray
) -> list[np.ndarray]:
    """:func:`~singleview.blocking.agree` of each training key list on the pairs: side by
    side in threads from :data:`THREADED_FROM` pairs (gathering and comparing codes release
    the GIL)."""
    for keys in training:
        for key in keys:
            features[key]
    return side_by_side(
        lambda keys: agree(features, keys, left, right),
        training,
        threaded=len(left) >= THREADED_FROM,
    )


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
            mask=mask & untaught,
            excluded=frozenset(
                k
                for k, c in enumerate(model.comparisons)
                if any(c.column in base_columns(key) for key in keys)
            ),
        )
        for keys, mask in zip(training, _agreements(features, training, left, right), strict=True)
    ]
    model.fit(
        features, compared.levels, link_within=link_within, sessions=sessions, pairs=(left, right)
    )


def _shared_codes(
    features: Features,
    model: FellegiSunter,
    comparisons: list[int],
    left: np.ndarray,
    right: np.ndarray,
) -> dict[int, np.ndarray]:
    """Each term-frequency comparison's shared value codes of the pairs (see
    :meth:`~singleview.comparisons.Comparison.shared_codes`), side by side as above."""
    for k in comparisons:
        features[model.comparisons[k].column]
    found = side_by_side(
        lambda k: model.comparisons[k].shared_codes(features, left, right),
        comparisons,
        threaded=len(left) >= THREADED_FROM,
    )
    return dict(zip(comparisons, found, strict=True))


def _scored_chunks(
    features: Features, compared: Compared, model: FellegiSunter
) -> Iterator[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]:
    """Rows, weights, probabilities and disagreement of the compared pairs,
    :data:`SCORE_PAIRS_CHUNK` pairs at a time: the per-pair working arrays (the prior, the
    shared values behind term-frequency adjustments, pattern ids) stay the same size at
    any pair count."""
    tables = {}
    for k, comparison in enumerate(model.comparisons):
        table = model.tf_table(k, features) if comparison.tf_adjust else None
        if table is not None:
            tables[k] = table
    for rows in row_chunks(len(compared.left), SCORE_PAIRS_CHUNK):
        left, right = compared.left[rows], compared.right[rows]
        shared = _shared_codes(features, model, list(tables), left, right)
        yield (
            rows,
            *model.score_with_disagreement(
                compared.levels[rows],
                ExactValues(shared, tables),
                model.prior_weights(features, left, right),
            ),
        )


def score_compared(
    features: Features, compared: Compared, model: FellegiSunter
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match weights, probabilities and disagreement (see
    :meth:`~singleview.model.FellegiSunter.score_with_disagreement`) of compared pairs,
    scored a chunk at a time: only the three results are as long as the pairs."""
    n = len(compared.left)
    weight = np.empty(n, dtype=np.float64)
    probability = np.empty(n, dtype=np.float64)
    against = np.empty(n, dtype=np.float64)
    for rows, chunk_weight, chunk_probability, chunk_against in _scored_chunks(
        features, compared, model
    ):
        weight[rows], probability[rows], against[rows] = (
            chunk_weight,
            chunk_probability,
            chunk_against,
        )
    return weight, probability, against


@dataclass(frozen=True)
class PairScores:
    """What a run keeps of its compared pairs' scores: whether each pair links (its
    probability is at or above the threshold: one byte a pair), and for the rows ``kept``
    (probability at or above the floor, the pairs ``result.pairs`` holds) their weights,
    probabilities, disagreement, whether a deterministic rule forced them (probability 1)
    and levels.  :func:`scores_at` reads any other pair's scores again."""

    link: np.ndarray
    kept: np.ndarray
    weight: np.ndarray
    probability: np.ndarray
    disagreement: np.ndarray
    forced: np.ndarray
    levels: np.ndarray


def score_pairs(
    features: Features,
    compared: Compared,
    model: FellegiSunter,
    *,
    threshold: float,
    floor: float,
    forced_by: Sequence[Sequence[str]] = (),
) -> PairScores:
    """Score compared pairs a chunk at a time into :class:`PairScores`; pairs agreeing
    exactly on every key of one of the ``forced_by`` rules get probability 1."""
    link = np.zeros(len(compared.left), dtype=bool)
    parts: list[tuple[np.ndarray, ...]] = [
        tuple(np.empty(0, dtype=t) for t in (np.int64, np.float64, np.float64, np.float64, bool))
    ]
    for rows, weight, probability, against in _scored_chunks(features, compared, model):
        left, right = compared.left[rows], compared.right[rows]
        forced = np.zeros(len(left), dtype=bool)
        for rule in forced_by:
            forced |= agree(features, rule, left, right)
        probability[forced] = 1.0
        link[rows] = probability >= threshold
        keep = np.flatnonzero(probability >= floor)
        parts.append(
            (keep + rows.start, weight[keep], probability[keep], against[keep], forced[keep])
        )
    kept, weight, probability, against, forced = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    return PairScores(
        link=link,
        kept=kept,
        weight=weight,
        probability=probability,
        disagreement=against,
        forced=forced,
        levels=compared.levels.take(kept, axis=0),  # faster than levels[kept]
    )


def scores_at(
    features: Features,
    compared: Compared,
    model: FellegiSunter,
    scored: PairScores,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability, disagreement and forced flag of the compared pairs at ``rows``
    (ascending): as ``scored`` kept them, and scored again for rows it did not keep (below
    its floor, so never forced)."""
    at = np.minimum(np.searchsorted(scored.kept, rows), max(len(scored.kept) - 1, 0))
    hit = scored.kept[at] == rows if len(scored.kept) else np.zeros(len(rows), dtype=bool)
    probability = np.empty(len(rows), dtype=np.float64)
    against = np.empty(len(rows), dtype=np.float64)
    forced = np.zeros(len(rows), dtype=bool)
    probability[hit] = scored.probability[at[hit]]
    against[hit] = scored.disagreement[at[hit]]
    forced[hit] = scored.forced[at[hit]]
    missing = np.flatnonzero(~hit)
    if len(missing):
        _, probability[missing], against[missing] = score_compared(
            features, compared.take(rows[missing]), model
        )
    return probability, against, forced
