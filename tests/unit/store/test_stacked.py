"""A lookup's stacked features score exactly as features built from its rows would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import SyntheticData
from singleview.features import Coded
from singleview.store.lookup import Lookup, _normalise
from singleview.store.stacked import StackedFeatures, stack_coded

from .conftest import sources


def _rows(coded: Coded) -> list[tuple[object, ...]]:
    return [tuple(coded.values[c] for c in row if c >= 0) for row in coded.codes]


def test_equal_values_share_a_code_and_unused_slots_go() -> None:
    stored = Coded(
        np.array([[0, 1, -1, -1], [2, -1, -1, -1], [1, -1, -1, -1], [3, 0, -1, -1]], np.int32),
        np.array(["a", "b", "c", "d"], dtype=object),
    )
    query = Coded(np.array([[0, 1]], np.int32), np.array(["b", "z"], dtype=object))
    got = stack_coded(query, stored, np.array([2, 1]))
    assert _rows(got) == [("b", "z"), ("b",), ("c",)]
    assert got.codes[0, 0] == got.codes[1, 0]  # the query's "b" is the stored "b"
    assert got.width == 2 and sorted(got.values.tolist()) == ["b", "c", "z"]
    # A query without the field, over rows of up to two values: two slots, not four.
    empty = Coded(np.full((1, 1), -1, np.int32), np.empty(0, dtype=object))
    got = stack_coded(empty, stored, np.array([3, 0]))
    assert _rows(got) == [(), ("d", "a"), ("a", "b")] and got.width == 2


@pytest.fixture(scope="module")
def lookup(tmp_path_factory: pytest.TempPathFactory, synthetic: SyntheticData) -> Lookup:
    path: Path = tmp_path_factory.mktemp("stacked") / "s.duckdb"
    with sv.IdentityStore(path) as store:
        store.ingest(sources(synthetic.frames))
        with store._read() as con:
            return Lookup.load(con)


def test_scores_equal_those_of_features_built_from_the_rows(lookup: Lookup) -> None:
    stored = lookup.records
    known = stored.dropna(subset=["first_name", "last_name", "dob"]).iloc[7]
    queries = [
        {  # a stored person, with an e-mail and a phone
            "first_name": known["first_name"],
            "last_name": known["last_name"],
            "dob": str(known["dob"].date()),
            "email": (known["email"] or ("x@example.com",))[0],
            "phone": "+44 7700 900123",
        },
        {"first_name": "Zebedee", "last_name": "Quux", "email": "zq@nowhere.example"},
        {"last_name": known["last_name"], "postcode": known["postcode"]},
    ]
    rng = np.random.default_rng(5)
    context = lookup.context
    for record in queries:
        query = _normalise(record, None)
        assert query is not None
        positions = np.sort(rng.choice(len(stored), size=150, replace=False))
        right = np.arange(1, len(positions) + 1, dtype=np.int64)
        left = np.zeros(len(right), dtype=np.int64)
        rows = pd.concat([query, stored.iloc[positions]], ignore_index=True)
        expected = context.score(context.features(rows), left, right)
        stacked = StackedFeatures.of(context.features(query), lookup.stored, positions)
        got = context.score(stacked, left, right)
        assert np.array_equal(got.levels, expected.levels)
        assert np.array_equal(got.probability, expected.probability)
        assert np.array_equal(got.forced, expected.forced)
    # every field the model reads was coded once, when the store was read
    assert {c.column for c in context.model.comparisons} <= set(lookup.stored._cache)
