from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from singleview.generic import GENERIC_REASON, drop_generic_values, find_generic_values


def _reference(records: pd.DataFrame, max_names: int) -> dict[str, set[object]]:
    """The definition, written the slow obvious way: an identifier value held by more than
    ``max_names`` records, whose records hold more than ``max_names`` distinct values of
    another identity field."""
    columns = [c for c in records.columns if c in ("email", "phone") or c.startswith("id_")]
    identity = ["last_name", *columns]

    def values_of(row: pd.Series, column: str) -> set[object]:
        cell = row[column]
        cells = cell if isinstance(cell, tuple) else (cell,)
        return {v for v in cells if isinstance(v, str)}

    found: dict[str, set[object]] = {}
    for column in columns:
        holders: dict[object, list[int]] = {}
        for i, row in records.iterrows():
            for value in values_of(row, column):
                holders.setdefault(value, []).append(i)
        generic = set()
        for value, rows in holders.items():
            if len(rows) <= max_names:
                continue
            for other in identity:
                if other == column:
                    continue
                seen = set().union(*(values_of(records.loc[r], other) for r in rows))
                if len(seen) > max_names:
                    generic.add(value)
        if generic:
            found[column] = generic
    return found


def _records(rows: list[tuple[str | None, tuple[str, ...], str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["s"] * len(rows),
            "source_id": [str(i) for i in range(len(rows))],
            "last_name": pd.Series([r[0] for r in rows], dtype=object),
            "email": pd.Series([r[1] for r in rows], dtype=object),
            "id_card": pd.Series([r[2] for r in rows], dtype=object),
        }
    )


names = st.sampled_from(["ahmed", "brown", "chen", "diaz", "evans", None])
emails = st.lists(st.sampled_from(["a@x", "b@x", "c@x", "d@x"]), max_size=3).map(tuple)
cards = st.sampled_from(["c1", "c2", "c3", None])


@settings(max_examples=60)
@given(st.lists(st.tuples(names, emails, cards), min_size=1, max_size=25), st.integers(1, 3))
def test_generic_values_match_the_definition(
    rows: list[tuple[str | None, tuple[str, ...], str | None]], max_names: int
) -> None:
    records = _records(rows)
    assert find_generic_values(records, max_names=max_names) == _reference(records, max_names)


def test_a_shared_card_is_removed_and_counted() -> None:
    rows = [(f"name{i}", (f"p{i}@x",), "staff") for i in range(12)]
    rows += [("brown", ("b@x", "b2@x"), "own"), ("brown", ("b@x",), "own")]
    records = _records(rows)
    out, issues = drop_generic_values(records, max_names=8)
    assert out["id_card"].isna().sum() == 12
    assert out["id_card"].iloc[-1] == "own"
    assert records["id_card"].notna().all()  # the input is not changed
    assert issues.to_dict("records") == [
        {"source": "s", "field": "id_card", "reason": GENERIC_REASON, "count": 12}
    ]


def test_a_generic_email_is_taken_out_of_its_tuples_only() -> None:
    rows = [(f"name{i}", ("shop@x", f"p{i}@x"), None) for i in range(10)]
    records = _records(rows)
    out, issues = drop_generic_values(records, max_names=8)
    assert out["email"].tolist() == [(f"p{i}@x",) for i in range(10)]
    assert records["email"].iloc[0] == ("shop@x", "p0@x")
    assert issues["count"].tolist() == [10]


def test_a_batch_without_the_generic_values_comes_back_as_it_is() -> None:
    # What a store does with every later batch and lookup: the values found at training
    # removed; a batch that holds none of them is neither copied nor counted.
    from singleview.generic import remove_values

    records = _records([("brown", ("b@x",), "own"), ("chen", ("shop@x", "c@x"), "staff")])
    found = {"email": {"shop@x"}, "id_card": {"staff"}}
    clean = records.iloc[:1]
    out, issues = remove_values(clean, found)
    assert out is clean and issues.empty
    out, issues = remove_values(records, found)
    assert out["email"].tolist() == [("b@x",), ("c@x",)]
    assert out["id_card"].tolist() == ["own", None]
    assert records["id_card"].tolist() == ["own", "staff"]  # the input is not changed
    assert sorted(issues["field"]) == ["email", "id_card"] and issues["count"].tolist() == [1, 1]
