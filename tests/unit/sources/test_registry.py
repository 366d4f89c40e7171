"""The registry of source kinds and entry-point discovery."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterator

import pandas as pd
import pytest

from singleview.errors import ConfigError, SourceError
from singleview.sources import (
    CrmSource,
    CsvSource,
    FrameSource,
    available_source_types,
    get_source_type,
    register_source,
    registry,
)


class PluginSource(FrameSource):
    """A stand-in for a third-party adapter."""


def fake_entry_points(*entries: tuple[str, str]) -> object:
    points = [
        importlib.metadata.EntryPoint(name=name, value=value, group=registry.ENTRY_POINT_GROUP)
        for name, value in entries
    ]

    def entry_points(*, group: str) -> list[importlib.metadata.EntryPoint]:
        assert group == registry.ENTRY_POINT_GROUP
        return points

    return entry_points


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(registry, "_REGISTERED", {})
    yield


def test_builtins_available() -> None:
    types = available_source_types()
    for kind in ("crm", "web", "call_centre", "store", "frame", "csv", "parquet"):
        assert kind in types
    assert types["crm"] is CrmSource
    assert get_source_type("csv") is CsvSource


def test_entry_point_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry.importlib.metadata,
        "entry_points",
        fake_entry_points(
            ("acme", f"{__name__}:PluginSource"),
            # The package declares its built-ins too: same class, no clash.
            ("crm", "singleview.sources.builtin:CrmSource"),
        ),
    )
    assert available_source_types()["acme"] is PluginSource
    assert get_source_type("acme") is PluginSource
    assert get_source_type("crm") is CrmSource


def test_broken_plugin_skipped_or_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry.importlib.metadata,
        "entry_points",
        fake_entry_points(("broken", "no_such_module_xyz:Thing")),
    )
    with caplog.at_level(logging.WARNING, logger="singleview"):
        types = available_source_types()
    assert "broken" not in types
    assert "broken" in caplog.text
    with pytest.raises(SourceError, match="broken"):
        get_source_type("broken")


def test_clashing_plugin_keeps_builtin(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry.importlib.metadata,
        "entry_points",
        fake_entry_points(("crm", f"{__name__}:PluginSource")),
    )
    with caplog.at_level(logging.WARNING, logger="singleview"):
        assert available_source_types()["crm"] is CrmSource
    assert "clashes" in caplog.text


def test_unknown_kind_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'call_centre'"):
        get_source_type("callcentre")


def test_register_source() -> None:
    register_source("acme", PluginSource)
    register_source("acme", PluginSource)  # idempotent
    assert get_source_type("acme") is PluginSource
    assert available_source_types()["acme"] is PluginSource
    with pytest.raises(ConfigError, match="already registered"):
        register_source("crm", PluginSource)
    register_source("crm", PluginSource, replace=True)
    assert get_source_type("crm") is PluginSource


@pytest.mark.parametrize("kind", ["Bad Kind", "", "9x"])
def test_register_bad_kind(kind: str) -> None:
    with pytest.raises(ConfigError):
        register_source(kind, PluginSource)


def test_register_non_source() -> None:
    with pytest.raises(ConfigError):
        register_source("thing", pd.DataFrame)
    with pytest.raises(ConfigError):
        register_source("thing", object())  # type: ignore[arg-type]
