"""Names read from e-mail handles, for records that have an e-mail but no name.

A till receipt or a newsletter sign-up often carries only an e-mail address, and people
build their addresses from their names: ``jason.elmley85@...``, ``margaret_richards@...``,
``williams.david@...``, ``jasonelmley@...``.  Such a record has nothing to compare with a
named record except that e-mail, which a person's other records may not share (a work
address, an older one).  :func:`names_from_email` gives it the first and last name its
handle spells, when the handle splits into a first name and a last name that named records
of the same batch carry, so the ordinary name comparisons (with their term frequencies)
can weigh it.  Ambiguous handles (two likely readings), handles naming nobody seen and
handles spelling a common name (more than :data:`MAX_NAMESAKES` expected namesakes in the
batch) are left alone.

The inferred names are used for matching only: ``result.records`` and the golden profiles
keep what the sources said.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "NameSpellings",
    "letters_only",
    "name_spellings",
    "names_from_email",
    "spellings_from_counts",
    "split_handle",
]

logger = logging.getLogger(__name__)

_SEPARATORS = re.compile(r"[._\-]+")
_NOT_LETTERS = re.compile(r"[^a-z]")
#: Shortest first or last name a handle without separators is split into.
MIN_PART = 2
#: Shortest last name that may follow a bare initial (``jsmith``).
MIN_LAST_AFTER_INITIAL = 4
#: How many times likelier than the next the best reading of a handle must be.
DOMINANCE = 4
#: A reading is used only when the batch is expected to hold at most this many people of
#: that full name (first-name count x last-name count / named records).  A common name
#: read from an e-mail identifies nobody, and attaching the e-mail's records (often
#: several receipts) to a namesake costs more than the rare right guess gains.
MAX_NAMESAKES = 1.0


def letters_only(text: str) -> str:
    """``text`` lower-cased with everything but a-z removed (how spellings are keyed)."""
    return _NOT_LETTERS.sub("", text.lower())


def split_handle(
    local: str, firsts: Mapping[str, int], lasts: Mapping[str, int]
) -> tuple[str, str] | None:
    """``(first, last)`` spelt by an e-mail local part, or ``None``.

    ``firsts`` and ``lasts`` count how many records carry each first and last name
    (letters only).  A handle's reading is scored by how common its first part is as a
    first name times how common its last part is as a last name, so ``jones.mia`` reads as
    Mia Jones even though a few records swap their names.  Separated handles
    (``david.evans``, ``evans_david``, ``d.evans``) are read by their parts; a bare handle
    (``davidevans``, ``evansdavid``, ``devans``) must have one reading :data:`DOMINANCE`
    times likelier than any other.

    Example:
        >>> split_handle("jason.elmley85", {"jason": 3}, {"elmley": 1})
        ('jason', 'elmley')
        >>> split_handle("elmleyjason", {"jason": 3}, {"elmley": 1})
        ('jason', 'elmley')
        >>> split_handle("jelmley", {"jason": 3}, {"elmley": 1})
        ('j', 'elmley')
        >>> split_handle("info", {"jason": 3}, {"elmley": 1}) is None
        True
    """
    parts = [p for p in (letters_only(t) for t in _SEPARATORS.split(local.split("+", 1)[0])) if p]
    readings: dict[tuple[str, str], int] = {}
    if len(parts) == 2:
        a, b = parts
        readings[(a, b)] = firsts.get(a, 0) * lasts.get(b, 0)
        readings[(b, a)] = firsts.get(b, 0) * lasts.get(a, 0)
        if len(a) == 1 and b in lasts:
            return a, b
    elif len(parts) == 1:
        text = parts[0]
        for cut in range(MIN_PART, len(text) - MIN_PART + 1):
            head, tail = text[:cut], text[cut:]
            readings[(head, tail)] = firsts.get(head, 0) * lasts.get(tail, 0)
            readings[(tail, head)] = firsts.get(tail, 0) * lasts.get(head, 0)
    ranked = sorted(((score, pair) for pair, score in readings.items() if score > 0), reverse=True)
    if ranked and (len(ranked) == 1 or ranked[0][0] >= DOMINANCE * ranked[1][0]):
        return ranked[0][1]
    if not ranked and len(parts) == 1:
        text = parts[0]
        if len(text) > MIN_LAST_AFTER_INITIAL and text[1:] in lasts:
            return text[0], text[1:]
    return None


class NameSpellings(NamedTuple):
    """What handles are read against: the named records' first and last names.

    ``firsts``/``lasts``: letters-only form -> most common spelling; ``first_counts`` /
    ``last_counts``: letters-only form -> records carrying it; ``named``: named records.
    An identity store keeps the spellings of its training load, so a handle reads the same
    whichever batch brings it.
    """

    firsts: dict[str, str]
    first_counts: dict[str, int]
    lasts: dict[str, str]
    last_counts: dict[str, int]
    named: int


def name_spellings(records: pd.DataFrame) -> NameSpellings | None:
    """The spellings of the records' first and last names; None without names."""
    if not {"first_name", "last_name"} <= set(records.columns) or len(records) == 0:
        return None
    first, last = records["first_name"], records["last_name"]
    named = (first.notna() & last.notna()).to_numpy()
    if not named.any():
        return None
    firsts, first_counts = _spellings(first[named])
    lasts, last_counts = _spellings(last[named])
    return NameSpellings(firsts, first_counts, lasts, last_counts, int(named.sum()))


def names_from_email(
    records: pd.DataFrame, spellings: NameSpellings | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """``records`` with first and last names filled from e-mail handles where both are
    missing, and a mask of the records that got one.  Returns ``records`` itself when none
    did.  Handles are read against ``spellings`` (default: those of ``records``)."""
    none = np.zeros(len(records), dtype=bool)
    needed = {"first_name", "last_name", "email"}
    if not needed <= set(records.columns) or len(records) == 0:
        return records, none
    first, last = records["first_name"], records["last_name"]
    emails = records["email"]
    unnamed = np.flatnonzero(first.isna().to_numpy() & last.isna().to_numpy())
    has_email = np.fromiter(
        (isinstance(t, tuple) and len(t) > 0 for t in emails.iloc[unnamed]),
        dtype=bool,
        count=len(unnamed),
    )
    if not has_email.any():
        return records, none
    if spellings is None:
        spellings = name_spellings(records)
    if spellings is None:
        return records, none
    firsts, first_counts, lasts, last_counts, named_total = spellings
    rows = unnamed[has_email]
    exploded = emails.iloc[rows].explode()
    locals_ = exploded.astype("object").str.split("@", n=1).str[0].str.lower()
    distinct = pd.unique(locals_.dropna().to_numpy(dtype=object))
    named_total = max(named_total, 1)
    parsed = {
        v: split
        for v in distinct
        if (split := split_handle(v, first_counts, last_counts))
        and first_counts.get(split[0], 0) * last_counts.get(split[1], 0)
        <= MAX_NAMESAKES * named_total
    }
    if not parsed:
        return records, none
    found = locals_.map(parsed).dropna()
    # A record's first e-mail that spells a name wins (the e-mails are in source order).
    found = found[~found.index.duplicated(keep="first")]
    positions = records.index.get_indexer(found.index)
    out = records.copy(deep=False)  # two columns are replaced, none is written into
    new_first = out["first_name"].to_numpy(dtype=object, copy=True)
    new_last = out["last_name"].to_numpy(dtype=object, copy=True)
    new_first[positions] = [f if len(f) == 1 else firsts.get(f, f) for f, _ in found.tolist()]
    new_last[positions] = [lasts.get(ln, ln) for _, ln in found.tolist()]
    out["first_name"] = pd.Series(new_first, index=out.index, dtype=records["first_name"].dtype)
    out["last_name"] = pd.Series(new_last, index=out.index, dtype=records["last_name"].dtype)
    logger.info("names read from e-mail handles for %d records", len(positions))
    none[positions] = True
    return out, none


def _spellings(names: pd.Series) -> tuple[dict[str, str], dict[str, int]]:
    """Letters-only form -> its most common spelling (ties: the smallest), and -> how
    many records carry it; for names of at least :data:`MIN_PART` letters."""
    counts = names.value_counts()  # on Arrow strings too (the order does not matter below)
    return spellings_from_counts(counts.index.to_numpy(dtype=object), counts.to_numpy())


def spellings_from_counts(
    names: np.ndarray, counts: np.ndarray
) -> tuple[dict[str, str], dict[str, int]]:
    """:func:`_spellings` from distinct names and how many records carry each (an engine
    that counts elsewhere, such as Spark, passes its counts here)."""
    frame = pd.DataFrame(
        {"name": np.asarray(names, dtype=object), "count": np.asarray(counts, dtype=np.int64)}
    )
    frame["key"] = [letters_only(str(v)) for v in frame["name"]]
    frame = frame[frame["key"].str.len() >= MIN_PART]
    totals = frame.groupby("key")["count"].sum()
    frame = frame.sort_values(["key", "count", "name"], ascending=[True, False, True])
    best = frame.drop_duplicates("key", keep="first")
    spelling = dict(zip(best["key"], best["name"], strict=True))
    return spelling, {str(k): int(v) for k, v in totals.items()}
