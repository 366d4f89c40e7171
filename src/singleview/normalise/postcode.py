"""Postcodes: canonical spacing and validation for GB, five-digit ZIPs for the US."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from singleview.normalise._distinct import (
    Cleaned,
    as_text,
    cleaned,
    factorize,
    pick,
    reason_codes,
)
from singleview.normalise.text import fold_distinct, placeholder_mask

__all__ = ["normalise_postcode"]

logger = logging.getLogger(__name__)

# Outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA), without the space.
_GB = (
    r"(?P<out>GIR|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY]))(?P<in>[0-9][ABD-HJLNP-UW-Z]{2})"
)
_US = r"(?P<zip>[0-9]{5})(?:[ -]?[0-9]{4})?"
# Digits a numeric postcode should have; spreadsheets drop leading zeros ("0800" -> 800).
_NUMERIC_WIDTH = {"US": 5, "AU": 4}
_PLACEHOLDER = r"[0X\s-]+|ZZ99 ?9ZZ"


def normalise_postcode(s: pd.Series, country: str | None = None) -> Cleaned:
    """Upper-case postcodes with canonical spacing for ``country``.

    ``"GB"`` (or ``"UK"``): validated, one space before the last three characters
    (``"sw1a1aa"`` -> ``"SW1A 1AA"``), else ``"invalid_syntax"``.  ``"US"``: the five-digit
    ZIP (ZIP+4 dropped), else ``"invalid_syntax"``.  Any other country or None: upper case,
    letters and digits separated by single spaces, except that a value which is a complete
    UK postcode gets the GB spacing (so "sw1a1aa" and "SW1A 1AA" agree when the country is
    unknown; no other country's codes have that shape).  Numeric US and AU codes that lost their
    leading zeros are padded (``800`` -> ``"0800"`` for AU).  ``"00000"``, ``"XXX"``,
    ``"unknown"`` and the like are ``"placeholder"``.
    """
    code = None if country is None else country.strip().upper()
    code = "GB" if code == "UK" else code
    codes, distinct = factorize(s)
    raw = as_text(distinct)
    texts = pd.Series(raw, dtype=object)
    blank = np.asarray(texts.isna() | (texts.str.strip() == ""), dtype=bool)
    spaced = texts.str.upper().str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip().fillna("")
    width = _NUMERIC_WIDTH.get(code or "")
    if width is not None:
        short = spaced.str.fullmatch(r"[0-9]+") & spaced.str.len().between(width - 2, width - 1)
        spaced = pick(short, spaced.str.zfill(width), spaced)

    placeholder = ~blank & (
        placeholder_mask(raw, fold_distinct(raw))
        | texts.str.upper().str.strip().str.fullmatch(_PLACEHOLDER, na=False).to_numpy(bool)
    )
    compact = spaced.str.replace(" ", "", regex=False)
    if code == "GB":
        parts = compact.str.extract(rf"^{_GB}$")
        values = (parts["out"] + " " + parts["in"]).to_numpy(dtype=object, copy=True)
    elif code == "US":
        values = compact.str.extract(rf"^{_US}$")["zip"].to_numpy(dtype=object, copy=True)
    else:
        values = spaced.to_numpy(dtype=object, copy=True)
        parts = compact.str.extract(rf"^{_GB}$")
        british = parts["out"].notna().to_numpy(dtype=bool)
        values[british] = (parts["out"] + " " + parts["in"]).to_numpy(dtype=object)[british]
    found = ~pd.isna(values) & (values != "")
    invalid = ~blank & ~placeholder & ~found
    values[blank | placeholder | invalid] = None
    reasons = reason_codes(len(raw), (placeholder, "placeholder"), (invalid, "invalid_syntax"))
    return cleaned(codes, values, reasons, s)
