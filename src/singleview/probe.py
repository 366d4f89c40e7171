"""Which broad blocking rules earn their pairs: a sampled probe of their link rate.

Broad rules (a name sound, name prefixes, a name in a city, a date of birth alone) are there
for true pairs whose every tight key has a typo. Whether such pairs exist depends on the
data: on Splink's fake_1000 one pair in three that ``city & last_name_key`` adds is a match;
on a million-record customer base the same rule adds millions of pairs and no match at all.
A budget on pair counts cannot tell these apart; a model can.

The probe fits the model on the tight rules' pairs, then takes each broad rule in turn,
draws a seeded random sample of the pairs it would add, scores them, and keeps the rule when
the share that would link (match probability at or above the threshold) reaches
``min_rule_yield``. The sample holds ``probe_pairs`` pairs the rule would *add* (drawn
larger where most of its pairs are candidates already), and a rate within two standard
errors of its bar (and at least half of it) is measured again on a sample four times larger:
a rule adding millions of pairs is not kept or dropped on the luck of a few links. Pairs
below the threshold change no cluster, so a rule that adds a million pairs of probability
0.001 adds cost and no customers. A broad rule (one with the broad block limit, used at
every scale) that would add more than ``yield_scale_pairs`` pairs must reach a rate raised
in proportion (:func:`required_yield`): its pairs are the work it adds. The wide single-key
rules fit the pair budget on small data only, where pairs cost little, and keep the plain
rate. Pairs a kept rule adds are then compared in full and the model is fitted again on all
of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._arrays import lex_order, pair_keys, split_keys
from .blocking import BlockLimit, Candidates, as_limit, block, plan_rule, rule_name
from .features import Features

__all__ = [
    "MAX_SAMPLE_GROWTH",
    "PROBE_PAIRS",
    "draw_block_pairs",
    "probe_rules",
    "regrown_draw",
    "remeasured",
    "required_yield",
]

logger = logging.getLogger(__name__)

#: Pairs scored per broad rule to estimate its match rate.
PROBE_PAIRS = 20_000
#: A probe draws at most this many times its sample: to find enough pairs a rule would
#: add among those it shares with kept rules, and to measure again a rate near its bar.
MAX_SAMPLE_GROWTH = 4


def required_yield(min_yield: float, pairs: int, scale: int) -> float:
    """The match rate a broad rule adding ``pairs`` pairs must show: ``min_yield``, raised
    in proportion to the pairs beyond ``scale`` (0: never raised).  Every pair a rule adds
    is compared, scored and clustered, so a rule that would grow the work by millions of
    pairs must find proportionally more links per pair to pay for them; a small rule keeps
    the plain threshold."""
    if scale <= 0 or pairs <= scale:
        return min_yield
    return min_yield * pairs / scale


def _missing_mask(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are not in ``known`` (ascending)."""
    if len(known) == 0:
        return np.ones(len(keys), dtype=bool)
    position = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.asarray(known[position] != keys, dtype=bool)


def _missing_from(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``keys`` not in ``known`` (ascending)."""
    return np.asarray(keys[_missing_mask(known, keys)])


class _RuleBlocks:
    """A rule's blocks, ready for pairs to be drawn from them without making the others."""

    def __init__(
        self, features: Features, rule: Sequence[str], *, max_block_size: int | BlockLimit
    ) -> None:
        rows, groups, stats = plan_rule(
            features, rule, link_within=True, max_block_size=max_block_size
        )
        order = lex_order([groups, rows])
        self.rows, groups = rows[order], groups[order]
        self.starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(rows) else rows
        self.sizes = np.diff(np.append(self.starts, len(rows))).astype(np.int64)
        self.stats: dict[str, int] = stats

    def draw(self, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        """``size`` distinct pairs (``left < right``) drawn uniformly; None when the blocks
        hold ``2 * size`` pairs or fewer (make them all instead)."""
        drawn = draw_block_pairs(self.sizes, size=size, rng=rng)
        if drawn is None:
            return None
        blocks, i, j = drawn
        first = self.rows[self.starts[blocks] + i]
        second = self.rows[self.starts[blocks] + j]
        return np.minimum(first, second), np.maximum(first, second)


def _sample_pairs(
    features: Features,
    rule: Sequence[str],
    *,
    max_block_size: int | BlockLimit,
    size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]] | None:
    """``size`` distinct pairs drawn uniformly from a rule's blocks without making the
    others, and the rule's blocking stats (``pairs``: its pair count); None when the rule
    has few pairs (make them all).

    Pairs inside a block of ``s`` records are numbered ``0 .. s(s-1)/2 - 1`` in the order
    (0,1), (0,2) ... (1,2) ...; a drawn number is mapped back to its two records.
    """
    blocks = _RuleBlocks(features, rule, max_block_size=max_block_size)
    drawn = blocks.draw(size, rng)
    return None if drawn is None else (*drawn, blocks.stats)


def regrown_draw(target: int, size: int, found: int) -> int | None:
    """How many pairs to draw again when a draw of ``size`` of a rule's pairs held only
    ``found`` it would add, to score about ``target`` of them; None: score this draw.
    Where most of a rule's pairs are candidates already, a first draw of ``target`` pairs
    holds few new ones, so the second is larger in proportion (once, and at most
    :data:`MAX_SAMPLE_GROWTH` times the target).  A rule with too few pairs for that draw
    has its new pairs made instead, all of them."""
    if found >= target or size > target:
        return None
    return min(-(-target * size // max(found, 1)), MAX_SAMPLE_GROWTH * target)


def remeasured(
    rate: float, bar: float, scored: int, *, expected: int, target: int, sample_size: int
) -> int | None:
    """The larger sample to measure a rule's rate again on, or None when the sample
    decides: a rate within two standard errors of the ``bar`` it must reach, measured on
    the first sample of ``sample_size`` and not on all the rule's ``expected`` new pairs,
    is measured again on :data:`MAX_SAMPLE_GROWTH` times as many."""
    if target > sample_size or scored >= expected or not _uncertain(rate, bar, scored):
        return None
    return MAX_SAMPLE_GROWTH * sample_size


def _uncertain(rate: float, bar: float, scored: int) -> bool:
    """Whether a rate measured on ``scored`` pairs is within two standard errors of the
    ``bar`` it must reach (a keep-or-drop decision the sample cannot make).  A rate under
    half the bar is not: the few links of a rule that finds almost none (one where four
    would reach the bar) drop it without a second sample."""
    if scored == 0 or bar <= 0.0 or rate < bar / 2:
        return False
    return abs(rate - bar) < 2.0 * float(np.sqrt(bar * (1.0 - bar) / scored))


def _fresh_sample(
    blocks: _RuleBlocks, known: np.ndarray, n: int, target: int, rng: np.random.Generator
) -> tuple[np.ndarray, float] | None:
    """About ``target`` pairs of the rule that are not in ``known`` (keys), drawn
    uniformly (see :func:`regrown_draw`), and the share of the rule's pairs that are new;
    None when the rule has few pairs (make them all)."""
    size = target
    while True:
        drawn = blocks.draw(size, rng)
        if drawn is None:
            return None
        keys = pair_keys(*drawn, n)
        fresh = _missing_mask(known, keys)
        found = int(fresh.sum())
        grown = regrown_draw(target, size, found)
        if grown is None:
            return keys[fresh], found / size
        size = grown


def draw_block_pairs(
    sizes: np.ndarray, *, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``size`` distinct pairs drawn uniformly from blocks of these ``sizes`` (in block
    order): each as (block, i, j), the ranks ``i < j`` of its two records in the block;
    None when the blocks hold ``2 * size`` pairs or fewer (make them all instead).

    Pairs inside a block of ``s`` records are numbered ``0 .. s(s-1)/2 - 1`` in the order
    (0,1), (0,2) ... (1,2) ...; a drawn number is mapped back to its two ranks.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if len(sizes) == 0:
        return None
    pairs = sizes * (sizes - 1) // 2
    cumulative = np.cumsum(pairs)
    total = int(cumulative[-1])
    if total <= 2 * size:
        return None
    drawn = np.sort(rng.choice(total, size=size, replace=False))
    blocks = np.searchsorted(cumulative, drawn, side="right")
    t = drawn - (cumulative[blocks] - pairs[blocks])
    s = sizes[blocks]
    # Pairs before row i of a block of s: i * (2s - i - 1) / 2; invert, then fix rounding.
    i = np.floor(((2 * s - 1) - np.sqrt((2.0 * s - 1) ** 2 - 8.0 * t)) / 2).astype(np.int64)
    i = np.clip(i, 0, s - 2)
    for _ in range(2):
        i = np.where(i * (2 * s - i - 1) // 2 > t, i - 1, i)
        nxt = i + 1
        i = np.where((nxt <= s - 2) & (nxt * (2 * s - nxt - 1) // 2 <= t), nxt, i)
    j = t - i * (2 * s - i - 1) // 2 + i + 1
    return blocks, i, j


def _new_pairs(
    features: Features,
    rule: Sequence[str],
    known: np.ndarray,
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The keys (ascending) of the pairs ``rule`` finds that are not in ``known``, and the
    rule's blocking stats."""
    found = block(features, [rule], link_within=link_within, max_block_size=max_block_size)
    stats = {str(k): v for k, v in found.stats.iloc[0].items()}
    keys = pair_keys(found.left, found.right, max(features.n, 1))
    del found
    return _missing_from(known, keys), stats


def _merged(
    known: np.ndarray, found_by: np.ndarray, new: np.ndarray, index: int
) -> tuple[np.ndarray, np.ndarray]:
    """``new`` pair keys merged into ``known`` (both ascending, disjoint) in one pass, not
    sorted again, and ``found_by`` (the rule of each known pair) with ``index`` put in at
    the same places."""
    slots = np.searchsorted(known, new) + np.arange(len(new))
    old = np.ones(len(known) + len(new), dtype=bool)
    old[slots] = False
    keys = np.empty(len(old), dtype=known.dtype)
    keys[slots], keys[old] = new, known
    rules = np.empty(len(old), dtype=found_by.dtype)
    rules[slots], rules[old] = index, found_by
    return keys, rules


def probe_rules(
    features: Features,
    base: Candidates,
    rules: Sequence[Sequence[str]],
    first_optional: int,
    probability_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
    min_yield: float,
    threshold: float,
    random_state: int,
    sample_size: int = PROBE_PAIRS,
    yield_scale: int = 0,
) -> Candidates:
    """``base`` (the pairs of ``rules[:first_optional]``) plus the pairs of each later rule
    whose estimated link rate (share of its pairs scoring ``threshold`` or more) reaches
    ``min_yield``.

    ``probability_of(left, right)`` scores record pairs with the model fitted on ``base``.
    The returned stats have one row per rule with ``probed_pairs`` (pairs the rule would
    add), ``link_rate`` (estimated; exact when all were scored) and ``used``.
    """
    n = max(features.n, 1)
    rng = np.random.default_rng(random_state)
    known = pair_keys(base.left, base.right, n)  # ascending, grows with each rule kept
    # Each known pair's rule, side by side with ``known``: the base's, then each kept
    # rule's index inserted where its pairs go (the sets are disjoint).
    found_by = np.asarray(base.rule, dtype=np.int16)
    rows = []
    for index in range(first_optional, len(rules)):
        rule = rules[index]
        # Only the broad rules, used at every scale, are held to the raised rate; the wide
        # ones fit the pair budget on small data alone, where their pairs cost little.
        scale = yield_scale if as_limit(max_block_size).is_broad(rule) else 0
        blocks = _RuleBlocks(features, rule, max_block_size=max_block_size) if link_within else None
        new: np.ndarray | None = None
        target = sample_size
        while True:
            sampled = None if blocks is None else _fresh_sample(blocks, known, n, target, rng)
            if sampled is None:  # few pairs (or a link across sources): make them all
                if new is None:
                    new, stats_row = _new_pairs(
                        features,
                        rule,
                        known,
                        link_within=link_within,
                        max_block_size=max_block_size,
                    )
                take = min(target, len(new))
                chosen = (
                    np.sort(rng.choice(len(new), size=take, replace=False)) if take else new[:0]
                )
                sample = new[chosen]
                expected = len(new)
            else:  # score a uniform sample of the rule's pairs that are not candidates yet
                assert blocks is not None
                sample, share = sampled
                stats_row = {"rule": rule_name(rule), **blocks.stats}
                take = len(sample)
                expected = round(blocks.stats["pairs"] * share)
            linked = probability_of(*split_keys(sample, n)) >= threshold
            rate = float(linked.mean()) if take else 0.0
            bar = required_yield(min_yield, expected, scale)
            # A rate within the sample's noise of the bar is measured again on a larger
            # sample: a rule adding millions of pairs is not kept or dropped on the luck of
            # a few links.
            larger = remeasured(
                rate, bar, take, expected=expected, target=target, sample_size=sample_size
            )
            if larger is None:
                break
            target = larger
        used = take > 0 and rate >= bar
        if used and new is None:
            new, _ = _new_pairs(
                features, rule, known, link_within=link_within, max_block_size=max_block_size
            )
        probed = len(new) if new is not None else expected
        logger.info(
            "blocking probe %r: %d new pairs, %d scored, link rate %.5f -> %s",
            rule_name(rule),
            probed,
            take,
            rate,
            "used" if used else "dropped",
        )
        stats_row |= {"probed_pairs": probed, "link_rate": rate, "used": used}
        rows.append(stats_row)
        if used and new is not None:
            known, found_by = _merged(known, found_by, new, index)
        new = None  # nothing below needs a rule's pairs once they are in ``known``
    keys = known
    core = base.stats.iloc[:first_optional].assign(
        probed_pairs=base.stats["new_pairs"].iloc[:first_optional], link_rate=np.nan, used=True
    )
    stats = pd.concat([core, pd.DataFrame(rows)], ignore_index=True)
    stats["new_pairs"] = np.bincount(found_by, minlength=len(rules)).astype(np.int64)
    stats["used"] = stats["used"].astype(bool)
    left, right = split_keys(keys, n)
    return Candidates(left=left, right=right, rule=found_by, stats=stats)
