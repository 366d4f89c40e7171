from __future__ import annotations

from singleview.autoconfig import choose_blocking
from singleview.features import build_features
from tests.datasets import crowded_records


def _features(n: int):
    # Two cities and two first names: "city & first name sound" makes ~n^2/8
    # pairs, the e-mail rule none.
    return build_features(crowded_records(n))


def test_broad_rules_are_used_while_within_the_budget() -> None:
    features = _features(400)
    wide = choose_blocking(features, link_within=True, pairs_per_record=1000, max_block_size=10**6)
    assert ("email_key",) in wide and ("city", "first_name_key") in wide
    tight = choose_blocking(features, link_within=True, pairs_per_record=5, max_block_size=10**6)
    assert ("email_key",) in tight  # always: it picks out few records at any scale
    assert ("city", "first_name_key") not in tight  # ~20,000 pairs > 5 per record


def test_rule_pairs_counted_in_threads_choose_the_same_rules(monkeypatch) -> None:
    """From THREADED_COUNT_FROM records the candidate rules' pairs are counted side by
    side in threads: the same counts, so the same rules, as one by one."""
    from singleview import _process, autoconfig

    features = _features(400)
    for budget in (5, 60, 1000):
        monkeypatch.setattr(autoconfig, "THREADED_COUNT_FROM", 10**9)
        alone = choose_blocking(
            features, link_within=True, pairs_per_record=budget, max_block_size=10**6
        )
        monkeypatch.setattr(autoconfig, "THREADED_COUNT_FROM", 0)
        monkeypatch.setattr(_process, "usable_cpus", lambda: 2)
        threaded = choose_blocking(
            features, link_within=True, pairs_per_record=budget, max_block_size=10**6
        )
        assert threaded == alone
