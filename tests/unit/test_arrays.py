from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from singleview._arrays import factorize_ints, unique_first, unique_sorted

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
