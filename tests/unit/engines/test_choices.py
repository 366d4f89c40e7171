from __future__ import annotations

import pandas as pd
import pytest

from singleview.autoconfig import OPTIONAL_BLOCKING
from singleview.engines.choices import check_names, choose, probe_plan, with_probe_columns
from singleview.errors import ConfigError
from singleview.features import build_features
from singleview.settings import Settings
from tests.datasets import crowded_records


def _features(n: int = 300):
    return build_features(crowded_records(n, surnames=37, dob=True))


def test_zero_configuration_chooses_what_settings_leave_open() -> None:
    features = _features()
    choices = choose(features, Settings(), link_within=True)
    assert {c.column for c in choices.comparisons} >= {"first_name", "last_name", "email"}
    assert ("email_key",) in choices.rules
    assert choices.training and all(isinstance(t, tuple) for t in choices.training)


def test_given_settings_are_kept_and_rule_keys_join_the_blocking() -> None:
    features = _features()
    settings = Settings.model_validate(
        {
            "comparisons": [{"column": "last_name", "kind": "last_name"}],
            "blocking": [["city"]],
            "rules": [["email"]],
            "training": [["city"]],
            "groups": [],
        }
    )
    choices = choose(features, settings, link_within=True)
    assert [c.column for c in choices.comparisons] == ["last_name"]
    assert choices.rules == [("city",), ("email",)]  # the rule's keys block too
    assert choices.training == [("city",)] and choices.groups == []
    # Given blocking is used as given: nothing is optional, nothing probed.
    rules, n_core, probing = probe_plan(choices, settings)
    assert (rules, n_core, probing) == ([("city",), ("email",)], 2, False)


def test_broad_zero_config_rules_go_last_and_are_probed() -> None:
    choices = choose(_features(), Settings(pairs_per_record=10**6), link_within=True)
    rules, n_core, probing = probe_plan(choices, Settings())
    assert sorted(rules) == sorted(choices.rules)
    assert any(r in OPTIONAL_BLOCKING for r in rules) and probing
    assert not any(r in OPTIONAL_BLOCKING for r in rules[:n_core])
    assert all(r in OPTIONAL_BLOCKING for r in rules[n_core:])
    # A yield of 0 turns the probe off: every chosen rule is used.
    assert not probe_plan(choices, Settings(min_rule_yield=0.0))[2]


def test_an_unknown_key_fails_before_any_work() -> None:
    features = _features()
    settings = Settings.model_validate({"blocking": [["no_such_key"]]})
    choices = choose(features, settings, link_within=True)
    with pytest.raises(ConfigError, match="no_such_key"):
        check_names(features, choices)


def test_stats_without_a_probe_say_every_rule_was_used() -> None:
    stats = pd.DataFrame({"rule": ["a", "b"], "new_pairs": [3, 0]})
    got = with_probe_columns(stats)
    assert got["used"].tolist() == [True, True]
    assert got["probed_pairs"].tolist() == [3, 0]
    probed = got.assign(used=[True, False])
    assert with_probe_columns(probed) is probed  # a probe's own columns are kept
