""":class:`MappedSource`: normalise any table through a column mapping.

Subclasses only say how to read (:meth:`MappedSource.read`).  Adapters for particular
systems may also override two hooks: :meth:`MappedSource.clean_column` (how one raw column of
a field is cleaned) and :meth:`MappedSource.refine` (batch-level, source-specific rules run
after cleaning, before records are assembled).

Missing text values are ``None`` in ``object`` columns; e-mail and phone columns hold tuples
(``()`` when there are none); ``dob`` and ``updated_at`` are ``datetime64[ns]`` with ``NaT``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from singleview import normalise as nz
from singleview.errors import ConfigError, SchemaError
from singleview.schema import (
    CANONICAL_FIELDS,
    DATE_FIELDS,
    DELETED_REASON,
    MULTI_VALUED_FIELDS,
    Normalised,
)
from singleview.sources.base import SourceOptions, empty_records
from singleview.sources.mapping import ColumnMapping, ColumnsArg, NamedColumnsArg
from singleview.sources.records import (
    IssueCounter,
    as_text,
    clean_identifier,
    deleted_flags,
    missing_text,
    quarantine_rows,
    to_tuples,
)

__all__ = ["Fields", "MappedSource", "is_spark_frame"]

logger = logging.getLogger(__name__)


def is_spark_frame(data: object) -> bool:
    """Whether ``data`` is a Spark DataFrame (classic or Spark Connect), without importing
    pyspark."""
    module = type(data).__module__
    return module.startswith("pyspark.") and hasattr(data, "mapInPandas")


_NAME_PARTS = ("first_name", "middle_name", "last_name")


@dataclass
class Fields:
    """The cleaned fields of one batch, while a source is still working on them.

    ``single`` holds one Series per single-valued field (canonical, ``id_*`` and
    ``extra_*``); ``multi`` one DataFrame per multi-valued field, a column per source column.
    """

    index: pd.Index
    single: dict[str, pd.Series] = field(default_factory=dict)
    multi: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: IssueCounter = field(default_factory=IssueCounter)

    def get(self, name: str) -> pd.Series:
        """A single-valued field, or an all-missing Series when it is not mapped."""
        if name in self.single:
            return self.single[name]
        return missing_text(self.index)

    def null(self, name: str, where: pd.Series | pd.DataFrame, reason: str) -> None:
        """Null the values of ``name`` selected by ``where`` and count them as ``reason``."""
        if name in self.multi:
            values = self.multi[name]
            wide = where if isinstance(where, pd.DataFrame) else _wide(where, values)
            hit = values.notna() & wide.astype(bool)
            self.multi[name] = values.astype(object).where(~hit, None)
            self.issues.add_count(name, reason, int(hit.to_numpy().sum()))
        elif name in self.single:
            if isinstance(where, pd.DataFrame):
                msg = f"field {name!r} is single-valued: select rows with a Series"
                raise TypeError(msg)
            value = self.single[name]
            hit_s = value.notna() & where.astype(bool)
            if value.dtype.kind == "M":
                self.single[name] = value.where(~hit_s)
            else:
                self.single[name] = as_text(value).where(~hit_s, None)
            self.issues.add_count(name, reason, int(hit_s.to_numpy().sum()))


def _text_field(fields: Fields, name: str) -> pd.Series:
    """A text field of the records frame: its cleaned values as text, or all missing when
    the source does not map it (most fields of a lookup's one row)."""
    if name in fields.single:
        return as_text(fields.single[name])
    return missing_text(fields.index)


def _wide(where: pd.Series | pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: where.to_numpy(bool) for c in like.columns}, index=like.index)


class MappedSource:
    """Base class for sources that normalise through a :class:`ColumnMapping`.

    Parameters are those of :class:`~singleview.sources.FrameSource`, minus the data.
    """

    def __init__(
        self,
        *,
        name: str,
        id_column: str,
        columns: ColumnsArg | None = None,
        ids: NamedColumnsArg | None = None,
        extra: NamedColumnsArg | None = None,
        region: str | None = None,
        dayfirst: bool = False,
        priority: int = 0,
        batch_size: int = 100_000,
        deleted_column: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            msg = "a source needs a non-empty name"
            raise ConfigError(msg)
        self.name: str = name
        self.options: SourceOptions = make_options(
            name,
            region=region,
            dayfirst=dayfirst,
            priority=priority,
            batch_size=batch_size,
            deleted_column=deleted_column,
        )
        self.mapping: ColumnMapping = ColumnMapping.build(
            source=name, id_column=id_column, columns=columns, ids=ids, extra=extra
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield raw batches; subclasses implement this."""
        raise NotImplementedError

    @property
    def spark_data(self) -> Any | None:
        """The Spark DataFrame this source reads, or None (the Spark engine cleans a Spark
        DataFrame where it lies, one partition per batch)."""
        data = getattr(self, "data", None)
        return data if is_spark_frame(data) else None

    def empty_records(self) -> pd.DataFrame:
        """An empty records frame with this source's columns."""
        return empty_records((*self.mapping.id_columns, *self.mapping.extra_columns))

    # -- hooks -------------------------------------------------------------------------------

    def clean_column(self, name: str, values: pd.Series, fields: Fields) -> nz.Cleaned:
        """Clean one raw column feeding canonical field ``name``.

        ``fields`` holds the fields cleaned so far (``country`` is cleaned first).
        """
        opts = self.options
        cleaners: dict[str, Callable[[pd.Series], nz.Cleaned]] = {
            "email": nz.normalise_email,
            "phone": lambda v: nz.normalise_phone(v, opts.region),
            "dob": lambda v: nz.normalise_date(v, dayfirst=opts.dayfirst),
            "updated_at": lambda v: nz.normalise_timestamp(v, dayfirst=opts.dayfirst),
            **dict.fromkeys(("first_name", "middle_name", "last_name", "full_name"), nz.clean_name),
            "gender": nz.normalise_gender,
            "country": nz.normalise_country,
            "postcode": lambda v: self._clean_postcode(v, fields.get("country")),
        }
        # address_line, city and anything else: folded text, placeholders nulled.
        return cleaners.get(name, nz.clean_text)(values)

    def refine(self, batch: pd.DataFrame, fields: Fields) -> None:
        """Source-specific, batch-level rules; the default does nothing."""

    # -- normalisation -----------------------------------------------------------------------

    def normalise(self, batch: pd.DataFrame) -> Normalised:
        """Turn one raw batch into records, quarantined rows and issue counts."""
        if not isinstance(batch, pd.DataFrame):
            msg = f"source {self.name!r}: a batch must be a DataFrame, got {type(batch).__name__}"
            raise ConfigError(msg)
        mapping = self.mapping
        mapping.check(batch)
        deleted_column = self.options.deleted_column
        if deleted_column is not None and deleted_column not in batch.columns:
            msg = (
                f"source {self.name!r}: deleted_column {deleted_column!r} is not a column "
                "of the data"
            )
            raise SchemaError(msg)
        if batch.empty:
            return Normalised(records=self.empty_records())
        batch = batch.reset_index(drop=True)
        fields = Fields(index=batch.index)
        source_id, _ = clean_identifier(batch[mapping.id_column], placeholders=False)
        # Country first: postcodes are cleaned by the record's country.
        for name in sorted(mapping.fields, key=lambda f: f != "country"):
            self._clean_field(name, batch, fields)
        self._names(batch, fields)
        for kind, column in mapping.ids.items():
            ident, reasons = clean_identifier(batch[column], placeholders=True)
            fields.single["id_" + kind] = ident
            fields.issues.add("id_" + kind, reasons)
        for extra, column in mapping.extra.items():
            cleaned = nz.clean_text(batch[column])
            fields.single["extra_" + extra] = cleaned.values
            fields.issues.add("extra_" + extra, cleaned.reasons)
        self.refine(batch, fields)
        records = self._assemble(source_id, fields)
        reasons = self._quarantine_reasons(records)
        if deleted_column is not None:
            # A deletion is reported, not matched: the identity store removes the record.
            gone = deleted_flags(batch[deleted_column]) & records["source_id"].notna()
            reasons = reasons.where(~gone, DELETED_REASON)
        keep = reasons.isna()
        return Normalised(
            records=records[keep].reset_index(drop=True),
            quarantine=quarantine_rows(self.name, batch, source_id, reasons),
            issues=fields.issues.frame(self.name),
        )

    def _clean_field(self, name: str, batch: pd.DataFrame, fields: Fields) -> None:
        columns = self.mapping.fields[name]
        if name in MULTI_VALUED_FIELDS:
            parts = {}
            for column in columns:
                cleaned = self.clean_column(name, batch[column], fields)
                parts[column] = as_text(cleaned.values)
                fields.issues.add(name, cleaned.reasons)
            fields.multi[name] = pd.DataFrame(parts, index=batch.index)
            return
        raw = batch[columns[0]] if len(columns) == 1 else nz.join_parts(batch, list(columns))
        cleaned = self.clean_column(name, raw, fields)
        fields.single[name] = cleaned.values
        fields.issues.add(name, cleaned.reasons)

    def _clean_postcode(self, values: pd.Series, country: pd.Series) -> nz.Cleaned:
        country = as_text(country)
        if country.isna().all():
            return nz.normalise_postcode(values)
        out = missing_text(values.index)
        why = missing_text(values.index)
        # One call per distinct country; where it is unknown the postcode is cleaned
        # generically (complete UK postcodes still get their canonical spacing).
        keys = country.fillna("")
        for code, rows in keys.groupby(keys, sort=True).groups.items():
            part = nz.normalise_postcode(values.loc[rows], str(code) or None)
            out.loc[rows] = as_text(part.values)
            why.loc[rows] = as_text(part.reasons)
        return nz.Cleaned(out, why)

    def _names(self, batch: pd.DataFrame, fields: Fields) -> None:
        mapped = self.mapping.fields
        # A full name fills whichever parts are not mapped, unless first and last both are.
        if "full_name" in mapped and not all(p in mapped for p in ("first_name", "last_name")):
            full = mapped["full_name"]
            raw = batch[full[0]] if len(full) == 1 else nz.join_parts(batch, list(full))
            split = nz.split_full_name(raw)
            for part in _NAME_PARTS:
                if part not in mapped:
                    fields.single[part] = split[part]
        if "full_name" not in mapped:
            parts = pd.DataFrame({p: as_text(fields.get(p)) for p in _NAME_PARTS})
            fields.single["full_name"] = nz.join_parts(parts, list(_NAME_PARTS))

    def _assemble(self, source_id: pd.Series, fields: Fields) -> pd.DataFrame:
        index = fields.index
        columns: dict[str, pd.Series] = {}
        for name in CANONICAL_FIELDS:
            if name == "source":
                columns[name] = pd.Series(self.name, index=index, dtype=object)
            elif name == "source_id":
                columns[name] = source_id
            elif name in DATE_FIELDS:
                values = fields.single.get(name)
                if values is None:
                    values = pd.Series(pd.NaT, index=index)
                columns[name] = pd.to_datetime(values).astype("datetime64[ns]")
            elif name in MULTI_VALUED_FIELDS:
                multi = fields.multi.get(name, pd.DataFrame(index=index))
                columns[name] = to_tuples(multi)
            else:
                columns[name] = _text_field(fields, name)
        for name in (*self.mapping.id_columns, *self.mapping.extra_columns):
            columns[name] = _text_field(fields, name)
        return pd.DataFrame(columns, index=index)

    def _quarantine_reasons(self, records: pd.DataFrame) -> pd.Series:
        n = len(records)
        matchable = np.zeros(n, dtype=bool)
        for column in ("first_name", "last_name", "full_name", *self.mapping.id_columns):
            matchable |= records[column].notna().to_numpy()
        for column in ("email", "phone"):
            matchable |= np.fromiter(map(len, records[column]), dtype=np.int64, count=n) > 0
        reasons = np.full(n, None, dtype=object)
        reasons[~matchable] = "nothing_to_match"
        reasons[records["source_id"].isna().to_numpy()] = "missing_source_id"
        return pd.Series(reasons, index=records.index, dtype=object)


def make_options(
    source: str,
    *,
    region: str | None,
    dayfirst: bool,
    priority: int,
    batch_size: int,
    deleted_column: str | None = None,
) -> SourceOptions:
    """Build :class:`SourceOptions`, turning validation errors into a :class:`ConfigError`."""
    try:
        return SourceOptions(
            region=region,
            dayfirst=dayfirst,
            priority=priority,
            batch_size=batch_size,
            deleted_column=deleted_column,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        msg = f"source {source!r}: invalid option(s): {problems}"
        raise ConfigError(msg) from None
