""":class:`CrmSource`: a CRM contacts export (one row per contact)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from singleview import normalise as nz
from singleview.sources.adapter import AdapterSource
from singleview.sources.mapped import Fields

__all__ = ["CrmSource"]


class CrmSource(AdapterSource):
    """Contacts exported from a CRM, UK style (dates read day first, phones in GB by default).

    Raw columns: ``contact_id`` (source id), ``account_number`` (``id_account``), ``title``,
    ``first_name``, ``middle_name``, ``last_name``, ``birthdate``, ``gender``, ``email``,
    ``email_2``, ``phone``, ``mobile``, ``address_line1``, ``address_line2``, ``city``,
    ``postcode``, ``country``, ``last_modified`` (``updated_at``).  A title (Mr, Mrs, Ms,
    Miss, Mx) fills a missing gender.

    >>> src = CrmSource.example()
    >>> src.name, src.options.dayfirst
    ('crm', True)
    """

    default_name: ClassVar[str] = "crm"
    default_id_column: ClassVar[str] = "contact_id"
    default_columns: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated_at": "last_modified",
        "first_name": "first_name",
        "middle_name": "middle_name",
        "last_name": "last_name",
        "dob": "birthdate",
        "gender": "gender",
        "email": ("email", "email_2"),
        "phone": ("phone", "mobile"),
        "address_line": ("address_line1", "address_line2"),
        "city": "city",
        "postcode": "postcode",
        "country": "country",
    }
    default_ids: ClassVar[dict[str, str]] = {"account": "account_number"}
    default_dayfirst: ClassVar[bool] = True
    #: Column whose title (Mr, Mrs, ...) fills a missing gender; skipped when absent.
    title_column: ClassVar[str] = "title"

    def refine(self, batch: pd.DataFrame, fields: Fields) -> None:
        """Fill a missing gender from the title."""
        if self.title_column not in batch.columns:
            return
        # normalise_gender reads "Mr" as m, "Mrs"/"Ms"/"Miss" as f, "Mx" as x; other titles
        # ("Dr") are not a gender and are simply ignored here.
        from_title = nz.normalise_gender(batch[self.title_column]).values
        gender = fields.get("gender")
        fields.single["gender"] = gender.where(gender.notna(), from_title)

    @classmethod
    def example_frame(cls) -> pd.DataFrame:
        """Seven contacts: a duplicate id, a title-only gender and a row with no id."""
        return pd.DataFrame(
            {
                "contact_id": ["C001", "C002", "C003", "C004", "C002", "", "C006"],
                "account_number": ["A-100", "A-200", "", "0", "A-200", "A-999", None],
                "title": ["Mrs", "Mr", "Dr", "Miss", "Mr", "Ms", ""],
                "first_name": ["Anne", "Robert", "Priya", "Zoë", "Bob", "Eve", "N/A"],
                "middle_name": ["Marie", "", None, "", "", "", ""],
                "last_name": ["Smith", "Jones", "Patel", "O'Brien", "Jones", "Black", ""],
                "birthdate": [
                    "03/04/1980",
                    "1975-12-01",
                    "31/02/1990",
                    "",
                    "1975-12-01",
                    "01/01/1900",
                    "",
                ],
                "gender": ["F", "", "female", "", "M", "", ""],
                "email": [
                    "Anne.Smith@Example.co.uk",
                    "bob@example.org.uk",
                    "not an email",
                    "",
                    "bob@example.org.uk",
                    "eve@example.co.uk",
                    "",
                ],
                "email_2": ["anne.smith@example.co.uk", "", "", "zoe@example.me.uk", "", "", ""],
                "phone": ["020 7946 0018", "", "12", "", "", "", ""],
                "mobile": ["07911 123456", "+44 7911 654321", "", "", "07911 654321", "", ""],
                "address_line1": ["1 High Street", "22 Mill Lane", "", "Flat 3", "", "", ""],
                "address_line2": ["", "", "", "9 Kings Road", "", "", ""],
                "city": ["London", "Leeds", "unknown", "Manchester", "Leeds", "", ""],
                "postcode": ["sw1a1aa", "LS1 4AP", "", "M1 1AE", "LS1 4AP", "", ""],
                "country": ["UK", "United Kingdom", "", "GB", "GB", "", ""],
                "last_modified": [
                    "01/02/2024 10:00",
                    "05/01/2024 09:30",
                    "",
                    "garbage",
                    "06/01/2024 12:00",
                    "",
                    "",
                ],
            }
        )
