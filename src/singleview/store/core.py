"""``IdentityStore``: a single customer view that lives in one DuckDB file.

Example:
    >>> import pandas as pd, singleview as sv, tempfile, os
    >>> frame = pd.DataFrame({"id": ["1", "2"], "name": ["Ann Lee", "Ann Lee"],
    ...                       "email": ["ann.lee@mail.co.uk", "ann.lee@mail.co.uk"]})
    >>> source = sv.FrameSource(frame, name="crm", id_column="id",
    ...                         columns={"full_name": "name", "email": "email"})
    >>> path = os.path.join(tempfile.mkdtemp(), "customers.duckdb")
    >>> with sv.IdentityStore(path) as store:
    ...     report = store.ingest([source])
    ...     store.clusters()["customer_id"].nunique()
    1
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ..engines.loading import combine
from ..engines.local import LocalEngine
from ..errors import ConfigError, StoreError
from ..schema import DELETED_REASON
from ..settings import Settings
from ..sources import Source
from .context import MatchContext
from .db import (
    SCHEMA_VERSION,
    check_schema,
    compact,
    connect,
    create_schema,
    has_table,
    one_row,
    read_records,
    transaction,
)
from .forget import forget
from .graph import Scope, no_removed, recluster
from .ingest import BOOKKEEPING, drop_records, fold_in, score_records
from .lookup import Lookup
from .persist import load_context, migrate, save_context
from .report import IngestReport

__all__ = ["IdentityStore"]

logger = logging.getLogger(__name__)

RecordRef = tuple[str, str]


class IdentityStore:
    """A persistent, incremental single customer view in an embedded DuckDB file.

    Parameters:
        path: the database file (created with its schema when missing).
        settings: used to train the model on the first ingest and on :meth:`retrain`
            (saved in the file; ``None`` keeps the saved ones, or the defaults).
        link_within_sources: also match records of one source with each other.
        random_state: seeds training.
        timeout: seconds to wait for another process holding the file (one writer, or
            several readers, at a time) before :class:`~singleview.errors.StoreBusyError`.

    Every method opens the file for its own duration, so other processes can use the
    store between operations.  Writes (ingest, erase, overrides, retrain) are each one
    transaction: a crash leaves the previous state.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        settings: Settings | None = None,
        link_within_sources: bool = True,
        random_state: int = 0,
        timeout: float = 30.0,
    ) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise ConfigError(
                f"settings must be a singleview.Settings, not {type(settings).__name__}"
            )
        self.path = Path(path)
        self.timeout = float(timeout)
        self.random_state = int(random_state)
        self._closed = False
        self._lookup: Lookup | None = None
        from .. import __version__

        with connect(self.path, read_only=False, timeout=self.timeout) as con:
            tables = one_row(con, "SELECT count(*) FROM information_schema.tables")
            if not tables or tables[0] == 0:
                create_schema(con, __version__)
                self._set(con, "link_within", str(bool(link_within_sources)))
                # Saved whole, so a later change of a default never changes this store.
                self._set(con, "settings", (settings or Settings()).model_dump_json())
            version = check_schema(con, self.path)
            if version < SCHEMA_VERSION:
                with transaction(con):
                    migrate(con, version)
            if settings is not None:
                self._set(con, "settings", settings.model_dump_json())
        self.link_within = self._meta("link_within") == "True"

    # -- plumbing -------------------------------------------------------------------------
    def __enter__(self) -> IdentityStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store; later calls raise :class:`~singleview.errors.StoreError`."""
        self._closed = True
        self._lookup = None

    def __repr__(self) -> str:
        return f"IdentityStore({str(self.path)!r})"

    @contextmanager
    def _read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._closed:
            raise StoreError("this identity store is closed")
        with connect(self.path, read_only=True, timeout=self.timeout) as con:
            yield con

    @contextmanager
    def _write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction, committed only when the block succeeds."""
        if self._closed:
            raise StoreError("this identity store is closed")
        with (
            connect(self.path, read_only=False, timeout=self.timeout) as con,
            transaction(con),
        ):
            yield con
        self._lookup = None

    @staticmethod
    def _set(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @staticmethod
    def _get(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
        row = one_row(con, "SELECT value FROM meta WHERE key = ?", [key])
        return None if row is None else str(row[0])

    def _meta(self, key: str) -> str | None:
        with self._read() as con:
            return self._get(con, key)

    def _settings(self, con: duckdb.DuckDBPyConnection) -> Settings:
        text = self._get(con, "settings")
        if text is not None:
            return Settings.model_validate_json(text)
        # A store created before settings were always saved: the defaults of today, but
        # the threshold and guard weight its model was trained with.
        row = one_row(con, "SELECT body FROM context")
        if row is None:
            return Settings()
        trained = MatchContext.from_json(str(row[0]))
        return Settings(
            threshold=trained.threshold, disagreement_weight=trained.disagreement_weight
        )

    def _train(
        self, con: duckdb.DuckDBPyConnection, records: pd.DataFrame, settings: Settings
    ) -> MatchContext | None:
        priority = dict(con.execute("SELECT source, priority FROM sources").fetchall())
        canonical = records.drop(columns=[c for c in BOOKKEEPING if c in records])
        canonical = canonical.sort_values(["source", "source_id"], ignore_index=True)
        result = LocalEngine().run_records(
            canonical,
            priority=priority,
            settings=settings,
            link_within=self.link_within,
            random_state=self.random_state,
            threshold=settings.threshold,
        )
        if result.model is None:
            return None
        return MatchContext.from_result(
            result, canonical, settings=settings, link_within=self.link_within
        )

    # -- writing --------------------------------------------------------------------------
    def ingest(self, sources: Sequence[Source]) -> IngestReport:
        """Fold a batch from ``sources`` into the store (see :mod:`singleview.store.ingest`).

        The first ingest trains the model (and the rest of the matching context) on its
        records; later ones use it as it is until :meth:`retrain`.
        """
        started = time.perf_counter()
        records, quarantine, issues, rows_in, priority = combine(sources)
        deleted = quarantine.loc[quarantine["reason"] == DELETED_REASON, ["source", "source_id"]]
        with self._write() as con:
            for source, value in priority.items():
                con.execute("INSERT OR REPLACE INTO sources VALUES (?, ?)", [source, int(value)])
            settings = self._settings(con)
            # Each batch reads the term frequencies of its own values (see load_tf).
            context = load_context(con, tf=False)
            seq = int(self._get(con, "next_seq") or 1)
            next_key = int(self._get(con, "next_record_key") or 0)
            if context is None:  # the first ingest: train on its records
                context = self._train(con, records, settings) if len(records) > 1 else None
                if context is None:
                    raise StoreError(
                        "the first ingest trains the model: it needs at least two records "
                        "with fields to compare"
                    )
                save_context(con, context)
                self._set(con, "trained_seq", str(seq))
            folded = fold_in(
                con,
                records,
                deleted,
                context=context,
                survivorship=settings.survivorship,
                seq=seq,
                next_key=next_key,
            )
            self._set(con, "next_seq", str(folded.next_seq))
            self._set(con, "next_record_key", str(folded.next_key))
        report = IngestReport.build(
            folded, rows_in=rows_in, quarantine=quarantine, issues=issues, seq=seq, started=started
        )
        logger.info("store: ingest %s", report.counts())
        return report

    def erase(self, source: str, source_id: str) -> None:
        """Remove one record and everything derived from it, then rewrite the file.

        The record's component is clustered again and its profile rebuilt; the event log
        gets an ``erase`` event naming only the customer id.  Values only this record held
        leave the model's term-frequency tables and name spellings too.  Finally the file
        is compacted (:func:`singleview.store.db.compact`) so no deleted bytes remain.
        """
        with self._write() as con:
            key = self._record_key(con, (source, source_id))
            erased = read_records(con, "WHERE record_key = ?", [key])
            context = load_context(con)
            seq = int(self._get(con, "next_seq") or 1)
            settings = self._settings(con)
            removed = drop_records(con, np.array([key], dtype=np.int64))
            con.execute("DELETE FROM overrides WHERE a = ? OR b = ?", [key, key])
            if context is not None:
                forget(con, context, erased.drop(columns=list(BOOKKEEPING)))
                save_context(con, context)
                old_id = removed["customer_id"].iloc[0] if len(removed) else None
                con.execute(
                    "INSERT INTO events VALUES (?, now()::TIMESTAMP, 'erase', ?, NULL, 1)",
                    [seq, old_id],
                )
                scope = Scope(
                    components={int(c) for c in removed["component"].dropna()},
                    records=set(),
                    removed=removed,
                    touched=set(),
                )
                seq = recluster(
                    con, scope, context=context, survivorship=settings.survivorship, seq=seq + 1
                )
            self._set(con, "next_seq", str(seq + 1))
        compact(self.path)
        logger.info("store: 1 record erased, file compacted")

    def force_merge(self, a: RecordRef | str, b: RecordRef | str) -> None:
        """Always keep ``a`` and ``b`` in one customer, in this and every later run.

        Each is a record ``(source, source_id)`` or a customer id (its oldest record).
        A later :meth:`force_split` of the same two records replaces this override.
        """
        self._override("merge", a, b)

    def force_split(self, a: RecordRef | str, b: RecordRef | str) -> None:
        """Never put ``a`` and ``b`` in one customer, whatever the model says; deterministic
        rules and :meth:`force_merge` links still join what they join."""
        self._override("split", a, b)

    def _override(self, kind: str, a: RecordRef | str, b: RecordRef | str) -> None:
        with self._write() as con:
            key_a, key_b = self._resolve_ref(con, a), self._resolve_ref(con, b)
            if key_a == key_b:
                raise ConfigError(f"force_{kind} needs two different records")
            lo, hi = min(key_a, key_b), max(key_a, key_b)
            seq = int(self._get(con, "next_seq") or 1)
            con.execute("DELETE FROM overrides WHERE a = ? AND b = ?", [lo, hi])
            con.execute("INSERT INTO overrides VALUES (?, ?, ?, ?)", [seq, kind, lo, hi])
            context = load_context(con, tf=False)  # clustered again, nothing scored
            if context is None:
                raise StoreError("the store is empty: ingest records first")
            comps = con.execute(
                "SELECT DISTINCT component FROM clusters WHERE record_key IN (?, ?)", [lo, hi]
            ).fetchall()
            scope = Scope({int(c[0]) for c in comps}, set(), no_removed(), set())
            seq = recluster(
                con, scope, context=context, survivorship=self._settings(con).survivorship, seq=seq
            )
            self._set(con, "next_seq", str(seq))

    def retrain(self) -> None:
        """Train the model (and the matching context) again on every stored record,
        re-score every pair and cluster everything again; ids stay stable by the rules of
        :mod:`singleview.store.ids`, and overrides are honoured."""
        with self._write() as con:
            settings = self._settings(con)
            seq = int(self._get(con, "next_seq") or 1)
            stored = read_records(con)
            context = self._train(con, stored, settings) if len(stored) > 1 else None
            if context is None:
                raise StoreError("retrain needs at least two stored records")
            save_context(con, context)
            self._set(con, "trained_seq", str(seq))
            con.execute("DELETE FROM block_keys")
            con.execute("DELETE FROM edges")
            score_records(con, context, stored)
            comps = {
                int(c[0]) for c in con.execute("SELECT DISTINCT component FROM clusters").fetchall()
            }
            scope = Scope(comps, set(stored["record_key"].tolist()), no_removed(), set())
            seq = recluster(
                con, scope, context=context, survivorship=settings.survivorship, seq=seq
            )
            self._set(con, "next_seq", str(seq))

    # -- reading --------------------------------------------------------------------------
    def clusters(self) -> pd.DataFrame:
        """One row per stored record: ``source``, ``source_id``, ``customer_id``."""
        with self._read() as con:
            return con.execute(
                "SELECT r.source, r.source_id, c.customer_id FROM records r "
                "JOIN clusters c USING (record_key) ORDER BY r.source, r.source_id"
            ).df()

    def profiles(self) -> pd.DataFrame:
        """One golden profile per customer, with the provenance of every field."""
        with self._read() as con:
            if not has_table(con, "profiles"):
                return pd.DataFrame(columns=["customer_id", "n_records", "sources"])
            return con.execute("SELECT * FROM profiles ORDER BY customer_id").df()

    def changes(self, since: int = 0) -> pd.DataFrame:
        """Events with a sequence number above ``since``: ``seq``, ``logged_at``, ``kind``
        (create, split, merge, update, remove, erase), ``customer_id``, ``other_id``,
        ``records``.  Poll with the last ``seq`` seen."""
        with self._read() as con:
            return con.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq", [int(since)]).df()

    def lookup(
        self, record: dict[str, Any], *, limit: int = 5, region: str | None = None
    ) -> pd.DataFrame:
        """Customers that an incoming record (canonical field -> raw value) matches, best
        first: ``customer_id``, ``source``, ``source_id`` of the best stored record,
        ``match_probability``, ``match_weight`` and ``explanation`` (the comparison levels).

        The stored records' blocking keys and fields are read into memory on the first
        call and kept until this object changes the store (another process's writes
        are seen after :meth:`refresh`).  ``region`` reads national phone numbers.
        """
        if self._lookup is None:
            with self._read() as con:
                self._lookup = Lookup.load(con)
        return self._lookup.search(record, limit=limit, region=region)

    def refresh(self) -> None:
        """Drop the in-memory lookup data, so the next lookup reads the store again."""
        self._lookup = None

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _record_key(con: duckdb.DuckDBPyConnection, ref: RecordRef) -> int:
        if not (isinstance(ref, tuple) and len(ref) == 2):
            raise ConfigError("a record is named by a (source, source_id) tuple")
        row = one_row(
            con,
            "SELECT record_key FROM records WHERE source = ? AND source_id = ?",
            [str(ref[0]), str(ref[1])],
        )
        if row is None:
            raise StoreError(f"no stored record with that source_id in source {ref[0]!r}")
        return int(row[0])

    def _resolve_ref(self, con: duckdb.DuckDBPyConnection, ref: RecordRef | str) -> int:
        if isinstance(ref, str):
            row = one_row(
                con,
                "SELECT c.record_key FROM clusters c JOIN records r USING (record_key) "
                "WHERE c.customer_id = ? ORDER BY r.first_seen, r.source, r.source_id LIMIT 1",
                [ref],
            )
            if row is None:
                raise StoreError(f"no customer {ref!r} in the store")
            return int(row[0])
        return self._record_key(con, ref)
