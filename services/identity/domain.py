"""Identity rules: account states, staff permissions, verification codes and lockout (I11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AccountState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"


class PrincipalKind(StrEnum):
    """Who a session belongs to."""

    ACCOUNT = "account"
    STAFF = "staff"


class CodeChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


PERMISSIONS = frozenset(
    {
        "manage_personnel",
        "view_patients",
        "edit_demographics",
        "enroll_patients",
        "unenroll_patients",
        "manage_proxies",
        "issue_reset_tokens",
        "view_reports",
        "view_audit",
        "manage_practice_settings",
    }
)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
DEVICE_LABEL_MAX_LENGTH = 200


def unknown_permissions(names: list[str]) -> list[str]:
    """The names that are not permissions, in the order given."""
    return [name for name in names if name not in PERMISSIONS]


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether a login is inside its lockout period."""
    return locked_until is not None and locked_until > now


@dataclass(frozen=True)
class FailureCount:
    """A login's consecutive wrong passwords, and the end of its lockout if one began."""

    failed: int
    locked_until: datetime | None


def after_wrong_password(failed: int, now: datetime) -> FailureCount:
    """Counts one more wrong password; the fifth in a row locks the login for 15 minutes and
    starts the count again, so a lock always ends (I11)."""
    if failed + 1 >= MAX_FAILED_SIGN_INS:
        return FailureCount(0, now + LOCKOUT)
    return FailureCount(failed + 1, None)
