"""Survivorship: one golden profile per customer, each field with its provenance.

Each field is chosen by a rule (see :class:`~singleview.settings.SurvivorshipSettings`);
ties are always broken the same way (newest, then most trusted source, then source and
source id), so the profile does not depend on row order.  A first, last or full name that
is only an initial ("F", "F Rose") is chosen only when the customer has no fuller one.
Address fields are taken together from one record, the most complete one, so a golden
address is never stitched from two.

Every golden field ``f`` comes with ``f__source`` and ``f__source_id``: where its value was
taken from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import MULTI_VALUED_FIELDS, NAME_FIELDS
from .settings import SurvivorshipSettings

__all__ = ["DEFAULT_RULES", "build_profiles"]

#: Rules used when the settings do not name a field.
DEFAULT_RULES: dict[str, str] = {
    # Who someone is: the most trusted source says (ties: the most frequent value there).
    "first_name": "source_priority",
    "middle_name": "source_priority",
    "last_name": "source_priority",
    "full_name": "source_priority",
    "dob": "source_priority",
    "gender": "source_priority",
    # How to reach them: the newest value wins.
    "email": "most_recent",
    "phone": "most_recent",
    "address_line": "most_recent",
    "city": "most_recent",
    "postcode": "most_recent",
    "country": "most_recent",
}
_FALLBACK_RULE = "most_frequent"
_TITLE_CASE = (*NAME_FIELDS, "address_line", "city")
_TIE_BREAK = ["updated_at", "priority", "source", "source_id"]
_TIE_ASCENDING = [False, False, True, True]


def _order(rule: str) -> tuple[list[str], list[bool]]:
    if rule == "most_recent":
        return _TIE_BREAK, _TIE_ASCENDING
    if rule == "source_priority":
        return ["priority", "_frequency", *_TIE_BREAK[:1], "source", "source_id"], [
            False,
            False,
            False,
            True,
            True,
        ]
    if rule == "most_frequent":
        return ["_frequency", *_TIE_BREAK], [False, *_TIE_ASCENDING]
    if rule == "longest":
        return ["_length", *_TIE_BREAK], [False, *_TIE_ASCENDING]
    return ["priority", "source", "source_id"], [False, True, True]  # first_non_null


#: Name fields where a full name beats an initial ("Fatima" over "F"), whatever the rule.
_NO_INITIALS = ("first_name", "last_name", "full_name")


def _winners(frame: pd.DataFrame, field: str, rule: str) -> pd.DataFrame:
    """The chosen row per customer for one field under one rule."""
    frame = frame[frame[field].notna()]
    initial: list[str] = []
    if field in _NO_INITIALS:
        first_word = frame[field].astype("object").str.split(" ", n=1).str[0]
        frame = frame.assign(_initial=first_word.str.len() <= 1)
        initial = ["_initial"]
    if rule in ("most_frequent", "source_priority"):
        frame = frame.assign(
            _frequency=frame.groupby(["customer_id", field], sort=False)[field].transform("size")
        )
    elif rule == "longest":
        frame = frame.assign(_length=frame[field].astype("object").map(len))
    keys, ascending = _order(rule)
    ordered = frame.sort_values(
        ["customer_id", *initial, *keys],
        ascending=[True, *([True] * len(initial)), *ascending],
        na_position="last",
        kind="mergesort",
    )
    return ordered.drop_duplicates("customer_id")


def build_profiles(
    records: pd.DataFrame,
    customer_id: np.ndarray,
    priority: dict[str, int],
    settings: SurvivorshipSettings,
) -> pd.DataFrame:
    """Golden profiles: one row per customer with every field's value and provenance."""
    base = records.assign(
        customer_id=customer_id,
        priority=records["source"].map(priority).fillna(0).astype(np.int64),
    )
    profiles = base.groupby("customer_id", sort=True).size().rename("n_records").reset_index()
    distinct = (
        base[["customer_id", "source"]].drop_duplicates().sort_values(["customer_id", "source"])
    )
    joined = distinct.groupby("customer_id", sort=True)["source"].agg(",".join)
    profiles["sources"] = profiles["customer_id"].map(joined)
    fields = [c for c in records.columns if c not in ("source", "source_id", "updated_at")]
    group = [f for f in settings.address_group if f in fields]
    results: dict[str, pd.DataFrame] = {}

    for field in fields:
        if field in group:
            continue
        rule = settings.rules.get(field, DEFAULT_RULES.get(field, _FALLBACK_RULE))
        column = base[["customer_id", field, *_TIE_BREAK]]
        if field in MULTI_VALUED_FIELDS:
            column = column.explode(field)
        results[field] = _winners(column, field, rule)

    if group:
        rule = settings.rules.get(group[0], DEFAULT_RULES.get(group[0], _FALLBACK_RULE))
        present = base[group].notna().sum(axis=1)
        frame = base.loc[present > 0, ["customer_id", *group, *_TIE_BREAK]]
        frame = frame.assign(_complete=present[present > 0])
        keys, ascending = _order(rule if rule != "most_frequent" else "most_recent")
        ordered = frame.sort_values(
            ["customer_id", "_complete", *keys],
            ascending=[True, False, *ascending],
            na_position="last",
            kind="mergesort",
        )
        chosen = ordered.drop_duplicates("customer_id")
        for field in group:
            results[field] = chosen[chosen[field].notna()]

    for field in fields:
        won = results[field][["customer_id", field, "source", "source_id"]]
        if field in _TITLE_CASE:
            won = won.assign(**{field: won[field].astype("object").str.title()})
        won = won.rename(columns={"source": f"{field}__source", "source_id": f"{field}__source_id"})
        profiles = profiles.merge(won, on="customer_id", how="left", validate="one_to_one")
    ordered_columns = ["customer_id", "n_records", "sources"]
    for field in fields:
        ordered_columns += [field, f"{field}__source", f"{field}__source_id"]
    return profiles[ordered_columns]
