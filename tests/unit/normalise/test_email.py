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


def _email_as_pandas_did(texts: list[str | None]) -> tuple[list, list]:
    """The slow, obvious definition: Python's ``re`` with look-arounds, as the cleaning was
    written before it moved to Arrow (values, reasons)."""
    import re

    import numpy as np

    from singleview.normalise.email import _is_placeholder
    from singleview.normalise.text import fold_distinct, placeholder_mask

    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    syntax = rf"(?!\.)(?!.*\.\.)[^\s@]{{1,64}}(?<!\.)@(?:{label}\.)+[a-z]{{2,63}}"
    raw = np.empty(len(texts), dtype=object)
    raw[:] = texts
    lowered = np.empty(len(texts), dtype=object)
    lowered[:] = [
        None if t is None else re.sub(r"^mailto:\s*", "", t.strip().lower()) for t in texts
    ]
    valid = np.array(
        [t is not None and re.fullmatch(syntax, t) is not None for t in lowered], dtype=bool
    )
    made_up = _is_placeholder(lowered)
    marked = placeholder_mask(raw, fold_distinct(raw))
    blank = np.array([t is None or t.strip() == "" for t in texts], dtype=bool)
    placeholder = np.where(valid, made_up, marked)
    invalid = ~blank & ~valid & ~placeholder
    values = [
        None if blank[i] or invalid[i] or placeholder[i] else v for i, v in enumerate(lowered)
    ]
    reasons = [
        "invalid_syntax" if invalid[i] else "placeholder" if placeholder[i] else None
        for i in range(len(texts))
    ]
    return values, reasons


_EMAIL_CHARS = "aBz09.-_+@ \t\n\xa0\u3000İßK"
_texts = st.text(alphabet=_EMAIL_CHARS, max_size=14)
_addresses = st.builds(
    lambda pad, local, labels, tld: f"{pad}{local}@{'.'.join(labels)}.{tld}{pad}",
    st.sampled_from(["", " ", "\u3000", "mailto: ", "MAILTO:"]),
    st.text(alphabet="aZ0.-_+İß ", min_size=0, max_size=8),
    st.lists(st.text(alphabet="aZ0-", min_size=1, max_size=5), min_size=1, max_size=3),
    st.text(alphabet="azK", min_size=1, max_size=4),
)


@given(st.lists(st.one_of(st.none(), _texts, _addresses), max_size=25))
def test_emails_are_what_python_regular_expressions_give(texts: list[str | None]) -> None:
    got = normalise_email(pd.Series(texts, dtype=object))
    values, reasons = _email_as_pandas_did(texts)
    assert got.values.tolist() == values
    assert got.reasons.tolist() == reasons
