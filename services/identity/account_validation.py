"""What a signed-in account must do before anything else: answer five security questions (I3:
accounts from before the rule, and new ones, at first sign-in), and after the account-
information reset (I8 d) also verify an account email. Until that validation is complete, a
forgotten password needs a practice token: no link, questions or second information reset."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.identity import domain, questions, repository
from services.identity.domain import RequiredAction
from services.identity.models import Account


def required_actions(session: Session, account_id: str) -> list[str]:
    """The pending steps, first to do first."""
    account = repository.account(session, account_id)
    required = []
    if account is not None and account.information_reset_at and not account.verified_email:
        required.append(RequiredAction.VERIFY_ACCOUNT_EMAIL.value)
    if len(questions.question_ids(session, account_id)) < domain.SECURITY_QUESTIONS_REQUIRED:
        required.append(RequiredAction.SET_SECURITY_QUESTIONS.value)
    return required


def pending(session: Session, account: Account) -> bool:
    """True while an account that used the account-information reset has not yet verified an
    account email and answered five security questions."""
    return account.information_reset_at is not None and (
        not account.verified_email
        or len(questions.question_ids(session, account.id)) < domain.SECURITY_QUESTIONS_REQUIRED
    )


def pending_with(
    *, information_reset_at: datetime | None, verified_email: str | None, question_ids: list[str]
) -> bool:
    """`pending`, for an account's values already read."""
    return information_reset_at is not None and (
        not verified_email or len(question_ids) < domain.SECURITY_QUESTIONS_REQUIRED
    )
