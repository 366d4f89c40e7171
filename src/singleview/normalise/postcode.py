"""Postcodes: canonical spacing and validation for GB, five-digit ZIPs for the US."""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow.compute as pc

from singleview.normalise._distinct import (
    PYTHON_SPACE,
    Cleaned,
    arrow_mask,
    arrow_text,
    as_text,
    blank_mask,
    cleaned,
    factorize,
    from_arrow,
    python_strip,
    python_upper,
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
_PLACEHOLDER_RE2 = rf"^(?:[0X{PYTHON_SPACE}-]+|ZZ99 ?9ZZ)$"


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
    # Arrow string kernels on the distinct texts; case as Python's str.upper maps it.
    text = arrow_text(raw)
    blank = blank_mask(text)
    upper = python_upper(text)
    spaced = pc.fill_null(
        pc.utf8_trim(pc.replace_substring_regex(upper, "[^A-Z0-9]+", " "), " "), ""
    )
    width = _NUMERIC_WIDTH.get(code or "")
    if width is not None:
        length = pc.utf8_length(spaced)
        short = pc.and_(
            pc.match_substring_regex(spaced, "^[0-9]+$"),
            pc.and_(pc.greater_equal(length, width - 2), pc.less_equal(length, width - 1)),
        )
        spaced = pc.if_else(short, pc.utf8_lpad(spaced, width, "0"), spaced)

    stripped = python_strip(upper)
    placeholder = ~blank & (
        placeholder_mask(raw, fold_distinct(raw))
        | arrow_mask(pc.match_substring_regex(stripped, _PLACEHOLDER_RE2))
    )
    compact = pc.replace_substring(spaced, " ", "")
    if code == "US":
        values = from_arrow(pc.struct_field(pc.extract_regex(compact, rf"^{_US}$"), "zip"))
    else:
        parts = pc.extract_regex(compact, rf"^{_GB}$")
        british = from_arrow(
            pc.binary_join_element_wise(
                pc.struct_field(parts, "out"), pc.struct_field(parts, "in"), " "
            )
        )
        if code == "GB":
            values = british
        else:
            values = from_arrow(spaced)
            known = ~pd.isna(british)
            values[known] = british[known]
    found = ~pd.isna(values) & (values != "")
    invalid = ~blank & ~placeholder & ~found
    values[blank | placeholder | invalid] = None
    reasons = reason_codes(len(raw), (placeholder, "placeholder"), (invalid, "invalid_syntax"))
    return cleaned(codes, values, reasons, s)
