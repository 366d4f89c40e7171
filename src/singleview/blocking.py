"""Blocking: rules on fields and derived keys -> candidate record pairs.

A rule is a list of keys; two records are a candidate pair when they agree on every key of
at least one rule (each value of a multi-valued field counts).  Pairs are generated with
numpy per block, never by a wide merge, and every rule's pair count is known before any
pair is made.  Blocks larger than ``max_block_size`` records come from generic values
(a shared default e-mail, "john smith" in a big city) and are skipped with a warning.  A
:class:`BlockLimit` can set a lower limit for some rules: zero-config's broad rules (name
sounds, dates, cities) skip blocks of more than ``Settings.broad_block_size`` records,
where sharing the key says little about being one person.

Records are addressed by their position in the records frame (sorted by source and source
id); a pair is always ``left < right``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._arrays import lex_order, pair_keys, row_chunks, split_keys, unique_first, unique_sorted
from .features import Coded, Features

__all__ = [
    "BlockLimit",
    "Candidates",
    "agree",
    "block",
    "count_pairs",
    "first_rule",
    "plan_rule",
    "rule_name",
    "slot_codes",
]

logger = logging.getLogger(__name__)


def rule_name(rule: Sequence[str]) -> str:
    """A readable name for a rule: its keys joined by ``&``."""
    return " & ".join(rule)


@dataclass(frozen=True)
class BlockLimit:
    """The largest block each rule keeps: ``default``, or ``broad`` for the ``broad_rules``.

    Example:
        >>> limit = BlockLimit(1000, broad=50, broad_rules=frozenset({("name_key",)}))
        >>> limit.of(("name_key",)), limit.of(("email_key",))
        (50, 1000)
    """

    default: int
    broad: int | None = None
    broad_rules: frozenset[tuple[str, ...]] = frozenset()

    def of(self, rule: Sequence[str]) -> int:
        """The limit for ``rule``."""
        if self.broad is not None and tuple(rule) in self.broad_rules:
            return min(self.broad, self.default)
        return self.default

    def is_broad(self, rule: Sequence[str]) -> bool:
        """Whether ``rule`` has the broad limit, lower than the default."""
        return self.of(rule) < self.default


def as_limit(limit: int | BlockLimit) -> BlockLimit:
    """``limit`` as a :class:`BlockLimit` (an int: the same limit for every rule)."""
    return limit if isinstance(limit, BlockLimit) else BlockLimit(int(limit))


#: Pairs tested at once by :func:`agree`.
AGREE_CHUNK = 4_000_000


@dataclass(frozen=True)
class Candidates:
    """Candidate pairs (``left < right``, sorted) and the first rule that found each."""

    left: np.ndarray
    right: np.ndarray
    rule: np.ndarray
    stats: pd.DataFrame

    def __len__(self) -> int:
        return len(self.left)


def _ramp(counts: np.ndarray) -> np.ndarray:
    """For counts [2, 3] -> [0, 1, 0, 1, 2]: position inside each repeated run."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.asarray(np.arange(total, dtype=np.int64) - np.repeat(starts, counts))


def slot_codes(
    coded: Coded, rows: np.ndarray, carry: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, carry, codes)`` with one entry per value each row holds: a multi-valued
    field repeats the row (and its ``carry``) per slot; missing values are dropped."""
    if coded.width == 1:
        values = coded.codes[:, 0].take(rows).astype(np.int64)
    else:
        slots = np.tile(np.arange(coded.width), len(rows))
        rows = np.repeat(rows, coded.width)
        carry = np.repeat(carry, coded.width)
        # Flat positions and take(): faster than codes[rows, slots].
        values = np.ravel(coded.codes).take(rows * coded.width + slots).astype(np.int64)
    keep = values >= 0
    return rows[keep], carry[keep], values[keep]


def _first_seen_order(codes: np.ndarray) -> bool:
    """Whether codes (-1: missing) are numbered in order of first appearance, as
    ``pd.factorize`` numbers them: each new code is one more than the largest so far."""
    seen = np.maximum.accumulate(codes) if len(codes) else codes
    return bool(len(codes) == 0 or (seen[0] == 0 and np.all(np.diff(seen) <= 1)))


def _grouped_rows(features: Features, rule: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(record, block) memberships for one rule, de-duplicated; block ids are dense,
    numbered in order of first appearance.  Not sorted: every caller orders them itself."""
    if len(rule) == 1 and features[rule[0]].width == 1:
        # One single-valued key: its codes are the blocks already (features number values
        # in order of first appearance), and a record is in one block at most.
        codes = features[rule[0]].first.astype(np.int64)
        rows = np.flatnonzero(codes >= 0)
        present = codes[rows]
        if _first_seen_order(present):
            return rows.astype(np.int64), present
    rows = np.arange(features.n, dtype=np.int64)
    groups = np.zeros(features.n, dtype=np.int64)
    for key in rule:
        coded = features[key]
        rows, groups, values = slot_codes(coded, rows, groups)
        combined = groups * (len(coded.values) + 1) + values
        groups = pd.factorize(combined)[0].astype(np.int64)
    if len(rows) == 0 or all(features[key].width == 1 for key in rule):
        # Single-valued keys put a record in one block at most: nothing to de-duplicate.
        return rows, groups
    member = unique_sorted(groups * features.n + rows)
    return member % features.n, member // features.n


def _sizes(
    features: Features, rows: np.ndarray, groups: np.ndarray, link_within: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Records per block and pairs per block (cross-source pairs only when not link_within)."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
    if link_within:
        return sizes, sizes * (sizes - 1) // 2
    n_sources = len(features.source_names)
    per_source = (
        np.bincount(groups * n_sources + features.source[rows], minlength=n_groups * n_sources)
        .reshape(n_groups, n_sources)
        .astype(np.int64)
    )
    return sizes, (sizes**2 - (per_source**2).sum(axis=1)) // 2


def _pair_runs(rows: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows sorted by (group, row), and per sorted row how many later rows share its
    group: row ``i`` pairs with rows ``i + 1 .. i + counts[i]``, each pair's left record the
    lower."""
    order = lex_order([groups, rows])
    rows, groups = rows[order], groups[order]
    sizes = np.bincount(groups)
    starts = np.cumsum(sizes) - sizes
    return rows, sizes[groups] - 1 - (np.arange(len(rows)) - starts[groups])


def _within_pairs(rows: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of records in one group (see :func:`_pair_runs`)."""
    rows, counts = _pair_runs(rows, groups)
    left_pos = np.repeat(np.arange(len(rows)), counts)
    return rows[left_pos], rows[left_pos + 1 + _ramp(counts)]


#: Pairs a block's keys are made (:func:`_within_keys`) and compared (:func:`first_rule`)
#: at once.
PAIRS_CHUNK = 4_000_000


def _within_keys(rows: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """:func:`pair_keys` of :func:`_within_pairs` (the same keys in the same order), made
    :data:`PAIRS_CHUNK` pairs at a time: beyond the keys, no array as long as the pairs."""
    rows, counts = _pair_runs(rows, groups)
    ends = np.cumsum(counts)  # the pairs made up to and including each row
    keys = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    first = 0
    while first < len(rows):
        done = int(ends[first - 1]) if first else 0
        last = max(int(np.searchsorted(ends, done + PAIRS_CHUNK, side="right")), first + 1)
        last = min(last, len(rows))
        left_pos = np.repeat(np.arange(first, last), counts[first:last])
        right_pos = left_pos + 1 + _ramp(counts[first:last])
        keys[done : int(ends[last - 1])] = pair_keys(rows[left_pos], rows[right_pos], n)
        first = last
    return keys


def _cross_pairs(
    features: Features, rows: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of records in one block that come from different sources, nothing else."""
    lefts, rights = [], []
    src = features.source[rows]
    for a in range(len(features.source_names)):
        in_a = src == a
        for b in range(a + 1, len(features.source_names)):
            in_b = src == b
            r_rows, r_groups = rows[in_b], groups[in_b]
            order = np.argsort(r_groups, kind="stable")
            r_rows, r_groups = r_rows[order], r_groups[order]
            l_rows, l_groups = rows[in_a], groups[in_a]
            lo = np.searchsorted(r_groups, l_groups, side="left")
            hi = np.searchsorted(r_groups, l_groups, side="right")
            counts = (hi - lo).astype(np.int64)
            lefts.append(np.repeat(l_rows, counts))
            rights.append(r_rows[np.repeat(lo, counts) + _ramp(counts)])
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


def plan_rule(
    features: Features,
    rule: Sequence[str],
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    rows, groups = _grouped_rows(features, rule)
    sizes, pairs = _sizes(features, rows, groups, link_within)
    oversized = sizes > as_limit(max_block_size).of(rule)
    stats = {
        "blocks": int((sizes > 1).sum()),
        "records": int(np.count_nonzero(np.bincount(rows, minlength=features.n))),
        "pairs": int(pairs[~oversized].sum()),
        "skipped_blocks": int(oversized.sum()),
        "skipped_records": int(sizes[oversized].sum()),
        "skipped_pairs": int(pairs[oversized].sum()),
    }
    keep = ~oversized[groups] & (pairs[groups] > 0)
    return rows[keep], groups[keep], stats


def count_pairs(
    features: Features,
    rules: Sequence[Sequence[str]],
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
) -> pd.DataFrame:
    """Pairs each rule will produce (before de-duplication across rules), without making any."""
    rows = []
    for rule in rules:
        _, _, stats = plan_rule(
            features, rule, link_within=link_within, max_block_size=max_block_size
        )
        rows.append({"rule": rule_name(rule), **stats})
    return pd.DataFrame(rows)


def block(
    features: Features,
    rules: Sequence[Sequence[str]],
    *,
    link_within: bool,
    max_block_size: int | BlockLimit,
) -> Candidates:
    """Candidate pairs from the union of ``rules``, each pair once."""
    n = max(features.n, 1)
    limit = as_limit(max_block_size)
    keys, rule_ids, stats_rows = [], [], []
    for index, rule in enumerate(rules):
        rows, groups, stats = plan_rule(
            features, rule, link_within=link_within, max_block_size=max_block_size
        )
        if stats["skipped_blocks"] and limit.is_broad(rule):
            logger.info(
                "blocking rule %r: %d blocks of more than %d records left out (%d records, "
                "%d pairs): a key that many people share says little (broad_block_size)",
                rule_name(rule),
                stats["skipped_blocks"],
                limit.of(rule),
                stats["skipped_records"],
                stats["skipped_pairs"],
            )
        elif stats["skipped_blocks"]:
            logger.warning(
                "blocking rule %r: skipped %d oversized blocks (%d records, %d pairs) "
                "holding generic values; raise max_block_size to keep them",
                rule_name(rule),
                stats["skipped_blocks"],
                stats["skipped_records"],
                stats["skipped_pairs"],
            )
        if link_within:
            keys.append(_within_keys(rows, groups, n))
        else:
            left, right = _cross_pairs(features, rows, groups)
            keys.append(pair_keys(np.minimum(left, right), np.maximum(left, right), n))
            del left, right
        rule_ids.append(np.full(len(keys[-1]), index, dtype=np.int16))
        stats_rows.append({"rule": rule_name(rule), **stats})
    # One rule's keys are used as they are (concatenating would copy them).
    all_keys = keys[0] if len(keys) == 1 else np.concatenate([np.empty(0, np.int64), *keys])
    all_rules = (
        rule_ids[0] if len(rule_ids) == 1 else np.concatenate([np.empty(0, np.int16), *rule_ids])
    )
    del keys, rule_ids
    unique_keys, found_by = first_rule(all_keys, all_rules, n=n, n_rules=len(rules))
    del all_keys, all_rules
    stats_frame = pd.DataFrame(
        stats_rows,
        columns=[
            "rule",
            "blocks",
            "records",
            "pairs",
            "skipped_blocks",
            "skipped_records",
            "skipped_pairs",
        ],
    )
    stats_frame["new_pairs"] = np.bincount(found_by, minlength=len(rules)).astype(np.int64)
    logger.info("blocking: %d rules, %d candidate pairs", len(rules), len(unique_keys))
    left, right = split_keys(unique_keys, n)
    return Candidates(left=left, right=right, rule=found_by, stats=stats_frame)


def first_rule(
    keys: np.ndarray, rule_ids: np.ndarray, *, n: int, n_rules: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pair keys, ascending, and the lowest rule that produced each.

    The rule goes in the low bits of the key so one plain sort both orders the pairs and
    puts each pair's first rule first; without room for it, a stable argsort does the same.
    ``keys`` is overwritten (packed and sorted in place: no second array as long as it).
    """
    bits = max(int(n_rules - 1).bit_length(), 1)
    if len(keys) == 0 or (n * n) << bits >= 2**63:
        unique_keys, first = unique_first(keys)
        return unique_keys, rule_ids[first].astype(np.int16)
    packed = keys
    packed <<= bits
    packed |= rule_ids
    packed.sort()
    starts = np.empty(len(packed), dtype=bool)
    starts[0] = True
    for start in range(0, len(packed) - 1, PAIRS_CHUNK):  # chunked: no int64 temporaries
        stop = min(start + PAIRS_CHUNK, len(packed) - 1)
        np.not_equal(
            packed[start + 1 : stop + 1] >> bits,
            packed[start:stop] >> bits,
            out=starts[start + 1 : stop + 1],
        )
    first = packed[starts]
    del packed, starts
    rule = (first & ((1 << bits) - 1)).astype(np.int16)
    first >>= bits
    return first, rule


def agree(
    features: Features, keys: Sequence[str], left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Pairs agreeing exactly on every key (on any shared value of a multi-valued one).
    Pairs go :data:`AGREE_CHUNK` at a time: both sides' codes are gathered per chunk."""
    result = np.ones(len(left), dtype=bool)
    for rows in row_chunks(len(left), AGREE_CHUNK):
        part_left, part_right = left[rows], right[rows]
        for key in keys:
            codes = features[key].codes
            hit = np.zeros(len(part_left), dtype=bool)
            # A slot's column, then take(): 2-5x faster than codes[rows, slot].
            for i in range(codes.shape[1]):
                a = codes[:, i].take(part_left)
                for j in range(codes.shape[1]):
                    hit |= (a >= 0) & (a == codes[:, j].take(part_right))
            result[rows] &= hit
    return result
