from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from singleview.errors import ConfigError
from singleview.normalise import normalise_phone
from singleview.normalise.phone import _digits

GB_MOBILE = "+447911123456"


@pytest.mark.parametrize(
    "raw",
    [
        "07911 123456",
        "(07911) 123-456",
        "+44 (0)7911 123456",
        "0044 7911 123456",
        "447911123456",
        447911123456.0,
        447911123456,
        "07911 123456 x123",
        "07911 123456 ext. 12",
    ],
)
def test_gb_formats(raw: object) -> None:
    out = normalise_phone(pd.Series([raw], dtype=object), "GB")
    assert out.values.tolist() == [GB_MOBILE]
    assert out.reasons.tolist() == [None]


def test_reasons() -> None:
    cases = {
        "Number withheld": "withheld",
        "PRIVATE": "withheld",
        "0000000000": "placeholder",
        "1111111111": "placeholder",
        "1234567890": "placeholder",
        "0123456789": "placeholder",
        "12345": "placeholder",
        "n/a": "placeholder",
        "call me": "invalid_number",
        "07700 900123": "invalid_number",  # Ofcom drama range: not a valid number
        "0791112": "invalid_number",
    }
    out = normalise_phone(pd.Series(list(cases)), "GB")
    assert out.values.isna().all()
    assert out.reasons.tolist() == list(cases.values())


def test_no_region() -> None:
    s = pd.Series(["07911 123456", "+1 202 555 0123", "447911123456", "", None])
    out = normalise_phone(s, None)
    assert out.values.tolist() == [None, "+12025550123", GB_MOBILE, None, None]
    assert out.reasons.tolist() == ["no_region", None, None, None, None]


def test_other_region_and_index() -> None:
    s = pd.Series(["0412 345 678", "(02) 9876 5432"], index=["x", "y"], name="phone")
    out = normalise_phone(s, "au")
    assert out.values.tolist() == ["+61412345678", "+61298765432"]
    assert out.values.index.tolist() == ["x", "y"]
    assert s.tolist() == ["0412 345 678", "(02) 9876 5432"]


def test_bad_region_is_config_error() -> None:
    with pytest.raises(ConfigError):
        normalise_phone(pd.Series(["1"]), "XX")


def test_all_missing_and_empty() -> None:
    out = normalise_phone(pd.Series([None, None], dtype=object), "GB")
    assert out.values.tolist() == [None, None]
    assert out.reasons.tolist() == [None, None]
    assert len(normalise_phone(pd.Series([], dtype=object), "GB").values) == 0


def test_repeated_values_parse_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import phonenumbers

    calls: list[str] = []
    real_parse = phonenumbers.parse

    def counting_parse(number: str, region: str | None = None) -> object:
        calls.append(number)
        return real_parse(number, region)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    # A US number in a GB source is not the region's own: phonenumbers parses it, once.
    s = pd.Series(["+1 212 555 0123", "+1 (212) 555-0123", "+12125550123"] * 1000)
    assert normalise_phone(s, "GB").values.eq("+12125550123").all()
    assert len(calls) == 1


@pytest.mark.parametrize("region", ["GB", "US", "FR", "DE", "AU", "IE", "NL", "IT"])
def test_bulk_reading_agrees_with_phonenumbers(region: str) -> None:
    """The metadata fast path gives what one phonenumbers.parse per number gives."""
    import numpy as np
    import phonenumbers

    from singleview.normalise.phone import _fast_e164, _parse_keys

    rng = np.random.default_rng(7)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    keys = []
    for _ in range(3000):
        digits = "".join(map(str, rng.integers(0, 10, size=int(rng.integers(5, 13)))))
        shape = int(rng.integers(0, 4))
        prefix = metadata.national_prefix or ""
        keys.append(
            [
                prefix + digits,
                f"+{metadata.country_code}{digits}",
                digits,
                f"{metadata.country_code}{digits}",  # E.164 that lost its "+"
            ][shape]
        )
    for kind in ("mobile", "fixed_line"):  # real examples, in both shapes
        example = phonenumbers.example_number_for_type(
            region, getattr(phonenumbers.PhoneNumberType, kind.upper())
        )
        if example is not None:
            nsn = phonenumbers.national_significant_number(example)
            keys += [
                f"{metadata.national_prefix or ''}{nsn}",
                f"+{metadata.country_code}{nsn}",
                f"{metadata.country_code}{nsn}",
            ]
    fast = _fast_e164(np.asarray(keys, dtype=object), region)
    decided = [i for i, v in enumerate(fast) if v is not None]
    if region != "IT":  # no national prefix: everything goes to phonenumbers
        assert len(decided) > 0
    slow = _parse_keys([keys[i] for i in decided], region)
    for i in decided:
        assert fast[i] == slow[keys[i]], keys[i]
    # E.164 numbers that lost their "+" are read here too, not parsed one by one (not
    # where the national prefix is the country code, "1" in the US, or there is none).
    if region not in ("IT", "US"):
        cc, prefix = str(metadata.country_code), metadata.national_prefix
        assert any(
            v is not None and keys[i].startswith(cc) and not keys[i].startswith(prefix)
            for i, v in enumerate(fast)
        )


# Characters where Arrow's regular expressions (RE2) and Python's differ unless spelt
# out: Unicode spaces and digits, the control characters Python counts as space, case.
_TRICKY = " \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2007\u2028\u3000\u200b٣０(0)+#xXeEtTnsio.-1234567890"


def _digits_as_python_reads_them(raw: list[str | None]) -> tuple[list, list, list]:
    """The slow, obvious definition: Python's ``re`` on each value, as the cleaning did
    before it moved to Arrow."""
    import re

    blank, international, digits = [], [], []
    for text in raw:
        if text is None:
            blank.append(True)
            international.append(False)
            digits.append("")
            continue
        blank.append(text.strip() == "")
        main = re.sub(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$", "", text.replace("(0)", ""))
        intl = re.search(r"^[\s(]*(?:\+|00)", main) is not None
        found = re.sub(r"\D", "", main)
        international.append(intl)
        digits.append(found[2:] if intl and found.startswith("00") else found)
    return blank, international, digits


@given(st.lists(st.one_of(st.none(), st.text(alphabet=_TRICKY, max_size=16)), max_size=30))
def test_digits_are_those_python_regular_expressions_find(raw: list[str | None]) -> None:
    values = np.empty(len(raw), dtype=object)
    values[:] = raw
    blank, international, digits = _digits(values)
    expected = _digits_as_python_reads_them(raw)
    assert blank.tolist() == expected[0]
    assert international.tolist() == expected[1]
    assert digits.to_pylist() == expected[2]


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("\u3000+44 7911 123456 EXT 12\n", "447911123456"),
        ("00 44 (0)7911 123456 x9", "447911123456"),
        ("٠٧٩١١ ١٢٣٤٥٦", "٠٧٩١١١٢٣٤٥٦"),  # Arabic-Indic digits are digits to Python too
    ],
)
def test_digits_of_unusual_spellings(raw: str, digits: str) -> None:
    assert _digits(np.array([raw], dtype=object))[2].to_pylist() == [digits]


@pytest.mark.parametrize("raw", ["07911١٢٣٤٥٦", "+447911１２３４５６", "٠٧٩١١١٢٣٤٥٦"])
def test_numbers_with_other_digits_come_out_in_ascii(raw: str) -> None:
    """Arabic-Indic or full-width digits, whole or in part, end as the same E.164 number
    (the bulk path leaves them to phonenumbers, which folds them)."""
    assert normalise_phone(pd.Series([raw]), "GB").values.tolist() == ["+447911123456"]
