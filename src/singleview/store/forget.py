"""Erasure reaches the model too: values only the erased record held leave the matching
context (term-frequency tables, name spellings), so no table keeps a trace of them."""

from __future__ import annotations

import duckdb
import pandas as pd

from ..handles import MIN_PART, letters_only
from ..schema import MULTI_VALUED_FIELDS
from .context import MatchContext
from .db import one_row, table_columns

__all__ = ["forget"]


def _held(con: duckdb.DuckDBPyConnection, column: str, value: str) -> bool:
    """Whether any stored record still holds ``value`` in ``column``."""
    if column in MULTI_VALUED_FIELDS:
        sql = f'SELECT count(*) FROM records WHERE list_contains("{column}", ?)'
    else:
        sql = f'SELECT count(*) FROM records WHERE "{column}" = ?'
    row = one_row(con, sql, [value])
    return bool(row and row[0])


def _values(record: pd.Series, column: str) -> list[str]:
    value = record.get(column)
    if isinstance(value, tuple | list):
        return [str(v) for v in value]
    return [] if value is None or pd.isna(value) else [str(value)]


def forget(con: duckdb.DuckDBPyConnection, context: MatchContext, erased: pd.DataFrame) -> None:
    """Remove from ``context`` the values of ``erased`` records (canonical frame) that no
    stored record holds any more (call after the records are deleted)."""
    stored = set(table_columns(con, "records"))
    model = context.model
    for _, record in erased.iterrows():  # erasure is one record at a time
        for column, table in list(model.tf_.items()):
            if column not in stored:
                continue
            drop = [
                v for v in _values(record, column) if v in table.index and not _held(con, column, v)
            ]
            if drop:
                model.tf_[column] = table.drop(drop)
        spellings = context.spellings
        if spellings is None:
            continue
        named = all(_values(record, c) for c in ("first_name", "last_name"))
        if not named:
            continue
        pairs = (
            (spellings.firsts, spellings.first_counts, "first_name"),
            (spellings.lasts, spellings.last_counts, "last_name"),
        )
        for spelling, counts, column in pairs:
            name = _values(record, column)[0]
            key = letters_only(name)
            if len(key) < MIN_PART or key not in counts:
                continue
            counts[key] -= 1
            if counts[key] <= 0:
                counts.pop(key)
                spelling.pop(key, None)
            elif spelling.get(key) == name and not _held(con, column, name):
                letters = f"regexp_replace(lower(\"{column}\"), '[^a-z]', '', 'g')"
                row = one_row(
                    con,
                    f'SELECT "{column}", count(*) AS n FROM records WHERE {letters} = ? '
                    "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1",
                    [key],
                )
                if row is None:
                    counts.pop(key)
                    spelling.pop(key, None)
                else:
                    spelling[key] = str(row[0])
        context.spellings = spellings._replace(named=max(spellings.named - 1, 0))
