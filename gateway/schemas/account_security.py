"""A patient's authenticator app (I4): setup, confirmation, recovery codes, sign-in second step."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from gateway.schemas.types import Code, Password, Secret, _Request


class TotpCode(_Request):
    """A current 6-digit code from the authenticator app."""

    code: Code


class TotpDisable(_Request):
    """Turning the authenticator app off needs the password and a current code."""

    password: Password
    code: Code


class RecoveryCodes(BaseModel):
    """Ten single-use recovery codes, each usable once in place of an app code. Shown this
    once: keep them somewhere safe."""

    recovery_codes: list[str]


class SignInChallenge(BaseModel):
    """The password was right and the account has its authenticator app on: continue with
    `POST /v1/patient/sessions/continue`, the challenge token and a code."""

    next_step: Literal["second_factor"]
    challenge_token: str
    challenge_expires_at: datetime | None


class SignInContinue(_Request):
    """The challenge token and exactly one of a code from the app or a recovery code."""

    challenge_token: Secret
    totp_code: Code | None = None
    recovery_code: Code | None = None

    def answers(self) -> dict[str, str]:
        """The answers given, by field name; a valid request has exactly one."""
        given = {"totp_code": self.totp_code, "recovery_code": self.recovery_code}
        return {name: value for name, value in given.items() if value is not None}


class DeviceSession(BaseModel):
    """One of your open sessions, one per device or browser (I10)."""

    session_id: str
    device_label: str
    created_at: datetime | None
    last_seen_at: datetime | None
    factors: str
    current: bool


class DeviceSessions(BaseModel):
    """Your open sessions, newest first."""

    sessions: list[DeviceSession]


class RememberedDevice(BaseModel):
    """A browser or app you chose to remember at sign-in; it is forgotten after 30 days."""

    device_id: str
    label: str
    created_at: datetime | None
    last_used_at: datetime | None
    expires_at: datetime | None
    current: bool


class RememberedDevices(BaseModel):
    """Your remembered devices, most recently used first."""

    devices: list[RememberedDevice]


class SessionsEnded(BaseModel):
    """How many sessions were ended."""

    ended: int
