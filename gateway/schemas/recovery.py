"""Getting back into an account: the four ways to reset a password (I8 a to d)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.account_settings import SecurityAnswer, SecurityQuestion
from gateway.schemas.types import (
    Code,
    IsoDate,
    Name,
    Password,
    PhoneQuery,
    Secret,
    Username,
    _Request,
)


class ResetLinkRequest(_Request):
    """Your username or your verified account email."""

    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class RecoveryAccepted(BaseModel):
    """A message is on its way: `detail` says what happens next, as a problem's `detail` says
    what went wrong. The same answer whether or not an account matched (X3)."""

    detail: str


class ResetLinkToken(_Request):
    """The token from the reset link (after `#token=`)."""

    token: Secret


class ResetLinkCheck(BaseModel):
    """The link works; `second_factor_required` says a code from the authenticator app (or a
    recovery code) is needed with the new password. `username` and `practice_id` are the
    account's, to check a new password as it is typed (`POST /password-check`, I2)."""

    second_factor_required: bool
    username: str
    practice_id: str | None


class PasswordResetCompletion(_Request):
    """The token from the link, the new password, and with the authenticator app on exactly
    one of a code from it or a recovery code."""

    token: Secret
    new_password: Password
    totp_code: Code | None = None
    recovery_code: Code | None = None


class TokenReset(_Request):
    """Your username, the 8-digit token your practice gave you, the new password, and with the
    authenticator app on exactly one of a code from it or a recovery code."""

    username: Username
    token: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{8}$")]
    new_password: Password
    totp_code: Code | None = None
    recovery_code: Code | None = None


class ResetTokenIssue(_Request):
    """How you checked the patient's identity before giving them a reset token: a photo ID
    seen in person, a call back to the number on file, or knowing them in person."""

    identity_check: Literal["photo_id", "call_back", "known_in_person"]


class ResetTokenIssued(BaseModel):
    """The token to give the patient, shown this once; it works once, until `expires_at`, and
    a newer one replaces it."""

    token: str
    expires_at: datetime | None


class QuestionResetStart(_Request):
    """Your username."""

    username: Username


class QuestionsToAnswer(BaseModel):
    """Two of your security questions; answer both with the token."""

    token: str
    questions: list[SecurityQuestion]


class QuestionAnswers(_Request):
    """The token, an answer to each of the two questions, the new password, and with the
    authenticator app on exactly one of a code from it or a recovery code."""

    token: Secret
    answers: list[SecurityAnswer] = Field(min_length=2, max_length=2)
    new_password: Password
    totp_code: Code | None = None
    recovery_code: Code | None = None


class InformationResetStart(_Request):
    """Your username and what your practice has on file about you: first name, last name,
    date of birth (YYYY-MM-DD) and home phone."""

    username: Username
    first_name: Name
    last_name: Name
    date_of_birth: IsoDate
    home_phone: PhoneQuery


class AddressesToPick(BaseModel):
    """Five street addresses: pick yours by its position (0 to 4) with the token. If yours
    is not among them, a detail you gave does not match; start again or ask your practice for
    a reset token."""

    token: str
    addresses: list[str]


class AddressPick(_Request):
    """The token, the position of your street address in the list, the new password, and with
    the authenticator app on exactly one of a code from it or a recovery code."""

    token: Secret
    address_index: int = Field(ge=0, le=4)
    new_password: Password
    totp_code: Code | None = None
    recovery_code: Code | None = None
