"""Pure, vectorised cleaning functions: text, names, e-mail, phone, postcode and dates.

Every ``normalise_*`` / ``clean_*`` function takes a Series and returns a :class:`Cleaned`
pair: the cleaned values and, per row, a reason code for every non-blank input it nulled
(``"placeholder"``, ``"invalid_syntax"``, ``"invalid_number"``, ``"no_region"``,
``"unparseable"``, ``"out_of_range"``, ``"withheld"``).  Text values are ``object`` dtype
with None for missing; dates are ``datetime64[ns]`` with NaT.  Work is done once per
distinct value and mapped back, so repeated values cost nothing.  Inputs are never modified.
"""

from __future__ import annotations

from singleview.normalise._distinct import Cleaned
from singleview.normalise.dates import normalise_date, normalise_timestamp
from singleview.normalise.email import email_key, normalise_email
from singleview.normalise.names import clean_name, nickname_pairs, split_full_name
from singleview.normalise.phone import normalise_phone
from singleview.normalise.postcode import normalise_postcode
from singleview.normalise.text import (
    PLACEHOLDERS,
    clean_text,
    fold,
    join_parts,
    normalise_country,
    normalise_gender,
)

__all__ = [
    "PLACEHOLDERS",
    "Cleaned",
    "clean_name",
    "clean_text",
    "email_key",
    "fold",
    "join_parts",
    "nickname_pairs",
    "normalise_country",
    "normalise_date",
    "normalise_email",
    "normalise_gender",
    "normalise_phone",
    "normalise_postcode",
    "normalise_timestamp",
    "split_full_name",
]
