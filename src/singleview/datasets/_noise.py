"""Vectorised corruption of string columns: typos, case, accents, formats, placeholders.

Each function takes an object array (None = missing) and a numpy ``Generator`` and returns a
new array; the input is never modified.  ``rate`` is the share of *non-missing* values hit.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from anyascii import anyascii

__all__ = [
    "abbreviate_street",
    "blank",
    "change_case",
    "format_dates",
    "format_phones",
    "format_times",
    "hit",
    "keep",
    "placeholder",
    "postcode_variants",
    "strip_accents",
    "swap_day_month",
    "typo",
]

ObjArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]


def hit(values: ObjArray, rng: np.random.Generator, rate: float) -> BoolArray:
    """A mask choosing about ``rate`` of the non-missing values."""
    return np.asarray(pd.notna(values) & (rng.random(len(values)) < rate), dtype=bool)


def keep(values: Any, mask: Any) -> ObjArray:
    """``values`` where ``mask`` is true, missing elsewhere (``values`` may be a scalar)."""
    mask = np.asarray(mask, dtype=bool)
    out = np.full(len(mask), None, dtype=object)
    out[mask] = values[mask] if isinstance(values, np.ndarray) else values
    return out


def blank(values: ObjArray, rng: np.random.Generator, rate: float) -> ObjArray:
    """Set about ``rate`` of the values to missing."""
    out = values.copy()
    out[rng.random(len(values)) < rate] = None
    return out


def placeholder(
    values: ObjArray, rng: np.random.Generator, rate: float, choices: tuple[str, ...]
) -> ObjArray:
    """Replace about ``rate`` of all values (missing or not) with a junk placeholder."""
    out = values.copy()
    mask = rng.random(len(values)) < rate
    out[mask] = np.asarray(choices, dtype=object)[rng.integers(0, len(choices), int(mask.sum()))]
    return out


def typo(
    values: ObjArray, rng: np.random.Generator, rate: float, *, before: str | None = None
) -> ObjArray:
    """One keyboard slip (substitute, delete, insert or transpose a letter) in ``rate`` of values.

    ``before``: only edit characters before the first occurrence of this character (the
    ``"@"`` of an e-mail).  The first character is hit less often than the rest, as in real
    data entry.
    """
    out = values.copy()
    sel = np.flatnonzero(hit(values, rng, rate))
    if len(sel) == 0:
        return out
    sub = values[sel].astype(str)
    width = sub.dtype.itemsize // 4 + 1
    codes = sub.astype(f"<U{width}").view(np.uint32).reshape(len(sel), width).copy()
    length = (codes != 0).sum(axis=1)
    limit = length
    if before is not None:
        found = codes == ord(before)
        limit = np.where(found.any(axis=1), found.argmax(axis=1), length)
    k = len(sel)
    op = rng.integers(0, 4, k)
    span = np.maximum(limit - (op == 3), 1)
    pos = np.where(rng.random(k) < 0.9, 1 + (rng.random(k) * (span - 1)).astype(np.int64), 0)
    pos = np.minimum(pos, span - 1)
    letter = rng.integers(ord("a"), ord("z") + 1, k).astype(np.uint32)
    rows = np.arange(k)
    at = codes[rows, pos]
    upper = (at >= ord("A")) & (at <= ord("Z"))
    letter = np.where(upper, letter - 32, letter).astype(np.uint32)
    base = np.where(upper, ord("A"), ord("a")).astype(np.uint32)
    letter = np.where(letter == at, base + (letter - base + 1) % 26, letter).astype(np.uint32)
    col = np.arange(width)
    new = codes.copy()
    ok = limit >= 2
    m = ok & (op == 0)
    new[rows[m], pos[m]] = letter[m]
    m = ok & (op == 1)
    src = np.minimum(np.where(col >= pos[m, None], col + 1, col), width - 1)
    shifted = np.take_along_axis(codes[m], src, axis=1)
    shifted[:, -1] = 0
    new[m] = shifted
    m = ok & (op == 2)
    src = np.where(col > pos[m, None], col - 1, col)
    shifted = np.take_along_axis(codes[m], src, axis=1)
    shifted[np.arange(int(m.sum())), pos[m]] = letter[m]
    new[m] = shifted
    m = ok & (op == 3)
    a, b = codes[rows[m], pos[m]], codes[rows[m], pos[m] + 1]
    new[rows[m], pos[m]] = b
    new[rows[m], pos[m] + 1] = a
    out[sel] = new.view(f"<U{width}").ravel().astype(object)
    return out


def change_case(
    values: ObjArray, rng: np.random.Generator, *, upper: float = 0.0, lower: float = 0.0
) -> ObjArray:
    """Upper-case about ``upper`` and lower-case about ``lower`` of the values."""
    out = values.copy()
    draw = rng.random(len(values))
    present = pd.notna(values)
    for mask, method in (
        (present & (draw < upper), "upper"),
        (present & (draw >= upper) & (draw < upper + lower), "lower"),
    ):
        if mask.any():
            out[mask] = getattr(pd.Series(values[mask], dtype=object).str, method)().to_numpy(
                dtype=object
            )
    return out


def strip_accents(values: ObjArray, rng: np.random.Generator, rate: float) -> ObjArray:
    """Fold accented letters to ASCII (``"José"`` -> ``"Jose"``) in about ``rate`` of values."""
    out = values.copy()
    mask = hit(values, rng, rate)
    if mask.any():
        sub = pd.Series(values[mask], dtype=object)
        table = {u: anyascii(u) for u in sub.unique() if not u.isascii()}
        if table:
            out[mask] = sub.map(lambda v: table.get(v, v)).to_numpy(dtype=object)
    return out


_STREET_ABBREVIATIONS = {
    "Road": "Rd",
    "Street": "St",
    "Avenue": "Ave",
    "Lane": "Ln",
    "Drive": "Dr",
    "Close": "Cl",
    "Crescent": "Cres",
    "Gardens": "Gdns",
    "Terrace": "Terr",
    "Place": "Pl",
    "Court": "Ct",
}
_STREET_RE = re.compile(r"\b(" + "|".join(_STREET_ABBREVIATIONS) + r")\b")


def abbreviate_street(values: ObjArray, rng: np.random.Generator, rate: float) -> ObjArray:
    """Abbreviate the street type (``"Road"`` -> ``"Rd"``) in about ``rate`` of values."""
    out = values.copy()
    mask = hit(values, rng, rate)
    if mask.any():
        sub = pd.Series(values[mask], dtype=object)
        out[mask] = sub.str.replace(
            _STREET_RE, lambda m: _STREET_ABBREVIATIONS[m.group(1)], regex=True
        ).to_numpy(dtype=object)
    return out


def postcode_variants(values: ObjArray, rng: np.random.Generator, rate: float) -> ObjArray:
    """Write about ``rate`` of postcodes without their space, in lower case or both."""
    out = values.copy()
    mask = hit(values, rng, rate)
    style = rng.integers(0, 3, len(values))
    for k in range(3):
        m = mask & (style == k)
        if not m.any():
            continue
        sub = pd.Series(values[m], dtype=object)
        if k == 0:
            sub = sub.str.replace(" ", "", regex=False)
        elif k == 1:
            sub = sub.str.lower()
        else:
            sub = sub.str.replace(" ", "", regex=False).str.lower()
        out[m] = sub.to_numpy(dtype=object)
    return out


#: Phone styles: 0 "07700 900123", 1 "07700900123", 2 "+44 7700 900123", 3 "+447700900123",
#: 4 "(07700) 900-123", 5 "0044 7700 900123", 6 "447700900123", 7 "07700-900123".
PHONE_STYLES = 8


def _grouped(s: pd.Series[Any], area: int) -> pd.Series[Any]:
    if area == 3:
        return s.str[:3] + " " + s.str[3:7] + " " + s.str[7:]
    if area == 4:
        return s.str[:4] + " " + s.str[4:7] + " " + s.str[7:]
    return s.str[:area] + " " + s.str[area:]


def format_phones(
    national: ObjArray, area: npt.NDArray[np.int64], style: npt.NDArray[np.int64]
) -> ObjArray:
    """Write national numbers (``"07700900123"``) in the given ``style`` (see PHONE_STYLES)."""
    out = national.copy()
    present = pd.notna(national)
    for a in np.unique(area[present]):
        for k in range(PHONE_STYLES):
            m = present & (area == a) & (style == k)
            if not m.any() or k == 1:
                continue
            s = pd.Series(national[m], dtype=object)
            a_ = int(a)
            if k == 0:
                r = _grouped(s, a_)
            elif k == 2:
                r = "+44 " + _grouped(s, a_).str[1:]
            elif k == 3:
                r = "+44" + s.str[1:]
            elif k == 4:
                cut = a_ + (4 if a_ == 3 else 3)
                r = "(" + s.str[:a_] + ") " + s.str[a_:cut] + "-" + s.str[cut:]
            elif k == 5:
                r = "0044 " + _grouped(s, a_).str[1:]
            elif k == 6:
                r = "44" + s.str[1:]
            else:
                r = s.str[:a_] + "-" + s.str[a_:]
            out[m] = r.to_numpy(dtype=object)
    return out


def format_times(times: npt.NDArray[np.datetime64], style: str) -> ObjArray:
    """Write times (datetime64[s]) as ``"iso"`` ("2023-04-05 13:22:10"), ``"isoz"``
    ("2023-04-05T13:22:10Z"), ``"offset"`` ("2023-04-05T13:22:10+00:00") or ``"minutes"``
    ("2023-04-05 13:22")."""
    text = pd.Series(np.datetime_as_string(times.astype("datetime64[s]"), unit="s"), dtype=object)
    if style == "iso":
        result = text.str.replace("T", " ", regex=False)
    elif style == "isoz":
        result = text + "Z"
    elif style == "offset":
        result = text + "+00:00"
    elif style == "minutes":
        result = text.str[:10] + " " + text.str[11:16]
    else:
        raise ValueError(f"unknown time style {style!r}")
    return result.to_numpy(dtype=object)


def format_dates(dates: npt.NDArray[np.datetime64], dmy: BoolArray) -> ObjArray:
    """Write dates as ISO ``"1985-03-07"``, or ``"07/03/1985"`` (day first) where ``dmy``."""
    text = pd.Series(np.datetime_as_string(dates.astype("datetime64[D]")), dtype=object)
    out = text.to_numpy(dtype=object, copy=True)
    if dmy.any():
        t = text[dmy]
        out[dmy] = (t.str[8:10] + "/" + t.str[5:7] + "/" + t.str[:4]).to_numpy(dtype=object)
    return out


def swap_day_month(dates: npt.NDArray[np.datetime64], mask: BoolArray) -> Any:
    """Swap day and month (the US/UK mix-up) where ``mask`` and the day is at most 12."""
    d = dates.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    day = (d - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    month = month_start.astype(np.int64) % 12 + 1
    year_start = d.astype("datetime64[Y]").astype("datetime64[M]")
    swap = mask & (day <= 12) & (day != month)
    swapped = (year_start + (day - 1)).astype("datetime64[D]") + (month - 1)
    return np.where(swap, swapped, d)
