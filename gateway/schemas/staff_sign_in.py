"""Staff sign-in and its steps: password change, second-factor setup and check (S1)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from gateway.schemas.types import Code, Password, Secret, Username, _Request

StaffSignInStep = Literal["change_password", "enroll_second_factor", "second_factor"]
StaffRole = Literal["administrator", "clinician", "front_desk", "billing", "other"]


class StaffSignIn(_Request):
    """A staff member's credentials."""

    user_id: Username
    password: Password


class Staff(BaseModel):
    """A signed-in staff member."""

    staff_id: str
    practice_id: str
    user_id: str
    first_name: str
    last_name: str
    role: StaffRole
    permissions: list[str]


class StaffSession(BaseModel):
    """A new staff session; the token is also set as an HttpOnly cookie."""

    session_token: str
    expires_at: datetime | None
    staff: Staff


class StaffSignedIn(StaffSession):
    """A new staff session. Right after the authenticator app is set up, `recovery_codes` holds
    ten single-use codes, shown this once: keep them somewhere safe."""

    recovery_codes: list[str] | None = None


class TotpSetup(BaseModel):
    """What an authenticator app needs: scan the QR code, or enter the otpauth URI."""

    otpauth_uri: str
    qr_svg_data_uri: str


class StaffSignInChallenge(BaseModel):
    """The sign-in is not complete: do `next_step`, then continue with the challenge token."""

    next_step: StaffSignInStep
    challenge_token: str
    challenge_expires_at: datetime | None
    totp_setup: TotpSetup | None = None


class StaffSignInContinue(_Request):
    """The challenge token and exactly one answer: the one its step asks for."""

    challenge_token: Secret
    new_password: Password | None = None
    totp_code: Code | None = None
    recovery_code: Code | None = None

    def answers(self) -> dict[str, str]:
        """The answers given, by field name; a valid request has exactly one."""
        given = {"new_password": self.new_password, "totp_code": self.totp_code}
        given["recovery_code"] = self.recovery_code
        return {name: value for name, value in given.items() if value is not None}
