"""A lookup's features without a frame: the query's row over stored records' coded fields.

A lookup scores one query against up to a thousand stored candidates.  Building features
for that small frame (a frame from the candidates' rows, then every field coded and every
key derived again) costs the same fixed pandas work per field whatever the rows, about a
third of a lookup.  Instead the stored records' fields are coded once, when the store is
read into memory, and each lookup *stacks* the query's coded row on top of its candidates'
rows: per field a ``take`` of their codes, re-numbered over the values they use, with the
query's values joined to equal stored ones.  The result is the coded field the small frame
would have given, in another code order (codes name values; no comparison reads their
order), so lookups score exactly as before (tested against the frame-built features).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..features import Coded, Features

__all__ = ["StackedFeatures", "stack_coded"]


def _trimmed(codes: np.ndarray) -> np.ndarray:
    """``codes`` without trailing slots no row uses (at least one slot): a field coded from
    these rows alone has as many slots as its fullest row."""
    used = np.flatnonzero((codes >= 0).any(axis=0))
    width = int(used[-1]) + 1 if len(used) else 1
    return codes[:, :width]


def stack_coded(query: Coded, stored: Coded, positions: np.ndarray) -> Coded:
    """The query's row of ``query`` followed by the rows ``positions`` of ``stored``, coded
    over the values those rows hold (equal values share a code)."""
    rows = _trimmed(stored.codes.take(positions, axis=0))
    present = rows >= 0
    used = np.unique(rows[present])
    n_rows, stored_width = int(rows.shape[0]), int(rows.shape[-1])
    local = np.full((n_rows, stored_width), -1, dtype=np.int32)
    local[present] = np.searchsorted(used, rows[present]).astype(np.int32)
    taken = stored.values[used]
    values = list(taken)
    head = _trimmed(query.codes[:1])
    head_width = int(head.shape[-1])
    at: dict[object, int] = {}
    mapped = np.full((1, head_width), -1, dtype=np.int32)
    for slot, code in enumerate(head[0].tolist()):
        if code < 0:
            continue
        value = query.values[code]
        if value not in at:
            found = np.flatnonzero(taken == value)  # one C-level pass, not a Python loop
            at[value] = int(found[0]) if len(found) else len(values)
            if not len(found):
                values.append(value)
        mapped[0, slot] = at[value]
    codes = np.full((1 + n_rows, max(head_width, stored_width)), -1, dtype=np.int32)
    codes[:1, :head_width] = mapped
    codes[1:, :stored_width] = local
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return Coded(codes, out)


@dataclass
class StackedFeatures(Features):
    """Features of the query's row, then the stored records at ``positions``: each field
    stacked from the query's and the stored features when first asked for."""

    _query: Features | None = None
    _stored: Features | None = None
    _positions: np.ndarray | None = None

    @classmethod
    def of(cls, query: Features, stored: Features, positions: np.ndarray) -> StackedFeatures:
        """The stacked features of a one-row ``query`` over ``stored`` rows ``positions``."""
        names = np.concatenate(
            [query.source_names[query.source[:1]], stored.source_names[stored.source[positions]]]
        )
        source, source_names = pd.factorize(names, sort=True)
        inferred = None
        if query.inferred_names is not None or stored.inferred_names is not None:
            head = (
                query.inferred_names[:1]
                if query.inferred_names is not None
                else np.zeros(1, dtype=bool)
            )
            rest = (
                stored.inferred_names[positions]
                if stored.inferred_names is not None
                else np.zeros(len(positions), dtype=bool)
            )
            inferred = np.concatenate([head, rest])
        return cls(
            n=1 + len(positions),
            source=source.astype(np.int32),
            source_names=np.asarray(source_names, dtype=object),
            _frame=stored._frame.iloc[:0],  # the columns only: every field is stacked
            inferred_names=inferred,
            _query=query,
            _stored=stored,
            _positions=np.asarray(positions, dtype=np.int64),
        )

    def _build(self, name: str) -> Coded:
        if self._query is None or self._stored is None or self._positions is None:
            return super()._build(name)
        return stack_coded(self._query[name], self._stored[name], self._positions)
