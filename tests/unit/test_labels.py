from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import singleview as sv
from singleview.labels import blend_labels, read_labels
from tests.datasets import fake_1000


def test_read_labels_takes_splink_format_and_rejects_missing_columns() -> None:
    splink = pd.DataFrame(
        {
            "unique_id_l": [1, 2],
            "source_dataset_l": ["s", "s"],
            "unique_id_r": [3, 4],
            "source_dataset_r": ["s", "s"],
            "clerical_match_score": [1.0, 0.2],
        }
    )
    frame = read_labels(splink)
    assert frame["source_id_l"].tolist() == ["1", "2"]
    assert frame["match"].tolist() == [True, False]
    with pytest.raises(sv.ConfigError, match="match"):
        read_labels(splink.drop(columns=["clerical_match_score"]))
    bad = frame.assign(match=["yes", "perhaps"])
    with pytest.raises(sv.ConfigError, match="1 rows have no match verdict"):
        read_labels(bad)


def test_blend_labels_weighs_labels_against_em() -> None:
    m = [np.array([0.5, 0.5])]
    labelled = np.array([[1]] * 20 + [[-1]] * 5, dtype=np.int8)
    (blended,) = blend_labels(m, labelled, strength=20.0)
    # 20 labelled at level 1 (missing ones not counted) + 20 pseudo-pairs at 0.5/0.5.
    assert blended.tolist() == pytest.approx([0.25, 0.75])


def test_a_few_dozen_suggested_labels_lift_fake_1000() -> None:
    # The precision-first settings (threshold 0.5), where EM's m leaves room to improve:
    # at the defaults zero-config is already at 0.970 and 30 labels move it by < 0.002.
    settings = sv.Settings(threshold=0.5, disagreement_weight=0.5)
    sources, truth = fake_1000()
    result = sv.resolve(sources, settings=settings)
    before = sv.evaluate(result.clusters, truth).pairwise_f1
    entity = truth.set_index(["source", "source_id"])["entity_id"]
    labels = pd.DataFrame()
    for _ in range(3):
        asked = result.suggest_pairs(10, exclude=labels if len(labels) else None)
        assert len(asked) == 10
        assert asked["match"].isna().all()
        assert {"first_name_l", "first_name_r"} <= set(asked.columns)
        left = entity.reindex(pd.MultiIndex.from_frame(asked[["source_l", "source_id_l"]]))
        right = entity.reindex(pd.MultiIndex.from_frame(asked[["source_r", "source_id_r"]]))
        answered = asked.assign(match=left.to_numpy() == right.to_numpy())
        if len(labels):
            done = set(zip(labels["source_id_l"], labels["source_id_r"], strict=True))
            assert not done & set(zip(asked["source_id_l"], asked["source_id_r"], strict=True))
        labels = pd.concat([labels, answered], ignore_index=True)
        result = sv.resolve(sources, labels=labels)
    assert result.stats["labels"]["pairs"] == 30
    after = sv.evaluate(result.clusters, truth).pairwise_f1
    assert after > before + 0.005


def test_labelled_pairs_naming_unknown_records_are_left_out() -> None:
    sources, _ = fake_1000()
    labels = pd.DataFrame(
        {
            "source_l": ["fake", "fake"],
            "source_id_l": ["0", "nope"],
            "source_r": ["fake", "fake"],
            "source_id_r": ["1", "2"],
            "match": [True, True],
        }
    )
    result = sv.resolve(sources, labels=labels)
    assert result.stats["labels"] == {"pairs": 1, "matches": 1}


def test_read_labels_mends_float_ids_and_rejects_scores_out_of_range() -> None:
    frame = pd.DataFrame(
        {
            "source_l": ["s"],
            "source_id_l": [2.0],
            "source_r": ["s"],
            "source_id_r": [3.0],
            "match": [1],
        }
    )
    assert read_labels(frame)["source_id_l"].tolist() == ["2"]
    with pytest.raises(sv.ConfigError, match="no match verdict"):
        read_labels(frame.assign(match=[7]))
