"""Source adapters: read a system's rows and normalise them into the records frame.

Public names: the :class:`Source` protocol and its :class:`SourceOptions`; the generic
:class:`FrameSource`, :class:`CsvSource` and :class:`ParquetSource`; the built-in adapters
:class:`CrmSource`, :class:`WebSource`, :class:`CallCentreSource` and :class:`StoreSource`;
:func:`load`; and the registry of source kinds.

Missing text values in records frames built here are ``None`` in ``object`` columns.
"""

from __future__ import annotations

from singleview.sources.base import Source, SourceOptions, load
from singleview.sources.builtin import CallCentreSource, CrmSource, StoreSource, WebSource
from singleview.sources.files import CsvSource, ParquetSource
from singleview.sources.frame import FrameSource
from singleview.sources.registry import (
    available_source_types,
    get_source_type,
    register_source,
)

__all__ = [
    "CallCentreSource",
    "CrmSource",
    "CsvSource",
    "FrameSource",
    "ParquetSource",
    "Source",
    "SourceOptions",
    "StoreSource",
    "WebSource",
    "available_source_types",
    "get_source_type",
    "load",
    "register_source",
]
