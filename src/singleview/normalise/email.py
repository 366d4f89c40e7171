"""E-mail addresses: syntax check, placeholder addresses and a canonical matching key."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from singleview.normalise._distinct import (
    PYTHON_SPACE,
    Cleaned,
    arrow_mask,
    arrow_text,
    as_text,
    blank_mask,
    cleaned,
    expand,
    factorize,
    from_arrow,
    python_lower,
    python_strip,
    reason_codes,
)
from singleview.normalise.text import fold_distinct, placeholder_mask

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["email_key", "normalise_email"]

logger = logging.getLogger(__name__)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Local part: no whitespace or "@", no leading, trailing or doubled dot (checked apart: RE2
# has no look-arounds); domain: dotted labels ending in an alphabetic TLD of two letters or
# more.  Whitespace as Python's \s.
_SHAPE_RE2 = rf"^[^{PYTHON_SPACE}@]{{1,64}}@(?:{_LABEL}\.)+[a-z]{{2,63}}$"

# Local parts that say "there is no address", whatever the domain.
_PLACEHOLDER_LOCALS = frozenset(
    {
        "noemail",
        "no.email",
        "no-email",
        "no_email",
        "nomail",
        "no.mail",
        "nobody",
        "noreply",
        "no-reply",
        "no_reply",
        "no.reply",
        "donotreply",
        "do-not-reply",
        "do.not.reply",
        "do_not_reply",
        "unknown",
        "na",
        "n.a",
        "n.a.",
        "n/a",
        "none",
        "null",
        "nil",
        "notknown",
        "not.known",
        "notprovided",
        "not.provided",
        "declined",
        "refused",
        "noaddress",
        "no.address",
        "dummy",
        "fake",
        "invalid",
    }
)
# Words that, used as both local part and domain ("test@test.com"), mark a made-up address.
_PLACEHOLDER_WORDS = frozenset(
    {
        "test",
        "testing",
        "email",
        "mail",
        "none",
        "noemail",
        "abc",
        "asdf",
        "qwerty",
        "dummy",
        "fake",
        "sample",
        "user",
        "null",
        "unknown",
        "example",
        "xxx",
        "name",
    }
)
_PLACEHOLDER_DOMAINS = frozenset(
    {"example.com", "example.org", "example.net", "test.com", "domain.com", "email.email"}
)
# Reserved top-level domains (RFC 2606) never carry real mail.
_RESERVED_TLDS = r"\.(?:example|invalid|localhost|test|local)$"


def _is_placeholder(emails: Any) -> npt.NDArray[np.bool_]:
    """Which lower-case addresses are made up (Arrow string kernels; null is not)."""
    parts = pc.extract_regex(arrow_text(emails), r"^(?P<local>.*)@(?P<domain>[^@]*)$")
    local, domain = pc.struct_field(parts, "local"), pc.struct_field(parts, "domain")
    label = pc.list_element(pc.split_pattern(domain, ".", max_splits=1), 0)

    def among(values: pa.Array, words: frozenset[str]) -> pa.Array:
        return pc.is_in(values, value_set=pa.array(sorted(words), type=pa.string()))

    short = pc.or_kleene(pc.less_equal(pc.utf8_length(local), 2), among(local, _PLACEHOLDER_WORDS))
    flagged = pc.or_kleene(
        pc.or_kleene(
            among(local, _PLACEHOLDER_LOCALS), pc.and_kleene(pc.equal(local, label), short)
        ),
        pc.or_kleene(
            among(domain, _PLACEHOLDER_DOMAINS), pc.match_substring_regex(domain, _RESERVED_TLDS)
        ),
    )
    return arrow_mask(flagged)


def _valid_syntax(emails: pa.Array) -> npt.NDArray[np.bool_]:
    """Which lower-case addresses fit ``local@domain.tld``: the shape, then no leading
    ``.``, no ``..`` and no ``.@`` (RE2 has no look-arounds to say so in one pattern)."""
    shaped = pc.match_substring_regex(emails, _SHAPE_RE2)
    for bad in (
        pc.starts_with(emails, "."),
        pc.match_substring(emails, ".."),
        pc.match_substring(emails, ".@"),
    ):
        shaped = pc.and_kleene(shaped, pc.invert(bad))
    return arrow_mask(shaped)


def normalise_email(s: pd.Series) -> Cleaned:
    """Trimmed, lower-case e-mail addresses with a light syntax check.

    A leading ``mailto:`` is removed.  Addresses that do not fit ``local@domain.tld`` are
    ``"invalid_syntax"``; made-up ones (``test@test.com``, ``noreply@…``, ``…@example.com``)
    are ``"placeholder"``.

    >>> normalise_email(pd.Series([" Bob@Example.co.uk ", "no-reply@shop.com"])).values.tolist()
    ['bob@example.co.uk', None]
    """
    codes, distinct = factorize(s)
    raw = as_text(distinct)
    text = arrow_text(raw)
    blank = blank_mask(text)
    lowered = pc.replace_substring_regex(
        python_lower(python_strip(text)), rf"^mailto:[{PYTHON_SPACE}]*", ""
    )
    valid = _valid_syntax(lowered)
    values = from_arrow(lowered)
    # "n/a", "none" or "-" in an e-mail column are placeholders, not malformed addresses.
    placeholder = valid & _is_placeholder(values)
    placeholder[~valid] = placeholder_mask(raw[~valid], fold_distinct(raw[~valid]))
    invalid = ~blank & ~valid & ~placeholder
    values[blank | invalid | placeholder] = None
    reasons = reason_codes(len(raw), (invalid, "invalid_syntax"), (placeholder, "placeholder"))
    return cleaned(codes, values, reasons, s)


def email_key(s: pd.Series) -> pd.Series:
    """A matching key for clean e-mail addresses: plus-tags dropped, Gmail dots ignored.

    ``"bob+news@x.com"`` -> ``"bob@x.com"``; ``"j.smith@googlemail.com"`` ->
    ``"jsmith@gmail.com"``.  A key whose local part would be empty keeps the address as it
    is.  Missing stays missing.
    """
    codes, distinct = factorize(s)
    emails = arrow_text(as_text(distinct))
    parts = pc.extract_regex(emails, r"^(?P<local>.*)@(?P<domain>[^@]*)$")
    local = pc.replace_substring_regex(pc.struct_field(parts, "local"), r"\+.*$", "")
    domain = pc.struct_field(parts, "domain")
    gmail = pc.fill_null(
        pc.is_in(domain, value_set=pa.array(["gmail.com", "googlemail.com"])), False
    )
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    key = pc.binary_join_element_wise(local, domain, "@")
    usable = pc.fill_null(pc.and_kleene(pc.is_valid(key), pc.not_equal(local, "")), False)
    return expand(codes, from_arrow(pc.if_else(usable, key, emails)), s)
