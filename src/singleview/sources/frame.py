""":class:`FrameSource`: any in-memory table, mapped column by column onto the records frame.

Missing text values are ``None`` in ``object`` columns; e-mail and phone columns hold tuples.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pandas as pd

from singleview.errors import ConfigError
from singleview.sources.mapped import MappedSource, is_spark_frame
from singleview.sources.mapping import ColumnsArg, NamedColumnsArg

__all__ = ["FrameSource", "is_spark_frame", "iter_frame"]

logger = logging.getLogger(__name__)


def iter_frame(data: pd.DataFrame, batch_size: int) -> Iterator[pd.DataFrame]:
    """Slices of ``batch_size`` rows (one empty slice for an empty frame)."""
    if data.empty:
        yield data.iloc[0:0]
        return
    for start in range(0, len(data), batch_size):
        yield data.iloc[start : start + batch_size]


class FrameSource(MappedSource):
    """A source over a :class:`pandas.DataFrame` or a Spark DataFrame.

    On the Spark engine (:class:`~singleview.SparkEngine`) a Spark DataFrame is cleaned
    where it lies, one partition per batch; a pandas frame is cleaned on the driver and
    sent to Spark.  On the local engine a Spark DataFrame is collected first.

    Parameters
    ----------
    data:
        The table; it is never modified.
    name:
        The source's name (``"crm"``), written to the ``source`` column.
    id_column:
        Column holding each row's id inside the source.
    columns:
        Canonical field -> source column, or a list of columns: all values of a multi-valued
        field (``email``, ``phone``), or text parts joined in order (``address_line``).
    ids:
        Strong identifier columns: a list (the kind is the column name, folded) or a mapping
        kind -> column.  Each becomes an ``id_<kind>`` column.
    extra:
        Extra attribute columns kept as ``extra_<name>``: a list or a mapping name -> column.
    region, dayfirst, priority, batch_size:
        See :class:`~singleview.sources.SourceOptions`.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"unique_id": ["1"], "surname": ["Smith"], "email": [""]})
    >>> src = FrameSource(
    ...     frame, name="crm", id_column="unique_id", columns={"last_name": "surname"}
    ... )
    >>> src.normalise(frame).records["last_name"].tolist()
    ['smith']
    """

    def __init__(
        self,
        data: pd.DataFrame | Any,
        *,
        name: str,
        id_column: str,
        columns: ColumnsArg | None = None,
        ids: NamedColumnsArg | None = None,
        extra: NamedColumnsArg | None = None,
        region: str | None = None,
        dayfirst: bool = False,
        priority: int = 0,
        batch_size: int = 100_000,
        deleted_column: str | None = None,
    ) -> None:
        super().__init__(
            name=name,
            id_column=id_column,
            columns=columns,
            ids=ids,
            extra=extra,
            region=region,
            dayfirst=dayfirst,
            priority=priority,
            batch_size=batch_size,
            deleted_column=deleted_column,
        )
        if not isinstance(data, pd.DataFrame) and not is_spark_frame(data):
            msg = (
                f"source {name!r}: data must be a pandas or Spark DataFrame, got "
                f"{type(data).__name__}"
            )
            raise ConfigError(msg)
        self.mapping.check(data)
        self.data: Any = data

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield the frame in slices of ``options.batch_size`` rows (a Spark DataFrame is
        collected to this process first)."""
        data = self.data
        if is_spark_frame(data):
            logger.info("source %s: collecting a Spark DataFrame for the local engine", self.name)
            data = data.toPandas()
        return iter_frame(data, self.options.batch_size)
