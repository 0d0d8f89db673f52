"""What the knowledge-based password resets (I8 b, d) read before they start: the account of
the username, the questions it answered and its practice's reset policy.

It is one query answering one row whether or not the username is an account's, so a start
takes the same time either way (X3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.identity import account_validation, repository
from services.identity.domain import AccountState, SecondFactorRule
from services.identity.patient_sign_in_policy import Policy

# What a practice that never set its patient sign-in policy allows.
_DEFAULT = Policy("", SecondFactorRule.EVERY_SIGN_IN)


@dataclass(frozen=True)
class Standing:
    """The account of a username as the resets see it; `account_id` is None for no account."""

    account_id: str | None
    state: str | None
    verified_email: str | None
    information_reset_at: datetime | None
    question_ids: list[str]
    question_reset_allowed: bool
    information_reset_allowed: bool

    @property
    def active(self) -> bool:
        return self.account_id is not None and self.state == AccountState.ACTIVE

    @property
    def validation_pending(self) -> bool:
        """The account used the account-information reset and has not yet verified an account
        email and answered five questions (`account_validation`)."""
        return account_validation.pending_with(
            information_reset_at=self.information_reset_at,
            verified_email=self.verified_email,
            question_ids=self.question_ids,
        )


def standing(session: Session, username_key: str) -> Standing:
    """The account of `username_key` and what the resets check of it."""
    row = repository.reset_standing(session, username_key)
    return Standing(
        account_id=row.id,
        state=row.state,
        verified_email=row.verified_email,
        information_reset_at=row.information_reset_at,
        question_ids=sorted(row.question_ids.split(",")) if row.question_ids else [],
        question_reset_allowed=_DEFAULT.question_reset_allowed
        if row.question_reset_allowed is None
        else row.question_reset_allowed,
        information_reset_allowed=_DEFAULT.account_information_reset_allowed
        if row.account_information_reset_allowed is None
        else row.account_information_reset_allowed,
    )
