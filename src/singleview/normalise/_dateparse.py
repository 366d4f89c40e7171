"""Parse dates and timestamps of many written forms, once per distinct value.

Every value ends as ``datetime64[us]`` (naive UTC), wide enough for years 1 to 9999, so the
caller can tell a placeholder such as 0001-01-01 from garbage before narrowing to ``[ns]``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from singleview.normalise._distinct import (
    PYTHON_SPACE,
    arrow_mask,
    arrow_text,
    as_text,
    factorize,
    from_arrow,
    python_strip,
)

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Parsed", "parse"]

_ISO = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)
#: :data:`_ISO` for Arrow's RE2, whose ``\\d`` and ``\\s`` are ASCII only: spelt as the
#: Unicode classes Python's ``re`` gives them, so both match the same texts.
_ISO_RE2 = "^(?:" + _ISO.replace(r"\d", r"\p{Nd}").replace(r"\s", f"[{PYTHON_SPACE}]") + ")$"
_DAY_MONTH = ("%d/%m/{y}", "%d-%m-{y}", "%d.%m.{y}")
_MONTH_DAY = ("%m/%d/{y}", "%m-%d-{y}", "%m.%d.{y}")
_ANY_ORDER = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%d %b {y}",
    "%d %B {y}",
    "%b %d {y}",
    "%B %d {y}",
    "%d-%b-{y}",
    "%d-%B-{y}",
)
_TIMES = ("", " %H:%M:%S", " %H:%M", " %H:%M:%S.%f", " %I:%M:%S %p", " %I:%M %p")


class Parsed(NamedTuple):
    """Per distinct value: the instant (NaT if unreadable) and whether the year had 2 digits."""

    codes: npt.NDArray[np.intp]
    instants: npt.NDArray[np.datetime64]
    two_digit_year: npt.NDArray[np.bool_]
    blank: npt.NDArray[np.bool_]


def _formats(dayfirst: bool) -> list[tuple[str, bool]]:
    """Explicit formats in the order tried, each with "has a two-digit year"."""
    ordered = (*_DAY_MONTH, *_MONTH_DAY) if dayfirst else (*_MONTH_DAY, *_DAY_MONTH)
    out: list[tuple[str, bool]] = []
    for year in ("%Y", "%y"):
        for date in (*_ANY_ORDER, *ordered):
            if "{y}" not in date and year == "%y":
                continue
            for time in _TIMES:
                if "T" in date and time:
                    continue
                out.append((date.format(y=year) + time, year == "%y"))
    return out


def _shape(text: str) -> str:
    """The separators of a format or text, in order: ``"%d/%m/%Y"`` -> ``"//"``."""
    return re.sub(r"%[A-Za-z]|[A-Za-z0-9]", "", text)


def _tidy(texts: pd.Series) -> pd.Series:
    """Trim, drop commas, ordinals and abbreviation dots: "April 23rd, 1980" -> "April 23 1980"."""
    return (
        texts.str.replace(",", " ", regex=False)
        .str.replace(r"(?<=\d)(?:st|nd|rd|th)\b", "", regex=True, flags=re.IGNORECASE)
        .str.replace(r"(?<=[A-Za-z])\.", "", regex=True)
        .str.split()
        .str.join(" ")
    )


def _as_us(index: pd.DatetimeIndex) -> npt.NDArray[np.datetime64]:
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return np.asarray(index.to_numpy().astype("datetime64[us]"))


def _parse_texts(
    texts: pd.Series, dayfirst: bool
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Parse distinct texts: ISO 8601 first, then explicit formats, then Python's strptime.
    Per text: the instant, whether its year had two digits, whether it is blank."""
    size = len(texts)
    out = np.full(size, np.datetime64("NaT"), dtype="datetime64[us]")
    two_digit = np.zeros(size, dtype=bool)
    # ISO 8601 (what databases and APIs write) goes first, before any tidying; Arrow's
    # kernels find it (most texts, usually) without a Python call per text.
    trimmed = pc.fill_null(python_strip(arrow_text(texts.to_numpy())), "")
    iso = arrow_mask(pc.match_substring_regex(trimmed, _ISO_RE2))
    if iso.any():
        found = pd.to_datetime(
            pd.Series(from_arrow(trimmed.filter(pa.array(iso)))),
            format="ISO8601",
            errors="coerce",
            utc=True,
        )
        out[iso] = _as_us(pd.DatetimeIndex(found))
    filled_text = arrow_mask(pc.not_equal(trimmed, ""))
    rest = np.flatnonzero(np.isnat(out) & filled_text)
    tidy_values = np.full(size, "", dtype=object)
    tidy_values[rest] = _tidy(texts.iloc[rest]).fillna("").to_numpy(dtype=object)
    tidy = pd.Series(tidy_values, index=texts.index, dtype=object)
    shapes = np.full(size, "", dtype=object)
    if len(rest):
        late_iso = rest[tidy.iloc[rest].str.fullmatch(_ISO).to_numpy(dtype=bool)]
        if len(late_iso):
            found = pd.to_datetime(
                pd.Series(tidy.iloc[late_iso].to_numpy(dtype=object)),
                format="ISO8601",
                errors="coerce",
                utc=True,
            )
            out[late_iso] = _as_us(pd.DatetimeIndex(found))
        shapes[rest] = tidy.iloc[rest].str.replace(r"[A-Za-z0-9]", "", regex=True).to_numpy()
    formats = _formats(dayfirst)
    present = set(shapes[rest].tolist())
    filled = (tidy != "").to_numpy()
    for fmt, short_year in formats:
        if _shape(fmt) not in present:
            continue
        todo = np.isnat(out) & (shapes == _shape(fmt)) & filled
        if not todo.any():
            continue
        found = pd.to_datetime(tidy[todo].to_numpy(), format=fmt, errors="coerce")
        out[todo] = _as_us(pd.DatetimeIndex(found))
        two_digit[todo] = short_year & ~np.isnat(out[todo])
    # pandas 2 cannot hold years outside 1677-2262; strptime reads the few left over.
    for position in np.flatnonzero(np.isnat(out) & filled):
        text = tidy.iloc[position]
        for fmt, short_year in formats:
            if _shape(fmt) != shapes[position]:
                continue
            try:
                out[position] = np.datetime64(dt.datetime.strptime(text, fmt), "us")
            except ValueError:
                continue
            two_digit[position] = short_year
            break
    return out, two_digit, ~filled_text


def _parse_object(value: object) -> np.datetime64:
    """A date, datetime, Timestamp or numpy datetime as naive UTC microseconds."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return np.datetime64(value.replace(tzinfo=None), "us")
    if isinstance(value, dt.date):
        return np.datetime64(value, "us")
    if isinstance(value, np.datetime64):
        converted: np.datetime64 = value.astype("datetime64[us]")
        return converted
    return np.datetime64("NaT", "us")


def parse(s: pd.Series, *, dayfirst: bool) -> Parsed:
    """Codes per row and, per distinct value, its instant as ``datetime64[us]``."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        codes_, uniques = pd.factorize(s, use_na_sentinel=True)
        codes = np.asarray(codes_, dtype=np.intp)
        instants = _as_us(pd.DatetimeIndex(uniques))
        size = len(instants)
        return Parsed(codes, instants, np.zeros(size, bool), np.zeros(size, bool))
    codes, distinct = factorize(s)
    if pd.api.types.infer_dtype(distinct, skipna=False) in ("string", "empty"):
        is_object = np.zeros(len(distinct), dtype=bool)  # all text: no per-value look
        texts = pd.Series(distinct, dtype=object)
    else:
        is_object = np.fromiter(
            (isinstance(v, dt.date | np.datetime64) for v in distinct), bool, len(distinct)
        )
        texts = pd.Series(as_text(distinct[~is_object]), dtype=object)
    instants = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[us]")
    two_digit = np.zeros(len(distinct), dtype=bool)
    for position in np.flatnonzero(is_object):
        instants[position] = _parse_object(distinct[position])
    blank = np.zeros(len(distinct), dtype=bool)
    instants[~is_object], two_digit[~is_object], blank[~is_object] = _parse_texts(texts, dayfirst)
    return Parsed(codes, instants, two_digit, blank)
