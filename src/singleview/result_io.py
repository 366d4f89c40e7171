"""Reading a saved result directory back (what ``Result.save`` wrote), for the report.

The frames come back as pandas, the model from ``model.json``, the threshold and the rows
in per source from ``stats.json``; ``records`` is left empty (the report does not read
them, and a result read back cannot explain pairs: that needs the run's features).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from .errors import ConfigError
from .model import FellegiSunter
from .result import Result
from .schema import PAIR_KEYS

__all__ = ["load_result_dir"]

logger = logging.getLogger(__name__)
#: The default threshold when saved directories did not record theirs (before 0.3).
LEGACY_THRESHOLD = 0.5

_PAIR_KEYS = list(PAIR_KEYS)
_EMPTY = {
    "pairs": [*_PAIR_KEYS, "match_weight", "match_probability", "matched_by"],
    "quarantine": ["source", "source_id", "reason"],
    "issues": ["source", "field", "reason", "count"],
    "blocking": ["rule", "blocks", "pairs", "new_pairs", "skipped_blocks", "used"],
}


def load_result_dir(directory: Path) -> Result:
    """The parts of a saved result the report reads (``records`` is left empty)."""
    if not directory.is_dir():
        raise ConfigError(
            f"result directory {directory} does not exist; write one with `singleview resolve "
            "CONFIG --out DIR` or result.save(DIR)"
        )
    if not (directory / "clusters.parquet").exists():
        raise ConfigError(
            f"{directory} is not a singleview result directory (no clusters.parquet); write "
            "one with `singleview resolve CONFIG --out DIR` or result.save(DIR)"
        )
    stats_file = directory / "stats.json"
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    threshold = stats.pop("threshold", None)
    rows_in = stats.pop("rows_in", None)
    frames: dict[str, pd.DataFrame] = {}
    for name in ("clusters", "profiles", "pairs", "quarantine", "issues", "blocking"):
        path = directory / f"{name}.parquet"
        frames[name] = (
            pd.read_parquet(path)
            if path.exists()
            else pd.DataFrame({c: [] for c in _EMPTY.get(name, [])})
        )
    if threshold is None:
        logger.warning("stats.json has no threshold; the report assumes %s", LEGACY_THRESHOLD)
        threshold = LEGACY_THRESHOLD
    model_file = directory / "model.json"
    result = Result(
        clusters=frames["clusters"],
        profiles=frames["profiles"],
        pairs=frames["pairs"],
        quarantine=frames["quarantine"],
        issues=frames["issues"],
        blocking=frames["blocking"],
        records=pd.DataFrame(),
        model=FellegiSunter.load(model_file) if model_file.exists() else None,
        threshold=float(threshold),
        stats=stats,
    )
    if rows_in is None:  # saved before stats.json kept it: every row was resolved or not
        resolved = result.resolved_per_source()
        quarantined, _ = result.quarantine_counts()
        rows_in = {
            s: resolved.get(s, 0) + quarantined.get(s, 0) for s in sorted({*resolved, *quarantined})
        }
    result.rows_in = {str(k): int(v) for k, v in rows_in.items()}
    return result
