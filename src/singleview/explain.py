"""The weight waterfall of one pair: why the model scored it as it did.

:func:`waterfall` gives one row for the prior, one per comparison (its level, m, u, weight,
term-frequency adjustment and whether it counted: inside a location group only one does,
and the household rule can drop the group), and one for the total with its probability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .model import FellegiSunter

__all__ = ["waterfall"]


def waterfall(
    model: FellegiSunter, levels: np.ndarray, tf: np.ndarray, prior: float | None = None
) -> pd.DataFrame:
    """The waterfall of one pair's ``levels`` (one per comparison) and ``tf`` adjustments;
    ``prior``: the pair's prior log2-odds (default: the model's overall prior)."""
    model._check()
    rows: list[dict[str, Any]] = [
        {
            "comparison": "prior",
            "column": None,
            "level": None,
            "m": None,
            "u": None,
            "weight": model.prior_weight if prior is None else prior,
            "tf_adjustment": 0.0,
        }
    ]
    contrib = model.contributions(levels.reshape(1, -1), {k: tf[k : k + 1] for k in range(len(tf))})
    counts = model.counted(contrib, levels.reshape(1, -1) >= 0)[0]
    for k, comparison in enumerate(model.comparisons):
        level = int(levels[k])
        known = level >= 0
        rows.append(
            {
                "comparison": comparison.kind,
                "column": comparison.column,
                "level": comparison.labels[level] if known else "missing",
                "m": float(model.m_[k][level]) if known else None,
                "u": float(model.u_[k][level]) if known else None,
                "weight": float(np.log2(model.m_[k][level] / model.u_[k][level])) if known else 0.0,
                "tf_adjustment": float(tf[k]) if known else 0.0,
                "counted": bool(counts[k]),
            }
        )
    rows[0]["counted"] = True
    counted = [r for r in rows if r["counted"]]
    total = float(sum(r["weight"] + r["tf_adjustment"] for r in counted))
    cumulative = 0.0
    for row in rows:
        if row["counted"]:
            cumulative += row["weight"] + row["tf_adjustment"]
        row["cumulative_weight"] = cumulative
        row["probability"] = None
    rows.append(
        {
            "comparison": "total",
            "column": None,
            "level": None,
            "m": None,
            "u": None,
            "weight": total,
            "tf_adjustment": 0.0,
            "counted": False,
            "cumulative_weight": total,
            "probability": 1.0 / (1.0 + 2.0 ** (-total)),
        }
    )
    frame = pd.DataFrame(rows)
    return frame
