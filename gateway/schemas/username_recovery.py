"""Forgot username (I7): what the person types. The one answer they always get (X3) is the
recovery routes' `RecoveryAccepted`."""

from __future__ import annotations

from pydantic import Field

from gateway.schemas.types import Email, IsoDate, Name, _Request


class UsernameRecovery(_Request):
    """The verified account email alone; or the notification email with the patient's last
    name and date of birth (both or neither)."""

    email: Email
    last_name: Name | None = Field(None, description="With the notification email.")
    date_of_birth: IsoDate | None = Field(None, description="With the notification email.")
