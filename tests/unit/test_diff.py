from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.cli import main
from singleview.diff import RunDiff, SizeJump, compare_runs
from singleview.errors import ConfigError


def _frame(clusters: dict[str, list[str]]) -> pd.DataFrame:
    """customer id -> source ids (all of source "s")."""
    rows = [(rid, cid) for cid, rids in clusters.items() for rid in rids]
    return pd.DataFrame(
        {
            "source": ["s"] * len(rows),
            "source_id": [r for r, _ in rows],
            "customer_id": [c for _, c in rows],
        }
    )


# One old/new pair with every bucket: d3, g1, g2 are removed; c2, h1, h2 are added.
OLD = _frame(
    {
        "U": ["a1", "a2"],
        "R0": ["b1", "b2"],
        "G": ["c1"],
        "S": ["d1", "d2", "d3"],
        "M1": ["e1", "e2", "e3"],
        "M2": ["e4"],
        "P": ["f1", "f2", "f3", "f4"],
        "X": ["g1", "g2"],
    }
)
NEW = _frame(
    {
        "U": ["a1", "a2"],
        "R1": ["b1", "b2"],
        "G": ["c1", "c2"],
        "S": ["d1", "d2"],
        "M": ["e1", "e2", "e3", "e4"],
        "P1": ["f1", "f2", "f3"],
        "P2": ["f4"],
        "N": ["h1", "h2"],
    }
)


def _buckets(diff: RunDiff, side: str) -> dict[str, str]:
    rows = diff.clusters[diff.clusters["side"] == side]
    return dict(zip(rows["customer_id"], rows["bucket"], strict=True))


def test_every_bucket() -> None:
    diff = compare_runs(OLD, NEW)
    assert (diff.removed_records, diff.added_records, diff.common_records) == (3, 3, 15)
    assert _buckets(diff, "old") == {
        "U": "unchanged",
        "R0": "renamed",
        "G": "grown",
        "S": "shrunk",
        "M1": "merged",
        "M2": "merged",
        "P": "split",
        "X": "removed",
    }
    assert _buckets(diff, "new") == {
        "U": "unchanged",
        "R1": "renamed",
        "G": "grown",
        "S": "shrunk",
        "M": "merged",
        "P1": "split",
        "P2": "split",
        "N": "created",
    }
    assert diff.old_buckets == {
        "unchanged": 1,
        "renamed": 1,
        "grown": 1,
        "shrunk": 1,
        "merged": 2,
        "split": 1,
        "removed": 1,
    }
    assert diff.new_buckets == {
        "unchanged": 1,
        "renamed": 1,
        "grown": 1,
        "shrunk": 1,
        "merged": 1,
        "split": 2,
        "created": 1,
    }
    assert (diff.largest_old, diff.largest_new) == (4, 4)


def test_moved_records_are_the_minor_pieces_not_renames() -> None:
    diff = compare_runs(OLD, NEW)
    assert diff.moved_records == 2
    assert diff.moved_share == pytest.approx(2 / 15)
    assert diff.moved.to_dict("records") == [
        {"source": "s", "source_id": "e4", "old_customer_id": "M2", "new_customer_id": "M"},
        {"source": "s", "source_id": "f4", "old_customer_id": "P", "new_customer_id": "P2"},
    ]


def _check_invariant(diff: RunDiff) -> None:
    for side, buckets, total in (
        ("old", diff.old_buckets, diff.old_customers),
        ("new", diff.new_buckets, diff.new_customers),
    ):
        rows = diff.clusters[diff.clusters["side"] == side]
        assert rows["customer_id"].is_unique
        assert len(rows) == total == sum(buckets.values())
        assert rows["bucket"].value_counts().to_dict() == {k: v for k, v in buckets.items() if v}
    # A one-to-one pair is in the same bucket on both sides.
    for bucket in ("unchanged", "renamed", "grown", "shrunk"):
        assert diff.old_buckets[bucket] == diff.new_buckets[bucket]


@pytest.mark.parametrize("seed", range(5))
def test_bucket_invariant_on_random_runs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    old = pd.DataFrame(
        {
            "source": rng.choice(["a", "b"], 300),
            "source_id": np.arange(300).astype(str),
            "customer_id": rng.integers(0, 80, 300),
        }
    ).drop_duplicates(["source", "source_id"])
    keep = rng.random(300) < 0.8
    new = pd.concat(
        [
            old[keep].assign(
                customer_id=lambda f: f["customer_id"] + 3 * (rng.random(len(f)) < 0.1)
            ),
            pd.DataFrame(
                {
                    "source": "c",
                    "source_id": np.arange(40).astype(str),
                    "customer_id": rng.integers(0, 90, 40),
                }
            ),
        ]
    )
    diff = compare_runs(old, new)
    _check_invariant(diff)
    assert diff.common_records == int(keep.sum())
    assert diff.removed_records == 300 - int(keep.sum())
    assert diff.added_records == 40
    assert diff.moved_records == len(diff.moved) <= diff.common_records


def test_identical_runs_have_no_change() -> None:
    diff = compare_runs(OLD, OLD.copy())
    assert diff.old_buckets["unchanged"] == diff.new_buckets["unchanged"] == 8
    assert diff.moved_records == 0 and diff.moved.empty and diff.size_jumps.empty
    assert not diff.exceeds(0.0, max_size_jumps=0)


def test_many_to_many_is_split_on_the_old_side_and_merged_on_the_new() -> None:
    diff = compare_runs(
        _frame({"o1": ["a", "b"], "o2": ["c", "d"]}), _frame({"n1": ["a", "c"], "n2": ["b", "d"]})
    )
    assert diff.old_buckets["split"] == 2 and diff.new_buckets["merged"] == 2
    _check_invariant(diff)


def test_size_jumps() -> None:
    old = _frame({**{f"o{i}": [f"r{i}"] for i in range(10)}, "big": [f"b{i}" for i in range(5)]})
    new = _frame(
        {
            "giant": [f"r{i}" for i in range(10)],  # ten singletons chained: 1 -> 10
            "big": [f"b{i}" for i in range(5)] + [f"x{i}" for i in range(6)],  # 5 -> 11
        }
    )
    diff = compare_runs(old, new)
    assert diff.size_jumps.to_dict("records") == [
        {"customer_id": "giant", "old_size": 1, "new_size": 10},
        {"customer_id": "big", "old_size": 5, "new_size": 11},
    ]
    assert diff.new_buckets["merged"] == 1 and diff.new_buckets["grown"] == 1
    strict = compare_runs(old, new, size_jump=SizeJump(factor=3.0, min_growth=5))
    assert strict.size_jumps["customer_id"].tolist() == ["giant"]
    assert compare_runs(old, new, size_jump=SizeJump(min_growth=10)).size_jumps.empty
    assert diff.exceeds(max_size_jumps=1) and not diff.exceeds(max_size_jumps=2)
    with pytest.raises(ConfigError, match="factor"):
        SizeJump(factor=0.5)


def test_a_giant_of_added_records_is_held_against_the_largest_old_cluster() -> None:
    old = _frame({"a": ["a1", "a2", "a3"], "b": ["b1"]})
    new = _frame({"a": ["a1", "a2", "a3"], "b": ["b1"], "n": [f"n{i}" for i in range(9)]})
    diff = compare_runs(old, new)
    assert diff.new_buckets["created"] == 1
    assert diff.size_jumps.to_dict("records") == [
        {"customer_id": "n", "old_size": 3, "new_size": 9}
    ]


def test_row_order_and_id_types_do_not_matter() -> None:
    base = compare_runs(OLD, NEW)
    shuffled = compare_runs(
        OLD.sample(frac=1, random_state=1), NEW.sample(frac=1, random_state=2).reset_index()
    )
    for name in ("clusters", "moved", "size_jumps"):
        pd.testing.assert_frame_equal(getattr(base, name), getattr(shuffled, name))
    assert base.as_dict() == shuffled.as_dict()
    ints = pd.DataFrame({"source": ["s"] * 3, "source_id": [1, 2, 3], "customer_id": [7, 7, 8]})
    strs = ints.astype(str)
    assert compare_runs(ints, strs).old_buckets["unchanged"] == 2


def test_text_and_json_carry_counts_and_ids_only() -> None:
    diff = compare_runs(OLD, NEW)
    text = diff.text()
    assert "15 in both runs, 3 added, 3 removed" in text
    assert "moved to another customer: 2 (13.33% of the records in both)" in text
    assert "old side: merged 2, split 1, removed 1" in text
    assert "new side: merged 1, split 2, created 1" in text
    data = json.loads(json.dumps(diff.as_dict()))
    assert data["records"]["moved"] == 2 and data["new_buckets"]["created"] == 1
    assert "e4" not in json.dumps(data)  # record ids stay in diff.moved, not in the summary
    assert diff.exceeds(0.1) and not diff.exceeds(0.2) and not diff.exceeds()
    with pytest.raises(ConfigError, match="fraction"):
        diff.exceeds(2.0)


def test_bad_inputs_raise_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"old run .* is not a directory"):
        compare_runs(tmp_path / "missing", NEW)
    with pytest.raises(ConfigError, match=r"no clusters\.parquet"):
        compare_runs(OLD, tmp_path)
    with pytest.raises(ConfigError, match=r"lack the columns \['customer_id'\]"):
        compare_runs(OLD, NEW.drop(columns="customer_id"))
    with pytest.raises(ConfigError, match="twice"):
        compare_runs(pd.concat([OLD, OLD.head(1)]), NEW)


def test_result_directories_and_the_cli(tmp_path: Path, capsys) -> None:
    people = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5", "6"],
            "name": ["Ann Lee", "Ann Lee", "Anne Lee", "Bo Chan", "Bo Chan", "Cy Dee"],
            "email": ["ann@lee.co.uk"] * 3 + ["bo@chan.co.uk"] * 2 + ["cy@dee.co.uk"],
        }
    )
    source = sv.FrameSource(
        people, name="news", id_column="id", columns={"full_name": "name", "email": "email"}
    )
    result = sv.resolve([source], threshold=0.8)
    a = result.save(tmp_path / "a")
    clusters = result.clusters
    assert clusters.groupby("customer_id").size().sort_values().tolist() == [1, 2, 3]
    # The later run: the same records, with the customer of "6" absorbed into that of "1".
    first = clusters.loc[clusters["source_id"] == "1", "customer_id"].iloc[0]
    later = clusters.assign(
        customer_id=clusters["customer_id"].where(clusters["source_id"] != "6", first)
    )
    b = dataclasses.replace(result, clusters=later).save(tmp_path / "b")
    diff = compare_runs(a, b)
    assert diff.common_records == 6 and diff.moved_records == 1
    assert diff.old_buckets["merged"] == 2 and diff.new_buckets["merged"] == 1
    assert compare_runs(str(a), a).old_buckets["unchanged"] == clusters["customer_id"].nunique()

    assert main(["diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "6 in both runs, 0 added, 0 removed" in out and "moved to another customer: 1" in out
    assert main(["diff", str(a), str(b), "--max-changed", "0.1"]) == 1
    assert "over the limits" in capsys.readouterr().err
    assert main(["diff", str(a), str(b), "--max-changed", "0.2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["records"]["moved"] == 1 and data["exceeds"] is False
    jumps = ["--max-size-jumps", "0", "--size-jump-factor", "1", "--size-jump-min", "1"]
    assert main(["diff", str(a), str(b), *jumps]) == 1
    assert f"{first}: 3 -> 4 records" in capsys.readouterr().out
    assert main(["diff", str(a), str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "singleview: error:" in err and "not a directory" in err


def test_a_cluster_that_gains_and_loses_records_counts_as_grown() -> None:
    diff = compare_runs(_frame({"k": ["a", "b", "c"]}), _frame({"k": ["a", "d"]}))
    assert _buckets(diff, "old") == {"k": "grown"} and _buckets(diff, "new") == {"k": "grown"}
    assert (diff.removed_records, diff.added_records, diff.moved_records) == (2, 1, 0)


def test_empty_runs() -> None:
    empty = OLD.head(0)
    diff = compare_runs(empty, NEW)
    assert diff.new_buckets["created"] == 8 and diff.old_customers == 0
    assert diff.moved_share == 0.0 and diff.size_jumps.empty
    assert compare_runs(OLD, empty).old_buckets["removed"] == 8
