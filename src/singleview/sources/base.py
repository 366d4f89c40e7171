"""The source contract: options, the :class:`Source` protocol and :func:`load`.

A source reads raw batches of rows from one system (:meth:`Source.read`) and turns each into
a records frame (:meth:`Source.normalise`).  :func:`load` drives a source end to end: it
concatenates the batches, keeps only the newest row per ``source_id`` (older ones are
quarantined as ``"superseded"``) and checks that the adapter kept the records-frame contract
of :mod:`singleview.schema`.

Missing text values are ``None`` in ``object`` columns throughout :mod:`singleview.sources`;
:func:`load` also accepts pandas' own string dtypes (``"str"``/``"string"``), whose missing
marker is NaN/NA, from third-party adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

import pandas as pd
import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator

from singleview.errors import SourceError
from singleview.schema import (
    CANONICAL_FIELDS,
    DATE_FIELDS,
    EXTRA_PREFIX,
    ID_PREFIX,
    ISSUE_COLUMNS,
    MULTI_VALUED_FIELDS,
    QUARANTINE_COLUMNS,
    Normalised,
    empty_issues,
    empty_quarantine,
)
from singleview.sources.records import record_hash

__all__ = [
    "Source",
    "SourceOptions",
    "check_records",
    "empty_records",
    "finish_load",
    "load",
    "normalise_batch",
    "superseded_rows",
]

logger = logging.getLogger(__name__)

SUPERSEDED = "superseded"


class SourceOptions(BaseModel):
    """Options every source understands.

    Parameters
    ----------
    region:
        Default phone region (ISO 3166 alpha-2, e.g. ``"GB"``) for numbers written without a
        country code; ``None`` keeps only numbers in international form.
    dayfirst:
        Read ambiguous dates such as ``03/04/1980`` as day first.
    priority:
        Survivorship weight: a larger number means a more trusted source.
    batch_size:
        Rows per batch handed to :meth:`Source.normalise`.
    deleted_column:
        A column flagging rows the system has deleted (``true``/``1``/``yes``/``deleted``).
        Such rows are quarantined with reason ``"deleted"``; an identity store removes the
        record and everything derived from it.

    >>> SourceOptions(region="GB", dayfirst=True).region
    'GB'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str | None = None
    dayfirst: bool = False
    priority: int = 0
    batch_size: int = Field(default=100_000, gt=0)
    deleted_column: str | None = None

    @field_validator("region")
    @classmethod
    def _check_region(cls, value: str | None) -> str | None:
        if value is not None and not (
            len(value) == 2
            and value.isascii()
            and value.isupper()
            and value in phonenumbers.SUPPORTED_REGIONS
        ):
            msg = "region must be an upper-case ISO 3166 alpha-2 code such as 'GB'"
            raise ValueError(msg)
        return value


@runtime_checkable
class Source(Protocol):
    """Anything that reads raw rows from one system and normalises them into records.

    Implement ``read`` (raw batches, any columns) and ``normalise`` (one raw batch to a
    :class:`~singleview.schema.Normalised`); :func:`load` does the rest.
    """

    name: str
    options: SourceOptions

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield raw batches of at most ``options.batch_size`` rows."""
        ...

    def normalise(self, batch: pd.DataFrame) -> Normalised:
        """Turn one raw batch into records, quarantined rows and issue counts."""
        ...


def load(source: Source) -> Normalised:
    """Read, normalise and de-duplicate every batch of ``source``.

    Rows that share a ``source_id`` are resolved to the one with the latest ``updated_at``
    (unknown counts as oldest; exact ties are broken by a stable hash of the row, never by
    row order); the others are quarantined with reason ``"superseded"``.

    Raises :class:`~singleview.errors.SourceError` when the adapter breaks the records-frame
    contract.

    >>> import pandas as pd
    >>> from singleview.sources import FrameSource
    >>> frame = pd.DataFrame({"id": ["1"], "email": ["ann@example.co.uk"]})
    >>> src = FrameSource(frame, name="demo", id_column="id", columns={"email": "email"})
    >>> len(load(src).records)
    1
    """
    parts: list[Normalised] = []
    rows_read = 0
    for batch in source.read():
        rows_read += len(batch)
        parts.append(normalise_batch(source, batch))
    return finish_load(source, parts, rows_read)


def normalise_batch(source: Source, batch: pd.DataFrame) -> Normalised:
    """``source.normalise(batch)``, checked against the records-frame contract (every input
    row a record or quarantined).  Normalising is row by row, so any split of the rows into
    batches gives the same records in the same order."""
    result = source.normalise(batch)
    if not isinstance(result, Normalised):
        msg = f"source {source.name!r}: normalise() must return a Normalised"
        raise SourceError(msg)
    if len(result.records) + len(result.quarantine) != len(batch):
        msg = (
            f"source {source.name!r}: normalise() returned "
            f"{len(result.records) + len(result.quarantine)} rows for a batch of "
            f"{len(batch)}; every input row must be a record or quarantined"
        )
        raise SourceError(msg)
    check_records(result.records, source.name)
    return result


def finish_load(source: Source, parts: list[Normalised], rows_read: int) -> Normalised:
    """The normalised ``parts`` of ``source`` (in row order) as one :class:`Normalised`:
    the newest row per ``source_id`` kept, the others quarantined, issue counts summed."""
    records = [p.records for p in parts] or [empty_records()]
    merged = _concat(records)
    kept, superseded = _supersede(merged, source.name)
    all_quarantine = _concat([*(p.quarantine for p in parts), superseded], empty_quarantine())
    quarantine = all_quarantine[list(QUARANTINE_COLUMNS)].reset_index(drop=True).astype(object)
    result = Normalised(
        records=kept,
        # One missing marker (None) however many batches the rows came in.
        quarantine=quarantine.where(quarantine.notna(), None),
        issues=_sum_issues([p.issues for p in parts]),
    )
    _log_counts(source.name, rows_read, result)
    return result


def empty_records(extra_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty records frame: the canonical columns (plus ``extra_columns``), right dtypes."""
    columns = {
        c: pd.Series(dtype="datetime64[ns]" if c in DATE_FIELDS else "object")
        for c in (*CANONICAL_FIELDS, *extra_columns)
    }
    return pd.DataFrame(columns)


def check_records(records: pd.DataFrame, source_name: str) -> None:
    """Raise :class:`SourceError` unless ``records`` follows the records-frame contract."""

    def fail(problem: str) -> SourceError:
        return SourceError(f"source {source_name!r} broke the records-frame contract: {problem}")

    columns = [str(c) for c in records.columns]
    if tuple(columns[: len(CANONICAL_FIELDS)]) != CANONICAL_FIELDS:
        raise fail(f"columns must start with {list(CANONICAL_FIELDS)}, got {columns}")
    rest = columns[len(CANONICAL_FIELDS) :]
    ids = [c for c in rest if c.startswith(ID_PREFIX)]
    if ids != sorted(ids) or rest[: len(ids)] != ids:
        raise fail("id_* columns must follow the canonical columns, sorted by name")
    bad = [c for c in rest[len(ids) :] if not c.startswith(EXTRA_PREFIX)]
    if bad:
        raise fail(f"unexpected columns {bad}; extra columns must start with {EXTRA_PREFIX!r}")
    for column in DATE_FIELDS:
        if str(records[column].dtype) != "datetime64[ns]":
            raise fail(f"column {column!r} must be datetime64[ns], got {records[column].dtype}")
    for column in MULTI_VALUED_FIELDS:
        values = records[column].to_numpy(dtype=object)
        if not all(map(tuple.__instancecheck__, values)):
            raise fail(f"column {column!r} must hold a tuple in every row")
    text = [c for c in columns if c not in DATE_FIELDS and c not in MULTI_VALUED_FIELDS]
    for column in text:
        if not _is_text(records[column]):
            raise fail(f"column {column!r} must hold text or missing values")
    if records["source_id"].isna().any():
        raise fail("column 'source_id' has missing values")
    if len(records) and not records["source"].eq(source_name).all():
        raise fail("column 'source' must equal the source's name in every row")


def _is_text(values: pd.Series) -> bool:
    if isinstance(values.dtype, pd.StringDtype):
        return True
    if values.dtype != object:
        return False
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame | None = None) -> pd.DataFrame:
    # Skipping empty frames avoids pandas' dtype warnings about concatenating empty entries.
    full = [f for f in frames if len(f)]
    if not full:
        return empty if empty is not None else frames[0].iloc[0:0].reset_index(drop=True)
    if len(full) == 1:
        return full[0].reset_index(drop=True)
    return pd.concat(full, ignore_index=True)


def _supersede(records: pd.DataFrame, source_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the newest row per ``source_id``; return (kept, quarantined superseded rows)."""
    duplicated = records["source_id"].duplicated(keep=False)
    if not duplicated.any():
        return records.reset_index(drop=True), empty_quarantine()
    dupes = records[duplicated]
    order = pd.DataFrame(
        {
            "source_id": dupes["source_id"].astype(object),
            # NaT sorts first, i.e. counts as the oldest.
            "updated_at": dupes["updated_at"],
            # A hash of the row's values breaks exact ties without looking at row order.
            "tiebreak": record_hash(dupes),
        },
        index=dupes.index,
    ).sort_values(["source_id", "updated_at", "tiebreak"], na_position="first", kind="mergesort")
    losers = order.index[order["source_id"].duplicated(keep="last")]
    quarantined = superseded_rows(records.loc[losers], source_name)
    return records.drop(index=losers).reset_index(drop=True), quarantined


def superseded_rows(lost: pd.DataFrame, source_name: str) -> pd.DataFrame:
    """Quarantine rows for records replaced by a newer version of the same source id."""
    return pd.DataFrame(
        {
            "source": source_name,
            "source_id": lost["source_id"].astype(object).where(lost["source_id"].notna(), None),
            "reason": SUPERSEDED,
            "row": lost.to_json(orient="records", lines=True, date_format="iso").splitlines(),
        },
        index=lost.index,
    ).astype(object)


def _sum_issues(issues: list[pd.DataFrame]) -> pd.DataFrame:
    full = [i for i in issues if len(i)]
    if not full:
        return empty_issues()
    keys = list(ISSUE_COLUMNS[:3])
    grouped = pd.concat(full, ignore_index=True).groupby(keys, as_index=False, sort=True)
    frame = grouped.agg(count=("count", "sum"))
    frame[keys] = frame[keys].astype(object)
    frame["count"] = frame["count"].astype("int64")
    return frame[list(ISSUE_COLUMNS)]


def _log_counts(source_name: str, rows_read: int, result: Normalised) -> None:
    by_reason = result.quarantine["reason"].value_counts().to_dict()
    logger.info(
        "source %s: %d rows read, %d records kept, %d quarantined %s",
        source_name,
        rows_read,
        len(result.records),
        len(result.quarantine),
        {str(k): int(v) for k, v in by_reason.items()},
    )
