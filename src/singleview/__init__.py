"""singleview: identity resolution for a single customer view.

Read customers from many systems, match them with a Fellegi-Sunter model trained without
labels, cluster them into customers and build one golden profile per customer::

    import singleview as sv
    result = sv.resolve([sv.CrmSource("crm.csv", region="GB"), sv.WebSource("web.csv")])
    result.clusters, result.profiles, result.pairs, result.quarantine
"""

from __future__ import annotations

import logging

from .diff import RunDiff, compare_runs
from .engines.local import LocalEngine
from .engines.spark import SparkEngine, SparkResult
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
from .evaluate import Scores, evaluate, overmerged
from .html_report import write_report
from .model import FellegiSunter
from .pipeline import resolve
from .result import Result
from .settings import ComparisonSettings, Settings, SurvivorshipSettings
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
from .store import IdentityStore, IngestReport

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
