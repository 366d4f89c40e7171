"""Generic identifier values: one value shared by far more people than one person has.

A staff loyalty card swiped for customers, a shop's receipt address, a switchboard number:
such a value links everyone it touches.  An identifier value (e-mail, phone, ``id_*``) seen
with more than ``max_names`` different last names is generic: it is removed from the records
before matching and counted in the issues frame with reason ``"generic_value"``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .schema import ID_PREFIX, MULTI_VALUED_FIELDS

__all__ = ["GENERIC_REASON", "drop_generic_values"]

logger = logging.getLogger(__name__)

GENERIC_REASON = "generic_value"


def _generic(values: pd.Series, last_name: pd.Series, max_names: int) -> set[object]:
    """Values whose records carry more than ``max_names`` distinct last names."""
    pairs = pd.DataFrame({"value": values, "name": last_name}).dropna()
    if pairs.empty:
        return set()
    names = pairs.drop_duplicates().groupby("value", sort=False).size()
    return set(names.index[names > max_names])


def drop_generic_values(
    records: pd.DataFrame, *, max_names: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records without generic identifier values, and the issue counts of what was removed."""
    if max_names <= 0 or records.empty or "last_name" not in records:
        return records, pd.DataFrame(columns=["source", "field", "reason", "count"])
    columns = [c for c in records.columns if c in MULTI_VALUED_FIELDS or c.startswith(ID_PREFIX)]
    out = records.copy()
    issues = []
    for column in columns:
        if column in MULTI_VALUED_FIELDS:
            exploded = out[column].explode()
            generic = _generic(exploded, out["last_name"].reindex(exploded.index), max_names)
            if not generic:
                continue
            hit = exploded.isin(generic)
            touched = np.unique(exploded.index[hit.to_numpy()])
            out.loc[touched, column] = out.loc[touched, column].map(
                lambda values, bad=generic: tuple(v for v in values if v not in bad)
            )
            counts = out.loc[exploded.index[hit.to_numpy()], "source"].value_counts()
        else:
            generic = _generic(out[column], out["last_name"], max_names)
            if not generic:
                continue
            hit = out[column].isin(generic)
            counts = out.loc[hit, "source"].value_counts()
            out.loc[hit, column] = None
        for source, count in counts.items():
            issues.append(
                {"source": source, "field": column, "reason": GENERIC_REASON, "count": int(count)}
            )
        logger.warning(
            "%s: %d generic values (shared by more than %d last names) removed from %d records",
            column,
            len(generic),
            max_names,
            int(counts.sum()),
        )
    frame = pd.DataFrame(issues, columns=["source", "field", "reason", "count"])
    return out, frame
