"""Person names: titles and suffixes, splitting full names, and nickname equivalences."""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow.compute as pc

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
from singleview.normalise.text import PLACEHOLDERS, fold_distinct, placeholder_mask

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy.typing as npt

__all__ = ["SUFFIXES", "TITLES", "clean_name", "nickname_pairs", "split_full_name"]

logger = logging.getLogger(__name__)

#: Folded titles, removed from the start of a name (repeatedly: "the rt hon", "prof dr").
TITLES: frozenset[str] = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "master",
        "mstr",
        "dr",
        "doctor",
        "prof",
        "professor",
        "sir",
        "dame",
        "lady",
        "lord",
        "rev",
        "revd",
        "reverend",
        "fr",
        "father",
        "the",
        "rt",
        "hon",
        "capt",
        "captain",
        "col",
        "maj",
        "lt",
        "sgt",
        "mme",
        "mlle",
        "herr",
        "frau",
        "sr",
        "sra",
        "srta",
        "dra",
    }
)
#: Folded suffixes, removed from the end of a name (repeatedly: "jr phd").
SUFFIXES: frozenset[str] = frozenset(
    {
        "jr",
        "jnr",
        "junior",
        "sr",
        "snr",
        "senior",
        "ii",
        "iii",
        "iv",
        "phd",
        "esq",
        "esquire",
        "dds",
        "cpa",
        "obe",
        "mbe",
        "cbe",
        "kbe",
        "dbe",
        "qc",
        "kc",
        "mp",
        "rn",
        "bsc",
        "msc",
        "mba",
    }
)
# Lower-case words that start a multi-word surname ("van der berg", "de la cruz").
_PARTICLES = (
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "dos",
    "du",
    "la",
    "le",
    "st",
    "ter",
    "bin",
    "ibn",
    "al",
    "el",
)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_LEADING_TITLES = rf"^(?:(?:{_alternatives(TITLES)})(?: |$))+"
_TRAILING_SUFFIXES = rf"(?:(?:^| )(?:{_alternatives(SUFFIXES)}))+$"
_REST = rf"^(?:(?P<middle>.*?) )??(?P<last>(?:(?:{_alternatives(_PARTICLES)}) )*\S+)$"


def _strip_honorifics(folded: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Folded names without leading titles and trailing suffixes; None when nothing is left."""
    names = pc.replace_substring_regex(arrow_text(folded), _LEADING_TITLES, "")
    names = pc.utf8_trim(pc.replace_substring_regex(names, _TRAILING_SUFFIXES, ""), " ")
    out = from_arrow(names)
    out[pd.isna(out) | (out == "")] = None
    return out


def _clean_distinct(
    texts: npt.NDArray[np.object_], folded: npt.NDArray[np.object_] | None = None
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    folded = fold_distinct(texts) if folded is None else folded
    values = _strip_honorifics(folded)
    # A title alone ("Mr") folds to nothing once stripped: a placeholder too.
    placeholder = placeholder_mask(texts, values)
    digits = ~placeholder & arrow_mask(pc.match_substring_regex(arrow_text(values), r"^[0-9 ]+$"))
    values[placeholder | digits] = None
    reasons = reason_codes(len(values), (placeholder, "placeholder"), (digits, "invalid_syntax"))
    return values, reasons


def clean_name(s: pd.Series) -> Cleaned:
    """Fold a name and remove titles and suffixes.

    ``"Dr. Séan O'Neill Jr"`` -> ``"sean oneill"``.  Placeholders (``"Unknown"``, ``"Mr"``
    alone) are ``"placeholder"``; a value of digits only is ``"invalid_syntax"``.
    """
    codes, distinct = factorize(s)
    values, reasons = _clean_distinct(as_text(distinct))
    return cleaned(codes, values, reasons, s)


def _extract(folded: npt.NDArray[np.object_], pattern: str) -> dict[str, npt.NDArray[np.object_]]:
    """Each named group of ``pattern`` per folded text (Arrow's RE2: folded text is ASCII
    letters, digits and single spaces, where RE2 and Python agree); None where the text is
    missing, does not match or the group took no part (no group here can match empty)."""
    parts = pc.extract_regex(arrow_text(folded), pattern)
    out = {}
    for index in range(parts.type.num_fields):
        values = from_arrow(pc.struct_field(parts, index))
        values[values == ""] = None
        out[parts.type.field(index).name] = values
    return out


def _given_names(given: npt.NDArray[np.object_]) -> dict[str, npt.NDArray[np.object_]]:
    """First token and the rest of each folded given-names string."""
    return _extract(given, r"^(?P<first>\S+)(?: (?P<middle>.+))?$")


def split_full_name(s: pd.Series) -> pd.DataFrame:
    """Split full names into folded ``first_name``, ``middle_name`` and ``last_name``.

    ``"Smith, John Paul"`` (surname first when there is a comma), ``"Mr John Paul Smith
    Jr"``, ``"J. Smith"`` and ``"Ludwig van Beethoven"`` (surname particles stay with the
    surname) are understood.  A lone name is a first name, unless it follows a title
    (``"Mrs Smith"``), when it is a last name.  Placeholders give three missing values.
    """
    codes, distinct = factorize(s)
    texts = as_text(distinct)
    folded = fold_distinct(texts)
    titled = arrow_mask(pc.match_substring_regex(arrow_text(folded), _LEADING_TITLES))
    whole, _ = _clean_distinct(texts, folded)

    head = _given_names(whole)
    rest = _extract(head["middle"], _REST)
    lone_title = ~pd.isna(head["first"]) & pd.isna(head["middle"]) & titled
    first = head["first"]
    middle = rest["middle"]
    last = rest["last"]
    last[lone_title] = first[lone_title]
    first[lone_title] = None

    # "Smith, John" form; "John Smith, Jr" leaves nothing after the comma and is not it.
    has_comma = arrow_mask(pc.match_substring(arrow_text(texts), ","))
    if has_comma.any():
        pieces = pd.Series(texts[has_comma], dtype=object).str.split(",", n=1)
        surname = pd.Series(_strip_honorifics(fold_distinct(object_array(pieces.str[0]))))
        given = _strip_honorifics(fold_distinct(object_array(pieces.str[1])))
        usable = surname.notna().to_numpy(dtype=bool) & ~pd.isna(given)
        usable = usable & ~pd.isna(whole[has_comma])
        at = np.flatnonzero(has_comma)[usable]
        given_parts = _given_names(given)
        first[at] = given_parts["first"][usable]
        middle[at] = given_parts["middle"][usable]
        last[at] = pick(surname.isin(PLACEHOLDERS), None, surname).to_numpy()[usable]

    # A part that is itself a placeholder ("Test Test", "Unknown Unknown") is not a name.
    for part in (first, middle, last):  # hashed, not sorted: np.isin sorts object arrays
        part[pd.Series(part, dtype=object).isin(PLACEHOLDERS).to_numpy(dtype=bool)] = None
    return pd.DataFrame(
        {
            "first_name": expand(codes, first, s),
            "middle_name": expand(codes, middle, s),
            "last_name": expand(codes, last, s),
        },
        index=s.index,
    )


@cache
def _nickname_groups() -> tuple[dict[str, list[int]], list[frozenset[str]]]:
    """Each canonical name with its nicknames as one group, and the groups of each name."""
    from nicknames import NickNamer

    table = sorted(NickNamer().nickname_lookup.items())
    sizes = [1 + len(nicks) for _, nicks in table]
    # One folding call for every name of the table (one per group cost 1.4 s of overhead).
    folded = fold_distinct(
        object_array([name for canonical, nicks in table for name in (canonical, *sorted(nicks))])
    )
    ends = np.cumsum(sizes)
    groups = [
        frozenset(n for n in folded[end - size : end] if n is not None)
        for size, end in zip(sizes, ends.tolist(), strict=True)
    ]
    member_of: dict[str, list[int]] = {}
    for number, group in enumerate(groups):
        for name in group:
            member_of.setdefault(name, []).append(number)
    return member_of, groups


def nickname_pairs(names: Iterable[str]) -> pd.DataFrame:
    """Ordered pairs of the given folded first names that are nickname-equivalent.

    Two names are equivalent when one is a nickname of the other or both are nicknames of
    the same name (per the ``nicknames`` package).  Only names present in ``names`` appear;
    both directions are listed, sorted, without self-pairs.

    >>> nickname_pairs(["bob", "robert", "alice"]).values.tolist()
    [['bob', 'robert'], ['robert', 'bob']]
    """
    member_of, groups = _nickname_groups()
    present = {n for n in names if isinstance(n, str)}
    hit = sorted({g for n in present for g in member_of.get(n, ())})
    pairs: set[tuple[str, str]] = set()
    for number in hit:
        members = groups[number] & present
        pairs.update((a, b) for a in members for b in members if a != b)
    ordered = sorted(pairs)
    logger.debug("nickname pairs: %d names, %d pairs", len(present), len(ordered))
    return pd.DataFrame(
        {
            "name": pd.Series([a for a, _ in ordered], dtype=object),
            "equivalent": pd.Series([b for _, b in ordered], dtype=object),
        }
    )
