from __future__ import annotations

import threading

import pytest

from singleview import _process
from singleview._process import side_by_side


def test_side_by_side_keeps_the_items_order_in_threads_or_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_process, "usable_cpus", lambda: 2)
    items = list(range(50))
    here = threading.get_ident()
    seen: set[int] = set()

    def work(item: int) -> int:
        seen.add(threading.get_ident())
        return item * item

    assert side_by_side(work, items, threaded=False) == [i * i for i in items]
    assert seen == {here}  # one by one, in this thread
    seen.clear()
    assert side_by_side(work, items, threaded=True) == [i * i for i in items]
    assert here not in seen  # in the pool's threads
    seen.clear()
    monkeypatch.setattr(_process, "usable_cpus", lambda: 1)
    assert side_by_side(work, items, threaded=True) == [i * i for i in items]
    assert seen == {here}  # one CPU: no pool
