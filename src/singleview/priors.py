"""Prior match odds per pair of sources.

How likely two records drawn at random are one person depends on where they come from.
A CRM is mostly de-duplicated already (two CRM rows are one person far less often than a
CRM row and a till row), while a call log or a till export holds the same customer again
and again.  One prior for every pair under-weights the sources that repeat people and
over-weights the ones that do not, and name-only evidence then links namesakes inside the
CRM.

:func:`source_pair_priors` estimates one prior per (source, source) stratum with the match
evidence held fixed: each stratum's expected number of matches is the sum of its candidate
pairs' match probabilities, recomputed with the stratum's own prior until stable (EM on the
priors alone).  A stratum with few candidate pairs is shrunk towards the overall prior.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .features import Features

__all__ = [
    "fit_source_priors",
    "pair_key",
    "prior_table",
    "source_pair_priors",
    "source_priors_from_counts",
    "stratum_of",
]

#: Pseudo-matches pulling a stratum's prior towards the overall prior.
SHRINK_MATCHES = 5.0
#: Rounds of re-estimating the priors (they settle in a handful).
ROUNDS = 20
_EPS = 1e-12


def pair_key(a: str, b: str) -> str:
    """The stratum name of two sources, order-free: ``"crm|web"``."""
    return f"{a}|{b}" if a <= b else f"{b}|{a}"


def stratum_of(source_left: np.ndarray, source_right: np.ndarray, n_sources: int) -> np.ndarray:
    """Stratum index ``lo * n_sources + hi`` for source codes of each pair."""
    lo = np.minimum(source_left, source_right).astype(np.int64)
    hi = np.maximum(source_left, source_right).astype(np.int64)
    return np.asarray(lo * n_sources + hi, dtype=np.int64)


def source_pair_priors(
    evidence: np.ndarray,
    strata: np.ndarray,
    source_sizes: np.ndarray,
    overall_prior: float,
    *,
    link_within: bool,
    counts: np.ndarray | None = None,
) -> np.ndarray:
    """Prior match probability per stratum (an ``n_sources * n_sources`` array).

    ``evidence``: each candidate pair's match weight without the prior (bits);
    ``strata``: each pair's stratum (:func:`stratum_of`); ``source_sizes``: records per
    source; ``counts``: how many pairs each row stands for (default one).  Strata no pair
    can come from (the same source with ``link_within=False``) keep the overall prior.
    """
    k = len(source_sizes)
    sizes = source_sizes.astype(np.float64)
    grid = np.outer(sizes, sizes)
    grid[np.diag_indices(k)] = sizes * (sizes - 1) / 2
    if not link_within:
        grid[np.diag_indices(k)] = 0.0
    totals = grid.ravel()
    priors = np.full(k * k, overall_prior, dtype=np.float64)
    if len(evidence) == 0:
        return priors
    odds_bits = np.clip(evidence, -1000, 1000)
    for _ in range(ROUNDS):
        prior_bits = np.log2(priors / (1.0 - priors))
        probability = 1.0 / (1.0 + np.exp2(-(prior_bits[strata] + odds_bits)))
        weights = probability if counts is None else probability * counts
        expected = np.bincount(strata, weights=weights, minlength=k * k)
        shrink_pairs = SHRINK_MATCHES / max(overall_prior, _EPS)
        new = (expected + SHRINK_MATCHES) / (totals + shrink_pairs)
        new = np.clip(np.where(totals > 0, new, overall_prior), _EPS, 1 - _EPS)
        if np.allclose(new, priors, rtol=1e-4, atol=0.0):
            priors = new
            break
        priors = new
    return priors


def fit_source_priors(
    evidence: np.ndarray,
    features: Features,
    pairs: tuple[np.ndarray, np.ndarray],
    overall_prior: float,
    *,
    link_within: bool,
    patterns: np.ndarray | None = None,
) -> dict[str, float]:
    """:func:`source_pair_priors` for candidate ``pairs`` of ``features``, keyed by
    :func:`pair_key` (empty for one source: the overall prior is its only stratum).

    With ``patterns`` (each pair's level-pattern number), ``evidence`` is per pattern and
    the fit runs on the distinct (stratum, pattern) combinations with their counts.
    """
    names = [str(v) for v in features.source_names]
    k = len(names)
    if k < 2:
        return {}
    strata = stratum_of(features.source[pairs[0]], features.source[pairs[1]], k)
    sizes = np.bincount(features.source, minlength=k)
    if patterns is not None:
        width = np.int64(max(len(evidence), 1))
        combined = np.bincount(strata * width + patterns, minlength=k * k * int(width))
        return source_priors_from_counts(
            evidence, names, sizes, combined, overall_prior, link_within=link_within
        )
    grid = source_pair_priors(evidence, strata, sizes, overall_prior, link_within=link_within)
    return _keyed(grid.reshape(k, k), names, link_within)


def source_priors_from_counts(
    evidence: np.ndarray,
    names: list[str],
    sizes: np.ndarray,
    combined: np.ndarray,
    overall_prior: float,
    *,
    link_within: bool,
) -> dict[str, float]:
    """:func:`fit_source_priors` from counts: ``evidence`` per pattern, records per source
    (``names`` sorted) and candidates per (stratum, pattern) flattened as ``stratum *
    len(evidence) + pattern``."""
    k = len(names)
    if k < 2:
        return {}
    width = np.int64(max(len(evidence), 1))
    present = np.flatnonzero(combined)
    grid = source_pair_priors(
        evidence[present % width],
        present // width,
        np.asarray(sizes),
        overall_prior,
        link_within=link_within,
        counts=combined[present].astype(np.float64),
    )
    return _keyed(grid.reshape(k, k), names, link_within)


def _keyed(grid: np.ndarray, names: list[str], link_within: bool) -> dict[str, float]:
    k = len(names)
    return {
        pair_key(names[a], names[b]): float(grid[a, b])
        for a in range(k)
        for b in range(a, k)
        if link_within or a != b
    }


def prior_table(
    source_priors: Mapping[str, float], source_names: np.ndarray, default_bits: float
) -> np.ndarray:
    """Prior log2-odds for every (source code, source code), ``default_bits`` where a pair
    of sources has no fitted prior."""
    names = [str(v) for v in source_names]
    table = np.full((len(names), len(names)), default_bits, dtype=np.float64)
    for a, left in enumerate(names):
        for b, right in enumerate(names):
            prior = source_priors.get(pair_key(left, right))
            if prior is not None:
                table[a, b] = np.log2(prior / (1.0 - prior))
    return table
