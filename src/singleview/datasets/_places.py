"""UK places for the synthetic population: cities, postcodes, streets and telephone ranges.

Every generated postcode has a valid UK shape (``"LS6 2AB"``, ``"SW11 4QD"``) built from a
real postcode area of its city.  Telephone numbers are drawn only from ranges that
``phonenumbers.is_valid_number(..., "GB")`` accepts: mobiles ``07[1-58]`` + 8 digits, and
landlines from each city's own area code with the local first digits in use there (the
Ofcom "drama" ranges such as 07700 900xxx are *not* valid numbers, so they are avoided).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "CITIES",
    "EMAIL_DOMAINS",
    "EMAIL_DOMAIN_WEIGHTS",
    "INWARD_LETTERS",
    "MOBILE_THIRD_DIGITS",
    "STREET_STEMS",
    "STREET_TYPES",
    "WORK_DOMAINS",
    "City",
    "digits",
    "int_strings",
    "padded",
]


@dataclass(frozen=True)
class City:
    """A city: postcode districts ``area + lo..hi``, its phone area code and local digits."""

    name: str
    districts: tuple[tuple[str, int, int], ...]
    dial_code: str  # national prefix of its landlines, e.g. "0113" or "02380"
    area_len: int  # digits of the area code when written ("023 8012 3456" -> 3)
    local_first: str  # first digits after dial_code that are in use (valid numbers)
    weight: float  # relative population


# fmt: off
CITIES: tuple[City, ...] = (
    City("London", (("E", 1, 18), ("N", 1, 22), ("SE", 1, 28), ("SW", 2, 20), ("W", 2, 14),
                    ("NW", 1, 11)), "020", 3, "378", 9.0),
    City("Birmingham", (("B", 1, 48),), "0121", 4, "234567", 1.1),
    City("Manchester", (("M", 1, 35),), "0161", 4, "23456789", 0.8),
    City("Leeds", (("LS", 1, 29),), "0113", 4, "23458", 0.8),
    City("Glasgow", (("G", 1, 53),), "0141", 4, "23456789", 0.6),
    City("Sheffield", (("S", 1, 36),), "0114", 4, "2345", 0.55),
    City("Edinburgh", (("EH", 1, 55),), "0131", 4, "2345678", 0.5),
    City("Liverpool", (("L", 1, 40),), "0151", 4, "23456789", 0.5),
    City("Bristol", (("BS", 1, 41),), "0117", 4, "2349", 0.47),
    City("Leicester", (("LE", 1, 19),), "0116", 4, "234", 0.36),
    City("Cardiff", (("CF", 10, 24),), "029", 3, "2", 0.36),
    City("Coventry", (("CV", 1, 6),), "02476", 3, "23456789", 0.35),
    City("Belfast", (("BT", 1, 17),), "028", 3, "9", 0.34),
    City("Nottingham", (("NG", 1, 25),), "0115", 4, "26789", 0.33),
    City("Newcastle upon Tyne", (("NE", 1, 66),), "0191", 4, "23456789", 0.3),
    City("Brighton", (("BN", 1, 3),), "01273", 5, "23456789", 0.28),
    City("Hull", (("HU", 1, 17),), "01482", 5, "23456789", 0.26),
    City("Plymouth", (("PL", 1, 9),), "01752", 5, "23456789", 0.26),
    City("Derby", (("DE", 1, 24),), "01332", 5, "23456789", 0.26),
    City("Southampton", (("SO", 14, 19),), "02380", 3, "23456789", 0.25),
    City("Portsmouth", (("PO", 1, 6),), "02392", 3, "23456789", 0.2),
    City("Aberdeen", (("AB", 10, 25),), "01224", 5, "23456789", 0.2),
    City("York", (("YO", 1, 32),), "01904", 5, "23456789", 0.2),
    City("Reading", (("RG", 1, 31),), "0118", 4, "2349", 0.17),
    City("Oxford", (("OX", 1, 4),), "01865", 5, "23456789", 0.16),
    City("Cambridge", (("CB", 1, 5),), "01223", 5, "23456789", 0.15),
    City("Norwich", (("NR", 1, 14),), "01603", 5, "23456789", 0.14),
)

STREET_STEMS: tuple[str, ...] = (
    "Church", "High", "Station", "Victoria", "Park", "Mill", "Manor", "School", "Green",
    "Queens", "Kings", "Albert", "Windsor", "York", "Oak", "Elm", "Cedar", "Beech", "Willow",
    "Meadow", "Springfield", "Richmond", "Chapel", "North", "South", "West", "New",
    "Highfield", "Westfield", "Orchard", "Mount", "Market", "Bridge", "Brook", "Hill",
    "Forest", "Lime", "Cherry", "Rose", "Stanley", "Albion", "Alexandra", "Clarence",
    "Grosvenor", "Cambridge", "Oxford", "Nelson", "Wellington", "Marlborough", "Shakespeare",
    "Milton", "Tennyson", "Coronation", "Jubilee", "Heath", "Fairfield", "Broad", "Castle",
    "Abbey", "Priory", "St John's", "St Mary's", "Holly", "Hawthorn", "Sycamore", "Chestnut",
    "Ashford", "Belmont", "Carlton", "Devonshire", "Egerton", "Farm", "Garden", "Hall",
    "Kingsway", "Lansdowne", "Moor", "Newlands", "Osborne", "Pembroke", "Rectory", "Regent",
)
STREET_TYPES: tuple[str, ...] = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Gardens", "Crescent",
    "Place", "Grove", "Terrace", "Court", "View", "Walk",
)
# fmt: on

#: Letters used in the inward code (the "9AA" half) of a UK postcode.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: Third digits of UK mobile numbers whose whole 07x block is valid for phonenumbers.
MOBILE_THIRD_DIGITS = "123458"

EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "outlook.com",
    "icloud.com",
    "btinternet.com",
    "hotmail.com",
    "live.co.uk",
    "sky.com",
    "aol.com",
    "yahoo.com",
    "talktalk.net",
)
EMAIL_DOMAIN_WEIGHTS: tuple[float, ...] = (
    0.34,
    0.14,
    0.1,
    0.1,
    0.08,
    0.06,
    0.06,
    0.04,
    0.03,
    0.02,
    0.02,
    0.01,
)
WORK_DOMAINS: tuple[str, ...] = (
    "nhs.net",
    "barclays.com",
    "tesco.com",
    "bt.com",
    "hsbc.co.uk",
    "gov.uk",
    "ed.ac.uk",
    "leeds.ac.uk",
    "unilever.com",
    "sainsburys.co.uk",
    "aviva.com",
    "rolls-royce.com",
    "bbc.co.uk",
    "kpmg.co.uk",
    "deloitte.co.uk",
    "lloydsbanking.com",
    "network-rail.co.uk",
    "northwind-logistics.co.uk",
    "acme-engineering.co.uk",
    "brightwater.org.uk",
)


@functools.cache
def _padded(width: int) -> npt.NDArray[np.object_]:
    return np.array([str(i).zfill(width) for i in range(10**width)], dtype=object)


def int_strings(values: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """Decimal strings of non-negative integers below 10 000 (a table look-up: fast)."""
    return np.asarray(_plain()[values], dtype=object)


@functools.cache
def _plain() -> npt.NDArray[np.object_]:
    return np.array([str(i) for i in range(10_000)], dtype=object)


def digits(rng: np.random.Generator, n: int, width: int) -> npt.NDArray[np.object_]:
    """``n`` random strings of exactly ``width`` decimal digits (leading zeros kept)."""
    return padded(rng.integers(0, 10**width, n, dtype=np.int64), width)


def padded(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.object_]:
    """Non-negative integers below ``10**width`` as zero-padded strings of ``width`` digits."""
    out = np.full(len(values), "", dtype=object)
    rest = values.copy()
    while width > 0:
        w = min(width, 4)
        out = _padded(w)[rest % 10**w] + out
        rest //= 10**w
        width -= w
    return out
