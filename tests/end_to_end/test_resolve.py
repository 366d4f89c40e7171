"""resolve() end to end: the public contract, determinism and bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import singleview as sv
from singleview.datasets import generate
from singleview.engines.local import STAGES


@pytest.fixture(scope="module")
def data():
    return generate(1_500, random_state=3)


def _key(result: sv.Result) -> pd.DataFrame:
    return result.clusters.sort_values(["source", "source_id"], ignore_index=True)


def test_contract_example_from_the_issue() -> None:
    df = pd.DataFrame(
        {
            "unique_id": [1, 2, 3],
            "first_name": ["Robert", "Bob", "Alice"],
            "surname": ["Smith", "Smith", "Jones"],
            "dob": ["1980-01-02", "1980-01-02", "1975-05-05"],
            "email": ["rob.smith@mail.co.uk", "rob.smith@mail.co.uk", "aj@mail.co.uk"],
            "city": ["Leeds", "Leeds", "York"],
            "occupation": ["nurse", "nurse", "pilot"],
        }
    )
    crm = sv.FrameSource(
        df,
        name="crm",
        id_column="unique_id",
        columns={
            "first_name": "first_name",
            "last_name": "surname",
            "dob": "dob",
            "email": "email",
            "city": "city",
        },
        extra=["occupation"],
    )
    result = sv.resolve([crm], link_within_sources=True)
    assert list(result.clusters.columns) == ["source", "source_id", "customer_id"]
    assert result.clusters["source_id"].tolist() == ["1", "2", "3"]
    ids = result.clusters["customer_id"].tolist()
    assert ids[0] == ids[1] != ids[2]
    assert len(result.profiles) == 2
    assert "extra_occupation" in result.profiles.columns
    assert set(result.quarantine.columns) >= {"source", "source_id", "reason", "row"}
    assert "match_probability" in result.pairs.columns


def test_records_in_equal_resolved_plus_quarantined(data) -> None:
    result = sv.resolve(data.sources())
    rows_in = sum(len(f) for f in data.frames.values())
    assert len(result.clusters) + len(result.quarantine) == rows_in
    assert result.rows_in == {name: len(frame) for name, frame in data.frames.items()}
    assert result.clusters["customer_id"].nunique() == len(result.profiles)


@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_row_and_source_order_do_not_change_clusters(data, seed: int) -> None:
    base = _key(sv.resolve(data.sources()))
    shuffled = {
        name: frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        for name, frame in data.frames.items()
    }
    from singleview.sources import CallCentreSource, CrmSource, StoreSource, WebSource

    sources = [
        StoreSource(shuffled["store"]),
        WebSource(shuffled["web"]),
        CrmSource(shuffled["crm"]),
        CallCentreSource(shuffled["call_centre"]),
    ]
    pd.testing.assert_frame_equal(base, _key(sv.resolve(sources)))


def test_same_seed_same_result_other_seed_may_differ(data) -> None:
    one = sv.resolve(data.sources(), random_state=5)
    two = sv.resolve(data.sources(), random_state=5)
    pd.testing.assert_frame_equal(_key(one), _key(two))
    pd.testing.assert_frame_equal(one.profiles, two.profiles)


def test_link_only_mode_has_no_within_source_pairs(data) -> None:
    result = sv.resolve(data.sources(), link_within_sources=False)
    assert (result.pairs["source_l"] != result.pairs["source_r"]).all()


def test_save_writes_every_output(data, tmp_path) -> None:
    result = sv.resolve(data.sources())
    out = result.save(tmp_path / "out")
    for name in ("clusters", "profiles", "pairs", "quarantine", "records", "issues", "blocking"):
        assert (out / f"{name}.parquet").exists()
    assert (out / "model.json").exists()
    back = pd.read_parquet(out / "clusters.parquet")
    assert len(back) == len(result.clusters)


class TestBadInput:
    def test_empty_list(self) -> None:
        with pytest.raises(sv.ConfigError, match="non-empty"):
            sv.resolve([])

    def test_not_a_list_of_sources(self) -> None:
        data = generate(50, random_state=1)
        with pytest.raises(sv.ConfigError, match="non-empty list"):
            sv.resolve(data.sources)  # type: ignore[arg-type]  # the method, not its sources

    def test_not_a_source(self) -> None:
        with pytest.raises(sv.ConfigError, match="FrameSource"):
            sv.resolve([pd.DataFrame()])  # type: ignore[list-item]

    def test_duplicate_source_names(self) -> None:
        df = pd.DataFrame({"id": ["1"], "email": ["a.b@mail.co.uk"]})
        src = sv.FrameSource(df, name="x", id_column="id", columns={"email": "email"})
        with pytest.raises(sv.ConfigError, match="unique"):
            sv.resolve([src, src])

    def test_bad_threshold_and_settings(self) -> None:
        df = pd.DataFrame({"id": ["1"], "email": ["a.b@mail.co.uk"]})
        src = sv.FrameSource(df, name="x", id_column="id", columns={"email": "email"})
        with pytest.raises(sv.ConfigError, match="threshold"):
            sv.resolve([src], threshold=1.5)
        with pytest.raises(sv.ConfigError, match="Settings"):
            sv.resolve([src], settings={"threshold": 0.5})  # type: ignore[arg-type]
        with pytest.raises(sv.ConfigError, match="unknown field"):
            sv.resolve([src], settings=sv.Settings(blocking=[["emial"]]))

    def test_empty_and_junk_frames_resolve_to_quarantine(self) -> None:
        df = pd.DataFrame({"id": ["1", None, "3"], "email": ["n/a", "a@b.co.uk", 42]})
        src = sv.FrameSource(df, name="x", id_column="id", columns={"email": "email"})
        result = sv.resolve([src])
        assert len(result.clusters) == 0
        assert sorted(result.quarantine["reason"]) == [
            "missing_source_id",
            "nothing_to_match",
            "nothing_to_match",
        ]
        empty = sv.FrameSource(df.iloc[0:0], name="e", id_column="id", columns={"email": "email"})
        assert len(sv.resolve([empty]).clusters) == 0

    def test_missing_mapped_column_names_source_and_column(self) -> None:
        df = pd.DataFrame({"id": ["1"]})
        with pytest.raises(sv.SchemaError, match="surname"):
            sv.FrameSource(df, name="crm", id_column="id", columns={"last_name": "surname"})


def test_stats_time_every_stage_and_progress_goes_to_stderr(data, capsys) -> None:
    result = sv.resolve(data.sources(), settings=sv.Settings(progress=True))
    seconds = result.stats["seconds"]
    for stage in ("load", "features", "blocking", "compare", "fit", "score", "cluster"):
        assert seconds[stage] >= 0.0
    assert set(seconds) <= set(STAGES)
    peaks = result.stats["peak_mib"]
    assert set(peaks) == set(seconds)
    assert all(peak > 0 for peak in peaks.values())
    assert result.stats["string_comparisons"] == result.stats["candidate_pairs"] * sum(
        c.kind != "exact" for c in result.model.comparisons
    )
    assert "singleview" in capsys.readouterr().err
    sv.resolve(data.sources(), settings=sv.Settings(progress=False))
    assert "singleview" not in capsys.readouterr().err
