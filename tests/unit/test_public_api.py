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


def test_public_names_import_on_first_use_and_subpackages_resolve() -> None:
    """The matching, store and Spark names are imported on first use; a subpackage is
    reachable as an attribute, as it was when everything was imported at once."""
    import pytest

    from singleview.engines.spark import local_session
    from singleview.pipeline import resolve

    assert sv.resolve is resolve
    assert sv.engines.spark.local_session is local_session
    assert "resolve" in dir(sv) and "IdentityStore" in dir(sv)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = sv.no_such_name
    with pytest.raises(AttributeError, match="no attribute 'no_such_engine'"):
        _ = sv.engines.no_such_engine


def test_a_load_worker_imports_the_sources_alone() -> None:
    """A load worker's interpreter imports the sources, not the matching, clustering,
    store or Spark modules (their imports doubled its start-up)."""
    import subprocess
    import sys

    heavy = ["singleview.pipeline", "singleview.cluster", "singleview.store", "scipy", "duckdb"]
    code = (
        "import sys, singleview.sources.parallel; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_public_name_is_replaced_by_a_module_of_the_same_name() -> None:
    """Importing a submodule binds it as the package's attribute: a public name imported
    on first use must not share its name with a module (``evaluate`` does, and is
    imported at once)."""
    import importlib
    import pkgutil
    from types import ModuleType

    for info in pkgutil.walk_packages(sv.__path__, "singleview."):
        if ".engines.spark" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for name in sv.__all__:
        assert not isinstance(getattr(sv, name), ModuleType), name
    assert callable(sv.evaluate)
