"""The built-in adapters, as named by the ``singleview.sources`` entry-point group."""

from __future__ import annotations

from singleview.sources.call_centre import CallCentreSource
from singleview.sources.crm import CrmSource
from singleview.sources.store import StoreSource
from singleview.sources.web import WebSource

__all__ = ["CallCentreSource", "CrmSource", "StoreSource", "WebSource"]
