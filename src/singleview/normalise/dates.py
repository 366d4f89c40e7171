"""Dates of birth and record timestamps as naive ``datetime64[ns]``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from singleview.normalise._dateparse import parse
from singleview.normalise._distinct import Cleaned, expand, reason_codes

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["PLACEHOLDER_DATES", "normalise_date", "normalise_timestamp"]

logger = logging.getLogger(__name__)

#: Dates systems write when the real one is unknown.
PLACEHOLDER_DATES: tuple[str, ...] = (
    "0001-01-01",
    "1800-01-01",
    "1900-01-01",
    "1901-01-01",
    "1970-01-01",
    "9999-12-31",
)
_EARLIEST_DATE = np.datetime64("1900-01-01", "us")
_EARLIEST_TIMESTAMP = np.datetime64("1970-01-01", "us")
_CENTURY_MONTHS = 1200


def _now() -> np.datetime64:
    """The current instant, naive UTC, in microseconds."""
    now: np.datetime64 = pd.Timestamp.now(tz="UTC").tz_localize(None).to_datetime64()
    converted: np.datetime64 = now.astype("datetime64[us]")
    return converted


def _spread(
    codes: npt.NDArray[np.intp],
    instants: npt.NDArray[np.datetime64],
    reasons: npt.NDArray[np.object_],
    like: pd.Series,
) -> Cleaned:
    """Rows of ``datetime64[ns]`` values (NaT where a reason is set) and their reasons."""
    kept = np.where(pd.isna(reasons), instants, np.datetime64("NaT"))
    extended = np.append(kept.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))
    values = pd.Series(extended.take(codes), index=like.index, name=like.name)
    return Cleaned(values.astype("datetime64[ns]"), expand(codes, reasons, like))


def _century_back(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.datetime64]:
    """The same day a hundred years earlier (29 February may move to 1 March)."""
    months = days.astype("datetime64[M]")
    return (months - _CENTURY_MONTHS).astype("datetime64[D]") + (days - months.astype(days.dtype))


def normalise_date(s: pd.Series, *, dayfirst: bool) -> Cleaned:
    """Dates (of birth) as ``datetime64[ns]`` at midnight.

    Reads ISO (``"1980-04-23"``, ``"1980-04-23T00:00:00"``), compact ``"19800423"``,
    ``"23/04/1980"`` / ``"04/23/1980"`` as ``dayfirst`` says (a value that only fits the
    other order is read that way), ``"23-04-1980"``, ``"23.04.1980"``, ``"23 Apr 1980"``,
    ``"April 23, 1980"`` and date/datetime objects.  Two-digit years in the future move back
    a century.  Reasons: ``"placeholder"`` (1900-01-01, 1970-01-01, 9999-12-31, …),
    ``"out_of_range"`` (before 1900 or in the future), ``"unparseable"``.
    """
    parsed = parse(s, dayfirst=dayfirst)
    days = parsed.instants.astype("datetime64[D]")
    today = _now().astype("datetime64[D]")
    late_short_year = parsed.two_digit_year & (days > today)
    days[late_short_year] = _century_back(days[late_short_year])
    unparseable = np.isnat(days) & ~parsed.blank
    placeholder = np.isin(days, np.array(PLACEHOLDER_DATES, dtype="datetime64[D]"))
    out_of_range = ~placeholder & ~np.isnat(days) & ((days < _EARLIEST_DATE) | (days > today))
    reasons = reason_codes(
        len(days),
        (unparseable, "unparseable"),
        (placeholder, "placeholder"),
        (out_of_range, "out_of_range"),
    )
    logger.debug("dates: %d distinct values", len(days))
    return _spread(parsed.codes, days.astype("datetime64[us]"), reasons, s)


def normalise_timestamp(s: pd.Series, *, dayfirst: bool) -> Cleaned:
    """Timestamps (``updated_at``) as naive UTC ``datetime64[ns]``.

    Reads the forms :func:`normalise_date` reads, with or without a time
    (``"2024-05-01 13:45:10"``, ``"01/05/2024 13:45"``); ISO values with ``Z`` or an offset
    are converted to UTC.  Reasons: ``"out_of_range"`` (before 1970 or more than a day in the
    future), ``"unparseable"``.
    """
    parsed = parse(s, dayfirst=dayfirst)
    instants = parsed.instants
    latest = _now() + np.timedelta64(1, "D")
    unparseable = np.isnat(instants) & ~parsed.blank
    out_of_range = ~np.isnat(instants) & ((instants < _EARLIEST_TIMESTAMP) | (instants > latest))
    reasons = reason_codes(
        len(instants), (unparseable, "unparseable"), (out_of_range, "out_of_range")
    )
    return _spread(parsed.codes, instants, reasons, s)
