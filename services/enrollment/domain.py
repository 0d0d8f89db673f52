"""Enrollment rules: demographics (E1), statuses and their actions (E2, E13), invitations."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.common.errors import FieldViolation


class BirthSex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class Status(StrEnum):
    """Enrollment statuses (E2)."""

    NOT_ENROLLED = "not_enrolled"
    PENDING = "pending"
    ENROLLED = "enrolled"
    DECLINED = "declined"
    DEFERRED = "deferred"
    UNENROLLED = "unenrolled"


@dataclass(frozen=True)
class Demographics:
    """What the chart knows of a patient; None means not recorded."""

    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date | None = None
    birth_sex: BirthSex | None = None
    zip_code: str | None = None
    email: str | None = None
    cell_phone: str | None = None

    def changed(self, **values: object) -> Demographics:
        return replace(self, **values)  # type: ignore[arg-type]


FIELD_NAMES = tuple(f.name for f in fields(Demographics))
# E1: the fields an invitation needs. Cell phone is sent too when present.
REQUIRED_FIELDS = ("first_name", "last_name", "date_of_birth", "birth_sex", "zip_code", "email")
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "birth_sex": "Birth sex",
    "zip_code": "ZIP code",
    "email": "Email address",
    "cell_phone": "Cell phone",
    "mrn": "Medical record number",
}
# What staff may set on a patient: the demographics and the practice's own record number.
PATIENT_FIELDS = (*FIELD_NAMES, "mrn")

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_MRN = re.compile(r"^[A-Za-z0-9./-]{1,32}$")
_MAX_NAME = 100


def missing_for_invitation(demographics: Demographics, *, email_required: bool) -> list[str]:
    """The required fields (E1) that are not recorded. A practice that made email optional
    accepts a cell phone instead: that patient is invited by SMS only."""
    missing = [name for name in REQUIRED_FIELDS if getattr(demographics, name) in (None, "")]
    if "email" in missing and not email_required and demographics.cell_phone:
        missing.remove("email")
    return missing


def normalize(
    raw: dict[str, str], *, today: date
) -> tuple[dict[str, object], list[FieldViolation]]:
    """Parses the given demographic values (empty string = clear the field). Returns the clean
    values and a violation for every value that is present but wrong."""
    clean: dict[str, object] = {}
    violations: list[FieldViolation] = []
    for name, value in raw.items():
        value = value.strip()
        if not value:
            clean[name] = None
            continue
        try:
            clean[name] = _PARSERS[name](value, today)
        except ValueError as error:
            violations.append(FieldViolation(name, str(error)))
    return clean, violations


def _name(value: str, _today: date) -> str:
    if len(value) > _MAX_NAME:
        raise ValueError(f"Use at most {_MAX_NAME} characters.")
    return value


def _date_of_birth(value: str, today: date) -> date:
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise ValueError("Use the form YYYY-MM-DD, e.g. 1984-03-07.") from None
    if born > today or born.year < 1900:
        raise ValueError("Enter a date of birth between 1900 and today.")
    return born


def _birth_sex(value: str, _today: date) -> BirthSex:
    try:
        return BirthSex(value.lower())
    except ValueError:
        raise ValueError("Use female, male or unknown.") from None


def _zip_code(value: str, _today: date) -> str:
    if not _ZIP.match(value):
        raise ValueError("Use a 5-digit ZIP code, or ZIP+4 like 60614-1234.")
    return value


def _email(value: str, _today: date) -> str:
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise ValueError("Enter an email address like name@example.com.") from None


def _cell_phone(value: str, _today: date) -> str:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Enter a valid phone number, e.g. +1 312 555 0142.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _mrn(value: str, _today: date) -> str:
    if not _MRN.match(value):
        raise ValueError('Use 1 to 32 letters, digits, "-", "." or "/".')
    return value.upper()


_PARSERS = {
    "first_name": _name,
    "last_name": _name,
    "date_of_birth": _date_of_birth,
    "birth_sex": _birth_sex,
    "zip_code": _zip_code,
    "email": _email,
    "cell_phone": _cell_phone,
    "mrn": _mrn,
}


def answers_match(demographics: Demographics, *, zip_code: str, date_of_birth: str) -> bool:
    """Whether the patient's answers (E9) match the chart: the 5-digit ZIP and the exact date."""
    given_zip = zip_code.strip()[:5]
    try:
        given_date = date.fromisoformat(date_of_birth.strip())
    except ValueError:
        return False
    return (
        demographics.zip_code is not None
        and demographics.zip_code[:5] == given_zip
        and demographics.date_of_birth == given_date
    )


# E2: the status changes that exist; anything else is refused with what is allowed.
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.NOT_ENROLLED}),
    Status.NOT_ENROLLED: frozenset({Status.PENDING}),
    Status.PENDING: frozenset({Status.ENROLLED, Status.DECLINED, Status.DEFERRED}),
    Status.DECLINED: frozenset({Status.PENDING}),
    Status.DEFERRED: frozenset({Status.PENDING}),
    Status.ENROLLED: frozenset({Status.UNENROLLED}),
    Status.UNENROLLED: frozenset({Status.ENROLLED}),
}


def allowed_next(status: Status | None) -> frozenset[Status]:
    """The statuses a patient in `status` may move to."""
    return TRANSITIONS[status]


class Action(StrEnum):
    """An enrollment action staff can take on a patient."""

    ENROLL_NOW = "enroll_now"
    RESEND_INVITATION = "resend_invitation"
    UNENROLL = "unenroll"
    REACTIVATE = "reactivate"


# What each status allows now. DECLINED and DEFERRED offer nothing until E5 (confirm and clear
# the patient's response) exists: Enroll Now refuses them today.
ACTIONS: dict[Status, tuple[Action, ...]] = {
    Status.NOT_ENROLLED: (Action.ENROLL_NOW,),
    Status.PENDING: (Action.RESEND_INVITATION,),
    Status.ENROLLED: (Action.UNENROLL,),
    Status.UNENROLLED: (Action.REACTIVATE,),
    Status.DECLINED: (),
    Status.DEFERRED: (),
}


def available_actions(status: Status) -> tuple[Action, ...]:
    """The actions a patient in `status` allows, in display order."""
    return ACTIONS[status]


class UnenrollReason(StrEnum):
    """Why a practice unenrolls a patient (E13)."""

    INACTIVITY = "inactivity"
    PATIENT_REQUEST = "patient_request"


MAX_NOTE = 500  # characters of a staff note on a status change


class InvitationState(StrEnum):
    """Whether an invitation's link works, and if not why (E4, E9, E10)."""

    OPEN = "open"
    SUPERSEDED = "superseded"
    USED = "used"
    EXPIRED = "expired"
    LOCKED = "locked"


def invitation_state(
    *,
    used_at: datetime | None,
    locked_at: datetime | None,
    superseded_at: datetime | None,
    expires_at: datetime,
    now: datetime,
) -> InvitationState:
    """The state of an invitation at `now`; what ended it first wins over a later expiry."""
    if used_at:
        return InvitationState.USED
    if locked_at:
        return InvitationState.LOCKED
    if superseded_at:
        return InvitationState.SUPERSEDED
    if expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState.OPEN
