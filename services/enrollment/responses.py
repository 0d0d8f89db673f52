"""The patient's response to an invitation: DECLINED or DEFERRED, given from the invitation's
link (E11), and removed by staff only on a confirmed Enroll Now (E5). Use cases take a session
and only flush."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.crypto import token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.enrollment import domain, errors, repository
from services.enrollment.audit import record_patient_action
from services.enrollment.auto_invites import AutoInvites
from services.enrollment.history import change_status
from services.enrollment.invitations import end_pending_accounts, link_works, local_moment
from services.enrollment.models import Patient

# The history's words for each response, and for its removal by staff (E5).
GIVEN_BY_PATIENT = {
    domain.Status.DECLINED: "declined from the invitation",
    domain.Status.DEFERRED: "asked from the invitation to be reminded later",
}
REMOVED_BY_STAFF = "patient's response removed by staff"
_AUDIT_ACTION = {
    domain.Status.DECLINED: "invitation.decline",
    domain.Status.DEFERRED: "invitation.defer",
}
_RESPONDED = {
    domain.Status.DECLINED: "The patient declined the invitation on {when}.",
    domain.Status.DEFERRED: "The patient deferred on {when}, asking to be reminded later.",
}


def respond(
    session: Session,
    *,
    token: str,
    response: domain.Status,
    outbox: Outbox,
    reminders: AutoInvites,
) -> Patient:
    """E11: the patient answers DECLINED or DEFERRED from an invitation whose link works. A
    decline uses the link up, and ends any account pending through it (E9). A deferral keeps
    the link working until it expires (to activate, or to decline) and queues the reminder;
    deferring again changes nothing. Any other link answers InvitationNotValid, as activation
    does (E10), and changes nothing."""
    digest = token_hash(token)
    # Staff changes lock the patient, then its invitations; the same order here keeps the two
    # from deadlocking, and the invitation is read once no staff change is under way.
    patient_id = repository.patient_id_of_token(session, digest)
    if patient_id is not None:
        repository.patient_for_update(session, patient_id)
    invitation = repository.invitation_by_token_hash(session, digest)
    if invitation is None or not link_works(invitation):
        raise errors.InvitationNotValid()
    patient = invitation.patient
    if patient.status == response:
        return patient  # deferred again from the link: the reminder is already queued
    change_status(session, patient, response, GIVEN_BY_PATIENT[response], actor="patient")
    if response is domain.Status.DEFERRED:
        reminders.remind_later(session, patient=patient, invitation_id=invitation.id)
    else:
        invitation.used_at = utcnow()
        end_pending_accounts(
            session, outbox, patient, repository.invitation_accounts(session, invitation.id)
        )
    session.flush()
    record_patient_action(session, _AUDIT_ACTION[response], patient)
    return patient


def confirmation_required(patient: Patient) -> errors.ConfirmationRequired:
    """E5: the question Enroll Now asks about a patient who responded: when they did (in the
    practice's time zone), and that confirming removes the response and sends the invitation."""
    status = domain.Status(patient.status)
    # The current status is the last change's: this is when the patient responded.
    responded_at = patient.history[-1].changed_at
    when = local_moment(responded_at, patient.practice.time_zone)
    return errors.ConfirmationRequired(
        f"{_RESPONDED[status].format(when=when)} Confirm to remove the patient's response and "
        "send the invitation.",
        violations=[
            FieldViolation(
                "confirm_clear_response",
                "Set to true to remove the patient's response and send the invitation.",
            )
        ],
        metadata={"status": status.value, "responded_at": f"{responded_at:%Y-%m-%dT%H:%M:%SZ}"},
    )
