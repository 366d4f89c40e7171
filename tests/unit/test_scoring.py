from __future__ import annotations

import numpy as np

import singleview as sv
from singleview.blocking import block
from singleview.model import ExactValues
from singleview.scoring import compare_pairs, extend_compared, score_compared


def test_term_frequencies_as_codes_score_like_per_pair_adjustments(
    fake_result: sv.Result,
) -> None:
    model, features = fake_result.model, fake_result._features
    assert model is not None and features is not None
    rng = np.random.default_rng(0)
    left = rng.integers(0, features.n, 5000)
    right = rng.integers(0, features.n, 5000)
    compared = compare_pairs(features, model, left, right)
    per_pair = {k: model.tf_adjustment(k, features, c) for k, c in compared.exact.items()}
    tables = {k: model.tf_table(k, features) for k in compared.exact}
    codes = ExactValues(compared.exact, {k: t for k, t in tables.items() if t is not None})
    expected = model.score_with_disagreement(compared.levels, per_pair)
    got = model.score_with_disagreement(compared.levels, codes)
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_allclose(a, b)
    # ... and score_compared is that plus the per-source-pair prior.
    weight = score_compared(features, compared, model)[0]
    prior = model.prior_weights(features, left, right)
    np.testing.assert_allclose(weight, expected[0] - model.prior_weight + prior)


def test_extending_compared_pairs_equals_comparing_them_all(fake_result: sv.Result) -> None:
    model, features = fake_result.model, fake_result._features
    assert model is not None and features is not None
    everything = block(features, [("city",), ("dob",)], link_within=True, max_block_size=1000)
    part = block(features, [("dob",)], link_within=True, max_block_size=1000)
    grown = extend_compared(
        features, model, compare_pairs(features, model, part.left, part.right), everything
    )
    full = compare_pairs(features, model, everything.left, everything.right)
    assert len(part) < len(everything)
    np.testing.assert_array_equal(grown.levels, full.levels)
    for k in full.exact:
        np.testing.assert_array_equal(grown.exact[k], full.exact[k])
