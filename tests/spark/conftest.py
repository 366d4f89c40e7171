"""One local Spark session (``local[2]``) for every Spark test; skipped with a reason when
pyspark or Java is missing (CI installs both: see ``.ci/run``)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.spark


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/spark" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 or 21 and none was found")
    from singleview.engines.spark.session import local_session

    session = local_session(checkpoint_dir=Path(tmp_path_factory.mktemp("checkpoints")))
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    yield session
    session.stop()
