from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from singleview.cli import main
from singleview.config import load_config
from singleview.errors import ConfigError


def test_demo_prints_the_summary(capsys, tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    for text in (
        "records in from 4 sources",
        "quarantined by reason",
        "candidate pairs",
        "customers out",
        "golden profiles",
        "<- crm:",
    ):
        assert text in out
    assert (tmp_path / "out" / "profiles.parquet").exists()


def test_resolve_from_yaml(tmp_path: Path, capsys) -> None:
    pd.DataFrame(
        {
            "subscriber_id": ["1", "2", "3"],
            "name": ["Ann Lee", "Ann Lee", "Bo Chan"],
            "email_address": ["ann.lee@mail.co.uk", "ann.lee@mail.co.uk", "bo@chan.co.uk"],
        }
    ).to_csv(tmp_path / "news.csv", index=False)
    (tmp_path / "run.yaml").write_text(
        "sources:\n"
        "  - type: csv\n"
        "    name: newsletter\n"
        "    path: news.csv\n"
        "    id_column: subscriber_id\n"
        "    columns: {email: email_address, full_name: name}\n"
        "threshold: 0.8\n",
        encoding="utf-8",
    )
    assert main(["resolve", str(tmp_path / "run.yaml"), "--out", str(tmp_path / "o")]) == 0
    clusters = pd.read_parquet(tmp_path / "o" / "clusters.parquet")
    assert clusters["customer_id"].nunique() == 2
    assert "3 records in from 1 sources" in capsys.readouterr().out


def test_config_errors_name_the_source_and_field(tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.yaml").write_text(
        "sources:\n  - type: csv\n    name: news\n    path: x.csv\n    colums: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"source 'news'.*colums"):
        load_config(tmp_path / "bad.yaml")
    assert main(["resolve", str(tmp_path / "bad.yaml")]) == 2
    assert "colums" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "typo.yaml").write_text(
        "sources:\n  - {type: crm, path: c.csv}\nsettings: {treshold: 0.5}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="treshold"):
        load_config(tmp_path / "typo.yaml")


def test_store_commands(capsys, tmp_path: Path) -> None:
    from singleview.cli import _demo_config

    store = tmp_path / "s.duckdb"
    assert main(["ingest", str(_demo_config()), "--store", str(store)]) == 0
    assert "new 1,963" in capsys.readouterr().out
    assert main(["ingest", str(_demo_config()), "--store", str(store)]) == 0
    assert "no events" in capsys.readouterr().out
    args = ["lookup", "--store", str(store), "--region", "GB"]
    assert main([*args, "first_name=Lynn", "last_name=Brown", "postcode=N4 7EX"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    from singleview import IdentityStore

    with IdentityStore(store) as opened:
        ids = opened.clusters().set_index(["source", "source_id"])["customer_id"]
    assert first["customer_id"] == ids[("crm", "C0000001")]
    assert first["match_probability"] > 0.5
    assert main([*args, "nonsense"]) == 2
    assert "FIELD=VALUE" in capsys.readouterr().err
    assert main(["erase", "--store", str(store), "crm", "C0000001"]) == 0
    assert "erased one record" in capsys.readouterr().out
    assert main(["erase", "--store", str(store), "crm", "C0000001"]) == 2
    assert "no stored record" in capsys.readouterr().err
