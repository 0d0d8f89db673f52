"""Enrollment use cases: practices, the patient registry, Enroll Now and resend (E1 to E5).
Each takes a session and only flushes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.db import new_id, utcnow
from services.common.errors import FieldViolation, InvalidArgument
from services.common.outbox import Outbox
from services.enrollment import demographics, domain, errors, repository, responses
from services.enrollment.audit import record_patient_action as _audit
from services.enrollment.audit import trail
from services.enrollment.auto_invites import AutoInvites
from services.enrollment.demographics import demographics_of
from services.enrollment.history import change_status
from services.enrollment.invitations import InvitationSender
from services.enrollment.models import AutoInvitation, Invitation, Patient, Practice
from services.enrollment.settings import EnrollmentSettings


@dataclass(frozen=True)
class EnrollNowResult:
    outcome: str  # "invitation_sent" or "already_pending"
    patient: Patient
    invitation: Invitation | None


def require_key(idempotency_key: str) -> None:
    if not idempotency_key:
        raise InvalidArgument(
            "Send an idempotency key with this request.",
            violations=[FieldViolation("idempotency_key", "Required.")],
        )


class EnrollmentUseCases:
    def __init__(self, *, settings: EnrollmentSettings, outbox: Outbox, portal_url: str) -> None:
        self._outbox = outbox
        self._invitations = InvitationSender(
            settings=settings, outbox=outbox, portal_url=portal_url
        )
        self.auto_invites = AutoInvites(sender=self._invitations)

    # Practices and the patient registry

    def create_practice(
        self,
        session: Session,
        *,
        idempotency_key: str,
        name: str,
        contact_phone: str,
        time_zone: str,
        email_required: bool,
    ) -> tuple[Practice, bool]:
        """Creates a practice (E14) and records it in the audit trail (X2); answers it and
        whether this call created it. A retry with the same key, even one racing this call,
        answers the practice made first and creates nothing."""
        require_key(idempotency_key)
        if existing := repository.practice_by_key(session, idempotency_key):
            return existing, False
        violations = [] if name.strip() else [FieldViolation("name", "Required.")]
        try:
            ZoneInfo(time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            violations.append(FieldViolation("time_zone", "Use an IANA name like America/Chicago."))
        if violations:
            raise InvalidArgument("The practice details are not valid.", violations=violations)
        practice = Practice(
            idempotency_key=idempotency_key,
            name=name.strip(),
            contact_phone=contact_phone,
            time_zone=time_zone or "UTC",
            email_required=email_required,
        )
        try:
            with session.begin_nested():
                session.add(practice)
        except IntegrityError:
            if existing := repository.practice_by_key(session, idempotency_key):
                return existing, False
            raise
        trail.record(session, "practice.create", f"practice:{practice.id}", practice_id=practice.id)
        return practice, True

    def get_practice(self, session: Session, *, practice_id: str) -> Practice:
        practice = session.get(Practice, practice_id)
        if practice is None:
            raise errors.PracticeNotFound("No such practice.")
        return practice

    def add_patient(
        self, session: Session, *, practice_id: str, idempotency_key: str, values: dict[str, str]
    ) -> Patient:
        """Adds a patient NOT_ENROLLED. First name, last name and date of birth are required;
        the other fields may be missing, none may be wrong. An MRN must be free within the
        practice."""
        require_key(idempotency_key)
        self.get_practice(session, practice_id=practice_id)
        if (existing := repository.patient_by_key(session, idempotency_key)) is not None:
            if existing.practice_id != practice_id:
                raise InvalidArgument("This idempotency key was used for another request.")
            return existing
        clean = self._clean(values, required=domain.RECORD_FIELDS)
        patient = Patient(practice_id=practice_id, idempotency_key=idempotency_key, **clean)
        with _unique_mrn(session, practice_id=practice_id, mrn=patient.mrn):
            session.add(patient)
            change_status(session, patient, domain.Status.NOT_ENROLLED, "added to the registry")
        _audit(session, "patient.add", patient)
        self.auto_invites.trigger(
            session,
            patient=patient,
            trigger=domain.Trigger.CHART_ADDED,
            idempotency_key=idempotency_key,
        )
        return patient

    def update_patient(
        self, session: Session, *, practice_id: str, patient_id: str, values: dict[str, str]
    ) -> Patient:
        """Changes the named demographic fields ("Update Now", E3) and the MRN; the fields a
        record needs (first name, last name, date of birth) can be corrected, not cleared."""
        patient = self.get_patient(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        unknown = sorted(set(values) - set(domain.PATIENT_FIELDS))
        if unknown:
            raise errors.InvalidDemographics(
                "Only demographic fields and the MRN can be updated.",
                violations=[FieldViolation(name, "Not a patient field.") for name in unknown],
            )
        clean = self._clean(
            values, required=[name for name in domain.RECORD_FIELDS if name in values]
        )
        before = {name: getattr(patient, name) for name in domain.REQUIRED_FIELDS}
        with _unique_mrn(session, practice_id=practice_id, mrn=clean.get("mrn")):
            for name, value in clean.items():
                setattr(patient, name, value)
            session.flush()
        _audit(session, "patient.update", patient, fields=",".join(sorted(clean)))
        if any(getattr(patient, name) != value for name, value in before.items()):
            # E6: only a change to a required field triggers.
            self.auto_invites.trigger(
                session,
                patient=patient,
                trigger=domain.Trigger.DEMOGRAPHICS_CHANGED,
                idempotency_key=new_id(),
            )
        return patient

    def record_event(
        self,
        session: Session,
        *,
        practice_id: str,
        patient_id: str,
        trigger: domain.Trigger | None,
        idempotency_key: str,
    ) -> AutoInvitation | None:
        """An encounter or appointment added to the patient's chart (E6): the automatic
        invitation it asks for, or None when it asks for none."""
        require_key(idempotency_key)
        if trigger not in (domain.Trigger.ENCOUNTER_ADDED, domain.Trigger.APPOINTMENT_ADDED):
            raise InvalidArgument(
                "Name the event: encounter_added or appointment_added.",
                violations=[FieldViolation("event", "Use encounter_added or appointment_added.")],
            )
        patient = self.get_patient(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        return self.auto_invites.trigger(
            session, patient=patient, trigger=trigger, idempotency_key=idempotency_key
        )

    def get_patient(
        self, session: Session, *, practice_id: str, patient_id: str, for_update: bool = False
    ) -> Patient:
        """The practice's patient; another practice's answers NOT_FOUND (S3). `for_update`
        locks the row for a change."""
        patient = repository.patient_of_practice(
            session, practice_id=practice_id, patient_id=patient_id, for_update=for_update
        )
        if patient is None:
            raise errors.PatientNotFound("No such patient at this practice.")
        return patient

    def view_patient(self, session: Session, *, practice_id: str, patient_id: str) -> Patient:
        """The practice's patient, for staff to read; the read of PHI is audited (X1, X2)."""
        patient = self.get_patient(session, practice_id=practice_id, patient_id=patient_id)
        _audit(session, "patient.view", patient)
        return patient

    @staticmethod
    def _clean(values: dict[str, str], *, required: Sequence[str]) -> dict[str, object]:
        """The clean values; every wrong value, and every `required` field left empty, is
        named in one answer."""
        clean, violations = demographics.normalize(values, today=utcnow().date())
        wrong = {violation.field for violation in violations}
        missing = [
            FieldViolation(name, f"{domain.FIELD_LABELS[name]} is required.")
            for name in required
            if clean.get(name) is None and name not in wrong
        ]
        if missing:
            raise errors.InvalidDemographics(
                "A patient record needs a first name, last name and date of birth; the other "
                "details may follow. Fill in or correct the fields listed.",
                violations=violations + missing,
            )
        if violations:
            raise errors.InvalidDemographics(
                "Some patient details are not valid; correct the fields listed.",
                violations=violations,
            )
        return {k: (v.value if isinstance(v, domain.BirthSex) else v) for k, v in clean.items()}

    # Invitations

    def enroll_now(
        self,
        session: Session,
        *,
        practice_id: str,
        patient_id: str,
        idempotency_key: str,
        confirm_clear_response: bool,
    ) -> EnrollNowResult:
        """E3 and E4: invite a NOT_ENROLLED patient, or say since when one is PENDING. E5: a
        DECLINED or DEFERRED one only with `confirm_clear_response`, which removes the
        patient's response; without it, ConfirmationRequired says when they responded."""
        require_key(idempotency_key)
        patient = self.get_patient(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if (earlier := repository.invitation_by_key(session, idempotency_key)) is not None:
            return EnrollNowResult("invitation_sent", patient, earlier)
        status = domain.Status(patient.status)
        if status is domain.Status.PENDING:
            _audit(session, "enrollment.enroll_now", patient, result="already_pending")
            return EnrollNowResult("already_pending", patient, None)
        if domain.Action.ENROLL_NOW not in domain.available_actions(status):
            raise errors.StatusDoesNotAllow(
                f"Enroll Now is for patients who are not enrolled; this patient is {status.value}."
            )
        responded = status in domain.PATIENT_RESPONSES
        if responded and not confirm_clear_response:
            raise responses.confirmation_required(patient)
        invitation = self._send_invitation(session, patient, idempotency_key)
        reason = responses.REMOVED_BY_STAFF if responded else "invitation sent"
        change_status(session, patient, domain.Status.PENDING, reason)
        removed = {"removed_response": status.value} if responded else {}
        _audit(session, "enrollment.enroll_now", patient, result="invitation_sent", **removed)
        return EnrollNowResult("invitation_sent", patient, invitation)

    def resend_invitation(
        self, session: Session, *, practice_id: str, patient_id: str, idempotency_key: str
    ) -> tuple[Patient, Invitation]:
        """E4: a new token for a PENDING patient; every older one stops working at once."""
        require_key(idempotency_key)
        patient = self.get_patient(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if (earlier := repository.invitation_by_key(session, idempotency_key)) is not None:
            return patient, earlier
        if patient.status != domain.Status.PENDING:
            raise errors.StatusDoesNotAllow(
                "Resend Invitation is for patients whose invitation is pending; use Enroll Now."
            )
        invitation = self._send_invitation(session, patient, idempotency_key)
        _audit(session, "enrollment.resend", patient)
        return patient, invitation

    def respond(self, session: Session, *, token: str, response: domain.Status) -> Patient:
        """E11: the patient declines or defers from the invitation (see `responses.respond`)."""
        return responses.respond(
            session,
            token=token,
            response=response,
            outbox=self._outbox,
            reminders=self.auto_invites,
        )

    def _send_invitation(self, session: Session, patient: Patient, key: str) -> Invitation:
        """Sends only when every required field (E1) is recorded; the sending itself (token,
        invitation, messages) is the InvitationSender's."""
        missing = domain.missing_for_invitation(
            demographics_of(patient), email_required=patient.practice.email_required
        )
        if missing:
            labels = ", ".join(domain.FIELD_LABELS[name].lower() for name in missing)
            raise errors.MissingRequiredFields(
                f"An invitation needs every required field. Update Now to fill in: {labels}; "
                "then Enroll Now again.",
                violations=[
                    FieldViolation(name, f"{domain.FIELD_LABELS[name]} is required.")
                    for name in missing
                ],
            )
        return self._invitations.send(session, patient, key, trigger="manual")


@contextmanager
def _unique_mrn(session: Session, *, practice_id: str, mrn: object) -> Iterator[None]:
    """Runs the block's writes in a savepoint; when they break the practice's unique record
    number (the constraint decides, so concurrent writers are safe), raises MrnTaken."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError:
        if not mrn or repository.mrn_holder(session, practice_id=practice_id, mrn=str(mrn)) is None:
            raise
        raise errors.MrnTaken(
            "Another patient of this practice has this medical record number. Check the number, "
            "or search by MRN to find that patient.",
            violations=[FieldViolation("mrn", "Already used by another patient.")],
        ) from None
