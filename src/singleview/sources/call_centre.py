""":class:`CallCentreSource`: call-centre logs (one row per call)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from singleview import normalise as nz
from singleview.sources.adapter import AdapterSource, shared_values
from singleview.sources.mapped import Fields

__all__ = ["CallCentreSource"]

# What telephony systems write instead of a number the caller chose to hide.
_WITHHELD = (
    r"(?i)\b(?:with\s*held|anonymous|anon|private|restricted|unavailable|unknown caller"
    r"|no caller id|caller id blocked|blocked|hidden|not available|presentation)\b"
)


class CallCentreSource(AdapterSource):
    """Calls logged by a call centre.

    Raw columns: ``call_id`` (source id), ``caller_number`` (phone), ``customer_ref``
    (``id_account``, the same kind as the CRM's account number), ``caller_name`` (typed by
    the agent; split into parts), ``postcode`` and ``call_time`` (``updated_at``).

    Withheld or private numbers are nulled (reason ``"withheld"``), and so is a number heard
    on calls under more than :attr:`max_names_per_number` different last names in one batch
    (a switchboard; reason ``"shared_number"``).

    >>> CallCentreSource.example().name
    'call_centre'
    """

    default_name: ClassVar[str] = "call_centre"
    default_id_column: ClassVar[str] = "call_id"
    default_columns: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated_at": "call_time",
        "full_name": "caller_name",
        "phone": "caller_number",
        "postcode": "postcode",
    }
    default_ids: ClassVar[dict[str, str]] = {"account": "customer_ref"}
    max_names_per_number: ClassVar[int] = 5

    def clean_column(self, name: str, values: pd.Series, fields: Fields) -> nz.Cleaned:
        """Phones: withheld numbers are nulled with reason ``"withheld"``."""
        if name != "phone":
            return super().clean_column(name, values, fields)
        text = values.astype(object).where(values.notna(), None)
        withheld = text.str.contains(_WITHHELD, regex=True).eq(True)
        cleaned = super().clean_column(name, values.where(~withheld), fields)
        return nz.Cleaned(
            cleaned.values.astype(object).where(~withheld, None),
            cleaned.reasons.astype(object).where(~withheld, "withheld"),
        )

    def refine(self, batch: pd.DataFrame, fields: Fields) -> None:
        """Null switchboard numbers shared by many callers."""
        if "phone" in fields.multi:
            shared = shared_values(fields, "phone", self.max_names_per_number)
            fields.null("phone", shared, "shared_number")

    @classmethod
    def example_frame(cls) -> pd.DataFrame:
        """Nine calls: a withheld number, a switchboard, a call with nothing to match."""
        switchboard = "0113 496 0000"
        return pd.DataFrame(
            {
                "call_id": [f"K{i}" for i in range(1, 10)],
                "caller_number": [
                    "07911 123456",
                    "Withheld",
                    switchboard,
                    switchboard,
                    switchboard,
                    switchboard,
                    switchboard,
                    switchboard,
                    "private number",
                ],
                "customer_ref": ["A-100", "", "", "", "", "", "", "", ""],
                "caller_name": [
                    "anne smith",
                    "Mr R Jones",
                    "Tom Hardy",
                    "Ann Lee",
                    "Sam Oak",
                    "Jo Bell",
                    "Kim Chan",
                    "Lee Ray",
                    "",
                ],
                "postcode": ["SW1A 1AA", "ls14ap", "", "", "", "", "", "", ""],
                "call_time": [
                    "2024-03-01 10:00",
                    "2024-03-02 11:30",
                    "2024-03-03 09:00",
                    "2024-03-03 09:05",
                    "2024-03-03 09:10",
                    "2024-03-03 09:15",
                    "2024-03-03 09:20",
                    "2024-03-03 09:25",
                    "2024-03-04 17:00",
                ],
            }
        )
