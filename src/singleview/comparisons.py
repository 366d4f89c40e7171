"""Comparisons: a pair of records -> one ``int8`` level per field.

Each comparison kind has ordered levels.  Level ``-1`` means a side is missing (it carries no
evidence), ``0`` is the catch-all disagreement, and higher levels are stronger agreement;
when several conditions hold the highest level wins, so for a multi-valued field (emails,
phones) the best-matching pair of values decides.  String similarity comes from
``rapidfuzz.process.cpdist`` over each distinct pair of values, computed once.

=============  =======================================================================
kind           levels, weakest to strongest (after ``else``)
=============  =======================================================================
first_name     initial (also two equal initials), jaro-winkler >= 0.80, >= 0.92, nickname,
               swapped with surname, exact
last_name      jaro-winkler >= 0.80, >= 0.92, exact (missing when the names are swapped:
               the first-name comparison already counts that evidence once)
middle_name    initial, exact
name           jaro-winkler >= 0.80, token-sort >= 0.90, exact
date           within 10 years, a year, a month; one edit (typo), day/month swapped, exact
email          one edit (a typo), same canonical key (plus-tags, gmail dots), exact
phone          one edit, same last 8 digits, exact
postcode       same outward code / prefix, one edit, exact
city           jaro-winkler >= 0.88, exact
address        token-sort >= 0.75, >= 0.90, exact
identifier     one edit, exact
exact          exact
text           jaro-winkler >= 0.90, exact
=============  =======================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from ._arrays import any_present, row_chunks
from .errors import ConfigError
from .features import Coded, Features
from .levels import LABELS, M_PRIORS, U_PRIORS
from .similarity import Scorer, member, similarity
from .swapped import nickname_keys, swapped_names

__all__ = ["LABELS", "M_PRIORS", "U_PRIORS", "Comparison"]


class _Pair:
    """The two sides' codes for one field, slot by slot (one pass per slot combination)."""

    def __init__(self, coded: Coded, left: np.ndarray, right: np.ndarray) -> None:
        self.coded = coded
        # take(axis=0): rows gathered 3-6x faster than by fancy indexing a 2-D array.
        self.left = coded.codes.take(left, axis=0)
        self.right = coded.codes.take(right, axis=0)

    def combos(self) -> list[tuple[np.ndarray, np.ndarray]]:
        width = self.coded.width
        return [(self.left[:, i], self.right[:, j]) for i in range(width) for j in range(width)]

    def missing(self) -> np.ndarray:
        return np.asarray(~(any_present(self.left) & any_present(self.right)), dtype=bool)


def _levels(pair: _Pair, rules: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Best level over slot combinations (``-1`` where a side has no value).

    A single-valued field's rules see every pair (some rules index per-pair masks); a
    multi-valued field's see, per slot combination, only the pairs holding both slots.
    """
    best = np.zeros(len(pair.left), dtype=np.int8)
    if pair.coded.width == 1:
        a, b = pair.left[:, 0], pair.right[:, 0]
        both = (a >= 0) & (b >= 0)
        # Rules may index per-value tables, empty in a batch without a value.
        if both.any():
            best = np.where(both, rules(a, b), 0).astype(np.int8)
    else:
        for a_all, b_all in pair.combos():
            rows = np.flatnonzero((a_all >= 0) & (b_all >= 0))
            if len(rows) == 0:
                continue
            best[rows] = np.maximum(best[rows], rules(a_all[rows], b_all[rows]).astype(np.int8))
    best[pair.missing()] = -1
    return best


def _shared_code(pair: _Pair) -> np.ndarray:
    """The code of a value both sides hold (-1 if none), from the first slot combination
    that agrees.  Value codes only: cheap enough to recompute where it is needed."""
    if pair.coded.width == 1:
        a, b = pair.left[:, 0], pair.right[:, 0]
        return np.where((a >= 0) & (a == b), a, -1).astype(np.int32)
    shared = np.full(len(pair.left), -1, dtype=np.int32)
    for a, b in pair.combos():
        fresh = (a >= 0) & (a == b) & (shared < 0)
        shared[fresh] = a[fresh]
    return shared


def _graded(
    values: np.ndarray,
    scorer: Scorer,
    cuts: tuple[float, ...],
    top: int,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Levels 1..len(cuts) for similarity cut-offs, ``top`` for exact."""

    def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sim = similarity(values, a, b, scorer, cutoff=min(cuts))
        level = np.zeros(len(a), dtype=np.int8)
        for rank, cut in enumerate(cuts, start=1):
            level[sim >= cut] = rank
        level[a == b] = top
        return level

    return rules


def _one_edit(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return similarity(values, a, b, DamerauLevenshtein.distance, cutoff=1) <= 1


def _graded_edit(values: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Level 1 for one edit apart, 2 for equal codes."""

    def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        level = _one_edit(values, a, b).astype(np.int8)
        level[a == b] = 2
        return level

    return rules


@dataclass(frozen=True)
class Comparison:
    """One field compared one way.  ``compare`` gives levels and, where exact, the value code.

    Example:
        >>> Comparison("dob", "date").labels
        ('else', 'within_10_years', 'within_1_year', 'within_1_month', 'one_edit', \
'day_month_swapped', 'exact')
    """

    column: str
    kind: str
    tf_adjust: bool = False

    def __post_init__(self) -> None:
        if self.kind not in LABELS:
            raise ConfigError(
                f"comparison on {self.column!r}: unknown kind {self.kind!r}; "
                f"choose one of {sorted(LABELS)}"
            )

    @property
    def labels(self) -> tuple[str, ...]:
        """Level names in code order (code 0 is ``else``)."""
        return LABELS[self.kind]

    def compare(
        self, features: Features, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Levels (``int8``, ``-1`` missing) for pairs, and the exact value's code (or -1)."""
        return self.levels(features, left, right), self.shared_codes(features, left, right)

    def levels(self, features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Levels (``int8``, ``-1`` missing) for the pairs ``(left[i], right[i])``."""
        coded = features[self.column]
        values = coded.values
        top = len(self.labels) - 1
        pair = _Pair(coded, left, right)
        kind = self.kind
        if kind == "first_name":
            return self._first_name(features, pair, left, right)
        if kind == "last_name":
            return self._last_name(features, pair, left, right)
        # Value-level tables (nicknames, outward codes, parsed dates) are built once per
        # run: the probe and the u sample compare the same features many times.
        rules = features.memo(
            ("rules", self.column, kind), lambda: self._rules(features, values, top)
        )
        return _levels(pair, rules)

    def shared_codes(self, features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The code of the value both sides of each pair share (-1 if none): the value whose
        term frequency adjusts an exact match.  Compares codes only, no strings."""
        pair = _Pair(features[self.column], left, right)
        shared = _shared_code(pair)
        if self.kind == "first_name":
            # Two equal initials say no more than an initial and a name: no boost.
            single = self._first_name_tables(features, pair.coded.values)[2]
            shared[(shared >= 0) & single[np.maximum(shared, 0)]] = -1
        return shared

    def _rules(
        self, features: Features, values: np.ndarray, top: int
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """The level of each pair of value codes (both present), for kinds that need
        nothing but the two values."""
        kind = self.kind
        rules: Callable[[np.ndarray, np.ndarray], np.ndarray]
        if kind == "date":
            rules = self._date_rules(values)
        elif kind == "middle_name":
            initials = _initials(values)

            def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                level = initials(a, b).astype(np.int8)
                level[a == b] = 2
                return level
        elif kind == "name":

            def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                jw = similarity(values, a, b, JaroWinkler.normalized_similarity, cutoff=0.8)
                level = (jw >= 0.8).astype(np.int8)
                level[similarity(values, a, b, fuzz.token_sort_ratio, cutoff=90) >= 90] = 2
                level[a == b] = 3
                return level
        elif kind == "email":
            rules = self._email_rules(features, values, top)
        elif kind == "phone":
            rules = self._phone_rules(values)
        elif kind == "postcode":
            rules = self._postcode_rules(features, values)
        elif kind == "city":
            rules = _graded(values, JaroWinkler.normalized_similarity, (0.88,), top)
        elif kind == "address":
            rules = _graded(values, fuzz.token_sort_ratio, (75.0, 90.0), top)
        elif kind == "identifier":
            rules = _graded_edit(values)
        elif kind == "exact":

            def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
                return np.asarray(a == b, dtype=np.int8)
        else:  # text
            rules = _graded(values, JaroWinkler.normalized_similarity, (0.90,), top)
        return rules

    # -- kinds with more than one field or a lookup table ---------------------------------
    def _first_name_tables(
        self, features: Features, values: np.ndarray
    ) -> tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], np.ndarray], np.ndarray]:
        """Nickname pair keys, the initials rule and which values are single letters."""
        return features.memo(  # type: ignore[no-any-return]
            ("first_name_tables", self.column),
            lambda: (
                nickname_keys(values),
                _initials(values),
                np.append(pd.Series(values, dtype="object").str.len().to_numpy() == 1, False),
            ),
        )

    def _first_name(
        self, features: Features, pair: _Pair, left: np.ndarray, right: np.ndarray
    ) -> np.ndarray:
        values = pair.coded.values
        nick, initials, single = self._first_name_tables(features, values)
        width = np.int64(len(values) + 1)
        swapped = features.pair_memo(
            "swapped", left, right, lambda: swapped_names(features, left, right)
        )

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            sim = similarity(values, a, b, JaroWinkler.normalized_similarity, cutoff=0.8)
            level: np.ndarray = initials(a, b).astype(np.int8)
            level[sim >= 0.80] = 2
            level[sim >= 0.92] = 3
            level[member(a.astype(np.int64) * width + b, nick)] = 4
            level[swapped] = 5
            level[a == b] = 6
            # Two equal initials say no more than an initial and a name ("j" ~ "jack").
            level[(a == b) & single[a]] = 1
            return level

        return _levels(pair, rules)

    def _last_name(
        self, features: Features, pair: _Pair, left: np.ndarray, right: np.ndarray
    ) -> np.ndarray:
        swapped = features.pair_memo(
            "swapped", left, right, lambda: swapped_names(features, left, right)
        )
        graded = _graded(pair.coded.values, JaroWinkler.normalized_similarity, (0.80, 0.92), 3)
        level = _levels(pair, graded)
        level[swapped & (_shared_code(pair) < 0)] = -1
        return level

    @staticmethod
    def _date_rules(values: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        # Distinct dates spelt YYYYMMDD: days since 1970 and, per date, the code of the date
        # with day and month swapped (-1: not among them), in one pass of Python over the
        # distinct dates (a lookup's few hundred: a fifth of pandas' parsing and slicing).
        spelt = [str(v) for v in values]
        days = np.array([f"{v[:4]}-{v[4:6]}-{v[6:]}" for v in spelt], dtype="datetime64[D]")
        ordinal = np.append(days.astype(np.int64), 0)
        code = {v: i for i, v in enumerate(spelt)}
        swap_code = np.array([code.get(v[:4] + v[6:8] + v[4:6], -1) for v in spelt], np.int64)

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            gap = np.abs(ordinal[a] - ordinal[b])
            level = (gap <= 3653).astype(np.int8)
            level[gap <= 366] = 2
            level[gap <= 31] = 3
            level[_one_edit(values, a, b)] = 4
            level[(swap_code[a] == b) & (swap_code[a] >= 0)] = 5
            level[a == b] = 6
            return np.asarray(level, dtype=np.int8)

        return rules

    @staticmethod
    def _email_rules(
        features: Features, values: np.ndarray, top: int
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        key_of = _value_map(features["email"], features["email_key"])

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            level = _one_edit(values, a, b).astype(np.int8)
            level[(key_of[a] == key_of[b]) & (key_of[a] >= 0)] = 2
            level[a == b] = top
            return level

        return rules

    @staticmethod
    def _phone_rules(values: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        tail = pd.factorize(pd.Series(values, dtype="object").str[-8:])[0]

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            level = _one_edit(values, a, b).astype(np.int8)
            level[tail[a] == tail[b]] = 2
            level[a == b] = 3
            return level

        return rules

    @staticmethod
    def _postcode_rules(
        features: Features, values: np.ndarray
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        outward = _value_map(features["postcode"], features["postcode_outward"])

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            level = ((outward[a] == outward[b]) & (outward[a] >= 0)).astype(np.int8)
            level[_one_edit(values, a, b)] = 2
            level[a == b] = 3
            return np.asarray(level, dtype=np.int8)

        return rules


def _value_map(base: Coded, derived: Coded) -> np.ndarray:
    """For each distinct value of ``base``, the code of its derived key (-1 if none)."""
    mapping = np.full(len(base.values), -1, dtype=np.int64)
    have = base.codes >= 0
    mapping[base.codes[have]] = derived.codes[have]
    return mapping


def _initials(values: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Whether one side is a single letter equal to the other's first letter, by codes."""
    text = [str(v) for v in values]
    single = np.append(np.fromiter(map(len, text), np.int64, len(text)) == 1, False)
    letters: dict[str, int] = {}
    codes = (letters.setdefault(t[:1], len(letters)) for t in text)
    first = np.append(np.fromiter(codes, np.int64, len(text)), -2)

    def rule(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray((single[a] | single[b]) & (first[a] == first[b]), dtype=bool)

    return rule


def compare_all(
    comparisons: Sequence[Comparison],
    features: Features,
    left: np.ndarray,
    right: np.ndarray,
    *,
    threads: int,
    chunk: int,
) -> np.ndarray:
    """Every comparison on the pairs ``(left[i], right[i])``: the levels (``int8``, one
    column per comparison).  The values behind term-frequency adjustments are not kept per
    pair: :meth:`Comparison.shared_codes` recomputes them from codes where scored.

    Pairs go through ``chunk`` at a time, so each comparison's working arrays (value codes
    of both sides, similarities) stay the same size at any pair count; within a chunk the
    comparisons run side by side in ``threads`` threads (their work is NumPy, pandas
    hashing and rapidfuzz, which release the GIL), each writing its own column.  The result
    does not depend on ``threads`` or ``chunk``.
    """
    levels = np.empty((len(left), len(comparisons)), dtype=np.int8)
    threads = min(threads, len(comparisons))
    with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool:
        for rows in row_chunks(len(left), chunk):
            part_left, part_right = left[rows], right[rows]

            def one(k: int, a: np.ndarray = part_left, b: np.ndarray = part_right) -> Any:
                return comparisons[k].levels(features, a, b)

            found = (
                pool.map(one, range(len(comparisons)))
                if pool
                else map(one, range(len(comparisons)))
            )
            for k, level in enumerate(found):
                levels[rows, k] = level
    return levels
