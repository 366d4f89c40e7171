"""recordlinkage 0.16 on the benchmark datasets, configured from its documentation.

The recipe is the toolkit's: an ``Index`` of blocking keys, ``Compare`` features (exact
matches and Jaro-Winkler strings with a threshold, so every feature is binary and a
missing value counts as a disagreement), then the unsupervised ``ECMClassifier``.  Pages
followed:

- FEBRL4 / FEBRL3: the guides ``guides/link_two_dataframes`` and ``guides/data_deduplication``
  for the compare features, with the index of the repository's FEBRL examples
  (``examples/linking_deterministic.py``, ``examples/dedup_deterministic.py``: blocks on
  given_name, surname and soc_sec_id); ``guides/classifiers`` (unsupervised learning, ECM)
  for the classifier in place of the guides' sum-of-features rule.
- fake_1000 and synthetic (no page of their own): the same recipe on their columns, blocked
  on the keys Splink's pages use for these data.

recordlinkage has no clustering step: the matched pairs' connected components
(``scipy.sparse.csgraph.connected_components``) are the clusters, unmatched records
singletons.  The synthetic run dedupes :func:`~benchmarks.peers.common.standardise_synthetic`'s
flat frame (recordlinkage links at most two frames); it is meant for up to ~100k records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import recordlinkage
from recordlinkage.index import Block
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from benchmarks.datasets import Dataset
from benchmarks.peers.common import (
    PeerResult,
    clusters_frame,
    read_fake_1000,
    read_febrl_frame,
    standardise_synthetic,
)

#: Jaro-Winkler similarity at or above which two strings agree (the docs' 0.85).
STRING_THRESHOLD = 0.85


@dataclass(frozen=True)
class _Plan:
    """One dataset kind's index and comparison features."""

    blocks: list[Block]
    compare: recordlinkage.Compare
    notes: str


def run(ds: Dataset) -> PeerResult:
    """Read ``ds``, index, compare, classify with ECM, cluster the matches."""
    frames = _input_frames(ds)
    plan = _PLANS[ds.kind]()
    indexer = recordlinkage.Index()
    indexer.add(plan.blocks)
    tables = list(frames.values())
    pairs = indexer.index(*tables)
    features = plan.compare.compute(pairs, *tables)
    matches = _classify(features)
    clusters = _connected_clusters(frames, matches)
    return PeerResult(clusters, len(pairs), plan.notes)


def _classify(features: pd.DataFrame) -> pd.MultiIndex:
    """The pairs the ECM classifier calls matches (docs: guides/classifiers)."""
    if features.empty:
        return features.index
    ecm = recordlinkage.ECMClassifier()
    return ecm.fit_predict(features)


def _input_frames(ds: Dataset) -> dict[str, pd.DataFrame]:
    """The frames to index (one to dedupe, two to link), indexed by record id."""
    if ds.kind in ("febrl4", "febrl3"):
        return {name: read_febrl_frame(path).set_index("rec_id") for name, path in ds.files.items()}
    if ds.kind == "fake_1000":
        return {
            name: read_fake_1000(path).set_index("unique_id") for name, path in ds.files.items()
        }
    flat = standardise_synthetic(ds.files).set_index("unique_id")
    # A FEBRL-style blocking key: the surname's first four letters and the first initial.
    flat["name_key"] = flat["surname"].str[:4] + flat["first_name"].str[:1]
    return {"synthetic": flat}


def _connected_clusters(frames: dict[str, pd.DataFrame], matches: pd.MultiIndex) -> pd.DataFrame:
    """Connected components of the matched pairs over every input record."""
    names = list(frames)
    offsets = np.cumsum([0] + [len(frame) for frame in frames.values()])
    left = frames[names[0]].index.get_indexer(matches.get_level_values(0))
    right_frame = frames[names[-1]]
    right = right_frame.index.get_indexer(matches.get_level_values(1)) + offsets[-2]
    n = int(offsets[-1])
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    source, source_id = _record_keys(frames)
    return clusters_frame(source, source_id, labels.astype(np.int64))


def _record_keys(frames: dict[str, pd.DataFrame]) -> tuple[pd.Series, pd.Series]:
    """(source, source_id) of every record, in the order of the frames' rows."""
    first = next(iter(frames.values()))
    if "source_dataset" in first.columns:
        return first["source_dataset"], first["source_id"]
    source = pd.concat([pd.Series(name, index=frame.index) for name, frame in frames.items()])
    ids = pd.Series(np.concatenate([frame.index.to_numpy() for frame in frames.values()]))
    return source.reset_index(drop=True), ids


# --- one plan per dataset kind ------------------------------------------------------------


def _febrl(link: bool) -> _Plan:
    # recordlinkage docs: guides/link_two_dataframes, guides/data_deduplication (features),
    # examples/linking_deterministic.py, examples/dedup_deterministic.py (index).
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string(
        "surname", "surname", method="jarowinkler", threshold=STRING_THRESHOLD, label="surname"
    )
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=STRING_THRESHOLD, label="address_1")
    compare.string("address_2", "address_2", threshold=STRING_THRESHOLD, label="address_2")
    kind = "link of A and B" if link else "dedupe"
    return _Plan(
        blocks=[Block("given_name"), Block("surname"), Block("soc_sec_id")],
        compare=compare,
        notes=(
            f"recordlinkage docs FEBRL recipe ({kind}): blocks given_name, surname, "
            "soc_sec_id (the repository's FEBRL examples; the guides block on given_name "
            "only); features exact given_name, Jaro-Winkler>=0.85 surname, exact dob, "
            "suburb, state, Levenshtein>=0.85 address_1 and address_2; ECMClassifier "
            "(guides/classifiers) instead of the guides' 'sum of features > 3' rule; "
            "clusters = connected components of the matches."
        ),
    )


def _fake_1000() -> _Plan:
    # recordlinkage docs recipe on fake_1000's columns; blocks as Splink's fake_1000 page.
    compare = recordlinkage.Compare()
    for name in ("first_name", "surname"):
        compare.string(name, name, method="jarowinkler", threshold=STRING_THRESHOLD, label=name)
    for name in ("dob", "city", "email"):
        compare.exact(name, name, label=name)
    return _Plan(
        blocks=[Block("first_name"), Block("surname"), Block("dob"), Block("email")],
        compare=compare,
        notes=(
            "recordlinkage docs recipe on fake_1000 (no page of its own): blocks first_name, "
            "surname, dob, email (as Splink's fake_1000 page); features Jaro-Winkler>=0.85 "
            "first_name and surname, exact dob, city, email; ECMClassifier; connected "
            "components."
        ),
    )


def _synthetic() -> _Plan:
    # recordlinkage docs recipe on standardise_synthetic's flat frame (dedupe).  Blocks on
    # identifiers and on pairs of fields, never on one common field alone; in a dedupe index
    # recordlinkage keeps one orientation of each pair, so cross-column blocks (email vs
    # email_2) are added both ways.  The name key (surname prefix + initial) stands in for
    # the docs' single-name block: ECM is an unsupervised two-class mixture and needs an
    # index with many non-matches (the docs' given_name index is ~6% matches; identifier
    # blocks alone are ~87% matches and ECM then splits the pairs by source, not by match).
    blocks = [
        Block("name_key"),
        Block("email"),
        Block("email", "email_2"),
        Block("email_2", "email"),
        Block("phone"),
        Block("phone", "phone_2"),
        Block("phone_2", "phone"),
        Block("account"),
        Block("loyalty_card"),
        Block(["first_name", "surname"]),
        Block(["first_name", "surname"], ["surname", "first_name"]),
        Block(["surname", "dob"]),
        Block(["first_name", "dob"]),
        Block(["postcode", "first_name"]),
        Block(["postcode", "surname"]),
    ]
    compare = recordlinkage.Compare()
    for name in ("first_name", "surname"):
        compare.string(name, name, method="jarowinkler", threshold=STRING_THRESHOLD, label=name)
    compare.exact("dob", "dob", label="dob")
    both = ["email", "email_2"]
    compare.compare_vectorized(_any_shared, both, both, label="email")
    both = ["phone", "phone_2"]
    compare.compare_vectorized(_any_shared, both, both, label="phone")
    for name in ("postcode", "city", "account", "loyalty_card"):
        compare.exact(name, name, label=name)
    return _Plan(
        blocks=blocks,
        compare=compare,
        notes=(
            "recordlinkage docs recipe on standardise_synthetic's flat frame, deduped: "
            "blocks surname[:4]+first initial (in place of the docs' single-name block, so "
            "that the index holds the non-matches ECM needs), email, phone (each also "
            "against the second address / number, both ways), account, loyalty_card, "
            "first+surname, swapped names, surname+dob, "
            "first_name+dob, postcode+first_name, postcode+surname (no single common "
            "field); features Jaro-Winkler>=0.85 first_name and surname, exact dob, any "
            "e-mail in common, any phone in common (our compare_vectorized functions), exact "
            "postcode, city, account, loyalty_card; ECMClassifier; connected components. "
            "ECM is unstable here: at 10k records, adding or removing a block of a few hundred "
            "pairs moves pairwise F1 between about 0.4 and 0.72. Cleaning: "
            "common.standardise_synthetic."
        ),
    )


def _any_shared(l_first: Any, l_second: Any, r_first: Any, r_second: Any) -> np.ndarray:
    """1 where the two records share a value across their two columns (``email`` /
    ``email_2`` or ``phone`` / ``phone_2``), else 0; missing never agrees."""
    left = [pd.Series(np.asarray(v, dtype=object)) for v in (l_first, l_second)]
    right = [pd.Series(np.asarray(v, dtype=object)) for v in (r_first, r_second)]
    shared = np.zeros(len(left[0]), dtype=bool)
    for a in left:
        for b in right:
            shared |= (a.notna() & a.eq(b)).to_numpy()
    return shared.astype(np.float64)


_PLANS = {
    "febrl4": lambda: _febrl(link=True),
    "febrl3": lambda: _febrl(link=False),
    "fake_1000": _fake_1000,
    "synthetic": _synthetic,
}
