"""Engines that run the pipeline: :mod:`~singleview.engines.local` (pandas and NumPy in
this process) and :mod:`~singleview.engines.spark` (Apache Spark), each imported on first
use (``sv.engines.spark.local_session()`` works without an import of its own)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"):
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
