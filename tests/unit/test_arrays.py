from __future__ import annotations

from random import Random

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import singleview._arrays as arrays
from singleview._arrays import (
    any_present,
    explode_tuples,
    factorize_ints,
    inverse_permutation,
    lex_order,
    locate_pairs,
    pairs_sorted,
    run_starts,
    sorted_codes,
    text_rank,
    unique_first,
    unique_inverse,
    unique_sorted,
)

ints = st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=60)


@given(ints)
def test_helpers_agree_with_numpy_unique(values: list[int]) -> None:
    array = np.asarray(values, dtype=np.int64)
    expected, first = np.unique(array, return_index=True)
    assert unique_sorted(array).tolist() == expected.tolist()
    got, got_first = unique_first(array)
    assert got.tolist() == expected.tolist()
    assert got_first.tolist() == first.tolist()
    codes, uniques = factorize_ints(array)
    assert uniques[codes].tolist() == values
    assert len(uniques) == len(expected)
    distinct, inverse = np.unique(array, return_inverse=True)
    got_distinct, got_inverse = unique_inverse(array)
    assert got_distinct.tolist() == distinct.tolist()
    assert got_inverse.tolist() == inverse.ravel().tolist()
    assert got_inverse.dtype == np.int64
    ordered = np.sort(array)
    starts = [i == 0 or ordered[i] != ordered[i - 1] for i in range(len(ordered))]
    assert run_starts(ordered).tolist() == starts


cells = st.one_of(
    st.none(), st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), max_size=3)
)


@given(st.lists(cells, max_size=30))
def test_explode_tuples_agrees_with_pandas(rows: list[list[str | None] | None]) -> None:
    column = pd.Series([tuple(r) if r is not None else None for r in rows], dtype=object)
    expected = column.explode()
    expected = expected[[isinstance(c, tuple) and len(c) > 0 for c in column[expected.index]]]
    positions, values = explode_tuples(column)
    assert positions.tolist() == expected.index.tolist()

    def plain(items: list[object]) -> list[object]:
        return [None if v is None or v != v else v for v in items]  # NaN != NaN

    assert plain(values.tolist()) == plain(expected.tolist())
    assert values.dtype == object and positions.dtype == np.int64


@given(
    st.integers(min_value=0, max_value=40),
    st.lists(st.one_of(st.integers(1, 4), st.integers(2**30, 2**62)), min_size=1, max_size=4),
    st.integers(min_value=0, max_value=2**32),
)
def test_lex_order_is_numpy_lexsort(rows: int, spans: list[int], seed: int) -> None:
    """Packed into one key when the ranges fit (small spans) or by lexsort when they do not
    (huge spans): either way the stable order np.lexsort gives, ties in row order."""
    rng = np.random.default_rng(seed)
    keys = [rng.integers(-span, span, rows) for span in spans]  # small spans: ties
    expected = np.lexsort(keys[::-1]) if rows else np.empty(0, dtype=np.int64)
    assert lex_order(keys).tolist() == expected.tolist()


def test_pair_keys_do_not_wrap_around_with_int32_positions() -> None:
    """Positions are int32, but their keys are computed in int64: 3,000,000 records would
    wrap an int32 product around (and silently pair the wrong records)."""
    from singleview._arrays import pair_keys, position_dtype, split_keys

    n = 3_000_000
    kind = position_dtype(n)
    left = np.array([0, 5, 2_999_998], dtype=kind)
    right = np.array([1, 2_000_000, 2_999_999], dtype=kind)
    keys = pair_keys(left, right, n)
    assert keys.dtype == np.int64
    assert keys.tolist() == [int(a) * n + int(b) for a, b in zip(left, right, strict=True)]
    back_left, back_right = split_keys(keys, n)
    assert back_left.dtype == kind == np.int32
    assert back_left.tolist() == left.tolist() and back_right.tolist() == right.tolist()
    assert position_dtype(2**31) == np.int64


pair_lists = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40)


@given(pair_lists, pair_lists, st.integers(1, 5), st.randoms(use_true_random=False))
def test_locate_pairs_finds_each_pair_like_a_dict(
    hay: list[tuple[int, int]], queries: list[tuple[int, int]], chunk: int, rng: Random
) -> None:
    hay = sorted(set(hay))
    if rng.random() < 0.5:  # either order of the haystack
        rng.shuffle(hay)
    hay_left = np.array([p[0] for p in hay], dtype=np.int32)
    hay_right = np.array([p[1] for p in hay], dtype=np.int32)
    left = np.array([q[0] for q in queries], dtype=np.int32)
    right = np.array([q[1] for q in queries], dtype=np.int32)
    saved = arrays.KEY_CHUNK
    arrays.KEY_CHUNK = chunk  # small chunks: queries fall on every chunk boundary
    try:
        found = locate_pairs(hay_left, hay_right, left, right, 12)
    finally:
        arrays.KEY_CHUNK = saved
    row_of = {pair: row for row, pair in enumerate(hay)}
    assert found.tolist() == [row_of.get(q, -1) for q in queries]


def test_pairs_sorted_needs_distinct_ascending_pairs() -> None:
    assert pairs_sorted(np.array([0, 0, 1]), np.array([1, 2, 0]))
    assert not pairs_sorted(np.array([0, 0, 1]), np.array([2, 1, 0]))
    assert not pairs_sorted(np.array([0, 0]), np.array([1, 1]))
    assert pairs_sorted(np.array([], dtype=np.int32), np.array([], dtype=np.int32))


texts = st.lists(st.text(alphabet="abAB é\u00e9\u0301\U0001f600", max_size=4), max_size=40)


@given(texts)
def test_text_rank_is_the_stable_sort_of_python_strings(values: list[str]) -> None:
    array = np.array(values, dtype=object)
    expected = np.empty(len(values), dtype=np.int64)
    expected[sorted(range(len(values)), key=lambda i: (values[i], i))] = np.arange(len(values))
    assert text_rank(array).tolist() == expected.tolist()
    assert text_rank(pd.array(values, dtype="str")).tolist() == expected.tolist()


def test_text_rank_and_sorted_codes_fall_back_for_missing_values_and_surrogates() -> None:
    values = np.array(["b", None, "a", "b"], dtype=object)
    assert text_rank(values).tolist() == [2, 0, 1, 3]  # missing first, as pandas codes it -1
    odd = np.array(["b", "\ud800", "a"], dtype=object)
    codes, distinct = sorted_codes(odd, column=True)
    assert codes.tolist() == [1, 2, 0]
    assert list(distinct) == ["a", "b", "\ud800"]
    assert text_rank(odd).tolist() == [1, 2, 0]


@given(texts)
def test_sorted_codes_as_a_column_holds_the_same_values(values: list[str]) -> None:
    codes, distinct = sorted_codes(np.array(values, dtype=object))
    column_codes, column = sorted_codes(pd.array(values, dtype="str"), column=True)
    assert codes.tolist() == column_codes.tolist()
    assert list(column) == distinct.tolist() == sorted(set(values))
    assert [distinct[c] for c in codes] == values


@given(st.permutations(list(range(12))))
def test_inverse_permutation_is_argsort_of_a_permutation(order: list[int]) -> None:
    assert inverse_permutation(np.array(order)).tolist() == np.argsort(order).tolist()


def test_any_present_is_any_code_in_the_row() -> None:
    rng = np.random.default_rng(4)
    for width in (1, 2, 4):
        codes = rng.integers(-1, 2, (500, width)).astype(np.int32)
        codes[:50] = -1  # rows with nothing
        assert np.array_equal(any_present(codes), (codes >= 0).any(axis=1))
