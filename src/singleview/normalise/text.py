"""Generic text cleaning: folding, placeholders, gender, country and joining columns."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from singleview.errors import ConfigError, SchemaError
from singleview.normalise._countries import COUNTRY_ALIASES
from singleview.normalise._distinct import (
    Cleaned,
    arrow_mask,
    arrow_text,
    as_text,
    cleaned,
    expand,
    factorize,
    from_arrow,
    object_array,
    pick,
    reason_codes,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

__all__ = [
    "PLACEHOLDERS",
    "clean_text",
    "fold",
    "fold_distinct",
    "join_parts",
    "normalise_country",
    "normalise_gender",
    "placeholder_mask",
]

logger = logging.getLogger(__name__)

#: Values that mean "no value", in lower case.  Raw text is compared after lower-casing and
#: collapsing whitespace, and again after :func:`fold`, so both ``"n/a"`` and ``"n a"`` count.
PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "unknown",
        "unkown",
        "unk",
        "n/a",
        "n a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "nan",
        "nat",
        "-",
        "--",
        "---",
        ".",
        "?",
        "??",
        "???",
        "test",
        "testing",
        "xxx",
        "xx",
        "xxxx",
        "zzz",
        "tbc",
        "tba",
        "tbd",
        "not known",
        "notknown",
        "not provided",
        "not given",
        "not applicable",
        "not available",
        "not stated",
        "not specified",
        "unspecified",
        "no name",
        "noname",
        "anonymous",
        "anon",
        "dummy",
        "blank",
        "empty",
        "missing",
        "refused",
        "declined",
        "0",
        "00",
        "000",
        "void",
        "undefined",
    }
)

_GENDERS: dict[str, str] = {
    **dict.fromkeys(("m", "male", "man", "mr", "boy", "masculine"), "m"),
    **dict.fromkeys(("f", "female", "woman", "mrs", "ms", "miss", "girl", "feminine"), "f"),
    **dict.fromkeys(
        (
            "x",
            "other",
            "non binary",
            "nonbinary",
            "nb",
            "enby",
            "genderqueer",
            "gender fluid",
            "genderfluid",
            "agender",
            "mx",
            "diverse",
        ),
        "x",
    ),
}
_GENDER_PLACEHOLDERS = frozenset(
    {"u", "unknown", "not stated", "prefer not to say", "rather not say", "withheld"}
)

# Two letters that also spell a placeholder: "NA" is far more often "n/a" than Namibia.
_REGIONS = frozenset(r for r in phonenumbers.SUPPORTED_REGIONS if len(r) == 2) - {"NA"}


def fold_distinct(texts: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Fold an array of distinct texts (anything not text becomes None); see :func:`fold`.

    Transliteration is per value (anyascii); the rest runs as Arrow string kernels, all
    on ASCII text by then."""
    text = arrow_text(texts)
    other = np.flatnonzero(~arrow_mask(pc.string_is_ascii(text), null=True))
    if len(other):
        values = from_arrow(text)
        values[other] = [anyascii(t) for t in np.asarray(texts, dtype=object)[other]]
        text = pa.array(values, type=pa.string())
    folded = pc.ascii_lower(pc.fill_null(text, ""))
    # An apostrophe joins ("o'brien" -> "obrien"); other punctuation separates.
    folded = pc.replace_substring_regex(folded, r"['`]", "")
    folded = pc.utf8_trim(pc.replace_substring_regex(folded, r"[^a-z0-9]+", " "), " ")
    out = from_arrow(folded)
    out[out == ""] = None
    return out


def placeholder_mask(
    texts: npt.NDArray[np.object_],
    folded: npt.NDArray[np.object_],
    extra: frozenset[str] = frozenset(),
) -> npt.NDArray[np.bool_]:
    """True where a non-blank text is a placeholder, or has nothing left after folding."""
    # Lower case, whitespace runs collapsed to one space ("N/A  " -> "n/a").
    key = pc.binary_join(
        pc.utf8_split_whitespace(pc.utf8_trim_whitespace(pc.utf8_lower(arrow_text(texts)))),
        " ",
    )
    words = PLACEHOLDERS | extra
    blank = arrow_mask(pc.equal(key, ""), null=True)
    word_set = pa.array(sorted(words), type=pa.string())
    listed = arrow_mask(pc.is_in(key, value_set=word_set))
    listed = listed | np.asarray(pd.Series(folded, dtype=object).isin(words), dtype=bool)
    emptied = np.asarray(pd.isna(folded), dtype=bool)
    flagged: npt.NDArray[np.bool_] = ~blank & (listed | emptied)
    return flagged


def fold(s: pd.Series) -> pd.Series:
    """Fold text for matching: ASCII, lower case, no punctuation, single spaces.

    Non-ASCII letters are transliterated (``"Zoë"`` -> ``"zoe"``), apostrophes are removed
    (``"O'Brien"`` -> ``"obrien"``), hyphens and other punctuation become spaces, and blank
    results become None.  Numbers are written as text (``123.0`` -> ``"123"``).

    >>> fold(pd.Series(["  Zoë O'Brien-Smith "])).tolist()
    ['zoe obrien smith']
    """
    codes, distinct = factorize(s)
    return expand(codes, fold_distinct(as_text(distinct)), s)


def clean_text(s: pd.Series) -> Cleaned:
    """Fold text and null placeholders such as ``"N/A"`` or ``"unknown"`` (``"placeholder"``)."""
    codes, distinct = factorize(s)
    texts = as_text(distinct)
    folded = fold_distinct(texts)
    placeholder = placeholder_mask(texts, folded)
    folded[placeholder] = None
    reasons = reason_codes(len(folded), (placeholder, "placeholder"))
    return cleaned(codes, folded, reasons, s)


def _lookup(
    s: pd.Series,
    table: dict[str, str],
    fallback: frozenset[str],
    extra_placeholders: frozenset[str] = frozenset(),
) -> Cleaned:
    """Fold, then map through ``table``; ``fallback`` holds codes accepted as themselves."""
    codes, distinct = factorize(s)
    texts = as_text(distinct)
    folded = fold_distinct(texts)
    placeholder = placeholder_mask(texts, folded, extra_placeholders)
    keys = pd.Series(folded, dtype=object)
    mapped = keys.map(table)
    upper = keys.str.upper()
    mapped = pick(mapped.isna() & upper.isin(fallback), upper, mapped)
    values = object_array(mapped)
    found = ~pd.isna(values)
    placeholder &= ~found
    unparseable = ~found & ~placeholder & ~pd.isna(folded)
    values[placeholder | unparseable] = None
    reasons = reason_codes(len(values), (placeholder, "placeholder"), (unparseable, "unparseable"))
    return cleaned(codes, values, reasons, s)


def normalise_gender(s: pd.Series) -> Cleaned:
    """Gender as ``"m"``, ``"f"`` or ``"x"``.

    ``"Male"``/``"M"``/``"Mr"`` -> ``"m"``, ``"Female"``/``"Woman"`` -> ``"f"``,
    ``"Other"``/``"Non-binary"`` -> ``"x"``.  ``"U"``, ``"unknown"``, ``"not stated"`` are
    ``"placeholder"``; anything else is ``"unparseable"``.
    """
    return _lookup(s, _GENDERS, frozenset(), _GENDER_PLACEHOLDERS)


def normalise_country(s: pd.Series) -> Cleaned:
    """Country as an ISO 3166 alpha-2 code in upper case.

    Accepts names, alpha-3 codes and common aliases of about fifty countries (``"United
    Kingdom"``, ``"UK"``, ``"GBR"``, ``"England"`` -> ``"GB"``) and any two-letter region
    code known to ``phonenumbers``.  ``"NA"`` is read as "n/a" (``"placeholder"``), not
    Namibia.  Anything else is ``"unparseable"``.
    """
    return _lookup(s, COUNTRY_ALIASES, _REGIONS)


def join_parts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Join several raw columns in order with one space, skipping missing and blank parts.

    Parts are stripped but otherwise kept as they are; a row with no part is None.

    >>> frame = pd.DataFrame({"a": ["1 High St", None], "b": [" Flat 2", None]})
    >>> join_parts(frame, ["a", "b"]).tolist()
    ['1 High St Flat 2', None]
    """
    if not columns:
        raise ConfigError("join_parts needs at least one column to join.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"join_parts: columns not in the frame: {missing}.")
    joined: npt.NDArray[np.object_] | None = None
    for column in columns:
        codes, distinct = factorize(frame[column])
        stripped = pd.Series(as_text(distinct), dtype=object).str.strip()
        part = expand(codes, pick(stripped != "", stripped, None), frame[column]).to_numpy(
            copy=True
        )
        if joined is None:
            joined = part
            continue
        has_joined = ~pd.isna(joined)
        has_part = ~pd.isna(part)
        both = has_joined & has_part
        joined[both] = joined[both] + " " + part[both]
        joined[~has_joined & has_part] = part[~has_joined & has_part]
    assert joined is not None
    return pd.Series(joined, index=frame.index, dtype=object)
