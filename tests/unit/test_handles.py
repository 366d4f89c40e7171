from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.handles import names_from_email, split_handle

FIRSTS = {"jason": 5, "mia": 4, "karen": 6, "jones": 1}
LASTS = {"elmley": 1, "jones": 9, "evans": 7, "mia": 1}


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("jason.elmley85", ("jason", "elmley")),
        ("jason_elmley+news", ("jason", "elmley")),
        ("elmley.jason", ("jason", "elmley")),
        ("jasonelmley", ("jason", "elmley")),
        ("elmleyjason1979", ("jason", "elmley")),
        ("j.elmley", ("j", "elmley")),
        ("jelmley", ("j", "elmley")),
        # Names that also appear the other way round (a few swapped records): the reading
        # with the common first name and the common last name wins.
        ("jones.mia", ("mia", "jones")),
        ("info", None),
        ("sales.team", None),
        ("a.b.c", None),
    ],
)
def test_split_handle(local: str, expected: tuple[str, str] | None) -> None:
    assert split_handle(local, FIRSTS, LASTS) == expected


def test_two_equally_likely_readings_are_left_alone() -> None:
    firsts = {"ann": 3, "anna": 3}
    lasts = {"ash": 3, "sh": 3}  # ann+ash or anna+sh
    assert split_handle("annash", firsts, lasts) is None


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["crm", "crm", "store", "store", "store"],
            "source_id": ["1", "2", "1", "2", "3"],
            "first_name": ["Jason", "karen", None, None, None],
            "last_name": ["elmley", "evans", None, None, "evans"],
            "email": [
                ("jason@corp.com",),
                (),
                ("jason.elmley85@gmail.com",),
                ("info@shop.com",),
                ("karen.evans@gmail.com",),
            ],
        }
    )


def test_names_are_filled_only_for_records_without_any() -> None:
    records = _records()
    out, mask = names_from_email(records)
    assert mask.tolist() == [False, False, True, False, False]
    assert out.loc[2, "first_name"] == "Jason"  # the batch's own spelling
    assert out.loc[2, "last_name"] == "elmley"
    assert records["first_name"].isna().sum() == 3  # the input is not changed


def test_common_names_are_not_read() -> None:
    records = _records()
    many = pd.DataFrame(
        {
            "source": "crm",
            "source_id": [f"x{i}" for i in range(6)],
            "first_name": ["jason"] * 6,
            "last_name": ["elmley"] * 6,
            "email": [()] * 6,
        }
    )
    _, mask = names_from_email(pd.concat([records, many], ignore_index=True))
    assert not mask.any()  # six jason elmleys: the handle says nothing


def test_frames_without_the_columns_are_returned_as_they_are() -> None:
    records = _records().drop(columns=["email"])
    out, mask = names_from_email(records)
    assert out is records
    assert not mask.any()


def test_resolve_links_a_receipt_email_to_the_named_customer() -> None:
    crm = pd.DataFrame(
        {
            "id": ["c1", "c2", "c3", "c4"],
            "first": ["Jason", "Maria", "Tom", "Ann"],
            "last": ["Elmley", "Shaw", "Byrne", "Lee"],
            "email": ["j.e@work.com", "m@x.com", "t@y.com", "a@z.com"],
        }
    )
    store = pd.DataFrame({"id": ["t1", "t2"], "email": ["jasonelmley@gmail.com", "q@q.com"]})
    sources = [
        sv.FrameSource(
            crm,
            name="crm",
            id_column="id",
            columns={"first_name": "first", "last_name": "last", "email": "email"},
        ),
        sv.FrameSource(store, name="store", id_column="id", columns={"email": "email"}),
    ]
    on = sv.resolve(sources)
    off = sv.resolve(sources, settings=sv.Settings(names_from_email=False))
    assert on.stats["names_from_email"] == 1
    assert off.stats["names_from_email"] == 0
    # The receipt is compared by name only when its handle was read.
    explained = on.explain(("store", "t1"), ("crm", "c1")).set_index("column")
    assert explained.loc["first_name", "level"] == "exact"
    assert explained.loc["last_name", "level"] == "exact"
    # result.records keeps what the source said.
    records = on.records.set_index(["source", "source_id"])
    assert pd.isna(records.loc[("store", "t1"), "first_name"])
    assert np.isfinite(explained.loc[explained.index.isna()].iloc[-1]["weight"])
