from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from singleview.normalise import normalise_date, normalise_timestamp

BIRTHDAY = pd.Timestamp("1980-04-23")


@pytest.mark.parametrize(
    "raw",
    [
        "1980-04-23",
        "1980-04-23T00:00:00",
        "19800423",
        19800423,
        "23/04/1980",
        "04/23/1980",
        "23-04-1980",
        "23.04.1980",
        "23 Apr 1980",
        "April 23, 1980",
        "23rd April 1980",
        pd.Timestamp("1980-04-23 10:30"),
        dt.date(1980, 4, 23),
        np.datetime64("1980-04-23"),
    ],
)
def test_date_formats(raw: object) -> None:
    out = normalise_date(pd.Series([raw], dtype=object), dayfirst=True)
    assert out.values.tolist() == [BIRTHDAY]
    assert out.reasons.tolist() == [None]


def test_dayfirst_decides_ambiguous_dates() -> None:
    s = pd.Series(["01/02/1980"])
    assert normalise_date(s, dayfirst=True).values[0] == pd.Timestamp("1980-02-01")
    assert normalise_date(s, dayfirst=False).values[0] == pd.Timestamp("1980-01-02")
    assert normalise_date(pd.Series(["23/04/1980"]), dayfirst=False).values[0] == BIRTHDAY


def test_date_reasons() -> None:
    cases = {
        "1900-01-01": "placeholder",
        "01/01/1970": "placeholder",
        "0001-01-01": "placeholder",
        "9999-12-31": "placeholder",
        "1850-05-05": "out_of_range",
        "2090-01-01": "out_of_range",
        "garbage": "unparseable",
        "31/02/1980": "unparseable",
        "": None,
    }
    s = pd.Series(list(cases), index=range(50, 50 + len(cases)))
    out = normalise_date(s, dayfirst=True)
    assert out.values.isna().all()
    assert out.reasons.tolist() == list(cases.values())
    assert out.values.index.equals(s.index)
    assert str(out.values.dtype) == "datetime64[ns]"


def test_date_objects_out_of_range() -> None:
    out = normalise_date(pd.Series([dt.date(1, 1, 1), dt.date(1500, 6, 1)]), dayfirst=True)
    assert out.reasons.tolist() == ["placeholder", "out_of_range"]


def test_two_digit_year_in_future_moves_back_a_century() -> None:
    out = normalise_date(pd.Series(["01/02/45"]), dayfirst=True)
    assert out.values[0] == pd.Timestamp("1945-02-01")


def test_date_missing_empty_and_not_mutated() -> None:
    s = pd.Series([None, np.nan, pd.NaT, "23/04/1980"], dtype=object)
    before = s.copy()
    out = normalise_date(s, dayfirst=True)
    assert out.values.isna().tolist() == [True, True, True, False]
    assert out.reasons.tolist() == [None] * 4
    pd.testing.assert_series_equal(s, before)
    empty = normalise_date(pd.Series([], dtype=object), dayfirst=True)
    assert str(empty.values.dtype) == "datetime64[ns]"
    assert len(empty.values) == 0


def test_datetime_dtype_input() -> None:
    s = pd.Series(pd.to_datetime(["1980-04-23 13:00", None]))
    out = normalise_date(s, dayfirst=True)
    assert out.values[0] == BIRTHDAY
    assert pd.isna(out.values[1])


def test_timestamps() -> None:
    s = pd.Series(
        [
            "2024-05-01 13:45:10",
            "2024-05-01T13:45:10Z",
            "2024-05-01T15:45:10+02:00",
            "01/05/2024 13:45",
            "2024-05-01",
            "1960-01-01",
            "2999-01-01",
            "soon",
            None,
        ]
    )
    out = normalise_timestamp(s, dayfirst=True)
    assert out.values.tolist()[:5] == [
        pd.Timestamp("2024-05-01 13:45:10"),
        pd.Timestamp("2024-05-01 13:45:10"),
        pd.Timestamp("2024-05-01 13:45:10"),
        pd.Timestamp("2024-05-01 13:45:00"),
        pd.Timestamp("2024-05-01"),
    ]
    assert out.reasons.tolist() == [None] * 5 + ["out_of_range"] * 2 + ["unparseable", None]
    assert str(out.values.dtype) == "datetime64[ns]"


def test_timestamp_tz_aware_column_becomes_naive_utc() -> None:
    s = pd.Series(pd.to_datetime(["2024-07-01 12:00"]).tz_localize("Europe/London"))
    out = normalise_timestamp(s, dayfirst=False)
    assert out.values.tolist() == [pd.Timestamp("2024-07-01 11:00")]


@given(st.dates(min_value=dt.date(1901, 1, 2), max_value=dt.date(2020, 12, 31)))
def test_written_forms_agree(day: dt.date) -> None:
    assume(day != dt.date(1970, 1, 1))
    forms = [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d %b %Y"), day]
    out = normalise_date(pd.Series(forms, dtype=object), dayfirst=True)
    assert out.values.tolist() == [pd.Timestamp(day)] * 4
    assert out.reasons.tolist() == [None] * 4
