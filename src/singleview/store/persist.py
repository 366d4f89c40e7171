"""Saving and loading the frozen matching context, and the schema migrations.

The context's JSON holds everything but the model's term-frequency tables; those (a row
per distinct value of each term-frequency column: a few million rows at a million records)
live in the ``term_frequencies`` table, read back as Arrow in a fraction of a second.  As
JSON they took 3 s to parse at 300k records, on every ingest and every first lookup.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .context import MatchContext

__all__ = ["load_context", "migrate", "save_context"]

logger = logging.getLogger(__name__)

TF_DDL = (
    'CREATE TABLE IF NOT EXISTS term_frequencies ("column" VARCHAR, value VARCHAR, '
    "frequency DOUBLE)"
)


def _tf_frame(context: MatchContext) -> pa.Table:
    columns, values, frequencies = [], [], []
    for column, table in context.model.tf_.items():
        columns.append(np.full(len(table), column, dtype=object))
        values.append(np.asarray([str(v) for v in table.index], dtype=object))
        frequencies.append(table.to_numpy(dtype=np.float64))
    if not columns:
        return pa.table(
            {
                "column": pa.array([], pa.string()),
                "value": pa.array([], pa.string()),
                "frequency": pa.array([], pa.float64()),
            }
        )
    return pa.table(
        {
            "column": pa.array(np.concatenate(columns), pa.string()),
            "value": pa.array(np.concatenate(values), pa.string()),
            "frequency": pa.array(np.concatenate(frequencies), pa.float64()),
        }
    )


def save_context(con: duckdb.DuckDBPyConnection, context: MatchContext) -> None:
    """Replace the stored context (inside the caller's transaction)."""
    con.execute("DELETE FROM context")
    con.execute("INSERT INTO context VALUES (?)", [context.to_json(tf=False)])
    con.execute("DELETE FROM term_frequencies")
    con.register("_tf", _tf_frame(context))
    con.execute("INSERT INTO term_frequencies SELECT * FROM _tf")
    con.unregister("_tf")


def load_context(con: duckdb.DuckDBPyConnection) -> MatchContext | None:
    """The stored context, or None before the first ingest."""
    row = con.execute("SELECT body FROM context").fetchone()
    if row is None:
        return None
    context = MatchContext.from_json(str(row[0]))
    table = con.execute(
        'SELECT "column", value, frequency FROM term_frequencies ORDER BY "column", value'
    ).fetchnumpy()
    column = np.asarray(table["column"], dtype=object)
    if len(column) == 0:
        return context
    value = np.asarray(table["value"], dtype=object)
    frequency = np.asarray(table["frequency"], dtype=np.float64)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    ends = np.r_[starts[1:], len(column)]
    context.model.tf_ = {
        str(column[s]): pd.Series(
            frequency[s:e], index=pd.Index(value[s:e], dtype="object"), dtype=np.float64
        )
        for s, e in zip(starts, ends, strict=True)
    }
    return context


def migrate(con: duckdb.DuckDBPyConnection, version: int) -> int:
    """Bring a store of schema ``version`` up to date (inside a transaction); returns the
    new version.  1 -> 2: the term-frequency tables move from the context JSON to
    ``term_frequencies``."""
    if version == 1:
        con.execute(TF_DDL)
        row = con.execute("SELECT body FROM context").fetchone()
        if row is not None:
            save_context(con, MatchContext.from_json(str(row[0])))
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        logger.info("store: schema migrated from version 1 to 2")
        version = 2
    return version
