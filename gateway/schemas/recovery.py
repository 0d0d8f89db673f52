"""Getting back into an account: the password reset link (I8 a)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from gateway.schemas.types import Code, Password, Secret, _Request


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
