"""Column mappings: which source columns feed which canonical field, id and extra column.

A mapping is written canonical field -> source column(s), the opposite direction to
:meth:`pandas.DataFrame.rename`, so one source column can feed several fields and one field
can be fed by several columns (all e-mails of a contact; the parts of an address).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from singleview.errors import ConfigError, SchemaError
from singleview.schema import DATE_FIELDS, EXTRA_PREFIX, ID_PREFIX, MAPPABLE_FIELDS

__all__ = [
    "ColumnMapping",
    "ColumnsArg",
    "NamedColumnsArg",
    "named_columns",
]

#: canonical field -> one source column, or several (multi-valued fields, joined text parts).
ColumnsArg = Mapping[str, str | Sequence[str]]
#: a list of source columns (named after themselves) or a mapping name -> source column.
NamedColumnsArg = Sequence[str] | Mapping[str, str]

#: Fields a ``columns`` mapping may name; ``source_id`` comes from ``id_column``.
FIELD_NAMES: tuple[str, ...] = tuple(f for f in MAPPABLE_FIELDS if f != "source_id")


@dataclass(frozen=True)
class ColumnMapping:
    """A validated mapping from source columns to the records frame."""

    source: str
    id_column: str
    fields: Mapping[str, tuple[str, ...]]
    ids: Mapping[str, str]
    extra: Mapping[str, str]

    @classmethod
    def build(
        cls,
        *,
        source: str,
        id_column: str,
        columns: ColumnsArg | None,
        ids: NamedColumnsArg | None,
        extra: NamedColumnsArg | None,
    ) -> ColumnMapping:
        """Validate the user-facing arguments; raise :class:`ConfigError` on a mistake."""
        if not isinstance(id_column, str) or not id_column:
            msg = f"source {source!r}: id_column must be a non-empty column name"
            raise ConfigError(msg)
        return cls(
            source=source,
            id_column=id_column,
            fields=_fields(source, columns or {}),
            ids=named_columns(source, "ids", ids),
            extra=named_columns(source, "extra", extra),
        )

    @property
    def id_columns(self) -> tuple[str, ...]:
        """Output ``id_<kind>`` columns, sorted."""
        return tuple(sorted(ID_PREFIX + kind for kind in self.ids))

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """Output ``extra_<name>`` columns, in the order given."""
        return tuple(EXTRA_PREFIX + name for name in self.extra)

    def required_columns(self) -> list[str]:
        """Every source column the mapping reads, once each, in first-use order."""
        used: Iterable[str] = (
            self.id_column,
            *(c for cols in self.fields.values() for c in cols),
            *self.ids.values(),
            *self.extra.values(),
        )
        return list(dict.fromkeys(used))

    def check(self, batch: pd.DataFrame | Any) -> None:
        """Raise :class:`SchemaError` when ``batch`` (a pandas or Spark DataFrame: anything
        with ``columns``) lacks a mapped column."""
        available = {str(c) for c in batch.columns}
        missing = [c for c in self.required_columns() if c not in available]
        if missing:
            msg = (
                f"source {self.source!r}: mapped column(s) {missing} not found in the data; "
                f"available columns are {sorted(available)}. Fix the mapping or the input."
            )
            raise SchemaError(msg)


def _fields(source: str, columns: ColumnsArg) -> dict[str, tuple[str, ...]]:
    if not isinstance(columns, Mapping):
        msg = (
            f"source {source!r}: columns must be a mapping of canonical field -> source "
            f"column(s), got {type(columns).__name__}"
        )
        raise ConfigError(msg)
    fields: dict[str, tuple[str, ...]] = {}
    for field, value in columns.items():
        if field not in FIELD_NAMES:
            raise ConfigError(_unknown_field(source, str(field)))
        cols = _as_columns(source, f"columns[{field!r}]", value)
        if len(cols) > 1 and field in DATE_FIELDS:
            msg = f"source {source!r}: columns[{field!r}] must name one column, not a list"
            raise ConfigError(msg)
        fields[field] = cols
    return fields


def _unknown_field(source: str, field: str) -> str:
    hint = ""
    if field == "source_id":
        hint = " The record id comes from id_column=..., not from columns."
    else:
        close = difflib.get_close_matches(field, FIELD_NAMES, n=1, cutoff=0.5)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    return (
        f"source {source!r}: unknown canonical field {field!r} in columns.{hint} "
        f"Valid fields: {list(FIELD_NAMES)}. Map extra attributes with extra=..."
    )


def _as_columns(source: str, where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        cols: tuple[object, ...] = (value,)
    elif isinstance(value, Sequence) and value:
        cols = tuple(value)
    else:
        msg = f"source {source!r}: {where} must be a column name or a non-empty list of them"
        raise ConfigError(msg)
    if not all(isinstance(c, str) and c for c in cols):
        msg = f"source {source!r}: {where} must hold column names (non-empty strings)"
        raise ConfigError(msg)
    return tuple(str(c) for c in cols)


def named_columns(source: str, argument: str, value: NamedColumnsArg | None) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        msg = f"source {source!r}: {argument} must be a list of columns or a mapping, not a str"
        raise ConfigError(msg)
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, Sequence):
        pairs = [(_identifier(str(c)), c) for c in value]
    else:
        msg = f"source {source!r}: {argument} must be a list or mapping, got {type(value).__name__}"
        raise ConfigError(msg)
    result: dict[str, str] = {}
    for name, column in pairs:
        if not isinstance(column, str) or not column or not isinstance(name, str):
            msg = f"source {source!r}: {argument} must map names to column names"
            raise ConfigError(msg)
        if not name.isidentifier():
            msg = f"source {source!r}: {argument} name {name!r} must be a python identifier"
            raise ConfigError(msg)
        if name in result:
            msg = f"source {source!r}: {argument} names {name!r} twice"
            raise ConfigError(msg)
        result[name] = column
    return result


def _identifier(name: str) -> str:
    """A column name as a lower-case python identifier: ``"Account No"`` -> ``account_no``."""
    folded = re.sub(r"\W+", "_", name.strip().lower()).strip("_")
    if not folded:
        return "id"
    return f"_{folded}" if folded[0].isdigit() else folded
