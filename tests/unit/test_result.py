"""``Result``: frames built on first read (``Deferred``)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

import singleview as sv
from singleview.datasets import generate
from singleview.result import Deferred, Result


def _result(pairs: pd.DataFrame | Deferred) -> Result:
    empty = pd.DataFrame()
    return Result(
        clusters=empty,
        profiles=empty,
        pairs=pairs,  # type: ignore[arg-type]
        quarantine=empty,
        records=empty,
        issues=empty,
        blocking=empty,
        model=None,
        threshold=0.5,
    )


def test_a_deferred_frame_is_built_on_first_read_and_once() -> None:
    calls: list[int] = []

    def build() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"match_probability": [0.9]})

    result = _result(Deferred(build))
    assert calls == []
    first = result.pairs
    assert calls == [1]
    assert result.pairs is first
    assert calls == [1]
    assert first["match_probability"].tolist() == [0.9]


def test_a_frame_given_as_is_is_read_as_is() -> None:
    frame = pd.DataFrame({"a": [1]})
    assert _result(frame).pairs is frame


def test_resolved_pairs_hold_every_pair_above_the_floor_with_its_records() -> None:
    data = generate(800, random_state=5)
    result = sv.resolve(data.sources(), settings=sv.Settings(pairs_floor=0.2))
    pairs = result.pairs
    assert len(pairs) > 0
    assert (pairs["match_probability"] >= 0.2).all()
    assert len(pairs) <= result.stats["candidate_pairs"]
    known = set(zip(result.records["source"], result.records["source_id"], strict=True))
    for side in ("l", "r"):
        keys = zip(pairs[f"source_{side}"], pairs[f"source_id_{side}"], strict=True)
        assert set(keys) <= known
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    assert gammas and all(pairs[c].dtype == np.int8 for c in gammas)
    assert set(pairs["matched_by"]) <= {"model", "rule"}


def test_a_result_pickles_before_its_deferred_pairs_are_read() -> None:
    rows = {"match_probability": [0.9, 0.2]}
    result = _result(Deferred(lambda: pd.DataFrame(rows)))
    restored = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(restored.pairs, pd.DataFrame(rows))
    assert not isinstance(result.__dict__["_pairs_value"], Deferred)
