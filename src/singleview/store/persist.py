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
import pyarrow as pa

from .._arrays import as_arrow_text
from ..features import Features
from .context import MatchContext
from .db import TERM_FREQUENCIES_DDL, one_row, write_frame

__all__ = ["load_context", "load_tf", "migrate", "save_context"]

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
    if context.model.tf_sizes_:
        raise ValueError("a context read without its term-frequency tables cannot be saved")
    con.execute("DELETE FROM context")
    con.execute("INSERT INTO context VALUES (?)", [context.to_json(tf=False)])
    con.execute("DELETE FROM term_frequencies")
    write_frame(con, "term_frequencies", _tf_frame(context))


def load_context(con: duckdb.DuckDBPyConnection, *, tf: bool = True) -> MatchContext | None:
    """The stored context, or None before the first ingest.  ``tf=False``: without the
    term-frequency tables, which :func:`load_tf` then reads for the values a batch holds
    (an ingest of ten thousand records into a million-record store needs a tenth of
    them); such a context cannot be saved."""
    row = one_row(con, "SELECT body FROM context")
    if row is None:
        return None
    context = MatchContext.from_json(str(row[0]))
    if not tf:
        sizes = con.execute(
            'SELECT "column", count(*) FROM term_frequencies GROUP BY "column"'
        ).fetchall()
        model = context.model
        model.tf_ = {str(c): pd.Series([], dtype=np.float64) for c, _ in sizes}
        model.tf_sizes_ = {str(c): int(n) for c, n in sizes}
        return context
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


def load_tf(con: duckdb.DuckDBPyConnection, context: MatchContext, features: Features) -> None:
    """Give a context read with ``tf=False`` the term-frequency rows of the values
    ``features`` hold (a join inside DuckDB); a whole table is left as it is."""
    model = context.model
    columns = [c.column for c in model.comparisons if c.tf_adjust and c.column in model.tf_sizes_]
    if not columns:
        return
    values = [_stored_text(features[column].values) for column in columns]
    lengths = [len(v) for v in values]
    query = pa.table(
        {
            "column": pa.DictionaryArray.from_arrays(
                pa.array(np.repeat(np.arange(len(columns), dtype=np.int32), lengths)),
                pa.array(columns, pa.string()),
            ),
            "value": pa.chunked_array(values, pa.large_string()),
            "i": pa.array(np.arange(sum(lengths), dtype=np.int64)),
        }
    )
    con.register("_tf_wanted", query)
    try:
        found = con.execute(
            "SELECT w.i, t.frequency FROM term_frequencies t JOIN _tf_wanted w "
            'ON t."column" = w."column" AND t.value = w.value ORDER BY w.i'
        ).fetchnumpy()
    finally:
        con.unregister("_tf_wanted")
    row = np.asarray(found["i"], dtype=np.int64)
    frequency = np.asarray(found["frequency"], dtype=np.float64)
    ends = np.cumsum(lengths)
    cut = np.searchsorted(row, ends)
    for k, name in enumerate(columns):
        start = 0 if k == 0 else int(cut[k - 1])
        mine = row[start : int(cut[k])] - (ends[k] - lengths[k])
        text = values[k].take(pa.array(mine)).to_numpy(zero_copy_only=False)
        model.tf_[name] = pd.Series(
            frequency[start : int(cut[k])],
            index=pd.Index(np.asarray(text, dtype=object), dtype="object"),
            dtype=np.float64,
        )


def _stored_text(values: np.ndarray) -> pa.Array:
    """Distinct values as the ``term_frequencies`` table spells them (``str``), as Arrow."""
    arrow = as_arrow_text(values)  # distinct text: converted in C, already distinct
    if arrow is not None:
        return arrow
    spelt = pd.unique(np.asarray([str(v) for v in values], dtype=object))
    return pa.array(spelt, pa.large_string())
