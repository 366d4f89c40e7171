"""What an identity store freezes when it trains: everything that makes matching depend on
the whole data rather than on the two records of a pair.

A full run decides some things from all its records: the model (m, u, term frequencies,
source priors), the blocking rules the probe keeps, the oversized blocks it skips, the
generic identifier values it removes and the name spellings e-mail handles are read
against.  A store decides them once, on its training load, and keeps them in
:class:`MatchContext`; every later batch is matched with them.  So a record is blocked,
compared and scored the same way whichever batch brings it, and ingesting the data in any
split gives the clusters of one run over all of it with that context.
:meth:`~singleview.store.IdentityStore.retrain` decides them again.

Blocking keys are 64-bit hashes of the key *values* (not of per-run codes), so keys
computed on one batch meet keys stored from another.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from .._arrays import pair_keys, unique_sorted
from ..autoconfig import block_limit
from ..blocking import _within_pairs, agree, rule_name, slot_codes
from ..constraints import Guard
from ..features import Features, base_columns, build_features
from ..generic import find_generic_values, remove_values
from ..handles import NameSpellings, name_spellings, names_from_email
from ..model import FellegiSunter
from ..result import Result
from ..scoring import compare_pairs, score_compared
from ..settings import Settings

__all__ = ["KEY_MIX", "MatchContext", "Scored", "ordered_rule_keys", "rule_keys"]

#: Multiplier folding one key's value hash into a rule's running key (64-bit, wraps).
KEY_MIX = np.uint64(0x9E3779B97F4A7C15)


def _value_hashes(values: np.ndarray) -> np.ndarray:
    text = np.asarray([str(v) for v in values], dtype=object)
    return np.asarray(pd.util.hash_array(text, categorize=False), dtype=np.uint64)


def rule_keys(features: Features, rule: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(record position, 64-bit key) for every value combination a record has on ``rule``,
    each once; records missing a key's value have none."""
    rows, keys, _ = ordered_rule_keys(features, rule)
    return rows, keys


def ordered_rule_keys(
    features: Features, rule: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rule_keys` with, per (record, key), the rank of its first value combination
    among the record's combinations in slot order: the order in which blocking meets the
    record's blocks (see :func:`singleview.probe.draw_block_pairs`)."""
    rows = np.arange(features.n, dtype=np.int64)
    keys = np.zeros(features.n, dtype=np.uint64)
    for key in rule:
        coded = features[key]
        # A key's hashes serve every rule that reads it (memo: dropped with the tables).
        hashes = features.memo(("value_hashes", key), partial(_value_hashes, coded.values))
        rows, keys, codes = slot_codes(coded, rows, keys)
        with np.errstate(over="ignore"):
            keys = keys * KEY_MIX + hashes[codes]
    signed = keys.view(np.int64)
    if len(rows) == 0:
        return rows, signed, rows.copy()
    # rows ascend and each row's combinations come in slot order: rank within the row.
    rank = np.arange(len(rows), dtype=np.int64) - np.searchsorted(rows, rows, side="left")
    order = np.lexsort((rank, signed, rows))
    rows, signed, rank = rows[order], signed[order], rank[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (signed[1:] != signed[:-1])
    return rows[first], signed[first], rank[first]


@dataclass(frozen=True)
class Scored:
    """Candidate pairs (positions, ``left < right``) with probability, disagreement and
    whether a deterministic rule forced them."""

    left: np.ndarray
    right: np.ndarray
    probability: np.ndarray
    disagreement: np.ndarray
    forced: np.ndarray
    #: Comparison level per pair and comparison (int8).
    levels: np.ndarray
    #: Match weight (log2 odds) per pair, before a forcing rule.
    weight: np.ndarray


@dataclass
class MatchContext:
    """The frozen matching context of an identity store (see the module docstring)."""

    model: FellegiSunter
    rules: list[tuple[str, ...]]
    forced_rules: list[tuple[str, ...]]
    threshold: float
    link_within: bool
    disagreement_weight: float
    #: Per rule (by name): keys of blocks larger than the rule's limit at training
    #: (``max_block_size``, or ``broad_block_size`` for zero-config's broad rules).
    stopped: dict[str, set[int]]
    generic: dict[str, set[object]]
    spellings: NameSpellings | None
    names_from_email: bool
    #: Cannot-link rules and the size cap (none in a store from before them).
    guard: Guard = field(default_factory=Guard)
    split_below: float = 0.0
    _stopped_arrays: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- training -------------------------------------------------------------------------
    @classmethod
    def from_result(
        cls, result: Result, records: pd.DataFrame, *, settings: Settings, link_within: bool
    ) -> MatchContext:
        """The context of a full run ``result`` over ``records`` (canonical order)."""
        if result.model is None:
            raise ValueError("a store needs at least two records with comparable fields")
        used = result.blocking.loc[result.blocking["used"].astype(bool), "rule"].tolist()
        rules = [tuple(name.split(" & ")) for name in used]
        context = cls(
            model=result.model,
            rules=rules,
            forced_rules=[tuple(r) for r in settings.rules],
            threshold=result.threshold,
            link_within=link_within,
            disagreement_weight=settings.disagreement_weight,
            stopped={},
            generic=find_generic_values(records, max_names=settings.max_names_per_value),
            spellings=None,
            names_from_email=settings.names_from_email,
            guard=Guard.from_settings(settings, result.model),
            split_below=settings.split_below_bits,
        )
        cleaned, _ = remove_values(records, context.generic)
        context.spellings = name_spellings(cleaned)
        features = context.features(records)
        limit = block_limit(settings)
        for rule in rules:
            _, keys = rule_keys(features, rule)
            ordered = np.sort(keys)
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            counts = np.diff(np.r_[starts, len(ordered)])
            big = ordered[starts][counts > limit.of(rule)]
            if len(big):
                context.stopped[rule_name(rule)] = {int(k) for k in big}
        return context

    # -- matching -------------------------------------------------------------------------
    def features(self, records: pd.DataFrame) -> Features:
        """Features of ``records`` (canonical order), prepared as at training.  Columns the
        model or rules use that this batch lacks (another source's ``id_*``) are empty."""
        needed = {c.column for c in self.model.comparisons}
        needed |= {
            base
            for rule in self.rules + self.forced_rules
            for k in rule
            for base in base_columns(k)
        }
        missing = sorted(needed - set(records.columns))
        if missing:
            records = records.assign(**dict.fromkeys(missing, None))
        cleaned, _ = remove_values(records, self.generic)
        if self.names_from_email:
            cleaned, inferred = names_from_email(cleaned, self.spellings)
        else:
            inferred = np.zeros(len(cleaned), dtype=bool)
        return build_features(cleaned, inferred)

    def keys(self, features: Features) -> pd.DataFrame:
        """Blocking keys: ``rule`` (index into :attr:`rules`), ``key``, ``position``; keys of
        stopped (oversized) blocks left out."""
        if not self.rules:
            return pd.DataFrame({"rule": [], "key": [], "position": []})
        rules, keys, positions = [], [], []
        for index, rule in enumerate(self.rules):
            rows, found = rule_keys(features, rule)
            stopped = self._stopped_keys(rule_name(rule))
            if len(stopped):
                at = np.minimum(np.searchsorted(stopped, found), len(stopped) - 1)
                keep = stopped[at] != found
                rows, found = rows[keep], found[keep]
            rules.append(np.full(len(rows), index, dtype=np.int16))
            keys.append(found)
            positions.append(rows)
        # One frame at the end: a frame per rule cost a lookup more than its keys did.
        return pd.DataFrame(
            {
                "rule": np.concatenate(rules),
                "key": np.concatenate(keys),
                "position": np.concatenate(positions),
            }
        )

    def _stopped_keys(self, name: str) -> np.ndarray:
        """The stopped keys of rule ``name``, ascending: sorted once, not on every call (a
        lookup's few keys are then found by binary search).  The sets are filled when the
        context is made and never shrink, so a cached array of the same length is current."""
        stopped = self.stopped.get(name) or set()
        cached = self._stopped_arrays.get(name)
        if cached is None or len(cached) != len(stopped):
            cached = np.sort(np.fromiter(stopped, dtype=np.int64, count=len(stopped)))
            self._stopped_arrays[name] = cached
        return cached

    def pairs(
        self, features: Features, touched: np.ndarray, keys: pd.DataFrame | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (``left < right``, sorted) with at least one ``touched`` record.

        ``keys`` (as :meth:`keys` gives them) saves computing them again; it must hold
        every key of the touched records and, of the others, at least those they share."""
        n = max(features.n, 1)
        found = []
        if keys is None:
            keys = self.keys(features)
        for index in range(len(self.rules)):
            part = keys[keys["rule"] == index]
            rows = part["position"].to_numpy(dtype=np.int64)
            groups = pd.factorize(part["key"].to_numpy())[0].astype(np.int64)
            hot = np.zeros(int(groups.max()) + 1 if len(groups) else 0, dtype=bool)
            hot[groups[touched[rows]]] = True
            rows, groups = rows[hot[groups]], groups[hot[groups]]
            left, right = _within_pairs(rows, groups)
            keep = touched[left] | touched[right]
            if not self.link_within:
                keep &= features.source[left] != features.source[right]
            lo, hi = np.minimum(left[keep], right[keep]), np.maximum(left[keep], right[keep])
            found.append(pair_keys(lo, hi, n))
        merged = unique_sorted(np.concatenate(found)) if found else np.empty(0, np.int64)
        return merged // n, merged % n

    def score(self, features: Features, left: np.ndarray, right: np.ndarray) -> Scored:
        """Score candidate pairs with the frozen model and deterministic rules."""
        if len(left) == 0:
            empty = np.empty(0, dtype=np.float64)
            levels = np.empty((0, len(self.model.comparisons)), dtype=np.int8)
            return Scored(
                left, right, empty, empty.copy(), np.zeros(0, dtype=bool), levels, empty.copy()
            )
        compared = compare_pairs(features, self.model, left, right)
        weight, probability, disagreement = score_compared(features, compared, self.model)
        forced = np.zeros(len(left), dtype=bool)
        for rule in self.forced_rules:
            forced |= agree(features, rule, left, right)
        probability = np.where(forced, 1.0, probability)
        return Scored(left, right, probability, disagreement, forced, compared.levels, weight)

    # -- saving ---------------------------------------------------------------------------
    def to_json(self, *, tf: bool = True) -> str:
        """The context as JSON (the model inside holds values from the data: treat it so).
        ``tf=False`` leaves the model's term-frequency tables out (the store keeps them in
        a table of their own: parsing them from JSON cost seconds per operation)."""
        spellings = None if self.spellings is None else list(self.spellings)
        return json.dumps(
            {
                "model": json.loads(self.model.to_json(tf=tf)),
                "rules": [list(r) for r in self.rules],
                "forced_rules": [list(r) for r in self.forced_rules],
                "threshold": self.threshold,
                "link_within": self.link_within,
                "disagreement_weight": self.disagreement_weight,
                "stopped": {k: sorted(v) for k, v in self.stopped.items()},
                "generic": {k: sorted(map(str, v)) for k, v in self.generic.items()},
                "spellings": spellings,
                "names_from_email": self.names_from_email,
                "guard": self.guard.as_dict(),
                "split_below": self.split_below,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> MatchContext:
        """A context saved with :meth:`to_json`."""
        data = json.loads(text)
        spellings = data["spellings"]
        return cls(
            model=FellegiSunter.from_json(json.dumps(data["model"])),
            rules=[tuple(r) for r in data["rules"]],
            forced_rules=[tuple(r) for r in data["forced_rules"]],
            threshold=float(data["threshold"]),
            link_within=bool(data["link_within"]),
            disagreement_weight=float(data["disagreement_weight"]),
            stopped={k: {int(x) for x in v} for k, v in data["stopped"].items()},
            generic={k: set(v) for k, v in data["generic"].items()},
            spellings=None if spellings is None else NameSpellings(*spellings),
            names_from_email=bool(data["names_from_email"]),
            guard=Guard.from_dict(data.get("guard")),
            split_below=float(data.get("split_below", 0.0)),
        )
