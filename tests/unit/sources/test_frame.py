"""FrameSource: mapping, cleaning, quarantine, issues and bad configuration."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from singleview.errors import ConfigError, SchemaError, SingleViewError
from singleview.schema import CANONICAL_FIELDS
from singleview.sources import FrameSource, Source, load


def crm_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["1", "2", "3", "", "5"],
            "first_name": ["Anne", "Bob", "1234", "Eve", None],
            "surname": ["Smith", "Jones", "", "Black", None],
            "dob": ["1980-04-03", "not a date", "", "1990-01-01", None],
            "email": ["Anne@Example.co.uk", "bob@", "", "eve@example.co.uk", None],
            "city": ["London", "N/A", "", "Leeds", None],
            "occupation": ["Nurse", "", "", "Pilot", None],
        }
    )


def crm_source(frame: pd.DataFrame | None = None, **kwargs: object) -> FrameSource:
    return FrameSource(
        crm_frame() if frame is None else frame,
        name="crm",
        id_column="unique_id",
        columns={
            "first_name": "first_name",
            "last_name": "surname",
            "dob": "dob",
            "email": "email",
            "city": "city",
        },
        extra=["occupation"],
        **kwargs,  # type: ignore[arg-type]
    )


def test_documented_call_works_and_is_a_source() -> None:
    src = crm_source()
    assert isinstance(src, Source)
    result = load(src)
    records = result.records
    assert list(records.columns) == [*CANONICAL_FIELDS, "extra_occupation"]
    assert records["source_id"].tolist() == ["1", "2"]
    first = records.iloc[0]
    assert first["first_name"] == "anne"
    assert first["last_name"] == "smith"
    assert first["full_name"] == "anne smith"
    assert first["email"] == ("anne@example.co.uk",)
    assert first["phone"] == ()
    assert first["dob"] == pd.Timestamp("1980-04-03")
    assert first["city"] == "london"
    assert first["extra_occupation"] == "nurse"
    assert str(records["dob"].dtype) == "datetime64[ns]"
    assert str(records["updated_at"].dtype) == "datetime64[ns]"
    # Missing text is None, in object columns.
    assert records["city"].dtype == object
    assert records.loc[1, "city"] is None
    assert records.loc[1, "middle_name"] is None


def test_quarantine_reasons_and_raw_row() -> None:
    result = load(crm_source())
    quarantine = result.quarantine.set_index("reason")
    assert sorted(quarantine.index) == ["missing_source_id", "nothing_to_match", "nothing_to_match"]
    missing = quarantine.loc["missing_source_id"]
    assert pd.isna(missing["source_id"])
    assert json.loads(missing["row"])["first_name"] == "Eve"
    # Row 5 is all missing: JSON null, not NaN.
    rows = [json.loads(r) for r in result.quarantine["row"]]
    assert {"unique_id": "5"}.items() <= rows[-1].items() or any(
        r["unique_id"] == "5" for r in rows
    )
    assert len(result.records) + len(result.quarantine) == len(crm_frame())


def test_issues_count_every_nulled_value() -> None:
    issues = load(crm_source()).issues
    counts = {(f, r): c for f, r, c in issues[["field", "reason", "count"]].itertuples(index=False)}
    assert counts[("first_name", "invalid_syntax")] == 1
    assert counts[("city", "placeholder")] == 1
    assert counts[("email", "invalid_syntax")] == 1
    assert counts[("dob", "unparseable")] == 1
    assert set(issues["source"]) == {"crm"}
    assert issues["count"].dtype == "int64"


def test_multi_valued_fields_and_joined_parts() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "e1": ["x@example.co.uk", None],
            "e2": ["X@example.co.uk", "y@example.co.uk"],
            "e3": ["z@example.co.uk", "bad"],
            "no": ["10", None],
            "street": ["High St", "Low Rd"],
            "tel": ["+44 20 7946 0018", "020 7946 0019"],
        }
    )
    src = FrameSource(
        frame,
        name="t",
        id_column="id",
        columns={"email": ["e1", "e2", "e3"], "address_line": ["no", "street"], "phone": "tel"},
        region="GB",
    )
    records = load(src).records
    assert records.loc[0, "email"] == ("x@example.co.uk", "z@example.co.uk")
    assert records.loc[1, "email"] == ("y@example.co.uk",)
    assert records["address_line"].tolist() == ["10 high st", "low rd"]
    assert records["phone"].tolist() == [("+442079460018",), ("+442079460019",)]


def test_full_name_split_when_parts_not_mapped() -> None:
    frame = pd.DataFrame({"id": ["1"], "name": ["Dr Anne Marie Smith"]})
    records = load(
        FrameSource(frame, name="t", id_column="id", columns={"full_name": "name"})
    ).records
    row = records.iloc[0]
    assert (row["first_name"], row["middle_name"], row["last_name"]) == ("anne", "marie", "smith")
    assert row["full_name"] == "anne marie smith"


def test_ids_are_strings_and_placeholders_are_missing() -> None:
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0],
            "acct": [123.0, np.nan, 0.0],
            "Card No": ["007", "n/a", " 9 "],
            "name": ["Ann Lee", "Bo Oak", "Cy Ray"],
        }
    )
    src = FrameSource(
        frame, name="t", id_column="id", columns={"full_name": "name"}, ids={"account": "acct"}
    )
    records = load(src).records
    assert records["source_id"].tolist() == ["1", "2", "3"]
    assert records["id_account"].tolist() == ["123", None, None]
    result = load(
        FrameSource(
            frame, name="t", id_column="id", columns={"full_name": "name"}, ids=["Card No", "acct"]
        )
    )
    assert list(result.records.columns[len(CANONICAL_FIELDS) :]) == ["id_acct", "id_card_no"]
    assert result.records["id_card_no"].tolist()[0] == "007"
    assert result.records["id_card_no"].tolist()[2] == "9"


def test_postcode_uses_record_country() -> None:
    frame = pd.DataFrame(
        {
            "id": ["1", "2"],
            "pc": ["sw1a1aa", "90210"],
            "ctry": ["UK", "United States"],
            "e": ["a@b.co", "c@d.co"],
        }
    )
    src = FrameSource(
        frame, name="t", id_column="id", columns={"postcode": "pc", "country": "ctry", "email": "e"}
    )
    records = load(src).records
    assert records["country"].tolist() == ["GB", "US"]
    assert records["postcode"].tolist() == ["SW1A 1AA", "90210"]


def test_read_yields_batches() -> None:
    src = crm_source(batch_size=2)
    sizes = [len(b) for b in src.read()]
    assert sizes == [2, 2, 1]
    assert len(load(src).records) == len(load(crm_source()).records)


def test_caller_frame_is_not_modified() -> None:
    frame = crm_frame()
    before = frame.copy()
    load(crm_source(frame, batch_size=2))
    pd.testing.assert_frame_equal(frame, before)


def test_empty_frame_gives_empty_records() -> None:
    result = load(crm_source(crm_frame().iloc[0:0]))
    assert list(result.records.columns) == [*CANONICAL_FIELDS, "extra_occupation"]
    assert len(result.records) == 0
    assert len(result.quarantine) == 0
    assert str(result.records["dob"].dtype) == "datetime64[ns]"


def test_unknown_field_suggests_nearest() -> None:
    with pytest.raises(ConfigError, match=r"'crm'.*'surname'.*Did you mean 'last_name'") as info:
        FrameSource(crm_frame(), name="crm", id_column="unique_id", columns={"surname": "surname"})
    assert isinstance(info.value, SingleViewError)
    with pytest.raises(ConfigError, match="first_name"):
        FrameSource(crm_frame(), name="crm", id_column="unique_id", columns={"frist_name": "x"})


def test_source_id_in_columns_points_to_id_column() -> None:
    with pytest.raises(ConfigError, match="id_column"):
        FrameSource(crm_frame(), name="crm", id_column="unique_id", columns={"source_id": "x"})


def test_missing_mapped_column_names_source_and_column() -> None:
    with pytest.raises(SchemaError, match=r"'crm'.*\['phone_no'\]"):
        FrameSource(crm_frame(), name="crm", id_column="unique_id", columns={"phone": "phone_no"})
    with pytest.raises(SchemaError, match="nope"):
        FrameSource(crm_frame(), name="crm", id_column="nope")


def test_list_for_date_field_is_rejected() -> None:
    with pytest.raises(ConfigError, match="dob"):
        FrameSource(crm_frame(), name="crm", id_column="unique_id", columns={"dob": ["dob", "dob"]})


def test_non_dataframe_is_rejected_with_type_name() -> None:
    with pytest.raises(ConfigError, match="list"):
        FrameSource([{"a": 1}], name="crm", id_column="a")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [{"region": "gb"}, {"region": "XX"}, {"batch_size": 0}, {"priority": "high"}],
)
def test_bad_options_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="'crm'"):
        crm_source(**options)


def test_junk_values_become_issues_not_tracebacks() -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "first": [42, 3.5, "Zoë"],
            "dob": ["31/02/1990", "yesterday", 19800101],
            "updated": [object(), "2024-13-45", None],
        }
    )
    src = FrameSource(
        frame,
        name="junk",
        id_column="id",
        columns={"first_name": "first", "dob": "dob", "updated_at": "updated"},
    )
    result = load(src)
    assert len(result.records) + len(result.quarantine) == 3
    assert result.issues["count"].sum() >= 4


def test_full_name_fills_only_unmapped_parts() -> None:
    frame = pd.DataFrame({"id": ["1"], "given": ["Annie"], "name": ["Anne Marie Smith"]})
    src = FrameSource(
        frame, name="t", id_column="id", columns={"first_name": "given", "full_name": "name"}
    )
    row = load(src).records.iloc[0]
    assert (row["first_name"], row["middle_name"], row["last_name"]) == ("annie", "marie", "smith")
    assert row["full_name"] == "anne marie smith"


def test_full_name_composed_from_parts() -> None:
    frame = pd.DataFrame({"id": ["1", "2"], "f": ["Anne", None], "l": ["Smith", "Jones"]})
    src = FrameSource(
        frame, name="t", id_column="id", columns={"first_name": "f", "last_name": "l"}
    )
    assert load(src).records["full_name"].tolist() == ["anne smith", "jones"]
