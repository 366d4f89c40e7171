"""Features: each field's integer codes over its distinct values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from singleview.features import _outward, build_features


def test_dates_of_birth_are_coded_as_their_spelt_days() -> None:
    """Each distinct date is spelt once, yet the codes and values are those of spelling
    every row and factorizing the text (times of day fall on their day)."""
    rng = np.random.default_rng(5)
    days = pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 300, 2_000), "D")
    hours = pd.to_timedelta(rng.integers(0, 3, 2_000) * 7, "h")
    dob = pd.Series(days + hours).where(rng.random(2_000) > 0.1)
    records = pd.DataFrame({"source": "crm", "dob": dob.astype("datetime64[ns]")})
    coded = build_features(records)["dob"]
    spelt = dob.dt.strftime("%Y%m%d").astype(object).where(dob.notna(), None)
    codes, values = pd.factorize(spelt, use_na_sentinel=True)
    np.testing.assert_array_equal(coded.first, codes)
    assert list(coded.values) == list(values)
    assert coded.codes.dtype == np.int32


@given(st.lists(st.text(alphabet="AB1 é\U0001f600", max_size=7), max_size=30))
def test_postcode_outward_is_the_part_before_the_space_or_the_first_three(
    postcodes: list[str],
) -> None:
    """Arrow's kernels give what Python's split and slice give, non-ASCII text included;
    a lone surrogate takes the Python path and gives the same."""
    values = pd.Series([*postcodes, "\ud800 X"], dtype="object")
    expected = [v.split(" ", 1)[0] if " " in v else v[:3] for v in values]
    assert _outward(values).tolist() == expected
    assert _outward(values.iloc[:-1]).tolist() == expected[:-1]
