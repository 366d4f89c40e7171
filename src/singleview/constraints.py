"""Cannot-link constraints and the cluster size cap: what must never end in one customer.

The disagreement guard (:mod:`singleview.cluster`) weighs evidence; these are hard rules.
Two records *cannot link* when

- their dates of birth conflict: both known, and neither equal, nor one typo apart (one
  digit of ``YYYYMMDD`` changed, or two adjacent digits swapped), nor day and month
  swapped, nor within ``dob_tolerance_days`` of each other (a Jr and a Sr, a parent and a
  child, two namesakes);
- they hold different values of another single-valued column named in ``cannot_link``
  (a national id, a passport number: values unique per person);
- they are two records of a source named in ``unique_sources``: a deduplicated master
  whose records are each a different person.

A rule is only as good as the data: FEBRL's dates of birth are replaced at random in 4 % of
true matches, where the synthetic set only swaps day and month.  So a column's rule applies
when the fitted model says matches conflict on it at most ``cannot_link_max_m`` of the time
(the m of its conflicting levels: ``else`` and ``within_10_years`` for a date, ``else``
otherwise); a column without a comparison applies as named.

A connected component that holds a cannot-link pair, or more records than
``max_cluster_size``, is rebuilt by the guard's agglomeration, which never merges two
clusters with a cannot-link pair between them, nor past the size cap.  Only a pair that
must merge (a deterministic rule, a human ``force_merge``) overrides them.

No pair of records is listed: the agglomeration keeps, per growing cluster, its distinct
dates of birth, column values and unique sources (:class:`Tracker`) and checks a merge
against the two clusters' values only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError

if TYPE_CHECKING:
    from .model import FellegiSunter
    from .settings import Settings

logger = logging.getLogger(__name__)

__all__ = [
    "Constraints",
    "Guard",
    "Tracker",
    "check_unique_sources",
    "conflict_rate",
    "dob_conflict",
]

#: A missing date of birth, in days since 1970.
_NO_DATE = np.iinfo(np.int64).min


def dob_conflict(a: np.ndarray, b: np.ndarray, tolerance_days: int) -> np.ndarray:
    """Whether dates of birth ``a`` and ``b`` (``datetime64[D]``, both known) conflict."""
    a = np.asarray(a, dtype="datetime64[D]")
    b = np.asarray(b, dtype="datetime64[D]")
    near = np.abs((a - b).astype(np.int64)) <= tolerance_days

    def parts(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        year = d.astype("datetime64[Y]").astype(np.int64) + 1970
        month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
        return year, month, day

    ya, ma, da = parts(a)
    yb, mb, db = parts(b)
    swapped = (ya == yb) & (ma == db) & (da == mb)
    # The eight digits of YYYYMMDD, one column each.
    powers = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    digits_a = ((ya * 10_000 + ma * 100 + da)[:, None] // powers) % 10
    digits_b = ((yb * 10_000 + mb * 100 + db)[:, None] // powers) % 10
    differ = digits_a != digits_b
    one_digit = differ.sum(axis=1) <= 1
    transposed = (differ.sum(axis=1) == 2) & (
        (differ[:, :-1] & differ[:, 1:])
        & (digits_a[:, :-1] == digits_b[:, 1:])
        & (digits_a[:, 1:] == digits_b[:, :-1])
    ).any(axis=1)
    return np.asarray(~(near | swapped | one_digit | transposed), dtype=bool)


@dataclass(frozen=True)
class Constraints:
    """Per record (by position), the values the cannot-link rules read."""

    #: Date of birth in days since 1970, ``_NO_DATE`` when missing (empty: not a rule).
    dob: np.ndarray
    #: Per other ``cannot_link`` column: an integer code per record, -1 when missing.
    columns: tuple[np.ndarray, ...]
    #: Per record: a code for its source when that source is unique per person, else -1.
    unique: np.ndarray
    tolerance_days: int

    def flagged(self, anchors: np.ndarray) -> np.ndarray:
        """The anchors of components that may hold a cannot-link pair: two known dates of
        birth, two values of another column, or two records of a unique source (what the
        Spark engine can count without pairing records)."""
        columns = [(self.dob, self.dob != _NO_DATE)] if len(self.dob) else []
        columns += [(c, c >= 0) for c in self.columns]
        if len(self.unique):
            columns.append((np.arange(len(self.unique)), self.unique >= 0))
        found = []
        for values, known in columns:
            distinct = pd.DataFrame({"a": anchors[known], "v": values[known]}).drop_duplicates()
            counts = distinct.groupby("a").size()
            found.append(counts.index[counts.to_numpy() > 1].to_numpy(dtype=np.int64))
        return np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)


class Tracker:
    """What each growing cluster holds, for the guard's agglomeration: its distinct dates
    of birth, its values of each cannot-link column and its unique sources.  Two clusters
    conflict when merging them would put a cannot-link pair in one customer; the check
    reads the two clusters' values only, never pairs of records.

    Clusters are numbered by ``nodes`` (record positions): cluster ``i`` starts as record
    ``nodes[i]`` alone.  Values are Python lists and sets of ints: a merge is a set union,
    far cheaper than NumPy calls on the one or two dates a cluster holds (150,000 merges
    at a million records)."""

    def __init__(self, constraints: Constraints, nodes: np.ndarray) -> None:
        self.tolerance_days = constraints.tolerance_days
        dob = constraints.dob[nodes].tolist() if len(constraints.dob) else []
        unique = constraints.unique[nodes].tolist() if len(constraints.unique) else []
        # Per cluster, its set (None: empty), starting from each record's own value.
        self._dates: list[frozenset[int] | None] = [
            None if d == _NO_DATE else frozenset((d,)) for d in dob
        ]
        self._values: list[list[frozenset[int] | None]] = [
            [None if c < 0 else frozenset((c,)) for c in column[nodes].tolist()]
            for column in constraints.columns
        ]
        self._unique: list[frozenset[int] | None] = [
            None if c < 0 else frozenset((c,)) for c in unique
        ]
        self._dates_apart: dict[tuple[int, int], bool] = {}
        #: Merges refused for a conflict.
        self.refused = 0

    def conflict(self, a: int, b: int) -> bool:
        """Whether clusters ``a`` and ``b`` hold a cannot-link pair between them."""
        if self._unique:
            ua, ub = self._unique[a], self._unique[b]
            if ua is not None and ub is not None and not ua.isdisjoint(ub):
                self.refused += 1
                return True
        for sets in self._values:
            va, vb = sets[a], sets[b]
            if va is not None and vb is not None and len(va | vb) > 1:
                self.refused += 1
                return True
        if self._dates:
            da, db = self._dates[a], self._dates[b]
            if da is not None and db is not None and self._dates_conflict(da, db):
                self.refused += 1
                return True
        return False

    def _dates_conflict(self, da: frozenset[int], db: frozenset[int]) -> bool:
        """Whether a date of ``da`` and a different one of ``db`` conflict (each pair of
        dates checked once per run)."""
        apart = [(x, y) if x < y else (y, x) for x in da for y in db if x != y]
        unknown = [p for p in apart if p not in self._dates_apart]
        if unknown:
            first = np.array([p[0] for p in unknown], dtype="datetime64[D]")
            second = np.array([p[1] for p in unknown], dtype="datetime64[D]")
            found = dob_conflict(first, second, self.tolerance_days).tolist()
            self._dates_apart.update(zip(unknown, found, strict=True))
        return any(self._dates_apart[p] for p in apart)

    def merge(self, keep: int, gone: int) -> None:
        """Cluster ``gone`` joined ``keep``."""
        for sets in (self._dates, self._unique, *self._values):
            if sets:
                theirs = sets[gone]
                if theirs is not None:
                    ours = sets[keep]
                    sets[keep] = theirs if ours is None else ours | theirs
                    sets[gone] = None


#: Per comparison kind, the levels that are a conflict (default: ``else``).
_CONFLICT_LEVELS: dict[str, tuple[str, ...]] = {"date": ("else", "within_10_years")}


def conflict_rate(model: FellegiSunter | None, column: str) -> float:
    """How often the fitted ``model`` says true matches conflict on ``column`` (the m of
    its conflicting levels); 0 when the column is not compared."""
    if model is None or getattr(model, "m_", None) is None:
        return 0.0
    for k, comparison in enumerate(model.comparisons):
        if comparison.column == column:
            levels = _CONFLICT_LEVELS.get(comparison.kind, ("else",))
            labels = comparison.labels
            return float(sum(model.m_[k][labels.index(x)] for x in levels if x in labels))
    return 0.0


@dataclass(frozen=True)
class Guard:
    """The hard over-merge rules of a run (see the module docstring)."""

    cannot_link: tuple[str, ...] = ()
    unique_sources: tuple[str, ...] = ()
    dob_tolerance_days: int = 365
    max_cluster_size: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, model: FellegiSunter | None = None) -> Guard:
        """The guard that ``settings`` ask for, with the cannot-link columns that the fitted
        ``model`` supports (see the module docstring)."""
        columns = []
        for column in settings.cannot_link:
            rate = conflict_rate(model, column)
            if rate <= settings.cannot_link_max_m:
                columns.append(column)
            else:
                logger.info(
                    "cannot-link rule on %s off: the model says matches conflict on it "
                    "%.1f%% of the time (settings.cannot_link_max_m %.1f%%)",
                    column,
                    100 * rate,
                    100 * settings.cannot_link_max_m,
                )
        return cls(
            cannot_link=tuple(columns),
            unique_sources=tuple(settings.unique_sources),
            dob_tolerance_days=settings.dob_tolerance_days,
            max_cluster_size=settings.max_cluster_size,
        )

    def applied(self, records: pd.DataFrame) -> list[str]:
        """The cannot-link columns that hold a value in ``records`` (for ``stats``)."""
        return [c for c in self.cannot_link if c in records.columns and records[c].notna().any()]

    def as_dict(self) -> dict[str, Any]:
        """For the identity store's context JSON."""
        return {
            "cannot_link": list(self.cannot_link),
            "unique_sources": list(self.unique_sources),
            "dob_tolerance_days": self.dob_tolerance_days,
            "max_cluster_size": self.max_cluster_size,
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any] | None) -> Guard:
        """Inverse of :meth:`as_dict`; None (a store from before the guard) is no guard."""
        if not body:
            return cls()
        return cls(
            cannot_link=tuple(body.get("cannot_link", ())),
            unique_sources=tuple(body.get("unique_sources", ())),
            dob_tolerance_days=int(body.get("dob_tolerance_days", 365)),
            max_cluster_size=body.get("max_cluster_size"),
        )

    def constraints(self, records: pd.DataFrame) -> Constraints | None:
        """The per-record values of ``records`` (canonical columns, any order), or None
        when no rule applies to them."""
        dob = np.empty(0, dtype=np.int64)
        if "dob" in self.cannot_link and "dob" in records.columns:
            days = pd.to_datetime(records["dob"]).to_numpy(dtype="datetime64[D]")
            dob = np.where(np.isnat(days), _NO_DATE, days.astype(np.int64))
        columns = tuple(
            pd.factorize(records[c].astype(object), use_na_sentinel=True)[0].astype(np.int64)
            for c in self.cannot_link
            if c != "dob" and c in records.columns
        )
        unique = np.empty(0, dtype=np.int64)
        if self.unique_sources:
            source = pd.Index(records["source"].astype(object))
            codes = pd.Index(list(self.unique_sources)).get_indexer(source)
            unique = codes.astype(np.int64) if (codes >= 0).any() else unique
        if not len(dob) and not columns and not len(unique):
            return None
        return Constraints(
            dob=dob, columns=columns, unique=unique, tolerance_days=self.dob_tolerance_days
        )


def check_unique_sources(unique_sources: tuple[str, ...], sources: Any) -> None:
    """A :class:`ConfigError` when ``unique_sources`` (``settings.unique_sources``) names a
    source not among ``sources`` (names)."""
    known = sorted(str(s) for s in sources)
    for name in unique_sources:
        if name not in known:
            raise ConfigError(
                f"settings.unique_sources: no source named {name!r} (sources: {', '.join(known)})"
            )
