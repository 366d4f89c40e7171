"""Rendering people as source rows: shared helpers and the CRM and web sources.

A row shows a person *as of* its time: the address, landline, mobile and e-mail valid then
(so older rows carry the old address), written the way that source writes things, with that
source's noise.  Rates are listed in :mod:`singleview.datasets.synthetic`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from singleview.datasets import _names, _noise, _places
from singleview.datasets._people import END, FIRST_NAMES, START, Population

__all__ = ["Part", "full_names", "given_names", "phone_at", "render_crm", "render_web", "state"]

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Names people type into a name field when they do not want to give one.
NAME_PLACEHOLDERS = ("Unknown", "Test", "N/A", "xxx", "Customer")
EMAIL_PLACEHOLDERS = ("test@test.com", "noemail@noemail.com", "n/a", "none@none.com")
PHONE_PLACEHOLDERS = ("0000000000", "n/a", "unknown", "00000 000000")


@dataclass
class Part:
    """Rendered rows of one source: raw columns, the person and time behind each row."""

    columns: dict[str, ObjArray]
    person: IntArray
    time: npt.NDArray[np.datetime64]
    contact: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


_CHANGE = {"address": "move_change", "flat": "move_change", "city": "move_change",
           "postcode": "move_change", "landline": "move_change",
           "landline_area": "move_change", "mobile": "mobile_change",
           "email": "email_change"}  # fmt: skip


def state(pop: Population, name: str, who: IntArray, when: Any) -> Any:
    """The value of ``name`` each person ``who`` had at time ``when`` (old before a change)."""
    current = getattr(pop, name)[who]
    old = getattr(pop, "old_" + name)[who]
    changed = getattr(pop, _CHANGE[name])[who]
    use_old = ~np.isnat(changed) & (changed > when)
    if name != "landline_area":
        use_old &= pd.notna(old)
    return np.where(use_old, old, current)


def times(rng: np.random.Generator, n: int, *, lo: Any = START, hi: Any = END) -> Any:
    """``n`` uniform times (datetime64[s]) between ``lo`` and ``hi`` (arrays allowed)."""
    lo_s = np.asarray(lo, dtype="datetime64[s]")
    span = (np.asarray(hi, dtype="datetime64[s]") - lo_s).astype(np.int64)
    return lo_s + (rng.random(n) * np.maximum(span, 1)).astype(np.int64).astype("m8[s]")


def given_names(
    pop: Population,
    who: IntArray,
    rng: np.random.Generator,
    *,
    nickname: float,
    initial: float,
    accents: float,
) -> ObjArray:
    """First names as given to a source: sometimes a nickname, an initial, accents dropped."""
    first = pop.first[who]
    nick = rng.random(len(who)) < nickname
    if nick.any():
        table = _names.nickname_table(FIRST_NAMES)
        drawn = table.draw(pop.first_idx[who[nick]], rng)
        first[nick] = np.where(pd.notna(drawn), drawn, first[nick])
    first = _noise.strip_accents(first, rng, accents)
    init = rng.random(len(who)) < initial
    first[init] = pd.Series(first[init], dtype=object).str[0].to_numpy(dtype=object)
    return first


def full_names(
    first: ObjArray,
    last: ObjArray,
    rng: np.random.Generator,
    *,
    reversed_rate: float,
    comma_rate: float,
) -> ObjArray:
    """``"First Last"``; sometimes ``"Last First"`` or ``"LAST, First"`` (swapped order)."""
    draw = rng.random(len(first))
    out = np.asarray(first + " " + last, dtype=object)
    m = draw < reversed_rate
    out[m] = last[m] + " " + first[m]
    m = (draw >= reversed_rate) & (draw < reversed_rate + comma_rate)
    out[m] = last[m] + ", " + first[m]
    return out


def phone_at(
    pop: Population,
    who: IntArray,
    when: Any,
    rng: np.random.Generator,
    *,
    landline_share: float,
    style_weights: tuple[float, ...],
) -> ObjArray:
    """One phone per row (mobile, or the landline for ``landline_share``), formatted."""
    mobile = state(pop, "mobile", who, when)
    line = state(pop, "landline", who, when)
    use_line = pd.notna(line) & ((rng.random(len(who)) < landline_share) | pd.isna(mobile))
    number = np.where(use_line, line, mobile)
    area = np.where(use_line, state(pop, "landline_area", who, when), 5).astype(np.int64)
    w = np.asarray(style_weights)
    style = rng.choice(len(w), len(who), p=w / w.sum())
    return _noise.format_phones(np.asarray(number, dtype=object), area, style)


def _suffixed(pop: Population, who: IntArray, rng: np.random.Generator, rate: float) -> ObjArray:
    last = pop.last[who]
    suffix = pop.suffix[who]
    m = pd.notna(suffix) & (rng.random(len(who)) < rate)
    last[m] = last[m] + " " + suffix[m]
    return last


def _person_noise(values: ObjArray, rng: np.random.Generator, *, typo: float, upper: float,
                  lower: float, missing: float) -> ObjArray:  # fmt: skip
    values = _noise.typo(values, rng, typo)
    values = _noise.change_case(values, rng, upper=upper, lower=lower)
    return _noise.blank(values, rng, missing)


def render_crm(
    pop: Population, rng: np.random.Generator, versions: IntArray, duplicate_share: float = 0.0
) -> Part:
    """CRM contacts: ``versions[i]`` rows for person ``i``.  A person's second row is an older,
    superseded version of the same contact, or (``duplicate_share`` of them) a duplicate
    contact: the same person entered again under a new contact id."""
    who = np.repeat(np.arange(len(pop)), versions)
    n = len(who)
    order = np.arange(n) - np.repeat(np.cumsum(versions) - versions, versions)
    duplicate = (order > 0) & (rng.random(len(pop)) < duplicate_share)[who]
    latest = times(rng, len(pop), lo=START + np.timedelta64(400, "D"))[who]
    when = latest - (order * rng.uniform(30, 400, n) * 86_400).astype(np.int64).astype("m8[s]")
    first = given_names(pop, who, rng, nickname=0.04, initial=0.02, accents=0.25)
    last = _suffixed(pop, who, rng, 0.4)
    swap = rng.random(n) < 0.015
    first[swap], last[swap] = last[swap], first[swap]
    middle = _noise.keep(pop.middle[who], rng.random(n) < 0.7)
    short = pd.notna(middle) & (rng.random(n) < 0.3)
    middle[short] = pd.Series(middle[short], dtype=object).str[0].to_numpy(dtype=object)

    dob = _noise.swap_day_month(pop.dob[who], rng.random(n) < 0.015)
    birthdate = _noise.format_dates(dob, rng.random(n) < 0.12)
    birthdate = _noise.placeholder(_noise.blank(birthdate, rng, 0.15), rng, 0.01,
                                   ("1900-01-01", "01/01/1900"))  # fmt: skip
    gender_style = rng.choice(4, n, p=[0.6, 0.2, 0.05, 0.15])
    g = pop.gender[who]
    gender = _noise.keep(g, gender_style == 0)
    gender[gender_style == 1] = np.where(g == "M", "Male", "Female")[gender_style == 1]
    gender[gender_style == 2] = np.where(g == "M", "m", "f")[gender_style == 2]
    gender[rng.random(n) < 0.02] = "U"

    personal = state(pop, "email", who, when)
    work = pop.work_email[who]
    email = np.where(pd.notna(personal), personal, work)
    email = _noise.typo(np.asarray(email, dtype=object), rng, 0.015, before="@")
    email = _noise.change_case(email, rng, upper=0.02)
    email = _noise.placeholder(_noise.blank(email, rng, 0.1), rng, 0.01, EMAIL_PLACEHOLDERS)
    email_2 = _noise.keep(work, pd.notna(personal) & (rng.random(n) < 0.6))

    crm_styles = (0.45, 0.25, 0.1, 0.05, 0.05, 0.03, 0.02, 0.05)
    line = state(pop, "landline", who, when)
    phone = np.where(
        pd.notna(line) & (rng.random(n) < 0.8),
        _noise.format_phones(line, state(pop, "landline_area", who, when),
                             rng.choice(8, n, p=crm_styles)),
        _noise.keep(phone_at(pop, who, when, rng, landline_share=0.0, style_weights=crm_styles),
                    rng.random(n) < 0.3),
    )  # fmt: skip
    phone = _noise.placeholder(np.asarray(phone, dtype=object), rng, 0.005, PHONE_PLACEHOLDERS)
    mobile = phone_at(pop, who, when, rng, landline_share=0.0, style_weights=crm_styles)
    mobile = _noise.keep(mobile, pd.notna(state(pop, "mobile", who, when)))
    mobile = _noise.blank(np.asarray(mobile, dtype=object), rng, 0.15)

    street = _noise.abbreviate_street(state(pop, "address", who, when), rng, 0.2)
    street = _noise.typo(street, rng, 0.02)
    flat = state(pop, "flat", who, when)
    inline = pd.notna(flat) & (rng.random(n) < 0.5)
    line1 = street.copy()
    line1[inline] = flat[inline] + ", " + street[inline]
    line2 = _noise.keep(flat, ~inline)
    line1 = _noise.blank(_noise.change_case(line1, rng, upper=0.05), rng, 0.01)
    city = _person_noise(state(pop, "city", who, when), rng, typo=0.01, upper=0.05, lower=0.0,
                         missing=0.05)  # fmt: skip
    postcode = _noise.postcode_variants(state(pop, "postcode", who, when), rng, 0.08)
    postcode = _noise.blank(_noise.typo(postcode, rng, 0.005), rng, 0.02)
    country = np.asarray(("GB", "UK", "United Kingdom", "England", None), dtype=object)[
        rng.choice(5, n, p=[0.4, 0.25, 0.2, 0.05, 0.1])
    ]
    title = _noise.blank(pop.title[who], rng, 0.25)
    columns = {
        "title": title,
        "first_name": _noise.placeholder(
            _person_noise(first, rng, typo=0.02, upper=0.05, lower=0.03, missing=0.005),
            rng, 0.003, NAME_PLACEHOLDERS),
        "middle_name": middle,
        "last_name": _person_noise(last, rng, typo=0.02, upper=0.05, lower=0.03, missing=0.005),
        "birthdate": birthdate,
        "gender": gender,
        "email": email,
        "email_2": np.asarray(email_2, dtype=object),
        "phone": np.asarray(phone, dtype=object),
        "mobile": mobile,
        "address_line1": np.asarray(line1, dtype=object),
        "address_line2": np.asarray(line2, dtype=object),
        "city": city,
        "postcode": postcode,
        "country": country,
        "last_modified": _noise.format_times(when, "iso"),
    }  # fmt: skip
    return Part(columns, who, when, contact=who + duplicate * len(pop))


def render_web(pop: Population, rng: np.random.Generator, accounts: IntArray) -> Part:
    """Web accounts: ``accounts[i]`` accounts for person ``i`` (a second one is a duplicate
    registration under another e-mail)."""
    who = np.repeat(np.arange(len(pop)), accounts)
    n = len(who)
    second = (np.arange(n) - np.repeat(np.cumsum(accounts) - accounts, accounts)) > 0
    created = times(rng, n, hi=END - np.timedelta64(30, "D"))
    login = times(rng, n, lo=created)
    personal = state(pop, "email", who, created)
    work = pop.work_email[who]
    other = np.where(pd.notna(pop.old_email[who]), pop.old_email[who], work)
    use_work = pd.notna(work) & (rng.random(n) < 0.15)
    email = np.where(use_work | pd.isna(personal), work, personal)
    email = np.where(second & pd.notna(other), other, email)
    email = _noise.typo(np.asarray(email, dtype=object), rng, 0.01, before="@")
    email = _noise.change_case(email, rng, upper=0.02)
    cap = pd.notna(email) & (rng.random(n) < 0.04)  # "John.Smith@Gmail.com"
    email[cap] = pd.Series(email[cap], dtype=object).str.title().to_numpy(dtype=object)
    email = _noise.placeholder(email, rng, 0.003, EMAIL_PLACEHOLDERS)

    first = given_names(pop, who, rng, nickname=0.15, initial=0.06, accents=0.5)
    with_middle = pd.notna(pop.middle[who]) & (rng.random(n) < 0.1)
    first[with_middle] = first[with_middle] + " " + pop.middle[who][with_middle]
    last = _suffixed(pop, who, rng, 0.3)
    last = _noise.strip_accents(last, rng, 0.5)
    full = full_names(first, last, rng, reversed_rate=0.02, comma_rate=0.03)
    titled = rng.random(n) < 0.03
    full[titled] = pop.title[who][titled] + " " + full[titled]
    full = _person_noise(full, rng, typo=0.03, upper=0.05, lower=0.2, missing=0.03)
    phone = phone_at(pop, who, created, rng, landline_share=0.2,
                     style_weights=(0.2, 0.3, 0.2, 0.15, 0.02, 0.03, 0.05, 0.05))  # fmt: skip
    phone = _noise.placeholder(_noise.keep(phone, rng.random(n) < 0.5), rng, 0.003,
                               PHONE_PLACEHOLDERS)  # fmt: skip
    columns = {
        "email": email,
        "full_name": full,
        "phone": phone,
        "created_at": _noise.format_times(created, "isoz"),
        "last_login": _noise.blank(_noise.format_times(login, "isoz"), rng, 0.1),
    }
    return Part(columns, who, created)


def digits_id(prefix: str, number: IntArray, width: int) -> ObjArray:
    """Ids like ``"C0000123"``: ``prefix`` and ``number`` zero-padded to ``width``."""
    return np.asarray(prefix + _places.padded(number, width), dtype=object)
