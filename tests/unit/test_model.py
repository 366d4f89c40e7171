from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.comparisons import Comparison
from singleview.errors import ConfigError, NotFittedError
from singleview.model import FellegiSunter


def test_unfitted_model_raises() -> None:
    model = FellegiSunter([Comparison("dob", "date")])
    with pytest.raises(NotFittedError):
        model.score(np.zeros((1, 1), dtype=np.int8))


def test_no_comparisons_is_a_config_error(fake_result: sv.Result) -> None:
    with pytest.raises(ConfigError):
        FellegiSunter([]).fit(fake_result._features, np.zeros((0, 0), dtype=np.int8))


def test_fit_returns_self_and_weights_are_ordered(fake_result: sv.Result) -> None:
    model = fake_result.model
    assert model is not None
    assert 0 < model.prior_ < 0.01
    weights = dict(zip([c.column for c in model.comparisons], model.level_weights(), strict=True))
    # Exact agreement is evidence for, disagreement against.
    for column in ("first_name", "last_name", "dob", "email"):
        assert weights[column][-1] > 0 > weights[column][0]


def test_json_round_trip_scores_the_same(fake_result: sv.Result, tmp_path) -> None:
    model = fake_result.model
    path = tmp_path / "model.json"
    model.save(path)
    again = FellegiSunter.load(path)
    levels = np.array([[6, 3, 6, -1, 2], [0, 0, 0, 0, 0]], dtype=np.int8)
    np.testing.assert_allclose(again.score(levels)[0], model.score(levels)[0])
    assert again.groups == model.groups


def test_groups_count_one_location_agreement() -> None:
    model = FellegiSunter(
        [Comparison("postcode", "postcode"), Comparison("city", "city")],
        groups=[("postcode", "city")],
    )
    model.m_ = [np.array([0.1, 0.1, 0.1, 0.7]), np.array([0.1, 0.1, 0.8])]
    model.u_ = [np.array([0.9, 0.05, 0.04, 0.01]), np.array([0.9, 0.05, 0.05])]
    model.prior_ = 0.5
    model.lambda_ = 0.5
    model.tf_ = {}
    both = np.array([[3, 2]], dtype=np.int8)
    weight, _ = model.score(both)
    assert weight[0] == pytest.approx(np.log2(0.7 / 0.01))  # only the stronger counts
    neither = np.array([[0, 0]], dtype=np.int8)
    weight, _ = model.score(neither)
    assert weight[0] == pytest.approx(np.log2(0.1 / 0.9))


def test_explain_waterfall_adds_up(fake_result: sv.Result) -> None:
    records = fake_result.records
    a = (records["source"][0], records["source_id"][0])
    b = (records["source"][1], records["source_id"][1])
    frame = fake_result.explain(a, b)
    assert frame["comparison"].iloc[0] == "prior"
    assert frame["comparison"].iloc[-1] == "total"
    counted = frame.iloc[:-1][frame["counted"].iloc[:-1].astype(bool)]
    total = (counted["weight"] + counted["tf_adjustment"]).sum()
    assert frame["weight"].iloc[-1] == pytest.approx(total)
    assert 0 <= frame["probability"].iloc[-1] <= 1


def test_explain_unknown_record_is_a_config_error(fake_result: sv.Result) -> None:
    with pytest.raises(ConfigError):
        fake_result.explain(("fake", "nope"), ("fake", "0"))
    assert isinstance(pd.DataFrame(), pd.DataFrame)
