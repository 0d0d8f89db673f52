"""Getting back into an account: the password reset link (I8 a)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.account_settings import SecurityAnswer, SecurityQuestion
from gateway.schemas.types import Code, Password, Secret, Username, _Request


class ResetLinkRequest(_Request):
    """Your username or your verified account email."""

    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class RecoveryAccepted(BaseModel):
    """What happens next; the same answer whether or not an account matched."""

    detail: str


class ResetLinkCheck(BaseModel):
    """The link works; `second_factor_required` says a code from the authenticator app (or a
    recovery code) is needed with the new password."""

    second_factor_required: bool


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
