from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from singleview.comparisons import LABELS, M_PRIORS, Comparison
from singleview.errors import ConfigError
from singleview.features import build_features


def _features(rows: list[dict[str, object]]):
    frame = pd.DataFrame(rows)
    for column in ("email", "phone"):
        if column not in frame:
            frame[column] = [()] * len(frame)
    frame["source"] = "s"
    frame["source_id"] = [str(i) for i in range(len(frame))]
    return build_features(frame)


def _level(features, comparison: Comparison, a: int, b: int) -> str:
    level, _ = comparison.compare(features, np.array([a]), np.array([b]))
    return "missing" if level[0] < 0 else comparison.labels[level[0]]


def test_priors_match_labels() -> None:
    assert set(M_PRIORS) == set(LABELS)
    for kind, labels in LABELS.items():
        assert len(M_PRIORS[kind]) == len(labels)
        assert sum(M_PRIORS[kind]) == pytest.approx(1.0)


def test_first_name_levels() -> None:
    f = _features(
        [
            {"first_name": "robert", "last_name": "smith"},
            {"first_name": "bob", "last_name": "smith"},
            {"first_name": "robert", "last_name": "smith"},
            {"first_name": "smith", "last_name": "robert"},
            {"first_name": "r", "last_name": "smith"},
            {"first_name": "robbert", "last_name": "smith"},
            {"first_name": None, "last_name": "smith"},
            {"first_name": "xavier", "last_name": "smith"},
        ]
    )
    first = Comparison("first_name", "first_name")
    assert _level(f, first, 0, 1) == "nickname"
    assert _level(f, first, 0, 2) == "exact"
    assert _level(f, first, 0, 3) == "swapped"
    assert _level(f, first, 0, 4) == "initial"
    assert _level(f, first, 0, 5) == "jw>=0.92"
    assert _level(f, first, 0, 6) == "missing"
    assert _level(f, first, 0, 7) == "else"
    # The last-name comparison does not count a swap a second time.
    assert _level(f, Comparison("last_name", "last_name"), 0, 3) == "missing"


def test_equal_initials_are_an_initial_level_without_term_frequency() -> None:
    f = _features(
        [
            {"first_name": "j", "last_name": "rees"},
            {"first_name": "j", "last_name": "rees"},
            {"first_name": "jack", "last_name": "rees"},
        ]
    )
    first = Comparison("first_name", "first_name", tf_adjust=True)
    assert _level(f, first, 0, 1) == "initial"
    assert _level(f, first, 0, 2) == "initial"
    _, exact = first.compare(f, np.array([0]), np.array([1]))
    assert exact[0] == -1


def test_email_typos_only_are_near_misses() -> None:
    f = _features(
        [
            {"email": ("alexander.moss@hotmail.co.uk",)},
            {"email": ("alexandr.moss@hotmail.co.uk",)},
            {"email": ("alexander_moss55@hotmail.co.uk",)},
        ]
    )
    email = Comparison("email", "email")
    assert _level(f, email, 0, 1) == "one_edit"
    # A similar local part built from the same name is not evidence of one person.
    assert _level(f, email, 0, 2) == "else"


def test_dates() -> None:
    f = _features(
        [
            {"dob": pd.Timestamp(d)}
            for d in (
                "1980-04-03",
                "1980-03-04",
                "1980-04-03",
                "1980-04-08",
                "1981-01-05",
                "1975-01-01",
                "1950-01-01",
            )
        ]
    )
    dob = Comparison("dob", "date")
    assert _level(f, dob, 0, 1) == "day_month_swapped"
    assert _level(f, dob, 0, 2) == "exact"
    assert _level(f, dob, 0, 3) == "one_edit"
    assert _level(f, dob, 0, 4) == "within_1_year"
    assert _level(f, dob, 0, 5) == "within_10_years"
    assert _level(f, dob, 0, 6) == "else"


def test_multi_valued_best_pair_wins() -> None:
    f = _features(
        [
            {"email": ("work@corp.com", "bob.smith+news@gmail.com")},
            {"email": ("b.o.b.smith@googlemail.com",)},
            {"email": ("work@corp.com",)},
            {"email": ()},
        ]
    )
    email = Comparison("email", "email")
    assert _level(f, email, 0, 1) == "same_key"
    assert _level(f, email, 0, 2) == "exact"
    assert _level(f, email, 0, 3) == "missing"
    _, exact = email.compare(f, np.array([0]), np.array([2]))
    assert f["email"].values[exact[0]] == "work@corp.com"


def test_phone_postcode_identifier() -> None:
    f = _features(
        [
            {"phone": ("+447911123456",), "postcode": "SW1A 1AA", "id_card": "12345"},
            {"phone": ("+447911123457",), "postcode": "SW1A 2AA", "id_card": "12346"},
            {"phone": ("+447911123456",), "postcode": "SW1A 1AA", "id_card": "12345"},
            {"phone": ("+15551234567",), "postcode": "M1 1AE", "id_card": "99999"},
        ]
    )
    assert _level(f, Comparison("phone", "phone"), 0, 1) == "one_edit"
    assert _level(f, Comparison("phone", "phone"), 0, 2) == "exact"
    assert _level(f, Comparison("phone", "phone"), 0, 3) == "else"
    assert _level(f, Comparison("postcode", "postcode"), 0, 1) == "one_edit"
    assert _level(f, Comparison("postcode", "postcode"), 0, 3) == "else"
    assert _level(f, Comparison("id_card", "identifier"), 0, 1) == "one_edit"
    assert _level(f, Comparison("id_card", "identifier"), 0, 3) == "else"


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown kind"):
        Comparison("dob", "fuzzy")
