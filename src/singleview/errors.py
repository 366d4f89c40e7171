"""The singleview exception tree.

Every error the library raises on purpose derives from :class:`SingleViewError`::

    SingleViewError
    ├── ConfigError        a setting, mapping or option is wrong (names the field and source)
    ├── SchemaError        a source's data does not fit its mapping (names source and columns)
    ├── SourceError        a source could not be read or a source plug-in misbehaved
    ├── NotFittedError     a model was used before it was trained
    ├── DataError          the data, taken as a whole, cannot be resolved (e.g. nothing left)
    └── StoreError         an identity store file is not a store, or of another version;
        └── StoreBusyError another process held the store past the timeout

Messages say what was wrong and what to do about it.  They name sources, fields, columns and
counts, never values from the data (no names, emails or phone numbers).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "NotFittedError",
    "SchemaError",
    "SingleViewError",
    "SourceError",
    "StoreBusyError",
    "StoreError",
]


class SingleViewError(Exception):
    """Root of every error singleview raises on purpose."""


class ConfigError(SingleViewError, ValueError):
    """A setting, column mapping or option is invalid."""


class SchemaError(SingleViewError, ValueError):
    """A source's data does not match what its mapping promises."""


class SourceError(SingleViewError):
    """A source could not be read, or a source plug-in broke its contract."""


class NotFittedError(SingleViewError, RuntimeError):
    """An estimator was used before ``fit`` was called."""


class DataError(SingleViewError, ValueError):
    """The input as a whole cannot be resolved (for example: no usable records)."""


class StoreError(SingleViewError):
    """An identity store cannot be used: not a store file, another schema version, or an
    unknown record or customer."""


class StoreBusyError(StoreError):
    """Another process held the identity store (one writer at a time) past the timeout."""
