"""The benchmark datasets as files on disk, and their ground truth.

Every tool reads the same files (the *read* in read -> clusters is timed for everyone):

- ``febrl4``: ``tests/data/febrl/dataset4a.csv`` (source ``a``) and ``dataset4b.csv``
  (source ``b``), a two-source link; ``febrl3``: ``dataset3.csv`` (source ``febrl3``), a
  dedupe.  Columns: rec_id, given_name, surname, street_number, address_1, address_2,
  suburb, postcode, state, date_of_birth, soc_sec_id (values padded with spaces, as
  shipped).  The entity is the number in ``rec-<n>-...``.
- ``fake_1000``: Splink's ``fake_1000.csv`` (source ``fake``): unique_id, first_name,
  surname, dob, city, email, cluster (the truth).
- ``synthetic:N``: :func:`singleview.datasets.generate` ``(N, random_state=0)`` written once
  to ``benchmarks/.cache/synthetic-N/`` as one Parquet file per source (``crm``, ``web``,
  ``call_centre``, ``store``: the raw source columns) plus ``truth.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CACHE = ROOT / "benchmarks" / ".cache"

#: The raw id column of each synthetic source.
SYNTHETIC_IDS = {
    "crm": "contact_id",
    "web": "account_id",
    "call_centre": "call_id",
    "store": "transaction_id",
}


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: its files (source name -> path) and how to link it."""

    name: str
    kind: str  # "febrl4", "febrl3", "fake_1000" or "synthetic"
    files: dict[str, Path]
    link_only: bool = False
    size: int = 0
    truth_file: Path | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return self.size


def read_febrl(path: Path) -> pd.DataFrame:
    """A FEBRL CSV with its padding stripped (every column a string)."""
    frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def dataset(name: str) -> Dataset:
    """The dataset called ``name`` (``febrl4``, ``febrl3``, ``fake_1000``,
    ``synthetic:N``), its synthetic files written first if missing."""
    if name == "febrl4":
        files = {"a": DATA / "febrl" / "dataset4a.csv", "b": DATA / "febrl" / "dataset4b.csv"}
        return Dataset(name, "febrl4", files, link_only=True, size=10_000)
    if name == "febrl3":
        return Dataset(name, "febrl3", {"febrl3": DATA / "febrl" / "dataset3.csv"}, size=5_000)
    if name == "fake_1000":
        path = DATA / "splink_fake_1000" / "fake_1000.csv"
        return Dataset(name, "fake_1000", {"fake": path}, size=1_000)
    if name.startswith("synthetic:"):
        n = int(name.split(":", 1)[1])
        folder = CACHE / f"synthetic-{n}"
        files = {s: folder / f"{s}.parquet" for s in SYNTHETIC_IDS}
        truth = folder / "truth.parquet"
        if not truth.exists():
            _write_synthetic(n, folder)
        return Dataset(name, "synthetic", files, size=n, truth_file=truth)
    raise ValueError(f"unknown dataset {name!r}")


def _write_synthetic(n: int, folder: Path) -> None:
    from singleview.datasets import generate

    data = generate(n, random_state=0)
    folder.mkdir(parents=True, exist_ok=True)
    for source, frame in data.frames.items():
        frame.astype("object").to_parquet(folder / f"{source}.parquet", index=False)
    data.truth.rename(columns={"person_id": "entity_id"}).to_parquet(
        folder / "truth.parquet", index=False
    )


def truth(data: Dataset) -> pd.DataFrame:
    """Ground truth: source, source_id, entity_id (records not in it are singletons)."""
    if data.kind in ("febrl4", "febrl3"):
        parts = []
        for source, path in data.files.items():
            frame = read_febrl(path)
            parts.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "source_id": frame["rec_id"],
                        "entity_id": frame["rec_id"].str.extract(r"rec-(\d+)")[0],
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)
    if data.kind == "fake_1000":
        frame = pd.read_csv(data.files["fake"], dtype=str)
        return pd.DataFrame(
            {"source": "fake", "source_id": frame["unique_id"], "entity_id": frame["cluster"]}
        )
    assert data.truth_file is not None
    return pd.read_parquet(data.truth_file)
