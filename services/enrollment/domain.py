"""Enrollment rules: demographics (E1), statuses and their actions (E2, E5, E13), invitations,
who a self-registering patient is (E12), and whose linked record confirms an account's owner
(I7, I8 d)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum


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
    home_phone: str | None = None
    street_address: str | None = None

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
    "home_phone": "Home phone",
    "street_address": "Street address",
    "mrn": "Medical record number",
}
# What staff may set on a patient: the demographics and the practice's own record number.
PATIENT_FIELDS = (*FIELD_NAMES, "mrn")
# What a patient record needs from the start and keeps: who the person is. The other fields
# may follow ("Update Now", E3).
RECORD_FIELDS = ("first_name", "last_name", "date_of_birth")


def missing_for_invitation(demographics: Demographics, *, email_required: bool) -> list[str]:
    """The required fields (E1) that are not recorded. A practice that made email optional
    accepts a cell phone instead: that patient is invited by SMS only."""
    missing = [name for name in REQUIRED_FIELDS if getattr(demographics, name) in (None, "")]
    if "email" in missing and not email_required and demographics.cell_phone:
        missing.remove("email")
    return missing


def next_send_allowed(
    sent: Sequence[datetime], *, max_sends: int, window: timedelta, now: datetime
) -> datetime | None:
    """E7: None when another invitation may go out now; otherwise when it may, given when the
    earlier ones went out. At most `max_sends` in any `window`, so the next is allowed once the
    oldest of the last `max_sends` leaves the window."""
    recent = sorted(moment for moment in sent if moment > now - window)
    if len(recent) < max_sends:
        return None
    return recent[-max_sends] + window


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


def same_person(record: Demographics, given: Demographics) -> bool:
    """Whether a record is the self-registering patient's (E12): first and last name alike but
    for letter case and surrounding space, the same date of birth and the same 5-digit ZIP."""

    def name(value: str | None) -> str:
        return (value or "").strip().casefold()

    return (
        bool(name(record.first_name))
        and name(record.first_name) == name(given.first_name)
        and bool(name(record.last_name))
        and name(record.last_name) == name(given.last_name)
        and record.date_of_birth is not None
        and record.date_of_birth == given.date_of_birth
        and record.zip_code is not None
        and given.zip_code is not None
        and record.zip_code.strip()[:5] == given.zip_code.strip()[:5]
    )


def linkable_by_self_registration(status: Status, *, has_account: bool) -> bool:
    """Whether self-registration may link an account to the one matching record (E12): not one
    that already has an account, nor one the practice unenrolled (E13: the patient must ask the
    practice to be re-activated)."""
    return not has_account and status not in (Status.ENROLLED, Status.UNENROLLED)


# E2: the status changes that exist; anything else is refused with what is allowed. A record
# not yet enrolled becomes ENROLLED directly when a self-registered account is linked (E12).
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.NOT_ENROLLED}),
    Status.NOT_ENROLLED: frozenset({Status.PENDING, Status.ENROLLED}),
    Status.PENDING: frozenset({Status.ENROLLED, Status.DECLINED, Status.DEFERRED}),
    Status.DECLINED: frozenset({Status.PENDING, Status.ENROLLED}),
    # A deferred link keeps working (E11): the patient may still decline or activate from it.
    Status.DEFERRED: frozenset({Status.PENDING, Status.ENROLLED, Status.DECLINED}),
    Status.ENROLLED: frozenset({Status.UNENROLLED}),
    Status.UNENROLLED: frozenset({Status.ENROLLED}),
}


def allowed_next(status: Status | None) -> frozenset[Status]:
    """The statuses a patient in `status` may move to."""
    return TRANSITIONS[status]


# E11: what a patient can answer from the invitation instead of activating. Enroll Now removes
# such a response only once staff confirm it (E5).
PATIENT_RESPONSES = frozenset({Status.DECLINED, Status.DEFERRED})


class Action(StrEnum):
    """An enrollment action staff can take on a patient."""

    ENROLL_NOW = "enroll_now"
    RESEND_INVITATION = "resend_invitation"
    UNENROLL = "unenroll"
    REACTIVATE = "reactivate"


# What each status allows now. On DECLINED and DEFERRED, Enroll Now asks staff to confirm that
# the patient's response is removed (E5).
ACTIONS: dict[Status, tuple[Action, ...]] = {
    Status.NOT_ENROLLED: (Action.ENROLL_NOW,),
    Status.PENDING: (Action.RESEND_INVITATION,),
    Status.ENROLLED: (Action.UNENROLL,),
    Status.UNENROLLED: (Action.REACTIVATE,),
    Status.DECLINED: (Action.ENROLL_NOW,),
    Status.DEFERRED: (Action.ENROLL_NOW,),
}


def access_suspended(status: Status) -> bool:
    """Whether portal access to a record is suspended (E13): while the practice has it
    UNENROLLED, neither its account nor a proxy acts for it; re-activation restores both."""
    return status is Status.UNENROLLED


def available_actions(status: Status) -> tuple[Action, ...]:
    """The actions a patient in `status` allows, in display order."""
    return ACTIONS[status]


class Trigger(StrEnum):
    """What asks for an automatic invitation: a change to the chart (E6), or the patient, who
    deferred and is reminded after the practice's number of days (E11)."""

    CHART_ADDED = "chart_added"
    DEMOGRAPHICS_CHANGED = "demographics_changed"
    ENCOUNTER_ADDED = "encounter_added"
    APPOINTMENT_ADDED = "appointment_added"
    DEFERRAL_REMINDER = "deferral_reminder"


def waits_for_go_live(trigger: Trigger) -> bool:
    """Whether the trigger sends only once the practice turned automatic invitations on (E6):
    the chart's do; the reminder a patient asked for (E11) does not."""
    return trigger is not Trigger.DEFERRAL_REMINDER


class AutoInvitationState(StrEnum):
    """Where an automatic invitation stands (E6, E7)."""

    QUEUED = "queued"
    SENT = "sent"
    THROTTLED = "throttled"
    SKIPPED = "skipped"


def auto_invite_applies(status: Status, trigger: Trigger) -> bool:
    """Whether a trigger asks for an automatic invitation for a patient in `status` (E6, E7): a
    patient not enrolled is invited on any trigger; one whose invitation is pending is sent an
    update only when a required field changed (E8); a patient who deferred is sent only the
    reminder (E11); anyone else has answered, or is enrolled, and is left alone."""
    if trigger is Trigger.DEFERRAL_REMINDER:
        return status is Status.DEFERRED
    if status is Status.NOT_ENROLLED:
        return True
    return status is Status.PENDING and trigger is Trigger.DEMOGRAPHICS_CHANGED


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


def last_name_and_birth_date_match(
    record: Demographics, *, last_name: str, date_of_birth: date
) -> bool:
    """Whether a linked record confirms a forgotten username's owner (I7): the last name alike
    but for letter case and surrounding space, and the same date of birth."""
    given = last_name.strip().casefold()
    return (
        bool(given)
        and (record.last_name or "").strip().casefold() == given
        and record.date_of_birth == date_of_birth
    )


def account_information_matches(
    record: Demographics, *, first_name: str, last_name: str, date_of_birth: date, home_phone: str
) -> bool:
    """Whether a linked record confirms the owner of an account resetting its password with
    account information (I8 d): first and last name alike but for letter case and surrounding
    space, the same date of birth and home phone (`home_phone` already in E.164), and a street
    address on record for the patient to pick."""

    def name(value: str | None) -> str:
        return (value or "").strip().casefold()

    return (
        bool(name(record.first_name))
        and name(record.first_name) == name(first_name)
        and bool(name(record.last_name))
        and name(record.last_name) == name(last_name)
        and record.date_of_birth == date_of_birth
        and bool(record.home_phone)
        and record.home_phone == home_phone
        and bool(record.street_address)
    )
