"""Where a practice's communications reach the patient (M5, N4)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from gateway.schemas.types import Email, _Request

Method = Literal["email", "sms", "both"]


class PracticePreference(BaseModel):
    """One practice's communications (messages, appointments, statements): by email, SMS or
    both; `email` null means the account email. Account notices always go to the verified
    account email, whatever is chosen here."""

    practice_id: str
    practice_name: str
    method: Method
    email: str | None
    updated_at: datetime | None


class Preferences(BaseModel):
    """A preference for each practice the account is linked to."""

    practices: list[PracticePreference]


class PreferenceUpdate(_Request):
    """How this practice's communications reach you. SMS needs a verified cell phone; `email`
    sends them to another address than the account email."""

    method: Method
    email: Email | None = None
