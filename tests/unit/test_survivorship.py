from __future__ import annotations

import numpy as np
import pandas as pd

from singleview.settings import SurvivorshipSettings
from singleview.survivorship import build_profiles


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["crm", "web", "store", "store"],
            "source_id": ["1", "2", "3", "4"],
            "updated_at": pd.to_datetime(["2020-01-01", "2023-01-01", "2022-01-01", "2021-01-01"]),
            "first_name": ["robert", "bob", "bob", "bob"],
            "email": [("old@x.com",), ("new@x.com",), (), ()],
            "address_line": ["1 high st", None, None, "9 low rd"],
            "postcode": ["AB1 2CD", None, "ZZ9 9ZZ", "EF3 4GH"],
        }
    )


def _one_customer(records: pd.DataFrame) -> pd.Series:
    """The golden profile of ``records`` as one customer, CRM the most trusted source."""
    ids = np.array(["c"] * len(records), dtype=object)
    profiles = build_profiles(
        records, ids, {"crm": 10, "web": 0, "store": 0}, SurvivorshipSettings()
    )
    return profiles.iloc[0]


def test_defaults_priority_for_names_recency_for_contacts() -> None:
    records = _records()
    row = _one_customer(records)
    assert row["n_records"] == 4
    assert row["sources"] == "crm,store,web"
    assert row["first_name"] == "Robert"
    assert (row["first_name__source"], row["first_name__source_id"]) == ("crm", "1")
    assert row["email"] == "new@x.com"
    assert row["email__source"] == "web"


def test_address_comes_from_one_record() -> None:
    records = _records()
    profiles = build_profiles(
        records, np.array(["c"] * 4, dtype=object), {}, SurvivorshipSettings()
    )
    row = profiles.iloc[0]
    # The newest complete address wins as a whole; the newer postcode-only record does not
    # get stitched onto an older street.
    assert row["address_line"] == "9 Low Rd"
    assert row["postcode"] == "EF3 4GH"
    assert row["postcode__source_id"] == row["address_line__source_id"] == "4"


def test_most_frequent_rule_and_row_order() -> None:
    records = _records()
    settings = SurvivorshipSettings(rules={"first_name": "most_frequent"})
    ids = np.array(["c"] * 4, dtype=object)
    one = build_profiles(records, ids, {"crm": 10}, settings)
    shuffled = records.iloc[[2, 0, 3, 1]].reset_index(drop=True)
    two = build_profiles(shuffled, ids, {"crm": 10}, settings)
    assert one.iloc[0]["first_name"] == "Bob"
    pd.testing.assert_frame_equal(one, two)


def test_a_full_name_beats_an_initial_from_a_more_trusted_source() -> None:
    records = _records().assign(
        first_name=["f", "fatima", None, "f"], full_name=["f rose", None, None, "fatima rose"]
    )
    row = _one_customer(records)
    assert (row["first_name"], row["first_name__source"]) == ("Fatima", "web")
    assert (row["full_name"], row["full_name__source_id"]) == ("Fatima Rose", "4")


def test_fields_chosen_in_threads_equal_those_chosen_one_by_one(monkeypatch) -> None:
    import singleview._process as _process
    import singleview.survivorship as survivorship
    from singleview.datasets import generate
    from singleview.engines.loading import combine

    data = generate(1_500, random_state=11)
    records, _, _, _, priority = combine(data.sources())
    rng = np.random.default_rng(0)
    customer = np.array([f"c{k}" for k in rng.integers(0, 400, len(records))], dtype=object)
    settings = SurvivorshipSettings()
    monkeypatch.setattr(survivorship, "THREADED_FROM", 10**9)
    alone = build_profiles(records, customer, priority, settings)
    monkeypatch.setattr(survivorship, "THREADED_FROM", 1)
    monkeypatch.setattr(_process, "usable_cpus", lambda: 4)
    threaded = build_profiles(records, customer, priority, settings)
    pd.testing.assert_frame_equal(alone, threaded)
    assert len(alone) == len(np.unique(customer))


def test_sort_based_pair_counts_equal_a_counter() -> None:
    from collections import Counter

    from singleview.survivorship import _pair_counts

    rng = np.random.default_rng(3)
    customer = rng.integers(0, 30, 500).astype(np.int32)
    code = rng.integers(-1, 8, 500)
    counted = Counter(zip(customer.tolist(), code.tolist(), strict=True))
    expected = [counted[pair] for pair in zip(customer.tolist(), code.tolist(), strict=True)]
    assert _pair_counts(customer, code, 9).tolist() == expected


def test_initials_are_names_whose_first_word_has_one_character() -> None:
    from singleview.survivorship import _initials

    names = ["f", "f rose", "fa rose", "é rose", "\u00e9e", " rose", "", "\U0001f600 x"]
    expected = [len(n.split(" ", 1)[0]) <= 1 for n in names]
    assert _initials(pd.array(names, dtype="str")).tolist() == expected
    assert _initials(np.array(names, dtype=object)).tolist() == expected
    assert _initials(np.array(["\ud800 x", "ab"], dtype=object)).tolist() == [1, 0]


def test_a_field_missing_everywhere_gives_missing_values_and_no_provenance() -> None:
    records = _records().assign(first_name=None, email=[(), (), (), ()])
    row = _one_customer(records)
    assert pd.isna(row["first_name"]) and pd.isna(row["first_name__source"])
    assert pd.isna(row["email"]) and pd.isna(row["email__source_id"])
    assert row["postcode"] == "EF3 4GH"  # the newest of the two complete addresses


def test_profiles_do_not_depend_on_row_order_on_generated_sources() -> None:
    from singleview.datasets import generate
    from singleview.engines.loading import combine

    records, _, _, _, priority = combine(generate(800, random_state=5).sources())
    rng = np.random.default_rng(1)
    customer = np.array([f"c{k}" for k in rng.integers(0, 250, len(records))], dtype=object)
    settings = SurvivorshipSettings()
    one = build_profiles(records, customer, priority, settings)
    order = rng.permutation(len(records))
    shuffled = records.iloc[order].reset_index(drop=True)
    two = build_profiles(shuffled, customer[order], priority, settings)
    pd.testing.assert_frame_equal(one, two)
