"""Rendering people as event rows: call-centre calls and store transactions.

Both sources hold one row per event, so a person appears 0..n times, each time written
afresh (by an agent, or by a till) with that source's noise.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from singleview.datasets import _contacts, _noise, _places
from singleview.datasets._people import Population
from singleview.datasets._render import (
    NAME_PLACEHOLDERS,
    Part,
    full_names,
    given_names,
    phone_at,
    state,
    times,
)

__all__ = ["RECEIPTS_EMAIL", "STAFF_CARD", "WITHHELD", "render_calls", "render_store"]

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]

#: What a call-centre system shows when the caller hides their number.
WITHHELD = ("withheld", "anonymous", "Withheld", "Private number", "unknown")
#: The store chain's default e-receipt address, typed at the till for customers without one.
RECEIPTS_EMAIL = "receipts@harbourmarket.co.uk"
#: The staff loyalty card swiped for customers who forgot theirs.
STAFF_CARD = "6337000000000000"
_STORES_PER_CITY = 5


def render_calls(
    pop: Population, rng: np.random.Generator, calls: IntArray, account: ObjArray
) -> Part:
    """Call logs: ``calls[i]`` calls by person ``i``; ``account`` is their CRM account number
    (None when not in the CRM), which the agent takes on some calls."""
    who = np.repeat(np.arange(len(pop)), calls)
    n = len(who)
    when = times(rng, n)
    number = phone_at(pop, who, when, rng, landline_share=0.25,
                      style_weights=(0.05, 0.45, 0.02, 0.3, 0.0, 0.03, 0.15, 0.0))  # fmt: skip
    hidden = rng.random(n) < 0.1
    number[hidden] = np.asarray(WITHHELD, dtype=object)[rng.integers(0, 5, int(hidden.sum()))]
    number = _noise.placeholder(_noise.blank(number, rng, 0.02), rng, 0.005, ("0000000000",))
    ref = _noise.keep(account[who], rng.random(n) < 0.45)

    first = given_names(pop, who, rng, nickname=0.15, initial=0.1, accents=0.7)
    last = _noise.strip_accents(pop.last[who], rng, 0.7)
    name = full_names(first, last, rng, reversed_rate=0.02, comma_rate=0.0)
    form = rng.random(n)
    m = form < 0.05  # "Mr Smith"
    name[m] = pop.title[who][m] + " " + last[m]
    m = (form >= 0.05) & (form < 0.07)  # first name only
    name[m] = first[m]
    name = _noise.typo(name, rng, 0.05)
    name = _noise.change_case(name, rng, upper=0.1, lower=0.3)
    name = _noise.placeholder(_noise.blank(name, rng, 0.04), rng, 0.01, NAME_PLACEHOLDERS)

    postcode = _noise.keep(state(pop, "postcode", who, when), rng.random(n) < 0.55)
    postcode = _noise.postcode_variants(np.asarray(postcode, dtype=object), rng, 0.25)
    columns = {
        "caller_number": number,
        "customer_ref": np.asarray(ref, dtype=object),
        "caller_name": name,
        "postcode": _noise.typo(postcode, rng, 0.02),
        "call_time": _noise.format_times(when, "minutes"),
    }
    return Part(columns, who, when)


def render_store(pop: Population, rng: np.random.Generator, transactions: IntArray) -> Part:
    """Till transactions: ``transactions[i]`` by person ``i``, with their loyalty card (if
    they have one and used it), its registered name, an e-receipt address and a postcode."""
    n_people = len(pop)
    who = np.repeat(np.arange(n_people), transactions)
    n = len(who)
    when = times(rng, n)

    # per person: loyalty card and the name it was registered under (fixed across visits)
    has_card = rng.random(n_people) < 0.65
    numbers = _contacts.unique_ints(rng, 10**12 - 1, n_people) + 1
    card = _noise.keep("6337" + _places.padded(numbers, 12), has_card)
    everyone = np.arange(n_people)
    reg_first = given_names(pop, everyone, rng, nickname=0.2, initial=0.05, accents=0.7)
    reg_last = _noise.strip_accents(pop.last, rng, 0.7)
    swap = rng.random(n_people) < 0.02
    reg_first[swap], reg_last[swap] = reg_last[swap], reg_first[swap]
    shout = rng.random(n_people) < 0.4  # tills that store names in capitals
    reg_first = _noise.change_case(reg_first, rng, lower=0.05)
    reg_first[shout] = pd.Series(reg_first[shout], dtype=object).str.upper().to_numpy(dtype=object)
    reg_last[shout] = pd.Series(reg_last[shout], dtype=object).str.upper().to_numpy(dtype=object)
    reg_first = _noise.typo(reg_first, rng, 0.03)
    reg_last = _noise.typo(reg_last, rng, 0.03)

    used = pd.notna(card[who]) & (rng.random(n) < 0.9)
    loyalty = _noise.keep(card[who], used)
    staff = rng.random(n) < 0.003
    loyalty[staff] = STAFF_CARD
    typed = ~used & (rng.random(n) < 0.15)  # a name typed at the till for an e-receipt

    city_index = {c.name: i for i, c in enumerate(_places.CITIES)}
    home_city = pd.Series(pop.city, dtype=object).map(city_index).to_numpy(dtype=np.int64)
    home = home_city * _STORES_PER_CITY + rng.integers(0, _STORES_PER_CITY, n_people)
    n_stores = len(_places.CITIES) * _STORES_PER_CITY
    store = np.where(rng.random(n) < 0.8, home[who], rng.integers(0, n_stores, n))
    store_id = np.asarray("S" + _places.padded(store + 1, 3), dtype=object)

    receipt = _noise.keep(state(pop, "email", who, when), rng.random(n) < 0.3)
    draw = rng.random(n)
    receipt[draw < 0.04] = RECEIPTS_EMAIL
    staff_mail = (draw >= 0.04) & (draw < 0.06)
    receipt[staff_mail] = (
        "store" + _places.padded(store[staff_mail] + 1, 3) + "@harbourmarket.co.uk"
    )
    # an exported transaction names its customer somehow (card, name or own e-mail): anonymous
    # cash sales are not in a customer feed, so give those the e-receipt name or address
    named = (used & ~staff) | typed
    anonymous = ~named & (pd.isna(receipt) | (draw < 0.06))
    by_mail = anonymous & (rng.random(n) < 0.5) & pd.notna(pop.email[who])
    receipt[by_mail] = state(pop, "email", who[by_mail], when[by_mail])
    named |= anonymous & ~by_mail
    first = _noise.keep(reg_first[who], named)
    last = _noise.keep(reg_last[who], named)
    receipt = _noise.typo(np.asarray(receipt, dtype=object), rng, 0.02, before="@")

    postcode = _noise.keep(state(pop, "postcode", who, when), rng.random(n) < 0.4)
    postcode = _noise.postcode_variants(np.asarray(postcode, dtype=object), rng, 0.3)
    columns = {
        "loyalty_card": np.asarray(loyalty, dtype=object),
        "first_name": np.asarray(first, dtype=object),
        "last_name": np.asarray(last, dtype=object),
        "receipt_email": receipt,
        "postcode": postcode,
        "transaction_time": _noise.format_times(when, "offset"),
        "store_id": store_id,
    }
    return Part(columns, who, when)
