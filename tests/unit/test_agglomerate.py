"""Agglomeration split by component between this process and a helper process: the
clusters of one loop over every component, whatever happens to the helper."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from singleview import agglomerate
from singleview.agglomerate import Helper, start_helper
from singleview.cluster import guarded_components
from singleview.constraints import _NO_DATE, Constraints


def _problem(seed: int) -> tuple[int, dict[str, object]]:
    """Many small components with links of every strength, disagreements and cannot-link
    values (dates of birth, a column, a deduplicated source), as the guard sees them."""
    rng = np.random.default_rng(seed)
    n = 600
    group = rng.integers(0, 60, n)  # pairs only inside groups: many components
    a, b = rng.integers(0, n, (2, 4000))
    keep = (group[a] == group[b]) & (a < b)
    keys = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0)
    days = rng.choice([0, 31, 400, 9000], n)
    constraints = Constraints(
        dob=np.where(rng.random(n) < 0.4, _NO_DATE, days).astype(np.int64),
        columns=(rng.choice([-1, -1, 0, 1], n),),
        unique=rng.choice([-1, -1, -1, 0], n),
        tolerance_days=10,
    )
    return n, {
        "left": keys[:, 0],
        "right": keys[:, 1],
        "probability": rng.choice([0.0005, 0.3, 0.6, 0.97, 0.9999], len(keys)),
        "disagreement": rng.choice([0.0, -0.5, -4.0, -30.0], len(keys)),
        "threshold": 0.5,
        "constraints": constraints,
        "max_size": 9,
    }


@pytest.mark.parametrize("seed", range(3))
def test_a_helper_gives_the_clusters_of_one_loop(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agglomerate, "HELPER_FROM_PAIRS", 0)
    n, problem = _problem(seed)
    alone, rebuilt = guarded_components(n, **problem)  # type: ignore[arg-type]
    answers: list[object] = []
    real_result = Helper.result

    def spy(self: Helper) -> object:
        answer = real_result(self)
        answers.append(answer)
        return answer

    monkeypatch.setattr(Helper, "result", spy)
    helper = Helper()
    try:
        helped, helped_rebuilt = guarded_components(n, helper=helper, **problem)  # type: ignore[arg-type]
    finally:
        helper.close()
    assert len(answers) == 1 and answers[0] is not None  # the helper did its half
    assert rebuilt > 10
    assert helped.tolist() == alone.tolist() and helped_rebuilt == rebuilt


def test_a_helper_that_died_leaves_its_half_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(agglomerate, "HELPER_FROM_PAIRS", 0)
    n, problem = _problem(7)
    alone, _ = guarded_components(n, **problem)  # type: ignore[arg-type]
    helper = Helper()
    assert helper._process is not None
    helper._process.kill()
    helper._process.wait()
    try:
        with caplog.at_level(logging.WARNING, logger="singleview.agglomerate"):
            helped, _ = guarded_components(n, helper=helper, **problem)  # type: ignore[arg-type]
    finally:
        helper.close()
    assert helped.tolist() == alone.tolist()
    assert any("helper failed" in r.getMessage() for r in caplog.records)


def test_an_unused_helper_exits_when_closed() -> None:
    helper = Helper()
    process = helper._process
    assert process is not None
    helper.close()
    assert process.returncode == 0


def test_a_helper_is_started_for_large_runs_with_a_second_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert start_helper(agglomerate.HELPER_FROM_RECORDS - 1) is None
    monkeypatch.setattr(agglomerate, "usable_cpus", lambda: 1)
    assert start_helper(agglomerate.HELPER_FROM_RECORDS) is None
    monkeypatch.setattr(agglomerate, "usable_cpus", lambda: 2)
    helper = start_helper(agglomerate.HELPER_FROM_RECORDS)
    assert helper is not None
    helper.close()


def test_a_helper_dropped_unclosed_ends_its_process() -> None:
    """A run that fails between starting its helper and using it leaves no process."""
    import gc

    helper = Helper()
    process = helper._process
    assert process is not None
    del helper
    gc.collect()
    assert process.poll() is not None and process.returncode == 0
