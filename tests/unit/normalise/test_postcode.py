from __future__ import annotations

import pandas as pd
import pytest

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
