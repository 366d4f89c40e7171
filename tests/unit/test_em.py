from __future__ import annotations

import numpy as np
import pytest

from singleview import em
from singleview.em import pattern_counts, pattern_index, run_em


def test_pattern_counts() -> None:
    levels = np.array([[1, 0], [1, 0], [-1, 2], [1, 0]], dtype=np.int8)
    patterns, counts = pattern_counts(levels)
    assert {tuple(p): c for p, c in zip(patterns.tolist(), counts.tolist())} == {
        (1, 0): 3,
        (-1, 2): 1,
    }


def test_pattern_index_in_chunks_is_the_same_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are keyed a chunk at a time; the ids and patterns are those of one pass, in
    ascending key order, whatever the chunk size."""
    rng = np.random.default_rng(3)
    levels = rng.integers(-1, 4, size=(10_001, 6)).astype(np.int8)
    levels[:, 5] = rng.integers(-1, 1, size=len(levels))  # few patterns repeat often
    whole_ids, whole_patterns = pattern_index(levels)
    np.testing.assert_array_equal(whole_patterns[whole_ids], levels)
    keys = [tuple(row) for row in (whole_patterns + 1)[:, ::-1].tolist()]
    assert keys == sorted(keys)
    monkeypatch.setattr(em, "PATTERN_CHUNK", 999)
    ids, patterns = pattern_index(levels)
    np.testing.assert_array_equal(ids, whole_ids)
    np.testing.assert_array_equal(patterns, whole_patterns)
    assert ids.dtype == np.int32


def test_em_recovers_a_planted_mixture() -> None:
    rng = np.random.default_rng(0)
    n_match, n_non = 2_000, 8_000
    # Three binary comparisons: matches agree 90 % of the time, non-matches 10 %.
    matches = (rng.random((n_match, 3)) < 0.9).astype(np.int8)
    non = (rng.random((n_non, 3)) < 0.1).astype(np.int8)
    levels = np.vstack([matches, non])
    start_u = [np.array([0.5, 0.5])] * 3
    result = run_em(levels, [2, 2, 2], start_u)
    assert result.match_rate == pytest.approx(0.2, abs=0.02)
    for m in result.m:
        assert m[1] == pytest.approx(0.9, abs=0.03)
    for u in result.u:
        assert u[1] == pytest.approx(0.1, abs=0.03)


def test_fixed_m_only_moves_the_rate() -> None:
    rng = np.random.default_rng(1)
    matches = (rng.random((3_000, 3)) < 0.9).astype(np.int8)
    non = (rng.random((7_000, 3)) < 0.1).astype(np.int8)
    m = [np.array([0.1, 0.9])] * 3
    result = run_em(np.vstack([matches, non]), [2, 2, 2], [np.array([0.5, 0.5])] * 3, m_fixed=m)
    for got in result.m:
        np.testing.assert_allclose(got, [0.1, 0.9])
    assert result.match_rate == pytest.approx(0.3, abs=0.03)


def test_prior_fills_in_for_a_comparison_never_known() -> None:
    levels = np.array([[1, -1]] * 50 + [[0, -1]] * 50, dtype=np.int8)
    prior = [np.array([0.5, 0.5]), np.array([0.2, 0.8])]
    result = run_em(levels, [2, 2], [np.array([0.5, 0.5])] * 2, m_prior=prior, prior_strength=20.0)
    np.testing.assert_allclose(result.m[1], [0.2, 0.8], atol=1e-3)
