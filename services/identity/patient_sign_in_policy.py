"""How a practice's patients sign in (I4): whether an account with its authenticator app on is
asked for a code at every sign-in (the default) or only from a device it has not remembered;
and whether they may reset a password with security questions or account information (I8 b,
d: knowledge-based ways that current guidance no longer trusts alone, on by default for
compatibility)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.common import context
from services.common.db import utcnow
from services.identity import checks
from services.identity.audit import trail
from services.identity.domain import SecondFactorRule
from services.identity.models import PatientSignInPolicy
from services.identity.staff import PRACTICE_ID_MAX_LENGTH


@dataclass(frozen=True)
class Policy:
    """A practice's patient sign-in policy; `updated_by` is empty while it is the default."""

    practice_id: str
    second_factor_rule: SecondFactorRule
    question_reset_allowed: bool = True
    account_information_reset_allowed: bool = True
    updated_at: datetime | None = None
    updated_by: str = ""


def policy(session: Session, *, practice_id: str) -> Policy:
    """The practice's policy; a practice that never set one asks at every sign-in and allows
    every reset way."""
    practice = checks.required("practice_id", practice_id, PRACTICE_ID_MAX_LENGTH)
    row = session.get(PatientSignInPolicy, practice)
    if row is None:
        return Policy(practice, SecondFactorRule.EVERY_SIGN_IN)
    return Policy(
        practice,
        SecondFactorRule(row.second_factor_rule),
        row.question_reset_allowed,
        row.account_information_reset_allowed,
        row.updated_at,
        row.updated_by,
    )


def second_factor_rule(session: Session, practice_id: str) -> SecondFactorRule:
    """When the practice's patients are asked for their authenticator code."""
    return policy(session, practice_id=practice_id).second_factor_rule


def set_policy(
    session: Session,
    *,
    practice_id: str,
    rule: SecondFactorRule | None = None,
    question_reset_allowed: bool | None = None,
    account_information_reset_allowed: bool | None = None,
) -> Policy:
    """Changes the values given (None keeps one) and records who set them."""
    practice = checks.required("practice_id", practice_id, PRACTICE_ID_MAX_LENGTH)
    current = policy(session, practice_id=practice)
    row = session.get(PatientSignInPolicy, practice, with_for_update=True)
    if row is None:
        row = PatientSignInPolicy(practice_id=practice)
        session.add(row)
    changes = {
        "second_factor_rule": (rule or current.second_factor_rule).value,
        "question_reset_allowed": _given(question_reset_allowed, current.question_reset_allowed),
        "account_information_reset_allowed": _given(
            account_information_reset_allowed, current.account_information_reset_allowed
        ),
    }
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by = context.current().actor[:100]
    trail.record(
        session,
        "practice.patient_sign_in_policy.update",
        f"practice:{practice}",
        practice_id=practice,
        details={name: str(value).lower() for name, value in changes.items()},
    )
    return policy(session, practice_id=practice)


def _given(value: bool | None, current: bool) -> bool:
    return current if value is None else value
