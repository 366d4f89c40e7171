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
