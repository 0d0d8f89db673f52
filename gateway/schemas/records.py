"""The records a patient account acts for (P5): its own and those shared with it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

ActingAs = Literal["self", "guardian", "representative"]


class AccessibleRecord(BaseModel):
    """A record the account may switch to: its own (`acting_as` "self"; `rights` null: every
    right) or one a guardian or representative acts for, with the rights it has today."""

    patient_id: str
    practice_id: str
    first_name: str | None
    acting_as: ActingAs
    relationship_id: str | None
    rights: list[str] | None


class Records(BaseModel):
    """The account's own records first, then those shared with it."""

    records: list[AccessibleRecord]


class RecordSummary(BaseModel):
    """The record acted for: whose it is, and what this account may do with it (`rights` null
    on your own record: every right); `hidden_categories` are left out of what a guardian of
    an adolescent sees (P7)."""

    patient_id: str
    practice_id: str
    first_name: str | None
    acting_as: ActingAs
    rights: list[str] | None
    hidden_categories: list[str]
