"""A seeded synthetic single-customer-view world: four UK sources and the ground truth.

:func:`generate` draws a population of UK people (see :mod:`singleview.datasets._people`
for households, twins and Jr/Sr pairs), decides which sources each person appears in, and
renders every appearance as a raw source row with that source's habits and errors.  The
same ``random_state`` always gives identical frames (on pandas 2.2 and 3.x alike).
``generate(1_000_000)`` takes about 20 s (18 s of CPU, one core, 1.4 GB peak memory) on the
project's 2-core CI machine with numpy 2.4 and pandas 3.1; ``generate(10_000)`` about 0.3 s.

Values are strings; a missing value is a null (``None``/``NaN`` as pandas infers: the
``str`` dtype on pandas 3, ``object`` on pandas 2), just as ``read_csv`` reads a blank.

**Coverage** (per person): CRM 72 % (4 % of those also keep one superseded older version
with the same ``contact_id``, and 4 % were entered twice: a duplicate contact with its own
``contact_id`` and account number), web 55 % (3 % of those hold a second, duplicate account under
another e-mail), call centre 35 % (geometric, 1.5 calls on average among callers), store 50 %
(geometric, 1.6 transactions on average among shoppers); nobody is in no source.  That is
about 2.7 rows per person, and about 23 % of people appear exactly once.  About 0.5 %
of rows are junk: half with no id (adapters quarantine them, so they have no truth row) and
half with nothing to match on (placeholders only), each junk row its own person ``J...``.

**Hard negatives** (share of people, before the sample is cut to size): 14 % share an address
(and, in 60 % of those households, a landline) with another customer of their household,
often the surname too (always for children, 75 % of the time for partners),
1.5 % are twins (same surname, dob and address), 1.5 % are in a Jr/Sr pair (same first and
last name and address, dob 20-40 years apart, "Jr"/"Sr" written after the surname in 40 % of
CRM, 30 % of web rows), and names follow real UK frequencies (Smith about 1.6 %).

**Change over time**: 12 % of households moved (rows older than the move show the old
address, postcode and landline), 12 % of people changed personal e-mail, 6 % changed mobile;
22 % have a work e-mail, used in CRM ``email_2`` and for 15 % of web accounts.

**Noise** (share of non-missing values, by source):

===============  ========================================================================
source           noise
===============  ========================================================================
crm              names: typo 2 %, nickname 4 %, initial only 2 %, first/last swapped 1.5 %,
                 upper 5 %, lower 3 %, accents dropped 25 %, placeholder 0.3 %; dob: missing
                 15 %, dd/mm/yyyy 12 %, day/month swapped 1.5 %, "1900-01-01" 1 %; email:
                 missing 10 %, typo 1.5 %, placeholder ("test@test.com"...) 1 %; phones in 8
                 formats, placeholder 0.5 %; street abbreviated 20 %, typo 2 %; postcode
                 format 8 %, typo 0.5 %, missing 2 %; city typo 1 %, missing 5 %
web              full name: nickname 15 %, initial 6 %, "Last, First"/"Last First" 5 %,
                 with middle name 10 %, with title 3 %, lower case 20 %, accents dropped
                 50 %, typo 3 %, missing 3 %; email typo 1 %, "John.Smith@Gmail.Com" 4 %;
                 phone given 50 %
call_centre      number withheld ("withheld", "anonymous"...) 10 %, missing 2 %; customer_ref
                 (CRM account number) on 45 % of calls of CRM customers; caller name typed
                 by agents: typo 5 %, nickname 15 %, initial 10 %, "Mr Smith" 5 %, first
                 name only 2 %, lower case 30 %, missing 4 %; postcode given 55 %, typo 2 %
store            loyalty card held by 65 % of shoppers, used on 90 % of their visits; staff
                 card on 0.3 % of transactions; name from the card registration (upper case
                 40 %, nickname 20 %, typo 3 %); receipt e-mail: personal 30 %, the shared
                 "receipts@harbourmarket.co.uk" 4 %, a store staff address 2 %, typo 2 %;
                 postcode given 40 %; a transaction without a card always carries a typed
                 name or the customer's own e-mail (anonymous cash sales are not exported)
===============  ========================================================================

Timestamps: crm ``last_modified`` "2023-04-05 13:22:10", web "2023-04-05T13:22:10Z",
call centre "2023-04-05 13:22", store "2023-04-05T13:22:10+00:00"; all in 2016-2024.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from singleview.datasets import _contacts, _places
from singleview.datasets._junk import junk_part
from singleview.datasets._people import KIND_NAMES, Population, build_population
from singleview.datasets._render import Part, render_crm, render_web
from singleview.datasets._render_events import render_calls, render_store
from singleview.errors import ConfigError

if TYPE_CHECKING:
    from singleview.sources import Source

__all__ = ["COLUMNS", "SOURCES", "SyntheticData", "generate"]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

#: The four sources, in the order of :attr:`SyntheticData.frames` and ``sources()``.
SOURCES: tuple[str, ...] = ("crm", "web", "call_centre", "store")
#: The raw columns of each source, id column first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "crm": ("contact_id", "account_number", "title", "first_name", "middle_name",
            "last_name", "birthdate", "gender", "email", "email_2", "phone", "mobile",
            "address_line1", "address_line2", "city", "postcode", "country", "last_modified"),
    "web": ("account_id", "email", "full_name", "phone", "created_at", "last_login"),
    "call_centre": ("call_id", "caller_number", "customer_ref", "caller_name", "postcode",
                    "call_time"),
    "store": ("transaction_id", "loyalty_card", "first_name", "last_name", "receipt_email",
              "postcode", "transaction_time", "store_id"),
}  # fmt: skip
_ID_PREFIX = {"crm": "C", "web": "W", "call_centre": "K", "store": "T"}

P_CRM, P_SUPERSEDED, P_CRM_DUPLICATE = 0.72, 0.04, 0.04
P_WEB, P_WEB_DUPLICATE = 0.55, 0.03
P_CALLER, MEAN_CALLS = 0.35, 1.5
P_SHOPPER, MEAN_TRANSACTIONS = 0.5, 1.6
JUNK_RATE = 0.005
_ROWS_PER_PERSON = 2.68  # expected rows per person under the rates above (measured)


@dataclass(frozen=True)
class SyntheticData:
    """Raw source frames with their ground truth.

    ``frames``: the raw frames keyed ``"crm"``, ``"web"``, ``"call_centre"``, ``"store"``.
    ``truth``: ``source``, ``source_id``, ``person_id`` (str), one row per source record:
    every raw row with an id maps to exactly one truth row (a CRM contact's superseded
    versions share its row); id-less junk rows have none.
    ``people``: one row per person in the truth: ``person_id``, ``household_id`` and
    ``relation`` (``"single"``, ``"household"``, ``"twin"``, ``"senior"``, ``"junior"``, or
    ``"junk"`` for the person behind a junk row), to study hard negatives.

    >>> data = generate(500, random_state=1)
    >>> sorted(data.frames)
    ['call_centre', 'crm', 'store', 'web']
    >>> list(data.truth.columns)
    ['source', 'source_id', 'person_id']
    """

    frames: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    people: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["person_id", "household_id", "relation"])
    )

    def sources(self, **options: Any) -> list[Source]:
        """The built-in adapters over the frames (UK phones; ``options`` go to each adapter).

        ``options`` are keyword options of the adapters (``dayfirst``, ``priority``...);
        ``region`` defaults to ``"GB"``.
        """
        from singleview.sources import CallCentreSource, CrmSource, StoreSource, WebSource

        opts: dict[str, Any] = {"region": "GB", **options}
        return [
            CrmSource(self.frames["crm"], **opts),
            WebSource(self.frames["web"], **opts),
            CallCentreSource(self.frames["call_centre"], **opts),
            StoreSource(self.frames["store"], **opts),
        ]


def _rows(counts: dict[str, IntArray]) -> IntArray:
    """Rows per person over all sources."""
    return np.asarray(np.stack(list(counts.values())).sum(axis=0), dtype=np.int64)


def _coverage(rng: np.random.Generator, n: int) -> dict[str, IntArray]:
    """Rows per person and source: CRM versions, web accounts, calls, transactions."""
    crm = (rng.random(n) < P_CRM) * (1 + (rng.random(n) < P_SUPERSEDED + P_CRM_DUPLICATE))
    web = (rng.random(n) < P_WEB) * (1 + (rng.random(n) < P_WEB_DUPLICATE))
    calls = np.where(rng.random(n) < P_CALLER, rng.geometric(1 / MEAN_CALLS, n), 0)
    store = np.where(rng.random(n) < P_SHOPPER, rng.geometric(1 / MEAN_TRANSACTIONS, n), 0)
    counts = {
        "crm": crm.astype(np.int64),
        "web": web.astype(np.int64),
        "call_centre": np.minimum(calls, 30).astype(np.int64),
        "store": np.minimum(store, 40).astype(np.int64),
    }
    nowhere = _rows(counts) == 0
    pick = rng.choice(4, n, p=[0.45, 0.25, 0.1, 0.2])
    for k, name in enumerate(SOURCES):
        counts[name][nowhere & (pick == k)] = 1
    return counts


def _fit_to_size(counts: dict[str, IntArray], target: int) -> int:
    """Keep the fewest first people whose rows reach ``target``; trim the last one's rows
    so the total is exact.  Returns how many people are kept (counts are edited in place)."""
    rows = _rows(counts)
    total = np.cumsum(rows)
    keep = int(np.searchsorted(total, target)) + 1
    over = int(total[keep - 1]) - target
    last = keep - 1
    # over < rows[last] (the previous people fall short), so the last person keeps a row
    for name in ("store", "call_centre", "web", "crm"):
        cut = min(over, int(counts[name][last]))
        counts[name][last] -= cut
        over -= cut
    return keep


def generate(n_records: int = 10_000, *, random_state: int = 0) -> SyntheticData:
    """Generate about ``n_records`` raw rows over the four sources, with their truth.

    Parameters
    ----------
    n_records:
        Total raw rows over the four sources (the result is within 2 % of it; exact for
        all but tiny sizes).
    random_state:
        Seed of the numpy ``Generator``; the same seed gives identical output.

    >>> data = generate(1_000, random_state=7)
    >>> sum(len(f) for f in data.frames.values())
    1000
    """
    if isinstance(n_records, bool) or not isinstance(n_records, int | np.integer):
        raise ConfigError("n_records must be an integer number of rows, such as 10_000")
    if n_records < 1:
        raise ConfigError(f"n_records must be at least 1, got {int(n_records)}")
    started = time.perf_counter()
    rng = np.random.default_rng(random_state)
    n_junk = round(JUNK_RATE * n_records)
    target = int(n_records) - n_junk
    n_people = int(np.ceil(target / _ROWS_PER_PERSON * 1.1)) + 20
    while True:
        pop = build_population(n_people, rng)
        counts = _coverage(rng, len(pop))
        if int(_rows(counts).sum()) >= target:
            break
        n_people *= 2
    keep = _fit_to_size(counts, target)
    pop = pop.head(keep)
    counts = {name: c[:keep] for name, c in counts.items()}
    logger.info("drew %d people in %.1fs", keep, time.perf_counter() - started)

    in_crm = counts["crm"] > 0
    account = np.full(keep, None, dtype=object)
    number = _contacts.unique_ints(rng, 10**8, int(in_crm.sum()))
    account[in_crm] = "AC" + _places.padded(number, 8)
    parts = {
        "crm": render_crm(
            pop, rng, counts["crm"], P_CRM_DUPLICATE / (P_SUPERSEDED + P_CRM_DUPLICATE)
        ),
        "web": render_web(pop, rng, counts["web"]),
        "call_centre": render_calls(pop, rng, counts["call_centre"], account),
        "store": render_store(pop, rng, counts["store"]),
    }
    account_col = account[parts["crm"].person]
    # A duplicate contact was opened as a new account.
    again = parts["crm"].contact >= keep
    fresh = _contacts.unique_ints(rng, 10**8, int(in_crm.sum() + again.sum()))
    taken = set(number.tolist())
    fresh = np.asarray(
        [f for f in fresh.tolist() if f not in taken][: int(again.sum())], dtype=np.int64
    )
    account_col[again] = "AC" + _places.padded(fresh, 8)
    account_col[rng.random(len(account_col)) < 0.02] = None
    parts["crm"].columns["account_number"] = account_col
    junk = rng.multinomial(n_junk, [0.3, 0.25, 0.2, 0.25]) if n_junk else np.zeros(4, int)
    data = _assemble(pop, parts, {s: int(k) for s, k in zip(SOURCES, junk, strict=True)}, rng)
    logger.info(
        "generated %d rows (%s) for %d people in %.1fs",
        sum(len(f) for f in data.frames.values()),
        ", ".join(f"{s}={len(data.frames[s])}" for s in SOURCES),
        keep,
        time.perf_counter() - started,
    )
    return data


def _width(n: int) -> int:
    return max(7, len(str(n)))


def _text(values: npt.NDArray[np.object_]) -> Any:
    """A text column as pandas would read it: the default string dtype where that is
    pyarrow-backed (pandas 3; built directly, 3x faster than inference), else object."""
    dtype: Any = pd.Series(["a"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype=dtype)
    return pd.array(values, dtype=dtype)


def _frame(columns: dict[str, npt.NDArray[np.object_]]) -> pd.DataFrame:
    return pd.DataFrame({name: _text(values) for name, values in columns.items()})


def _assemble(
    pop: Population, parts: dict[str, Part], junk: dict[str, int], rng: np.random.Generator
) -> SyntheticData:
    """Add junk rows, order rows, assign ids, and build frames, truth and people."""
    n_people = len(pop)
    person_number = rng.permutation(n_people)
    width = _width(n_people + sum(junk.values()))
    person_ids = np.asarray("P" + _places.padded(person_number + 1, width), dtype=object)
    frames: dict[str, pd.DataFrame] = {}
    truth: dict[str, list[npt.NDArray[np.object_]]] = {"source": [], "source_id": [],
                                                        "person_id": []}  # fmt: skip
    junk_seen = 0
    for source in SOURCES:
        part = parts[source]
        bad = junk_part(source, junk[source], rng)
        n_real, n_bad = len(part.person), len(bad.person)
        columns = {
            c: np.concatenate([part.columns.get(c, np.full(n_real, None, dtype=object)),
                               bad.columns.get(c, np.full(n_bad, None, dtype=object))])
            for c in COLUMNS[source][1:]
        }  # fmt: skip
        has_id = np.concatenate([np.ones(n_real, dtype=bool), bad.person >= 0])
        junk_owner = np.full(n_bad, None, dtype=object)
        keyed_junk = bad.person >= 0
        n_keyed = int(keyed_junk.sum())
        junk_owner[keyed_junk] = "J" + _places.padded(np.arange(n_keyed) + junk_seen + 1, width)
        junk_seen += n_keyed
        owner = np.concatenate([person_ids[part.person], junk_owner])
        when = np.concatenate([part.time, bad.time])
        if source == "crm":
            # a contact (and its superseded versions) gets one id; rows sorted by id, time
            contact = np.concatenate([part.contact, 2 * n_people + np.arange(n_bad)])
            uniq, inverse = np.unique(contact, return_inverse=True)
            number = rng.permutation(len(uniq))[inverse]
            order = np.lexsort((when, number))
        else:
            order = np.argsort(when, kind="stable")
            number = np.empty(len(order), dtype=np.int64)
            number[order] = np.arange(len(order))
        ids = np.asarray(_ID_PREFIX[source] + _places.padded(number + 1, width), dtype=object)
        ids[~has_id] = None
        frame = {COLUMNS[source][0]: ids[order]}
        frame.update({c: columns[c][order] for c in COLUMNS[source][1:]})
        frames[source] = _frame(frame)
        # one truth row per id: the first row of each contact (versions share the id)
        _, first = np.unique(number[order], return_index=True)
        first = first[has_id[order][first]]
        truth["source"].append(np.full(len(first), source, dtype=object))
        truth["source_id"].append(ids[order][first])
        truth["person_id"].append(owner[order][first])
    by_number = np.argsort(person_number)
    people = {
        "person_id": np.concatenate(
            [person_ids[by_number], "J" + _places.padded(np.arange(junk_seen) + 1, width)]
        ),
        "household_id": np.concatenate(
            [np.asarray("H" + _places.padded(pop.household[by_number] + 1, width), dtype=object),
             np.full(junk_seen, None, dtype=object)]
        ),
        "relation": np.concatenate(
            [np.asarray(KIND_NAMES, dtype=object)[pop.kind[by_number]],
             np.full(junk_seen, "junk", dtype=object)]
        ),
    }  # fmt: skip
    return SyntheticData(
        frames=frames,
        truth=_frame({name: np.concatenate(values) for name, values in truth.items()}),
        people=_frame(people),
    )
