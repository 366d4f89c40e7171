"""Which broad blocking rules earn their pairs: a sampled probe of their link rate.

Broad rules (a name sound, name prefixes, a name in a city, a date of birth alone) are there
for true pairs whose every tight key has a typo.  Whether such pairs exist depends on the
data: on Splink's fake_1000 one pair in three that ``city & last_name_key`` adds is a match;
on a million-record customer base the same rule adds millions of pairs and no match at all.
A budget on pair counts cannot tell these apart; a model can.

The probe fits the model on the tight rules' pairs, then takes each broad rule in turn,
draws a seeded random sample of the pairs it would add, scores them, and keeps the rule when
the share that would link (match probability at or above the threshold) reaches
``min_rule_yield``.  Pairs below the threshold change no cluster, so a rule that adds a
million pairs of probability 0.001 adds cost and no customers.  Pairs a
kept rule adds are then compared in full and the model is fitted again on all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .blocking import Candidates, block, first_rule, rule_name
from .features import Features

__all__ = ["PROBE_PAIRS", "probe_rules"]

logger = logging.getLogger(__name__)

#: Pairs scored per broad rule to estimate its match rate.
PROBE_PAIRS = 20_000


def _missing_from(known: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``keys`` (ascending) not in ``known`` (ascending)."""
    if len(known) == 0:
        return keys
    position = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    return np.asarray(keys[known[position] != keys])


def probe_rules(
    features: Features,
    base: Candidates,
    rules: Sequence[Sequence[str]],
    first_optional: int,
    probability_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    link_within: bool,
    max_block_size: int,
    min_yield: float,
    threshold: float,
    random_state: int,
    sample_size: int = PROBE_PAIRS,
) -> Candidates:
    """``base`` (the pairs of ``rules[:first_optional]``) plus the pairs of each later rule
    whose estimated link rate (share of its pairs scoring ``threshold`` or more) reaches
    ``min_yield``.

    ``probability_of(left, right)`` scores record pairs with the model fitted on ``base``.
    The returned stats have one row per rule with ``probed_pairs`` (pairs the rule would
    add), ``link_rate`` (estimated; exact when all were scored) and ``used``.
    """
    n = np.int64(max(features.n, 1))
    rng = np.random.default_rng(random_state)
    known = base.left * n + base.right
    key_parts, rule_parts = [known], [base.rule.astype(np.int16)]
    rows = []
    for index in range(first_optional, len(rules)):
        rule = rules[index]
        found = block(features, [rule], link_within=link_within, max_block_size=max_block_size)
        new = _missing_from(known, found.left * n + found.right)
        take = min(sample_size, len(new))
        sample = np.sort(rng.choice(len(new), size=take, replace=False)) if take else new[:0]
        linked = probability_of(new[sample] // n, new[sample] % n) >= threshold
        rate = float(linked.mean()) if take else 0.0
        used = take > 0 and rate >= min_yield
        logger.info(
            "blocking probe %r: %d new pairs, %d scored, link rate %.5f -> %s",
            rule_name(rule),
            len(new),
            take,
            rate,
            "used" if used else "dropped",
        )
        row = found.stats.iloc[0].to_dict()
        row |= {"probed_pairs": len(new), "link_rate": rate, "used": used}
        rows.append(row)
        if used:
            known = np.sort(np.concatenate([known, new]), kind="stable")
            key_parts.append(new)
            rule_parts.append(np.full(len(new), index, dtype=np.int16))
    keys, found_by = first_rule(
        np.concatenate(key_parts), np.concatenate(rule_parts), n=int(n), n_rules=len(rules)
    )
    core = base.stats.iloc[:first_optional].assign(
        probed_pairs=base.stats["new_pairs"].iloc[:first_optional], link_rate=np.nan, used=True
    )
    stats = pd.concat([core, pd.DataFrame(rows)], ignore_index=True)
    stats["new_pairs"] = np.bincount(found_by, minlength=len(rules)).astype(np.int64)
    stats["used"] = stats["used"].astype(bool)
    return Candidates(left=keys // n, right=keys % n, rule=found_by, stats=stats)
