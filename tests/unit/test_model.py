from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.comparisons import Comparison
from singleview.datasets import generate
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
    assert again.source_priors_ == model.source_priors_
    assert (again.distinguish, again.family) == (model.distinguish, model.family)


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


def _household_model(**rule: tuple[str, ...]) -> FellegiSunter:
    model = FellegiSunter(
        [
            Comparison("first_name", "exact"),
            Comparison("last_name", "exact"),
            Comparison("postcode", "exact"),
            Comparison("city", "exact"),
        ],
        groups=[("postcode", "city")],
        **rule,
    )
    model.m_ = [np.array([0.05, 0.95]), np.array([0.05, 0.95]), np.array([0.1, 0.9])]
    model.m_.append(np.array([0.1, 0.9]))
    model.u_ = [np.array([0.99, 0.01]), np.array([0.99, 0.01]), np.array([0.999, 0.001])]
    model.u_.append(np.array([0.9, 0.1]))
    model.prior_, model.lambda_, model.tf_ = 0.5, 0.5, {}
    return model


def test_household_rule_drops_a_shared_location_for_another_first_name() -> None:
    ruled = _household_model(distinguish=("first_name",), family=("last_name",))
    plain = _household_model()
    postcode = np.log2(0.9 / 0.001)
    sibling = np.array([[0, 1, 1, -1]], dtype=np.int8)  # other first name, same surname, place
    assert plain.score(sibling)[0][0] - ruled.score(sibling)[0][0] == pytest.approx(postcode)
    # Same first name, or another surname too: the rule does not apply.
    for levels in ([[1, 1, 1, -1]], [[0, 0, 1, -1]]):
        pair = np.array(levels, dtype=np.int8)
        assert ruled.score(pair)[0][0] == pytest.approx(plain.score(pair)[0][0])


def test_disagreement_sums_the_negative_weights() -> None:
    model = _household_model()
    levels = np.array([[0, 0, 1, -1], [1, 1, -1, -1]], np.int8)
    _, _, against = model.score_with_disagreement(levels)
    expected = np.log2(0.05 / 0.99) * 2
    assert against.tolist() == pytest.approx([expected, 0.0])


def test_source_pair_priors_are_fitted_per_pair_of_sources() -> None:
    data = generate(1500, random_state=1)
    result = sv.resolve(data.sources())
    model = result.model
    assert model is not None
    assert {"crm|web", "crm|crm", "call_centre|call_centre"} <= set(model.source_priors_)
    # A CRM repeats few people; a call log repeats its callers.
    priors = model.source_priors_
    assert priors["crm|crm"] < priors["crm|web"] < priors["call_centre|call_centre"]
    features = result._features
    assert features is not None
    prior = model.prior_weights(features, np.array([0]), np.array([1]))
    both = str(features.source_names[features.source[0]])
    expected = priors[f"{both}|{both}"]
    assert prior[0] == pytest.approx(np.log2(expected / (1 - expected)))


def test_one_source_has_only_the_overall_prior(fake_result: sv.Result) -> None:
    model = fake_result.model
    assert model is not None and model.source_priors_ == {}
    prior = model.prior_weights(fake_result._features, np.array([0]), np.array([1]))
    assert prior[0] == pytest.approx(model.prior_weight)


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


def _counted_by_rows(model: FellegiSunter, contrib: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The rule of ``counted`` written row-wise, as NumPy reads it most directly."""
    columns = [c.column for c in model.comparisons]
    tell = [columns.index(c) for c in model.distinguish if c in columns]
    kin = [columns.index(c) for c in model.family if c in columns]
    differ = np.zeros(len(contrib), dtype=bool)
    if tell:
        differ = (known[:, tell] & (contrib[:, tell] < 0)).any(axis=1)
        if kin:
            differ &= (known[:, kin] & (contrib[:, kin] > 0)).all(axis=1)
    mask = known.copy()
    for group in model._group_indices():
        sub, sub_known = contrib[:, group], known[:, group]
        high = np.where(sub_known, sub, -np.inf)
        low = np.where(sub_known, sub, np.inf)
        chosen = np.where(high.max(axis=1) > 0, high.argmax(axis=1), low.argmin(axis=1))
        mask[:, group] = False
        rows = np.flatnonzero(sub_known.any(axis=1))
        mask[rows, np.asarray(group)[chosen[rows]]] = True
        if differ.any():
            mask[:, group] &= ~(differ[:, None] & (sub > 0))
    return mask


@pytest.mark.parametrize("household", [False, True])
def test_counted_column_by_column_is_the_row_rule(household: bool) -> None:
    rule = {"distinguish": ("first_name",), "family": ("last_name",)} if household else {}
    model = _household_model(**rule)
    model.groups = [("postcode", "city"), ("first_name", "last_name")]
    rng = np.random.default_rng(11)
    # Few distinct weights: ties inside a group are common; a quarter unknown.
    contrib = rng.choice([-3.0, -1.0, 0.0, 1.0, 3.0], size=(5000, 4))
    known = rng.random((5000, 4)) > 0.25
    got = model.counted(np.asfortranarray(contrib), known)
    assert np.array_equal(got, _counted_by_rows(model, contrib, known))
    assert got.sum() < known.sum()  # groups did drop contributions
