"""Scoring with a fitted Fellegi-Sunter model: level weights, term-frequency adjustments,
the group and household rules, match weights and probabilities.

:class:`Scoring` is the half of :class:`~singleview.model.FellegiSunter` that reads the
fitted parameters (``m_``, ``u_``, ``prior_``, ``tf_``); fitting them is in
:mod:`singleview.model`.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrays import as_arrow_text
from ._process import side_by_side
from .em import pattern_index
from .errors import NotFittedError
from .model_parts import ExactValues

if TYPE_CHECKING:
    from .comparisons import Comparison
    from .features import Features

__all__ = ["SCORE_CHUNK", "Scoring"]

#: Pairs scored at once with term-frequency adjustments: each of the few float64 working
#: matrices is 8 bytes per pair and comparison, and one chunk per thread is in flight.
SCORE_CHUNK = 250_000


#: From this many distinct values a term-frequency table is searched by Arrow, which hashes
#: the table on each call in C, instead of by the table's pandas index, whose hash table of
#: Python strings is built once (slowly) and then probed (quickly, for a lookup's few).
TF_ARROW_FROM = 5_000


class _TfIndex:
    """A term-frequency table's values, searchable both ways (see :data:`TF_ARROW_FROM`)."""

    def __init__(self, table: pd.Series) -> None:
        self.table = table
        self.index = pd.Index(table.index, dtype="object")
        self.frequency = table.to_numpy(dtype=np.float64)
        self._converted = False
        self._arrow: pa.Array | None = None  # None: not all text, or not converted yet

    def positions(self, values: np.ndarray) -> np.ndarray:
        """Each value's position in the table, -1 where absent."""
        if len(values) >= TF_ARROW_FROM:
            if not self._converted:
                self._arrow, self._converted = as_arrow_text(self.index.to_numpy()), True
            query = as_arrow_text(values) if self._arrow is not None else None
            if query is not None:
                found = pc.index_in(query, value_set=self._arrow)
                return np.asarray(pc.fill_null(found, -1), dtype=np.int64)
        return np.asarray(self.index.get_indexer(pd.Index(values, dtype="object")))


class Scoring:
    """Match weights from fitted parameters (mixed into
    :class:`~singleview.model.FellegiSunter`, which sets them)."""

    comparisons: list[Comparison]
    groups: list[tuple[str, ...]]
    distinguish: tuple[str, ...]
    family: tuple[str, ...]
    m_: list[np.ndarray]
    u_: list[np.ndarray]
    prior_: float
    tf_: dict[str, pd.Series]
    tf_u_: list[float]
    #: Per column, how many values its full term-frequency table holds, where ``tf_``
    #: holds part of it (an identity store reads only the values a batch needs); a table
    #: absent here is whole.
    tf_sizes_: dict[str, int]

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
        out = np.zeros(len(exact_code), dtype=np.float64)
        table = self.tf_table(k, features)
        if table is None:
            return out
        hit = exact_code >= 0
        out[hit] = table[exact_code[hit]]
        return out

    def tf_table(self, k: int, features: Features) -> np.ndarray | None:
        """The term-frequency adjustment (bits) for each distinct value of comparison
        ``k``'s column in ``features``; None when the comparison has none."""
        comparison = self.comparisons[k]
        table = self.tf_.get(comparison.column)
        if table is None:
            return None
        values = features[comparison.column].values
        # The adjustment per distinct value is kept for the same table, values and u (the
        # blocking probe and the score stage ask for it again and again).
        tables: dict[str, tuple[pd.Series, np.ndarray, float, np.ndarray]] = (
            self.__dict__.setdefault("_tf_values", {})
        )
        known = tables.get(comparison.column)
        if (
            known is not None
            and known[0] is table
            and known[1] is values
            and known[2] == float(self.tf_u_[k])
        ):
            return known[3]
        entry = self._tf_entry(comparison.column, table)
        if self._tf_in_order(comparison.column, values, table):
            freq = entry.frequency
        else:
            position = entry.positions(values)
            freq = np.where(position >= 0, entry.frequency[np.maximum(position, 0)], np.nan)
        # A value the table lacks gets a tenth of the rarest possible frequency, one over
        # the table's full size (an identity store may hold only the values it needs).
        size = self.tf_sizes_.get(comparison.column, len(table))
        floor = 1.0 / max(float(size), 1.0) / 10.0
        freq = np.where(np.isnan(freq), floor, np.maximum(freq, floor))
        adjustment = np.asarray(np.log2(self.tf_u_[k] / freq), dtype=np.float64)
        adjustment.flags.writeable = False  # shared by every caller
        tables[comparison.column] = (table, values, float(self.tf_u_[k]), adjustment)
        return adjustment

    def _tf_in_order(self, column: str, values: np.ndarray, table: pd.Series) -> bool:
        """Whether ``table`` is ``column``'s table as fitted, counted from these very
        ``values`` in their order (the features the model was fitted on), so its position
        ``i`` is value ``i``: a table changed since (an erasure drops values) is not."""
        aligned: dict[str, tuple[weakref.ref[np.ndarray], pd.Series]] = self.__dict__.get(
            "_tf_aligned", {}
        )
        fitted = aligned.get(column)
        return (
            fitted is not None
            and fitted[1] is table
            and fitted[0]() is values
            and len(values) == len(table)
        )

    def _tf_entry(self, column: str, table: pd.Series) -> _TfIndex:
        """The search structure of one term-frequency table, kept between calls (a
        real-time lookup asks for a handful of values against every value seen in
        training)."""
        cache: dict[str, _TfIndex] = self.__dict__.setdefault("_tf_index", {})
        entry = cache.get(column)
        if entry is None or entry.table is not table:
            entry = cache[column] = _TfIndex(table)
        return entry

    def _group_indices(self) -> list[list[int]]:
        columns = [c.column for c in self.comparisons]
        found = [[columns.index(c) for c in g if c in columns] for g in self.groups]
        return [g for g in found if len(g) >= 2]

    def contributions(
        self, levels: np.ndarray, tf: Mapping[int, np.ndarray] | None = None
    ) -> np.ndarray:
        """Weight of each comparison for each pair (0 where a side is missing), TF included."""
        self._check()
        # Column-major: each comparison's weights are one contiguous column.
        contrib = np.empty(levels.shape, dtype=np.float64, order="F")
        for k, table in enumerate(self.level_weights()):
            # Level -1 (a side missing) reads the 0 appended at the table's end.
            contrib[:, k] = np.append(table, 0.0)[levels[:, k]]
            if tf is not None and k in tf:
                contrib[:, k] += tf[k]
        return contrib

    def _household(self, contrib: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Pairs where a ``distinguish`` column disagrees and no ``family`` column does."""
        columns = [c.column for c in self.comparisons]
        differ = np.zeros(len(contrib), dtype=bool)
        # Column by column (as below): NumPy reduces short rows slowly.
        for k in [columns.index(c) for c in self.distinguish if c in columns]:
            differ |= known[:, k] & (contrib[:, k] < 0)
        for k in [columns.index(c) for c in self.family if c in columns]:
            differ &= known[:, k] & (contrib[:, k] > 0)
        return differ

    def counted(self, contrib: np.ndarray, known: np.ndarray) -> np.ndarray:
        """Which contributions count: all, except inside a group, where only one does, and
        none that agrees when the household rule holds (see the class docstring).

        In a group the one that counts is the highest known contribution when it is
        positive, else the lowest; the first column of the group wins a tie."""
        mask = np.array(known, order="F")
        differ = self._household(contrib, known)
        household = bool(differ.any())
        for group in self._group_indices():
            high = np.where(known[:, group[0]], contrib[:, group[0]], -np.inf)
            low = np.where(known[:, group[0]], contrib[:, group[0]], np.inf)
            top = np.zeros(len(contrib), dtype=np.intp)
            bottom = np.zeros(len(contrib), dtype=np.intp)
            present = known[:, group[0]].copy()
            for j, k in enumerate(group[1:], start=1):
                value = contrib[:, k]
                higher = known[:, k] & (value > high)
                high[higher], top[higher] = value[higher], j
                lower = known[:, k] & (value < low)
                low[lower], bottom[lower] = value[lower], j
                present |= known[:, k]
            chosen = np.where(high > 0, top, bottom)
            for j, k in enumerate(group):
                mask[:, k] = present & (chosen == j)
                if household:
                    mask[:, k] &= ~(differ & (contrib[:, k] > 0))
        return mask

    def score(
        self,
        levels: np.ndarray,
        tf: Mapping[int, np.ndarray] | ExactValues | None = None,
        prior: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Match weight and probability for each row of ``levels``.

        ``tf`` maps a comparison's position to its term-frequency adjustments; ``prior``
        gives each pair's prior log2-odds (:meth:`prior_weights`; default: the overall).
        """
        weight, probability, _ = self.score_with_disagreement(levels, tf, prior)
        return weight, probability

    def score_with_disagreement(
        self,
        levels: np.ndarray,
        tf: Mapping[int, np.ndarray] | ExactValues | None = None,
        prior: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`score` plus each pair's *disagreement*: the sum of its counted negative
        weights (bits, <= 0), the evidence against a match whatever agrees besides."""
        ids, patterns = pattern_index(levels)
        # Without term frequencies a pair's score is its pattern's: score the patterns.
        pattern_weight, pattern_against = self._summed(patterns, None)
        weight = pattern_weight[ids]
        against = pattern_against[ids]
        if tf:
            if isinstance(tf, ExactValues):
                adjusted, part_of = tf.touched(levels.shape[0]), tf.adjustments
            else:
                given = tf
                adjusted = np.zeros(levels.shape[0], dtype=bool)
                for values in given.values():
                    adjusted |= values != 0

                def part_of(rows: np.ndarray) -> dict[int, np.ndarray]:
                    return {k: v[rows] for k, v in given.items()}

            rows = np.flatnonzero(adjusted)
            # In chunks: the per-comparison weights are float64 (8 bytes per pair and
            # comparison), and tens of millions of pairs must not need them all at once.
            # Chunks run side by side (NumPy releases the GIL); each writes its own rows.
            chunks = [rows[i : i + SCORE_CHUNK] for i in range(0, len(rows), SCORE_CHUNK)]

            def one(chunk: np.ndarray) -> None:
                weight[chunk], against[chunk] = self._summed(
                    levels.take(chunk, axis=0), part_of(chunk)
                )

            side_by_side(one, chunks, threaded=True)
        weight += self.prior_weight if prior is None else prior
        probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
        return weight, probability, against

    def _summed(
        self, levels: np.ndarray, tf: Mapping[int, np.ndarray] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Counted weights summed per row, without the prior, and their negative part."""
        contrib = self.contributions(levels, tf)
        counted = self.counted(contrib, levels >= 0)
        # Column by column: 4x faster than summing rows of the (pairs x comparisons)
        # matrix, which NumPy does a short row at a time.
        weight = np.zeros(len(levels), dtype=np.float64)
        against = np.zeros(len(levels), dtype=np.float64)
        for k in range(contrib.shape[1]):
            part = np.where(counted[:, k], contrib[:, k], 0.0)
            weight += part
            against += np.minimum(part, 0.0)
        return weight, against
