"""Vectorised building blocks for records, quarantine and issues frames.

Text columns produced here are ``object`` columns holding python ``str`` or ``None``: the
same marker on pandas 2 and 3, whatever the input's string dtype (the records-frame
contract).  Only :func:`text_column` and :func:`compact_text`, used once records are past
that contract, turn them into pandas' own text dtype.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from singleview.schema import (
    ISSUE_COLUMNS,
    MULTI_VALUED_FIELDS,
    QUARANTINE_COLUMNS,
    Normalised,
    empty_issues,
    empty_quarantine,
)

__all__ = [
    "IssueCounter",
    "as_text",
    "blank_to_na",
    "clean_identifier",
    "compact_text",
    "deleted_flags",
    "missing_text",
    "quarantine_rows",
    "record_hash",
    "text_column",
    "to_tuples",
]

# Strong identifiers that are really "no value": a shared placeholder would link strangers.
_PLACEHOLDER_ID = r"(?i)^(?:0+|n/?a|none|null|nil|unknown|tbc|tba|-+|\?+|x+|9{6,})$"


def missing_text(index: pd.Index) -> pd.Series:
    """An object column of ``None`` on ``index``."""
    return pd.Series(np.full(len(index), None, dtype=object), index=index, dtype=object)


def as_text(values: pd.Series) -> pd.Series:
    """``values`` as an object column of python ``str``, missing as ``None``."""
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        # One conversion: a sixth of astype-then-where's time on a lookup's single row.
        text = values.to_numpy(dtype=object, copy=True)
        text[values.isna().to_numpy()] = None
        return pd.Series(text, index=values.index, dtype=object, name=values.name)
    result = values.astype(object)
    return result.where(values.notna(), None)


#: The dtype pandas gives a column of Python strings: ``object`` on pandas 2, the
#: Arrow-backed ``str`` on pandas 3.
INFERRED_TEXT = pd.Series(np.array(["text"], dtype=object)).dtype


def text_column(values: npt.NDArray[np.object_], index: pd.Index) -> pd.Series:
    """An object array of text and missing values (None, NaN) as a column on ``index`` of
    pandas' own text dtype (:data:`INFERRED_TEXT`), built in one Arrow pass (about half the
    time of pandas' inference on pandas 3).  A column with no text at all gets that dtype
    too, so batches of one source always agree.  On pandas 2, or when Arrow cannot hold the
    values (a lone surrogate, on which pandas 3's own inference fails): an object column,
    every missing value as None."""
    if isinstance(INFERRED_TEXT, pd.StringDtype):
        try:
            arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
            pass
        else:
            return pd.Series(pd.array(arrow, dtype=INFERRED_TEXT), index=index)
    out = values.copy()
    out[pd.isna(out)] = None
    return pd.Series(out, index=index, dtype=object)


#: Columns :func:`compact_text` leaves as Python objects: the tuples of multi-valued fields,
#: and the source and source id columns, whose dtype the results carry to the user.
KEPT_AS_OBJECTS = frozenset({"source", "source_id", *MULTI_VALUED_FIELDS})


def compact_text(normalised: Normalised) -> Normalised:
    """``normalised`` with every ``object`` text column of its records (but
    :data:`KEPT_AS_OBJECTS`) as :func:`text_column`: on pandas 3, Arrow-backed text (about
    20 bytes a value instead of a pointer and a Python string of about 60) and cheap to
    pickle between processes; unchanged on pandas 2."""
    records = normalised.records
    if not isinstance(INFERRED_TEXT, pd.StringDtype):
        return normalised
    columns = [
        c for c in records.columns if records[c].dtype == object and c not in KEPT_AS_OBJECTS
    ]
    if not columns:
        return normalised
    out = records.copy(deep=False)
    for column in columns:
        out[column] = text_column(records[column].to_numpy(), records.index)
    return dataclasses.replace(normalised, records=out)


def blank_to_na(values: pd.Series) -> pd.Series:
    """Strip surrounding white space; blank strings become missing (``None``)."""
    text = as_text(values)
    stripped = text.str.strip()
    return stripped.where(stripped.notna() & stripped.ne(""), None).astype(object)


def _to_string(values: pd.Series) -> pd.Series:
    """Render ids as strings: ``123.0`` -> ``"123"``; strings are kept as they are."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return as_text(values.astype(str).where(values.notna()))
    if pd.api.types.is_integer_dtype(values.dtype):
        return as_text(values.astype(str).where(values.notna()))
    if pd.api.types.is_float_dtype(values.dtype):
        # Beyond 2**53 a float no longer holds every integer exactly: leave it as written.
        whole = values.notna() & values.abs().lt(2**53) & values.eq(values.round())
        as_int = values.where(whole, 0).astype("int64").astype(str)
        return as_text(as_int.where(whole, values.astype(str)).where(values.notna()))
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return as_text(values)
    # Mixed python objects (a frame built from lists): convert each kind once.
    is_number = values.map(lambda v: isinstance(v, int | float | np.number) and v is not True)
    numbers = pd.to_numeric(values.where(is_number & values.notna()), errors="coerce")
    rendered = _to_string(numbers.astype("float64"))
    text = values.astype(str).where(values.notna())
    return as_text(rendered.where(numbers.notna(), text))


def record_hash(records: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash (uint64) of each record's values, the same however missing values are
    spelt (None, NaN, NaT): it breaks ties between versions of a record, in a load and in
    an identity store alike."""
    if len(records) == 0:
        return np.empty(0, dtype=np.uint64)
    text = records.astype(object).where(records.notna(), None).astype(str)
    return np.asarray(pd.util.hash_pandas_object(text, index=False), dtype=np.uint64)


_DELETED_WORDS = frozenset({"true", "t", "1", "yes", "y", "deleted", "d", "x"})


def deleted_flags(values: pd.Series) -> pd.Series:
    """True where a deleted-flag column says the row is deleted (booleans, 1/0, yes/no,
    true/false, ``deleted``); blanks and anything else are not deletions."""
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=True)
    words = [str(v).strip().lower() for v in distinct]
    # A float column of 1.0/0.0 reads as "1.0": compare numbers by value.
    hit = np.array(
        [w in _DELETED_WORDS or w in {"1.0", "1.00"} for w in words] + [False], dtype=bool
    )
    return pd.Series(hit[codes], index=values.index)


def clean_identifier(values: pd.Series, *, placeholders: bool) -> tuple[pd.Series, pd.Series]:
    """Clean an id column; returns (values, reasons) with reason ``"placeholder"`` when nulled.

    ``placeholders=False`` only treats blanks as missing (used for ``source_id``).
    """
    text = blank_to_na(_to_string(values))
    reasons = missing_text(values.index)
    if placeholders:
        fake = text.str.fullmatch(_PLACEHOLDER_ID).eq(True)
        text = text.where(~fake, None)
        reasons = reasons.where(~fake, "placeholder")
    return as_text(text), reasons


def to_tuples(frame: pd.DataFrame) -> pd.Series:
    """One tuple per row of the non-missing values, de-duplicated, in column order."""
    n, k = frame.shape
    out = np.empty(n, dtype=object)
    out.fill(())
    if n and k:
        columns = [frame.iloc[:, j].to_numpy(object) for j in range(k)]
        kept = np.column_stack([pd.notna(c) for c in columns])
        # A value repeated in a later column of its row is dropped there.
        for later in range(1, k):
            for earlier in range(later):
                same = kept[:, earlier] & kept[:, later]
                same[same] = columns[earlier][same] == columns[later][same]
                kept[same, later] = False
        # Rows keeping the same columns are built at once: zip makes their tuples in C.
        pattern = kept @ (1 << np.arange(k))
        for bits in np.unique(pattern[pattern > 0]).tolist():
            rows = np.flatnonzero(pattern == bits)
            chosen = [columns[j][rows] for j in range(k) if bits >> j & 1]
            out[rows] = _object_array(list(zip(*chosen, strict=True)))
    return pd.Series(out, index=frame.index, dtype=object)


def _object_array(items: list[tuple[object, ...]]) -> npt.NDArray[np.object_]:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _json_value(value: object) -> str:
    """A value ``json`` cannot write, as ``to_json`` would: ISO times, else ``str``."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def quarantine_rows(
    source: str, raw: pd.DataFrame, source_ids: pd.Series, reasons: pd.Series
) -> pd.DataFrame:
    """Quarantine rows for every row of ``raw`` whose reason is not missing."""
    chosen = reasons.notna()
    if not chosen.any():
        return empty_quarantine()
    rows = raw[chosen]
    try:
        text = rows.to_json(
            orient="records", lines=True, date_format="iso", default_handler=str
        ).splitlines()
    except UnicodeError:  # a lone surrogate (bytes read with surrogateescape): json escapes it
        plain = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
        text = [json.dumps(row, default=_json_value) for row in plain]
    frame = pd.DataFrame(
        {
            "source": source,
            "source_id": as_text(source_ids[chosen]).to_numpy(object),
            "reason": reasons[chosen].to_numpy(object),
            "row": text,
        },
        dtype=object,  # no text inference: it would fail on a lone surrogate
    )
    return frame[list(QUARANTINE_COLUMNS)]


class IssueCounter:
    """Counts values nulled or rejected per (field, reason)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, field: str, reasons: pd.Series | None) -> None:
        """Count the non-missing reason codes in ``reasons``."""
        if reasons is None or not reasons.notna().to_numpy().any():  # most batches of one row
            return
        for reason, count in reasons.dropna().astype(str).value_counts().items():
            self._counts[(field, str(reason))] += int(count)

    def add_count(self, field: str, reason: str, count: int) -> None:
        """Count ``count`` more values of ``field`` nulled for ``reason``."""
        if count:
            self._counts[(field, reason)] += int(count)

    def frame(self, source: str, fields: Sequence[str] | None = None) -> pd.DataFrame:
        """The issues frame for ``source`` (optionally only for ``fields``)."""
        items = sorted(
            (key, n) for key, n in self._counts.items() if fields is None or key[0] in fields
        )
        if not items:
            return empty_issues()
        frame = pd.DataFrame(
            {
                "source": [source] * len(items),
                "field": [key[0] for key, _ in items],
                "reason": [key[1] for key, _ in items],
            },
            dtype=object,
        )
        frame["count"] = np.array([n for _, n in items], dtype="int64")
        return frame[list(ISSUE_COLUMNS)]
