from __future__ import annotations

import singleview as sv


def test_all_is_sorted_and_importable() -> None:
    assert list(sv.__all__) == sorted(sv.__all__)
    for name in sv.__all__:
        assert hasattr(sv, name), name


def test_contract_names_exist() -> None:
    for name in (
        "resolve",
        "FrameSource",
        "CsvSource",
        "ParquetSource",
        "CrmSource",
        "WebSource",
        "CallCentreSource",
        "StoreSource",
        "Settings",
        "evaluate",
        "SingleViewError",
        "ConfigError",
        "SchemaError",
        "SourceError",
        "NotFittedError",
    ):
        assert name in sv.__all__


def test_error_tree_is_rooted() -> None:
    for error in (sv.ConfigError, sv.SchemaError, sv.SourceError, sv.NotFittedError, sv.DataError):
        assert issubclass(error, sv.SingleViewError)
