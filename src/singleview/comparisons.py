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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from ._arrays import factorize_ints, unique_sorted
from .errors import ConfigError
from .features import Coded, Features
from .levels import LABELS, M_PRIORS, U_PRIORS
from .normalise import nickname_pairs

__all__ = ["LABELS", "M_PRIORS", "U_PRIORS", "Comparison"]

Scorer = Callable[..., float]


#: Above this many pairs, sample them to decide whether de-duplicating pays.
_DEDUPE_SAMPLE = 50_000
#: De-duplicate when the sample's distinct share is below this: hashing a pair costs about
#: half what comparing its two strings does.
_DEDUPE_SHARE = 0.5


def _similarity(
    values: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    scorer: Scorer,
    *,
    transform: Callable[[pd.Series], pd.Series] | None = None,
    cutoff: float | None = None,
) -> np.ndarray:
    """``scorer`` on each pair of codes (both >= 0; 0 elsewhere), computed once per
    distinct pair when pairs repeat enough for that to pay; equal codes are not compared.

    ``cutoff`` is rapidfuzz's ``score_cutoff``: a similarity below it comes back as 0 and a
    distance above it as ``cutoff + 1``, and the scorer may stop early to say so."""
    out = np.zeros(len(a), dtype=np.float64)
    both = (a >= 0) & (b >= 0)
    same = np.flatnonzero(both & (a == b))
    ok = np.flatnonzero(both & (a != b))
    if len(ok) == 0 and len(same) == 0:
        return out
    strings = pd.Series(values, dtype="object")
    if transform is not None:
        strings = transform(strings)
    texts = strings.to_numpy(dtype=object)
    if len(same):
        text = texts[a[same[0]]]
        out[same] = scorer(text, text)  # a scorer's value for identical strings
    if len(ok) == 0:
        return out
    a_ok, b_ok = a[ok], b[ok]
    width = np.int64(len(values) + 1)
    keys = a_ok.astype(np.int64) * width + b_ok
    sample = keys[:: max(len(keys) // _DEDUPE_SAMPLE, 1)]
    if len(unique_sorted(sample)) < _DEDUPE_SHARE * len(sample):
        inverse, unique = factorize_ints(keys)
        scores = process.cpdist(
            texts[unique // width],
            texts[unique % width],
            scorer=scorer,
            workers=-1,
            score_cutoff=cutoff,
        )
        out[ok] = np.asarray(scores, dtype=np.float64)[inverse]
    else:
        scores = process.cpdist(
            texts[a_ok], texts[b_ok], scorer=scorer, workers=-1, score_cutoff=cutoff
        )
        out[ok] = np.asarray(scores, dtype=np.float64)
    return out


class _Pair:
    """The two sides' codes for one field, slot by slot (one pass per slot combination)."""

    def __init__(self, coded: Coded, left: np.ndarray, right: np.ndarray) -> None:
        self.coded = coded
        self.left = coded.codes[left]
        self.right = coded.codes[right]

    def combos(self) -> list[tuple[np.ndarray, np.ndarray]]:
        width = self.coded.width
        return [(self.left[:, i], self.right[:, j]) for i in range(width) for j in range(width)]

    def missing(self) -> np.ndarray:
        return np.asarray(
            ~((self.left >= 0).any(axis=1) & (self.right >= 0).any(axis=1)), dtype=bool
        )


def _levels(
    pair: _Pair, rules: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Best level over slot combinations, and the shared value's code where exact.

    A single-valued field's rules see every pair (some rules index per-pair masks); a
    multi-valued field's see, per slot combination, only the pairs holding both slots.
    """
    best = np.zeros(len(pair.left), dtype=np.int8)
    exact_code = np.full(len(pair.left), -1, dtype=np.int32)
    if pair.coded.width == 1:
        a, b = pair.left[:, 0], pair.right[:, 0]
        both = (a >= 0) & (b >= 0)
        best = np.where(both, rules(a, b), 0).astype(np.int8)
        exact_code = np.where(both & (a == b), a, -1).astype(np.int32)
    else:
        for a_all, b_all in pair.combos():
            rows = np.flatnonzero((a_all >= 0) & (b_all >= 0))
            if len(rows) == 0:
                continue
            a, b = a_all[rows], b_all[rows]
            best[rows] = np.maximum(best[rows], rules(a, b).astype(np.int8))
            fresh = (a == b) & (exact_code[rows] < 0)
            exact_code[rows[fresh]] = a[fresh]
    best[pair.missing()] = -1
    return best, exact_code


def _graded(
    values: np.ndarray,
    scorer: Scorer,
    cuts: tuple[float, ...],
    top: int,
    transform: Callable[[pd.Series], pd.Series] | None = None,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Levels 1..len(cuts) for similarity cut-offs, ``top`` for exact."""

    def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sim = _similarity(values, a, b, scorer, transform=transform, cutoff=min(cuts))
        level = np.zeros(len(a), dtype=np.int8)
        for rank, cut in enumerate(cuts, start=1):
            level[sim >= cut] = rank
        level[a == b] = top
        return level

    return rules


def _one_edit(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _similarity(values, a, b, DamerauLevenshtein.distance, cutoff=1) <= 1


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
                jw = _similarity(values, a, b, JaroWinkler.normalized_similarity, cutoff=0.8)
                level = (jw >= 0.8).astype(np.int8)
                level[_similarity(values, a, b, fuzz.token_sort_ratio, cutoff=90) >= 90] = 2
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
    def _first_name(
        self, features: Features, pair: _Pair, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        values = pair.coded.values
        nick, initials, single = features.memo(
            ("first_name_tables", self.column),
            lambda: (
                _nickname_keys(values),
                _initials(values),
                np.append(pd.Series(values, dtype="object").str.len().to_numpy() == 1, False),
            ),
        )
        width = np.int64(len(values) + 1)
        swapped = features.pair_memo(
            "swapped", left, right, lambda: _swapped(features, left, right)
        )

        def rules(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            sim = _similarity(values, a, b, JaroWinkler.normalized_similarity, cutoff=0.8)
            level: np.ndarray = initials(a, b).astype(np.int8)
            level[sim >= 0.80] = 2
            level[sim >= 0.92] = 3
            level[_member(a.astype(np.int64) * width + b, nick)] = 4
            level[swapped] = 5
            level[a == b] = 6
            # Two equal initials say no more than an initial and a name ("j" ~ "jack").
            level[(a == b) & single[a]] = 1
            return level

        level, exact = _levels(pair, rules)
        # ... and get no term-frequency boost either.
        exact[(exact >= 0) & single[np.maximum(exact, 0)]] = -1
        return level, exact

    def _last_name(
        self, features: Features, pair: _Pair, left: np.ndarray, right: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        swapped = features.pair_memo(
            "swapped", left, right, lambda: _swapped(features, left, right)
        )
        graded = _graded(pair.coded.values, JaroWinkler.normalized_similarity, (0.80, 0.92), 3)
        level, exact = _levels(pair, graded)
        level[swapped & (exact < 0)] = -1
        return level, exact

    @staticmethod
    def _date_rules(values: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        days = pd.to_datetime(pd.Series(values, dtype="object"), format="%Y%m%d")
        ordinal = np.append(days.to_numpy().astype("datetime64[D]").astype(np.int64), 0)
        swapped_text = (
            pd.Series(values, dtype="object").str[:4]
            + pd.Series(values, dtype="object").str[6:8]
            + pd.Series(values, dtype="object").str[4:6]
        )
        swap_code = pd.Index(values).get_indexer(swapped_text)

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
    text = pd.Series(values, dtype="object")
    single = np.append((text.str.len() == 1).to_numpy(dtype=bool), False)
    first = np.append(pd.factorize(text.str[:1])[0], -2)

    def rule(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray((single[a] | single[b]) & (first[a] == first[b]), dtype=bool)

    return rule


def _nickname_keys(values: np.ndarray) -> np.ndarray:
    """``a * width + b`` for every (a, b) code pair of names that are nicknames of each other."""
    table = nickname_pairs(pd.Series(values, dtype="object").dropna().tolist())
    if table.empty:
        return np.empty(0, dtype=np.int64)
    index = pd.Index(values)
    a = index.get_indexer(table["name"])
    b = index.get_indexer(table["equivalent"])
    keep = (a >= 0) & (b >= 0)
    return unique_sorted(a[keep].astype(np.int64) * (len(values) + 1) + b[keep])


def _member(keys: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Whether each key is in ``table`` (ascending, distinct)."""
    if len(table) == 0:
        return np.zeros(len(keys), dtype=bool)
    position = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.asarray(table[position] == keys, dtype=bool)


def _cross_similarity(
    features: Features, a_field: str, a: np.ndarray, b_field: str, b: np.ndarray
) -> np.ndarray:
    """Jaro-Winkler between ``a_field`` of records ``a`` and ``b_field`` of records ``b``,
    computed once per distinct pair of codes (0 where either side is missing)."""
    a_coded, b_coded = features[a_field], features[b_field]

    def shared() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Put both fields' values in one index so the pair codes share a space.
        union = pd.Index(np.concatenate([a_coded.values, b_coded.values])).unique()
        return (
            np.append(union.get_indexer(a_coded.values), -1),
            np.append(union.get_indexer(b_coded.values), -1),
            union.to_numpy(dtype=object),
        )

    a_map, b_map, values = features.memo(("cross", a_field, b_field), shared)
    a_codes = a_map[a_coded.first[a]]
    b_codes = b_map[b_coded.first[b]]
    return _similarity(values, a_codes, b_codes, JaroWinkler.normalized_similarity, cutoff=0.92)


def _swapped(features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose first and last names are swapped between the two records: each name
    agrees (Jaro-Winkler >= 0.92, or a nickname for the first name) with the other record's
    opposite name, and the names do not already agree the right way round."""
    if not (features.has("first_name") and features.has("last_name")):
        return np.zeros(len(left), dtype=bool)
    first, last = features["first_name"], features["last_name"]
    known = (first.first >= 0) & (last.first >= 0)
    candidates = np.flatnonzero(
        known[left] & known[right] & (first.first[left] != first.first[right])
    )
    out = np.zeros(len(left), dtype=bool)
    if len(candidates) == 0:
        return out
    cross_one = _cross_similarity(
        features, "first_name", left[candidates], "last_name", right[candidates]
    )
    # Only the pairs whose first name matches the other's last name can be swapped.
    candidates = candidates[cross_one >= 0.92]
    if len(candidates) == 0:
        return out
    lc, rc = left[candidates], right[candidates]
    cross_two = _cross_similarity(features, "last_name", lc, "first_name", rc)
    # A nickname across: the left record's last name, read as a first name, and the right
    # record's first name.
    values = first.values
    width = np.int64(len(values) + 1)
    last_as_first, nicknames = features.memo(
        ("swap_tables",),
        lambda: (
            np.append(pd.Index(values).get_indexer(last.values), -1),
            _nickname_keys(values),
        ),
    )
    as_first = last_as_first[last.first[lc]]
    nick = _member(as_first.astype(np.int64) * width + first.first[rc], nicknames)
    out[candidates] = (cross_two >= 0.92) | nick
    return out
