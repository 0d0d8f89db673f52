"""Identity rules: account states, staff roles and permissions, verification codes and lockout
(I11)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
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


class StaffStep(StrEnum):
    """Where a staff sign-in stands: a session, or the step its challenge continues."""

    SESSION = "session"
    CHANGE_PASSWORD = "change_password"  # noqa: S105 - a step name, not a password
    ENROLL_SECOND_FACTOR = "enroll_second_factor"
    SECOND_FACTOR = "second_factor"


class Factors(StrEnum):
    """What a session was opened with, so later rules can ask for a stronger one (I4)."""

    # Factor names, not passwords (S105).
    PASSWORD = "password"  # noqa: S105
    PASSWORD_TOTP = "password+totp"  # noqa: S105
    PASSWORD_RECOVERY_CODE = "password+recovery_code"  # noqa: S105


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


class StaffRole(StrEnum):
    """A staff member's job at their practice (S1); it presets the permissions they start with."""

    ADMINISTRATOR = "administrator"
    CLINICIAN = "clinician"
    FRONT_DESK = "front_desk"
    BILLING = "billing"
    OTHER = "other"


ROLE_PERMISSIONS: dict[StaffRole, frozenset[str]] = {
    StaffRole.ADMINISTRATOR: PERMISSIONS,
    StaffRole.CLINICIAN: frozenset({"view_patients", "manage_proxies", "view_reports"}),
    StaffRole.FRONT_DESK: frozenset(
        {
            "view_patients",
            "edit_demographics",
            "enroll_patients",
            "manage_proxies",
            "issue_reset_tokens",
        }
    ),
    StaffRole.BILLING: frozenset({"view_patients", "view_reports"}),
    StaffRole.OTHER: frozenset(),
}

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=30)
RESEND_WINDOW = timedelta(hours=1)
RESENDS_PER_WINDOW = 5

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
DEVICE_LABEL_MAX_LENGTH = 200
CHALLENGE_LIFETIME = timedelta(minutes=10)
RECOVERY_CODES = 10


def unknown_permissions(names: list[str]) -> list[str]:
    """The names that are not permissions, in the order given."""
    return [name for name in names if name not in PERMISSIONS]


def initial_permissions(
    role: StaffRole, granted: Iterable[str], copied: Iterable[str] = ()
) -> list[str]:
    """A new staff member's permissions (S1), sorted: the role's preset, the ones granted and
    the ones copied from a colleague, together. Only creation applies the preset; a later role
    change leaves permissions as they are."""
    return sorted(ROLE_PERMISSIONS[role] | set(granted) | set(copied))


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


def resend_wait(resends: Sequence[datetime], now: datetime) -> timedelta | None:
    """How long until another code may be resent, given when earlier resends were made (the
    registration's code is not one), or None when it may be now: 30 seconds after the last
    resend, and at most 5 resends in any hour (I11)."""
    recent = sorted(sent for sent in resends if sent > now - RESEND_WINDOW)
    if not recent:
        return None
    waits = [recent[-1] + RESEND_INTERVAL - now]
    if len(recent) >= RESENDS_PER_WINDOW:
        waits.append(recent[-RESENDS_PER_WINDOW] + RESEND_WINDOW - now)
    wait = max(waits)
    return wait if wait > timedelta(0) else None


def next_staff_step(
    *, password_change_required: bool, second_factor_enrolled: bool, second_factor_required: bool
) -> StaffStep:
    """What a staff member whose password is right does next (S2): replace an initial password
    first; then enter a code when an authenticator app is set up (even where the practice does
    not require one), set one up when the practice requires it, else the session opens."""
    if password_change_required:
        return StaffStep.CHANGE_PASSWORD
    if second_factor_enrolled:
        return StaffStep.SECOND_FACTOR
    if second_factor_required:
        return StaffStep.ENROLL_SECOND_FACTOR
    return StaffStep.SESSION


class RequiredAction(StrEnum):
    """What a signed-in account must do before anything else (I3)."""

    SET_SECURITY_QUESTIONS = "set_security_questions"


class ContactKind(StrEnum):
    """A contact detail that changes only once a code sent to the new value comes back."""

    ACCOUNT_EMAIL = "account_email"
    CELL_PHONE = "cell_phone"


# Security questions (I3): the catalogue a person picks five distinct ones from. IDs are
# stable (stored with each answer); the wording may be improved without touching the answers.
SECURITY_QUESTIONS: dict[str, str] = {
    "first_pet": "What was the name of your first pet?",
    "childhood_friend": "What was the first name of your best friend as a child?",
    "first_street": "What was the name of the street you grew up on?",
    "first_school": "What was the name of your first school?",
    "first_job": "What was your first job?",
    "parents_meeting_city": "In what city did your parents meet?",
    "first_car": "What was the make and model of your first car?",
    "favourite_teacher": "What was the last name of your favourite teacher?",
    "childhood_hero": "Who was your childhood hero?",
    "first_concert": "What was the first concert you went to?",
    "oldest_cousin": "What is the first name of your oldest cousin?",
    "dream_job": "What did you want to be when you grew up?",
}
SECURITY_QUESTIONS_REQUIRED = 5
ANSWER_MAX_LENGTH = 100


def normalize_answer(answer: str) -> str:
    """An answer as it is hashed and compared (I3): NFKC, case-folded, trimmed, and every run of
    inner white space made one space, so "  Rex   the DOG" equals "rex the dog"."""
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())
