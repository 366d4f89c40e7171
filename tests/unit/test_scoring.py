from __future__ import annotations

import numpy as np
import pytest

import singleview as sv
from singleview import _process, scoring
from singleview._arrays import locate_pairs
from singleview.blocking import agree, block
from singleview.features import Features
from singleview.model import ExactValues, FellegiSunter
from singleview.scoring import (
    Compared,
    compare_pairs,
    fit_compared,
    grow_levels,
    score_compared,
    score_pairs,
    scores_at,
)


def _random_compared(
    result: sv.Result, n_pairs: int, seed: int
) -> tuple[FellegiSunter, Features, Compared]:
    """``result``'s model and features, and ``n_pairs`` random record pairs compared."""
    model, features = result.model, result._features
    assert model is not None and features is not None
    rng = np.random.default_rng(seed)
    left = rng.integers(0, features.n, n_pairs)
    right = rng.integers(0, features.n, n_pairs)
    return model, features, compare_pairs(features, model, left, right)


def test_term_frequencies_as_codes_score_like_per_pair_adjustments(
    fake_result: sv.Result,
) -> None:
    model, features, compared = _random_compared(fake_result, 5000, seed=0)
    left, right = compared.left, compared.right
    exact = {
        k: c.shared_codes(features, left, right)
        for k, c in enumerate(model.comparisons)
        if c.tf_adjust
    }
    assert exact and any((codes >= 0).any() for codes in exact.values())
    per_pair = {k: model.tf_adjustment(k, features, c) for k, c in exact.items()}
    tables = {k: model.tf_table(k, features) for k in exact}
    codes = ExactValues(exact, {k: t for k, t in tables.items() if t is not None})
    expected = model.score_with_disagreement(compared.levels, per_pair)
    got = model.score_with_disagreement(compared.levels, codes)
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_allclose(a, b)
    # ... and score_compared is that plus the per-source-pair prior.
    weight = score_compared(features, compared, model)[0]
    prior = model.prior_weights(features, left, right)
    np.testing.assert_allclose(weight, expected[0] - model.prior_weight + prior)


def test_scoring_in_chunks_gives_the_same_scores(
    fake_result: sv.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, features, compared = _random_compared(fake_result, 3001, seed=1)
    whole = score_compared(features, compared, model)
    monkeypatch.setattr(scoring, "SCORE_PAIRS_CHUNK", 500)
    for a, b in zip(whole, score_compared(features, compared, model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_score_pairs_keeps_what_clustering_and_the_pairs_frame_read(
    fake_result: sv.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, features, compared = _random_compared(fake_result, 3001, seed=2)
    weight, probability, against = score_compared(features, compared, model)
    rule = ("last_name",)
    forced = agree(features, rule, compared.left, compared.right)
    assert 0 < forced.sum() < len(forced)
    probability[forced] = 1.0
    monkeypatch.setattr(scoring, "SCORE_PAIRS_CHUNK", 700)
    scored = score_pairs(features, compared, model, threshold=0.5, floor=0.01, forced_by=[rule])
    np.testing.assert_array_equal(scored.link, probability >= 0.5)
    kept = np.flatnonzero(probability >= 0.01)
    assert 0 < len(kept) < len(probability)
    np.testing.assert_array_equal(scored.kept, kept)
    np.testing.assert_array_equal(scored.weight, weight[kept])
    np.testing.assert_array_equal(scored.probability, probability[kept])
    np.testing.assert_array_equal(scored.disagreement, against[kept])
    np.testing.assert_array_equal(scored.forced, forced[kept])
    np.testing.assert_array_equal(scored.levels, compared.levels[kept])
    # Any rows, kept or not, read back as scoring them all gave.
    rows = np.arange(0, len(probability), 3)
    assert not np.isin(rows, kept).all()
    got = scores_at(features, compared, model, scored, rows)
    for a, b in zip(got, (probability[rows], against[rows], forced[rows]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_extending_compared_pairs_equals_comparing_them_all(fake_result: sv.Result) -> None:
    model, features = fake_result.model, fake_result._features
    assert model is not None and features is not None
    everything = block(features, [("city",), ("dob",)], link_within=True, max_block_size=1000)
    part = block(features, [("dob",)], link_within=True, max_block_size=1000)
    before = compare_pairs(features, model, part.left, part.right)
    done = locate_pairs(everything.left, everything.right, part.left, part.right, features.n)
    assert (done >= 0).all()
    grown = grow_levels(features, model, everything, before.levels, done)
    full = compare_pairs(features, model, everything.left, everything.right)
    assert len(part) < len(everything)
    np.testing.assert_array_equal(grown.levels, full.levels)


def test_threads_give_what_one_thread_gives(
    fake_result: sv.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comparisons and term-frequency score chunks run in one thread per CPU on large
    inputs; the levels and scores are those of one thread, bit for bit."""
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
        monkeypatch.setattr(_process, "usable_cpus", lambda: threads)
        monkeypatch.setattr(model_module, "usable_cpus", lambda: threads)
        monkeypatch.setattr(scoring, "THREADED_FROM", 1)
        monkeypatch.setattr(model_scoring, "SCORE_CHUNK", 3_000)  # several chunks
        monkeypatch.setattr(model_module, "LEVELS_THREADED_FROM", 1)
        compared = compare_pairs(features, model, left, right)
        sample = model._levels(features, left, right)  # the random pairs behind u
        np.testing.assert_array_equal(sample, compared.levels)
        return compared, score_compared(features, compared, model)

    (one, one_scores), (two, two_scores) = run(1), run(2)
    np.testing.assert_array_equal(one.levels, two.levels)
    for a, b in zip(one_scores, two_scores, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_shared_code_is_a_value_both_sides_hold_at_the_exact_level(
    fake_result: sv.Result,
) -> None:
    """The codes behind term-frequency adjustments are recomputed from value codes where
    pairs are scored; they stand only on exact levels, for a value both records hold."""
    model, features = fake_result.model, fake_result._features
    assert model is not None and features is not None
    candidates = block(features, [("dob",)], link_within=True, max_block_size=1000)
    left, right = candidates.left, candidates.right
    for comparison in model.comparisons:
        level, shared = comparison.compare(features, left, right)
        rows = np.flatnonzero(shared >= 0)
        assert len(rows), comparison.column
        assert (level[rows] == len(comparison.labels) - 1).all(), comparison.column
        codes = features[comparison.column].codes
        held_left = (codes[left[rows]] == shared[rows, None]).any(axis=1)
        held_right = (codes[right[rows]] == shared[rows, None]).any(axis=1)
        assert held_left.all() and held_right.all(), comparison.column


def test_agreement_and_fit_counts_in_chunks_are_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``agree`` and the per-(source pair, pattern) counts go a chunk of pairs at a time;
    the answers are those of one pass."""
    from singleview import blocking, fit_stats
    from singleview.datasets import generate

    result = sv.resolve(generate(800, random_state=5).sources())  # four sources
    model, features = result.model, result._features
    assert model is not None and features is not None
    candidates = block(features, [("dob",)], link_within=True, max_block_size=1000)
    left, right = candidates.left, candidates.right
    levels = compare_pairs(features, model, left, right).levels

    def run() -> tuple[np.ndarray, np.ndarray | None]:
        stats = fit_stats.local_fit_stats(
            model, features, levels, link_within=True, pairs=(left, right)
        )
        return blocking.agree(features, ["last_name", "email"], left, right), stats.strata

    whole_agree, whole_strata = run()
    assert whole_agree.any() and not whole_agree.all()
    assert whole_strata is not None and whole_strata.sum() == len(left)
    monkeypatch.setattr(blocking, "AGREE_CHUNK", 97)
    monkeypatch.setattr(fit_stats, "STRATA_CHUNK", 101)
    chunked_agree, chunked_strata = run()
    np.testing.assert_array_equal(chunked_agree, whole_agree)
    np.testing.assert_array_equal(chunked_strata, whole_strata)


@pytest.mark.parametrize("arrow_from", [1, 10**9])
def test_term_frequency_tables_are_searched_alike_by_arrow_and_pandas(
    arrow_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large value sets are looked up with Arrow, small ones with the table's pandas index:
    both give each value's position in the table, -1 where absent, non-ASCII included; a
    table or query that is not all text takes the pandas path."""
    import pandas as pd

    from singleview import model_scoring

    monkeypatch.setattr(model_scoring, "TF_ARROW_FROM", arrow_from)
    table = pd.Series([0.5, 0.25, 0.125], index=["smith", "émile", "\U0001f600"])
    entry = model_scoring._TfIndex(table)
    values = np.array(["émile", "jones", "smith", "\U0001f600", "smith "], dtype=object)
    assert entry.positions(values).tolist() == [1, -1, 0, 2, -1]
    assert entry.positions(np.array([], dtype=object)).tolist() == []
    numbers = model_scoring._TfIndex(pd.Series([1.0, 2.0], index=[7, 8]))
    assert numbers.positions(np.array([8, 9], dtype=object)).tolist() == [1, -1]
    assert entry.positions(np.array(["smith", 3], dtype=object)).tolist() == [0, -1]


def test_term_frequencies_of_the_fitted_features_are_read_in_order_like_a_search(
    fake_result: sv.Result,
) -> None:
    """A model scoring the features it was fitted on reads each term-frequency table by
    position; a copy of the model from JSON (no link to those features) searches the
    tables by value; both give every distinct value the same adjustment.  A table changed
    after fitting (an erasure drops values) is searched again."""
    fitted, features, compared = _random_compared(fake_result, 5000, seed=1)
    loaded = FellegiSunter.from_json(fitted.to_json())
    model = FellegiSunter.from_json(fitted.to_json())
    fit_compared(features, compared, model, link_within=True)
    loaded.tf_, loaded.tf_u_ = dict(model.tf_), list(model.tf_u_)
    adjusted = [k for k, c in enumerate(model.comparisons) if c.tf_adjust]
    assert adjusted
    for k in adjusted:
        column = model.comparisons[k].column
        assert model._tf_in_order(column, features[column].values, model.tf_[column])
        assert not loaded._tf_in_order(column, features[column].values, loaded.tf_[column])
        in_order, searched = model.tf_table(k, features), loaded.tf_table(k, features)
        assert in_order is not None and searched is not None
        np.testing.assert_allclose(in_order, searched, rtol=0, atol=1e-12)
    column = model.comparisons[adjusted[0]].column
    changed = model.tf_[column].iloc[1:]
    assert not model._tf_in_order(column, features[column].values, changed)
    assert not model._tf_in_order(column, features[column].values.copy(), model.tf_[column])


def test_training_agreements_in_threads_are_those_of_one_thread(
    fake_result: sv.Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, features, compared = _random_compared(fake_result, 4000, seed=5)
    left, right = compared.left, compared.right
    training = [("email",), ("phone",), ("last_name", "dob"), ("postcode", "first_name")]
    monkeypatch.setattr(_process, "usable_cpus", lambda: 2)
    monkeypatch.setattr(scoring, "THREADED_FROM", 1)
    threaded = scoring._agreements(features, training, left, right)
    monkeypatch.setattr(scoring, "THREADED_FROM", 10**9)
    alone = scoring._agreements(features, training, left, right)
    assert len(threaded) == len(alone) == len(training)
    for got, want, keys in zip(threaded, alone, training, strict=True):
        assert np.array_equal(got, want)
        assert np.array_equal(want, agree(features, keys, left, right))
    assert any(mask.any() for mask in alone)
