"""The Spark engine (optional extra ``spark``): ``sv.resolve(sources,
engine=sv.SparkEngine(spark))``.  Importing this package does not import pyspark; the
engine needs it when it runs."""

from __future__ import annotations

from .engine import SparkEngine
from .result import SparkResult
from .session import local_session

__all__ = ["SparkEngine", "SparkResult", "local_session"]
