"""First and last names written the other way round, and nickname pairs of names."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler

from ._arrays import unique_sorted
from .features import Features
from .normalise import nickname_pairs
from .similarity import member, similarity

__all__ = ["nickname_keys", "swapped_names"]


def nickname_keys(values: np.ndarray) -> np.ndarray:
    """``a * width + b`` for every (a, b) code pair of names that are nicknames of each other."""
    table = nickname_pairs(pd.Series(values, dtype="object").dropna().tolist())
    if table.empty:
        return np.empty(0, dtype=np.int64)
    index = pd.Index(values)
    a = index.get_indexer(table["name"])
    b = index.get_indexer(table["equivalent"])
    keep = (a >= 0) & (b >= 0)
    return unique_sorted(a[keep].astype(np.int64) * (len(values) + 1) + b[keep])


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
    return similarity(values, a_codes, b_codes, JaroWinkler.normalized_similarity, cutoff=0.92)


def swapped_names(features: Features, left: np.ndarray, right: np.ndarray) -> np.ndarray:
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
    # record's first name.  Both are looked up among the first *and* last names, so the
    # answer depends on the two values only, not on which other names the records hold.
    union_of = features.memo(
        ("swap_tables",),
        lambda: _name_union(first.values, last.values),
    )
    first_code, last_code, nicknames, width = union_of
    as_first = last_code[last.first[lc]]
    nick = member(as_first * width + first_code[first.first[rc]], nicknames)
    out[candidates] = (cross_two >= 0.92) | nick
    return out


def _name_union(
    first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.int64]:
    """Codes of first and last names in one index of both (-1 appended for missing), the
    nickname keys of that index and the key width."""
    union = pd.Index(np.concatenate([first, last])).unique()
    first_code = np.append(union.get_indexer(first), -1).astype(np.int64)
    last_code = np.append(union.get_indexer(last), -1).astype(np.int64)
    return (
        first_code,
        last_code,
        nickname_keys(union.to_numpy(dtype=object)),
        np.int64(len(union) + 1),
    )
