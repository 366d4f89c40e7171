from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from singleview.normalise import normalise_postcode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("ec1a-1bb", "EC1A 1BB"),
        ("m11ae", "M1 1AE"),
        ("W1A 0AX", "W1A 0AX"),
        ("DN55 1PT", "DN55 1PT"),
        ("cr26xh", "CR2 6XH"),
    ],
)
def test_gb_valid(raw: str, expected: str) -> None:
    out = normalise_postcode(pd.Series([raw]))
    assert out.values.tolist() == [expected]
    assert out.reasons.tolist() == [None]


def test_gb_reasons() -> None:
    s = pd.Series(["QQ1 1AA", "12345", "SW1A 1A", "00000", "XXX", "unknown", "n/a", "", None])
    out = normalise_postcode(s, "GB")
    assert out.values.isna().all()
    assert out.reasons.tolist() == ["invalid_syntax"] * 3 + ["placeholder"] * 4 + [None, None]


def test_us_zip() -> None:
    s = pd.Series(["90210", "90210-1234", 2134, "ABCDE", "00000"])
    out = normalise_postcode(s, "US")
    assert out.values.tolist() == ["90210", "90210", "02134", None, None]
    assert out.reasons.tolist() == [None, None, None, "invalid_syntax", "placeholder"]


def test_au_and_other_keep_leading_zeros() -> None:
    s = pd.Series([4223, "0800", 800.0, " 2000 "], index=[3, 2, 1, 0], dtype=object)
    out = normalise_postcode(s, "AU")
    assert out.values.tolist() == ["4223", "0800", "0800", "2000"]
    assert out.values.index.tolist() == [3, 2, 1, 0]
    other = normalise_postcode(pd.Series(["75008", "k1a-0b1", "0800"]), None)
    assert other.values.tolist() == ["75008", "K1A 0B1", "0800"]


def test_does_not_mutate_and_empty() -> None:
    s = pd.Series(["sw1a1aa"])
    normalise_postcode(s)
    assert s.tolist() == ["sw1a1aa"]
    out = normalise_postcode(pd.Series([], dtype=object))
    assert len(out.values) == 0


def test_unknown_country_is_generic_but_formats_uk_shapes() -> None:
    s = pd.Series(["4223", "sw1a1aa", "qq1 1aa", "2000 ", "xxx"])
    out = normalise_postcode(s)
    assert out.values.tolist() == ["4223", "SW1A 1AA", "QQ1 1AA", "2000", None]
    assert out.reasons.tolist() == [None, None, None, None, "placeholder"]


def _postcode_as_pandas_did(texts: list[str | None], code: str | None) -> list:
    """The slow, obvious definition: the cleaning written with pandas' Python-string
    methods, as it was before it moved to Arrow (values, reasons)."""
    import re

    gb = (
        r"(GIR|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
        r"|[A-HK-Y][0-9][ABEHMNPRVWXY]))([0-9][ABD-HJLNP-UW-Z]{2})"
    )
    from singleview.normalise.text import fold_distinct, placeholder_mask

    raw = np.empty(len(texts), dtype=object)
    raw[:] = texts
    marked = placeholder_mask(raw, fold_distinct(raw))
    out = []
    for text, mark in zip(texts, marked, strict=True):
        if text is None or text.strip() == "":
            out.append((None, None))
            continue
        spaced = re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip()
        width = {"US": 5, "AU": 4}.get(code or "")
        if width and re.fullmatch(r"[0-9]+", spaced) and width - 2 <= len(spaced) <= width - 1:
            spaced = spaced.zfill(width)
        if mark or re.fullmatch(r"[0X\s-]+|ZZ99 ?9ZZ", text.upper().strip()):
            out.append((None, "placeholder"))
            continue
        compact = spaced.replace(" ", "")
        british = re.fullmatch(gb, compact)
        if code == "US":
            us = re.fullmatch(r"([0-9]{5})(?:[ -]?[0-9]{4})?", compact)
            value = us.group(1) if us else None
        elif british:
            value = f"{british.group(1)} {british.group(2)}"
        else:
            value = None if code == "GB" else spaced
        out.append((value, None) if value else (None, "invalid_syntax"))
    return out


_POSTCODE_CHARS = " \t\n\x0b\x1c\x85\xa0\u2028\u3000ßﬁſıK٣-_./0123456789OXZzgirabswnASWN"


@pytest.mark.parametrize("country", [None, "GB", "US", "AU"])
@given(st.lists(st.one_of(st.none(), st.text(alphabet=_POSTCODE_CHARS, max_size=10)), max_size=25))
def test_postcodes_are_what_python_string_methods_give(
    country: str | None, texts: list[str | None]
) -> None:
    got = normalise_postcode(pd.Series(texts, dtype=object), country)
    expected = _postcode_as_pandas_did(texts, country)
    assert got.values.tolist() == [v for v, _ in expected]
    assert got.reasons.tolist() == [r for _, r in expected]
