"""The outcome of a resolution run and what a user does with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

from .errors import ConfigError, NotFittedError
from .features import Features
from .model import FellegiSunter
from .why import ClusterWhy, explain_cluster

__all__ = ["Deferred", "Result"]

RecordKey = tuple[str, str]


class Deferred:
    """A frame built the first time it is read (``Result(pairs=Deferred(build))``): a run
    whose caller never reads ``result.pairs`` does not pay for it, in time or memory."""

    def __init__(self, build: Callable[[], pd.DataFrame]) -> None:
        self.build = build


class _DeferredField:
    """A dataclass field that may hold a :class:`Deferred`, built on first read and kept."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}_value"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _DeferredField: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.slot)  # to dataclasses: the field has no default
        value = obj.__dict__[self.slot]
        if isinstance(value, Deferred):
            value = value.build()
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj: object, value: pd.DataFrame | Deferred) -> None:
        obj.__dict__[self.slot] = value


@dataclass
class Result:
    """Everything :func:`singleview.resolve` produced.

    Attributes:
        clusters: one row per resolved input record: ``source``, ``source_id``,
            ``customer_id``.
        profiles: one row per customer: ``customer_id``, ``n_records``, ``sources``, every
            canonical field with ``<field>__source`` and ``<field>__source_id`` (provenance).
        pairs: scored candidate pairs at or above ``settings.pairs_floor``: both records,
            ``match_weight``, ``match_probability``, ``matched_by`` (``model`` or ``rule``),
            the blocking rule that found it and one ``gamma_<column>`` level per comparison.
            Built the first time it is read.
        quarantine: rejected input rows with a ``reason``.
        records: the normalised records that were resolved.
        issues: counts of values nulled or rejected by normalisation, per source and reason.
        blocking: per blocking rule: blocks, pairs, new pairs, skipped oversized blocks.
        model: the fitted Fellegi-Sunter model (``None`` with fewer than two records).
        stats: per-stage counts and timings (seconds).
    """

    clusters: pd.DataFrame
    profiles: pd.DataFrame
    pairs: pd.DataFrame  # may be given as a Deferred: see the end of this module
    quarantine: pd.DataFrame
    records: pd.DataFrame
    issues: pd.DataFrame
    blocking: pd.DataFrame
    model: FellegiSunter | None
    threshold: float
    stats: dict[str, Any] = field(default_factory=dict)
    rows_in: dict[str, int] = field(default_factory=dict)
    _features: Features | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle with ``pairs`` built: a :class:`Deferred` holds a closure, which cannot be
        pickled, so a result is pickled as if its pairs had been read."""
        _ = self.pairs
        return dict(self.__dict__)

    # -- inspection ------------------------------------------------------------------------

    def _position(self, key: RecordKey) -> int:
        source, source_id = key
        index = pd.MultiIndex.from_arrays([self.records["source"], self.records["source_id"]])
        position = index.get_indexer(pd.MultiIndex.from_tuples([(source, str(source_id))]))[0]
        if position < 0:
            raise ConfigError(
                f"record ({source!r}, <id>) is not among the resolved records; check the "
                "source name and id (quarantined records are in result.quarantine)"
            )
        return int(position)

    def explain(self, a: RecordKey, b: RecordKey) -> pd.DataFrame:
        """The weight waterfall for two records, ``(source, source_id)`` each.

        One row for the prior, one per comparison (level, m, u, weight, term-frequency
        adjustment), one for the total with its match probability.  Works for any two
        resolved records, also a pair that blocking never generated.
        """
        if self.model is None or self._features is None:
            raise NotFittedError("this result has no model (fewer than two records)")
        left = np.array([self._position(a)])
        right = np.array([self._position(b)])
        levels, tf = [], []
        for k, comparison in enumerate(self.model.comparisons):
            level, exact = comparison.compare(self._features, left, right)
            levels.append(level[0])
            adjust = self.model.tf_adjustment(k, self._features, exact)
            tf.append(adjust[0])
        prior = float(self.model.prior_weights(self._features, left, right)[0])
        return self.model.explain(np.array(levels), np.array(tf), prior)

    def why(self, customer_id: str) -> ClusterWhy:
        """What holds customer ``customer_id`` together: its records, every scored pair
        between them (``link``, ``spanning`` and ``bridge`` flags; the links on the strongest
        spanning tree first, weakest first) and the weakest link
        (:class:`~singleview.why.ClusterWhy`)."""
        return explain_cluster(self.clusters, self.pairs, str(customer_id), self.threshold)

    def suggest_pairs(self, n: int = 20, *, exclude: pd.DataFrame | None = None) -> pd.DataFrame:
        """The ``n`` candidate pairs most worth a person's label (closest to the threshold,
        one per comparison pattern first), both records side by side and an empty
        ``match`` column; fill it in and pass the frame back as ``sv.resolve(...,
        labels=...)`` (see :mod:`singleview.labels`).  ``exclude``: pairs labelled
        already."""
        from .labels import suggest_pairs

        return suggest_pairs(self, n, exclude=exclude)

    # -- the figures a summary shows (an engine with other frames overrides these) --------
    def resolved_per_source(self) -> dict[str, int]:
        """Resolved records per source."""
        return {str(k): int(v) for k, v in self.clusters.groupby("source").size().items()}

    def quarantine_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Quarantined rows per source, and per reason (most frequent first)."""
        per_source = self.quarantine.groupby("source").size()
        reasons = self.quarantine.groupby("reason").size().sort_values(ascending=False)
        return (
            {str(k): int(v) for k, v in per_source.items()},
            {str(k): int(v) for k, v in reasons.items()},
        )

    def cluster_sizes(self, top: int) -> list[int]:
        """The sizes of the ``top`` largest clusters, largest first."""
        sizes = self.clusters.groupby("customer_id").size().sort_values(ascending=False)
        return [int(v) for v in sizes.head(top)]

    def n_clustered(self) -> int:
        """Records in the clusters."""
        return len(self.clusters)

    def n_customers(self) -> int:
        """Customers (profiles)."""
        return len(self.profiles)

    def top_profiles(self, top: int) -> pd.DataFrame:
        """The profiles of the ``top`` largest customers (ties by id)."""
        return self.profiles.sort_values(
            ["n_records", "customer_id"], ascending=[False, True]
        ).head(top)

    def summary(self, *, profiles: int = 3) -> str:
        """A short text report: records per source, quarantine, pairs, customers, profiles."""
        from .report import summary_text

        return summary_text(self, profiles=profiles)

    # -- output ----------------------------------------------------------------------------
    def report(self, path: str | Path) -> Path:
        """Write the HTML report (figures, riskiest clusters, sample profiles) to ``path``;
        needs matplotlib (``pip install 'singleview[report]'``)."""
        from .html_report import write_report

        return write_report(self, path)

    def save(self, directory: str | Path) -> Path:
        """Write clusters, profiles, pairs, quarantine, records and issues as Parquet, the
        model as ``model.json`` and the stats as ``stats.json``, under ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        frames = {
            "clusters": self.clusters,
            "profiles": self.profiles,
            "pairs": self.pairs,
            "quarantine": self.quarantine,
            "records": self.records,
            "issues": self.issues,
            "blocking": self.blocking,
        }
        for name, frame in frames.items():
            _to_parquet(frame, out / f"{name}.parquet")
        self._write_model_and_stats(out)
        return out

    def _write_model_and_stats(self, out: Path) -> None:
        if self.model is not None:
            self.model.save(out / "model.json")
        (out / "stats.json").write_text(
            json.dumps(
                {**self.stats, "threshold": self.threshold, "rows_in": self.rows_in},
                indent=1,
                default=str,
            ),
            encoding="utf-8",
        )
        (out / "summary.txt").write_text(self.summary() + "\n", encoding="utf-8")


# ``pairs`` reads through a _DeferredField, set after the class so that the dataclass keeps
# its plain signature (a descriptor default would give the field a default to mypy).
_pairs_field = _DeferredField()
_pairs_field.__set_name__(Result, "pairs")
Result.pairs = _pairs_field  # type: ignore[assignment]


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    clean = frame.copy()
    for column in clean.columns:
        if clean[column].dtype == object:
            sample = clean[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], tuple):
                clean[column] = clean[column].map(lambda v: list(v) if isinstance(v, tuple) else v)
    clean.to_parquet(path, index=False)
