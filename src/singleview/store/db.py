"""The identity store's DuckDB file: schema, version check, locking, frames in and out.

Tables (schema version :data:`SCHEMA_VERSION`)::

    meta        key, value            schema_version, singleview version, counters, settings
    context     body                  the frozen matching context (JSON; see context.py)
    term_frequencies  column, value, frequency   the model's term-frequency tables
    sources     source, priority      survivorship priority per source
    records     record_key, first_seen, content_hash, then the canonical record columns
                (e-mails and phones as VARCHAR[]; id_* and extra_* columns as they come)
    block_keys  rule, key, record_key 64-bit hashes of each record's blocking-key values
    edges       a, b, probability, disagreement, forced   every scored candidate pair, a < b
    clusters    record_key, customer_id, component        component: its smallest record_key
    customers   customer_id, created_seq                  live customers
    issued_ids  customer_id           every id ever issued (an id is never reused)
    profiles    customer_id, n_records, sources, then value + provenance per field
    overrides   seq, kind, a, b       force_merge / force_split between two record keys
    events      seq, logged_at, kind, customer_id, other_id, records   the id history (no PII)

DuckDB lets one process write, or several read, a file at a time.  The store opens the
file for each operation and closes it after, so other processes are locked out only while
an operation runs; an open that meets another process's lock is retried until the store's
``timeout`` and then fails with :class:`~singleview.errors.StoreBusyError`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import StoreBusyError, StoreError
from ..schema import MULTI_VALUED_FIELDS

__all__ = [
    "SCHEMA_VERSION",
    "TERM_FREQUENCIES_DDL",
    "compact",
    "connect",
    "create_schema",
    "frame_to_arrow",
    "has_table",
    "one_row",
    "read_records",
    "table_columns",
    "transaction",
    "write_frame",
]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

#: Added in schema version 2 (see :func:`singleview.store.persist.migrate`).
TERM_FREQUENCIES_DDL = (
    'CREATE TABLE term_frequencies ("column" VARCHAR, value VARCHAR, frequency DOUBLE);'
)

_DDL = f"""
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE context (body VARCHAR);
{TERM_FREQUENCIES_DDL}
CREATE TABLE sources (source VARCHAR PRIMARY KEY, priority BIGINT);
CREATE TABLE block_keys (rule SMALLINT, key BIGINT, record_key BIGINT);
CREATE TABLE edges (a BIGINT, b BIGINT, probability DOUBLE, disagreement DOUBLE,
                    forced BOOLEAN);
CREATE TABLE clusters (record_key BIGINT, customer_id VARCHAR, component BIGINT);
CREATE TABLE customers (customer_id VARCHAR, created_seq BIGINT);
CREATE TABLE issued_ids (customer_id VARCHAR);
CREATE TABLE overrides (seq BIGINT, kind VARCHAR, a BIGINT, b BIGINT);
CREATE TABLE events (seq BIGINT, logged_at TIMESTAMP, kind VARCHAR, customer_id VARCHAR,
                     other_id VARCHAR, records BIGINT);
"""


def one_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or None; the result is read to its end (a half-read one
    blocks the connection's next ``register``)."""
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def _locked(error: Exception) -> bool:
    return "lock" in str(error).lower()


@contextlib.contextmanager
def connect(path: Path, *, read_only: bool, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """An open connection to the store file, retried while another process holds it."""
    deadline = time.monotonic() + timeout
    wait = 0.01
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as error:
            if not _locked(error):
                raise StoreError(f"cannot open the identity store {path.name!r}: {error}") from None
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"the identity store {path.name!r} is in use by another process (one "
                    f"writer at a time); gave up after {timeout:g} s"
                ) from None
            time.sleep(wait)
            wait = min(wait * 2, 0.25)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed when it succeeds, rolled back if not."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def create_schema(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """Create every table of an empty store."""
    con.execute(_DDL)
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [
            ["schema_version", str(SCHEMA_VERSION)],
            ["singleview_version", version],
            ["next_record_key", "0"],
            ["next_seq", "1"],
        ],
    )


def check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The store's schema version; fails clearly on a file that is not a store, or a store
    of a newer schema version (an older one is migrated by the caller:
    :func:`singleview.store.persist.migrate`)."""
    try:
        found = one_row(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.Error:
        raise StoreError(f"{path.name!r} is a DuckDB file but not a singleview store") from None
    version = int(found[0]) if found else -1
    if not 1 <= version <= SCHEMA_VERSION:
        raise StoreError(
            f"{path.name!r} has store schema version {version}; this singleview reads "
            f"versions 1 to {SCHEMA_VERSION} (no migration exists from that version)"
        )
    return version


def frame_to_arrow(frame: pd.DataFrame, lists: tuple[str, ...] = ()) -> pa.Table:
    """A frame as an Arrow table with explicit types: text as strings (also when all
    missing), the ``lists`` columns (tuples) as string lists, times as timestamps."""
    arrays, names = [], []
    for column in frame.columns:
        values = frame[column]
        if column in lists:
            kind = pa.list_(pa.string())
            array = pa.array(values.to_numpy(dtype=object), type=kind, from_pandas=True)
            array = pc.fill_null(array, pa.scalar([], type=kind))  # missing: an empty list
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            array = pa.array(values.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"))
        elif pd.api.types.is_bool_dtype(values.dtype):
            array = pa.array(values.to_numpy(dtype=bool))
        elif pd.api.types.is_integer_dtype(values.dtype):
            array = pa.array(values.to_numpy(dtype=np.int64))
        elif pd.api.types.is_float_dtype(values.dtype):
            array = pa.array(values.to_numpy(dtype=np.float64))
        else:
            text = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
            try:  # strings and nulls: one conversion, no Python loop
                array = pa.array(text, type=pa.string(), from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # other objects: their text
                array = pa.array([None if v is None else str(v) for v in text], type=pa.string())
        arrays.append(array)
        names.append(str(column))
    return pa.Table.from_arrays(arrays, names=names)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store has table ``name`` yet (records and profiles come with data)."""
    return bool(table_columns(con, name))


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> SQL type of ``table`` (empty when it does not exist)."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
        [table],
    ).fetchall()
    return {str(name): str(kind) for name, kind in rows}


def write_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame`` to ``table`` by column name, creating the table or adding columns
    it lacks (a new source may bring a new ``id_*`` column).  In ``records`` the e-mails
    and phones are lists."""
    arrow = frame_to_arrow(frame, MULTI_VALUED_FIELDS if table == "records" else ())
    existing = table_columns(con, table)
    con.register("_incoming", arrow)
    try:
        if not existing:
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming')
            return
        for field in arrow.schema:
            if field.name not in existing:
                kind = one_row(con, f'SELECT typeof("{field.name}") FROM _incoming LIMIT 1')
                sql_type = kind[0] if kind else "VARCHAR"
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{field.name}" {sql_type}')
        if len(arrow):
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
    finally:
        con.unregister("_incoming")


def read_records(
    con: duckdb.DuckDBPyConnection, where: str = "", params: list[object] | None = None
) -> pd.DataFrame:
    """Stored records (``record_key`` and bookkeeping columns first) in canonical order."""
    if not table_columns(con, "records"):
        return pd.DataFrame()
    table: pa.Table = con.sql(
        f"SELECT * FROM records {where} ORDER BY source, source_id", params=params or []
    ).to_arrow_table()
    # Read as Arrow: text becomes pandas text without a Python string per value on
    # pandas 3, and list columns become tuples in one pass over their flat values.
    lists = [c for c in MULTI_VALUED_FIELDS if c in table.column_names]
    # One chunk per column: DuckDB hands over a batch of rows at a time, and Arrow-backed
    # text in hundreds of chunks makes every later row selection slow (a lookup takes its
    # candidates' rows from a million stored ones).
    frame: pd.DataFrame = table.drop_columns(lists).combine_chunks().to_pandas()
    for column in lists:
        frame[column] = pd.Series(_tuples(table.column(column)), index=frame.index, dtype=object)
    frame = frame[table.column_names]
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
            frame[column] = frame[column].astype("datetime64[ns]")
        elif frame[column].dtype == object and column not in MULTI_VALUED_FIELDS:
            frame[column] = frame[column].where(frame[column].notna(), None)
    return frame


def _tuples(column: pa.ChunkedArray) -> list[tuple[object, ...]]:
    """A list column as one tuple per row (a missing list: the empty tuple)."""
    lists = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    flat = iter(lists.flatten().to_pylist())
    # Lengths as flatten() counts them: a missing list holds no value, whatever its offsets.
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy().tolist()
    return [tuple(itertools.islice(flat, n)) for n in lengths]


def compact(path: Path) -> None:
    """Rewrite the file with only its live data, so deleted values leave no bytes behind.

    The copy is written beside the file and moved over it in one rename: a crash leaves
    either the old file or the new one, never half of each.
    """
    fresh = path.with_name(path.name + ".compact")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
        con.execute(f"ATTACH '{fresh}' AS fresh")
        database = one_row(con, "SELECT current_database()")
        con.execute(f'COPY FROM DATABASE "{database[0] if database else path.stem}" TO fresh')
        con.execute("DETACH fresh")
    finally:
        con.close()
    os.replace(fresh, path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
