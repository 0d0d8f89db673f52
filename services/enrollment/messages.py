"""Enrollment rows to proto messages and proto fields to use-case values, field by field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.enrollment.v1 import enrollment_pb2 as pb

from services.common.errors import FieldViolation, InvalidArgument
from services.enrollment import domain
from services.enrollment.accounts import Registration
from services.enrollment.lookup import invitation_state
from services.enrollment.models import AutoInvitation, Invitation, MatchRequest, Patient, Practice
from services.enrollment.practice_settings import PracticeSettings
from services.enrollment.schedule import OpeningHours, Weekday

STATUSES = {
    status: pb.EnrollmentStatus.Value(f"ENROLLMENT_STATUS_{status.name}")
    for status in domain.Status
}
BIRTH_SEXES = {sex: pb.BirthSex.Value(f"BIRTH_SEX_{sex.name}") for sex in domain.BirthSex}
SEX_NAMES = {number: sex.value for sex, number in BIRTH_SEXES.items()}
ACTIONS = {
    action: pb.PatientAction.Value(f"PATIENT_ACTION_{action.name}") for action in domain.Action
}
INVITATION_STATES = {
    state: pb.InvitationState.Value(f"INVITATION_STATE_{state.name}")
    for state in domain.InvitationState
}
UNENROLL_REASONS = {
    pb.UnenrollReason.Value(f"UNENROLL_REASON_{reason.name}"): reason
    for reason in domain.UnenrollReason
}
OUTCOMES = {
    "invitation_sent": pb.ENROLL_NOW_OUTCOME_INVITATION_SENT,
    "already_pending": pb.ENROLL_NOW_OUTCOME_ALREADY_PENDING,
}


CodeSent = TypeVar(
    "CodeSent",
    pb.SubmitSecurityDetailsResponse,
    pb.ResendActivationCodeResponse,
    pb.SubmitRegistrationDetailsResponse,
    pb.ResendRegistrationCodeResponse,
)


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def practice(row: Practice) -> pb.Practice:
    return pb.Practice(
        practice_id=row.id,
        name=row.name,
        contact_phone=row.contact_phone,
        time_zone=row.time_zone,
        email_required=row.email_required,
    )


def practice_settings(settings: PracticeSettings) -> pb.PracticeSettings:
    return pb.PracticeSettings(
        time_zone=settings.time_zone,
        auto_invites_enabled=settings.auto_invites_enabled,
        auto_invite_hours=[
            pb.OpeningHours(day=int(w.day), opens=f"{w.opens:%H:%M}", closes=f"{w.closes:%H:%M}")
            for w in settings.auto_invite_hours
        ],
        email_required=settings.email_required,
        invitation_lifetime_days=settings.invitation_lifetime_days,
        throttle_max_sends=settings.throttle_max_sends,
        throttle_window_days=settings.throttle_window_days,
        age_of_majority=settings.age_of_majority,
        deferral_reminder_days=settings.deferral_reminder_days,
        updated_at=timestamp(settings.updated_at),
        updated_by=settings.updated_by,
    )


def _clock_time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def _opening_hours(windows: Iterable[pb.OpeningHours]) -> tuple[OpeningHours, ...]:
    hours = []
    for window in windows:
        try:
            opens, closes = (
                datetime.strptime(t, "%H:%M").time() for t in (window.opens, window.closes)
            )
            hours.append(OpeningHours(Weekday(window.day), opens, closes))
        except ValueError:
            raise InvalidArgument(
                "Give each day's opening hours as a day 0 (Monday) to 6 (Sunday) and HH:MM times.",
                violations=[FieldViolation("auto_invite_hours", "Use day 0 to 6 and HH:MM times.")],
            ) from None
    return tuple(hours)


def settings_changes(request: pb.UpdatePracticeSettingsRequest) -> dict[str, object]:
    """The changes an update asks for: the masked fields of its settings."""
    changes: dict[str, object] = {}
    for path in request.update_mask.paths:
        if path == "auto_invite_hours":
            changes[path] = _opening_hours(request.settings.auto_invite_hours)
        elif path in pb.PracticeSettings.DESCRIPTOR.fields_by_name:
            changes[path] = getattr(request.settings, path)
        else:
            changes[path] = None  # refused by name in the use case
    return changes


AUTO_STATES = {
    state: pb.AutoInvitationState.Value(f"AUTO_INVITATION_STATE_{state.name}")
    for state in domain.AutoInvitationState
}
AUTO_STATE_FILTERS = {number: state for state, number in AUTO_STATES.items()}
EVENTS = {
    pb.PATIENT_EVENT_ENCOUNTER_ADDED: domain.Trigger.ENCOUNTER_ADDED,
    pb.PATIENT_EVENT_APPOINTMENT_ADDED: domain.Trigger.APPOINTMENT_ADDED,
}


def auto_invitation(row: AutoInvitation) -> pb.AutoInvitation:
    return pb.AutoInvitation(
        auto_invitation_id=row.id,
        patient_id=row.patient_id,
        trigger=row.trigger,
        triggered_at=timestamp(row.triggered_at),
        state=AUTO_STATES[domain.AutoInvitationState(row.state)],
        send_after=timestamp(row.send_after),
        decided_at=timestamp(row.decided_at),
        detail=row.detail or "",
        next_allowed_at=timestamp(row.next_allowed_at),
        invitation_id=row.invitation_id or "",
    )


def patient(row: Patient) -> pb.Patient:
    """The patient with demographics, history and the actions its status allows."""
    demographics = pb.Demographics(
        first_name=row.first_name or "",
        last_name=row.last_name or "",
        date_of_birth=row.date_of_birth.isoformat() if row.date_of_birth else "",
        birth_sex=BIRTH_SEXES[domain.BirthSex(row.birth_sex)] if row.birth_sex else 0,
        zip_code=row.zip_code or "",
        email=row.email or "",
        cell_phone=row.cell_phone or "",
        home_phone=row.home_phone or "",
        street_address=row.street_address or "",
    )
    status = domain.Status(row.status)
    return pb.Patient(
        patient_id=row.id,
        practice_id=row.practice_id,
        demographics=demographics,
        status=STATUSES[status],
        invitation_requested_at=timestamp(row.invitation_requested_at),
        account_id=row.account_id or "",
        access_suspended=domain.access_suspended(status),
        history=[
            pb.StatusChange(
                from_status=STATUSES[domain.Status(change.from_status)]
                if change.from_status
                else 0,
                to_status=STATUSES[domain.Status(change.to_status)],
                changed_at=timestamp(change.changed_at),
                actor=change.actor,
                reason=change.reason,
                note=change.note or "",
            )
            for change in row.history
        ],
        mrn=row.mrn or "",
        available_actions=[ACTIONS[action] for action in domain.available_actions(status)],
    )


def invitation(row: Invitation | None) -> pb.Invitation | None:
    if row is None:
        return None
    return pb.Invitation(
        invitation_id=row.id,
        sent_at=timestamp(row.sent_at),
        expires_at=timestamp(row.expires_at),
        channels=row.channels,
        state=INVITATION_STATES[invitation_state(row)],
    )


def patient_values(demographics: pb.Demographics, mrn: str, names: list[str]) -> dict[str, str]:
    """The named patient fields as strings: demographics, and "mrn" from the request's own
    field. An unset birth sex is an empty string (cleared)."""
    values = {}
    for name in names:
        if name == "birth_sex":
            values[name] = SEX_NAMES.get(demographics.birth_sex, "")
        elif name == "mrn":
            values[name] = mrn
        elif name in domain.FIELD_NAMES:
            values[name] = getattr(demographics, name)
        else:
            values[name] = ""  # unknown names are refused by the use case
    return values


def code_sent(response: type[CodeSent], registration: Registration) -> CodeSent:
    """The answer of a step that sent a verification code: where it went."""
    return response(
        code_channel=registration.code_channel,
        code_destination_hint=registration.code_destination_hint,
    )


def match_request(row: MatchRequest) -> pb.MatchRequest:
    """The match request with the demographics the patient gave."""
    given = row.registration
    return pb.MatchRequest(
        match_request_id=row.id,
        account_id=row.account_id,
        first_name=given.first_name,
        last_name=given.last_name,
        date_of_birth=given.date_of_birth.isoformat(),
        zip_code=given.zip_code,
        requested_at=timestamp(row.requested_at),
    )


# Of automatic invitations and match requests.
MAX_PAGE_SIZE = 200


def page_size(asked: int) -> int:
    """The page size asked for, 50 when unset; outside 1 to MAX_PAGE_SIZE is refused."""
    limit = asked or 50
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"Ask for 1 to {MAX_PAGE_SIZE} at a time.",
            violations=[FieldViolation("page_size", f"Use 1 to {MAX_PAGE_SIZE}.")],
        )
    return limit
