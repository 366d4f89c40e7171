"""Generic identifier values: one value shared by far more people than one person has.

A staff loyalty card swiped for customers, a shop's receipt address, a switchboard number:
such a value links everyone it touches.  An identifier value (e-mail, phone, ``id_*``) held
by more than ``max_names`` records, whose records carry more than ``max_names`` different
values of another identity field (last names, e-mails, phones, other ids), is generic: one
person does not have that many.  It is
removed from the records before matching and counted in the issues frame with reason
``"generic_value"``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ._arrays import explode_tuples, unique_sorted
from .schema import ID_PREFIX, MULTI_VALUED_FIELDS

__all__ = ["GENERIC_REASON", "drop_generic_values", "find_generic_values", "remove_values"]

logger = logging.getLogger(__name__)

GENERIC_REASON = "generic_value"


#: One column in long form: record positions, value codes, the values coded, and where
#: each record's entries start (``n + 1`` offsets: record ``r``'s are ``starts[r]`` up to
#: ``starts[r + 1]``).
_Long = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _long(records: pd.DataFrame, column: str) -> _Long:
    """One entry per (record, value) of ``column``, in record order: record positions,
    value codes (into the third array, the distinct values)."""
    if column in MULTI_VALUED_FIELDS:
        rows, values = explode_tuples(records[column])
        coded, found = pd.factorize(values, use_na_sentinel=True)
        uniques = np.asarray(found, dtype=object)
    else:
        rows = np.arange(len(records), dtype=np.int64)
        # Coded as stored (Arrow text is coded in C, first-seen order as for objects).
        coded, index = pd.factorize(records[column], use_na_sentinel=True)
        uniques = np.asarray(index, dtype=object)
    codes = np.asarray(coded, dtype=np.int64)
    known = codes >= 0
    rows = rows[known]
    starts = np.zeros(len(records) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(records)), out=starts[1:])
    return rows, codes[known], uniques, starts


def _spread(value_rows: np.ndarray, value_codes: np.ndarray, other: _Long) -> np.ndarray:
    """How many distinct ``other`` values the records of each value code carry."""
    _, other_codes, _, starts = other
    # Long forms are in record order, so each record's entries of the other column are
    # one run: starts[r] .. starts[r + 1].
    counts = starts[value_rows + 1] - starts[value_rows]
    pick = np.repeat(starts[value_rows], counts) + (
        np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    joined_value = np.repeat(value_codes, counts)
    joined_other = other_codes[pick]
    width = np.int64(int(other_codes.max(initial=0)) + 1)
    distinct = unique_sorted(joined_value * width + joined_other) // width
    return np.bincount(distinct, minlength=int(value_codes.max(initial=-1)) + 1)


def _generic(
    records: pd.DataFrame,
    column: str,
    long: dict[str, _Long],
    others: list[str],
    max_names: int,
) -> set[object]:
    """Values of ``column`` whose records hold more than ``max_names`` distinct values of
    any one of ``others``."""
    rows, codes, uniques, _ = long[column]
    if len(codes) == 0:
        return set()
    counts = np.bincount(codes)
    suspects = np.flatnonzero(counts > max_names)  # fewer records cannot carry more values
    if len(suspects) == 0:
        return set()
    keep = np.isin(codes, suspects)
    rows, codes = rows[keep], codes[keep]
    generic = np.zeros(len(counts), dtype=bool)
    for other in others:
        spread = _spread(rows, codes, long[other])
        generic[: len(spread)] |= spread > max_names
    return set(uniques[generic].tolist())


def find_generic_values(records: pd.DataFrame, *, max_names: int) -> dict[str, set[object]]:
    """Per identifier column, its generic values (see the module docstring)."""
    if max_names <= 0 or records.empty or "last_name" not in records:
        return {}
    columns = [c for c in records.columns if c in MULTI_VALUED_FIELDS or c.startswith(ID_PREFIX)]
    identity = ["last_name", *columns]
    long = {c: _long(records, c) for c in identity}
    # Decide every column on the original records, then remove.
    found = {
        c: _generic(records, c, long, [o for o in identity if o != c], max_names) for c in columns
    }
    return {c: values for c, values in found.items() if values}


def drop_generic_values(
    records: pd.DataFrame, *, max_names: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records without generic identifier values, and the issue counts of what was removed."""
    return remove_values(records, find_generic_values(records, max_names=max_names))


def remove_values(
    records: pd.DataFrame, found: dict[str, set[object]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records without the ``found`` values (column -> values), and issue counts.
    Returns ``records`` itself when none of them is there (a lookup's usual case); the
    input is never written into.

    An identity store removes the generic values found when its model was trained from
    every later batch, so a record is matched the same way whichever batch brings it.
    """
    found = {c: v for c, v in found.items() if v and c in records.columns}
    if not found or records.empty:
        return records, pd.DataFrame(columns=["source", "field", "reason", "count"])
    out = records  # copied (shallow) only once a value is removed: usually none is
    issues = []
    for column, generic in found.items():
        bad = list(generic)
        if column in MULTI_VALUED_FIELDS:
            rows, values = explode_tuples(out[column])
            hit = pd.Series(values, dtype=object).isin(bad).to_numpy()
            if not hit.any():
                continue
            cells = out[column].to_numpy(dtype=object).copy()
            for row in np.unique(rows[hit]).tolist():  # only the few records touched
                cells[row] = tuple(v for v in cells[row] if v not in generic)
            kept = pd.Series(cells, index=out.index, dtype=object)
            hit_rows = rows[hit]
        else:
            hit = out[column].isin(bad).to_numpy()
            if not hit.any():
                continue
            kept = out[column].copy()
            kept[hit] = None
            hit_rows = np.flatnonzero(hit)
        if out is records:
            out = records.copy(deep=False)  # columns are replaced, never written into
        out[column] = kept
        source_of = out["source"].to_numpy(dtype=object)
        counts = pd.Series(source_of[hit_rows], dtype=object).value_counts()
        for source, count in counts.items():
            issues.append(
                {"source": source, "field": column, "reason": GENERIC_REASON, "count": int(count)}
            )
        logger.warning(
            "%s: %d generic values removed from %d records (each seen with too many "
            "values of another identity field)",
            column,
            len(generic),
            int(counts.sum()),
        )
    frame = pd.DataFrame(issues, columns=["source", "field", "reason", "count"])
    return out, frame
