from __future__ import annotations

import numpy as np
import pandas as pd

from singleview.cluster import components, customer_ids


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
