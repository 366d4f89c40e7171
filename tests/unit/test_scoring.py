from __future__ import annotations

import numpy as np
import pytest

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


def test_threads_give_what_one_thread_gives(
    fake_result: sv.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comparisons and term-frequency score chunks run in one thread per CPU on large
    inputs; the levels, codes and scores are those of one thread, bit for bit."""
    import singleview.model as model_module
    import singleview.model_scoring as model_scoring
    import singleview.scoring as scoring

    model, features = fake_result.model, fake_result._features
    assert model is not None and features is not None
    rng = np.random.default_rng(1)
    left = rng.integers(0, features.n, 20_000)
    right = rng.integers(0, features.n, 20_000)

    def run(threads: int) -> tuple:
        monkeypatch.setattr(scoring, "usable_cpus", lambda: threads)
        monkeypatch.setattr(model_module, "usable_cpus", lambda: threads)
        monkeypatch.setattr(model_scoring, "usable_cpus", lambda: threads)
        monkeypatch.setattr(scoring, "THREADED_FROM", 1)
        monkeypatch.setattr(model_scoring, "SCORE_CHUNK", 3_000)  # several chunks
        monkeypatch.setattr(model_module, "LEVELS_THREADED_FROM", 1)
        compared = compare_pairs(features, model, left, right)
        sample = model._levels(features, left, right)  # the random pairs behind u
        np.testing.assert_array_equal(sample, compared.levels)
        return compared, score_compared(features, compared, model)

    (one, one_scores), (two, two_scores) = run(1), run(2)
    np.testing.assert_array_equal(one.levels, two.levels)
    assert one.exact.keys() == two.exact.keys()
    for k in one.exact:
        np.testing.assert_array_equal(one.exact[k], two.exact[k])
    for a, b in zip(one_scores, two_scores, strict=True):
        np.testing.assert_array_equal(a, b)
