""":class:`StoreSource`: till and loyalty-card transactions (one row per transaction)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from singleview.sources.adapter import AdapterSource, shared_values
from singleview.sources.mapped import Fields

__all__ = ["StoreSource"]

# Addresses staff type when a customer gives none: the shop's, the till's, a default.
_STAFF_LOCAL_PART = (
    r"(?:store|shop|staff|till|receipts?|customers?|no\.?receipts?|no\.?email|default"
    r"|no\.?reply|cashier|pos)[._-]?\d*"
)


class StoreSource(AdapterSource):
    """Transactions from shop tills and the loyalty scheme.

    Raw columns: ``transaction_id`` (source id), ``loyalty_card`` (``id_loyalty_card``),
    ``first_name``, ``last_name``, ``receipt_email`` (email), ``postcode``,
    ``transaction_time`` (``updated_at``) and ``store_id`` (not used).

    Staff and default e-mails (``till3@...``, ``noreceipt@...``) and any e-mail given on
    receipts under more than :attr:`max_names_per_email` different last names in one batch
    are nulled with reason ``"shared_email"``.

    >>> StoreSource.example().name
    'store'
    """

    default_name: ClassVar[str] = "store"
    default_id_column: ClassVar[str] = "transaction_id"
    default_columns: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated_at": "transaction_time",
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "receipt_email",
        "postcode": "postcode",
    }
    default_ids: ClassVar[dict[str, str]] = {"loyalty_card": "loyalty_card"}
    max_names_per_email: ClassVar[int] = 5

    def refine(self, batch: pd.DataFrame, fields: Fields) -> None:
        """Null staff, default and widely shared receipt e-mails."""
        if "email" not in fields.multi:
            return
        emails = fields.multi["email"]
        staff = pd.DataFrame(
            {
                c: emails[c].str.split("@").str[0].str.fullmatch(_STAFF_LOCAL_PART).eq(True)
                for c in emails.columns
            },
            index=emails.index,
        )
        shared = shared_values(fields, "email", self.max_names_per_email)
        fields.null("email", staff | shared, "shared_email")

    @classmethod
    def example_frame(cls) -> pd.DataFrame:
        """Nine transactions: a till e-mail, a widely shared e-mail, a row with no id."""
        shared = "family.account@example.co.uk"
        return pd.DataFrame(
            {
                "transaction_id": ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", None],
                "loyalty_card": ["6001 0001", "", "", "", "", "", "", "", "6001 0009"],
                "first_name": ["Anne", "Bob", "Ann", "Sam", "Jo", "Kim", "Lee", "Al", "Max"],
                "last_name": [
                    "Smith",
                    "Jones",
                    "Lee",
                    "Oak",
                    "Bell",
                    "Chan",
                    "Ray",
                    "Dee",
                    "Power",
                ],
                "receipt_email": [
                    "anne.smith@example.co.uk",
                    "till3@shop.example.co.uk",
                    shared,
                    shared,
                    shared,
                    shared,
                    shared,
                    shared,
                    "",
                ],
                "postcode": ["SW1A 1AA", "", "", "", "", "", "M1 1AE", "", ""],
                "transaction_time": [
                    "2024-04-01 12:00:00",
                    "2024-04-01 12:05:00",
                    "2024-04-01 12:10:00",
                    "2024-04-02 12:10:00",
                    "2024-04-03 12:10:00",
                    "2024-04-04 12:10:00",
                    "2024-04-05 12:10:00",
                    "2024-04-06 12:10:00",
                    "2024-04-07 08:00:00",
                ],
                "store_id": ["S1", "S1", "S2", "S2", "S2", "S3", "S3", "S3", "S4"],
            }
        )
