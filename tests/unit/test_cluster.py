from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from singleview.cluster import (
    components,
    customer_ids,
    guarded_components,
    within_components,
)


def test_components_are_labelled_by_their_smallest_record() -> None:
    labels = components(6, np.array([4, 1]), np.array([5, 3]))
    assert labels.tolist() == [0, 1, 2, 1, 4, 4]


def test_customer_ids_depend_only_on_the_anchor_record() -> None:
    source = pd.Series(["a", "a", "b"])
    source_id = pd.Series(["1", "2", "1"])
    ids = customer_ids(np.array([0, 0, 2]), source, source_id)
    assert ids[0] == ids[1] != ids[2]
    assert all(i.startswith("C") and len(i) == 17 for i in ids)
    again = customer_ids(np.array([0, 1, 2]), source, source_id)
    assert again[0] == ids[0]


def _guard(left, right, probability, disagreement, **options):
    return guarded_components(
        5,
        np.array(left),
        np.array(right),
        np.array(probability, dtype=float),
        np.array(disagreement, dtype=float),
        threshold=0.5,
        **options,
    )


def test_without_disagreement_the_guard_keeps_components() -> None:
    anchors, rebuilt = _guard([0, 1], [1, 2], [0.9, 0.6], [0.0, 0.0])
    assert anchors.tolist() == [0, 0, 0, 3, 4]
    assert rebuilt == 0


def test_a_weak_link_cannot_join_records_that_disagree() -> None:
    # 0 and 2 are clearly two people (different dates of birth: -30 bits); record 1 (a
    # name-only receipt) links to both.  It joins the stronger side only.
    anchors, rebuilt = _guard([0, 1, 0], [1, 2, 2], [0.95, 0.7, 0.001], [0.0, 0.0, -30.0])
    assert anchors.tolist() == [0, 0, 2, 3, 4]
    assert rebuilt == 1


def test_a_links_own_disagreement_is_not_counted_twice() -> None:
    # A match whose e-mails differ (-3 bits) but whose other evidence wins (p = 0.6).
    anchors, _ = _guard([0, 1, 2], [1, 2, 3], [0.6, 0.9, 0.001], [-3.0, 0.0, -30.0])
    assert anchors[0] == anchors[1] == anchors[2] != anchors[3]


def test_strong_links_outvote_weak_disagreement() -> None:
    # 0-1 and 1-2 are strong; 0-2 disagree mildly (a work e-mail, -4 bits): one customer.
    anchors, _ = _guard([0, 1, 0], [1, 2, 2], [0.999, 0.999, 0.3], [0.0, 0.0, -4.0])
    assert anchors[0] == anchors[1] == anchors[2]


def test_forced_pairs_always_merge_and_weight_zero_turns_the_guard_off() -> None:
    args = ([0, 1, 0], [1, 2, 2], [0.95, 0.7, 0.001], [0.0, 0.0, -30.0])
    forced = np.array([False, True, False])
    anchors, _ = _guard(*args, forced=forced)
    assert anchors[0] == anchors[1] == anchors[2]
    anchors, rebuilt = _guard(*args, disagreement_weight=0.0)
    assert anchors[0] == anchors[2] and rebuilt == 0


def test_guard_does_not_depend_on_pair_order() -> None:
    left, right = [0, 1, 0, 3], [1, 2, 2, 4]
    probability, against = [0.95, 0.7, 0.001, 0.8], [0.0, 0.0, -30.0, -2.0]
    expected, _ = _guard(left, right, probability, against)
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(4)
        anchors, _ = _guard(
            np.array(left)[order],
            np.array(right)[order],
            np.array(probability)[order],
            np.array(against)[order],
        )
        assert anchors.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_the_guard_reads_only_pairs_inside_a_component_of_the_links(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    # Distinct pairs, left < right, as blocking hands them over.
    keys = np.unique(rng.integers(0, n, (2, 260)).T, axis=0)
    keys = keys[keys[:, 0] < keys[:, 1]]
    left, right, pairs = keys[:, 0], keys[:, 1], len(keys)
    probability = rng.choice([0.0005, 0.02, 0.3, 0.6, 0.97, 0.9999], pairs)
    against = rng.choice([0.0, -0.5, -4.0, -30.0], pairs)
    forced = rng.random(pairs) < 0.03
    options = {"threshold": 0.5, "max_size": 6, "split_below": 4.0}
    probability[forced] = 1.0
    expected = guarded_components(n, left, right, probability, against, forced=forced, **options)
    anchors, inside = within_components(n, left, right, probability >= 0.5)
    assert 0 < len(inside) < pairs
    got = guarded_components(
        n,
        left[inside],
        right[inside],
        probability[inside],
        against[inside],
        forced=forced[inside],
        anchors=anchors,
        **options,
    )
    assert got[0].tolist() == expected[0].tolist()
    assert got[1] == expected[1] > 0


def _naive_guard(n, left, right, probability, against, constraints, *, threshold, max_size):
    """The guard's documented greedy merging, spelt out over sets of records: links
    strongest first; a merge is refused when the other pairs' weighted disagreement
    between the two clusters outweighs the link, when the merged cluster would pass
    ``max_size``, or when a cannot-link pair would end up inside."""
    from singleview.cluster import MAX_LOG_ODDS, MIN_DISAGREEMENT
    from singleview.constraints import dob_conflict
    from singleview.settings import DEFAULT_DISAGREEMENT_WEIGHT

    weighted = [DEFAULT_DISAGREEMENT_WEIGHT * d if d < -MIN_DISAGREEMENT else 0.0 for d in against]
    cluster = {x: frozenset((x,)) for x in range(n)}

    def cannot(x: int, y: int) -> bool:
        if constraints.unique[x] >= 0 and constraints.unique[x] == constraints.unique[y]:
            return True
        for column in constraints.columns:
            if column[x] >= 0 and column[y] >= 0 and column[x] != column[y]:
                return True
        dx, dy = constraints.dob[x], constraints.dob[y]
        known = min(dx, dy) > np.iinfo(np.int64).min and dx != dy
        days = np.array([dx, dy]).astype("datetime64[D]") if known else None
        return bool(known and dob_conflict(days[:1], days[1:], constraints.tolerance_days)[0])

    order = sorted(range(len(left)), key=lambda r: (-probability[r], left[r], right[r]))
    for row in order:
        if probability[row] < threshold:
            continue
        a, b = cluster[left[row]], cluster[right[row]]
        if a == b:
            continue
        p = min(max(probability[row], 1e-300), 1.0)
        odds = np.clip(np.log2(p) - np.log2(max(1.0 - p, 1e-300)), -MAX_LOG_ODDS, MAX_LOG_ODDS)
        others = sum(
            weighted[r]
            for r in range(len(left))
            if r != row
            and {left[r], right[r]} <= a | b
            and not {left[r], right[r]} <= a
            and not {left[r], right[r]} <= b
        )
        if (others < -1e-9 and odds + others <= 0.0) or len(a | b) > max_size:
            continue
        if any(cannot(x, y) for x in a for y in b):
            continue
        for x in a | b:
            cluster[x] = a | b
    return np.array([min(cluster[x]) for x in range(n)])


@pytest.mark.parametrize("seed", range(12))
def test_the_guard_merges_as_its_greedy_rule_says(seed: int) -> None:
    from singleview.constraints import _NO_DATE, Constraints

    rng = np.random.default_rng(100 + seed)
    n = 40
    keys = np.unique(rng.integers(0, n, (2, 150)).T, axis=0)
    keys = keys[keys[:, 0] < keys[:, 1]]
    left, right = keys[:, 0], keys[:, 1]
    probability = rng.choice([0.0005, 0.3, 0.6, 0.97, 0.9999], len(keys))
    against = rng.choice([0.0, -0.5, -4.0, -30.0], len(keys))
    days = rng.choice([0, 31, 400, 9000], n)  # 0 and 31: one digit apart, not a conflict
    constraints = Constraints(
        dob=np.where(rng.random(n) < 0.4, _NO_DATE, days).astype(np.int64),
        columns=(rng.choice([-1, -1, 0, 1], n),),
        unique=rng.choice([-1, -1, -1, 0], n),
        tolerance_days=10,
    )
    expected = _naive_guard(
        n, left, right, probability, against, constraints, threshold=0.5, max_size=7
    )
    got, _ = guarded_components(
        n,
        left,
        right,
        probability,
        against,
        threshold=0.5,
        constraints=constraints,
        max_size=7,
    )
    assert got.tolist() == expected.tolist()
