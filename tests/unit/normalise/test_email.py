from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from singleview.normalise import email_key, normalise_email


def test_normalise_email_valid_and_reasons() -> None:
    cases = {
        " Bob@Example.co.uk ": ("bob@example.co.uk", None),
        "mailto:Jo@X.com": ("jo@x.com", None),
        "test@test.com": (None, "placeholder"),
        "a@a.com": (None, "placeholder"),
        "noreply@shop.com": (None, "placeholder"),
        "no-reply@shop.com": (None, "placeholder"),
        "nobody@shop.com": (None, "placeholder"),
        "anyone@example.org": (None, "placeholder"),
        "n/a": (None, "placeholder"),
        "bad@": (None, "invalid_syntax"),
        "@x.com": (None, "invalid_syntax"),
        "a b@x.com": (None, "invalid_syntax"),
        "a@b@x.com": (None, "invalid_syntax"),
        "a@x.c": (None, "invalid_syntax"),
        "a@x": (None, "invalid_syntax"),
        "a@-x.com": (None, "invalid_syntax"),
        "": (None, None),
    }
    s = pd.Series(list(cases), index=range(100, 100 + len(cases)))
    out = normalise_email(s)
    assert list(zip(out.values, out.reasons, strict=True)) == list(cases.values())
    assert out.values.index.equals(s.index)


def test_normalise_email_missing_and_mixed() -> None:
    s = pd.Series([None, float("nan"), 42, "x@y.io"], dtype=object)
    out = normalise_email(s)
    assert out.values.tolist() == [None, None, None, "x@y.io"]
    assert out.reasons.tolist() == [None, None, "invalid_syntax", None]


def test_normalise_email_does_not_mutate_and_empty() -> None:
    s = pd.Series([" A@B.COM "])
    normalise_email(s)
    assert s.tolist() == [" A@B.COM "]
    out = normalise_email(pd.Series([], dtype=object))
    assert len(out.values) == 0
    assert len(out.reasons) == 0


def test_email_key() -> None:
    s = pd.Series(
        ["bob+news@x.com", "j.smith+a@googlemail.com", "J.S@gmail.com", "+a@x.com", None],
        index=list("abcde"),
    )
    out = email_key(s)
    assert out.tolist() == ["bob@x.com", "jsmith@gmail.com", "JS@gmail.com", "+a@x.com", None]
    assert out.index.tolist() == list("abcde")


@given(st.lists(st.one_of(st.none(), st.emails(), st.text(max_size=20))))
def test_email_key_idempotent(values: list[str | None]) -> None:
    once = email_key(pd.Series(values, dtype=object))
    assert email_key(once).tolist() == once.tolist()
