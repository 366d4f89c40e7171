"""Contact details for the synthetic population: addresses, phone numbers and e-mails.

Everything is drawn in arrays.  Phone numbers and e-mail addresses are unique across the
whole population (a shared one is always deliberate: a household landline, a store's
receipt address, a placeholder), and phone numbers come only from valid UK ranges.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from anyascii import anyascii

from singleview.datasets import _noise, _places

__all__ = [
    "addresses",
    "draw_cities",
    "fold_names",
    "landlines",
    "mobiles",
    "personal_emails",
    "unique_emails",
    "unique_ints",
    "work_emails",
]

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]


def _pick(values: tuple[str, ...], index: IntArray) -> ObjArray:
    return np.asarray(values, dtype=object)[index]


def unique_ints(rng: np.random.Generator, high: Any, n: int) -> IntArray:
    """``n`` distinct random integers, entry ``i`` in ``[0, high[i])`` (or ``[0, high)``)."""
    highs = np.broadcast_to(np.asarray(high, dtype=np.int64), (n,))
    out = rng.integers(0, highs)
    for _ in range(100):
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        out[dup] = rng.integers(0, highs[dup])
    return np.asarray(out, dtype=np.int64)


def draw_cities(rng: np.random.Generator, n: int) -> IntArray:
    """Random city indices into ``_places.CITIES``, weighted by population."""
    weights = np.array([c.weight for c in _places.CITIES])
    return rng.choice(len(weights), n, p=weights / weights.sum())


@functools.cache
def _districts() -> tuple[ObjArray, IntArray]:
    names: list[str] = []
    offsets = [0]
    for c in _places.CITIES:
        names.extend(f"{a}{k}" for a, lo, hi in c.districts for k in range(lo, hi + 1))
        offsets.append(len(names))
    return np.asarray(names, dtype=object), np.asarray(offsets, dtype=np.int64)


def addresses(rng: np.random.Generator, city: IntArray) -> dict[str, ObjArray]:
    """One random address per entry of ``city``: ``address``, ``flat``, ``city``, ``postcode``."""
    n = len(city)
    names, off = _districts()
    pick = off[city] + (rng.random(n) * np.diff(off)[city]).astype(np.int64)
    letters = np.asarray(list(_places.INWARD_LETTERS), dtype=object)
    inward = _places.digits(rng, n, 1) + letters[rng.integers(0, 20, n)]
    postcode = names[pick] + " " + inward + letters[rng.integers(0, 20, n)]
    stems, types = _places.STREET_STEMS, _places.STREET_TYPES
    street = _pick(stems, rng.integers(0, len(stems), n)) + " "
    street = street + _pick(types, rng.integers(0, len(types), n))
    number = _places.int_strings(np.minimum(rng.geometric(1 / 40, n), 400))
    flat = _noise.keep("Flat " + _places.int_strings(rng.integers(1, 30, n)), rng.random(n) < 0.15)
    return {
        "address": np.asarray(number + " " + street, dtype=object),
        "flat": np.asarray(flat, dtype=object),
        "city": _pick(tuple(c.name for c in _places.CITIES), city),
        "postcode": np.asarray(postcode, dtype=object),
    }


def landlines(rng: np.random.Generator, city: IntArray) -> tuple[ObjArray, IntArray]:
    """Distinct valid landline numbers (national form) in each ``city``, and area lengths."""
    cities = _places.CITIES
    rest = np.array([10 - len(c.dial_code) for c in cities])  # digits after the first local
    space = np.array([len(c.local_first) * 10 ** int(r) for c, r in zip(cities, rest, strict=True)])
    # distinct local parts, so numbers are distinct even across area codes
    local = unique_ints(rng, space[city], len(city))
    out = np.empty(len(city), dtype=object)
    for i, c in enumerate(cities):
        mask = city == i
        width = int(rest[i])
        first = np.asarray(list(c.local_first), dtype=object)[local[mask] // 10**width]
        out[mask] = c.dial_code + first + _places.padded(local[mask] % 10**width, width)
    area = np.array([c.area_len for c in cities], dtype=np.int64)[city]
    return out, area


def mobiles(rng: np.random.Generator, n: int) -> ObjArray:
    """``n`` distinct valid UK mobile numbers in national form (``07xxxxxxxxx``)."""
    value = unique_ints(rng, len(_places.MOBILE_THIRD_DIGITS) * 10**8, n)
    third = np.asarray(list(_places.MOBILE_THIRD_DIGITS), dtype=object)[value // 10**8]
    return np.asarray("07" + third + _places.padded(value % 10**8, 8), dtype=object)


def fold_names(names: tuple[str, ...]) -> ObjArray:
    """Lower-case ASCII letters only (``"O'Brien"`` -> ``"obrien"``), for e-mail addresses."""
    return np.array(
        ["".join(ch for ch in anyascii(name).lower() if ch.isalpha()) for name in names],
        dtype=object,
    )


def personal_emails(
    rng: np.random.Generator, first: ObjArray, last: ObjArray, year: IntArray
) -> ObjArray:
    """Personal e-mails built the ways people pick them: name parts, a number, a domain."""
    n = len(first)
    pattern = rng.choice(6, n, p=[0.32, 0.18, 0.14, 0.1, 0.14, 0.12])
    local = np.empty(n, dtype=object)
    for k in range(6):
        m = pattern == k
        f, s = first[m], last[m]
        if k == 0:
            local[m] = f + "." + s
        elif k == 1:
            local[m] = f + s
        elif k == 2:
            local[m] = pd.Series(f, dtype=object).str[0].to_numpy(dtype=object) + "." + s
        elif k == 3:
            local[m] = f + "_" + s
        elif k == 4:
            local[m] = f + pd.Series(s, dtype=object).str[0].to_numpy(dtype=object)
        else:
            local[m] = s + "." + f
    number = rng.choice(4, n, p=[0.55, 0.2, 0.15, 0.1])
    m = number == 1
    local[m] = local[m] + _places.padded(year[m] % 100, 2)
    m = number == 2
    local[m] = local[m] + _places.int_strings(rng.integers(1, 999, int(m.sum())))
    m = number == 3
    local[m] = local[m] + _places.int_strings(year[m])
    w = np.asarray(_places.EMAIL_DOMAIN_WEIGHTS)
    domain = _pick(_places.EMAIL_DOMAINS, rng.choice(len(w), n, p=w / w.sum()))
    return np.asarray(local + "@" + domain, dtype=object)


def work_emails(rng: np.random.Generator, first: ObjArray, last: ObjArray) -> ObjArray:
    """Work e-mails: ``first.last@employer`` or ``flast@employer``."""
    n = len(first)
    initial = pd.Series(first, dtype=object).str[0].to_numpy(dtype=object)
    local = np.where(rng.random(n) < 0.7, first + "." + last, initial + last)
    domains = _places.WORK_DOMAINS
    return np.asarray(local + "@" + _pick(domains, rng.integers(0, len(domains), n)), dtype=object)


def unique_emails(values: ObjArray, rng: np.random.Generator) -> ObjArray:
    """Make non-null e-mails distinct by adding a number to repeated local parts."""
    out = values.copy()
    for _ in range(50):
        ser = pd.Series(out, dtype=object)
        dup = (ser.duplicated() & ser.notna()).to_numpy()
        if not dup.any():
            break
        parts = ser[dup].str.partition("@")
        number = _places.int_strings(rng.integers(1, 9999, int(dup.sum())))
        out[dup] = parts[0].to_numpy(dtype=object) + number + "@" + parts[2].to_numpy(dtype=object)
    return out
