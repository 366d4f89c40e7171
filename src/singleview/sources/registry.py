"""Source types by kind: the built-ins, ones registered in code, and entry-point plug-ins.

A third-party package adds an adapter by declaring it in the ``singleview.sources``
entry-point group::

    [project.entry-points."singleview.sources"]
    billing = "acme_singleview.billing:BillingSource"

A plug-in that fails to import is skipped with a warning by :func:`available_source_types`;
asking for it by name with :func:`get_source_type` raises :class:`SourceError`.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import logging
import re

from singleview.errors import ConfigError, SourceError
from singleview.sources.builtin import CallCentreSource, CrmSource, StoreSource, WebSource
from singleview.sources.files import CsvSource, ParquetSource
from singleview.sources.frame import FrameSource

__all__ = ["ENTRY_POINT_GROUP", "available_source_types", "get_source_type", "register_source"]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "singleview.sources"

_BUILTIN: dict[str, type] = {
    "crm": CrmSource,
    "web": WebSource,
    "call_centre": CallCentreSource,
    "store": StoreSource,
    "frame": FrameSource,
    "csv": CsvSource,
    "parquet": ParquetSource,
}
_REGISTERED: dict[str, type] = {}
_KIND = re.compile(r"[a-z][a-z0-9_]*")


def register_source(kind: str, cls: type, *, replace: bool = False) -> None:
    """Make ``cls`` available as source kind ``kind`` (lower case, ``a-z0-9_``).

    Registering the same class twice is harmless; taking a kind that already names another
    class needs ``replace=True``.
    """
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        msg = f"source kind {kind!r} must be lower case letters, digits and underscores"
        raise ConfigError(msg)
    if not isinstance(cls, type) or not all(
        callable(getattr(cls, method, None)) for method in ("read", "normalise")
    ):
        msg = f"source kind {kind!r}: {cls!r} is not a class with read() and normalise()"
        raise ConfigError(msg)
    current = _REGISTERED.get(kind) or _BUILTIN.get(kind)
    if current is not None and current is not cls and not replace:
        msg = (
            f"source kind {kind!r} is already registered to {current.__qualname__}; "
            f"pass replace=True to override it"
        )
        raise ConfigError(msg)
    _REGISTERED[kind] = cls


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry)
    return found


def _load(kind: str, entry: importlib.metadata.EntryPoint) -> type:
    try:
        loaded = entry.load()
    except Exception as exc:
        msg = (
            f"source plug-in {kind!r} ({entry.value}) failed to import: {type(exc).__name__}: {exc}"
        )
        raise SourceError(msg) from exc
    if not isinstance(loaded, type):
        msg = f"source plug-in {kind!r} ({entry.value}) is not a class"
        raise SourceError(msg)
    return loaded


def available_source_types() -> dict[str, type]:
    """Every usable source kind -> class: built-ins, registered classes and plug-ins."""
    types = {**_BUILTIN, **_REGISTERED}
    for kind, entry in _entry_points().items():
        try:
            loaded = _load(kind, entry)
        except SourceError as exc:
            logger.warning("skipping %s", exc)
            continue
        # The package declares its own built-ins too: the same class again is no clash.
        if kind in types and types[kind] is not loaded:
            logger.warning(
                "source plug-in %r (%s) clashes with an existing kind; keeping %s",
                kind,
                entry.value,
                types[kind].__qualname__,
            )
            continue
        types[kind] = loaded
    return dict(sorted(types.items()))


def get_source_type(kind: str) -> type:
    """The class for source kind ``kind``; :class:`ConfigError` names the nearest kind."""
    known = {**_BUILTIN, **_REGISTERED}
    if kind in known:
        return known[kind]
    entries = _entry_points()
    if kind in entries:
        return _load(kind, entries[kind])
    kinds = sorted({*known, *entries})
    close = difflib.get_close_matches(str(kind), kinds, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    msg = f"unknown source kind {kind!r}.{hint} Available kinds: {kinds}"
    raise ConfigError(msg)
