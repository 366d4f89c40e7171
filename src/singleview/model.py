"""The Fellegi-Sunter model: u from random pairs, m and the prior by EM, no labels needed.

For each comparison level the model holds ``m`` (how often true matches land on the level)
and ``u`` (how often random non-matching pairs do).  A pair's match weight is the prior
log-odds plus ``log2(m / u)`` for each comparison whose level is known; a term-frequency
adjustment replaces ``u`` of an exact agreement by the frequency of the shared value, so
agreeing on "smith" counts for less than agreeing on "featherstonehaugh".

EM runs on the distinct level patterns of the candidate pairs weighted by their counts (the
sufficient statistics), so its cost does not grow with the number of pairs.  The fitted
model is plain data: :meth:`FellegiSunter.to_json` / :meth:`FellegiSunter.from_json`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from .comparisons import Comparison
from .errors import ConfigError, NotFittedError
from .features import Features

__all__ = ["FellegiSunter", "pattern_counts"]

logger = logging.getLogger(__name__)

_EPS = 1e-6
MODEL_FORMAT = 1


class _LevelParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    column: str
    kind: str
    tf_adjust: bool
    labels: list[str]
    m: list[float]
    u: list[float]


class _ModelData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    format: int
    lambda_: float
    prior: float
    comparisons: list[_LevelParams]
    tf: dict[str, dict[str, float]]
    random_state: int
    em_iterations: int


def pattern_counts(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix and how often each occurs (EM's sufficient stats)."""
    if levels.shape[0] == 0:
        return levels, np.empty(0, dtype=np.int64)
    shift = (levels.astype(np.int64) + 1) << (4 * np.arange(levels.shape[1], dtype=np.int64))
    keys = shift.sum(axis=1)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.int64)


class FellegiSunter:
    """A Fellegi-Sunter model over a list of comparisons.

    Parameters:
        comparisons: what to compare (see :class:`~singleview.comparisons.Comparison`).
        u_sample_size: random record pairs drawn to estimate ``u``.
        max_iterations, tolerance: EM stopping rules.
        random_state: seeds the random pairs; with records in canonical order (sorted by
            source and source id) the sample does not depend on input row order.

    Example:
        >>> from singleview.comparisons import Comparison
        >>> model = FellegiSunter([Comparison("dob", "date")], random_state=1)
        >>> model.random_state
        1
    """

    def __init__(
        self,
        comparisons: Sequence[Comparison],
        *,
        u_sample_size: int = 1_000_000,
        max_iterations: int = 100,
        tolerance: float = 1e-6,
        random_state: int = 0,
    ) -> None:
        self.comparisons = list(comparisons)
        self.u_sample_size = u_sample_size
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, features: Features, levels: np.ndarray, *, link_within: bool = True) -> Self:
        """Estimate u from random pairs of ``features``, then m and the prior by EM on the
        candidate pairs' ``levels`` (one column per comparison)."""
        if not self.comparisons:
            raise ConfigError("the model has no comparisons: no comparable field is present")
        if levels.shape[1] != len(self.comparisons):
            raise ConfigError("levels must have one column per comparison")
        self.u_ = self._estimate_u(features, link_within)
        self.m_, self.lambda_, self.n_iterations_ = self._em(levels)
        # EM's prior is the match rate among candidate pairs.  Blocking already selected
        # those pairs by agreement that the comparisons count again, so scores start from
        # the match rate among *all* pairs: expected matches / every possible pair.
        total = _total_pairs(features, link_within)
        self.prior_ = float(
            np.clip(self.lambda_ * levels.shape[0] / max(total, 1), _EPS * _EPS, 1 - _EPS)
        )
        self.tf_ = self._term_frequencies(features)
        logger.info(
            "model fitted: %d comparisons, match rate %.5f among candidates, "
            "prior %.3g, EM %d iterations",
            len(self.comparisons),
            self.lambda_,
            self.prior_,
            self.n_iterations_,
        )
        return self

    def _random_pairs(self, features: Features, link_within: bool) -> tuple[np.ndarray, np.ndarray]:
        n = features.n
        rng = np.random.default_rng(self.random_state)
        size = int(min(self.u_sample_size, max(n * (n - 1) // 2, 1)))
        left = rng.integers(0, n, size=2 * size)
        right = rng.integers(0, n, size=2 * size)
        keep = left != right
        if not link_within:
            keep &= features.source[left] != features.source[right]
        return left[keep][:size], right[keep][:size]

    def _estimate_u(self, features: Features, link_within: bool) -> list[np.ndarray]:
        left, right = self._random_pairs(features, link_within)
        u = []
        for comparison in self.comparisons:
            level, _ = comparison.compare(features, left, right)
            n_levels = len(comparison.labels)
            counts = np.bincount(level[level >= 0], minlength=n_levels).astype(np.float64)
            # Half a pseudo-count per level: an agreement never seen among random pairs
            # is rare, not impossible.
            u.append((counts + 0.5) / (counts.sum() + 0.5 * n_levels))
        return u

    def _em(self, levels: np.ndarray) -> tuple[list[np.ndarray], float, int]:
        """m and the match rate by EM on the candidate pairs' level patterns.

        Non-matches among candidates agree more often than random pairs (blocking chose
        them for agreeing), so EM fits their own agreement rates (``u`` among candidates)
        alongside m, starting from the random-pair u.  Only m and the match rate are kept:
        scores use the random-pair u, which describes the population the prior is about.
        """
        patterns, counts = pattern_counts(levels)
        weights = counts.astype(np.float64)
        m = [_initial_m(len(c.labels)) for c in self.comparisons]
        u = [np.array(v, dtype=np.float64) for v in self.u_]
        lam = 0.1
        iteration = 0
        for iteration in range(1, self.max_iterations + 1):  # noqa: B007 - reported below
            log_odds = np.full(len(patterns), np.log(lam / (1 - lam)))
            for k in range(len(self.comparisons)):
                column = patterns[:, k]
                known = column >= 0
                log_odds[known] += np.log(m[k] / u[k])[column[known]]
            posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
            matched = weights * posterior
            unmatched = weights - matched
            new_m = [
                self._m_step(patterns[:, k], matched, len(c.labels))
                for k, c in enumerate(self.comparisons)
            ]
            new_u = [
                self._m_step(patterns[:, k], unmatched, len(c.labels))
                for k, c in enumerate(self.comparisons)
            ]
            new_lam = float(np.clip(matched.sum() / max(weights.sum(), 1.0), _EPS, 1 - _EPS))
            change = max(
                abs(new_lam - lam),
                *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
            )
            m, u, lam = new_m, new_u, new_lam
            if change < self.tolerance:
                break
        return m, lam, iteration

    @staticmethod
    def _m_step(column: np.ndarray, weights: np.ndarray, n_levels: int) -> np.ndarray:
        known = column >= 0
        totals = np.bincount(column[known], weights=weights[known], minlength=n_levels)
        return np.asarray((totals + _EPS) / (totals.sum() + _EPS * n_levels), dtype=np.float64)

    def _term_frequencies(self, features: Features) -> dict[str, pd.Series]:
        tf = {}
        for comparison in self.comparisons:
            if comparison.tf_adjust:
                coded = features[comparison.column]
                counts = coded.counts()
                tf[comparison.column] = pd.Series(
                    counts / max(counts.sum(), 1), index=pd.Index(coded.values, dtype="object")
                )
        return tf

    # -- scoring ---------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "m_"):
            raise NotFittedError("this model is not fitted yet: call fit() or load one")

    @property
    def prior_weight(self) -> float:
        """log2 prior odds that two records drawn at random match."""
        self._check()
        return float(np.log2(self.prior_ / (1 - self.prior_)))

    def level_weights(self) -> list[np.ndarray]:
        """``log2(m / u)`` per level, per comparison."""
        self._check()
        return [np.log2(m / u) for m, u in zip(self.m_, self.u_, strict=True)]

    def tf_adjustment(self, k: int, features: Features, exact_code: np.ndarray) -> np.ndarray:
        """Extra weight for an exact agreement on a value of known frequency (0 elsewhere)."""
        comparison = self.comparisons[k]
        out = np.zeros(len(exact_code), dtype=np.float64)
        table = self.tf_.get(comparison.column)
        if table is None:
            return out
        hit = exact_code >= 0
        if not hit.any():
            return out
        values = features[comparison.column].values
        freq = table.reindex(pd.Index(values, dtype="object")).to_numpy(dtype=np.float64)
        floor = 1.0 / max(float(len(table)), 1.0) / 10.0
        freq = np.where(np.isnan(freq), floor, np.maximum(freq, floor))
        u_exact = self.u_[k][-1]
        out[hit] = np.log2(u_exact / freq[exact_code[hit]])
        return out

    def score(
        self, levels: np.ndarray, tf: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Match weight and probability for each row of ``levels`` (+ summed TF weights)."""
        self._check()
        weight = np.full(levels.shape[0], self.prior_weight)
        for k, table in enumerate(self.level_weights()):
            column = levels[:, k]
            known = column >= 0
            weight[known] += table[column[known]]
        if tf is not None:
            weight += tf
        probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
        return weight, probability

    def explain(self, levels: np.ndarray, tf: np.ndarray) -> pd.DataFrame:
        """The weight waterfall of one pair: prior, one row per comparison, total."""
        self._check()
        rows: list[dict[str, Any]] = [
            {
                "comparison": "prior",
                "column": None,
                "level": None,
                "m": None,
                "u": None,
                "weight": self.prior_weight,
                "tf_adjustment": 0.0,
            }
        ]
        for k, comparison in enumerate(self.comparisons):
            level = int(levels[k])
            known = level >= 0
            rows.append(
                {
                    "comparison": comparison.kind,
                    "column": comparison.column,
                    "level": comparison.labels[level] if known else "missing",
                    "m": float(self.m_[k][level]) if known else None,
                    "u": float(self.u_[k][level]) if known else None,
                    "weight": float(np.log2(self.m_[k][level] / self.u_[k][level]))
                    if known
                    else 0.0,
                    "tf_adjustment": float(tf[k]),
                }
            )
        frame = pd.DataFrame(rows)
        total = float(frame["weight"].sum() + frame["tf_adjustment"].sum())
        probability = 1.0 / (1.0 + 2.0 ** (-total))
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    [
                        {
                            "comparison": "total",
                            "column": None,
                            "level": None,
                            "m": None,
                            "u": None,
                            "weight": total,
                            "tf_adjustment": 0.0,
                            "probability": probability,
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
        frame["cumulative_weight"] = (frame["weight"] + frame["tf_adjustment"]).cumsum()
        frame.loc[frame.index[-1], "cumulative_weight"] = total
        return frame

    # -- persistence -----------------------------------------------------------------------
    def to_json(self) -> str:
        """The fitted model as JSON (term-frequency tables included: they hold values)."""
        self._check()
        data = _ModelData(
            format=MODEL_FORMAT,
            lambda_=self.lambda_,
            prior=self.prior_,
            comparisons=[
                _LevelParams(
                    column=c.column,
                    kind=c.kind,
                    tf_adjust=c.tf_adjust,
                    labels=list(c.labels),
                    m=m.tolist(),
                    u=u.tolist(),
                )
                for c, m, u in zip(self.comparisons, self.m_, self.u_, strict=True)
            ],
            tf={k: {str(i): float(v) for i, v in s.items()} for k, s in self.tf_.items()},
            random_state=self.random_state,
            em_iterations=self.n_iterations_,
        )
        return data.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str) -> FellegiSunter:
        """A fitted model back from :meth:`to_json` output."""
        data = _ModelData.model_validate(json.loads(text))
        if data.format != MODEL_FORMAT:
            raise ConfigError(
                f"model format {data.format} is not supported (expected {MODEL_FORMAT})"
            )
        model = cls(
            [Comparison(p.column, p.kind, p.tf_adjust) for p in data.comparisons],
            random_state=data.random_state,
        )
        model.m_ = [np.asarray(p.m) for p in data.comparisons]
        model.u_ = [np.asarray(p.u) for p in data.comparisons]
        model.lambda_ = data.lambda_
        model.prior_ = data.prior
        model.n_iterations_ = data.em_iterations
        model.tf_ = {k: pd.Series(v, dtype=np.float64) for k, v in data.tf.items()}
        return model

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path``."""
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> FellegiSunter:
        """Read a model written by :meth:`save`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _total_pairs(features: Features, link_within: bool) -> int:
    """Every pair the run could compare: all pairs, or cross-source pairs only."""
    n = features.n
    if link_within:
        return n * (n - 1) // 2
    per_source = np.bincount(features.source).astype(np.int64)
    return int((n * n - (per_source**2).sum()) // 2)


def _initial_m(n_levels: int) -> np.ndarray:
    """A starting m that puts most matches on the strongest levels."""
    start = np.exp2(np.arange(n_levels, dtype=np.float64) * 1.5)
    return np.asarray(start / start.sum(), dtype=np.float64)
