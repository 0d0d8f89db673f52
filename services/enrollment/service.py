"""Enrollment use cases: practices, the patient registry, Enroll Now and resend (E1 to E4),
and activation from the invitation (E9, E10). Each takes a session and only flushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common import context
from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation, InvalidArgument
from services.common.outbox import Outbox
from services.enrollment import domain, errors, repository
from services.enrollment.accounts import Registration
from services.enrollment.models import ActivationTicket, Invitation, Patient, Practice, StatusChange
from services.enrollment.settings import EnrollmentSettings

SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
NOTIFY_CHANNELS = {"email": notify_pb2.CHANNEL_EMAIL, "sms": notify_pb2.CHANNEL_SMS}


class Accounts(Protocol):
    """What activation needs from the identity service."""

    def register(
        self,
        *,
        idempotency_key: str,
        username: str,
        password: str,
        email: str,
        cell_phone: str,
        practice_id: str,
    ) -> Registration: ...

    def resend_code(self, *, account_id: str) -> Registration: ...

    def verify(self, *, account_id: str, code: str) -> None: ...


@dataclass(frozen=True)
class EnrollNowResult:
    outcome: str  # "invitation_sent" or "already_pending"
    patient: Patient
    invitation: Invitation | None


@dataclass(frozen=True)
class OpenedActivation:
    ticket: str
    practice: Practice
    email_on_file: str


def demographics_of(patient: Patient) -> domain.Demographics:
    return domain.Demographics(
        **{name: getattr(patient, name) for name in domain.FIELD_NAMES}
    ).changed(birth_sex=domain.BirthSex(patient.birth_sex) if patient.birth_sex else None)


def _require_key(idempotency_key: str) -> None:
    if not idempotency_key:
        raise InvalidArgument(
            "Send an idempotency key with this request.",
            violations=[FieldViolation("idempotency_key", "Required.")],
        )


class EnrollmentUseCases:
    def __init__(
        self, *, settings: EnrollmentSettings, outbox: Outbox, accounts: Accounts, portal_url: str
    ) -> None:
        self._settings = settings
        self._outbox = outbox
        self._accounts = accounts
        self._portal_url = portal_url.rstrip("/")

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
    ) -> Practice:
        _require_key(idempotency_key)
        if existing := repository.practice_by_key(session, idempotency_key):
            return existing
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
        session.add(practice)
        session.flush()
        return practice

    def get_practice(self, session: Session, *, practice_id: str) -> Practice:
        practice = session.get(Practice, practice_id)
        if practice is None:
            raise errors.PracticeNotFound("No such practice.")
        return practice

    def add_patient(
        self, session: Session, *, practice_id: str, idempotency_key: str, values: dict[str, str]
    ) -> Patient:
        """Adds a patient NOT_ENROLLED; missing fields are allowed, wrong values are not."""
        _require_key(idempotency_key)
        self.get_practice(session, practice_id=practice_id)
        if (existing := repository.patient_by_key(session, idempotency_key)) is not None:
            if existing.practice_id != practice_id:
                raise InvalidArgument("This idempotency key was used for another request.")
            return existing
        clean = self._clean(values)
        patient = Patient(practice_id=practice_id, idempotency_key=idempotency_key, **clean)
        session.add(patient)
        self._change_status(session, patient, domain.Status.NOT_ENROLLED, "added to the registry")
        return patient

    def update_patient(
        self, session: Session, *, practice_id: str, patient_id: str, values: dict[str, str]
    ) -> Patient:
        """Changes the named demographic fields ("Update Now", E3)."""
        patient = self.get_patient(session, practice_id=practice_id, patient_id=patient_id)
        unknown = sorted(set(values) - set(domain.FIELD_NAMES))
        if unknown:
            raise errors.InvalidDemographics(
                "Only demographic fields can be updated.",
                violations=[FieldViolation(name, "Not a demographic field.") for name in unknown],
            )
        for name, value in self._clean(values).items():
            setattr(patient, name, value)
        session.flush()
        return patient

    def get_patient(self, session: Session, *, practice_id: str, patient_id: str) -> Patient:
        patient = repository.patient_of_practice(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if patient is None:
            raise errors.PatientNotFound("No such patient at this practice.")
        return patient

    @staticmethod
    def _clean(values: dict[str, str]) -> dict[str, object]:
        clean, violations = domain.normalize(values, today=utcnow().date())
        if violations:
            raise errors.InvalidDemographics(
                "Some patient details are not valid; correct the fields listed.",
                violations=violations,
            )
        return {k: (v.value if isinstance(v, domain.BirthSex) else v) for k, v in clean.items()}

    # Invitations

    def enroll_now(
        self, session: Session, *, practice_id: str, patient_id: str, idempotency_key: str
    ) -> EnrollNowResult:
        """E3 and E4: invite a NOT_ENROLLED patient, or say since when one is PENDING."""
        _require_key(idempotency_key)
        patient = self.get_patient(session, practice_id=practice_id, patient_id=patient_id)
        if (earlier := repository.invitation_by_key(session, idempotency_key)) is not None:
            return EnrollNowResult("invitation_sent", patient, earlier)
        status = domain.Status(patient.status)
        if status is domain.Status.PENDING:
            return EnrollNowResult("already_pending", patient, None)
        if status is not domain.Status.NOT_ENROLLED:
            raise errors.StatusDoesNotAllow(
                f"Enroll Now is for patients who are not enrolled; this patient is {status.value}."
            )
        invitation = self._send_invitation(session, patient, idempotency_key)
        self._change_status(session, patient, domain.Status.PENDING, "invitation sent")
        return EnrollNowResult("invitation_sent", patient, invitation)

    def resend_invitation(
        self, session: Session, *, practice_id: str, patient_id: str, idempotency_key: str
    ) -> tuple[Patient, Invitation]:
        """E4: a new token for a PENDING patient; every older one stops working at once."""
        _require_key(idempotency_key)
        patient = self.get_patient(session, practice_id=practice_id, patient_id=patient_id)
        if (earlier := repository.invitation_by_key(session, idempotency_key)) is not None:
            return patient, earlier
        if patient.status != domain.Status.PENDING:
            raise errors.StatusDoesNotAllow(
                "Resend Invitation is for patients whose invitation is pending; use Enroll Now."
            )
        return patient, self._send_invitation(session, patient, idempotency_key)

    def _send_invitation(self, session: Session, patient: Patient, key: str) -> Invitation:
        practice = patient.practice
        missing = domain.missing_for_invitation(
            demographics_of(patient), email_required=practice.email_required
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
        repository.supersede_open_invitations(session, patient.id)
        token = new_token()
        now = utcnow()
        channels = [
            name for name, value in (("email", patient.email), ("sms", patient.cell_phone)) if value
        ]
        invitation = Invitation(
            patient_id=patient.id,
            idempotency_key=key,
            token_hash=token_hash(token),
            channels=channels,
            sent_at=now,
            expires_at=now + timedelta(days=self._settings.invitation_lifetime_days),
        )
        session.add(invitation)
        session.flush()
        patient.invitation_requested_at = now
        # E8: the message carries the demographics as they are now.
        parameters = {
            "practice_name": practice.name,
            "practice_phone": practice.contact_phone,
            "first_name": patient.first_name or "",
            "activation_url": f"{self._portal_url}/activate#token={token}",
            "expires_on": _local_date(invitation.expires_at, practice.time_zone),
        }
        for channel in channels:
            self._outbox.enqueue(
                session,
                SEND_NOTIFICATION,
                notify_pb2.SendNotificationRequest(
                    idempotency_key=f"invitation:{invitation.id}:{channel}",
                    channel=NOTIFY_CHANNELS[channel],
                    recipient=patient.email if channel == "email" else patient.cell_phone,
                    template=notify_pb2.TEMPLATE_INVITATION,
                    parameters=parameters,
                    practice_id=practice.id,
                ),
            )
        return invitation

    def _change_status(
        self,
        session: Session,
        patient: Patient,
        to: domain.Status,
        reason: str,
        *,
        actor: str | None = None,
    ) -> None:
        """Moves the patient to `to` if E2 allows it, and records who, when and why."""
        current = domain.Status(patient.status) if patient.status else None
        if to not in domain.allowed_next(current):
            allowed = ", ".join(sorted(s.value for s in domain.allowed_next(current))) or "none"
            raise errors.StatusDoesNotAllow(
                f"A patient who is {current} cannot become {to.value}; allowed: {allowed}."
            )
        patient.status = to.value
        patient.history.append(
            StatusChange(
                sequence=len(patient.history) + 1,
                from_status=current.value if current else None,
                to_status=to.value,
                actor=actor or context.current().actor,
                reason=reason,
            )
        )
        session.flush()

    # Activation (E9, E10)

    def verify_invitation(
        self, session: Session, *, token: str, zip_code: str, date_of_birth: str
    ) -> OpenedActivation:
        """The patient proves the invitation is theirs; wrong answers are counted and limited."""
        invitation = repository.invitation_by_token_hash(session, token_hash(token))
        if invitation is None:
            raise errors.InvitationNotValid()
        self._check_open(invitation)
        patient = invitation.patient
        if not domain.answers_match(
            demographics_of(patient), zip_code=zip_code, date_of_birth=date_of_birth
        ):
            invitation.failed_answers += 1
            left = self._settings.max_wrong_answers - invitation.failed_answers
            if left <= 0:
                invitation.locked_at = utcnow()
                raise errors.InvitationLocked()
            raise errors.AnswersDoNotMatch(
                "The ZIP code or date of birth does not match what your practice has on file. "
                f"Check both and try again; {left} attempt{'s' if left != 1 else ''} left.",
                violations=[
                    FieldViolation("zip_code", "Check your ZIP code."),
                    FieldViolation("date_of_birth", "Check your date of birth."),
                ],
                metadata={"attempts_left": str(left)},
            )
        ticket = new_token()
        activation = ActivationTicket(
            invitation_id=invitation.id,
            ticket_hash=token_hash(ticket),
            expires_at=utcnow() + timedelta(minutes=self._settings.activation_ticket_minutes),
        )
        # Coming back through the link continues the account already registered, if any.
        if earlier := repository.pending_registration(session, invitation.id):
            activation.account_id = earlier.account_id
            activation.code_channel = earlier.code_channel
            activation.code_destination_hint = earlier.code_destination_hint
        session.add(activation)
        session.flush()
        return OpenedActivation(ticket, patient.practice, patient.email or "")

    def submit_security_details(
        self, session: Session, *, ticket: str, username: str, password: str, email: str
    ) -> Registration:
        """Registers the pending account through identity, which sends the code."""
        activation = self._open_ticket(session, ticket)
        if activation.account_id:
            raise errors.SecurityDetailsAlreadySubmitted(
                f"Your security details are saved and a code was sent to "
                f"{activation.code_destination_hint}. Enter that code to finish."
            )
        patient = activation.invitation.patient
        email = email.strip() or patient.email or ""
        registration = self._accounts.register(
            idempotency_key=f"activation:{activation.id}",
            username=username,
            password=password,
            email=email,
            cell_phone="" if email else patient.cell_phone or "",
            practice_id=patient.practice_id,
        )
        activation.account_id = registration.account_id
        activation.code_channel = registration.code_channel
        activation.code_destination_hint = registration.code_destination_hint
        session.flush()
        return registration

    def resend_activation_code(self, session: Session, *, ticket: str) -> Registration:
        """A new code for the account being activated; the older one stops working."""
        activation = self._open_ticket(session, ticket)
        if not activation.account_id:
            raise errors.SecurityDetailsMissing(
                "Choose your username and password first; then we send you a code."
            )
        registration = self._accounts.resend_code(account_id=activation.account_id)
        activation.code_channel = registration.code_channel
        activation.code_destination_hint = registration.code_destination_hint
        session.flush()
        return registration

    def complete_activation(
        self, session: Session, *, ticket: str, code: str
    ) -> tuple[str, Practice]:
        """Confirms the code, links the account to the patient record, status ENROLLED.
        A retry after success answers the same."""
        activation = repository.ticket_by_hash(session, token_hash(ticket))
        if activation is not None and activation.completed_at is not None:
            return activation.account_id or "", activation.invitation.patient.practice
        activation = self._open_ticket(session, ticket)
        if not activation.account_id:
            raise errors.SecurityDetailsMissing(
                "Choose your username and password first; then enter the code we send you."
            )
        self._accounts.verify(account_id=activation.account_id, code=code)
        invitation = activation.invitation
        patient = invitation.patient
        now = utcnow()
        patient.account_id = activation.account_id
        patient.enrolled_at = now
        self._change_status(
            session,
            patient,
            domain.Status.ENROLLED,
            "account activated",
            actor=f"account:{activation.account_id}",
        )
        invitation.used_at = now
        activation.completed_at = now
        session.flush()
        return activation.account_id, patient.practice

    def account_enrollments(self, session: Session, *, account_id: str) -> list[Patient]:
        """Every patient record, at any practice, linked to the account."""
        return list(repository.patients_of_account(session, account_id))

    def _open_ticket(self, session: Session, ticket: str) -> ActivationTicket:
        activation = repository.ticket_by_hash(session, token_hash(ticket))
        if activation is None or activation.completed_at or activation.expires_at <= utcnow():
            raise errors.ActivationTicketNotValid()
        self._check_open(activation.invitation)
        return activation

    @staticmethod
    def _check_open(invitation: Invitation) -> None:
        """E10: a superseded, used, expired or locked invitation does not work."""
        if (
            invitation.superseded_at
            or invitation.used_at
            or invitation.locked_at
            or invitation.expires_at <= utcnow()
            or invitation.patient.status != domain.Status.PENDING
        ):
            raise errors.InvitationNotValid()


def _local_date(moment: datetime, time_zone: str) -> str:
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%B} {local.day}, {local.year}"
