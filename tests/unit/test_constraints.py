from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.cluster import guarded_components
from singleview.constraints import Guard, dob_conflict


def _d(values: list[str]) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def test_dob_conflict_tolerates_typos_swaps_and_near_dates() -> None:
    a = _d(["1980-03-04", "1980-03-04", "1980-03-04", "1980-03-04", "1980-03-04", "1980-03-04"])
    b = _d(["1980-03-04", "1980-04-03", "1980-03-09", "1908-03-04", "1980-09-30", "1955-03-04"])
    # exact, day/month swapped, one digit, adjacent digits swapped (1980 -> 1908), within a
    # year; 25 years apart conflicts.
    assert dob_conflict(a, b, 365).tolist() == [False, False, False, False, False, True]
    assert dob_conflict(_d(["1980-03-04"]), _d(["1981-06-04"]), 365).tolist() == [True]
    assert dob_conflict(_d(["1980-03-04"]), _d(["1981-06-04"]), 500).tolist() == [False]


def _records(dobs: list[str | None], sources: list[str] | None = None) -> pd.DataFrame:
    n = len(dobs)
    return pd.DataFrame(
        {
            "source": sources or ["a"] * n,
            "source_id": [str(i) for i in range(n)],
            "dob": pd.to_datetime(pd.Series(dobs, dtype=object)),
        }
    )


def test_a_chain_through_a_record_without_dob_is_cut() -> None:
    # 0 (Sr, 1950) - 1 (no dob) - 2 (Jr, 1985): strong links, but 0 and 2 cannot link.
    records = _records(["1950-01-01", None, "1985-01-01"])
    guard = Guard(cannot_link=("dob",))
    left, right = np.array([0, 1]), np.array([1, 2])
    probability = np.array([0.99, 0.999])
    plain, _ = guarded_components(3, left, right, probability, threshold=0.5)
    assert len(set(plain.tolist())) == 1
    anchors, rebuilt = guarded_components(
        3, left, right, probability, threshold=0.5, constraints=guard.constraints(records)
    )
    assert rebuilt == 1
    # The stronger link (1-2) wins; record 0 stands alone.
    assert anchors.tolist() == [0, 1, 1]


def test_forced_pairs_override_cannot_link_and_unique_sources_stay_apart() -> None:
    records = _records([None, None, None], sources=["m", "m", "w"])
    guard = Guard(unique_sources=("m",))
    left, right = np.array([0, 1]), np.array([2, 2])
    probability = np.array([0.99, 0.98])
    anchors, _ = guarded_components(
        3, left, right, probability, threshold=0.5, constraints=guard.constraints(records)
    )
    assert anchors.tolist() == [0, 1, 0]  # "m" records 0 and 1 never together
    forced = np.array([True, True])
    anchors, _ = guarded_components(
        3,
        left,
        right,
        probability,
        threshold=0.5,
        forced=forced,
        constraints=guard.constraints(records),
    )
    assert anchors.tolist() == [0, 0, 0]


def test_max_size_caps_a_chain_strongest_links_first() -> None:
    left, right = np.arange(5), np.arange(1, 6)
    probability = np.array([0.9, 0.99, 0.999, 0.6, 0.95])
    anchors, rebuilt = guarded_components(6, left, right, probability, threshold=0.5, max_size=3)
    assert rebuilt == 1
    sizes = np.bincount(anchors)
    assert sizes.max() == 3
    # 1-2-3 join first (0.999, 0.99); 0 cannot join them; 4-5 (0.95); 3-4 (0.6) would be 5.
    assert anchors.tolist() == [0, 1, 1, 1, 4, 4]


def test_weak_link_split_cuts_a_two_by_two_bridge() -> None:
    # Two strong pairs joined by one weak link (log-odds about 1 bit).
    left, right = np.array([0, 2, 1]), np.array([1, 3, 2])
    probability = np.array([0.9999, 0.9999, 0.67])
    whole, _ = guarded_components(4, left, right, probability, threshold=0.5)
    assert len(set(whole.tolist())) == 1
    split, _ = guarded_components(4, left, right, probability, threshold=0.5, split_below=2.0)
    assert split.tolist() == [0, 0, 2, 2]


def test_settings_name_the_field_for_a_multi_valued_cannot_link_column() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="cannot_link"):
        sv.Settings(cannot_link=("email",))
    assert sv.Settings(unique_sources=["crm", "crm"]).unique_sources == ("crm",)


def test_unknown_unique_source_is_a_config_error() -> None:
    frame = pd.DataFrame({"id": ["1", "2"], "name": ["Ann Lee", "Ann Lee"]})
    source = sv.FrameSource(frame, name="crm", id_column="id", columns={"full_name": "name"})
    with pytest.raises(sv.ConfigError, match=r"unique_sources.*'erp'"):
        sv.resolve([source], settings=sv.Settings(unique_sources=("erp",)))


def test_dob_rule_applies_only_where_matches_rarely_conflict() -> None:
    from singleview.datasets import generate

    data = generate(3000, random_state=2)
    result = sv.resolve(data.sources())
    assert result.stats["cannot_link"] == ["dob"]
    strict = sv.resolve(data.sources(), settings=sv.Settings(cannot_link_max_m=0.0))
    assert strict.stats["cannot_link"] == []
    # No customer holds two conflicting dates of birth.
    joined = result.records.merge(result.clusters, on=["source", "source_id"])
    dated = joined.dropna(subset=["dob"])
    pairs = dated.merge(dated, on="customer_id")
    pairs = pairs[pairs["source_id_x"] < pairs["source_id_y"]]
    conflict = dob_conflict(
        pairs["dob_x"].to_numpy(dtype="datetime64[D]"),
        pairs["dob_y"].to_numpy(dtype="datetime64[D]"),
        365,
    )
    assert len(pairs) > 10
    assert not conflict.any()
    truth = data.truth.rename(columns={"person_id": "entity_id"})
    with_rule = sv.overmerged(result.clusters, truth)
    without = sv.overmerged(strict.clusters, truth)
    assert len(with_rule) <= len(without)
