"""The built-in adapters: defaults, overrides and their source-specific rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from singleview.errors import ConfigError, SchemaError
from singleview.sources import CallCentreSource, CrmSource, StoreSource, WebSource, load


def issue_count(issues: pd.DataFrame, field: str, reason: str) -> int:
    hit = issues[(issues["field"] == field) & (issues["reason"] == reason)]
    return int(hit["count"].sum())


def test_crm_defaults_and_title_gender() -> None:
    src = CrmSource.example()
    assert src.name == "crm"
    assert src.options.dayfirst is True
    records = load(src).records.set_index("source_id")
    assert records.loc["C001", "gender"] == "f"
    assert records.loc["C004", "gender"] == "f"  # "Miss", no gender given
    assert records.loc["C003", "gender"] == "f"  # given gender wins over "Dr"
    assert records.loc["C001", "email"] == ("anne.smith@example.co.uk",)
    assert records.loc["C001", "phone"] == ("+442079460018", "+447911123456")
    assert records.loc["C004", "address_line"] == "flat 3 9 kings road"
    assert records.loc["C001", "dob"] == pd.Timestamp("1980-04-03")  # day first
    assert records.loc["C001", "id_account"] == "A-100"
    assert pd.isna(records.loc["C004", "id_account"])  # "0" is a placeholder


def test_crm_title_fills_only_missing_gender() -> None:
    frame = CrmSource.example_frame().iloc[:2].copy()
    frame["gender"] = ["", "F"]
    frame["title"] = ["Mr", "Mr"]
    records = load(CrmSource(frame)).records
    assert records["gender"].tolist() == ["m", "f"]


def test_crm_without_title_column() -> None:
    frame = CrmSource.example_frame().drop(columns=["title"])
    records = load(CrmSource(frame)).records.set_index("source_id")
    assert pd.isna(records.loc["C004", "gender"])


def test_crm_duplicate_contact_keeps_newest() -> None:
    result = load(CrmSource.example())
    assert result.records["source_id"].is_unique
    c002 = result.records.set_index("source_id").loc["C002"]
    assert c002["first_name"] == "bob"  # modified 06/01 beats 05/01
    assert "superseded" in set(result.quarantine["reason"])


def test_overrides_merge_over_defaults() -> None:
    frame = CrmSource.example_frame().rename(columns={"mobile": "cell"}).drop(columns="middle_name")
    frame["ref"] = "R1"
    src = CrmSource(
        frame,
        name="crm_uk",
        columns={"phone": ["phone", "cell"], "middle_name": None},
        ids={"ref": "ref"},
    )
    result = load(src)
    assert set(result.records["source"]) == {"crm_uk"}
    assert {"id_account", "id_ref"} <= set(result.records.columns)
    assert result.records["middle_name"].isna().all()


def test_missing_default_column_is_schema_error() -> None:
    frame = CrmSource.example_frame().drop(columns=["email_2"])
    with pytest.raises(SchemaError, match="email_2"):
        CrmSource(frame)


def test_adapter_reads_files(tmp_path: Path) -> None:
    frame = CrmSource.example_frame()
    frame.to_csv(tmp_path / "crm.csv", index=False)
    frame.to_parquet(tmp_path / "crm.parquet", index=False)
    from_frame = load(CrmSource(frame)).records
    from_csv = load(CrmSource(tmp_path / "crm.csv", batch_size=3)).records
    from_parquet = load(CrmSource(str(tmp_path / "crm.parquet"))).records
    key = ["source_id"]
    pd.testing.assert_frame_equal(
        from_csv.sort_values(key, ignore_index=True), from_frame.sort_values(key, ignore_index=True)
    )
    pd.testing.assert_frame_equal(from_parquet, from_frame)


def test_adapter_rejects_unknown_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="int"):
        CrmSource(42)  # type: ignore[arg-type]
    (tmp_path / "crm.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"crm\.xlsx"):
        CrmSource(tmp_path / "crm.xlsx")


def test_web_updated_at_is_later_of_login_and_created() -> None:
    records = load(WebSource.example()).records.set_index("source_id")
    assert records.loc["W1", "updated_at"] == pd.Timestamp("2024-02-01 09:00")
    assert records.loc["W2", "updated_at"] == pd.Timestamp("2022-06-01 08:00")  # never logged in
    assert records.loc["W4", "updated_at"] == pd.Timestamp("2023-03-03")  # created after login?!
    assert records.loc["W1", "first_name"] == "anne"
    assert records.loc["W1", "middle_name"] == "m"
    assert records.loc["W1", "last_name"] == "smith"
    assert records.loc["W2", "email"] == ("bob@example.org.uk",)


def test_call_centre_withheld_and_switchboard() -> None:
    result = load(CallCentreSource.example())
    records = result.records.set_index("source_id")
    assert records.loc["K1", "phone"] == ("+447911123456",)
    assert records.loc["K1", "id_account"] == "A-100"
    assert records.loc["K2", "phone"] == ()
    assert records.loc["K2", "last_name"] == "jones"
    assert records.loc["K3", "phone"] == ()  # switchboard: six different callers
    assert issue_count(result.issues, "phone", "withheld") == 2
    assert issue_count(result.issues, "phone", "shared_number") == 6
    assert result.quarantine["reason"].tolist() == ["nothing_to_match"]


def test_call_centre_few_names_keep_number() -> None:
    frame = CallCentreSource.example_frame().iloc[:5]
    records = load(CallCentreSource(frame)).records.set_index("source_id")
    assert records.loc["K3", "phone"] == ("+441134960000",)


def test_call_centre_withheld_variants() -> None:
    frame = pd.DataFrame(
        {
            "call_id": ["1", "2", "3"],
            "caller_number": ["Private Number (P)", "CALLER ID BLOCKED", "+44 7911 123456"],
            "customer_ref": ["", "", ""],
            "caller_name": ["Ann Lee", "Bo Oak", "Cy Ray"],
            "postcode": ["", "", ""],
            "call_time": ["", "", ""],
        }
    )
    result = load(CallCentreSource(frame))
    assert result.records["phone"].tolist() == [(), (), ("+447911123456",)]
    assert issue_count(result.issues, "phone", "withheld") == 2


def test_store_shared_emails() -> None:
    result = load(StoreSource.example())
    records = result.records.set_index("source_id")
    assert records.loc["T1", "email"] == ("anne.smith@example.co.uk",)
    assert records.loc["T1", "id_loyalty_card"] == "6001 0001"
    assert records.loc["T2", "email"] == ()  # till e-mail
    assert records.loc["T3", "email"] == ()  # six different surnames
    assert issue_count(result.issues, "email", "shared_email") == 7
    assert result.quarantine["reason"].tolist() == ["missing_source_id"]
    assert "extra_store_id" not in result.records.columns


@pytest.mark.parametrize(
    "local",
    ["store", "shop", "staff", "till", "receipts", "customer", "noreceipt", "default", "till12"],
)
def test_store_staff_local_parts(local: str) -> None:
    frame = StoreSource.example_frame().iloc[:1].copy()
    frame["receipt_email"] = f"{local}@example.co.uk"
    assert load(StoreSource(frame)).records.loc[0, "email"] == ()


def test_store_household_email_kept() -> None:
    frame = StoreSource.example_frame().iloc[2:5]
    records = load(StoreSource(frame)).records
    assert records["email"].map(len).tolist() == [1, 1, 1]


def test_store_extra_columns() -> None:
    records = load(StoreSource(StoreSource.example_frame(), extra=["store_id"])).records
    assert records.columns[-1] == "extra_store_id"
    assert records.loc[0, "extra_store_id"] == "s1"
