"""Survivorship: one golden profile per customer, each field with its provenance.

Each field is chosen by a rule (see :class:`~singleview.settings.SurvivorshipSettings`);
ties are always broken the same way (newest, then most trusted source, then source and
source id), so the profile does not depend on row order.  A first, last or full name that
is only an initial ("F", "F Rose") is chosen only when the customer has no fuller one.
Address fields are taken together from one record, the most complete one, so a golden
address is never stitched from two.

Every golden field ``f`` comes with ``f__source`` and ``f__source_id``: where its value was
taken from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrays import (
    TextColumn,
    explode_tuples,
    factorize_ints,
    inverse_permutation,
    lex_order,
    position_dtype,
    run_starts,
    sorted_codes,
    take_text,
    text_rank,
)
from ._process import release_free_memory, side_by_side
from .schema import MULTI_VALUED_FIELDS, NAME_FIELDS
from .settings import SurvivorshipSettings

__all__ = ["DEFAULT_RULES", "build_profiles"]

#: Rules used when the settings do not name a field.
DEFAULT_RULES: dict[str, str] = {
    # Who someone is: the most trusted source says (ties: the most frequent value there).
    "first_name": "source_priority",
    "middle_name": "source_priority",
    "last_name": "source_priority",
    "full_name": "source_priority",
    "dob": "source_priority",
    "gender": "source_priority",
    # How to reach them: the newest value wins.
    "email": "most_recent",
    "phone": "most_recent",
    "address_line": "most_recent",
    "city": "most_recent",
    "postcode": "most_recent",
    "country": "most_recent",
}
_FALLBACK_RULE = "most_frequent"
_TITLE_CASE = (*NAME_FIELDS, "address_line", "city")
#: From this many records, fields are chosen side by side in threads.
THREADED_FROM = 100_000

#: Sort keys per rule, most significant first; a leading "-" means largest first.  Every
#: rule ends on ``tie`` (source, then source id), so the choice never depends on row order.
_ORDERS: dict[str, tuple[str, ...]] = {
    "most_recent": ("-updated", "-priority", "tie"),
    "source_priority": ("-priority", "-frequency", "-updated", "tie"),
    "most_frequent": ("-frequency", "-updated", "-priority", "tie"),
    "longest": ("-length", "-updated", "-priority", "tie"),
    "first_non_null": ("-priority", "tie"),
}

#: Name fields where a full name beats an initial ("Fatima" over "F"), whatever the rule.
_NO_INITIALS = ("first_name", "last_name", "full_name")


class _Column:
    """A records column to take golden values from: text through :func:`take_text`
    (missing: None under pandas 2, NaN in ``str``), other dtypes by their own ``take``."""

    def __init__(self, values: Any) -> None:
        self.values = values
        self.text = pd.api.types.is_object_dtype(values.dtype)

    def take(self, positions: np.ndarray) -> Any:
        if self.text:
            return take_text(self.values, positions)
        return self.values.take(positions, allow_fill=True)


#: Keys every record has whatever the field; an order's trailing run of them is ranked once.
_RECORD_KEYS = ("updated", "priority", "tie")


def _split_order(order: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An order's field-dependent leading keys and its trailing run of record keys."""
    cut = len(order)
    while cut and order[cut - 1].lstrip("-") in _RECORD_KEYS:
        cut -= 1
    return order[:cut], order[cut:]


def _rank_name(trailing: tuple[str, ...]) -> str:
    return "rank:" + ",".join(trailing)


def _record_ranks(base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each record's rank under each order's trailing record keys (0: first).  ``tie`` is
    unique per record, so a rank sorts exactly as its keys do, in one key instead of
    several: each field's sort then has fewer keys."""
    ranks: dict[str, np.ndarray] = {}
    for order in _ORDERS.values():
        trailing = _split_order(order)[1]
        if trailing and _rank_name(trailing) not in ranks:
            signed = [-base[k[1:]] if k.startswith("-") else base[k] for k in trailing]
            ranks[_rank_name(trailing)] = inverse_permutation(lex_order(signed))
    return ranks


def _chosen(
    customer: np.ndarray,
    keys: dict[str, np.ndarray],
    order: tuple[str, ...],
    rows: np.ndarray,
    first: tuple[np.ndarray, ...] = (),
) -> np.ndarray:
    """Of the candidate ``rows``, the chosen one per customer (ascending customer): the
    ``first`` arrays (smallest first) decide before the ``order`` keys (see
    :data:`_ORDERS`)."""
    leading, trailing = _split_order(order)
    signed = [-keys[k[1:]][rows] if k.startswith("-") else keys[k][rows] for k in leading]
    if trailing:
        signed.append(keys[_rank_name(trailing)][rows])
    ranked = rows[lex_order([customer[rows], *(f[rows] for f in first), *signed])]
    new = np.ones(len(ranked), dtype=bool)
    new[1:] = customer[ranked[1:]] != customer[ranked[:-1]]
    return np.asarray(ranked[new])


def _field_keys(
    values: Any, customer: np.ndarray, field: str, order: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Per-row sort keys that depend on the field's values, only those ``order`` (and the
    name rule) reads.  A missing value's keys are meaningless: it is never a candidate."""
    wanted = {k.lstrip("-") for k in order} & {"frequency", "length"}
    if field in _NO_INITIALS:
        wanted.add("initial")
    if not wanted:
        return {}
    if isinstance(values, pd.arrays.NumpyExtensionArray):  # pandas 2.2 warns on it
        values = values.to_numpy()
    codes, uniques = pd.factorize(values)  # missing: -1, kept apart by the shift below
    if not len(uniques):  # no value at all: no candidate to rank
        return {k: np.zeros(len(codes), dtype=np.int64) for k in wanted}
    code = np.asarray(codes, dtype=np.int64)
    keys: dict[str, np.ndarray] = {}
    if "frequency" in wanted:
        keys["frequency"] = _pair_counts(customer, code, len(uniques) + 1)
    # Text keys on the distinct values, then spread to the rows.
    if "length" in wanted:
        distinct = np.asarray(uniques, dtype=object)
        keys["length"] = np.fromiter(map(len, map(str, distinct)), np.int64, len(distinct))[code]
    if "initial" in wanted:
        keys["initial"] = _initials(uniques)[code]
    return keys


def _pair_counts(customer: np.ndarray, code: np.ndarray, span: int) -> np.ndarray:
    """Per row, how many rows have its customer and its code (``-1 <= code < span - 1``):
    by a sort, which needs less memory than a hash table of the pairs."""
    pair = customer.astype(np.int64) * np.int64(span) + (code + 1)
    order = np.argsort(pair)
    pair = pair[order]
    starts = np.flatnonzero(run_starts(pair))
    del pair
    lengths = np.diff(np.append(starts, len(order)))
    counts = np.empty(len(order), dtype=np.int64)
    counts[order] = np.repeat(lengths, lengths)
    return counts


def _initials(distinct: Any) -> np.ndarray:
    """1 where a name's first word is at most one character ("F", "F Rose"), else 0."""
    try:
        text = pa.array(distinct, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):  # not all text
        words = (str(v).split(" ", 1)[0] for v in np.asarray(distinct, dtype=object))
        return np.fromiter((len(w) <= 1 for w in words), np.int64, len(distinct))
    first = pc.list_element(pc.split_pattern(text, " ", max_splits=1), 0)
    return np.asarray(pc.less_equal(pc.utf8_length(first), 1), dtype=np.int64)


def build_profiles(
    records: pd.DataFrame,
    customer_id: Any,
    priority: dict[str, int],
    settings: SurvivorshipSettings,
) -> pd.DataFrame:
    """Golden profiles: one row per customer with every field's value and provenance."""
    customer, customers = sorted_codes(customer_id, column=True)  # any array of text
    customer = customer.astype(position_dtype(len(customer)))
    source_code, names = sorted_codes(records["source"].array)
    source_code = source_code.astype(position_dtype(len(names)))
    # Every field's provenance is taken from these two: converted once (sources by name).
    source_names = TextColumn(names)
    source_id_column = TextColumn(records["source_id"].array)
    updated = pd.to_datetime(records["updated_at"]).to_numpy(dtype="datetime64[ns]")
    by_id = text_rank(
        records["source_id"].array if source_id_column.arrow is None else source_id_column.arrow
    )
    base_keys = {
        # A missing time is older than any (and stays so when negated for newest first).
        "updated": np.where(
            np.isnat(updated), np.iinfo(np.int64).min + 1, updated.astype(np.int64)
        ),
        # (a missing source, code -1, takes the trailing 0)
        "priority": np.asarray([*(priority.get(n, 0) for n in names), 0])[source_code],
        "tie": inverse_permutation(lex_order([source_code, by_id])),
    }
    del updated, by_id
    base_keys |= _record_ranks(base_keys)
    profiles = pd.DataFrame(
        {"customer_id": customers, "n_records": np.bincount(customer, minlength=len(customers))}
    )
    # Sources per customer: a bit per source, each distinct set of bits joined once.
    bits = np.zeros(len(customers), dtype=np.int64)
    np.bitwise_or.at(bits, customer, np.left_shift(1, source_code))
    which, sets = factorize_ints(bits)
    joined = np.array(
        [",".join(names[(s >> np.arange(len(names))) & 1 == 1]) for s in sets.tolist()],
        dtype=object,
    )
    profiles["sources"] = joined[which]
    fields = [c for c in records.columns if c not in ("source", "source_id", "updated_at")]
    group = [f for f in settings.address_group if f in fields]
    columns: dict[str, np.ndarray] = {}

    def take(field: str, row_of: np.ndarray, values: Any, rows: np.ndarray) -> None:
        """Golden ``field`` from ``values[rows]``, whose records are ``row_of[rows]``.

        Taken from the records' own arrays, so a column keeps its dtype (Arrow strings
        under pandas 3 are not converted through Python objects)."""
        owner = customer[row_of[rows]]
        pick = np.full(len(customers), -1, dtype=np.int64)
        pick[owner] = rows
        record = np.full(len(customers), -1, dtype=np.int64)
        record[owner] = row_of[rows]
        out = _Column(values).take(pick)
        if field in _TITLE_CASE:
            out = pd.Series(out, copy=False).str.title().array
        columns[field] = out
        columns[f"{field}__source"] = source_names.take(
            np.where(record >= 0, source_code[record], -1)
        )
        columns[f"{field}__source_id"] = source_id_column.take(record)

    # A single-valued field's values are the records' own: its per-value keys are the
    # records' (not gathered copies, 8 bytes a record each, per field and thread).
    each_record = np.arange(len(records))

    def survive(field: str, series: pd.Series) -> None:
        rule = settings.rules.get(field, DEFAULT_RULES.get(field, _FALLBACK_RULE))
        if field in MULTI_VALUED_FIELDS:
            row_of, flat = explode_tuples(series)
            values: Any = pd.arrays.NumpyExtensionArray(flat)
        else:
            row_of, values = each_record, series.array

        def per_value(array: np.ndarray) -> np.ndarray:
            return array if row_of is each_record else array[row_of]

        known = np.flatnonzero(~pd.isna(values))
        order = _ORDERS.get(rule, _ORDERS["first_non_null"])
        leading, trailing = _split_order(order)
        needed = [k.lstrip("-") for k in leading] + ([_rank_name(trailing)] if trailing else [])
        keys = {k: per_value(base_keys[k]) for k in needed if k in base_keys}
        owner = per_value(customer)
        keys |= _field_keys(values, owner, field, order)
        initial = (keys["initial"],) if "initial" in keys else ()
        chosen = _chosen(owner, keys, order, known, first=initial)
        take(field, row_of, values, chosen)

    # Fields are independent: side by side in threads on large data (sorts, hashing of
    # integers and Arrow takes release the GIL); each writes only its own columns.
    # The columns are read here, not in the threads (pandas 2 caches them on the frame).
    own = [(f, records[f]) for f in fields if f not in group]
    side_by_side(lambda item: survive(*item), own, threaded=len(records) >= THREADED_FROM)
    release_free_memory()  # what the threads' allocators hold, before the address's columns

    if group:
        rule = settings.rules.get(group[0], DEFAULT_RULES.get(group[0], _FALLBACK_RULE))
        filled = records[group].notna().sum(axis=1).to_numpy(dtype=np.int64)
        order = _ORDERS.get(
            "most_recent" if rule == "most_frequent" else rule, _ORDERS["first_non_null"]
        )
        # The most complete address first, then the rule.
        chosen = _chosen(customer, base_keys, order, np.flatnonzero(filled > 0), first=(-filled,))
        row_of = np.arange(len(records))
        for field in group:
            texts = records[field].array
            take(field, row_of, texts, chosen[~pd.isna(texts[chosen])])

    base_keys.clear()
    release_free_memory()
    out: dict[str, Any] = {c: profiles[c] for c in profiles.columns}
    for field in fields:
        out[field] = columns[field]
        out[f"{field}__source"] = columns[f"{field}__source"]
        out[f"{field}__source_id"] = columns[f"{field}__source_id"]
    return pd.DataFrame(out)
