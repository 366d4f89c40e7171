"""Shared data for the identity store tests: a small seeded synthetic multi-source set."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

import singleview as sv
from singleview.datasets import SyntheticData, generate

ADAPTERS = {
    "crm": sv.CrmSource,
    "web": sv.WebSource,
    "call_centre": sv.CallCentreSource,
    "store": sv.StoreSource,
}


def sources(frames: dict[str, pd.DataFrame]) -> list[sv.Source]:
    """The built-in adapters over (parts of) the synthetic frames."""
    return [ADAPTERS[name](frame) for name, frame in frames.items() if len(frame)]


def partition(clusters: pd.DataFrame) -> set[frozenset[tuple[str, str]]]:
    """Clusters as a set of record sets (ids aside)."""
    return {
        frozenset(zip(group["source"], group["source_id"], strict=True))
        for _, group in clusters.groupby("customer_id")
    }


@pytest.fixture(scope="session")
def synthetic() -> SyntheticData:
    return generate(1200, random_state=3)


@pytest.fixture
def make_sources() -> Callable[[dict[str, pd.DataFrame]], list[sv.Source]]:
    return sources
