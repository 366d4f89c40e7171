"""Saving and loading the frozen matching context, and the schema migrations.

The context's JSON holds everything but the model's term-frequency tables; those (a row
per distinct value of each term-frequency column: about 490,000 rows at 300k records)
live in the ``term_frequencies`` table, read back in about 0.4 s.  As JSON they took 3 s
to parse at 300k records, on every ingest and every first lookup.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd

from .context import MatchContext
from .db import TERM_FREQUENCIES_DDL, one_row, write_frame

__all__ = ["load_context", "migrate", "save_context"]

logger = logging.getLogger(__name__)


def _tf_frame(context: MatchContext) -> pd.DataFrame:
    """The model's term-frequency tables as rows: column, value, frequency."""
    parts = [
        pd.DataFrame(
            {
                "column": column,
                "value": table.index.astype(str),
                "frequency": table.to_numpy(dtype=np.float64),
            }
        )
        for column, table in context.model.tf_.items()
    ]
    if not parts:
        return pd.DataFrame({"column": [], "value": [], "frequency": []})
    return pd.concat(parts, ignore_index=True)


def save_context(con: duckdb.DuckDBPyConnection, context: MatchContext) -> None:
    """Replace the stored context (inside the caller's transaction)."""
    con.execute("DELETE FROM context")
    con.execute("INSERT INTO context VALUES (?)", [context.to_json(tf=False)])
    con.execute("DELETE FROM term_frequencies")
    write_frame(con, "term_frequencies", _tf_frame(context))


def load_context(con: duckdb.DuckDBPyConnection) -> MatchContext | None:
    """The stored context, or None before the first ingest."""
    row = one_row(con, "SELECT body FROM context")
    if row is None:
        return None
    context = MatchContext.from_json(str(row[0]))
    # Grouped by column only: a table's order does not matter (it is looked up by value),
    # and sorting a million values as well took half the time of reading them.
    table = con.execute(
        'SELECT "column", value, frequency FROM term_frequencies ORDER BY "column"'
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
        con.execute(TERM_FREQUENCIES_DDL)
        row = one_row(con, "SELECT body FROM context")
        if row is not None:
            save_context(con, MatchContext.from_json(str(row[0])))
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        logger.info("store: schema migrated from version 1 to 2")
        version = 2
    return version
