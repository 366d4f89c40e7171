"""The persistent identity store: stable customer ids, incremental runs, lookup, erasure.

See :class:`IdentityStore`; the file's tables are described in :mod:`singleview.store.db`,
the id rules in :mod:`singleview.store.ids` and what is frozen at training in
:mod:`singleview.store.context`.
"""

from __future__ import annotations

from .core import IdentityStore
from .report import IngestReport

__all__ = ["IdentityStore", "IngestReport"]
