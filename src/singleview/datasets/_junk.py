"""Junk rows: test entries, rows with no id, rows with nothing to match on.

Half of them have no id at all (an adapter quarantines them); the other half have an id but
only placeholders ("Test", "test@test.com", "0000000000", "1900-01-01") or nothing in the
fields a match could use.  ``Part.person`` is ``0`` for a junk row with an id, ``-1``
without.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from singleview.datasets import _noise, _places
from singleview.datasets._render import EMAIL_PLACEHOLDERS, PHONE_PLACEHOLDERS, Part, times
from singleview.datasets._render_events import WITHHELD

__all__ = ["junk_part"]

ObjArray = npt.NDArray[np.object_]


def _any(rng: np.random.Generator, k: int, choices: tuple[str | None, ...]) -> ObjArray:
    return np.asarray(choices, dtype=object)[rng.integers(0, len(choices), k)]


def junk_part(source: str, k: int, rng: np.random.Generator) -> Part:
    """``k`` junk rows for ``source`` (one of the four built-in sources)."""
    person = np.where(rng.random(k) < 0.5, -1, 0).astype(np.int64)
    when = times(rng, k)
    if source == "crm":
        columns = {
            "first_name": _any(rng, k, ("Test", "test", "asdf", "Unknown", None)),
            "last_name": _any(rng, k, ("Test", "User", "xxx", None)),
            "birthdate": _any(rng, k, ("1900-01-01", "01/01/1900", None)),
            "gender": _any(rng, k, ("U", None)),
            "email": _any(rng, k, (*EMAIL_PLACEHOLDERS, None)),
            "phone": _any(rng, k, (*PHONE_PLACEHOLDERS, None)),
            "address_line1": _any(rng, k, ("unknown", "n/a", None)),
            "country": _any(rng, k, ("GB", None)),
            "last_modified": _noise.format_times(when, "iso"),
        }
    elif source == "web":
        columns = {
            "email": _any(rng, k, ("test@test.com", "a@a.com", None)),
            "full_name": _any(rng, k, ("test test", "asdf", "n/a", None)),
            "created_at": _noise.format_times(when, "isoz"),
        }
    elif source == "call_centre":
        columns = {
            "caller_number": _any(rng, k, (*WITHHELD, None)),
            "caller_name": _any(rng, k, ("unknown", "n/a", None)),
            "call_time": _noise.format_times(when, "minutes"),
        }
    elif source == "store":
        store = rng.integers(1, len(_places.CITIES) * 5 + 1, k)
        columns = {
            "transaction_time": _noise.format_times(when, "offset"),
            "store_id": np.asarray("S" + _places.padded(store, 3), dtype=object),
        }
    else:
        raise ValueError(f"unknown source {source!r}")
    return Part(columns, person, when)
