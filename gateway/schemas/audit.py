"""Audit trails (X2): the practice's records, and the patient's view of their own."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class AuditRecord(BaseModel):
    """One action in a service's audit trail (X2)."""

    record_id: str
    service: str
    sequence: int
    occurred_at: datetime
    actor: str = Field(description='"staff:<id>", "account:<id>", "anonymous" or "system".')
    on_behalf_of: str | None
    action: str
    target: str
    patient_id: str | None
    outcome: Literal["success", "denied", "failed"]
    client_address: str | None
    request_id: str
    details: dict[str, str]


class AuditPage(BaseModel):
    """Audit records from every service, newest first."""

    records: list[AuditRecord]
    next_page_token: str | None


class RecordActivity(BaseModel):
    """Who did what with one of the patient's records, and when (X2)."""

    occurred_at: datetime
    practice_id: str | None
    practice_name: str | None = Field(description="The practice of the record acted on.")
    actor: str = Field(description='"staff:<id>", "account:<id>" (you or a proxy) or "system".')
    actor_kind: Literal[
        "you", "staff", "guardian", "representative", "system", "not_signed_in", "other_account"
    ] = Field(
        description="Who acted, as you know them: you, a staff member of the practice, your "
        "guardian or trusted representative, the portal on its own, someone not signed in (an "
        "invitation's link), or another portal account."
    )
    actor_name: str | None = Field(
        description="The staff member's name, or the guardian's or representative's name as "
        "invited; null for the other kinds, or when it is not known."
    )
    on_behalf_of: str | None
    action: str
    right: str | None = Field(
        description='For a proxy\'s access, the right it used, e.g. "health_records:view".'
    )
    outcome: Literal["success", "denied", "failed"]


class RecordActivityList(BaseModel):
    """The newest actions on the patient's records at every practice."""

    activity: list[RecordActivity]
