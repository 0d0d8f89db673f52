"""Automatic invitations (E6, E7): chart events, and what became of each trigger."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from gateway.schemas.types import _Request

AutoInvitationState = Literal["queued", "sent", "throttled", "skipped"]


class PatientEvent(_Request):
    """Something added to the patient's chart. Adding the patient and changing a required
    field trigger on their own."""

    event: Literal["encounter_added", "appointment_added"]


class AutoInvitation(BaseModel):
    """One automatic invitation: queued for the practice's next window, sent, throttled (with
    when the next send is allowed) or skipped (with why)."""

    auto_invitation_id: str
    patient_id: str
    trigger: str
    state: AutoInvitationState
    triggered_at: datetime | None
    send_after: datetime | None
    decided_at: datetime | None
    detail: str | None
    next_allowed_at: datetime | None
    invitation_id: str | None


class EventRecorded(BaseModel):
    """What the event asked for: null when the practice has not gone live or the patient's
    status asks for no invitation."""

    auto_invitation: AutoInvitation | None


class AutoInvitations(BaseModel):
    """The practice's automatic invitations, newest trigger first."""

    auto_invitations: list[AutoInvitation]
