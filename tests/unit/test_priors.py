from __future__ import annotations

import numpy as np
import pytest

from singleview.priors import pair_key, source_pair_priors, stratum_of


def test_pair_key_and_strata_ignore_order() -> None:
    assert pair_key("web", "crm") == pair_key("crm", "web") == "crm|web"
    assert stratum_of(np.array([1, 0]), np.array([0, 1]), 3).tolist() == [1, 1]


def test_priors_follow_each_strata_share_of_matches() -> None:
    rng = np.random.default_rng(3)
    sizes = np.array([1000, 1000])
    # Candidates: 300 clear matches across the sources, 10 inside source 0, plus noise.
    strata = np.concatenate([np.full(300, 1), np.full(10, 0), rng.integers(0, 4, 2000)])
    strata[strata == 2] = 1  # (1, 0) is the same stratum as (0, 1)
    evidence = np.concatenate([np.full(310, 40.0), np.full(2000, -40.0)])
    overall = 310 / (1000 * 999 / 2 * 2 + 1000 * 1000)
    priors = source_pair_priors(evidence, strata, sizes, overall, link_within=True)
    across, within = priors[1], priors[0]
    assert across == pytest.approx(300 / 1e6, rel=0.05)
    assert within == pytest.approx(10 / (1000 * 999 / 2), rel=0.5)
    assert across > 10 * within


def test_within_source_strata_keep_the_overall_prior_when_not_linked() -> None:
    priors = source_pair_priors(
        np.array([30.0]), np.array([1]), np.array([10, 10]), 0.01, link_within=False
    )
    assert priors[0] == priors[3] == 0.01
    assert priors[1] > 0.001


def test_no_candidates_gives_the_overall_prior() -> None:
    priors = source_pair_priors(
        np.empty(0), np.empty(0, dtype=np.int64), np.array([5]), 0.2, link_within=True
    )
    assert priors.tolist() == [0.2]
