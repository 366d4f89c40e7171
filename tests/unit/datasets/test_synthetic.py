"""Tests for the synthetic multi-source generator (singleview.datasets)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from singleview.datasets import SyntheticData, generate
from singleview.errors import ConfigError

EXPECTED_COLUMNS = {
    "crm": [
        "contact_id", "account_number", "title", "first_name", "middle_name", "last_name",
        "birthdate", "gender", "email", "email_2", "phone", "mobile", "address_line1",
        "address_line2", "city", "postcode", "country", "last_modified",
    ],
    "web": ["account_id", "email", "full_name", "phone", "created_at", "last_login"],
    "call_centre": ["call_id", "caller_number", "customer_ref", "caller_name", "postcode",
                    "call_time"],
    "store": ["transaction_id", "loyalty_card", "first_name", "last_name", "receipt_email",
              "postcode", "transaction_time", "store_id"],
}  # fmt: skip
ID_COLUMN = {"crm": "contact_id", "web": "account_id", "call_centre": "call_id",
             "store": "transaction_id"}  # fmt: skip
DEMO = Path(__file__).parents[3] / "src" / "singleview" / "data" / "demo"


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(20_000, random_state=11)


def _keyed(data: SyntheticData, source: str) -> pd.DataFrame:
    """The source's rows with their truth person_id (rows without an id dropped)."""
    frame = data.frames[source]
    frame = frame[frame[ID_COLUMN[source]].notna()]
    truth = data.truth[data.truth["source"] == source]
    return frame.merge(truth, left_on=ID_COLUMN[source], right_on="source_id", how="left")


def _household_of(data: SyntheticData) -> pd.Series:
    return data.people.set_index("person_id")["household_id"]


# -- determinism and size --------------------------------------------------------------------


def test_same_seed_gives_identical_output() -> None:
    a, b = generate(3_000, random_state=5), generate(3_000, random_state=5)
    for source in EXPECTED_COLUMNS:
        pd.testing.assert_frame_equal(a.frames[source], b.frames[source])
    pd.testing.assert_frame_equal(a.truth, b.truth)
    pd.testing.assert_frame_equal(a.people, b.people)


def test_other_seed_gives_other_output() -> None:
    a, b = generate(3_000, random_state=5), generate(3_000, random_state=6)
    assert not a.frames["crm"].equals(b.frames["crm"])
    assert not a.truth.equals(b.truth)


@pytest.mark.parametrize("n", [1, 7, 50, 1_000, 12_345])
def test_size_within_two_percent(n: int) -> None:
    total = sum(len(f) for f in generate(n, random_state=n).frames.values())
    assert abs(total - n) <= 0.02 * n


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_bad_size_is_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError):
        generate(bad)  # type: ignore[arg-type]


# -- contract of the frames and the truth ----------------------------------------------------


def test_column_sets_are_exact(data: SyntheticData) -> None:
    assert sorted(data.frames) == sorted(EXPECTED_COLUMNS)
    for source, columns in EXPECTED_COLUMNS.items():
        assert list(data.frames[source].columns) == columns
    assert list(data.truth.columns) == ["source", "source_id", "person_id"]


def test_values_are_strings_or_missing(data: SyntheticData) -> None:
    for frame in [*data.frames.values(), data.truth]:
        for column in frame.columns:
            values = frame[column].dropna()
            assert values.map(type).eq(str).all(), column
            assert not values.eq("").any(), column  # missing is NA, never ""


def test_truth_covers_every_row_exactly_once(data: SyntheticData) -> None:
    assert not data.truth.duplicated(["source", "source_id"]).any()
    assert data.truth.notna().all().all()
    for source, id_column in ID_COLUMN.items():
        ids = data.frames[source][id_column]
        truth_ids = data.truth.loc[data.truth["source"] == source, "source_id"]
        assert set(ids.dropna()) == set(truth_ids)
        assert ids.isna().mean() < 0.01  # only junk rows lack an id


def test_ids_unique_per_source_except_superseded_crm_versions(data: SyntheticData) -> None:
    for source in ("web", "call_centre", "store"):
        ids = data.frames[source][ID_COLUMN[source]].dropna()
        assert ids.is_unique
        assert ids.str.match(r"^[WKT]\d{7}$").all()
    crm = _keyed(data, "crm")
    repeated = crm[crm.duplicated("contact_id", keep=False)]
    assert 0.005 < len(repeated) / len(crm) < 0.1
    assert repeated.groupby("contact_id")["person_id"].nunique().eq(1).all()
    modified = pd.to_datetime(repeated["last_modified"])
    assert repeated.assign(t=modified).groupby("contact_id")["t"].nunique().eq(2).all()


def test_every_person_appears_and_coverage_is_realistic(data: SyntheticData) -> None:
    real = data.people[data.people["relation"] != "junk"]
    assert set(data.truth["person_id"]) == set(data.people["person_id"])
    rows = sum(len(f) for f in data.frames.values())
    assert 2.0 <= rows / len(real) <= 3.0
    per_person = data.truth[data.truth["person_id"].str.startswith("P")]
    singletons = per_person.groupby("person_id").size().eq(1).mean()
    assert 0.2 <= singletons <= 0.3


# -- hard negatives --------------------------------------------------------------------------


def test_hard_negative_rates(data: SyntheticData) -> None:
    people = data.people[data.people["relation"] != "junk"]
    share = people["relation"].value_counts(normalize=True)
    in_household = people.groupby("household_id")["person_id"].transform("size") > 1
    assert in_household.mean() >= 0.05
    assert share["twin"] >= 0.01
    assert share["junior"] > 0.002 and share["senior"] > 0.002


def test_households_share_an_address_in_the_raw_data(data: SyntheticData) -> None:
    crm = _keyed(data, "crm").drop_duplicates("contact_id")
    number = crm["address_line1"].str.extract(r"(\d+)", expand=False)
    postcode = crm["postcode"].str.upper().str.replace(" ", "", regex=False)
    key = postcode + "|" + number
    persons = crm.assign(key=key).dropna(subset=["key"]).groupby("key")["person_id"]
    shared = persons.transform("nunique") > 1
    assert shared.mean() >= 0.05


def test_twins_share_birthdate_and_surname(data: SyntheticData) -> None:
    twins = set(data.people.loc[data.people["relation"] == "twin", "person_id"])
    crm = _keyed(data, "crm").drop_duplicates("contact_id")
    crm = crm[crm["person_id"].isin(twins) & crm["birthdate"].str.match(r"^\d{4}-")]
    crm = crm.assign(household=crm["person_id"].map(_household_of(data)))
    pairs = crm.groupby("household").filter(lambda g: g["person_id"].nunique() == 2)
    assert len(pairs) >= 10
    same = pairs.groupby("household")["birthdate"].nunique().eq(1).mean()
    assert same >= 0.8  # the rest carry a day/month swap or a placeholder


def test_junior_and_senior_share_first_and_last_name(data: SyntheticData) -> None:
    jrsr = data.people["relation"].isin(["junior", "senior"])
    keep = set(data.people.loc[jrsr, "person_id"])
    crm = _keyed(data, "crm").drop_duplicates("contact_id")
    crm = crm[crm["person_id"].isin(keep)]
    crm = crm.assign(household=crm["person_id"].map(_household_of(data)),
                     first=crm["first_name"].str.lower())  # fmt: skip
    same_first = crm.groupby(["household", "first"])["person_id"].nunique().gt(1)
    assert same_first.sum() >= 5
    assert crm["last_name"].str.contains(r" (?:Jr|Sr)$", case=False).any()


def test_common_surnames_are_frequent(data: SyntheticData) -> None:
    crm = _keyed(data, "crm").drop_duplicates("person_id")
    last = crm["last_name"].str.lower().str.replace(r" (jr|sr)$", "", regex=True)
    top = last.value_counts(normalize=True)
    assert "smith" in top.index[:5]  # the most common surname, up to sampling noise
    assert top["smith"] >= 0.01
    assert len({"smith", "jones", "williams", "taylor", "brown"} & set(top.index[:12])) >= 4


# -- realistic values and noise --------------------------------------------------------------


def _phones(data: SyntheticData) -> pd.Series:
    values = pd.concat(
        [data.frames["crm"]["phone"], data.frames["crm"]["mobile"],
         data.frames["web"]["phone"], data.frames["call_centre"]["caller_number"]]
    ).dropna()  # fmt: skip
    digits = values.str.replace(r"\D", "", regex=True)
    real = (digits.str.len() >= 10) & digits.str.contains("[1-9]", regex=True)
    return values[real]


def test_phones_are_valid_for_region_gb(data: SyntheticData) -> None:
    sample = _phones(data).sample(600, random_state=0)
    invalid = [p for p in sample if not phonenumbers.is_valid_number(phonenumbers.parse(p, "GB"))]
    assert invalid == []


def test_phones_come_in_many_formats(data: SyntheticData) -> None:
    shapes = _phones(data).str.replace(r"\d", "9", regex=True).value_counts()
    assert len(shapes[shapes > 20]) >= 8
    # "+44 7700 900123", "(07700) 900-123", "0044 7700 900123", "07700 900123"
    expected = {"+99 9999 999999", "(99999) 999-999", "9999 9999 999999", "99999 999999"}
    assert expected <= set(shapes.index)


def test_postcodes_have_a_uk_shape(data: SyntheticData) -> None:
    postcodes = data.frames["crm"]["postcode"].dropna().str.upper().str.replace(" ", "")
    shaped = postcodes.str.match(r"^[A-Z]{1,2}\d{1,2}\d[ABD-HJLNP-UW-Z]{2}$")
    assert shaped.mean() > 0.98  # the rest are typos


def test_noise_and_placeholders_are_present(data: SyntheticData) -> None:
    crm, web = data.frames["crm"], data.frames["web"]
    calls, store = data.frames["call_centre"], data.frames["store"]
    assert crm["birthdate"].str.match(r"^\d{2}/\d{2}/\d{4}$").mean() > 0.05
    assert crm["birthdate"].eq("1900-01-01").any()
    assert crm["email"].isin(["test@test.com", "noemail@noemail.com"]).any()
    assert calls["caller_number"].str.lower().isin(["withheld", "anonymous"]).mean() > 0.03
    assert web["full_name"].str.match(r"^[A-Za-z]\.? \w").any()  # "J Smith"
    assert web["full_name"].str.contains(",").any()  # "Smith, John"
    accented = pd.concat([crm["first_name"], web["full_name"]]).dropna()
    assert accented.str.contains("[éëáíó]").any()
    keyed = _keyed(data, "store")
    shared = keyed[keyed["receipt_email"] == "receipts@harbourmarket.co.uk"]
    assert shared["person_id"].nunique() >= 20
    assert store["loyalty_card"].dropna().str.match(r"^\d{16}$").all()


def test_moved_people_show_old_and_new_addresses(data: SyntheticData) -> None:
    calls = _keyed(data, "call_centre").dropna(subset=["postcode"])
    postcodes = calls["postcode"].str.upper().str.replace(" ", "")
    per_person = calls.assign(pc=postcodes).groupby("person_id")["pc"].nunique()
    assert (per_person > 1).sum() >= 10


def test_customer_ref_is_the_crm_account_number(data: SyntheticData) -> None:
    crm = _keyed(data, "crm").dropna(subset=["account_number"])
    account_owner = crm.drop_duplicates("account_number").set_index("account_number")
    calls = _keyed(data, "call_centre").dropna(subset=["customer_ref"])
    owner = calls["customer_ref"].map(account_owner["person_id"])
    matched = owner.notna()
    assert matched.mean() > 0.9  # the rest: the contact's own CRM row lost its number
    assert (owner[matched] == calls.loc[matched, "person_id"]).all()


# -- adapters, demo files, speed -------------------------------------------------------------


def test_sources_wraps_the_frames_in_the_builtin_adapters() -> None:
    sources_module = pytest.importorskip("singleview.sources")
    small = generate(400, random_state=3)
    sources = small.sources(priority=1)
    assert [s.name for s in sources] == ["crm", "web", "call_centre", "store"]
    for source in sources:
        result = sources_module.load(source)
        assert len(result.records) + len(result.quarantine) == len(small.frames[source.name])


def test_bundled_demo_matches_the_generator() -> None:
    data = generate(2_000, random_state=7)
    for name, frame in [*data.frames.items(), ("truth", data.truth)]:
        saved = pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False,
                            na_values=[""])  # fmt: skip
        expected = frame.astype(object).where(frame.notna(), np.nan)
        pd.testing.assert_frame_equal(saved.astype(object), expected, check_dtype=False)


def test_email_local_parts_follow_names(data: SyntheticData) -> None:
    emails = data.frames["web"]["email"].dropna().str.lower()
    local = emails.str.split("@").str[0]
    assert local.str.match(r"^[a-z]+[._]?[a-z]*\d*$").mean() > 0.9
    domains = emails.str.split("@").str[1].value_counts(normalize=True)
    assert domains.index[0] == "gmail.com"
    assert re.fullmatch(r"[a-z.\-]+", domains.index[1])
