from __future__ import annotations

import pandas as pd
import pytest

import singleview as sv
from singleview.why import weakest_links


def _pairs(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    import numpy as np

    weight = [float(w) for _, _, w in rows]
    return pd.DataFrame(
        {
            "source_l": ["a"] * len(rows),
            "source_id_l": [a for a, _, _ in rows],
            "source_r": ["a"] * len(rows),
            "source_id_r": [b for _, b, _ in rows],
            "match_weight": weight,
            "match_probability": 1.0 / (1.0 + np.exp2(-np.array(weight))),
            "matched_by": ["model"] * len(rows),
        }
    )


CLUSTERS = pd.DataFrame(
    {
        "source": ["a"] * 6,
        "source_id": ["1", "2", "3", "4", "5", "6"],
        "customer_id": ["X", "X", "X", "X", "Y", "Y"],
    }
)
# X: triangle 1-2-3 (strong) with 4 hanging from 3 by a weak link; a non-link 1-4.
# Y: one link.  A pair across customers (2-5) is not inside either.
PAIRS = _pairs(
    [("1", "2", 20.0), ("2", "3", 15.0), ("1", "3", 9.0), ("3", "4", 1.5), ("1", "4", -3.0),
     ("5", "6", 12.0), ("2", "5", 0.5)]
)  # fmt: skip


def test_weakest_links_finds_each_clusters_bottleneck_and_bridges() -> None:
    table = weakest_links(CLUSTERS, PAIRS, 0.5).set_index("customer_id")
    assert table.loc["X", "n_records"] == 4
    assert table.loc["X", "n_links"] == 4
    assert table.loc["X", "weakest_weight"] == pytest.approx(1.5)
    assert (table.loc["X", "weakest_left"], table.loc["X", "weakest_right"]) == ("a:3", "a:4")
    assert table.loc["X", "bridges"] == 1
    assert table.loc["Y", "bridges"] == 1
    # Weakest first.
    assert weakest_links(CLUSTERS, PAIRS, 0.5)["customer_id"].tolist() == ["X", "Y"]


def test_weakest_links_does_not_depend_on_row_order() -> None:
    shuffled = weakest_links(
        CLUSTERS.sample(frac=1, random_state=3), PAIRS.sample(frac=1, random_state=4), 0.5
    )
    pd.testing.assert_frame_equal(shuffled, weakest_links(CLUSTERS, PAIRS, 0.5))


def test_result_why_lists_the_spanning_links_weakest_first() -> None:
    frame = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4"],
            "first": ["Ann", "Ann", "Ann", "Bob"],
            "last": ["Lee", "Lee", "Lee", "Stone"],
            "email": ["ann@x.com", "ann@x.com", None, "bob@y.com"],
            "dob": ["1980-01-02", "1980-01-02", "1980-01-02", "1970-05-05"],
        }
    )
    source = sv.FrameSource(
        frame,
        name="crm",
        id_column="id",
        columns={"first_name": "first", "last_name": "last", "email": "email", "dob": "dob"},
    )
    result = sv.resolve([source])
    customer = result.clusters.loc[result.clusters["source_id"] == "1", "customer_id"].iloc[0]
    why = result.why(customer)
    assert sorted(why.records["source_id"]) == ["1", "2", "3"]
    assert why.edges["spanning"].sum() == 2
    assert why.weakest is not None
    spanning = why.edges[why.edges["spanning"]]
    assert why.weakest["match_weight"] == spanning["match_weight"].min()
    assert "3 records" in why.summary()
    with pytest.raises(sv.ConfigError):
        result.why("C-not-there")


def test_bridges_agree_with_networkx_on_random_graphs() -> None:
    import networkx as nx
    import numpy as np

    from singleview.why import _bridges, _spanning

    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 40))
        m = int(rng.integers(1, 2 * n))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = a != b
        links = pd.DataFrame(
            {"a": np.minimum(a, b)[keep], "b": np.maximum(a, b)[keep]}
        ).drop_duplicates(ignore_index=True)
        links["bits"] = rng.normal(5, 3, len(links))
        links["customer_id"] = "X"
        tree = _spanning(n, links)
        got = _bridges(n, links, tree)
        graph = nx.Graph()
        graph.add_edges_from(zip(links["a"], links["b"], strict=True))
        expected = {tuple(sorted(e)) for e in nx.bridges(graph)}
        assert {
            (int(x), int(y)) for x, y, g in zip(links["a"], links["b"], got, strict=True) if g
        } == expected


def test_explain_cluster_flags_links_and_non_links() -> None:
    from singleview.why import explain_cluster

    why = explain_cluster(CLUSTERS, PAIRS, "X", 0.5)
    assert len(why.edges) == 5  # the pair across customers is left out
    assert int((~why.edges["link"]).sum()) == 1  # 1-4 scored below the threshold
    assert why.edges["spanning"].sum() == 3
    assert why.weakest is not None
    assert (why.weakest["source_id_l"], why.weakest["source_id_r"]) == ("3", "4")
    assert bool(why.weakest["bridge"])


def test_a_rule_link_is_never_the_weakest() -> None:
    from singleview.why import explain_cluster

    pairs = PAIRS.copy()
    pairs.loc[0, ["match_weight", "matched_by"]] = [-1.0, "rule"]  # 1-2 matched by a rule
    why = explain_cluster(CLUSTERS, pairs, "X", 0.5)
    assert why.weakest is not None
    assert (why.weakest["source_id_l"], why.weakest["source_id_r"]) == ("3", "4")
