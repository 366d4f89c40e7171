""":class:`WebSource`: web and app accounts (one row per account)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from singleview import normalise as nz
from singleview.sources.adapter import AdapterSource
from singleview.sources.mapped import Fields

__all__ = ["WebSource"]


class WebSource(AdapterSource):
    """Accounts from a website or app.

    Raw columns: ``account_id`` (source id), ``email``, ``full_name`` (split into parts),
    ``phone``, ``created_at`` and ``last_login``.  ``updated_at`` is the later of
    ``last_login`` and ``created_at``: a never-used account was last touched when created.

    >>> WebSource.example().name
    'web'
    """

    default_name: ClassVar[str] = "web"
    default_id_column: ClassVar[str] = "account_id"
    default_columns: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "updated_at": "last_login",
        "full_name": "full_name",
        "email": "email",
        "phone": "phone",
    }
    #: Creation time, combined with ``updated_at``; skipped when absent.
    created_column: ClassVar[str] = "created_at"

    def refine(self, batch: pd.DataFrame, fields: Fields) -> None:
        """``updated_at`` becomes the later of itself and the creation time."""
        if self.created_column not in batch.columns:
            return
        created = nz.normalise_timestamp(batch[self.created_column], dayfirst=self.options.dayfirst)
        fields.issues.add("updated_at", created.reasons)
        both = pd.DataFrame(
            {
                "updated": pd.to_datetime(
                    fields.single.get("updated_at", pd.Series(pd.NaT, index=fields.index))
                ),
                "created": pd.to_datetime(created.values),
            }
        ).astype("datetime64[ns]")
        fields.single["updated_at"] = both.max(axis=1).astype("datetime64[ns]")

    @classmethod
    def example_frame(cls) -> pd.DataFrame:
        """Six accounts: one never logged in, one with nothing to match on."""
        return pd.DataFrame(
            {
                "account_id": ["W1", "W2", "W3", "W4", "W5", "W6"],
                "email": [
                    "anne.smith@example.co.uk",
                    "BOB@EXAMPLE.ORG.UK",
                    "",
                    "priya@example.co.uk",
                    "bad@",
                    "",
                ],
                "full_name": [
                    "Mrs Anne M Smith",
                    "Robert Jones",
                    "",
                    "Priya Patel",
                    "12345",
                    "",
                ],
                "phone": ["+447911123456", "", "", "07911 222333", "", ""],
                "created_at": [
                    "2023-01-05T10:00:00",
                    "2022-06-01 08:00:00",
                    "2024-01-01",
                    "2023-03-03",
                    "not a date",
                    "",
                ],
                "last_login": [
                    "2024-02-01T09:00:00Z",
                    "",
                    "",
                    "2023-01-01 00:00:00",
                    "",
                    "",
                ],
            }
        )
