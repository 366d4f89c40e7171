"""singleview: identity resolution for a single customer view.

Read customers from many systems, match them with a Fellegi-Sunter model trained without
labels, cluster them into customers and build one golden profile per customer::

    import singleview as sv
    result = sv.resolve([sv.CrmSource("crm.csv", region="GB"), sv.WebSource("web.csv")])
    result.clusters, result.profiles, result.pairs, result.quarantine
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    DataError,
    NotFittedError,
    SchemaError,
    SingleViewError,
    SourceError,
    StoreBusyError,
    StoreError,
)

# Imported here, not on first use: the function ``evaluate`` shares its name with its
# module, which would replace it as the package's attribute once anything imported it.
from .evaluate import Scores, evaluate, overmerged
from .sources import (
    CallCentreSource,
    CrmSource,
    CsvSource,
    FrameSource,
    ParquetSource,
    Source,
    SourceOptions,
    StoreSource,
    WebSource,
    available_source_types,
    register_source,
)

if TYPE_CHECKING:
    from .diff import RunDiff, compare_runs
    from .engines.local import LocalEngine
    from .engines.spark import SparkEngine, SparkResult
    from .html_report import write_report
    from .model import FellegiSunter
    from .pipeline import resolve
    from .result import Result
    from .settings import ComparisonSettings, Settings, SurvivorshipSettings
    from .store import IdentityStore, IngestReport

#: Public names imported on first use, and the module each comes from: a load worker
#: (``python -m singleview.sources.parallel``) needs the sources alone, and starts in half
#: the time without the matching, clustering, store and Spark modules.
_LAZY = {
    "ComparisonSettings": ".settings",
    "FellegiSunter": ".model",
    "IdentityStore": ".store",
    "IngestReport": ".store",
    "LocalEngine": ".engines.local",
    "Result": ".result",
    "RunDiff": ".diff",
    "Settings": ".settings",
    "SparkEngine": ".engines.spark",
    "SparkResult": ".engines.spark",
    "SurvivorshipSettings": ".settings",
    "compare_runs": ".diff",
    "resolve": ".pipeline",
    "write_report": ".html_report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"):
        value = importlib.import_module(f".{name}", __name__)  # a subpackage: sv.engines
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"

__all__ = [
    "CallCentreSource",
    "ComparisonSettings",
    "ConfigError",
    "CrmSource",
    "CsvSource",
    "DataError",
    "FellegiSunter",
    "FrameSource",
    "IdentityStore",
    "IngestReport",
    "LocalEngine",
    "NotFittedError",
    "ParquetSource",
    "Result",
    "RunDiff",
    "SchemaError",
    "Scores",
    "Settings",
    "SingleViewError",
    "Source",
    "SourceError",
    "SourceOptions",
    "SparkEngine",
    "SparkResult",
    "StoreBusyError",
    "StoreError",
    "StoreSource",
    "SurvivorshipSettings",
    "WebSource",
    "__version__",
    "available_source_types",
    "compare_runs",
    "evaluate",
    "overmerged",
    "register_source",
    "resolve",
    "write_report",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
