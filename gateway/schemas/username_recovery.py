"""Forgot username (I7): what the person types, and the one answer they always get (X3)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gateway.schemas.types import Email, IsoDate, Name, _Request


class UsernameRecovery(_Request):
    """The verified account email alone; or the notification email with the patient's last
    name and date of birth (both or neither)."""

    email: Email
    last_name: Name | None = Field(None, description="With the notification email.")
    date_of_birth: IsoDate | None = Field(None, description="With the notification email.")


class UsernameRecoveryAccepted(BaseModel):
    """The same answer whether or not an account matched: where the username goes, and to
    contact the practice when no email arrives."""

    message: str
