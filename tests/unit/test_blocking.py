from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from singleview import blocking
from singleview._arrays import pair_keys
from singleview.blocking import _within_keys, _within_pairs, block, count_pairs
from singleview.features import build_features


def _records(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("email", "phone"):
        if column not in frame:
            frame[column] = [()] * len(frame)
    return frame.sort_values(["source", "source_id"], ignore_index=True)


@pytest.fixture
def records() -> pd.DataFrame:
    return _records(
        [
            {
                "source": "a",
                "source_id": "1",
                "last_name": "smith",
                "postcode": "X1",
                "email": ("s@x.com", "w@y.com"),
            },
            {"source": "a", "source_id": "2", "last_name": "smith", "postcode": "X1", "email": ()},
            {
                "source": "b",
                "source_id": "1",
                "last_name": "smith",
                "postcode": "X2",
                "email": ("w@y.com",),
            },
            {
                "source": "b",
                "source_id": "2",
                "last_name": "jones",
                "postcode": "X1",
                "email": ("s@x.com",),
            },
            {"source": "b", "source_id": "3", "last_name": None, "postcode": None, "email": ()},
        ]
    )


def _pairs(candidates) -> set[tuple[int, int]]:
    return set(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True))


def test_union_of_rules_each_pair_once(records: pd.DataFrame) -> None:
    features = build_features(records)
    got = block(features, [["last_name"], ["postcode"]], link_within=True, max_block_size=100)
    # smith: 0,1,2 -> (0,1),(0,2),(1,2); X1: 0,1,3 -> (0,1),(0,3),(1,3)
    assert _pairs(got) == {(0, 1), (0, 2), (1, 2), (0, 3), (1, 3)}
    assert all(got.left < got.right)
    assert got.stats["pairs"].tolist() == [3, 3]
    assert got.stats["new_pairs"].tolist() == [3, 2]


def test_multi_valued_key_blocks_on_every_value(records: pd.DataFrame) -> None:
    features = build_features(records)
    got = block(features, [["email"]], link_within=True, max_block_size=100)
    assert _pairs(got) == {(0, 2), (0, 3)}


def test_cross_source_only_generates_and_counts_no_within_pairs(records: pd.DataFrame) -> None:
    features = build_features(records)
    got = block(features, [["last_name"], ["postcode"]], link_within=False, max_block_size=100)
    assert _pairs(got) == {(0, 2), (1, 2), (0, 3), (1, 3)}
    counted = count_pairs(features, [["last_name"]], link_within=False, max_block_size=100)
    assert counted["pairs"].tolist() == [2]


def test_oversized_blocks_are_skipped_with_a_warning(records: pd.DataFrame, caplog) -> None:
    features = build_features(records)
    got = block(features, [["last_name"]], link_within=True, max_block_size=2)
    assert len(got) == 0
    assert got.stats["skipped_blocks"].tolist() == [1]
    assert "oversized" in caplog.text
    assert "smith" not in caplog.text


def test_count_matches_generated_pairs_on_random_data() -> None:
    rng = np.random.default_rng(3)
    n = 400
    records = _records(
        [
            {
                "source": f"s{rng.integers(3)}",
                "source_id": str(i),
                "last_name": f"n{rng.integers(40)}",
                "postcode": f"p{rng.integers(30)}",
            }
            for i in range(n)
        ]
    )
    features = build_features(records)
    for link_within in (True, False):
        counted = count_pairs(
            features, [["last_name"]], link_within=link_within, max_block_size=1000
        )
        got = block(features, [["last_name"]], link_within=link_within, max_block_size=1000)
        assert counted["pairs"].iloc[0] == len(got)
        # Brute force check of the same pairs.
        names = records["last_name"].to_numpy()
        src = records["source"].to_numpy()
        expect = {
            (i, j)
            for i in range(n)
            for j in range(i + 1, n)
            if names[i] == names[j] and (link_within or src[i] != src[j])
        }
        assert _pairs(got) == expect


def test_a_block_limit_caps_only_the_broad_rules(
    records: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    from singleview.blocking import BlockLimit

    features = build_features(records)
    limit = BlockLimit(100, broad=2, broad_rules=frozenset({("last_name",)}))
    with caplog.at_level("INFO", logger="singleview.blocking"):
        got = block(features, [["last_name"], ["postcode"]], link_within=True, max_block_size=limit)
    # The three smiths are one block of 3 > 2: left out; the X1 block (3 records) is kept.
    assert _pairs(got) == {(0, 1), (0, 3), (1, 3)}
    stats = got.stats.set_index("rule")
    assert stats.loc[
        "last_name", ["skipped_blocks", "skipped_records", "skipped_pairs"]
    ].tolist() == [1, 3, 3]
    assert stats.loc["postcode", "skipped_blocks"] == 0
    # Expected, so said at INFO, not as a warning about generic values.
    assert [r.levelname for r in caplog.records if "left out" in r.getMessage()] == ["INFO"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_zero_config_caps_broad_rules_and_given_rules_are_not() -> None:
    import singleview as sv
    from singleview.autoconfig import BROAD_BLOCKING, OPTIONAL_BLOCKING, block_limit

    zero = block_limit(sv.Settings(broad_block_size=40))
    assert zero.of(("name_key",)) == 40
    assert zero.of(("email_key",)) == 1000
    assert zero.of(("first_name",)) == 1000  # a wide single-key rule: the budget decides
    assert BROAD_BLOCKING < OPTIONAL_BLOCKING
    given = block_limit(sv.Settings(blocking=(("name_key",),), broad_block_size=40))
    assert given.of(("name_key",)) == 1000
    # Never above max_block_size.
    assert block_limit(sv.Settings(max_block_size=30)).of(("name_key",)) == 30


def test_a_single_key_rule_reads_its_codes_as_the_general_path_groups_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import singleview.blocking as blocking

    rng = np.random.default_rng(5)
    records = _records(
        [
            {
                "source": "s",
                "source_id": str(i),
                "last_name": None if rng.random() < 0.2 else f"n{rng.integers(25)}",
                "postcode": f"p{rng.integers(30)}",
            }
            for i in range(300)
        ]
    )
    features = build_features(records)
    for key in ("last_name", "last_name_key", "postcode"):
        fast = blocking._grouped_rows(features, [key])
        with monkeypatch.context() as patch:
            patch.setattr(blocking, "_first_seen_order", lambda codes: False)
            general = blocking._grouped_rows(features, [key])
        assert sorted(zip(*fast, strict=True)) == sorted(zip(*general, strict=True))
        pairs = block(features, [[key]], link_within=True, max_block_size=1000)
        with monkeypatch.context() as patch:
            patch.setattr(blocking, "_first_seen_order", lambda codes: False)
            again = block(features, [[key]], link_within=True, max_block_size=1000)
        assert _pairs(pairs) == _pairs(again)
    assert blocking._first_seen_order(np.array([0, 0, 1, 0, 2, 1]))
    assert not blocking._first_seen_order(np.array([1, 0]))
    assert not blocking._first_seen_order(np.array([0, 2, 1]))


@pytest.mark.parametrize(("seed", "chunk"), [(0, 1), (1, 3), (2, 7), (3, 10_000)])
def test_within_keys_are_the_keys_of_the_within_pairs_in_order(
    seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    rows = rng.permutation(n)[:150]
    groups = rng.integers(0, 25, len(rows))  # unordered rows, blocks of 0..15 records
    left, right = _within_pairs(rows, groups)
    assert (left < right).all()
    monkeypatch.setattr(blocking, "PAIRS_CHUNK", chunk)
    keys = _within_keys(rows, groups, n)
    assert len(keys) > 100
    assert keys.tolist() == pair_keys(left, right, n).tolist()


@pytest.mark.parametrize("rule", [["last_name", "postcode"], ["email", "last_name"]])
def test_two_key_rules_make_the_brute_force_pairs(rule: list[str]) -> None:
    """A rule on two keys, single-valued (memberships unique as made) or with a
    multi-valued one (de-duplicated): counted and made pairs are the pairs sharing a value
    of every key, across sources only when asked."""
    rng = np.random.default_rng(11)
    n = 300
    rows = []
    for i in range(n):
        emails = tuple({f"e{rng.integers(20)}" for _ in range(rng.integers(0, 3))})
        rows.append(
            {
                "source": f"s{rng.integers(3)}",
                "source_id": str(i),
                "last_name": None if rng.random() < 0.1 else f"n{rng.integers(6)}",
                "postcode": f"p{rng.integers(8)}",
                "email": emails,
            }
        )
    records = _records(rows)

    def values(i: int, key: str) -> set[object]:
        cell = records[key].iloc[i]
        cells = cell if isinstance(cell, tuple) else (cell,)
        return {v for v in cells if isinstance(v, str)}

    features = build_features(records)
    src = records["source"].to_numpy()
    for link_within in (True, False):
        got = block(features, [rule], link_within=link_within, max_block_size=10_000)
        counted = count_pairs(features, [rule], link_within=link_within, max_block_size=10_000)
        expect = {
            (i, j)
            for i in range(n)
            for j in range(i + 1, n)
            if all(values(i, k) & values(j, k) for k in rule) and (link_within or src[i] != src[j])
        }
        assert _pairs(got) == expect
        if rule == ["last_name", "postcode"]:  # one block per pair: counts are exact
            assert counted["pairs"].iloc[0] == len(expect)
