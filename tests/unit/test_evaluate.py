from __future__ import annotations

import pandas as pd
import pytest

from singleview.errors import ConfigError
from singleview.evaluate import evaluate


def _frame(ids: list[str], labels: list[object], column: str) -> pd.DataFrame:
    return pd.DataFrame({"source": "s", "source_id": ids, column: labels})


def test_perfect_clusters_score_one() -> None:
    ids = ["1", "2", "3", "4"]
    scores = evaluate(
        _frame(ids, ["a", "a", "b", "c"], "customer_id"), _frame(ids, [1, 1, 2, 3], "entity_id")
    )
    assert scores.pairwise_f1 == 1.0
    assert scores.bcubed_f1 == 1.0


def test_pairwise_and_bcubed_by_hand() -> None:
    ids = ["1", "2", "3", "4"]
    # predicted {1,2,3},{4}; true {1,2},{3,4}
    scores = evaluate(
        _frame(ids, ["a", "a", "a", "b"], "customer_id"), _frame(ids, [1, 1, 2, 2], "entity_id")
    )
    assert scores.predicted_pairs == 3
    assert scores.true_pairs == 2
    assert scores.correct_pairs == 1
    assert scores.pairwise_precision == pytest.approx(1 / 3)
    assert scores.pairwise_recall == pytest.approx(1 / 2)
    # B-cubed precision: records 1,2: 2/3 each; 3: 1/3; 4: 1 -> (2/3+2/3+1/3+1)/4
    assert scores.bcubed_precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert scores.bcubed_recall == pytest.approx((1 + 1 + 1 / 2 + 1 / 2) / 4)


def test_missing_predictions_count_as_singletons() -> None:
    truth = _frame(["1", "2"], [1, 1], "entity_id")
    scores = evaluate(_frame(["1"], ["a"], "customer_id"), truth)
    assert scores.predicted_pairs == 0
    assert scores.pairwise_recall == 0.0


def test_missing_columns_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="entity_id"):
        evaluate(_frame(["1"], ["a"], "customer_id"), _frame(["1"], [1], "other"))


def test_several_missing_predictions_stay_separate() -> None:
    truth = _frame(["1", "2", "3", "4"], [1, 1, 2, 3], "entity_id")
    scores = evaluate(_frame(["1", "2"], ["x", "x"], "customer_id"), truth)
    assert scores.predicted_pairs == 1
    assert scores.pairwise_precision == 1.0


def test_overmerged_counts_entities_sharing_a_customer_by_kind() -> None:
    from singleview import overmerged

    truth = pd.DataFrame(
        {
            "source": ["s"] * 7,
            "source_id": [str(i) for i in range(7)],
            "entity_id": ["tw1", "tw2", "jr", "sr", "a", "b", "c"],
        }
    )
    clusters = truth[["source", "source_id"]].assign(
        customer_id=["X", "X", "Y", "Y", "Z", "Z", "W"]
    )
    groups = pd.DataFrame(
        {
            "entity_id": ["tw1", "tw2", "jr", "sr", "a", "b", "c"],
            "household_id": [1, 1, 2, 2, 3, 4, 5],
            "relation": ["twin", "twin", "junior", "senior", "single", "single", "single"],
        }
    )
    plain = overmerged(clusters, truth)
    assert plain["entity_id"].tolist() == ["a", "b", "jr", "sr", "tw1", "tw2"]
    assert plain["with"].tolist() == [1] * 6
    kinds = overmerged(clusters, truth, groups=groups).set_index("entity_id")["kind"]
    assert kinds.to_dict() == {
        "a": "other", "b": "other", "jr": "jr/sr", "sr": "jr/sr", "tw1": "twin", "tw2": "twin"
    }  # fmt: skip
    # One customer per entity: nothing over-merged.
    assert overmerged(truth.assign(customer_id=truth["entity_id"]), truth).empty
