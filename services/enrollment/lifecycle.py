"""Unenrollment and re-activation (E13): a practice ends and restores a patient's portal
access; the account stays linked throughout. Each takes a session and only flushes."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2
from vestibule.proxy.v1 import proxy_pb2

from services.common.errors import FieldViolation, InvalidArgument
from services.common.outbox import Outbox
from services.enrollment import domain, errors, repository
from services.enrollment.audit import record_patient_action
from services.enrollment.history import change_status
from services.enrollment.models import Patient, StatusChange
from services.enrollment.service import require_key

SEND_ACCOUNT_NOTICE = "/vestibule.identity.v1.IdentityService/SendAccountNotice"
REVIEW_RECORD_ACCESS = "/vestibule.identity.v1.IdentityService/ReviewRecordAccess"
SET_RECORD_ACCESS = "/vestibule.proxy.v1.ProxyService/SetRecordAccess"
# The history's words for each reason.
REASON_TEXT = {
    domain.UnenrollReason.INACTIVITY: "unenrolled after long inactivity",
    domain.UnenrollReason.PATIENT_REQUEST: "unenrolled at the patient's request",
}


class LifecycleUseCases:
    def __init__(self, *, outbox: Outbox) -> None:
        self._outbox = outbox

    def unenroll(
        self,
        session: Session,
        *,
        practice_id: str,
        patient_id: str,
        reason: domain.UnenrollReason | None,
        note: str,
        idempotency_key: str,
    ) -> Patient:
        """ENROLLED to UNENROLLED with the reason in the history; the account email gets a
        notice through identity (I6). Access to the record is suspended (E13): proxy pauses
        every proxy's access, and identity ends the account's sessions when it has no other
        record it may use. A retry with the same key changes nothing."""
        require_key(idempotency_key)
        note = note.strip()
        violations = []
        if reason is None:
            violations.append(FieldViolation("reason", "Use inactivity or patient_request."))
        if len(note) > domain.MAX_NOTE:
            violations.append(FieldViolation("note", f"Use at most {domain.MAX_NOTE} characters."))
        if violations:
            raise InvalidArgument("Say why the patient is unenrolled.", violations=violations)
        assert reason is not None
        patient = self._patient(session, practice_id, patient_id)
        if _already_done(session, patient, idempotency_key):
            return patient
        self._require(patient, domain.Action.UNENROLL, "Unenroll is for enrolled patients")
        change = change_status(
            session,
            patient,
            domain.Status.UNENROLLED,
            REASON_TEXT[reason],
            note=note or None,
            idempotency_key=idempotency_key,
        )
        self._outbox.enqueue(
            session,
            SEND_ACCOUNT_NOTICE,
            identity_pb2.SendAccountNoticeRequest(
                idempotency_key=f"unenrolled:{change.id}",
                account_id=patient.account_id or "",
                kind=identity_pb2.ACCOUNT_NOTICE_KIND_UNENROLLED,
                practice_id=patient.practice_id,
                practice_name=patient.practice.name,
            ),
        )
        self._tell_access_changed(session, patient, change)
        record_patient_action(session, "enrollment.unenroll", patient, reason=reason.value)
        return patient

    def reactivate(
        self, session: Session, *, practice_id: str, patient_id: str, idempotency_key: str
    ) -> Patient:
        """UNENROLLED to ENROLLED with the same account as before (no new account); its
        access and its proxies' access to the record return (E13)."""
        require_key(idempotency_key)
        patient = self._patient(session, practice_id, patient_id)
        if _already_done(session, patient, idempotency_key):
            return patient
        self._require(patient, domain.Action.REACTIVATE, "Reactivate is for unenrolled patients")
        change = change_status(
            session,
            patient,
            domain.Status.ENROLLED,
            "re-activated by the practice",
            idempotency_key=idempotency_key,
        )
        self._tell_access_changed(session, patient, change)
        record_patient_action(session, "enrollment.reactivate", patient)
        return patient

    def _tell_access_changed(
        self, session: Session, patient: Patient, change: StatusChange
    ) -> None:
        """Tells proxy whether the record's access is now suspended (E13), as of the change, and
        on suspension asks identity to review the account's sessions. Both are delivered
        before the call answers, so access ends on the next request."""
        suspended = domain.access_suspended(domain.Status(change.to_status))
        as_of = Timestamp()
        as_of.FromDatetime(change.changed_at)
        self._outbox.enqueue(
            session,
            SET_RECORD_ACCESS,
            proxy_pb2.SetRecordAccessRequest(
                practice_id=patient.practice_id,
                patient_id=patient.id,
                suspended=suspended,
                as_of=as_of,
            ),
            urgent=True,
        )
        if suspended and patient.account_id:
            self._outbox.enqueue(
                session,
                REVIEW_RECORD_ACCESS,
                identity_pb2.ReviewRecordAccessRequest(account_id=patient.account_id),
                urgent=True,
            )

    @staticmethod
    def _patient(session: Session, practice_id: str, patient_id: str) -> Patient:
        patient = repository.patient_of_practice(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if patient is None:
            raise errors.PatientNotFound("No such patient at this practice.")
        return patient

    @staticmethod
    def _require(patient: Patient, action: domain.Action, what: str) -> None:
        status = domain.Status(patient.status)
        allowed = domain.available_actions(status)
        if action not in allowed:
            choices = ", ".join(a.value for a in allowed) or "no enrollment action"
            raise errors.StatusDoesNotAllow(
                f"{what}; this patient is {status.value}. What you can do now: {choices}.",
                metadata={"status": status.value, "allowed_actions": choices},
            )


def _already_done(session: Session, patient: Patient, key: str) -> bool:
    """Whether the change requested with `key` was made before (a retry)."""
    earlier = repository.status_change_by_key(session, key)
    if earlier is not None and earlier.patient_id != patient.id:
        raise InvalidArgument("This idempotency key was used for another request.")
    return earlier is not None
