"""Phone numbers to E.164 with ``phonenumbers``, one parse per distinct number."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from singleview.errors import ConfigError
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
    object_array,
    reason_codes,
)
from singleview.normalise.text import fold_distinct, placeholder_mask

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["WITHHELD", "normalise_phone"]

logger = logging.getLogger(__name__)

#: Folded words meaning the caller hid their number.
WITHHELD: frozenset[str] = frozenset(
    {
        "withheld",
        "number withheld",
        "private",
        "private number",
        "anonymous",
        "unknown",
        "unknown number",
        "unavailable",
        "number unavailable",
        "blocked",
        "restricted",
        "hidden",
        "no caller id",
        "caller id withheld",
        "ex directory",
        "ex dir",
    }
)
# Digit runs people type when they must fill the field in.
_FAKE_DIGITS = frozenset(
    {
        "123456",
        "1234567",
        "12345678",
        "123456789",
        "1234567890",
        "12345678901",
        "0123456789",
        "01234567890",
        "987654321",
        "9876543210",
        "0987654321",
    }
)
_SPACE = f"[{PYTHON_SPACE}]"
#: An extension at the end (``ext. 12``, ``x12``, ``#12``) and a leading ``+`` or ``00``.
_EXTENSION_RE2 = rf"(?i){_SPACE}*(?:ext\.?|extension|x|#){_SPACE}*\p{{Nd}}+{_SPACE}*$"
_INTERNATIONAL_RE2 = rf"^(?:{_SPACE}|\()*(?:\+|00)"
_MIN_DIGITS = 6
# Below this many digits a number without "+" cannot also hold a country code.
_MIN_WITH_COUNTRY_CODE = 11
_E164 = phonenumbers.PhoneNumberFormat.E164


def _region_code(region: str | None) -> str | None:
    if region is None:
        return None
    code = region.strip().upper()
    code = "GB" if code == "UK" else code
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(
            f"Unknown phone region {region!r}: use an ISO 3166 alpha-2 code such as 'GB'."
        )
    return code


def _e164(number: str, region: str | None) -> str | None:
    """The number in E.164 when ``phonenumbers`` says it is valid, else None."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    # Checking the country's main region first skips a scan of every region sharing the code
    # (+44 is also GG, IM and JE); only numbers failing it pay for the full check.
    main_region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    if not (
        phonenumbers.is_valid_number_for_region(parsed, main_region)
        or phonenumbers.is_valid_number(parsed)
    ):
        return None
    return str(phonenumbers.format_number(parsed, _E164))


#: The number-type descriptions of a region's metadata; a number of any type is valid.
_TYPES = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def _fullmatch(text: pa.Array, pattern: str) -> npt.NDArray[np.bool_]:
    """Which texts the whole of ``pattern`` matches (RE2, whose ``\\d`` is ASCII only, as
    the digits ``phonenumbers`` tests are)."""
    return arrow_mask(pc.match_substring_regex(text, f"^(?:{pattern})$"))


def _matching(nsn: pa.Array, desc: object) -> npt.NDArray[np.bool_]:
    """Which national numbers fit a metadata description (its lengths and pattern), as
    ``phonenumbers`` tests them."""
    pattern = getattr(desc, "national_number_pattern", None)
    if pattern is None:
        return np.zeros(len(nsn), dtype=bool)
    ok = _fullmatch(nsn, pattern)
    lengths = tuple(getattr(desc, "possible_length", ()) or ())
    if lengths and lengths != (-1,):
        ok &= np.isin(np.asarray(pc.utf8_length(nsn).to_numpy(zero_copy_only=False)), lengths)
    return ok


def _fast_e164(keys: pa.Array | npt.NDArray[np.object_], region: str | None) -> np.ndarray:
    """E.164 for the common shapes of a region's own numbers, read with ``phonenumbers``'
    metadata in bulk (Arrow's RE2 kernels) instead of one ``parse`` per number; None where
    undecided.

    Only ``<national prefix><number>``, ``+<country code><number>`` and, 11+ digits long,
    ``<country code><number>`` (an E.164 number that lost its ``+``, which
    :func:`_parse_keys` would read the same way) are read here, and only when the number
    passes the region's own patterns (so ``phonenumbers`` would call it valid too) and no
    prefix rule could rewrite it.  The patterns' ``\\d`` is ASCII here, so a number holding
    other digits (Arabic-Indic, full-width) is left to ``phonenumbers``, which folds them.
    Everything else, and every number found invalid here, goes to ``phonenumbers.parse``
    (see :func:`_parse_keys`).
    """
    text = keys if isinstance(keys, pa.Array) else pa.array(list(keys), type=pa.string())
    out = np.full(len(text), None, dtype=object)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
    if metadata is None or not metadata.national_prefix or metadata.national_prefix_transform_rule:
        return out
    prefix, code = metadata.national_prefix, f"+{metadata.country_code}"
    national = arrow_mask(pc.starts_with(text, prefix))
    international = arrow_mask(pc.starts_with(text, code))
    length = np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False))
    bare = ~national & arrow_mask(pc.starts_with(text, code[1:]))
    bare &= length >= _MIN_WITH_COUNTRY_CODE
    if bare.any():
        # phonenumbers reads it as a national number when it is a possible one as written.
        at = np.flatnonzero(bare)
        bare[at] = ~_matching(text.take(pa.array(at)), metadata.general_desc)
    nsn = pc.if_else(
        pa.array(national),
        pc.utf8_slice_codeunits(text, len(prefix)),
        pc.if_else(
            pa.array(international),
            pc.utf8_slice_codeunits(text, len(code)),
            pc.if_else(pa.array(bare), pc.utf8_slice_codeunits(text, len(code) - 1), ""),
        ),
    )
    parsing = metadata.national_prefix_for_parsing or prefix
    candidate = (national | international | bare) & ~arrow_mask(
        pc.match_substring_regex(nsn, f"^(?:{parsing})")
    )
    candidate &= ~arrow_mask(pc.starts_with(nsn, "0")) & (
        np.asarray(pc.utf8_length(nsn).to_numpy(zero_copy_only=False)) > 0
    )
    if not candidate.any():
        return out
    subset = nsn.filter(pa.array(candidate))
    general = _matching(subset, metadata.general_desc)
    valid = np.zeros(len(subset), dtype=bool)
    for kind in _TYPES:  # most numbers are of the first types: test the rest on the rest
        todo = np.flatnonzero(general & ~valid)
        if len(todo) == 0:
            break
        valid[todo] = _matching(subset.take(pa.array(todo)), getattr(metadata, kind, None))
    found = pc.binary_join_element_wise(code, subset.filter(pa.array(valid)), "")
    out[np.flatnonzero(candidate)[valid]] = from_arrow(found)
    return out


def _digits(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Per distinct text (None: missing): blank, written internationally (``+``/``00``),
    and its digits (``""`` for none) without ``(0)``, an extension or an international
    ``00``.  Arrow string kernels; ``\\s`` and ``\\d`` are spelt as the Unicode classes
    Python's ``re`` gives them, as RE2's own are ASCII only."""
    text = arrow_text(raw)
    blank = blank_mask(text)
    main = pc.replace_substring_regex(pc.replace_substring(text, "(0)", ""), _EXTENSION_RE2, "")
    international = arrow_mask(pc.match_substring_regex(main, _INTERNATIONAL_RE2))
    digits = pc.fill_null(pc.replace_substring_regex(main, r"[^\p{Nd}]", ""), "")
    digits = pc.if_else(
        pa.array(international, type=pa.bool_()),
        pc.if_else(pc.starts_with(digits, "00"), pc.utf8_slice_codeunits(digits, 2), digits),
        digits,
    )
    return blank, international, digits


def _parse_keys(keys: list[str], region: str | None) -> dict[str, str | None]:
    """E.164 per distinct key (``"+<digits>"`` or national ``"<digits>"``); None if invalid."""
    out: dict[str, str | None] = {}
    for key in keys:
        international = key.startswith("+")
        result = (
            _e164(key, None if international else region)
            if (international or region is not None)
            else None
        )
        # "447700900123" (an E.164 number that lost its "+", often via a spreadsheet).
        if (
            result is None
            and not international
            and not key.startswith("0")
            and len(key) >= (_MIN_WITH_COUNTRY_CODE if region is None else 10)
        ):
            result = _e164("+" + key, None)
        out[key] = result
    return out


def normalise_phone(s: pd.Series, region: str | None) -> Cleaned:
    """Phone numbers in E.164 (``"+447911123456"``), keeping only valid numbers.

    ``region`` (ISO alpha-2, e.g. ``"GB"``) reads national numbers such as
    ``"07911 123456"``; international forms (``"+44 (0)7911 123456"``, ``"0044 …"``) need
    none.  Extensions are dropped.  Reasons: ``"withheld"`` ("Number withheld"),
    ``"placeholder"`` (fewer than six digits, one digit repeated, ``"123456789"``),
    ``"no_region"`` (a national number and ``region`` is None), ``"invalid_number"``.
    A run of 11+ digits without ``+`` that is valid as an international number is accepted
    as one (``447911123456`` from a spreadsheet).
    """
    region_code = _region_code(region)
    codes, distinct = factorize(s)
    raw = as_text(distinct)
    blank, international, digits = _digits(raw)
    folded = fold_distinct(raw)
    withheld = np.asarray(pd.Series(folded, dtype=object).isin(WITHHELD), dtype=bool)
    count = np.asarray(pc.utf8_length(digits).to_numpy(zero_copy_only=False), dtype=np.int64)
    one_digit = pc.binary_repeat(pc.utf8_slice_codeunits(digits, 0, 1), pa.array(count))
    fake = (
        ((count > 0) & (count < _MIN_DIGITS))
        | ((count > 1) & arrow_mask(pc.equal(one_digit, digits)))
        | arrow_mask(pc.is_in(digits, value_set=pa.array(sorted(_FAKE_DIGITS))))
    )
    placeholder = ~blank & ~withheld & (fake | placeholder_mask(raw, folded))
    skipped = blank | withheld | placeholder
    invalid = ~skipped & (count == 0)

    todo = ~skipped & ~invalid
    keys = pc.if_else(
        pa.array(international, type=pa.bool_()),
        pc.binary_join_element_wise("+", digits, ""),
        digits,
    ).filter(pa.array(todo, type=pa.bool_()))
    encoded = pc.dictionary_encode(keys)
    distinct_keys = encoded.dictionary
    per_key = _fast_e164(distinct_keys, region_code)
    slow = np.flatnonzero(pd.isna(per_key))
    slow_keys = distinct_keys.take(pa.array(slow)).to_pylist()
    per_key[slow] = object_array(_parse_keys(slow_keys, region_code).values())
    values = np.full(len(raw), None, dtype=object)
    values[todo] = per_key[np.asarray(encoded.indices.to_numpy(zero_copy_only=False))]
    failed = todo & pd.isna(values)
    no_region = failed & ~international & (region_code is None)
    invalid |= failed & ~no_region
    reasons = reason_codes(
        len(raw),
        (withheld & ~blank, "withheld"),
        (placeholder, "placeholder"),
        (no_region, "no_region"),
        (invalid, "invalid_number"),
    )
    logger.debug(
        "phone: %d distinct values, %d valid numbers", len(raw), int(pd.notna(per_key).sum())
    )
    return cleaned(codes, values, reasons, s)
