"""Activation use cases (E9, E10): from the invitation link to an active account linked to
the patient record. Each takes a session and only flushes, but the steps that call identity
over gRPC, which take the database and run short transactions around the call. The ticket and
account steps are shared with self-registration (tickets.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.common.crypto import token_hash
from services.common.db import Database, utcnow
from services.common.errors import FieldViolation
from services.enrollment import domain, errors, repository, tickets
from services.enrollment.accounts import Registration
from services.enrollment.audit import record_patient_action
from services.enrollment.demographics import demographics_of
from services.enrollment.invitations import link_works
from services.enrollment.models import ActivationTicket, Invitation, Patient, Practice
from services.enrollment.settings import EnrollmentSettings


@dataclass(frozen=True)
class OpenedActivation:
    ticket: str
    practice: Practice
    email_on_file: str


class ActivationUseCases:
    def __init__(self, *, settings: EnrollmentSettings, accounts: tickets.Accounts) -> None:
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
        activation = ActivationTicket(invitation_id=invitation.id)
        ticket = tickets.issue(activation, minutes=self._settings.activation_ticket_minutes)
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
        self, database: Database, *, ticket: str, username: str, password: str, email: str
    ) -> Registration:
        """Registers the pending account through identity, which sends the code. Runs its own
        short transactions, none open while identity works (see `tickets.register`)."""

        def ask(session: Session, activation: ActivationTicket) -> tickets.AccountRequest:
            patient = activation.invitation.patient
            chosen = email.strip() or patient.email or ""
            return tickets.AccountRequest(
                idempotency_key=f"activation:{activation.id}",
                practice_id=patient.practice_id,
                email=chosen,
                cell_phone="" if chosen else patient.cell_phone or "",
                # The account may be activated while the invitation works (E9, E10); it
                # replaces what the patient left pending through earlier invitations.
                pending_until=activation.invitation.expires_at,
                replaces=tuple(
                    repository.unfinished_accounts(
                        session, patient.id, other_than=activation.invitation_id
                    )
                ),
            )

        return tickets.register(
            database,
            self._accounts,
            lambda session: self._open_ticket(session, ticket),
            ask,
            username=username,
            password=password,
        )

    def resend_activation_code(self, database: Database, *, ticket: str) -> Registration:
        """A new code for the account being activated; the older one stops working."""
        return tickets.resend_code(
            database, self._accounts, lambda session: self._open_ticket(session, ticket)
        )

    def complete_activation(
        self, database: Database, *, ticket: str, code: str
    ) -> tuple[str, Practice]:
        """Confirms the code, links the account to the patient record, status ENROLLED.
        A retry after success answers the same. Identity confirms the code between two short
        transactions; the second checks the ticket again with the patient locked."""
        with database.transaction() as session:
            if (done := self._completed(session, ticket)) is not None:
                return done
            activation = self._open_ticket(session, ticket)
            account_id = tickets.account_of(
                activation,
                "Choose your username and password first; then enter the code we send you.",
            )
            patient_id = activation.invitation.patient_id
        self._accounts.verify(account_id=account_id, code=code)
        with database.transaction() as session:
            # The patient first, then the ticket: the order staff changes take.
            patient = repository.patient_for_update(session, patient_id)
            if (done := self._completed(session, ticket)) is not None:
                return done  # completed at the same time by a retry of this step
            activation = self._open_ticket(session, ticket)
            tickets.enroll(session, patient, account_id, "account activated")
            activation.invitation.used_at = activation.completed_at = utcnow()
            session.flush()
            record_patient_action(session, "activation.complete", patient)
            return account_id, patient.practice

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

    @staticmethod
    def _completed(session: Session, ticket: str) -> tuple[str, Practice] | None:
        """The answer of a ticket's completed activation, or None."""
        activation = tickets.find(session, ActivationTicket, ticket)
        if activation is None or activation.completed_at is None:
            return None
        return activation.account_id or "", activation.invitation.patient.practice

    def _open_ticket(self, session: Session, ticket: str) -> ActivationTicket:
        activation = tickets.find(session, ActivationTicket, ticket)
        if activation is None or not tickets.usable(activation):
            raise errors.ActivationTicketNotValid()
        self._check_open(activation.invitation)
        return activation

    @staticmethod
    def _check_open(invitation: Invitation) -> None:
        """E10: a superseded, used, expired or locked invitation does not work."""
        if not link_works(invitation):
            raise errors.InvitationNotValid()
