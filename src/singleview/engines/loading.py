"""Loading sources into one canonical records frame (the first stage of every engine).

Each source is loaded (in worker processes when that pays, see
:func:`~singleview.sources.parallel.worker_count`) and its records put in canonical order:
by source name, then source id.  Quarantined rows and value issues are gathered beside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError
from ..schema import MULTI_VALUED_FIELDS, empty_issues, empty_quarantine
from ..sources import Source
from ..sources.parallel import load_all, worker_count
from ..sources.records import text_column

__all__ = ["Loaded", "check_sources", "combine"]

#: Records, quarantine, issues, rows in per source, survivorship priority per source.
Loaded = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int], dict[str, int]]


def check_sources(sources: Sequence[Source]) -> None:
    """Raise :class:`ConfigError` unless ``sources`` is a non-empty list of uniquely named
    sources."""
    if not isinstance(sources, Sequence) or isinstance(sources, str | bytes) or not sources:
        raise ConfigError("resolve() needs a non-empty list of sources")
    names: list[str] = []
    for position, source in enumerate(sources):
        if not isinstance(source, Source):
            raise ConfigError(
                f"sources[{position}] is a {type(source).__name__}, not a "
                "Source; wrap a DataFrame in sv.FrameSource(...)"
            )
        if source.name in names:
            raise ConfigError(f"two sources are named {source.name!r}; names must be unique")
        names.append(source.name)


def combine(sources: Sequence[Source], *, workers: int | None = 1) -> Loaded:
    """Load every source (in ``workers`` processes; None: as many as pay, see
    :func:`~singleview.sources.parallel.worker_count`); records in canonical order,
    quarantine, issues, rows in, priority."""
    check_sources(sources)
    loaded = load_all(sources, worker_count(sources, workers), compact=True)
    rows_in = {
        s.name: len(n.records) + len(n.quarantine) for s, n in zip(sources, loaded, strict=True)
    }
    priority = {s.name: s.options.priority for s in sources}
    # Canonical order: by source name, then source id (unique within a source).
    frames = sorted(
        ((s.name, n.records) for s, n in zip(sources, loaded, strict=True) if len(n.records)),
        key=lambda pair: pair[0],
    )
    if frames:
        records = pd.concat([_by_id(f) for _, f in frames], ignore_index=True, sort=False)
    else:
        records = loaded[0].records.iloc[0:0]
    # Multi-valued columns hold a tuple in every row: load() checked each batch.
    for column in records.columns:
        if records[column].dtype == object and column not in MULTI_VALUED_FIELDS:
            values = records[column].to_numpy()
            if pd.isna(values).any():  # NaN from a source without this column, an adapter's
                records[column] = text_column(values, records.index)
    quarantine = pd.concat([empty_quarantine(), *(n.quarantine for n in loaded)], ignore_index=True)
    issues = pd.concat([empty_issues(), *(n.issues for n in loaded)], ignore_index=True)
    return records, quarantine, issues, rows_in, priority


def _by_id(records: pd.DataFrame) -> pd.DataFrame:
    """One source's records sorted by source id (text, unique, never missing) by code
    point, as Python compares strings: Arrow's sort on UTF-8 bytes gives that order."""
    values = records["source_id"].to_numpy(dtype=object)
    try:  # a lone surrogate (UnicodeError) or other non-text: Python's sort
        order = np.asarray(pc.sort_indices(pa.array(values, type=pa.large_string())))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        order = np.argsort(values, kind="stable")
    if np.array_equal(order, np.arange(len(order))):
        return records
    return records.iloc[order]
