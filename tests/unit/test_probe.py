from __future__ import annotations

import numpy as np
import pandas as pd

from singleview.blocking import block
from singleview.features import build_features
from singleview.probe import probe_rules


def _features(n: int = 60):
    rng = np.random.default_rng(3)
    records = pd.DataFrame(
        {
            "source": "a",
            "source_id": [f"{i:03d}" for i in range(n)],
            "postcode": [f"P{i // 2}" for i in range(n)],  # pairs (0,1), (2,3), ...
            "city": rng.choice(["x", "y"], size=n),  # big blocks of strangers
            "last_name": [f"n{i // 3}" for i in range(n)],
            "email": [()] * n,
            "phone": [()] * n,
        }
    )
    return build_features(records)


def _same_postcode(features):
    codes = features["postcode"].first

    def probability(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.where(codes[left] == codes[right], 0.99, 0.0)

    return probability


def _probe(features, rules, **options):
    """The first rule as the base, the others probed, pairs sharing a postcode linking."""
    base = block(features, rules[:1], link_within=True, max_block_size=1000)
    settings = {"min_yield": 0.01, "threshold": 0.5, "random_state": 0} | options
    settings.setdefault("max_block_size", 1000)
    return probe_rules(
        features,
        base,
        rules,
        1,
        _same_postcode(features),
        link_within=True,
        **settings,
    )


def test_rules_with_matches_are_kept_and_the_rest_dropped() -> None:
    features = _features()
    got = _probe(features, [("last_name",), ("postcode",), ("city",)])
    stats = got.stats.set_index("rule")
    assert stats.loc["postcode", "used"]
    assert not stats.loc["city", "used"]
    assert stats.loc["city", "link_rate"] == 0.0
    # postcode adds the pairs last_name missed: (2k, 2k+1) with 2k+1 = 3j (a new surname)
    pairs = set(zip(got.left.tolist(), got.right.tolist(), strict=True))
    assert (2, 3) in pairs
    assert (5, 6) not in pairs
    assert stats.loc["postcode", "new_pairs"] == stats.loc["postcode", "probed_pairs"] > 0
    assert stats.loc["city", "new_pairs"] == 0 < stats.loc["city", "probed_pairs"]
    assert got.stats["new_pairs"].sum() == len(got)
    assert all(np.diff(got.left * features.n + got.right) > 0)
    # each pair names the rule that added it
    assert got.rule[np.flatnonzero((got.left == 2) & (got.right == 3))].tolist() == [1]
    assert np.bincount(got.rule, minlength=3).tolist() == got.stats["new_pairs"].tolist()


def test_probe_samples_are_seeded() -> None:
    features = _features(200)
    runs = [
        _probe(
            features,
            [("last_name",), ("city",)],
            min_yield=0.5,
            random_state=seed,
            sample_size=3000,
        ).stats
        for seed in (1, 1, 2)
    ]
    # city has ~9,900 pairs: more than twice the sample, so it is sampled, not made
    assert runs[0]["rule"].tolist() == ["last_name", "city"]
    assert runs[0]["pairs"].iloc[1] > 2 * 3000
    rates = [stats["link_rate"].iloc[1] for stats in runs]
    assert rates[0] == rates[1]
    assert 0 < rates[0] < 0.05
    assert rates[0] != rates[2]


def test_sampled_pairs_are_distinct_pairs_of_the_rule() -> None:
    from singleview.probe import _sample_pairs

    features = _features(200)
    everything = block(features, [("city",)], link_within=True, max_block_size=1000)
    pairs = set(zip(everything.left.tolist(), everything.right.tolist(), strict=True))
    left, right, stats = _sample_pairs(
        features, ("city",), max_block_size=1000, size=2000, rng=np.random.default_rng(0)
    )
    assert stats["pairs"] == len(pairs)
    drawn = list(zip(left.tolist(), right.tolist(), strict=True))
    assert len(set(drawn)) == len(drawn) == 2000
    assert set(drawn) <= pairs
    # few pairs: make them all instead
    assert (
        _sample_pairs(
            features, ("last_name",), max_block_size=1000, size=2000, rng=np.random.default_rng(0)
        )
        is None
    )


def test_the_yield_a_rule_needs_grows_with_the_pairs_it_adds() -> None:
    from singleview.probe import required_yield

    assert required_yield(0.001, 100, 1000) == 0.001  # small: the plain threshold
    assert required_yield(0.001, 1000, 1000) == 0.001
    assert required_yield(0.001, 4000, 1000) == 0.004  # four times the scale
    assert required_yield(0.001, 10**9, 0) == 0.001  # 0: never raised


def test_a_broad_rule_adding_many_pairs_must_link_more_of_them() -> None:
    from singleview.blocking import BlockLimit

    features = _features(200)
    rules = [("last_name",), ("city",)]
    broad = BlockLimit(1000, broad=500, broad_rules=frozenset({("city",)}))
    plain = _probe(features, rules, min_yield=0.001).stats.set_index("rule")
    # city adds ~9,900 pairs of which a few in a thousand share a postcode
    rate = plain.loc["city", "link_rate"]
    assert plain.loc["city", "used"] and 0.001 <= rate < 0.01
    pairs = int(plain.loc["city", "probed_pairs"])
    options = {"min_yield": 0.001, "yield_scale": pairs // 10}
    scaled = _probe(features, rules, max_block_size=broad, **options).stats
    assert not scaled.set_index("rule").loc["city", "used"]  # a broad rule: needs 1%
    wide = _probe(features, rules, **options).stats
    assert wide.set_index("rule").loc["city", "used"]  # not a broad rule: the plain rate
    kept = _probe(features, rules, max_block_size=broad, min_yield=0.001, yield_scale=pairs)
    assert kept.stats.set_index("rule").loc["city", "used"]  # within the scale: as before


def test_each_pair_names_the_first_kept_rule_that_finds_it_as_blocking_would() -> None:
    # Two probed rules kept one after the other: the labels merged into the base's must
    # be those of blocking with all three rules at once (first rule finding a pair).
    features = _features(90)
    rules = [("last_name",), ("postcode",), ("city",)]
    got = _probe(features, rules, min_yield=0.0)
    assert got.stats["used"].all()
    whole = block(features, rules, link_within=True, max_block_size=1000)
    assert np.array_equal(got.left, whole.left)
    assert np.array_equal(got.right, whole.right)
    assert np.array_equal(got.rule, whole.rule)


def test_a_sample_holds_enough_pairs_the_rule_would_add() -> None:
    # Half of city's pairs are candidates already: a first draw of 2,000 holds about
    # 1,000 new ones, so the probe draws again, larger in proportion.
    from singleview._arrays import pair_keys, split_keys
    from singleview.probe import _fresh_sample, _RuleBlocks

    features = _features(400)
    everything = block(features, [("city",)], link_within=True, max_block_size=1000)
    keys = np.sort(pair_keys(everything.left, everything.right, features.n))
    known = keys[::2]
    blocks = _RuleBlocks(features, ("city",), max_block_size=1000)
    sample, share = _fresh_sample(
        known=known, n=features.n, target=2000, blocks=blocks, rng=np.random.default_rng(0)
    )
    assert 0.45 < share < 0.55
    assert 1800 <= len(sample) <= 2400
    assert len(np.unique(sample)) == len(sample)
    assert not np.isin(sample, known).any()
    assert np.isin(sample, keys).all()
    left, right = split_keys(sample, features.n)
    assert (left < right).all()
    # nothing known: one draw of the target
    sample, share = _fresh_sample(blocks, known[:0], features.n, 2000, np.random.default_rng(0))
    assert len(sample) == 2000 and share == 1.0


def test_a_rate_near_its_bar_is_measured_again_on_a_larger_sample() -> None:
    from singleview.probe import MAX_SAMPLE_GROWTH, _uncertain

    assert _uncertain(0.0019, 0.002, 20_000)  # 38 links where 40 are needed
    assert _uncertain(0.0022, 0.002, 20_000)
    assert not _uncertain(0.00095, 0.002, 20_000)  # under half the bar: plainly not
    assert not _uncertain(0.0, 0.002, 20_000)
    assert not _uncertain(0.01, 0.002, 20_000)
    assert not _uncertain(0.002, 0.0, 20_000) and not _uncertain(0.0, 0.002, 0)

    features = _features(400)
    base = block(features, [("last_name",)], link_within=True, max_block_size=1000)

    def probed(min_yield: float) -> tuple[list[int], pd.Series]:
        scored: list[int] = []

        def probability(left: np.ndarray, right: np.ndarray) -> np.ndarray:
            scored.append(len(left))
            return np.where((left + right) % 200 == 7, 0.99, 0.0)  # one pair in 200

        got = probe_rules(
            features,
            base,
            [("last_name",), ("city",)],
            1,
            probability,
            link_within=True,
            max_block_size=1000,
            min_yield=min_yield,
            threshold=0.5,
            random_state=0,
            sample_size=1000,
        )
        return scored, got.stats.set_index("rule").loc["city"]

    scored, far = probed(0.05)  # a rate of about 0.5%: plainly below 5%
    assert len(scored) == 1 and not far["used"]
    rate = float(far["link_rate"])
    assert 0.001 < rate < 0.02
    scored, _ = probed(rate)  # the bar at the rate measured: the sample cannot tell
    assert len(scored) == 2
    assert scored[1] > (MAX_SAMPLE_GROWTH - 1) * scored[0]
