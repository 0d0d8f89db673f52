"""The patient's portal account: sign-in, and its patient records at every practice."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from gateway.schemas.types import EnrollmentStatus, Password, Username, _Request


class SignIn(_Request):
    """A patient's credentials."""

    username: Username
    password: Password
    remember_device: bool = Field(
        False,
        description="Remember this browser for 30 days once signed in: where the practice allows "
        "it, the authenticator code is not asked here again, and this browser keeps signing in "
        "while your account is locked by wrong passwords elsewhere. Leave it off on a shared "
        "computer.",
    )


class Account(BaseModel):
    """A portal account."""

    account_id: str
    username: str
    verified_email: str | None


class AccountSession(BaseModel):
    """A new session; the token is also set as an HttpOnly cookie. `factors` is what the
    sign-in proved: "password", "password+totp", "password+recovery_code" or
    "password+remembered_device" (I4). When the sign-in remembered this device, its cookie is
    set and `device_remembered_until` says until when. `required_actions` lists what must be
    done before anything else (e.g. "set_security_questions", I3)."""

    session_token: str
    expires_at: datetime | None
    account: Account
    factors: str | None = None
    device_remembered_until: datetime | None = None
    required_actions: list[str] = []


class FirstSession(BaseModel):
    """The session an account's activation opened, so the patient lands signed in; the token
    is also set as the HttpOnly session cookie. `factors` is "activation_code": the code that
    activated the account, in the journey where its password was chosen. `required_actions`
    lists what must be done before anything else (e.g. "set_security_questions", I3)."""

    session_token: str
    expires_at: datetime | None
    factors: str
    required_actions: list[str] = []


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
