"""Labelled pairs: train m from what a person confirmed, and pick the pairs worth asking.

Zero-config training (EM) needs no labels, but on hard data a few dozen confirmed pairs
help: :func:`singleview.resolve` takes ``labels=`` (a frame of record pairs with a
``match`` verdict) and the model's m values become, per comparison, the level counts of
the labelled matches blended with EM's estimate (``LABEL_STRENGTH`` pseudo-pairs of EM:
a handful of labels nudges m, thousands replace it).

:func:`suggest_pairs` picks the pairs to label next (active learning by uncertainty): the
candidate pairs whose match weight is closest to the threshold, one per comparison pattern
first, so each label teaches something the others don't.

Formats: ``source_l, source_id_l, source_r, source_id_r, match`` (``match``: bool, 0/1 or
a score, >= 0.5 meaning a match), or Splink's ``source_dataset_l, unique_id_l,
source_dataset_r, unique_id_r, clerical_match_score``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError
from .schema import PAIR_KEYS

if TYPE_CHECKING:
    from .result import Result

__all__ = ["LABEL_STRENGTH", "blend_labels", "label_positions", "read_labels", "suggest_pairs"]

logger = logging.getLogger(__name__)

#: EM's m counts as this many labelled matches when blended with the labels.
LABEL_STRENGTH = 20.0
_KEYS = list(PAIR_KEYS)
_SPLINK = {
    "source_dataset_l": "source_l",
    "unique_id_l": "source_id_l",
    "source_dataset_r": "source_r",
    "unique_id_r": "source_id_r",
    "clerical_match_score": "match",
}
#: Record fields shown side by side in suggested pairs.
_SHOWN = ("first_name", "last_name", "full_name", "dob", "email", "phone", "postcode")


def read_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """``labels`` in the canonical form: the four key columns (strings) and ``match``
    (bool); a :class:`ConfigError` names a missing column."""
    if not isinstance(labels, pd.DataFrame):
        raise ConfigError(f"labels must be a pandas DataFrame, not {type(labels).__name__}")
    frame = labels.rename(columns={k: v for k, v in _SPLINK.items() if k in labels.columns})
    missing = [c for c in [*_KEYS, "match"] if c not in frame.columns]
    if missing:
        raise ConfigError(
            f"labels lack columns {missing}: give source_l, source_id_l, source_r, "
            "source_id_r and match (or Splink's unique_id_l/_r, source_dataset_l/_r and "
            "clerical_match_score)"
        )
    verdict = pd.to_numeric(frame["match"].astype(object).map(_number), errors="coerce")
    verdict = verdict.where((verdict >= 0) & (verdict <= 1))
    if verdict.isna().any():
        raise ConfigError(
            f"labels: {int(verdict.isna().sum())} rows have no match verdict (give true/"
            "false, 1/0 or a score in [0, 1])"
        )
    out = pd.DataFrame({c: _ids(frame[c]) for c in _KEYS})
    out["match"] = (verdict >= 0.5).to_numpy(dtype=bool)
    return out.drop_duplicates(_KEYS, keep="last", ignore_index=True)


def _ids(column: pd.Series) -> np.ndarray:
    """Ids as strings; whole floats (ids read into a float column) without their ``.0``."""
    if pd.api.types.is_float_dtype(column.dtype):
        whole = column.dropna()
        if len(whole) and (whole == np.floor(whole)).all():
            column = column.astype("Int64")
    return np.asarray(column.astype(str).to_numpy(dtype=object))


def _number(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        return {"true": 1, "yes": 1, "y": 1, "false": 0, "no": 0, "n": 0}.get(text, text)
    return value


def label_positions(
    records: pd.DataFrame, labels: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions in ``records`` of each labelled pair's two records, and the verdicts;
    pairs naming a record not among ``records`` (quarantined, mistyped) are left out and
    counted in the log."""
    frame = read_labels(labels)
    index = pd.MultiIndex.from_arrays(
        [records["source"].astype(object), records["source_id"].astype(object)]
    )
    left = index.get_indexer(pd.MultiIndex.from_arrays([frame["source_l"], frame["source_id_l"]]))
    right = index.get_indexer(pd.MultiIndex.from_arrays([frame["source_r"], frame["source_id_r"]]))
    known = (left >= 0) & (right >= 0) & (left != right)
    if not known.all():
        logger.warning(
            "labels: %d of %d pairs name a record that was not resolved; left out",
            int((~known).sum()),
            len(frame),
        )
    return left[known], right[known], frame["match"].to_numpy(dtype=bool)[known]


def blend_labels(
    m: list[np.ndarray], labelled: np.ndarray, strength: float = LABEL_STRENGTH
) -> list[np.ndarray]:
    """Per comparison: the level shares of the labelled matches' ``labelled`` levels
    (-1: missing, not counted) blended with ``m`` as ``strength`` pseudo-pairs."""
    out = []
    for k, m_k in enumerate(m):
        column = labelled[:, k]
        column = column[column >= 0].astype(np.int64)
        counts = np.bincount(column, minlength=len(m_k)).astype(np.float64)
        blended = (counts + strength * np.asarray(m_k)) / (len(column) + strength)
        out.append(np.maximum(blended, 1e-6) / np.maximum(blended, 1e-6).sum())
    return out


def suggest_pairs(
    result: Result, n: int = 20, *, exclude: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ``n`` candidate pairs most worth labelling: closest to the threshold, one per
    comparison pattern first.  Columns: the four keys, ``match_probability``,
    ``match_weight``, the shown fields of both records (``<field>_l``/``_r``) and an empty
    ``match`` to fill in; pairs in ``exclude`` (labels given before) are skipped."""
    if n <= 0:
        raise ConfigError("suggest_pairs: n must be positive")
    cut = float(np.log2(result.threshold / (1.0 - result.threshold)))
    pairs = result.pairs
    if pairs is None:
        pairs = pd.DataFrame(columns=[*_KEYS, "match_probability", "match_weight"])
    elif not isinstance(pairs, pd.DataFrame):
        pairs = _nearest_spark_pairs(pairs, cut, max(200 * n, 10_000))
    if not len(pairs):
        return pd.DataFrame(columns=[*_KEYS, "match_probability", "match_weight", "match"])
    pairs = pairs.astype({c: object for c in _KEYS})
    if exclude is not None and len(exclude):
        done = read_labels(exclude)
        seen = pd.MultiIndex.from_frame(done[_KEYS])
        flipped = pd.MultiIndex.from_frame(
            done[["source_r", "source_id_r", "source_l", "source_id_l"]]
        )
        key = pd.MultiIndex.from_frame(pairs[_KEYS].astype(str))
        pairs = pairs[~(key.isin(seen) | key.isin(flipped))]
    if "matched_by" in pairs.columns:  # a rule's verdict is not the model's to learn
        pairs = pairs[pairs["matched_by"].astype(object) != "rule"]
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    ranked = pairs.assign(
        _distance=(pairs["match_weight"].astype(np.float64) - cut).abs(),
        _pattern=pairs.groupby(gammas, sort=False, dropna=False).ngroup() if gammas else 0,
    ).sort_values(["_distance", *_KEYS], kind="mergesort", ignore_index=True)
    first = ~ranked["_pattern"].duplicated()
    chosen = pd.concat([ranked[first], ranked[~first]], ignore_index=True).head(n)
    out = chosen[[*_KEYS, "match_probability", "match_weight"]].reset_index(drop=True)
    records = result.records
    if not isinstance(records, pd.DataFrame):
        records = _spark_records(records, out)
    shown = [f for f in _SHOWN if f in records.columns]
    table = records.set_index(["source", "source_id"])[shown]
    for side in ("l", "r"):
        rows = table.reindex(
            pd.MultiIndex.from_arrays([out[f"source_{side}"], out[f"source_id_{side}"]])
        )
        for field in shown:
            out[f"{field}_{side}"] = rows[field].to_numpy(dtype=object)
    out["match"] = pd.array([pd.NA] * len(out), dtype="boolean")
    return out


def _nearest_spark_pairs(pairs: Any, cut: float, limit: int) -> pd.DataFrame:
    """The ``limit`` pairs of a Spark frame nearest the threshold's weight ``cut`` (the
    patterns are then chosen among those, on the driver)."""
    from pyspark.sql import functions as F

    distance = F.abs(F.col("match_weight") - F.lit(cut))
    nearest = pairs.orderBy(distance, *_KEYS).limit(limit)
    frame: pd.DataFrame = nearest.toPandas()
    return frame


def _spark_records(records: object, pairs: pd.DataFrame) -> pd.DataFrame:
    """The records of ``pairs`` fetched from a Spark frame (only those)."""
    from pyspark.sql import functions as F

    keys = sorted(
        set(zip(pairs["source_l"], pairs["source_id_l"], strict=True))
        | set(zip(pairs["source_r"], pairs["source_id_r"], strict=True))
    )
    wanted = F.lit(False)
    for source, source_id in keys:
        wanted = wanted | ((F.col("source") == source) & (F.col("source_id") == source_id))
    frame: pd.DataFrame = records.where(wanted).toPandas()  # type: ignore[attr-defined]
    return frame
