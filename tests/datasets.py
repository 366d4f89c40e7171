"""Loaders for the labelled data shipped in tests/data (FEBRL 3/4, Splink's fake_1000)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import singleview as sv

DATA = Path(__file__).parent / "data"

FEBRL_COLUMNS = {
    "first_name": "given_name",
    "last_name": "surname",
    "address_line": ["street_number", "address_1"],
    "city": "suburb",
    "postcode": "postcode",
    "dob": "date_of_birth",
}


def read_febrl(name: str) -> pd.DataFrame:
    frame = pd.read_csv(
        DATA / "febrl" / name, dtype=str, skipinitialspace=True, keep_default_na=False
    )
    frame.columns = [c.strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def febrl_truth(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": source,
            "source_id": frame["rec_id"],
            "entity_id": frame["rec_id"].str.extract(r"rec-(\d+)")[0],
        }
    )


def febrl_source(frame: pd.DataFrame, name: str) -> sv.FrameSource:
    return sv.FrameSource(
        frame,
        name=name,
        id_column="rec_id",
        columns=FEBRL_COLUMNS,
        ids=["soc_sec_id"],
        extra=["address_2", "state"],
    )


def febrl4() -> tuple[list[sv.FrameSource], pd.DataFrame]:
    a, b = read_febrl("dataset4a.csv"), read_febrl("dataset4b.csv")
    truth = pd.concat([febrl_truth(a, "a"), febrl_truth(b, "b")], ignore_index=True)
    return [febrl_source(a, "a"), febrl_source(b, "b")], truth


def febrl3() -> tuple[list[sv.FrameSource], pd.DataFrame]:
    frame = read_febrl("dataset3.csv")
    return [febrl_source(frame, "febrl3")], febrl_truth(frame, "febrl3")


def fake_1000() -> tuple[list[sv.FrameSource], pd.DataFrame]:
    frame = pd.read_csv(DATA / "splink_fake_1000" / "fake_1000.csv", dtype=str)
    source = sv.FrameSource(
        frame,
        name="fake",
        id_column="unique_id",
        columns={
            "first_name": "first_name",
            "last_name": "surname",
            "dob": "dob",
            "city": "city",
            "email": "email",
        },
    )
    truth = pd.DataFrame(
        {"source": "fake", "source_id": frame["unique_id"], "entity_id": frame["cluster"]}
    )
    return [source], truth


def crowded_records(n: int, *, surnames: int = 97, dob: bool = False) -> pd.DataFrame:
    """``n`` canonical records of one source in few big blocks: two first names, two cities,
    ``surnames`` surnames, a distinct e-mail each (the tight rule finds no pair) and, with
    ``dob``, 50 dates of birth.  Zero configuration has broad rules to weigh on them."""
    frame = pd.DataFrame(
        {
            "source": "s",
            "source_id": [f"{i:05d}" for i in range(n)],
            "first_name": ["anna" if i % 2 else "bob" for i in range(n)],
            "last_name": [f"name{i % surnames}" for i in range(n)],
            "city": ["london" if i % 3 else "leeds" for i in range(n)],
            "email": [(f"p{i}@x.com",) for i in range(n)],
            "phone": [()] * n,
        }
    )
    if dob:
        days = pd.to_timedelta([i % 50 for i in range(n)], "D")
        frame.insert(4, "dob", pd.to_datetime("1980-01-01") + days)
    return frame
