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

import logging
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from ._process import usable_cpus
from .comparisons import M_PRIORS, U_PRIORS, Comparison, compare_all
from .em import run_em
from .errors import ConfigError
from .features import Features
from .fit_stats import FitStats, local_fit_stats
from .labels import blend_labels
from .model_io import model_from_json, model_to_json
from .model_parts import U_PRIOR_PAIRS, ExactValues, TrainingSession, level_rates
from .model_scoring import Scoring
from .priors import prior_table, source_priors_from_counts

__all__ = ["ExactValues", "FellegiSunter", "TrainingSession", "random_pairs"]

logger = logging.getLogger(__name__)

_EPS = 1e-6


#: A training session with fewer candidate pairs than this is too small to trust.
MIN_SESSION_PAIRS = 50
#: Rounds of taking drawn true matches out of the random pairs behind u.
MAX_U_ROUNDS = 5
#: Pseudo-matches the m prior is worth in EM (see :data:`comparisons.M_PRIORS`).
PRIOR_STRENGTH = 20.0

#: From this many random pairs their comparisons run side by side in threads, this many
#: pairs at a time.
LEVELS_THREADED_FROM = 100_000
LEVELS_CHUNK = 250_000


def random_pairs(
    n: int,
    source_of: Callable[[np.ndarray], np.ndarray],
    *,
    link_within: bool,
    size: int,
    random_state: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The random record pairs (positions) behind u: up to ``size`` pairs of two different
    records (of two different sources, by ``source_of(positions)``, unless
    ``link_within``), drawn with ``random_state``."""
    rng = np.random.default_rng(random_state)
    size = int(min(size, max(n * (n - 1) // 2, 1)))
    left = rng.integers(0, n, size=2 * size)
    right = rng.integers(0, n, size=2 * size)
    keep = left != right
    if not link_within:
        keep &= source_of(left) != source_of(right)
    return left[keep][:size], right[keep][:size]


class FellegiSunter(Scoring):
    """A Fellegi-Sunter model over a list of comparisons.

    Parameters:
        comparisons: what to compare (see :class:`~singleview.comparisons.Comparison`).
        u_sample_size: random record pairs drawn to estimate ``u``.
        max_iterations, tolerance: EM stopping rules.
        groups: columns whose evidence is one thing seen several times (an address line,
            its postcode and city; a household's landline): within a group only the
            strongest agreement counts, or, if none agrees, the strongest disagreement.
            Fellegi-Sunter assumes comparisons independent; summing a household's shared
            address, postcode and phone would call two people in it one person.
        distinguish, family: the household rule.  When a ``distinguish`` column (first
            name) disagrees while every known ``family`` column (last name) agrees, the
            groups' agreement does not count: a shared address, postcode or landline with
            the same surname and another first name is a household, not one person.
            Fellegi-Sunter would otherwise add the surname and the address as if they were
            independent, and they are not among the members of one family.
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
        groups: Sequence[Sequence[str]] = (),
        distinguish: Sequence[str] = (),
        family: Sequence[str] = (),
    ) -> None:
        self.comparisons = list(comparisons)
        self.groups = [tuple(g) for g in groups]
        self.distinguish = tuple(distinguish)
        self.family = tuple(family)
        self.u_sample_size = u_sample_size
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.random_state = random_state

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the caches tied to one run's features (Spark ships models)."""
        return {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("_sample", "_tf_aligned", "_tf_index", "_tf_values")
        }

    # -- fitting ---------------------------------------------------------------------------
    def set_labels(self, levels: np.ndarray) -> Self:
        """Learn m from these labelled matches too (their comparison levels, one row per
        pair; see :mod:`singleview.labels`) on every later fit; returns ``self``."""
        levels = np.asarray(levels)
        if levels.ndim != 2 or levels.shape[1] != len(self.comparisons):
            raise ConfigError("labelled levels must have one column per comparison")
        self.labelled_ = levels.astype(np.int8)
        return self

    def fit(
        self,
        features: Features,
        levels: np.ndarray,
        *,
        link_within: bool = True,
        sessions: Sequence[TrainingSession] = (),
        pairs: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Self:
        """Learn u, m and the prior; returns ``self``.

        1. u: agreement rates among random record pairs of ``features``.
        2. m: EM on the candidate pairs' ``levels`` (one column per comparison).  With
           ``sessions``, a comparison's m is the mean over the sessions that leave it out:
           each session is the candidates agreeing on some identifying key (name and date
           of birth, an e-mail, an id), so households and namesakes, which agree on
           addresses and surnames, cannot pass for matches when m is learned.
        3. The match rate among candidates by EM with m held, then the prior over all pairs.
        4. u is cleared of the true matches that random sampling drew by chance: random
           pairs that are also candidate ``pairs`` (left, right positions, the rows of
           ``levels``) scoring as matches are left out, and u is counted again.
        """
        if not self.comparisons:
            raise ConfigError("the model has no comparisons: no comparable field is present")
        if levels.ndim != 2 or levels.shape[1] != len(self.comparisons):
            raise ConfigError("levels must have one column per comparison")
        stats = local_fit_stats(
            self, features, levels, link_within=link_within, sessions=sessions, pairs=pairs
        )
        return self.fit_from_stats(stats)

    def fit_from_stats(self, stats: FitStats) -> Self:
        """Learn u, m and the prior from counts (see :mod:`singleview.fit_stats`); returns
        ``self``.  :meth:`fit` is this on the counts of its arguments."""
        if not self.comparisons:
            raise ConfigError("the model has no comparisons: no comparable field is present")
        n_levels = [len(c.labels) for c in self.comparisons]
        priors = [np.asarray(M_PRIORS[c.kind]) for c in self.comparisons]
        u_priors = [np.asarray(U_PRIORS[c.kind]) for c in self.comparisons]
        observed_u = level_rates(stats.random_patterns, u_priors, stats.random_counts)
        options: dict[str, Any] = {
            "max_iterations": self.max_iterations,
            "tolerance": self.tolerance,
            "prior_strength": PRIOR_STRENGTH,
        }
        patterns, counts = stats.patterns, stats.counts
        overall = run_em(patterns, n_levels, observed_u, m_prior=priors, counts=counts, **options)
        m = list(overall.m)
        learned: dict[int, list[np.ndarray]] = {}
        for session in stats.sessions:
            trained = [k for k in range(len(n_levels)) if k not in session.excluded]
            if int(session.counts.sum()) < MIN_SESSION_PAIRS or not trained:
                continue
            result = run_em(
                patterns[:, trained],
                [n_levels[k] for k in trained],
                [observed_u[k] for k in trained],
                m_prior=[priors[k] for k in trained],
                counts=session.counts,
                **options,
            )
            for position, k in enumerate(trained):
                learned.setdefault(k, []).append(result.m[position])
        for k, estimates in learned.items():
            m[k] = np.mean(estimates, axis=0)
        labelled = getattr(self, "labelled_", None)
        if labelled is not None and len(labelled):
            m = blend_labels(m, labelled)
        final = run_em(patterns, n_levels, overall.u, m_fixed=m, counts=counts, **options)
        self.m_ = m
        self.lambda_ = final.match_rate
        self.n_iterations_ = overall.iterations
        # EM's rate is among candidate pairs, which blocking chose for agreeing on what the
        # comparisons count again; scores start from the match rate among all pairs.
        total = stats.total_pairs()
        n_candidates = int(counts.sum())
        self.prior_ = float(
            np.clip(self.lambda_ * n_candidates / max(total, 1), _EPS * _EPS, 1 - _EPS)
        )
        # Term frequencies count every record, duplicates of one person included, and so
        # does the observed u: their ratio is the TF adjustment, so it keeps the observed u.
        self.tf_u_ = [float(u[-1]) for u in observed_u]
        self.u_ = observed_u
        self.random_matches_ = 0
        candidate = stats.random_candidate
        if candidate is not None and n_candidates:
            is_candidate = candidate >= 0
            # Removing the drawn matches lowers u, which raises their scores, which can
            # reveal more of them: repeat until nothing changes (a few rounds at most).
            for _ in range(MAX_U_ROUNDS):
                _, probability = self.score(patterns)
                drawn = is_candidate & (probability[np.maximum(candidate, 0)] >= 0.5)
                n_drawn = int(stats.random_counts[drawn].sum())
                if n_drawn == self.random_matches_:
                    break
                self.random_matches_ = n_drawn
                self.u_ = level_rates(
                    stats.random_patterns[~drawn], u_priors, stats.random_counts[~drawn]
                )
        self.tf_ = self._term_frequencies(stats.tf)
        self.tf_sizes_ = {}  # every table whole
        # Each table is in the order of these features' distinct values: scoring the same
        # features reads it by position, without searching it (a weak reference: the
        # model must not keep the features' values alive).
        self._tf_aligned = {
            column: (weakref.ref(stats.tf[column][0]), table) for column, table in self.tf_.items()
        }
        self.source_priors_: dict[str, float] = {}
        if stats.strata is not None and n_candidates:
            evidence = self.score(patterns)[0] - self.prior_weight  # per pattern
            self.source_priors_ = source_priors_from_counts(
                evidence,
                stats.source_names,
                stats.source_sizes,
                stats.strata,
                self.prior_,
                link_within=stats.link_within,
            )
        logger.info(
            "model fitted: %d comparisons, %d training sessions, match rate %.5f among "
            "candidates, prior %.3g",
            len(self.comparisons),
            len(learned),
            self.lambda_,
            self.prior_,
        )
        return self

    def prior_weights(self, features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Prior log2-odds of each pair, from its two sources (the overall prior for a
        pair of sources the model was not fitted on)."""
        self._check()
        table = prior_table(self.source_priors_, features.source_names, self.prior_weight)
        return np.asarray(table[features.source[left], features.source[right]], dtype=np.float64)

    def _random_pairs(self, features: Features, link_within: bool) -> tuple[np.ndarray, np.ndarray]:
        return random_pairs(
            features.n,
            lambda rows: features.source[rows],
            link_within=link_within,
            size=self.u_sample_size,
            random_state=self.random_state,
        )

    def _random_sample(
        self, features: Features, link_within: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The random pairs behind u and their levels, kept for a refit on the same data."""
        cached = getattr(self, "_sample", None)
        if cached is not None and cached[0] is features and cached[1] == link_within:
            return cached[2], cached[3], cached[4]
        left, right = self._random_pairs(features, link_within)
        levels = self._levels(features, left, right)
        self._sample = (features, link_within, left, right, levels)
        return left, right, levels

    def _levels(self, features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The comparison levels of these pairs (the random sample behind u): side by side
        in threads from :data:`LEVELS_THREADED_FROM` pairs, :data:`LEVELS_CHUNK` at a time
        so the threads' working arrays stay small."""
        threads = usable_cpus() if len(left) >= LEVELS_THREADED_FROM else 1
        return compare_all(
            self.comparisons, features, left, right, threads=threads, chunk=LEVELS_CHUNK
        )

    def _term_frequencies(
        self, counted: Mapping[str, tuple[np.ndarray, np.ndarray]]
    ) -> dict[str, pd.Series]:
        tf = {}
        for k, comparison in enumerate(self.comparisons):
            if comparison.tf_adjust and comparison.column in counted:
                values, counts = counted[comparison.column]
                # Shrunk towards the average frequency by U_PRIOR_PAIRS pseudo-records: in
                # a handful of rows every value looks common.
                average = self.tf_u_[k]
                frequency = (counts + U_PRIOR_PAIRS * average) / (counts.sum() + U_PRIOR_PAIRS)
                tf[comparison.column] = pd.Series(frequency, index=pd.Index(values, dtype="object"))
        return tf

    def explain(
        self, levels: np.ndarray, tf: np.ndarray, prior: float | None = None
    ) -> pd.DataFrame:
        """The weight waterfall of one pair: prior, one row per comparison, total
        (see :func:`singleview.explain.waterfall`)."""
        from .explain import waterfall

        return waterfall(self, levels, tf, prior)

    # -- persistence -----------------------------------------------------------------------
    def to_json(self, *, tf: bool = True) -> str:
        """The fitted model as JSON (term-frequency tables included unless ``tf=False``:
        they hold values)."""
        self._check()
        return model_to_json(self, tf=tf)

    @classmethod
    def from_json(cls, text: str) -> FellegiSunter:
        """A fitted model back from :meth:`to_json` output."""
        return model_from_json(text)

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path``."""
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> FellegiSunter:
        """Read a model written by :meth:`save`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
