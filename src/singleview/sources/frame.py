""":class:`FrameSource`: any in-memory table, mapped column by column onto the records frame.

Missing text values are ``None`` in ``object`` columns; e-mail and phone columns hold tuples.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from singleview.errors import ConfigError
from singleview.sources.mapped import MappedSource
from singleview.sources.mapping import ColumnsArg, NamedColumnsArg

__all__ = ["FrameSource", "iter_frame"]


def iter_frame(data: pd.DataFrame, batch_size: int) -> Iterator[pd.DataFrame]:
    """Slices of ``batch_size`` rows (one empty slice for an empty frame)."""
    if data.empty:
        yield data.iloc[0:0]
        return
    for start in range(0, len(data), batch_size):
        yield data.iloc[start : start + batch_size]


class FrameSource(MappedSource):
    """A source over a :class:`pandas.DataFrame`.

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
        data: pd.DataFrame,
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
        if not isinstance(data, pd.DataFrame):
            msg = f"source {name!r}: data must be a pandas DataFrame, got {type(data).__name__}"
            raise ConfigError(msg)
        self.mapping.check(data)
        self.data: pd.DataFrame = data

    def read(self) -> Iterator[pd.DataFrame]:
        """Yield the frame in slices of ``options.batch_size`` rows."""
        return iter_frame(self.data, self.options.batch_size)
