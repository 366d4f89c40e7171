"""Accuracy of clusters against true entities: pairwise and B-cubed precision/recall/F1.

Pairwise scores count record pairs: a predicted pair is two records in one predicted
customer; a true pair is two records of one true entity.  B-cubed scores average, over
records, the overlap between a record's predicted cluster and its true cluster.  Both are
computed from the contingency table of (predicted, true) cluster sizes: no pair is listed.

Example:
    >>> import pandas as pd
    >>> from singleview.evaluate import evaluate
    >>> pred = pd.DataFrame({"source": ["a"] * 3, "source_id": ["1", "2", "3"],
    ...                      "customer_id": ["x", "x", "y"]})
    >>> true = pd.DataFrame({"source": ["a"] * 3, "source_id": ["1", "2", "3"],
    ...                      "entity": [1, 1, 1]})
    >>> round(evaluate(pred, true, truth_column="entity").pairwise_f1, 3)
    0.5
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["Scores", "evaluate", "overmerged"]


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed precision, recall and F1, with the pair counts behind them."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    records: int

    def as_dict(self) -> dict[str, float | int]:
        """The scores as a plain dict (for JSON and tables)."""
        return asdict(self)


def _pairs(sizes: np.ndarray) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def evaluate(
    clusters: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    truth_column: str = "entity_id",
    cluster_column: str = "customer_id",
) -> Scores:
    """Score ``clusters`` (source, source_id, customer_id) against ``truth``.

    ``truth`` has source, source_id and ``truth_column``.  Records in ``truth`` but not in
    ``clusters`` (quarantined) count as predicted singletons; records without truth are
    ignored.
    """
    for frame, needed, what in (
        (clusters, cluster_column, "clusters"),
        (truth, truth_column, "truth"),
    ):
        missing = {"source", "source_id", needed} - set(frame.columns)
        if missing:
            raise ConfigError(f"{what} frame lacks columns {sorted(missing)}")
    keys = ["source", "source_id"]
    left = truth[[*keys, truth_column]].astype({"source_id": "object", "source": "object"})
    right = clusters[[*keys, cluster_column]].astype({"source_id": "object", "source": "object"})
    joined = left.merge(right, on=keys, how="left", validate="one_to_one")
    # Records without a prediction (quarantined) are singletons: codes past the real ones.
    pred_codes = pd.factorize(joined[cluster_column].astype("object"))[0]
    unpredicted = pred_codes < 0
    pred_codes[unpredicted] = pred_codes.max(initial=-1) + 1 + np.arange(int(unpredicted.sum()))
    true_codes = pd.factorize(joined[truth_column])[0]

    true_sizes = np.bincount(true_codes).astype(np.int64)
    pred_sizes = np.bincount(pred_codes).astype(np.int64)
    cell = (
        pd.Series(1, index=pd.MultiIndex.from_arrays([pred_codes, true_codes]))
        .groupby(level=[0, 1])
        .size()
    )
    cell_sizes = cell.to_numpy(dtype=np.int64)
    correct = _pairs(cell_sizes)
    true_pairs, predicted_pairs = _pairs(true_sizes), _pairs(pred_sizes)
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0

    n = len(joined)
    pred_of_cell = cell.index.get_level_values(0).to_numpy()
    true_of_cell = cell.index.get_level_values(1).to_numpy()
    # Sum over records of |pred ∩ true| / |pred|  ==  sum over cells of size^2 / |pred|.
    b_precision = float((cell_sizes**2 / pred_sizes[pred_of_cell]).sum() / n) if n else 1.0
    b_recall = float((cell_sizes**2 / true_sizes[true_of_cell]).sum() / n) if n else 1.0
    return Scores(
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
        records=n,
    )


def overmerged(
    clusters: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    truth_column: str = "entity_id",
    cluster_column: str = "customer_id",
    groups: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """True entities merged with another entity: one row per such entity.

    An entity is *over-merged* when one of its records sits in a predicted customer that
    also holds a record of another entity (one customer sees another's data).  Columns:
    ``truth_column``, ``customer`` (the first such customer) and ``with`` (how many other
    entities share customers with it).  ``groups`` (``truth_column``, ``household_id``,
    ``relation``) classifies each over-merged entity as ``kind``: ``twin``, ``jr/sr``,
    ``household`` (merged only with members of its own household) or ``other``
    (merged with someone outside it: namesakes, shared generic values).
    """
    keys = ["source", "source_id"]
    left = truth[[*keys, truth_column]].astype({"source_id": "object", "source": "object"})
    right = clusters[[*keys, cluster_column]].astype({"source_id": "object", "source": "object"})
    joined = left.merge(right, on=keys, how="inner", validate="one_to_one")
    cells = joined[[cluster_column, truth_column]].drop_duplicates()
    per_customer = cells.groupby(cluster_column)[truth_column].transform("size")
    mixed = cells[per_customer > 1]
    pairs = mixed.merge(mixed, on=cluster_column, suffixes=("", "_other"))
    pairs = pairs[pairs[truth_column] != pairs[f"{truth_column}_other"]]
    out = (
        pairs.groupby(truth_column, sort=True)
        .agg(customer=(cluster_column, "min"), **{"with": (f"{truth_column}_other", "nunique")})
        .reset_index()
    )
    if groups is None or not len(out):
        return out
    info = groups[[truth_column, "household_id", "relation"]].drop_duplicates(truth_column)
    pairs = pairs.merge(info, on=truth_column, how="left").merge(
        info.rename(columns=lambda c: f"{c}_other"), on=f"{truth_column}_other", how="left"
    )
    outside = pairs["household_id"] != pairs["household_id_other"]

    def both(relations: list[str]) -> pd.Series:
        return pairs["relation"].isin(relations) & pairs["relation_other"].isin(relations)

    kind = (
        pd.Series(np.where(outside, 3, 2), index=pairs.index)
        .where(~((~outside) & both(["twin"])), 0)
        .where(~((~outside) & both(["senior", "junior"])), 1)
    )
    names = np.array(["twin", "jr/sr", "household", "other"], dtype=object)
    worst = kind.groupby(pairs[truth_column]).max()
    return out.assign(kind=names[worst.reindex(out[truth_column]).to_numpy()])
