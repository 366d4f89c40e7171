from __future__ import annotations

import pytest

import singleview as sv
from tests.datasets import fake_1000


@pytest.fixture(scope="session")
def fake_result() -> sv.Result:
    sources, _ = fake_1000()
    return sv.resolve(sources)
