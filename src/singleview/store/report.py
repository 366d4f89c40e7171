"""What one ingest did, for logs and for the caller's ETL checks."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import pandas as pd

from .ingest import Folded

__all__ = ["IngestReport"]


@dataclass(frozen=True)
class IngestReport:
    """Counts of one :meth:`~singleview.store.IdentityStore.ingest`.

    ``rows_in``: input rows per source.  ``new``, ``changed``, ``unchanged`` (identical to
    the stored version), ``stale`` (older than the stored version, ignored), ``deleted``
    (reported deleted by the source and removed).  ``pairs_scored``: candidate pairs
    compared.  ``scope_records``: records clustered again.  ``first_seq``/``last_seq``: the
    events this ingest logged (poll :meth:`~singleview.store.IdentityStore.changes` with
    ``since=first_seq - 1``); ``last_seq < first_seq`` when it logged none.
    ``quarantine`` and ``issues`` as in a :class:`~singleview.Result`.
    """

    rows_in: dict[str, int]
    new: int
    changed: int
    unchanged: int
    stale: int
    deleted: int
    pairs_scored: int
    scope_records: int
    first_seq: int
    last_seq: int
    seconds: float
    quarantine: pd.DataFrame = field(repr=False)
    issues: pd.DataFrame = field(repr=False)

    @classmethod
    def build(
        cls,
        folded: Folded,
        *,
        rows_in: dict[str, int],
        quarantine: pd.DataFrame,
        issues: pd.DataFrame,
        seq: int,
        started: float,
    ) -> IngestReport:
        counts = {k: v for k, v in asdict(folded).items() if k not in ("next_seq", "next_key")}
        return cls(
            rows_in=rows_in,
            **counts,
            first_seq=seq,
            last_seq=folded.next_seq - 1,
            seconds=time.perf_counter() - started,
            quarantine=quarantine,
            issues=issues,
        )

    def counts(self) -> dict[str, int]:
        """The counts as a plain dict (no values from the data)."""
        return {
            "rows_in": sum(self.rows_in.values()),
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "deleted": self.deleted,
            "quarantined": len(self.quarantine),
            "pairs_scored": self.pairs_scored,
            "scope_records": self.scope_records,
        }
