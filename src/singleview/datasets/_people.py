"""The synthetic population: people in households, with twins and Jr/Sr pairs.

People are built household by household, all in numpy arrays.  Household kinds and their
share of *people* (before the sample is cut to size):

===========  =======  ===================================================================
kind         people   members
===========  =======  ===================================================================
single       86 %     one person
couple        7 %     two adults, ages within a few years, same surname 75 % of the time
family3       2.5 %   two parents and an adult child (parent 20-38 years older)
family4       1.5 %   two parents and two adult children (different first names and dobs)
twins        2.25 %   a parent and adult twins: same surname, dob and address
jr/sr        1.75 %   father and son with the same first and last name (dob 20-40 years
                      apart), alone (1 %) or with the father's partner (0.75 %)
===========  =======  ===================================================================

(shares of a 101 % total, normalised).  So about 14 % of people share their address (and,
in 60 % of those households, a landline) with another customer, 1.5 % are twins and 1.5 %
belong to a Jr/Sr pair.  Members of a household are different persons.
About 12 % of households moved house during the observation window (2016-2024): older
records show the old address and landline; 12 % of people changed personal e-mail and 6 %
changed mobile in the same way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from singleview.datasets import _contacts, _names, _noise

__all__ = ["END", "KIND_NAMES", "START", "Population", "build_population"]

ObjArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]

#: The observation window: every event and record time lies in it; ages are taken at END.
START = np.datetime64("2016-01-01T00:00:00", "s")
END = np.datetime64("2024-12-31T23:59:59", "s")
_DAY = np.int64(86_400)

# kind codes per person
SINGLE, SHARED, TWIN, SENIOR, JUNIOR = 0, 1, 2, 3, 4
KIND_NAMES = ("single", "household", "twin", "senior", "junior")

# household types: (people share, members); per-role specs are filled in _members
_HH_TYPES = ("single", "couple", "family3", "family4", "twins", "jrsr", "jrsr3")
_HH_SHARE = np.array([86.0, 7.0, 2.5, 1.5, 2.25, 1.0, 0.75])
_HH_SIZE = np.array([1, 2, 3, 4, 3, 2, 3])

FIRST_NAMES: tuple[str, ...] = _names.MALE_NAMES + _names.FEMALE_NAMES
LAST_NAMES: tuple[str, ...] = _names.SURNAMES + tuple(
    stem + ending for stem in _names.SURNAME_STEMS for ending in _names.SURNAME_ENDINGS
)
_TAIL_SHARE = 0.3  # share of people with a surname from the long tail


@dataclass
class Population:
    """One row per person; each field is an array of the same length.

    Strings are object arrays with None for "has none".  ``old_*`` fields hold the value
    before ``*_change`` (a time; NaT when it never changed).
    """

    household: IntArray
    kind: npt.NDArray[np.int8]
    gender: ObjArray
    first_idx: IntArray
    last_idx: IntArray
    middle: ObjArray
    title: ObjArray
    suffix: ObjArray
    dob: npt.NDArray[np.datetime64]
    address: ObjArray
    flat: ObjArray
    city: ObjArray
    postcode: ObjArray
    landline: ObjArray
    landline_area: IntArray
    old_address: ObjArray
    old_flat: ObjArray
    old_city: ObjArray
    old_postcode: ObjArray
    old_landline: ObjArray
    old_landline_area: IntArray
    move_change: npt.NDArray[np.datetime64]
    mobile: ObjArray
    old_mobile: ObjArray
    mobile_change: npt.NDArray[np.datetime64]
    email: ObjArray
    old_email: ObjArray
    email_change: npt.NDArray[np.datetime64]
    work_email: ObjArray

    def __len__(self) -> int:
        return len(self.household)

    @property
    def first(self) -> ObjArray:
        """First names as written by the person."""
        return np.asarray(FIRST_NAMES, dtype=object)[self.first_idx]

    @property
    def last(self) -> ObjArray:
        """Last names as written by the person."""
        return np.asarray(LAST_NAMES, dtype=object)[self.last_idx]

    def head(self, n: int) -> Population:
        """The first ``n`` people (households stay contiguous, so at most one is cut)."""
        fields: dict[str, Any] = {
            f.name: getattr(self, f.name)[:n] for f in dataclasses.fields(self)
        }
        return Population(**fields)


def _pick(values: tuple[str, ...], index: IntArray) -> ObjArray:
    return np.asarray(values, dtype=object)[index]


def _ages_days(rng: np.random.Generator, years: npt.NDArray[np.float64]) -> IntArray:
    return (years * 365.25 + rng.uniform(0, 365, len(years))).astype(np.int64)


def _draw_first(rng: np.random.Generator, gender: ObjArray) -> IntArray:
    n_male = len(_names.MALE_NAMES)
    male = rng.choice(n_male, len(gender), p=_names.zipf_weights(n_male, offset=8.0))
    n_fem = len(_names.FEMALE_NAMES)
    female = n_male + rng.choice(n_fem, len(gender), p=_names.zipf_weights(n_fem, offset=8.0))
    return np.where(gender == "M", male, female)


def _draw_last(rng: np.random.Generator, n: int) -> IntArray:
    n_common = len(_names.SURNAMES)
    common = rng.choice(n_common, n, p=_names.zipf_weights(n_common, offset=10.0))
    tail = rng.integers(n_common, len(LAST_NAMES), n)
    return np.where(rng.random(n) < _TAIL_SHARE, tail, common)


def _members(rng: np.random.Generator, n_people: int) -> dict[str, Any]:
    """Household structure: per person its household, role, kind, sex and age in years."""
    p = _HH_SHARE / _HH_SIZE
    n_households = int(np.ceil(n_people / (_HH_SHARE.sum() / p.sum()))) + 4
    hh_type = rng.choice(len(_HH_TYPES), n_households, p=p / p.sum())
    size = _HH_SIZE[hh_type]
    household = np.repeat(np.arange(n_households), size)[:n_people]
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    role = np.arange(len(household)) - starts[household]
    t = hh_type[household]
    n = len(household)

    kind = np.where(size[household] > 1, SHARED, SINGLE).astype(np.int8)
    kind[(t == 4) & (role >= 1)] = TWIN
    kind[((t == 5) | (t == 6)) & (role == 0)] = SENIOR
    kind[((t == 5) & (role == 1)) | ((t == 6) & (role == 2))] = JUNIOR

    # ages (years): a base age per household, then offsets by role
    young = 18 + 27 * rng.random(n_households)  # eldest child / twins / junior
    gap = 20 + 18 * rng.random(n_households)  # parent minus eldest child
    adult = 18 + 72 * rng.beta(1.6, 2.2, n_households)
    jr_sr_gap = 20 + 20 * rng.random(n_households)
    parent = np.where(hh_type >= 5, young + jr_sr_gap, young + gap)
    base = np.where((hh_type <= 1), adult, parent)[household]
    age = base.copy()
    partner = ((t == 1) | (t == 2) | (t == 3) | (t == 6)) & (role == 1)
    age[partner] = np.maximum(18, base[partner] + rng.normal(0, 3.5, int(partner.sum())))
    child = (((t == 2) | (t == 3)) & (role == 2)) | (kind == TWIN) | (kind == JUNIOR)
    age[child] = young[household[child]]
    second = (t == 3) & (role == 3)
    age[second] = np.maximum(18, young[household[second]] - rng.uniform(1, 8, int(second.sum())))

    gender = np.where(rng.random(n) < 0.5, "M", "F").astype(object)
    same_sex = rng.random(n) < 0.08
    head_gender = gender[starts[household]]
    opposite = np.where(head_gender == "M", "F", "M")
    gender[partner] = np.where(same_sex, head_gender, opposite)[partner]
    gender[(kind == SENIOR) | (kind == JUNIOR)] = "M"
    return {
        "household": household,
        "role": role,
        "hh_type": t,
        "kind": kind,
        "age": age,
        "gender": gender,
        "n_households": n_households,
        "partner": partner,
    }


def _times(rng: np.random.Generator, n: int, *, lo_days: int = 0, hi_days: int = 0) -> Any:
    """``n`` uniform times in [START + lo_days, END - hi_days] (datetime64[s])."""
    span = int((END - START) / np.timedelta64(1, "s")) - (lo_days + hi_days) * int(_DAY)
    return START + np.timedelta64(lo_days, "D") + rng.integers(0, span, n).astype("m8[s]")


def _change_times(rng: np.random.Generator, changed: npt.NDArray[np.bool_]) -> Any:
    out = np.full(len(changed), np.datetime64("NaT"), dtype="datetime64[s]")
    out[changed] = _times(rng, int(changed.sum()), lo_days=365, hi_days=180)
    return out


def build_population(n_people: int, rng: np.random.Generator) -> Population:
    """Draw ``n_people`` people (whole households; see the module docstring for the mix)."""
    m = _members(rng, n_people)
    household, kind, gender, role = m["household"], m["kind"], m["gender"], m["role"]
    n, n_hh = len(household), m["n_households"]
    head = np.searchsorted(household, household)  # index of each person's household head

    dob = np.datetime64("2024-12-31", "D") - _ages_days(rng, m["age"]).astype("m8[D]")
    second_twin = np.flatnonzero((kind == TWIN) & (role == 2))
    dob[second_twin] = dob[second_twin - 1]

    junior = kind == JUNIOR
    first_idx = _draw_first(rng, gender)
    first_idx[junior] = first_idx[head[junior]]
    for _ in range(50):  # different first names inside a household, except Jr/Sr
        dup = pd.DataFrame({"h": household, "f": first_idx}).duplicated().to_numpy() & ~junior
        if not dup.any():
            break
        first_idx[dup] = _draw_first(rng, gender[dup])
    middle_idx = _draw_first(rng, gender)
    has_middle = (rng.random(n) < 0.4) & (middle_idx != first_idx)
    middle = _noise.keep(np.asarray(FIRST_NAMES, dtype=object)[middle_idx], has_middle)

    last_idx = _draw_last(rng, n_hh)[household]
    own_name = m["partner"] & (rng.random(n) < 0.25)
    last_idx[own_name] = _draw_last(rng, int(own_name.sum()))

    female_title = _pick(("Mrs", "Ms", "Miss", "Dr"), rng.choice(4, n, p=[0.45, 0.28, 0.23, 0.04]))
    male_title = np.where(rng.random(n) < 0.04, "Dr", "Mr").astype(object)
    title = np.where(gender == "M", male_title, female_title)
    suffix = _noise.keep("Sr", kind == SENIOR)
    suffix[junior] = "Jr"

    city = _contacts.draw_cities(rng, n_hh)
    cur = _contacts.addresses(rng, city)
    moved = rng.random(n_hh) < 0.12
    n_moved = int(moved.sum())
    old_city = np.where(rng.random(n_moved) < 0.7, city[moved], _contacts.draw_cities(rng, n_moved))
    old = _contacts.addresses(rng, old_city)
    lines, areas = _contacts.landlines(rng, np.concatenate([city, old_city]))
    size = np.bincount(household, minlength=n_hh)
    has_line = rng.random(n_hh) < np.where(size > 1, 0.6, 0.35)

    has_mobile = rng.random(n) < 0.93
    mobile_changed = has_mobile & (rng.random(n) < 0.06)
    phones = _contacts.mobiles(rng, n + int(mobile_changed.sum()))

    first_f = _contacts.fold_names(FIRST_NAMES)[first_idx]
    last_f = _contacts.fold_names(LAST_NAMES)[last_idx]
    year = dob.astype("datetime64[Y]").astype(np.int64) + 1970
    has_email = rng.random(n) < 0.92
    email_changed = has_email & (rng.random(n) < 0.12)
    has_work = rng.random(n) < 0.22
    emails = _contacts.unique_emails(
        np.concatenate(
            [
                _contacts.personal_emails(rng, first_f, last_f, year),
                _contacts.personal_emails(
                    rng, first_f[email_changed], last_f[email_changed], year[email_changed]
                ),
                _contacts.work_emails(rng, first_f[has_work], last_f[has_work]),
            ]
        ),
        rng,
    )
    n_old = int(email_changed.sum())

    def spread(values: Any, mask: Any) -> ObjArray:
        out = np.full(len(mask), None, dtype=object)
        out[mask] = values
        return out

    def per_person(values: ObjArray, keep: Any = None) -> ObjArray:
        out = values[household]
        return np.asarray(out if keep is None else _noise.keep(out, keep), dtype=object)

    m_old = moved[household]
    old_index = np.cumsum(moved) - 1  # position of a moved household in the old arrays

    def per_mover(values: ObjArray) -> ObjArray:
        out = np.full(n, None, dtype=object)
        out[m_old] = values[old_index[household[m_old]]]
        return out

    old_area = np.zeros(n, dtype=np.int64)
    old_area[m_old] = areas[n_hh:][old_index[household[m_old]]]
    old_line = per_mover(lines[n_hh:])
    old_line[~has_line[household]] = None
    return Population(
        household=household.astype(np.int64),
        kind=kind,
        gender=gender,
        first_idx=first_idx.astype(np.int64),
        last_idx=last_idx.astype(np.int64),
        middle=middle.astype(object),
        title=title.astype(object),
        suffix=suffix,
        dob=dob,
        address=per_person(cur["address"]),
        flat=per_person(cur["flat"]),
        city=per_person(cur["city"]),
        postcode=per_person(cur["postcode"]),
        landline=per_person(lines[:n_hh], has_line[household]),
        landline_area=areas[:n_hh][household],
        old_address=per_mover(old["address"]),
        old_flat=per_mover(old["flat"]),
        old_city=per_mover(old["city"]),
        old_postcode=per_mover(old["postcode"]),
        old_landline=old_line,
        old_landline_area=old_area,
        move_change=_change_times(rng, moved)[household],
        mobile=spread(phones[:n][has_mobile], has_mobile),
        old_mobile=spread(phones[n:], mobile_changed),
        mobile_change=_change_times(rng, mobile_changed),
        email=spread(emails[:n][has_email], has_email),
        old_email=spread(emails[n : n + n_old], email_changed),
        email_change=_change_times(rng, email_changed),
        work_email=spread(emails[n + n_old :], has_work),
    )
