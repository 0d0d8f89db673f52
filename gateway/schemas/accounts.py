"""The patient's portal account: sign-in, and its patient records at every practice."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from gateway.schemas.types import EnrollmentStatus, Password, Username, _Request


class SignIn(_Request):
    """A patient's credentials."""

    username: Username
    password: Password


class Account(BaseModel):
    """A portal account."""

    account_id: str
    username: str
    verified_email: str | None


class AccountSession(BaseModel):
    """A new session; the token is also set as an HttpOnly cookie. `factors` is what the
    sign-in proved: "password", "password+totp" or "password+recovery_code" (I4)."""

    session_token: str
    expires_at: datetime | None
    account: Account
    factors: str | None = None


class Enrollment(BaseModel):
    """One patient record the account is linked to."""

    practice_id: str
    practice_name: str
    patient_id: str
    status: EnrollmentStatus
    enrolled_at: datetime | None
    first_name: str | None


class Me(BaseModel):
    """The signed-in account and its patient records at every practice."""

    account: Account
    enrollments: list[Enrollment]
