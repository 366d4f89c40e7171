"""The local engine: the whole pipeline in one process on pandas and numpy.

Stages, each a pure function over frames and arrays so other engines can call them:
load sources -> canonical records (sorted by source, source id) -> features -> blocking ->
comparison levels -> Fellegi-Sunter fit and scores -> deterministic rules -> connected
components -> golden profiles.  Every stage logs its counts and time at INFO and records
them in ``result.stats``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import pandas as pd

from .._arrays import TextColumn, locate_pairs
from .._process import release_free_memory
from ..agglomerate import Helper, start_helper
from ..autoconfig import (
    DISTINGUISH,
    FAMILY,
    block_limit,
)
from ..blocking import Candidates, block
from ..cluster import customer_ids, guarded_components, within_components
from ..constraints import Guard, check_unique_sources
from ..features import Features, build_features
from ..generic import drop_generic_values
from ..handles import names_from_email
from ..labels import label_positions
from ..model import FellegiSunter
from ..probe import probe_rules
from ..result import Deferred, Result
from ..schema import empty_issues, empty_quarantine
from ..scoring import (
    compare_pairs,
    fit_compared,
    grow_levels,
    score_compared,
    score_pairs,
    scores_at,
)
from ..settings import Settings
from ..sources import Source
from ..survivorship import build_profiles
from .choices import MIN_PROBE_PAIRS, check_names, choose, probe_plan, with_probe_columns
from .loading import Loaded, combine
from .pairs import empty_pairs, pairs_frame
from .timing import STAGES, StageTimer

__all__ = ["STAGES", "LocalEngine"]

logger = logging.getLogger(__name__)


class LocalEngine:
    """Runs the pipeline in this process (the default engine).

    Example:
        >>> engine = LocalEngine()
        >>> engine.name
        'local'
    """

    name = "local"

    def run(
        self,
        sources: Sequence[Source],
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
        labels: pd.DataFrame | None = None,
    ) -> Result:
        """Resolve ``sources`` into clusters and golden profiles (``labels``: confirmed
        pairs that m is learned from too, see :mod:`singleview.labels`)."""

        def loaded(timer: StageTimer) -> Loaded:
            with timer.stage("load"):
                return combine(sources, workers=settings.load_workers)

        return self._timed(
            loaded,
            settings=settings,
            link_within=link_within,
            random_state=random_state,
            threshold=threshold,
            labels=labels,
        )

    def run_records(
        self,
        records: pd.DataFrame,
        *,
        priority: dict[str, int],
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
    ) -> Result:
        """Resolve records already loaded (canonical order: sorted by source, source id);
        the identity store trains its model this way on what it holds."""
        rows_in = {str(k): int(v) for k, v in records["source"].value_counts().items()}
        return self._timed(
            lambda _: (records, empty_quarantine(), empty_issues(), rows_in, priority),
            settings=settings,
            link_within=link_within,
            random_state=random_state,
            threshold=threshold,
        )

    def _timed(
        self,
        load: Callable[[StageTimer], Loaded],
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
        labels: pd.DataFrame | None = None,
    ) -> Result:
        timer = StageTimer(settings.progress)
        try:
            return self._run(
                load(timer),
                timer,
                settings=settings,
                link_within=link_within,
                random_state=random_state,
                threshold=threshold,
                labels=labels,
            )
        finally:
            timer.close()

    def _run(
        self,
        loaded: Loaded,
        timer: StageTimer,
        *,
        settings: Settings,
        link_within: bool,
        random_state: int,
        threshold: float,
        labels: pd.DataFrame | None = None,
    ) -> Result:
        records, quarantine, issues, rows_in, priority = loaded
        check_unique_sources(settings.unique_sources, rows_in)
        limit = block_limit(settings)
        with timer.stage("load"):
            records, generic = drop_generic_values(records, max_names=settings.max_names_per_value)
            issues = pd.concat([issues, generic], ignore_index=True) if len(generic) else issues
        timer.stats["records"] = len(records)
        timer.stats["quarantined"] = len(quarantine)
        with timer.stage("features"):  # features are coded as zero configuration asks
            match_records, inferred = (
                names_from_email(records)
                if settings.names_from_email
                else (records, np.zeros(len(records), dtype=bool))
            )
            features = build_features(match_records, inferred)
            timer.stats["names_from_email"] = int(inferred.sum())
            choices = choose(features, settings, link_within=link_within)
            check_names(features, choices)
            comparisons, _, groups, training = choices
            # What zero configuration tried and chose against is not held from here on, nor
            # (after blocking and the probe) the keys only blocking read.
            pair_stages = [c.column for c in comparisons]
            pair_stages += [k for keys in [*training, *settings.rules] for k in keys]
            features.forget(pair_stages + [k for rule in choices.rules for k in rule])
        # Broad zero-config rules must show, by a sampled probe, that they find matches.
        rules, n_core, probing = probe_plan(choices, settings)
        with timer.stage("blocking"):
            candidates = block(
                features,
                rules[:n_core] if probing else rules,
                link_within=link_within,
                max_block_size=limit,
            )
            if probing and len(candidates) < MIN_PROBE_PAIRS:
                # Too few tight pairs to fit a model on: every broad rule is used.
                probing = False
                candidates = block(features, rules, link_within=link_within, max_block_size=limit)
            if not probing:
                features.forget(pair_stages)

        model: FellegiSunter | None = None
        helper: Helper | None = None  # started before scoring when the guard may use it
        pairs_out: pd.DataFrame | Deferred = empty_pairs()
        pair_left = pair_right = np.empty(0, dtype=np.int64)
        pair_probability = np.empty(0, dtype=np.float64)
        pair_disagreement = np.empty(0, dtype=np.float64)
        pair_forced = np.empty(0, dtype=bool)
        anchors: np.ndarray | None = None
        if len(records) >= 2 and comparisons and len(candidates):
            model = FellegiSunter(
                comparisons,
                groups=groups,
                distinguish=(
                    settings.distinguish if settings.distinguish is not None else DISTINGUISH
                ),
                family=settings.family if settings.family is not None else FAMILY,
                u_sample_size=settings.u_sample_size,
                max_iterations=settings.em_max_iterations,
                tolerance=settings.em_tolerance,
                random_state=random_state,
            )
            with timer.stage("compare"):
                compared = compare_pairs(features, model, candidates.left, candidates.right)
                if labels is not None:
                    timer.stats["labels"] = _use_labels(features, model, records, labels)
            with timer.stage("fit"):
                fit_compared(features, compared, model, link_within=link_within, training=training)
            if probing:
                grown = _probe(
                    features,
                    candidates,
                    model,
                    rules=rules,
                    first_optional=n_core,
                    timer=timer,
                    settings=settings,
                    link_within=link_within,
                    threshold=threshold,
                    random_state=random_state,
                )
                features.forget(pair_stages)
                if len(grown) > len(candidates):
                    with timer.stage("compare"):
                        done = locate_pairs(
                            grown.left, grown.right, compared.left, compared.right, features.n
                        )
                        levels = compared.levels
                        del compared  # the old pairs' positions go before the new levels come
                        candidates = grown
                        compared = grow_levels(features, model, candidates, levels, done)
                        del levels, done
                    with timer.stage("fit"):
                        fit_compared(
                            features, compared, model, link_within=link_within, training=training
                        )
                del grown
            # Started now, so its imports are done by the time the guard needs it.
            helper = start_helper(len(records))
            with timer.stage("score"):
                scored = score_pairs(
                    features,
                    compared,
                    model,
                    threshold=threshold,
                    floor=settings.pairs_floor,
                    forced_by=settings.rules,
                )
                kept = scored.kept
                pairs_out = pairs_frame(
                    records,
                    left=candidates.left[kept],
                    right=candidates.right[kept],
                    rule=candidates.rule[kept],
                    rules=rules,
                    comparisons=comparisons,
                    levels=scored.levels,
                    weight=scored.weight,
                    probability=scored.probability,
                    by_rule=scored.forced,
                )
                del kept
            with timer.stage("cluster"):
                # Only the pairs inside one component of the links matter from here on.
                anchors, inside = within_components(
                    len(records), candidates.left, candidates.right, scored.link
                )
                pair_probability, pair_disagreement, pair_forced = scores_at(
                    features, compared, model, scored, inside
                )
                pair_left, pair_right = candidates.left[inside], candidates.right[inside]
                del scored, inside, compared
        n_candidates = len(candidates)
        blocking_stats = with_probe_columns(candidates.stats)
        del candidates
        timer.stats["candidate_pairs"] = n_candidates
        # Every string-valued field compared for every candidate pair (the compare stage).
        timer.stats["string_comparisons"] = n_candidates * sum(
            c.kind != "exact" for c in comparisons
        )
        timer.stats["edges"] = int((pair_probability >= threshold).sum())
        with timer.stage("cluster"):
            guard = Guard.from_settings(settings, model)
            timer.stats["cannot_link"] = guard.applied(records)
            anchors, rebuilt = guarded_components(
                len(records),
                pair_left,
                pair_right,
                pair_probability,
                pair_disagreement,
                threshold=threshold,
                disagreement_weight=settings.disagreement_weight,
                forced=pair_forced,
                constraints=guard.constraints(records),
                max_size=guard.max_cluster_size,
                split_below=settings.split_below_bits,
                anchors=anchors,
                helper=helper,
            )
            if helper is not None:
                helper.close()
            timer.stats["components_rebuilt"] = rebuilt
            ids = customer_ids(anchors, records["source"], records["source_id"])
            clusters = pd.DataFrame(
                {
                    "source": TextColumn(records["source"]).whole(),
                    "source_id": TextColumn(records["source_id"]).whole(),
                    "customer_id": TextColumn(ids).whole(),
                }
            )
        del pair_left, pair_right, pair_probability, pair_disagreement, pair_forced, ids
        # Nothing below compares records: the coded fields are built again if a caller of
        # the result asks (explanations), not held through survivorship.
        features.forget((), tables=True)
        release_free_memory()
        with timer.stage("profiles"):
            profiles = build_profiles(
                records, clusters["customer_id"].array, priority, settings.survivorship
            )
        timer.stats["customers"] = len(profiles)
        return Result(
            clusters=clusters,
            profiles=profiles,
            pairs=cast(pd.DataFrame, pairs_out),  # a Deferred is built on first read
            quarantine=quarantine,
            records=records,
            issues=issues,
            blocking=blocking_stats,
            model=model,
            threshold=threshold,
            stats=timer.stats,
            rows_in=rows_in,
            _features=features,
        )


def _probe(
    features: Features,
    candidates: Candidates,
    model: FellegiSunter,
    *,
    rules: list[tuple[str, ...]],
    first_optional: int,
    timer: StageTimer,
    settings: Settings,
    link_within: bool,
    threshold: float,
    random_state: int,
) -> Candidates:
    """The candidates grown by the broad rules the probe keeps (:mod:`singleview.probe`);
    the caller compares the pairs they add and fits the model again on all pairs."""

    def probability_of(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return score_compared(features, compare_pairs(features, model, left, right), model)[1]

    with timer.stage("probe"):
        return probe_rules(
            features,
            candidates,
            rules,
            first_optional,
            probability_of,
            link_within=link_within,
            max_block_size=block_limit(settings),
            min_yield=settings.min_rule_yield,
            yield_scale=settings.yield_scale_pairs,
            threshold=threshold,
            random_state=random_state,
            sample_size=settings.probe_pairs,
        )


def _use_labels(
    features: Features, model: FellegiSunter, records: pd.DataFrame, labels: pd.DataFrame
) -> dict[str, int]:
    """Give ``model`` the levels of the labelled matches; the counts for ``stats``."""
    left, right, match = label_positions(records, labels)
    if len(left):
        model.set_labels(compare_pairs(features, model, left[match], right[match]).levels)
    return {"pairs": len(left), "matches": int(match.sum())}
