"""Expectation-maximisation for the Fellegi-Sunter mixture, on level patterns.

EM sees the distinct rows of the level matrix with their counts (the sufficient statistics),
so a run costs the same for a thousand pairs or a hundred million.  Level ``-1`` (a side is
missing) carries no evidence.  Both classes have free agreement rates: ``m`` for matches and
``u`` for non-matches *among the pairs given* (blocking chose them for agreeing, so they
agree more often than random pairs do).  ``m`` can be held fixed to estimate only the
match rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._arrays import count_values, factorize_ints, row_chunks

__all__ = ["EMResult", "pattern_counts", "pattern_index", "run_em"]

_EPS = 1e-6


@dataclass(frozen=True)
class EMResult:
    """m and u per comparison, the match rate among the pairs, and iterations used."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    match_rate: float
    iterations: int


#: Bits per comparison in a packed pattern key (levels -1..14).
_BITS = 4


#: Rows keyed at once by :func:`pattern_index` (its working arrays are 8 bytes a row).
PATTERN_CHUNK = 4_000_000


def pattern_index(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's pattern number and the distinct rows (patterns), in ascending key order.

    ``patterns[ids]`` is ``levels``.  A model that ignores term frequencies scores a pair
    by its pattern alone, so it can score the few thousand patterns instead of every pair.
    Rows are keyed :data:`PATTERN_CHUNK` at a time, so beyond the ids (4 bytes a row) the
    working memory does not grow with the number of rows.
    """
    n, width = levels.shape
    if n == 0:
        return np.empty(0, dtype=np.int64), levels
    if width * _BITS >= 63 or int(levels.max(initial=0)) >= (1 << _BITS) - 1:
        patterns, inverse = np.unique(levels, axis=0, return_inverse=True)
        return np.asarray(inverse, dtype=np.int64).ravel(), patterns
    chunks = row_chunks(n, PATTERN_CHUNK)
    # Each chunk keyed once: its rows get codes into its own distinct keys (numbered on
    # from the previous chunks'), mapped to the sorted distinct keys at the end.
    ids = np.empty(n, dtype=np.int32 if n < 2**31 else np.int64)
    found: list[np.ndarray] = []
    offset = 0
    for rows in chunks:
        codes, distinct = factorize_ints(_keys(levels[rows]))
        ids[rows] = codes + offset
        offset += len(distinct)
        found.append(distinct)
    keys = np.concatenate(found)
    ordered = np.unique(keys)
    if len(chunks) > 1 or not np.array_equal(keys, ordered):
        remap = np.searchsorted(ordered, keys).astype(ids.dtype)
        for rows in chunks:
            ids[rows] = remap[ids[rows]]
    patterns = np.empty((len(ordered), width), dtype=levels.dtype)
    for k in range(width):
        patterns[:, k] = ((ordered >> (_BITS * k)) & ((1 << _BITS) - 1)) - 1
    return ids, patterns


def _keys(levels: np.ndarray) -> np.ndarray:
    """Each row of ``levels`` packed into one int64, :data:`_BITS` bits per column."""
    keys = np.zeros(len(levels), dtype=np.int64)
    for k in range(levels.shape[1]):  # column by column: no rows x width int64 temporary
        keys |= (levels[:, k].astype(np.int64) + 1) << (_BITS * k)
    return keys


def pattern_counts(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix and how often each occurs."""
    ids, patterns = pattern_index(levels)
    return patterns, count_values(ids, len(patterns))


def _initial_m(n_levels: int) -> np.ndarray:
    """A starting m that puts most matches on the strongest levels."""
    start = np.exp2(np.arange(n_levels, dtype=np.float64) * 1.5)
    return np.asarray(start / start.sum(), dtype=np.float64)


def _rates(
    known: tuple[np.ndarray, np.ndarray],
    weights: np.ndarray,
    n_levels: int,
    prior: np.ndarray | None = None,
    strength: float = 0.0,
) -> np.ndarray:
    """Share of ``weights`` on each level; ``prior`` adds ``strength`` pseudo-pairs.
    ``known``: the rows where the column has a level, and those levels."""
    rows, column = known
    totals = np.bincount(column, weights=weights[rows], minlength=n_levels) + _EPS
    if prior is not None and strength > 0:
        totals = totals + strength * np.asarray(prior, dtype=np.float64)
    return np.asarray(totals / totals.sum(), dtype=np.float64)


def run_em(
    levels: np.ndarray,
    n_levels: Sequence[int],
    u_start: Sequence[np.ndarray],
    *,
    m_fixed: Sequence[np.ndarray] | None = None,
    m_prior: Sequence[np.ndarray] | None = None,
    prior_strength: float = 0.0,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    counts: np.ndarray | None = None,
) -> EMResult:
    """Fit the two-class mixture to ``levels`` (one column per comparison).

    ``m_prior`` with ``prior_strength`` makes the m-step a MAP estimate: as if that many
    extra matches had been seen, spread as the prior says.  It only matters for a
    comparison with few known matches.  With ``counts``, ``levels`` are level patterns and
    ``counts`` how many pairs show each (rows with a count of 0 are ignored).
    """
    if counts is None:
        patterns, counts = pattern_counts(levels)
    else:
        used = counts > 0
        patterns, counts = levels[used], counts[used]
    weights = counts.astype(np.float64)
    m = (
        [np.asarray(v, dtype=np.float64) for v in m_fixed]
        if m_fixed is not None
        else [_initial_m(n) for n in n_levels]
    )
    u = [np.asarray(v, dtype=np.float64) for v in u_start]
    u_prior = list(u)
    # Per column, the patterns where it has a level and those levels: fixed across
    # iterations, so found once.
    known = []
    for k in range(len(n_levels)):
        rows = np.flatnonzero(patterns[:, k] >= 0)
        known.append((rows, patterns[rows, k]))
    rate = 0.1
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - returned below
        log_odds = np.full(len(patterns), np.log(rate / (1 - rate)))
        for k, (rows, column) in enumerate(known):
            log_odds[rows] += np.log(m[k] / u[k])[column]
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
        matched = weights * posterior
        if m_fixed is None:
            new_m = [
                _rates(
                    known[k],
                    matched,
                    n,
                    None if m_prior is None else m_prior[k],
                    prior_strength,
                )
                for k, n in enumerate(n_levels)
            ]
        else:
            new_m = m
        # u among candidates leans on the random-pair u as much as m leans on its prior:
        # with a handful of pairs the mixture is not identified without it.
        new_u = [
            _rates(known[k], weights - matched, n, u_prior[k], prior_strength)
            for k, n in enumerate(n_levels)
        ]
        new_rate = float(np.clip(matched.sum() / max(weights.sum(), 1.0), _EPS, 1 - _EPS))
        change = max(
            abs(new_rate - rate),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
            *(float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)),
        )
        m, u, rate = new_m, new_u, new_rate
        if change < tolerance:
            break
    return EMResult(m=m, u=u, match_rate=rate, iterations=iteration)
