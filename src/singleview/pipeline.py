"""``resolve``: from sources to customers and golden profiles in one call."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import pandas as pd

from .errors import ConfigError
from .labels import read_labels
from .result import Result
from .settings import Settings
from .sources import Source

__all__ = ["Engine", "resolve"]

logger = logging.getLogger(__name__)


class Engine(Protocol):
    """Something that runs the pipeline: the local engine, or Spark."""

    name: str

    def run(
        self,
        sources: Sequence[Source],
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
    ) -> Result:
        """Resolve ``sources``."""
        ...


def resolve(
    sources: Sequence[Source],
    *,
    link_within_sources: bool = True,
    settings: Settings | None = None,
    engine: Engine | None = None,
    random_state: int = 0,
    threshold: float | None = None,
    labels: pd.DataFrame | None = None,
) -> Result:
    """Resolve records from several sources into customers with golden profiles.

    Parameters:
        sources: the systems to read (``sv.FrameSource``, ``sv.CrmSource``, ...).
        link_within_sources: also match records of one source with each other
            (deduplication).  ``False`` links across sources only: no pair inside a
            source is generated or counted.
        settings: comparisons, blocking, model and survivorship; ``None`` chooses everything
            from the fields present.
        engine: where to run; ``None`` is the local engine.
        random_state: seeds the random pairs used to train the model.
        threshold: match probability at or above which two records link; defaults to
            ``settings.threshold``.
        labels: record pairs a person confirmed or rejected (``source_l, source_id_l,
            source_r, source_id_r, match``, or Splink's labels format); m is learned from
            the matches too (see :mod:`singleview.labels`).

    Example:
        >>> import pandas as pd, singleview as sv
        >>> df = pd.DataFrame({"id": ["1", "2"], "name": ["Ann Lee", "Ann Lee"],
        ...                    "email": ["ann.lee@mail.co.uk", "ann.lee@mail.co.uk"]})
        >>> src = sv.FrameSource(df, name="crm", id_column="id",
        ...                      columns={"full_name": "name", "email": "email"})
        >>> result = sv.resolve([src])
        >>> result.clusters["customer_id"].nunique()
        1
    """
    if settings is None:
        settings = Settings()
    elif not isinstance(settings, Settings):
        raise ConfigError(f"settings must be a singleview.Settings, not {type(settings).__name__}")
    if threshold is None:
        threshold = settings.threshold
    if not 0.0 < float(threshold) < 1.0:
        raise ConfigError("threshold must be a probability strictly between 0 and 1")
    from .engines.loading import check_sources
    from .engines.local import LocalEngine

    check_sources(sources)  # not a list of sources: a ConfigError, before anything reads it
    if engine is None:
        engine = LocalEngine()
    logger.info("resolve: %d sources on the %s engine", len(sources), engine.name)
    options: dict[str, Any] = {}
    if labels is not None:
        if "labels" not in inspect.signature(engine.run).parameters:
            raise ConfigError(f"the {engine.name} engine does not take labels")
        read_labels(labels)  # a malformed frame fails here, before any work
        options["labels"] = labels
    run: Any = engine.run
    result: Result = run(
        sources,
        settings=settings,
        link_within=link_within_sources,
        random_state=random_state,
        threshold=float(threshold),
        **options,
    )
    return result
