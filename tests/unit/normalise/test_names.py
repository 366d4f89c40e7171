from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from singleview.normalise import clean_name, nickname_pairs, split_full_name


def test_clean_name_titles_suffixes_and_reasons() -> None:
    s = pd.Series(
        [
            "Dr. Séan O'Neill Jr",
            "Mrs Smith-Jones",
            "John Smith PhD",
            "Mr",
            "Unknown",
            "12345",
            "",
            None,
            "Jack Ma",
        ],
        index=range(10, 19),
    )
    out = clean_name(s)
    assert out.values.tolist() == [
        "sean oneill",
        "smith jones",
        "john smith",
        None,
        None,
        None,
        None,
        None,
        "jack ma",
    ]
    assert out.reasons.tolist() == [
        None,
        None,
        None,
        "placeholder",
        "placeholder",
        "invalid_syntax",
        None,
        None,
        None,
    ]
    assert out.values.index.equals(s.index)


def test_clean_name_does_not_mutate() -> None:
    s = pd.Series(["Mr Bob"])
    clean_name(s)
    assert s.tolist() == ["Mr Bob"]


def _split(values: list[object]) -> list[tuple[object, object, object]]:
    frame = split_full_name(pd.Series(values, dtype=object))
    assert list(frame.columns) == ["first_name", "middle_name", "last_name"]
    return [tuple(row) for row in frame.itertuples(index=False)]


def test_split_full_name_forms() -> None:
    assert _split(
        [
            "Smith, John Paul",
            "Mr John Paul Smith Jr",
            "J. Smith",
            "Mrs Smith",
            "John",
            "Ludwig van Beethoven",
            "John Smith, Jr.",
            "Unknown",
            None,
            "Smith, Mr John",
        ]
    ) == [
        ("john", "paul", "smith"),
        ("john", "paul", "smith"),
        ("j", None, "smith"),
        (None, None, "smith"),
        ("john", None, None),
        ("ludwig", None, "van beethoven"),
        ("john", None, "smith"),
        (None, None, None),
        (None, None, None),
        ("john", None, "smith"),
    ]


def test_split_full_name_index_and_empty() -> None:
    s = pd.Series(["Ann Lee"], index=["k"])
    assert split_full_name(s).index.tolist() == ["k"]
    empty = split_full_name(pd.Series([], dtype=object))
    assert empty.empty
    assert list(empty.columns) == ["first_name", "middle_name", "last_name"]


def test_nickname_pairs_examples() -> None:
    pairs = nickname_pairs(["bob", "robert", "bill", "william", "liz", "elizabeth", "alice"])
    found = set(zip(pairs["name"], pairs["equivalent"], strict=True))
    for a, b in [("bob", "robert"), ("bill", "william"), ("liz", "elizabeth")]:
        assert (a, b) in found
        assert (b, a) in found
    assert all(a != b for a, b in found)
    assert "alice" not in set(pairs["name"])
    assert list(pairs.columns) == ["name", "equivalent"]


def test_nickname_pairs_only_present_names() -> None:
    pairs = nickname_pairs(["peggy", "margaret", "peggy"])
    assert sorted(zip(pairs["name"], pairs["equivalent"], strict=True)) == [
        ("margaret", "peggy"),
        ("peggy", "margaret"),
    ]
    assert nickname_pairs(["robert"]).empty
    assert nickname_pairs([]).empty


@given(st.lists(st.sampled_from(["bob", "rob", "robert", "bill", "will", "liz", "ann", "zed"])))
def test_nickname_pairs_symmetric(names: list[str]) -> None:
    pairs = nickname_pairs(names)
    found = set(zip(pairs["name"], pairs["equivalent"], strict=True))
    assert found == {(b, a) for a, b in found}
    assert set(pairs["name"]) <= set(names)


def test_split_full_name_drops_placeholder_parts() -> None:
    from singleview.normalise import split_full_name

    parts = split_full_name(pd.Series(["Test Test", "Unknown Unknown", "John Smith"]))
    assert parts["first_name"].tolist() == [None, None, "john"]
    assert parts["last_name"].tolist() == [None, None, "smith"]
