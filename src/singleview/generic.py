"""Generic identifier values: one value shared by far more people than one person has.

A staff loyalty card swiped for customers, a shop's receipt address, a switchboard number:
such a value links everyone it touches.  An identifier value (e-mail, phone, ``id_*``) whose
records carry more than ``max_names`` different values of another identity field (last
names, e-mails, phones, other ids) is generic: one person does not have that many.  It is
removed from the records before matching and counted in the issues frame with reason
``"generic_value"``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .schema import ID_PREFIX, MULTI_VALUED_FIELDS

__all__ = ["GENERIC_REASON", "drop_generic_values", "find_generic_values", "remove_values"]

logger = logging.getLogger(__name__)

GENERIC_REASON = "generic_value"


def _long(records: pd.DataFrame, column: str) -> pd.Series:
    """One row per (record, value) of ``column``, indexed by record position."""
    values = records[column]
    if column in MULTI_VALUED_FIELDS:
        values = values.explode()
    return values.dropna()


def _generic(records: pd.DataFrame, column: str, others: list[str], max_names: int) -> set[object]:
    """Values of ``column`` whose records hold more than ``max_names`` distinct values of
    any one of ``others``."""
    values = _long(records, column)
    if values.empty:
        return set()
    counts = values.value_counts()
    suspects = counts.index[counts > max_names]  # fewer records cannot carry more values
    if len(suspects) == 0:
        return set()
    values = values[values.isin(suspects)]
    generic: set[object] = set()
    for other in others:
        spread = _long(records, other)
        pairs = pd.DataFrame({"value": values}).join(spread.rename("other"), how="inner")
        distinct = pairs.drop_duplicates().groupby("value", sort=False).size()
        generic |= set(distinct.index[distinct > max_names])
    return generic


def find_generic_values(records: pd.DataFrame, *, max_names: int) -> dict[str, set[object]]:
    """Per identifier column, its generic values (see the module docstring)."""
    if max_names <= 0 or records.empty or "last_name" not in records:
        return {}
    columns = [c for c in records.columns if c in MULTI_VALUED_FIELDS or c.startswith(ID_PREFIX)]
    identity = ["last_name", *columns]
    # Decide every column on the original records, then remove.
    found = {c: _generic(records, c, [o for o in identity if o != c], max_names) for c in columns}
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

    An identity store removes the generic values found when its model was trained from
    every later batch, so a record is matched the same way whichever batch brings it.
    """
    found = {c: v for c, v in found.items() if v and c in records.columns}
    if not found or records.empty:
        return records, pd.DataFrame(columns=["source", "field", "reason", "count"])
    out = records.copy()
    issues = []
    for column, generic in found.items():
        if not generic:
            continue
        if column in MULTI_VALUED_FIELDS:
            exploded = out[column].explode()
            hit = exploded.isin(generic).to_numpy()
            touched = np.unique(exploded.index[hit])
            out.loc[touched, column] = out.loc[touched, column].map(
                lambda values, bad=generic: tuple(v for v in values if v not in bad)
            )
            counts = out.loc[exploded.index[hit], "source"].value_counts()
        else:
            hit = out[column].isin(generic).to_numpy()
            counts = out.loc[hit, "source"].value_counts()
            out.loc[hit, column] = None
        if not int(counts.sum()):
            continue
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
