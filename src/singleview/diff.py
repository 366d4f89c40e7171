"""Run-to-run QA: how the customers of two resolution runs differ.

:func:`compare_runs` lines up the ``clusters`` frames of an old and a new run by record
(``source``, ``source_id``; compared as text).  A record is *removed* (only in the old run),
*added* (only in the new run) or *common* (in both).  A cluster's *core* is its common
records.  Each old and each new cluster falls in exactly one bucket of its side:

``removed`` (old side)
    Every record of the old cluster is gone (its core is empty).
``created`` (new side)
    The new cluster holds added records only (its core is empty).
``split``
    Old side: the old cluster's core is now spread over two or more new clusters.  New side:
    the new cluster's core comes from one old cluster only, and that old cluster split.
``merged``
    New side: the new cluster's core comes from two or more old clusters.  Old side: the
    old cluster's core lies whole in one new cluster, and that new cluster merged.
``unchanged``, ``renamed``, ``grown``, ``shrunk``
    The old and the new cluster have the same core, and no other cluster on either side
    shares it: the pair counts in the same bucket on both sides.  ``unchanged``: same
    records and same customer id; ``renamed``: same records, another customer id;
    ``grown``: the new cluster also holds added records (the old one may also have lost
    removed records); ``shrunk``: the old cluster lost removed records and nothing was added.

A common record has *moved* when its old and new clusters are not each other's main
counterpart.  The main counterpart of a cluster is the cluster on the other side that holds
most of its core (ties: the smaller customer id).  Merging a one-record customer into a
ten-record one moves one record; renames, growth and shrinkage move none.

A *size jump* is a new cluster at least ``factor`` times as large as, and ``min_growth``
records larger than, the largest old cluster it draws records from; the largest new
cluster is also held against the largest old cluster of all (this catches a giant made of
added records only).

Example:
    >>> import pandas as pd
    >>> from singleview.diff import compare_runs
    >>> old = pd.DataFrame({"source": ["a"] * 3, "source_id": ["1", "2", "3"],
    ...                     "customer_id": ["x", "x", "y"]})
    >>> new = old.assign(customer_id=["x", "x", "x"])
    >>> d = compare_runs(old, new)
    >>> d.old_buckets["merged"], d.new_buckets["merged"], d.moved_records
    (2, 1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["RunDiff", "SizeJump", "compare_runs"]

KEY = ["source", "source_id"]
COLUMNS = [*KEY, "customer_id"]
PAIRED = ("unchanged", "renamed", "grown", "shrunk")
OLD_BUCKETS = (*PAIRED, "merged", "split", "removed")
NEW_BUCKETS = (*PAIRED, "merged", "split", "created")

Run = str | Path | pd.DataFrame


@dataclass(frozen=True)
class SizeJump:
    """When a new cluster counts as a size jump: at least ``factor`` times and at least
    ``min_growth`` records larger than the old cluster it is held against."""

    factor: float = 2.0
    min_growth: int = 5

    def __post_init__(self) -> None:
        if not self.factor >= 1.0 or self.min_growth < 0:
            raise ConfigError("a size jump needs factor >= 1 and min_growth >= 0")


@dataclass(frozen=True)
class RunDiff:
    """How the customers of two runs differ (see :mod:`singleview.diff` for the buckets).

    Attributes:
        removed_records, added_records, common_records: records only in the old run, only
            in the new run, and in both.
        moved_records: common records that changed customer (not counting renames).
        old_customers, new_customers: clusters in each run.
        old_buckets, new_buckets: bucket -> number of old (new) clusters; they add up to
            ``old_customers`` (``new_customers``).
        largest_old, largest_new: records in the largest cluster of each run.
        clusters: one row per cluster of either run: ``side`` (``old``/``new``),
            ``customer_id``, ``bucket``, ``size``.
        moved: the moved records: ``source``, ``source_id``, ``old_customer_id``,
            ``new_customer_id``.
        size_jumps: ``customer_id`` (new), ``old_size``, ``new_size``, largest growth first.
        size_jump: the criterion the size jumps were found with.
    """

    removed_records: int
    added_records: int
    common_records: int
    moved_records: int
    old_customers: int
    new_customers: int
    old_buckets: dict[str, int]
    new_buckets: dict[str, int]
    largest_old: int
    largest_new: int
    clusters: pd.DataFrame = field(repr=False)
    moved: pd.DataFrame = field(repr=False)
    size_jumps: pd.DataFrame = field(repr=False)
    size_jump: SizeJump = field(default_factory=SizeJump)

    @property
    def moved_share(self) -> float:
        """Moved records as a share of the common records (0 when there are none)."""
        return self.moved_records / self.common_records if self.common_records else 0.0

    def exceeds(
        self, max_changed: float | None = None, *, max_size_jumps: int | None = None
    ) -> bool:
        """Whether the change is over a CI gate: more than ``max_changed`` (a fraction) of
        the common records moved, or more than ``max_size_jumps`` size jumps.  ``None``
        leaves that gate open."""
        if max_changed is not None and not 0.0 <= max_changed <= 1.0:
            raise ConfigError(f"max_changed is a fraction in [0, 1], got {max_changed}")
        if max_size_jumps is not None and max_size_jumps < 0:
            raise ConfigError(f"max_size_jumps must be >= 0, got {max_size_jumps}")
        return (max_changed is not None and self.moved_share > max_changed) or (
            max_size_jumps is not None and len(self.size_jumps) > max_size_jumps
        )

    def as_dict(self, *, top: int = 20) -> dict[str, Any]:
        """The counts and the ``top`` size jumps as plain JSON types (no record ids)."""
        jumps = self.size_jumps.head(top).astype({"customer_id": str})
        return {
            "records": {
                "removed": self.removed_records,
                "added": self.added_records,
                "common": self.common_records,
                "moved": self.moved_records,
                "moved_share": self.moved_share,
            },
            "customers": {"old": self.old_customers, "new": self.new_customers},
            "old_buckets": dict(self.old_buckets),
            "new_buckets": dict(self.new_buckets),
            "largest": {"old": self.largest_old, "new": self.largest_new},
            "size_jump": {"factor": self.size_jump.factor, "min_growth": self.size_jump.min_growth},
            "n_size_jumps": len(self.size_jumps),
            "size_jumps": jumps.to_dict("records"),
        }

    def text(self, *, top: int = 5) -> str:
        """A short summary: counts, and the ``top`` size jumps by customer id."""
        old, new = self.old_buckets, self.new_buckets
        paired = ", ".join(f"{b} {old[b]:,}" for b in PAIRED)
        lines = [
            f"records: {self.common_records:,} in both runs, {self.added_records:,} added, "
            f"{self.removed_records:,} removed",
            f"moved to another customer: {self.moved_records:,} "
            f"({self.moved_share:.2%} of the records in both)",
            f"customers: {self.old_customers:,} old -> {self.new_customers:,} new",
            f"  same core on both sides: {paired}",
            f"  old side: merged {old['merged']:,}, split {old['split']:,}, "
            f"removed {old['removed']:,}",
            f"  new side: merged {new['merged']:,}, split {new['split']:,}, "
            f"created {new['created']:,}",
            f"largest customer: {self.largest_old:,} -> {self.largest_new:,} records",
            f"size jumps (x{self.size_jump.factor:g} and +{self.size_jump.min_growth} records "
            f"or more): {len(self.size_jumps):,}",
        ]
        for row in self.size_jumps.head(top).itertuples(index=False):
            lines.append(f"  {row.customer_id}: {row.old_size:,} -> {row.new_size:,} records")
        if len(self.size_jumps) > top:
            lines.append(f"  ... and {len(self.size_jumps) - top:,} more")
        return "\n".join(lines)


def _load(run: Run, side: str) -> pd.DataFrame:
    if isinstance(run, pd.DataFrame):
        frame = run
    else:
        directory = Path(run)
        if not directory.is_dir():
            raise ConfigError(
                f"the {side} run {str(directory)!r} is not a directory; give a result "
                "directory written by `singleview resolve --out` or Result.save"
            )
        path = directory / "clusters.parquet"
        if not path.is_file():
            raise ConfigError(
                f"the {side} run {str(directory)!r} has no clusters.parquet; is it a result "
                "directory written by `singleview resolve --out` or Result.save?"
            )
        frame = pd.read_parquet(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ConfigError(f"the {side} run's clusters lack the columns {missing}")
    nulls = [c for c in COLUMNS if frame[c].isna().any()]
    if nulls:
        raise ConfigError(f"the {side} run's clusters have empty values in {nulls}")
    # Text keys, so that ids read back from Parquet match ids from a frame of integers.
    clean = frame[COLUMNS].astype(str).reset_index(drop=True)
    twice = int(clean.duplicated(KEY).sum())
    if twice:
        raise ConfigError(
            f"the {side} run's clusters list {twice} record(s) twice; a clusters frame has "
            "one row per (source, source_id)"
        )
    return clean


def _main_cells(group: np.ndarray, other: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per cell, whether it is its group's largest (ties: the smallest ``other`` code)."""
    order = np.lexsort((other, -counts, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    best = np.zeros(len(order), dtype=bool)
    best[order[first]] = True
    return best


def compare_runs(old: Run, new: Run, *, size_jump: SizeJump | None = None) -> RunDiff:
    """Compare the customers of two runs.

    Parameters:
        old, new: a result directory (its ``clusters.parquet`` is read) or a clusters frame
            with ``source``, ``source_id`` and ``customer_id``; never modified.
        size_jump: when a new cluster counts as a size jump (default: :class:`SizeJump`,
            twice as large and at least 5 records more).
    """
    jump = size_jump if size_jump is not None else SizeJump()
    old_frame, new_frame = _load(old, "old"), _load(new, "new")
    o_code, o_ids = pd.factorize(old_frame["customer_id"], sort=True)
    n_code, n_ids = pd.factorize(new_frame["customer_id"], sort=True)
    old_id, new_id = np.asarray(o_ids, dtype=object), np.asarray(n_ids, dtype=object)
    n_old, n_new = len(old_id), len(new_id)
    old_size = np.bincount(o_code, minlength=n_old)
    new_size = np.bincount(n_code, minlength=n_new)

    new_index = pd.MultiIndex.from_frame(new_frame[KEY])
    position = new_index.get_indexer(pd.MultiIndex.from_frame(old_frame[KEY]))
    common = position >= 0
    oc, nc = o_code[common], n_code[position[common]]
    core_old = np.bincount(oc, minlength=n_old)
    core_new = np.bincount(nc, minlength=n_new)

    # The contingency cells: (old cluster, new cluster) -> common records in both.
    width = max(n_new, 1)
    cells, cell_of_record, cell_count = np.unique(
        oc.astype(np.int64) * width + nc, return_inverse=True, return_counts=True
    )
    cell_o, cell_n = cells // width, cells % width
    fan_out = np.bincount(cell_o, minlength=n_old)  # new clusters an old core spans
    fan_in = np.bincount(cell_n, minlength=n_new)  # old clusters a new core draws from

    # One-to-one pairs: an old core whole in one new cluster that draws from no other.
    pair = (fan_out[cell_o] == 1) & (fan_in[cell_n] == 1)
    o_pair, n_pair = cell_o[pair], cell_n[pair]
    pair_bucket = np.select(
        [
            new_size[n_pair] > core_new[n_pair],
            old_size[o_pair] > core_old[o_pair],
            old_id[o_pair] == new_id[n_pair],
        ],
        ["grown", "shrunk", "unchanged"],
        default="renamed",
    ).astype(object)
    old_bucket = np.select(
        [core_old == 0, fan_out >= 2], ["removed", "split"], default="merged"
    ).astype(object)
    old_bucket[o_pair] = pair_bucket
    new_bucket = np.select(
        [core_new == 0, fan_in >= 2], ["created", "merged"], default="split"
    ).astype(object)
    new_bucket[n_pair] = pair_bucket

    kept = _main_cells(cell_o, cell_n, cell_count) & _main_cells(cell_n, cell_o, cell_count)
    moved_mask = ~kept[cell_of_record]
    moved = pd.DataFrame(
        {
            "source": old_frame["source"].to_numpy()[common][moved_mask],
            "source_id": old_frame["source_id"].to_numpy()[common][moved_mask],
            "old_customer_id": old_id[oc[moved_mask]],
            "new_customer_id": new_id[nc[moved_mask]],
        }
    ).sort_values(KEY, ignore_index=True)

    # The largest old cluster each new cluster draws records from (0: none).
    drawn = np.zeros(n_new, dtype=np.int64)
    np.maximum.at(drawn, cell_n, old_size[cell_o])
    largest_old = int(old_size.max()) if n_old else 0
    clusters = pd.DataFrame(
        {
            "side": np.repeat(np.array(["old", "new"], dtype=object), [n_old, n_new]),
            "customer_id": np.concatenate([old_id, new_id]),
            "bucket": np.concatenate([old_bucket, new_bucket]),
            "size": np.concatenate([old_size, new_size]).astype(np.int64),
        }
    )
    return RunDiff(
        removed_records=int(len(old_frame) - common.sum()),
        added_records=int(len(new_frame) - common.sum()),
        common_records=int(common.sum()),
        moved_records=int(moved_mask.sum()),
        old_customers=n_old,
        new_customers=n_new,
        old_buckets=_count(old_bucket, OLD_BUCKETS),
        new_buckets=_count(new_bucket, NEW_BUCKETS),
        largest_old=largest_old,
        largest_new=int(new_size.max()) if n_new else 0,
        clusters=clusters,
        moved=moved,
        size_jumps=_size_jumps(new_id, new_size, drawn, largest_old, jump),
        size_jump=jump,
    )


def _size_jumps(
    new_id: np.ndarray, new_size: np.ndarray, drawn: np.ndarray, largest_old: int, jump: SizeJump
) -> pd.DataFrame:
    """The new clusters that jumped in size, largest growth first (ties by id)."""
    before = drawn.copy()
    flagged = (drawn > 0) & _jumps(drawn, new_size, jump)
    if len(new_size):
        top = int(np.argmax(new_size))  # the first maximum: the smallest id
        if not flagged[top] and _jumps(np.array([largest_old]), new_size[[top]], jump)[0]:
            flagged[top], before[top] = True, largest_old
    hits = np.flatnonzero(flagged)
    growth = new_size[hits] - before[hits]
    hits = hits[np.lexsort((new_id[hits].astype(str), -growth))]
    return pd.DataFrame(
        {"customer_id": new_id[hits], "old_size": before[hits], "new_size": new_size[hits]}
    )


def _jumps(before: np.ndarray, after: np.ndarray, jump: SizeJump) -> np.ndarray:
    return np.asarray((after >= jump.factor * before) & (after - before >= jump.min_growth))


def _count(buckets: np.ndarray, names: tuple[str, ...]) -> dict[str, int]:
    counts = pd.Series(buckets, dtype=object).value_counts()
    return {name: int(counts.get(name, 0)) for name in names}
