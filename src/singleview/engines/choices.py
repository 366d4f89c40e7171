"""What a run compares and blocks on: the settings' choices, zero configuration's otherwise.

Shared by the engines, so a local run and a Spark run over the same records make the same
choices.  Zero configuration (:mod:`singleview.autoconfig`) reads a
:class:`~singleview.autoconfig.FieldSummary`: the local engine's features, or Spark's
summary of its records.  Broad zero-config rules are *optional*: they are used only when a
sampled probe shows they find matches (:mod:`singleview.probe`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..autoconfig import (
    OPTIONAL_BLOCKING,
    FieldSummary,
    block_limit,
    choose_blocking,
    choose_comparisons,
    choose_groups,
    choose_training,
)
from ..comparisons import Comparison
from ..features import Features
from ..settings import Settings

__all__ = [
    "MIN_PROBE_PAIRS",
    "Choices",
    "check_names",
    "choose",
    "probe_plan",
    "with_probe_columns",
]

#: Fewer tight candidate pairs than this are too few to fit the probe's model on.
MIN_PROBE_PAIRS = 1000

Rule = tuple[str, ...]


class Choices(NamedTuple):
    """Comparisons, blocking rules (with the deterministic rules' keys), comparison groups
    and training keys of a run."""

    comparisons: list[Comparison]
    rules: list[Rule]
    groups: list[Rule]
    training: list[Rule]


def choose(summary: Features | FieldSummary, settings: Settings, *, link_within: bool) -> Choices:
    """Each choice as ``settings`` give it, or as zero configuration makes it from
    ``summary``."""
    comparisons = (
        [Comparison(c.column, c.kind, c.tf_adjust) for c in settings.comparisons]
        if settings.comparisons is not None
        else choose_comparisons(summary, link_within=link_within)
    )
    rules = (
        list(settings.blocking)
        if settings.blocking is not None
        else choose_blocking(
            summary,
            link_within=link_within,
            pairs_per_record=settings.pairs_per_record,
            max_block_size=block_limit(settings),
        )
    )
    rules += [r for r in settings.rules if r not in rules]
    groups = (
        list(settings.groups)
        if settings.groups is not None
        else choose_groups(summary, comparisons)
    )
    training = (
        list(settings.training)
        if settings.training is not None
        else choose_training(summary, link_within=link_within)
    )
    return Choices(comparisons, rules, groups, training)


def check_names(features: Features, choices: Choices) -> None:
    """Code every field and key the choices name: an unknown one fails here, with a
    :class:`~singleview.errors.ConfigError` naming it, before any work."""
    for column in [c.column for c in choices.comparisons] + [k for r in choices.rules for k in r]:
        features[column]


def probe_plan(choices: Choices, settings: Settings) -> tuple[list[Rule], int, bool]:
    """The rules with the optional (broad zero-config) ones last, how many come first (the
    core, always used), and whether the optional ones are probed (else all are used)."""
    rules = choices.rules
    optional = [r for r in rules if settings.blocking is None and r in OPTIONAL_BLOCKING]
    core = [r for r in rules if r not in optional]
    probing = bool(optional) and settings.min_rule_yield > 0 and bool(choices.comparisons)
    return core + optional, len(core), probing


def with_probe_columns(stats: pd.DataFrame) -> pd.DataFrame:
    """Blocking stats with the probe's columns (rules used without a probe: all used)."""
    if "used" in stats.columns:
        return stats
    return stats.assign(probed_pairs=stats["new_pairs"], link_rate=np.nan, used=True)
