"""Compute on distinct values once, then map the results back onto every row.

Every cleaning function in this package works the same way: factorise the input, clean the
(usually far fewer) distinct values, then expand the per-distinct results with one ``take``.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "PYTHON_SPACE",
    "Cleaned",
    "arrow_mask",
    "arrow_text",
    "as_text",
    "blank_mask",
    "cleaned",
    "expand",
    "factorize",
    "from_arrow",
    "object_array",
    "pick",
    "python_lower",
    "python_strip",
    "python_upper",
    "reason_codes",
]


class Cleaned(NamedTuple):
    """A cleaned column and, per row, why a non-blank input was nulled.

    ``values`` has the input's index and holds the cleaned value or a missing value (None for
    text, NaT for dates).  ``reasons`` has the same index, object dtype, and holds None where
    the value was kept or the input was already blank, else a short reason code such as
    ``"placeholder"`` or ``"invalid_syntax"``.
    """

    values: pd.Series
    reasons: pd.Series


def factorize(s: pd.Series) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """Codes per row (-1 where missing) and the distinct non-missing values as objects."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), np.asarray(uniques, dtype=object)


def arrow_text(texts: Any) -> pa.StringArray:
    """Texts as an Arrow string array for ``pyarrow.compute`` (anything not text: null).

    A lone surrogate (``"\\ud800"``, from bytes decoded with ``surrogateescape``) is not
    UTF-8 and Arrow cannot hold it: such a text is read with U+FFFD in its place."""
    items = texts if _all_text(texts) else [t if isinstance(t, str) else None for t in texts]
    try:
        return pa.array(items, type=pa.string())
    except UnicodeEncodeError:
        return pa.array([_valid_utf8(t) for t in items], type=pa.string())


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_utf8(text: str | None) -> str | None:
    if text is None:
        return None
    return _SURROGATE.sub("\ufffd", text)


def from_arrow(array: pa.Array) -> npt.NDArray[np.object_]:
    """An Arrow string array back as an object array (null: None)."""
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def arrow_mask(array: pa.Array, null: bool = False) -> npt.NDArray[np.bool_]:
    """An Arrow boolean array as a NumPy mask, ``null`` where it is null."""
    return np.asarray(pc.fill_null(array, null).to_numpy(zero_copy_only=False), dtype=bool)


#: The characters Python's ``str.isspace`` (and ``re``'s ``\\s``) count as space, as the
#: inside of an RE2 character class: RE2's own ``\\s`` is ASCII only.
PYTHON_SPACE = r"\p{Z}\t\n\x{0B}\f\r\x{1C}-\x{1F}\x{85}"


def blank_mask(text: pa.Array) -> npt.NDArray[np.bool_]:
    """Missing or only whitespace (as ``str.strip() == ""`` says), per text."""
    return arrow_mask(pc.match_substring_regex(text, rf"^[{PYTHON_SPACE}]*$"), null=True)


def python_upper(text: pa.Array) -> pa.Array:
    """``str.upper()`` of each text: Arrow's for ASCII texts, Python's full case mapping for
    the rest (``"ß"`` -> ``"SS"``, which Arrow's simple mapping leaves as it is)."""
    return _python_case(text, pc.utf8_upper, str.upper)


def python_lower(text: pa.Array) -> pa.Array:
    """``str.lower()`` of each text, as :func:`python_upper` (``"İ"`` -> ``"i̇"``)."""
    return _python_case(text, pc.utf8_lower, str.lower)


def python_strip(text: pa.Array) -> pa.Array:
    """``str.strip()`` of each text (Python's whitespace, not only ASCII)."""
    return pc.replace_substring_regex(text, rf"^[{PYTHON_SPACE}]+|[{PYTHON_SPACE}]+$", "")


def _python_case(text: pa.Array, kernel: Any, method: Any) -> pa.Array:
    cased = kernel(text)
    other = np.flatnonzero(~arrow_mask(pc.string_is_ascii(text), null=True))
    if len(other) == 0:
        return cased
    values = from_arrow(cased)
    values[other] = [method(t) for t in from_arrow(text.take(pa.array(other)))]
    return pa.array(values, type=pa.string())


def object_array(values: Any) -> npt.NDArray[np.object_]:
    """A 1-d object array holding ``values`` as they are (no string or NA conversion)."""
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def expand(codes: npt.NDArray[np.intp], per_distinct: Any, like: pd.Series) -> pd.Series:
    """Spread one result per distinct value back to the rows of ``like``; missing is None."""
    source = np.asarray(per_distinct, dtype=object)
    extended = np.empty(len(source) + 1, dtype=object)
    extended[:-1] = source
    extended[-1] = None
    extended[pd.isna(extended)] = None
    return pd.Series(extended.take(codes), index=like.index, dtype=object, name=like.name)


def cleaned(codes: npt.NDArray[np.intp], values: Any, reasons: Any, like: pd.Series) -> Cleaned:
    """A text :class:`Cleaned` from per-distinct values and reasons."""
    return Cleaned(expand(codes, values, like), expand(codes, reasons, like))


def pick(cond: Any, yes: Any, no: Any) -> pd.Series:
    """Object Series of ``yes`` where ``cond`` else ``no``, by position.

    Unlike ``Series.where`` it never infers or downcasts a dtype (pandas 2.2 warns about that).
    """
    out = np.where(
        np.asarray(cond, dtype=bool), np.asarray(yes, dtype=object), np.asarray(no, dtype=object)
    )
    return pd.Series(out, dtype=object)


def reason_codes(size: int, *rules: tuple[npt.NDArray[np.bool_], str]) -> npt.NDArray[np.object_]:
    """Per position, the code of the first rule whose mask is true; None where none is."""
    out = np.full(size, None, dtype=object)
    for mask, code in reversed(rules):
        out[mask] = code
    return out


def _one_text(value: object) -> str | None:  # noqa: PLR0911 - one return per input type
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        # Spreadsheets turn 4223 into 4223.0: a whole float is written as the integer.
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def as_text(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Each distinct value as text (numbers written sensibly); None where not representable."""
    if _all_text(values):
        return values
    return object_array(_one_text(v) for v in values)


def _all_text(values: Any) -> bool:
    """Whether ``values`` is an object array of ``str`` only (nothing missing): one C pass."""
    return (
        isinstance(values, np.ndarray)
        and values.dtype == object
        and pd.api.types.infer_dtype(values, skipna=False) == "string"
    )
