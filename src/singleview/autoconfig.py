"""Zero configuration: comparisons and blocking rules chosen from the fields present.

A field is used when enough records carry it (and, for pure linkage, when at least two
sources do) and it is not constant.  Strong identifiers, e-mails and phones each get a
blocking rule of their own; names, dates and places are combined so that one typo in one
field does not lose a true pair.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .blocking import count_pairs
from .comparisons import Comparison
from .features import Features
from .schema import EXTRA_PREFIX, ID_PREFIX

__all__ = [
    "DISTINGUISH",
    "FAMILY",
    "OPTIONAL_BLOCKING",
    "choose_blocking",
    "choose_comparisons",
    "choose_groups",
    "choose_training",
    "usable",
]

#: Where a person lives: an address line, its postcode and city, and the landline there.
LOCATION_GROUP = ("address_line", "postcode", "city", "phone")
#: The household rule (see :class:`~singleview.model.FellegiSunter`): another first name
#: with the same last name at a shared location is a family member.
DISTINGUISH = ("first_name",)
FAMILY = ("last_name",)

logger = logging.getLogger(__name__)

#: A field carried by fewer records than this share is left out.
MIN_COVERAGE = 0.01

_KINDS: dict[str, tuple[str, bool]] = {
    "first_name": ("first_name", True),
    "middle_name": ("middle_name", False),
    "last_name": ("last_name", True),
    "dob": ("date", False),
    "gender": ("exact", False),
    "email": ("email", True),
    "phone": ("phone", True),
    "address_line": ("address", True),
    "city": ("city", True),
    "postcode": ("postcode", True),
}

#: Rules on keys that pick out few records at any scale: always used.
_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("email_key",),
    ("phone",),
    ("dob", "last_name_key"),
    ("dob", "first_name_key"),
    ("postcode", "first_initial"),
    ("postcode", "last_name_key"),
    ("address_line",),
    ("dob", "postcode"),
)

#: Rules whose blocks grow with the data (a name sound in a big city): used while the pairs
#: stay within the budget, in this order, before the wider rules below.
_BROAD_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("name_key",),
    ("first_name_prefix", "last_name_prefix"),
    ("dob", "city"),
    ("city", "last_name_key"),
    ("city", "first_name_key"),
)

#: Broader rules, added one by one while the total pair count stays within the budget:
#: on small data they find the true pairs whose every combined key has a typo.
_WIDE_BLOCKING: tuple[tuple[str, ...], ...] = (
    ("dob",),
    ("last_name_key",),
    ("first_name",),
    ("postcode",),
    ("first_name_key", "dob_year"),
    ("last_name_prefix",),
)


#: The rules zero-config blocking may leave out (by budget or by the blocking probe).
OPTIONAL_BLOCKING: frozenset[tuple[str, ...]] = frozenset(_BROAD_BLOCKING + _WIDE_BLOCKING)


def usable(features: Features, name: str, *, link_within: bool) -> bool:
    """Whether a field is worth comparing or blocking on."""
    if not features.has(name):
        return False
    coded = features[name]
    present = coded.present()
    if present.mean() < MIN_COVERAGE or len(coded.values) < 2:
        return False
    if not link_within:
        return len(np.unique(features.source[present])) >= 2
    return True


def choose_comparisons(features: Features, *, link_within: bool) -> list[Comparison]:
    """One comparison per usable field, in canonical order."""
    chosen = []
    for column in features.columns():
        if not usable(features, column, link_within=link_within):
            continue
        if column in _KINDS:
            kind, tf = _KINDS[column]
            chosen.append(Comparison(column, kind, tf))
        elif column == "full_name":
            if not (
                usable(features, "first_name", link_within=link_within)
                or usable(features, "last_name", link_within=link_within)
            ):
                chosen.append(Comparison(column, "name", True))
        elif column.startswith(ID_PREFIX):
            chosen.append(Comparison(column, "identifier", True))
        elif column.startswith(EXTRA_PREFIX):
            chosen.append(Comparison(column, "text", True))
    logger.info("zero-config comparisons: %s", [c.column for c in chosen])
    return chosen


def choose_blocking(
    features: Features, *, link_within: bool, pairs_per_record: float, max_block_size: int
) -> list[tuple[str, ...]]:
    """Blocking rules whose every key is usable: identifiers and tight rules always, then
    broader rules, one by one, while the pairs they make stay under ``pairs_per_record`` per
    record (small data gets them all; at a million records a name sound in a big city would
    make tens of millions of pairs and is left out)."""
    rules: list[tuple[str, ...]] = [
        (c,)
        for c in features.columns()
        if c.startswith(ID_PREFIX) and usable(features, c, link_within=link_within)
    ]
    for rule in _BLOCKING:
        if all(usable(features, key, link_within=link_within) for key in rule):
            rules.append(rule)
    if not rules and usable(features, "full_name", link_within=link_within):
        rules.append(("full_name",))
    budget = pairs_per_record * features.n
    spent = (
        int(
            count_pairs(features, rules, link_within=link_within, max_block_size=max_block_size)[
                "pairs"
            ].sum()
        )
        if rules
        else 0
    )
    for rule in (*_BROAD_BLOCKING, *_WIDE_BLOCKING):
        if not all(usable(features, key, link_within=link_within) for key in rule):
            continue
        cost = int(
            count_pairs(features, [rule], link_within=link_within, max_block_size=max_block_size)[
                "pairs"
            ].sum()
        )
        if spent + cost <= budget:
            rules.append(rule)
            spent += cost
        else:
            logger.info("blocking rule %s skipped: %d pairs over the budget", rule, cost)
    logger.info("zero-config blocking: %d rules, at most %d pairs", len(rules), spent)
    return rules


def choose_training(features: Features, *, link_within: bool) -> list[tuple[str, ...]]:
    """Keys that pick out the same person, for the model's training sessions.

    Name sounds with the date of birth, an e-mail, each strong identifier.  Not addresses,
    phones or surnames: households share those, and m learned on them would call a
    household one person.
    """
    sessions: list[tuple[str, ...]] = []
    if all(usable(features, k, link_within=link_within) for k in ("name_key", "dob")):
        sessions.append(("name_key", "dob"))
    if usable(features, "email_key", link_within=link_within):
        sessions.append(("email_key",))
    sessions += [
        (c,)
        for c in features.columns()
        if c.startswith(ID_PREFIX) and usable(features, c, link_within=link_within)
    ]
    return sessions


def choose_groups(features: Features, comparisons: Sequence[Comparison]) -> list[tuple[str, ...]]:
    """The location group, when two or more of its columns are compared."""
    compared = {c.column for c in comparisons}
    group = tuple(c for c in LOCATION_GROUP if c in compared)
    return [group] if len(group) >= 2 else []
