"""Each practice's password policy (I2): read for every check, set by the practice."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.identity.audit import trail
from services.identity.errors import InvalidRequest
from services.identity.models import PracticePasswordPolicy
from services.identity.passwords import (
    DEFAULT_POLICY,
    LOWEST_MIN_LENGTH,
    PasswordPolicy,
)

HIGHEST_MIN_LENGTH = 64


def for_practice(session: Session, practice_id: str) -> PasswordPolicy:
    """The practice's policy; the default when it has none or none is named. Read even when
    none is named (an unknown username's reset), so the time does not tell (X3)."""
    row = session.get(PracticePasswordPolicy, practice_id)
    if row is None:
        return DEFAULT_POLICY
    return PasswordPolicy(
        min_length=row.min_length,
        require_mixed_case=row.require_mixed_case,
        require_digit=row.require_digit,
        require_symbol=row.require_symbol,
    )


def set_for_practice(
    session: Session, *, practice_id: str, policy: PasswordPolicy
) -> PasswordPolicy:
    """Replaces the practice's policy; a minimum outside 8 to 64 is refused (NIST SP 800-63B)."""
    if not practice_id:
        raise InvalidRequest(
            "Name the practice.", violations=[FieldViolation("practice_id", "Required.")]
        )
    if not LOWEST_MIN_LENGTH <= policy.min_length <= HIGHEST_MIN_LENGTH:
        raise InvalidRequest(
            f"Choose a minimum length from {LOWEST_MIN_LENGTH} to {HIGHEST_MIN_LENGTH}.",
            violations=[
                FieldViolation(
                    "min_length", f"{LOWEST_MIN_LENGTH} to {HIGHEST_MIN_LENGTH} characters."
                )
            ],
        )
    row = session.get(PracticePasswordPolicy, practice_id, with_for_update=True)
    if row is None:
        row = PracticePasswordPolicy(practice_id=practice_id)
        session.add(row)
    row.min_length = policy.min_length
    row.require_mixed_case = policy.require_mixed_case
    row.require_digit = policy.require_digit
    row.require_symbol = policy.require_symbol
    row.updated_at = utcnow()
    session.flush()
    trail.record(
        session,
        "practice.password_policy.update",
        f"practice:{practice_id}",
        practice_id=practice_id,
        details={
            "min_length": str(policy.min_length),
            "require_mixed_case": str(policy.require_mixed_case).lower(),
            "require_digit": str(policy.require_digit).lower(),
            "require_symbol": str(policy.require_symbol).lower(),
        },
    )
    return policy
