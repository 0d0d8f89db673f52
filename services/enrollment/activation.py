"""Activation use cases (E9, E10): from the invitation link to an active account linked to
the patient record. Each takes a session and only flushes; identity is called over gRPC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.enrollment import domain, errors, repository
from services.enrollment.accounts import Registration
from services.enrollment.audit import record_patient_action
from services.enrollment.demographics import demographics_of
from services.enrollment.history import change_status
from services.enrollment.invitations import link_works
from services.enrollment.models import ActivationTicket, Invitation, Patient, Practice
from services.enrollment.settings import EnrollmentSettings


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
class OpenedActivation:
    ticket: str
    practice: Practice
    email_on_file: str


class ActivationUseCases:
    def __init__(self, *, settings: EnrollmentSettings, accounts: Accounts) -> None:
        self._settings = settings
        self._accounts = accounts

    def verify_invitation(
        self, session: Session, *, token: str, zip_code: str, date_of_birth: str
    ) -> OpenedActivation:
        """The patient proves the invitation is theirs; wrong answers are counted and limited."""
        invitation = repository.invitation_by_token_hash(session, token_hash(token))
        if invitation is None:
            raise errors.InvitationNotValid()
        self._check_open(invitation)
        patient = invitation.patient
        if patient.activation_locked_at is not None:
            raise errors.InvitationLocked()
        if not domain.answers_match(
            demographics_of(patient), zip_code=zip_code, date_of_birth=date_of_birth
        ):
            invitation.failed_answers += 1
            patient.activation_failures += 1
            left = min(
                self._settings.max_wrong_answers - invitation.failed_answers,
                self._settings.max_wrong_answers_per_patient - patient.activation_failures,
            )
            # The failure is kept (keeps_changes), so is its record.
            record_patient_action(
                session,
                "activation.verify.failed",
                patient,
                outcome="failed",
                locked=str(left <= 0),
            )
            if left <= 0:
                invitation.locked_at = utcnow()
                if patient.activation_failures >= self._settings.max_wrong_answers_per_patient:
                    patient.activation_locked_at = invitation.locked_at
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
        record_patient_action(session, "activation.verify", patient)
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
        change_status(
            session,
            patient,
            domain.Status.ENROLLED,
            "account activated",
            actor=f"account:{activation.account_id}",
        )
        invitation.used_at = now
        activation.completed_at = now
        session.flush()
        record_patient_action(session, "activation.complete", patient)
        return activation.account_id, patient.practice

    def unlock(self, session: Session, *, practice_id: str, patient_id: str) -> Patient:
        """Staff unlock a record's activation after wrong answers (E9): the record's count
        starts again, and its current invitation, if still open otherwise, works again."""
        patient = repository.patient_of_practice(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if patient is None:
            raise errors.PatientNotFound("No such patient at this practice.")
        patient.activation_failures, patient.activation_locked_at = 0, None
        now = utcnow()
        for invitation in repository.invitations_of(session, patient.id):
            if (
                invitation.locked_at
                and not invitation.superseded_at
                and invitation.expires_at > now
            ):
                invitation.locked_at, invitation.failed_answers = None, 0
        session.flush()
        record_patient_action(session, "activation.unlock", patient)
        return patient

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
        if not link_works(invitation):
            raise errors.InvitationNotValid()
