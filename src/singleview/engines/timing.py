"""Stage timing for the engines: seconds and peak memory per stage, INFO logs, and a
progress bar over the stages when stderr is a terminal."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from .._process import peak_mib, release_free_memory

__all__ = ["STAGES", "StageTimer"]

logger = logging.getLogger(__name__)


#: The stages in order, for the progress bar.
STAGES = ("load", "features", "blocking", "compare", "fit", "probe", "score", "cluster", "profiles")


class StageTimer:
    """Times stages into ``stats["seconds"]`` (a stage run twice adds up) with the peak
    memory after each in ``stats["peak_mib"]``, logs each at INFO, and shows a progress
    bar on stderr when ``progress`` (None: when it is a tty)."""

    def __init__(self, progress: bool | None = None) -> None:
        self.stats: dict[str, Any] = {"seconds": {}}
        show = sys.stderr.isatty() if progress is None else progress
        self._bar = tqdm(
            total=len(STAGES), desc="singleview", unit="stage", disable=not show, leave=False
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._bar.set_postfix_str(name)
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        seconds = self.stats["seconds"]
        if name not in seconds and name in STAGES:
            self._bar.update(1)
        seconds[name] = round(seconds.get(name, 0.0) + elapsed, 4)
        release_free_memory()
        peak = peak_mib()
        if peak is not None:
            self.stats.setdefault("peak_mib", {})[name] = peak
        logger.info("stage %s: %.3f s, peak memory %s MiB", name, elapsed, peak)

    def close(self) -> None:
        """Remove the progress bar."""
        self._bar.close()
