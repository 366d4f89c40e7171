from __future__ import annotations

import pytest
from hypothesis import settings

import singleview as sv
from tests.datasets import fake_1000

# Tests check behaviour, never time: no per-example deadline (a first call that loads a
# table, on a busy CI machine, is not a failure).
settings.register_profile("singleview", deadline=None)
settings.load_profile("singleview")


@pytest.fixture(scope="session")
def fake_result() -> sv.Result:
    sources, _ = fake_1000()
    return sv.resolve(sources)
