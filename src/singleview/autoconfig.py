"""Zero configuration: comparisons and blocking rules chosen from the fields present.

A field is used when enough records carry it (and, for pure linkage, when at least two
sources do) and it is not constant.  Strong identifiers, e-mails and phones each get a
blocking rule of their own; names, dates and places are combined so that one typo in one
field does not lose a true pair.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ._process import side_by_side
from .blocking import BlockLimit, count_pairs
from .comparisons import Comparison
from .features import Features
from .schema import EXTRA_PREFIX, ID_PREFIX
from .settings import Settings

__all__ = [
    "BROAD_BLOCKING",
    "DISTINGUISH",
    "FAMILY",
    "OPTIONAL_BLOCKING",
    "FeatureSummary",
    "FieldSummary",
    "block_limit",
    "candidate_rules",
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


#: The rules whose blocks :func:`block_limit` caps at ``Settings.broad_block_size``.
BROAD_BLOCKING: frozenset[tuple[str, ...]] = frozenset(_BROAD_BLOCKING)

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


@runtime_checkable
class FieldSummary(Protocol):
    """What zero configuration needs to know about the records: an engine-neutral view.

    The local engine answers from :class:`~singleview.features.Features`
    (:class:`FeatureSummary`); the Spark engine from aggregates.
    """

    n: int

    def columns(self) -> list[str]:
        """Canonical columns available for comparison."""
        ...

    def usable(self, name: str, *, link_within: bool) -> bool:
        """Whether a field or key is worth comparing or blocking on (see :func:`usable`)."""
        ...

    def rule_pairs(
        self, rule: Sequence[str], *, link_within: bool, max_block_size: int | BlockLimit
    ) -> int:
        """Pairs one blocking rule makes, oversized blocks left out."""
        ...


class FeatureSummary:
    """:class:`FieldSummary` of one frame's features."""

    def __init__(self, features: Features) -> None:
        self.features = features
        self.n = features.n

    def columns(self) -> list[str]:
        return self.features.columns()

    def usable(self, name: str, *, link_within: bool) -> bool:
        return usable(self.features, name, link_within=link_within)

    def rule_pairs(
        self, rule: Sequence[str], *, link_within: bool, max_block_size: int | BlockLimit
    ) -> int:
        stats = count_pairs(
            self.features, [rule], link_within=link_within, max_block_size=max_block_size
        )
        return int(stats["pairs"].sum())


def _summary(features: Features | FieldSummary) -> FieldSummary:
    return FeatureSummary(features) if isinstance(features, Features) else features


def choose_comparisons(features: Features | FieldSummary, *, link_within: bool) -> list[Comparison]:
    """One comparison per usable field, in canonical order."""
    summary = _summary(features)
    chosen = []
    for column in summary.columns():
        if not summary.usable(column, link_within=link_within):
            continue
        if column in _KINDS:
            kind, tf = _KINDS[column]
            chosen.append(Comparison(column, kind, tf))
        elif column == "full_name":
            if not (
                summary.usable("first_name", link_within=link_within)
                or summary.usable("last_name", link_within=link_within)
            ):
                chosen.append(Comparison(column, "name", True))
        elif column.startswith(ID_PREFIX):
            chosen.append(Comparison(column, "identifier", True))
        elif column.startswith(EXTRA_PREFIX):
            chosen.append(Comparison(column, "text", True))
    logger.info("zero-config comparisons: %s", [c.column for c in chosen])
    return chosen


def choose_blocking(
    features: Features | FieldSummary,
    *,
    link_within: bool,
    pairs_per_record: float,
    max_block_size: int | BlockLimit,
) -> list[tuple[str, ...]]:
    """Blocking rules whose every key is usable: identifiers and tight rules always, then
    broader rules, one by one, while the pairs they make stay under ``pairs_per_record`` per
    record (small data gets them all; at a million records a name sound in a big city would
    make tens of millions of pairs and is left out)."""
    summary = _summary(features)

    def fits(rule: Sequence[str]) -> bool:
        return all(summary.usable(key, link_within=link_within) for key in rule)

    rules: list[tuple[str, ...]] = [
        (c,) for c in summary.columns() if c.startswith(ID_PREFIX) and fits((c,))
    ]
    rules += [rule for rule in _BLOCKING if fits(rule)]
    if not rules and fits(("full_name",)):
        rules.append(("full_name",))
    optional = [rule for rule in (*_BROAD_BLOCKING, *_WIDE_BLOCKING) if fits(rule)]
    cost = dict(
        zip(
            [*rules, *optional],
            _rule_pairs(
                summary,
                [*rules, *optional],
                link_within=link_within,
                max_block_size=max_block_size,
            ),
            strict=True,
        )
    )
    budget = pairs_per_record * summary.n
    spent = sum(cost[rule] for rule in rules)
    for rule in optional:
        pairs = cost[rule]
        if spent + pairs <= budget:
            rules.append(rule)
            spent += pairs
        else:
            logger.info("blocking rule %s skipped: %d pairs over the budget", rule, pairs)
    logger.info("zero-config blocking: %d rules, at most %d pairs", len(rules), spent)
    return rules


#: Records from which zero configuration counts the pairs of its candidate blocking rules in
#: one thread per CPU (sorting and hashing integer codes release the GIL).
THREADED_COUNT_FROM = 100_000


def _rule_pairs(
    summary: FieldSummary,
    rules: Sequence[tuple[str, ...]],
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
) -> list[int]:
    """:meth:`FieldSummary.rule_pairs` of each rule: side by side in threads for a
    :class:`FeatureSummary` of :data:`THREADED_COUNT_FROM` records or more (their keys are
    built already: ``fits`` asked for them), one by one otherwise."""

    def pairs(rule: tuple[str, ...]) -> int:
        return summary.rule_pairs(rule, link_within=link_within, max_block_size=max_block_size)

    threaded = isinstance(summary, FeatureSummary) and summary.n >= THREADED_COUNT_FROM
    return side_by_side(pairs, list(rules), threaded=threaded)


def block_limit(settings: Settings) -> BlockLimit:
    """The block size limit of each rule: ``broad_block_size`` for zero-config's broad
    rules (:data:`BROAD_BLOCKING`), ``max_block_size`` for the rest and for every rule when
    the settings give the rules.  The single-key wide rules keep ``max_block_size``: they
    are for small data, and the pair budget leaves them out at scale."""
    if settings.blocking is not None:
        return BlockLimit(settings.max_block_size)
    return BlockLimit(
        settings.max_block_size,
        broad=settings.broad_block_size,
        broad_rules=BROAD_BLOCKING,
    )


def candidate_rules(columns: Sequence[str]) -> list[tuple[str, ...]]:
    """Every rule :func:`choose_blocking` may weigh for records with these columns."""
    ids = [(c,) for c in columns if c.startswith(ID_PREFIX)]
    return [*ids, *_BLOCKING, ("full_name",), *_BROAD_BLOCKING, *_WIDE_BLOCKING]


def choose_training(
    features: Features | FieldSummary, *, link_within: bool
) -> list[tuple[str, ...]]:
    """Keys that pick out the same person, for the model's training sessions.

    Name sounds with the date of birth, an e-mail, each strong identifier.  Not addresses,
    phones or surnames: households share those, and m learned on them would call a
    household one person.
    """
    summary = _summary(features)
    sessions: list[tuple[str, ...]] = []
    if all(summary.usable(k, link_within=link_within) for k in ("name_key", "dob")):
        sessions.append(("name_key", "dob"))
    if summary.usable("email_key", link_within=link_within):
        sessions.append(("email_key",))
    sessions += [
        (c,)
        for c in summary.columns()
        if c.startswith(ID_PREFIX) and summary.usable(c, link_within=link_within)
    ]
    return sessions


def choose_groups(
    features: Features | FieldSummary, comparisons: Sequence[Comparison]
) -> list[tuple[str, ...]]:
    """The location group, when two or more of its columns are compared."""
    compared = {c.column for c in comparisons}
    group = tuple(c for c in LOCATION_GROUP if c in compared)
    return [group] if len(group) >= 2 else []
