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
    # The authenticator app is on, but the practice asks it only from new devices and this
    # one was remembered after a sign-in with it.
    PASSWORD_REMEMBERED_DEVICE = "password+remembered_device"  # noqa: S105
    # The account's first session, opened by the verification code that activated it, in the
    # journey where its password was just chosen (E9, E12).
    ACTIVATION_CODE = "activation_code"


class SecondFactorRule(StrEnum):
    """When a practice's patients with the authenticator app on are asked for a code (I4)."""

    EVERY_SIGN_IN = "every_sign_in"
    NEW_DEVICE = "new_device"


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


# The permission that makes a staff member one of their practice's administrators: who adds
# staff and changes their permissions (S1). A practice always keeps at least one active
# administrator (E14).
ADMINISTRATOR_PERMISSION = "manage_personnel"


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

DEVICE_LABEL_MAX_LENGTH = 200
CHALLENGE_LIFETIME = timedelta(minutes=10)
RECOVERY_CODES = 10
# A device a person chose to remember skips the second factor where the practice allows it,
# and keeps signing in while their account is locked by failures elsewhere (I4, I11).
REMEMBER_DEVICE_FOR = timedelta(days=30)


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


def is_active_administrator(permissions: Iterable[str], *, deactivated: bool) -> bool:
    """Whether a staff member counts as an active administrator of their practice (E14): they
    hold manage_personnel and are not deactivated."""
    return not deactivated and ADMINISTRATOR_PERMISSION in set(permissions)


def ends_the_last_administrator(*, is_now: bool, stays: bool, other_administrators: int) -> bool:
    """Whether a change to one staff member would leave the practice with no active
    administrator (E14): they are one now, will not be after the change, and no colleague is.
    A change that ends no administration is never refused, even in a practice without one."""
    return is_now and not stays and other_administrators == 0


@dataclass(frozen=True)
class LockoutRule:
    """How wrong passwords and codes slow down, then lock (I11): the first
    `free_failures` in a row cost nothing (typing mistakes); each one after waits twice as long
    as the one before, from `first_wait`; the `failures`-th locks for `lock`, and the count
    starts again, so a lock always ends. A count whose last failure is older than
    `forget_after` starts again too."""

    failures: int = 10
    lock: timedelta = timedelta(minutes=15)
    free_failures: int = 3
    first_wait: timedelta = timedelta(seconds=1)
    forget_after: timedelta = timedelta(hours=12)

    def after_failure(self, failed: int, last_failure_at: datetime | None, now: datetime) -> Pause:
        """The count and pause after one more wrong password or code."""
        if last_failure_at is None or now - last_failure_at >= self.forget_after:
            failed = 0
        failed += 1
        if failed >= self.failures:
            return Pause(0, now + self.lock, locked=True)
        if failed <= self.free_failures:
            return Pause(failed, None)
        return Pause(failed, now + self.first_wait * 2 ** (failed - self.free_failures - 1))


@dataclass(frozen=True)
class Pause:
    """A key's consecutive failures, and until when it may not try again (None: at once);
    `locked` when this failure began a lock."""

    failed: int
    until: datetime | None
    locked: bool = False


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


class IdentityCheck(StrEnum):
    """How staff checked a patient's identity before issuing a reset token (I8 c)."""

    PHOTO_ID = "photo_id"
    CALL_BACK = "call_back"
    KNOWN_IN_PERSON = "known_in_person"


RESET_TOKEN_DIGITS = 8
RESET_TOKEN_LIFETIME = timedelta(hours=24)
RESET_TOKEN_ATTEMPTS = 5


class RequiredAction(StrEnum):
    """What a signed-in account must do before anything else (I3, I8 d)."""

    VERIFY_ACCOUNT_EMAIL = "verify_account_email"
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
