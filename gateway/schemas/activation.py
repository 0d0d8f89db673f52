"""Activation: from the invitation link to an account (E9, E10), or the patient's response
instead (E11); with the password check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from gateway.schemas.types import (
    Code,
    CodeChannel,
    Email,
    IsoDate,
    Password,
    Secret,
    Username,
    ZipCode,
    _Request,
)


class PasswordCheck(_Request):
    """A candidate password, the username it would go with if known, and the practice whose
    policy applies (the default policy when none is named)."""

    password: Password
    username: Username | None = None
    practice_id: str | None = Field(None, min_length=1, max_length=64)


class Requirement(BaseModel):
    """One requirement of the password policy and whether the candidate meets it."""

    name: str
    description: str
    met: bool
    # The number the requirement names (a length), null when it names none.
    limit: int | None = None


class PasswordCheckResult(BaseModel):
    """Every requirement, in display order."""

    requirements: list[Requirement]
    acceptable: bool


class ActivationVerify(_Request):
    """The invitation token and the patient's answers."""

    invitation_token: Secret
    zip_code: ZipCode
    date_of_birth: IsoDate


class InvitationToken(_Request):
    """The token from the invitation link (after `#token=`)."""

    invitation_token: Secret


class InvitationAnswered(BaseModel):
    """The patient's response is recorded. After a decline the invitation's link no longer
    works, and the practice can send a new invitation when the patient calls; after a deferral
    it works until it expires, and a reminder follows."""

    status: Literal["declined", "deferred"]
    practice_name: str
    practice_phone: str | None


class ActivationTicket(BaseModel):
    """The secret ticket for the next activation steps."""

    activation_ticket: str
    practice_name: str
    email_on_file: str | None
    practice_id: str = Field(description="Pass to password-check for this practice's policy.")


class SecurityDetails(_Request):
    """The credentials the patient chooses."""

    activation_ticket: Secret
    username: Username
    password: Password
    email: Email | None = None


class CodeSent(BaseModel):
    """Where the verification code went."""

    code_channel: CodeChannel
    code_destination_hint: str


class ActivationCodeResend(_Request):
    """The activation whose verification code should be sent again."""

    activation_ticket: Secret


class ActivationComplete(_Request):
    """The verification code the patient received."""

    activation_ticket: Secret
    code: Code


class Activated(BaseModel):
    """The activated account, linked to the patient record."""

    account_id: str
    practice_name: str
