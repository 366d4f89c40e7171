"""YAML run configuration for the ``singleview`` command.

Example ``resolve.yaml`` (paths are relative to the file)::

    sources:
      - type: crm                 # a built-in adapter, a plug-in, or csv / parquet
        path: crm.csv
        region: GB
        priority: 10
      - type: csv
        name: newsletter
        path: newsletter.csv
        id_column: subscriber_id
        columns: {email: email_address, full_name: name}
    link_within_sources: true
    random_state: 0
    threshold: 0.9                # optional
    settings:                     # optional: any field of singleview.Settings
      max_block_size: 2000
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from .errors import ConfigError, SingleViewError
from .settings import Settings
from .sources import Source, get_source_type

__all__ = ["RunConfig", "SourceConfig", "load_config"]


class SourceConfig(BaseModel):
    """One source in a run configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    path: str
    name: str | None = None
    id_column: str | None = None
    columns: dict[str, str | list[str]] | None = None
    ids: list[str] | dict[str, str] | None = None
    extra: list[str] | dict[str, str] | None = None
    region: str | None = None
    dayfirst: bool | None = None
    priority: int = 0
    batch_size: int = Field(default=100_000, gt=0)

    def build(self, base: Path) -> Source:
        """The source object this entry describes, with its path resolved against ``base``."""
        cls = get_source_type(self.type)
        path = Path(self.path)
        if not path.is_absolute():
            path = base / path
        options: dict[str, Any] = self.model_dump(exclude={"type", "path"}, exclude_none=True)
        if self.type in ("csv", "parquet", "frame"):
            for needed in ("name", "id_column"):
                if needed not in options:
                    raise ConfigError(
                        f"source of type {self.type!r} at {self.path!r} needs {needed!r}"
                    )
        source: Source = cls(path, **options)
        return source


class RunConfig(BaseModel):
    """A whole run: sources and options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[SourceConfig] = Field(min_length=1)
    link_within_sources: bool = True
    random_state: int = 0
    threshold: float | None = None
    settings: Settings = Field(default_factory=Settings)


def _where(error: ErrorDetails, raw: dict[str, Any]) -> str:
    loc = list(error["loc"])
    text = ".".join(str(part) for part in loc)
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = raw.get("sources") or []
        if loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
            entry = entries[loc[1]]
            label = entry.get("name") or entry.get("type") or f"#{loc[1]}"
            text = f"source {label!r}: " + ".".join(str(p) for p in loc[2:])
    return text


def load_config(path: str | Path) -> tuple[RunConfig, list[Source]]:
    """Read and validate a YAML configuration; build its sources."""
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {str(file)!r}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration {str(file)!r} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"configuration {str(file)!r} must be a mapping with 'sources'")
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e, raw)}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"configuration {str(file)!r}: {problems}") from None
    sources = []
    for entry in config.sources:
        try:
            sources.append(entry.build(file.parent))
        except SingleViewError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"source {entry.name or entry.type!r}: {exc}") from None
    return config, sources
