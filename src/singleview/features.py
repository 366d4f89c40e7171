"""Integer-coded match features built once from a records frame.

Every field the matcher touches becomes a :class:`Coded` value: a matrix of ``int32`` codes
(one row per record, one column per value slot, ``-1`` for missing) over an array of the
distinct values.  Exact agreement is then an integer comparison, blocking joins on integers,
and string similarity is computed once per distinct pair of values, never per row.

Derived keys (``email_key``, ``last_name_key``...) are computed on the distinct values of
their base field and cached, so a key costs one pass over distinct values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ._arrays import any_present, as_arrow_text, explode_tuples
from .errors import ConfigError
from .normalise import email_key

__all__ = ["DERIVED_KEYS", "Coded", "Features", "base_columns", "build_features"]

IntArray = np.ndarray


@dataclass(frozen=True)
class Coded:
    """A field as codes: ``codes[i, k]`` indexes ``values`` or is ``-1`` (missing)."""

    codes: IntArray
    values: np.ndarray

    @property
    def width(self) -> int:
        """How many value slots each record has (1 for single-valued fields)."""
        return int(self.codes.shape[1])

    @property
    def first(self) -> IntArray:
        """The first slot's codes (the whole field for single-valued fields)."""
        return self.codes[:, 0]

    def counts(self) -> IntArray:
        """How many records hold each distinct value (for term frequencies)."""
        flat = self.codes.ravel()
        flat = flat[flat >= 0]
        return np.bincount(flat, minlength=len(self.values)).astype(np.int64)

    def present(self) -> np.ndarray:
        """Boolean mask of records with at least one value."""
        return any_present(self.codes)

    def derive(self, fn: Callable[[pd.Series], pd.Series]) -> Coded:
        """A new field made by applying ``fn`` to the Series of distinct values at once."""
        mapped = fn(pd.Series(self.values, dtype="object")).astype("object")
        new_codes, new_values = pd.factorize(mapped, use_na_sentinel=True)
        lookup = np.append(new_codes.astype(np.int32), np.int32(-1))
        return Coded(lookup[self.codes], np.asarray(new_values, dtype=object))


def _code_scalar(series: pd.Series) -> Coded:
    # Arrow strings (pandas 3) and datetimes are coded on their own arrays, in the order of
    # first appearance as through Python objects, without building those objects per row.
    direct = isinstance(series.dtype, pd.StringDtype) or pd.api.types.is_datetime64_dtype(
        series.dtype
    )
    codes, values = pd.factorize(
        series if direct else series.astype("object"), use_na_sentinel=True
    )
    return Coded(codes.astype(np.int32).reshape(-1, 1), np.asarray(values, dtype=object))


def _code_multi(series: pd.Series, max_width: int = 4) -> Coded:
    """Tuples of values -> a codes matrix with one column per slot (at most ``max_width``)."""
    n = len(series)
    rows, values = explode_tuples(series)
    lengths = np.bincount(rows, minlength=n)
    width = int(min(max(lengths.max(initial=0), 1), max_width))
    slot = np.arange(len(rows)) - (np.cumsum(lengths) - lengths)[rows]
    keep = pd.notna(values) & (slot < width)
    codes_flat, uniques = pd.factorize(pd.Series(values[keep], dtype="object"))
    codes = np.full((n, width), -1, dtype=np.int32)
    codes[rows[keep], slot[keep]] = codes_flat
    return Coded(codes, np.asarray(uniques, dtype=object))


def _metaphone(values: pd.Series) -> pd.Series:
    return pd.Series(
        [jellyfish.metaphone(v.replace(" ", "")) or None for v in values], dtype="object"
    )


def _initial(values: pd.Series) -> pd.Series:
    return values.str[:1]


def _prefix(length: int) -> Callable[[pd.Series], pd.Series]:
    def prefix(values: pd.Series) -> pd.Series:
        return values.str.replace(" ", "", regex=False).str[:length]

    return prefix


def _outward(values: pd.Series) -> pd.Series:
    # UK postcodes: the part before the space; others: the first three characters.
    text = as_arrow_text(values)
    if text is None:  # a missing value or a lone surrogate: through Python strings
        spaced = values.str.contains(" ", regex=False)
        return values.str.split(" ", n=1).str[0].where(spaced, values.str[:3])
    outward = pc.if_else(
        pc.match_substring(text, " "),
        pc.replace_substring_regex(text, " .*", "", max_replacements=1),
        pc.utf8_slice_codeunits(text, 0, 3),
    )
    return pd.Series(outward.to_numpy(zero_copy_only=False), index=values.index, dtype="object")


def _year(values: pd.Series) -> pd.Series:
    return values.str[:4]


#: Keys derived from a base field: name -> (base field, function on the distinct values).
DERIVED_KEYS: dict[str, tuple[str, Callable[[pd.Series], pd.Series]]] = {
    "first_name_key": ("first_name", _metaphone),
    "last_name_key": ("last_name", _metaphone),
    "first_initial": ("first_name", _initial),
    "first_name_prefix": ("first_name", _prefix(3)),
    "last_name_prefix": ("last_name", _prefix(4)),
    "postcode_outward": ("postcode", _outward),
    "dob_year": ("dob", _year),
}


def base_columns(key: str) -> tuple[str, ...]:
    """The canonical columns a blocking or training key is made from."""
    if key == "email_key":
        return ("email",)
    if key == "name_key":
        return ("first_name", "middle_name", "last_name", "full_name")
    if key in DERIVED_KEYS:
        return (DERIVED_KEYS[key][0],)
    return (key,)


@dataclass
class Features:
    """Coded fields of one records frame (sorted by source, source_id)."""

    n: int
    source: IntArray
    source_names: np.ndarray
    _frame: pd.DataFrame
    _cache: dict[str, Coded] = field(default_factory=dict)
    #: Last per-pair result of a pair-level helper: (name, left, right, result).  The arrays
    #: are held, so an identity check is safe; it lets the first- and last-name comparisons
    #: share one swapped-names pass over the same pairs.
    _pair_memo: tuple[str, np.ndarray, np.ndarray, np.ndarray] | None = None
    #: Records whose names were read from their e-mail (:mod:`singleview.handles`): their
    #: name agrees with their e-mail by construction, so they do not teach the model m.
    inferred_names: np.ndarray | None = None
    #: Tables computed from the distinct values (see :meth:`memo`).
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def memo(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, once per ``key`` for these features (for tables built from the
        distinct values, which every comparison of the same field shares)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def pair_memo(
        self,
        name: str,
        left: np.ndarray,
        right: np.ndarray,
        compute: Callable[[], np.ndarray],
    ) -> np.ndarray:
        """``compute()`` for these exact pair arrays, reused when asked again for them."""
        memo = self._pair_memo
        if memo is not None and memo[0] == name and memo[1] is left and memo[2] is right:
            return memo[3]
        result = compute()
        self._pair_memo = (name, left, right, result)
        return result

    def forget(self, keep: Iterable[str], *, tables: bool = False) -> None:
        """Drop the coded fields and keys built so far except those in ``keep`` (and with
        ``tables`` the tables :meth:`memo` holds): they are built again if asked for, so a
        run need not hold what zero configuration tried or blocking alone used through the
        pair stages, nor any of it once the pairs are clustered."""
        wanted = set(keep)
        for name in [name for name in self._cache if name not in wanted]:
            del self._cache[name]
        if tables:
            self._memo.clear()
            self._pair_memo = None

    def columns(self) -> list[str]:
        """Canonical columns available for comparison."""
        return [c for c in self._frame.columns if c not in ("source", "source_id", "updated_at")]

    def has(self, name: str) -> bool:
        """Whether ``name`` is a column or derived key with at least one value."""
        try:
            return bool(self[name].present().any())
        except ConfigError:
            return False

    def __getitem__(self, name: str) -> Coded:
        if name in self._cache:
            return self._cache[name]
        coded = self._build(name)
        self._cache[name] = coded
        return coded

    def _build(self, name: str) -> Coded:
        if name == "email_key":
            return self["email"].derive(email_key)
        if name == "name_key":
            return self._name_key()
        if name in DERIVED_KEYS:
            base, fn = DERIVED_KEYS[name]
            return self[base].derive(fn)
        if name not in self._frame.columns or name in ("source", "source_id", "updated_at"):
            known = sorted([*self.columns(), "email_key", "name_key", *DERIVED_KEYS])
            raise ConfigError(f"unknown field or key {name!r} in settings; known: {known}")
        column = self._frame[name]
        if name in ("email", "phone"):
            return _code_multi(column)
        if name == "dob":
            # Spelt YYYYMMDD, formatting each distinct date once (codes in order of first
            # appearance, as factorizing the spelt column would give).
            codes, dates = pd.factorize(column, use_na_sentinel=True)
            spelt = pd.Series(dates).dt.strftime("%Y%m%d").astype("object")
            text_codes, text = pd.factorize(spelt, use_na_sentinel=True)
            lookup = np.append(text_codes.astype(np.int32), np.int32(-1))
            return Coded(lookup[codes].reshape(-1, 1), np.asarray(text, dtype=object))
        return _code_scalar(column)

    def _name_key(self) -> Coded:
        """First and last name sounds as an unordered pair, so swapped names share a key."""
        first, last = self["first_name_key"], self["last_name_key"]
        union = pd.Index(np.concatenate([first.values, last.values])).unique()
        lookup_first = np.append(union.get_indexer(first.values), -1)[first.first]
        lookup_last = np.append(union.get_indexer(last.values), -1)[last.first]
        lo = np.minimum(lookup_first, lookup_last).astype(np.int64)
        hi = np.maximum(lookup_first, lookup_last).astype(np.int64)
        both = lo >= 0
        combined = np.where(both, lo * (len(union) + 1) + hi, -1)
        codes, values = pd.factorize(pd.Series(combined).where(both), use_na_sentinel=True)
        # Values spelt from the two keys (not from this frame's codes), so the same names
        # give the same value in any batch (an identity store hashes them).
        pair = np.asarray(values, dtype=np.int64)
        spelt = union.to_numpy(dtype=object)
        names = np.asarray(
            [
                f"{min(a, b)}\x1f{max(a, b)}"
                for a, b in zip(
                    spelt[pair // (len(union) + 1)].tolist(),
                    spelt[pair % (len(union) + 1)].tolist(),
                    strict=True,
                )
            ],
            dtype=object,
        )
        return Coded(codes.astype(np.int32).reshape(-1, 1), names)


def build_features(records: pd.DataFrame, inferred_names: np.ndarray | None = None) -> Features:
    """Features over ``records`` (already sorted by source and source id); see
    :attr:`Features.inferred_names`."""
    source_codes, source_names = pd.factorize(records["source"], sort=True)
    return Features(
        n=len(records),
        source=source_codes.astype(np.int32),
        source_names=np.asarray(source_names, dtype=object),
        _frame=records,
        inferred_names=inferred_names,
    )
