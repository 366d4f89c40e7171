"""String similarity over pairs of value codes, once per distinct pair when that pays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rapidfuzz import process

from ._arrays import factorize_ints, unique_sorted

__all__ = ["Scorer", "member", "similarity"]

Scorer = Callable[..., float]


#: Above this many pairs, sample them to decide whether de-duplicating pays.
_DEDUPE_SAMPLE = 50_000
#: De-duplicate when the sample's distinct share is below this: hashing a pair costs about
#: half what comparing its two strings does.
_DEDUPE_SHARE = 0.5


#: Below this many pairs one thread beats starting a pool (a real-time lookup scores a few).
_THREADED_FROM = 20_000


def _workers(pairs: int) -> int:
    return -1 if pairs >= _THREADED_FROM else 1


def similarity(
    values: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    scorer: Scorer,
    *,
    cutoff: float | None = None,
) -> np.ndarray:
    """``scorer`` on each pair of codes (both >= 0; 0 elsewhere), computed once per
    distinct pair when pairs repeat enough for that to pay; equal codes are not compared.

    ``cutoff`` is rapidfuzz's ``score_cutoff``: a similarity below it comes back as 0 and a
    distance above it as ``cutoff + 1``, and the scorer may stop early to say so."""
    out = np.zeros(len(a), dtype=np.float64)
    both = (a >= 0) & (b >= 0)
    same = np.flatnonzero(both & (a == b))
    ok = np.flatnonzero(both & (a != b))
    if len(ok) == 0 and len(same) == 0:
        return out
    texts = np.asarray(values, dtype=object)
    if len(same):
        text = texts[a[same[0]]]
        out[same] = scorer(text, text)  # a scorer's value for identical strings
    if len(ok) == 0:
        return out
    a_ok, b_ok = a[ok], b[ok]
    width = np.int64(len(values) + 1)
    keys = a_ok.astype(np.int64) * width + b_ok
    sample = keys[:: max(len(keys) // _DEDUPE_SAMPLE, 1)]
    if len(unique_sorted(sample)) < _DEDUPE_SHARE * len(sample):
        inverse, unique = factorize_ints(keys)
        scores = process.cpdist(
            texts[unique // width],
            texts[unique % width],
            scorer=scorer,
            workers=_workers(len(unique)),
            score_cutoff=cutoff,
        )
        out[ok] = np.asarray(scores, dtype=np.float64)[inverse]
    else:
        scores = process.cpdist(
            texts[a_ok], texts[b_ok], scorer=scorer, workers=_workers(len(ok)), score_cutoff=cutoff
        )
        out[ok] = np.asarray(scores, dtype=np.float64)
    return out


def member(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each key is in ``table`` (ascending, distinct)."""
    if len(table) == 0:
        return np.zeros(len(keys), dtype=bool)
    position = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.asarray(table[position] == keys, dtype=bool)
