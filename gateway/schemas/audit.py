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
    actor: str = Field(description='"staff:<id>", "account:<id>" (you or a proxy) or "system".')
    on_behalf_of: str | None
    action: str
    outcome: Literal["success", "denied", "failed"]


class RecordActivityList(BaseModel):
    """The newest actions on the patient's records at every practice."""

    activity: list[RecordActivity]
