"""A local Spark session configured for singleview (tests, notebooks, benchmarks).

On a cluster, use the session you have: :class:`~singleview.engines.spark.SparkEngine`
only needs Arrow enabled (it is set per query where needed) and the workers' Python to
have singleview installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["local_session"]


def local_session(
    cores: int = 2,
    *,
    partitions: int = 4,
    checkpoint_dir: Path | None = None,
    driver_memory: str = "2g",
) -> SparkSession:
    """A ``local[cores]`` session: workers run this interpreter (``PYSPARK_PYTHON``), Arrow
    moves pandas batches, times stay naive (UTC session zone), no web UI, and everything
    binds to the loopback address."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("singleview")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if checkpoint_dir is not None:
        session.sparkContext.setCheckpointDir(str(checkpoint_dir))
    return session
