"""Accepting a proxy invitation (P1, P3, E10, X3): the invitee identifies the patient by ZIP
code and date of birth and gets a short-lived ticket; with it they either link an account they
are signed in with, or create one (a pending account in identity, then its emailed code), and
the account then acts for the patient. Each step is safe to retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.proxy import repository
from services.proxy.accounts import FirstSession, IdentityAccounts
from services.proxy.audit import trail
from services.proxy.domain import RelationshipStatus
from services.proxy.errors import (
    AccountNotCreated,
    AlreadyProxy,
    InvitationNotVerified,
    InvitationRefused,
    TicketNotValid,
)
from services.proxy.models import ProxyInvitation, ProxyTicket, Relationship
from services.proxy.patients import PatientRecord, Patients
from services.proxy.relationships import record_change, tell_patient

TICKET_MINUTES = 30
# Wrong ZIP code or date of birth answers an invitation takes before it stops working.
MAX_WRONG_ANSWERS = 5


@dataclass(frozen=True)
class Verified:
    ticket: str
    relationship: Relationship
    patient_first_name: str


@dataclass(frozen=True)
class Completed:
    """The new account, linked, and its first session when one was opened."""

    account_id: str
    relationship: Relationship
    session: FirstSession | None = None


@dataclass(frozen=True)
class NewAccount:
    """Who the invitee is and the security details they chose."""

    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    relationship_label: str


def answers_match(record: PatientRecord, *, zip_code: str, date_of_birth: str) -> bool:
    """The 5-digit ZIP code and the exact date of birth of the record."""
    try:
        given = date.fromisoformat(date_of_birth.strip())
    except ValueError:
        return False
    return (
        bool(record.zip_code)
        and record.zip_code[:5] == zip_code.strip()[:5]
        and record.date_of_birth == given
    )


def link_works(invitation: ProxyInvitation) -> bool:
    """E10: not used, superseded, expired or locked, and its relationship still INVITED."""
    return (
        invitation.used_at is None
        and invitation.superseded_at is None
        and invitation.expires_at > utcnow()
        and invitation.failed_attempts < MAX_WRONG_ANSWERS
        and invitation.proxy_relationship.status == RelationshipStatus.INVITED.value
    )


class AcceptanceUseCases:
    """Verify, accept, create an account and complete it; each takes the caller's session
    and only flushes."""

    def __init__(self, *, outbox: Outbox, patients: Patients, accounts: IdentityAccounts) -> None:
        self._outbox = outbox
        self._patients = patients
        self._accounts = accounts

    def verify(
        self, session: Session, *, token: str, zip_code: str, date_of_birth: str
    ) -> Verified:
        """A ticket when the link works and the answers match the patient's record; else
        InvitationNotVerified, the same for every cause (X3), a wrong answer counted."""
        invitation = repository.invitation_by_hash(session, token_hash(token)) if token else None
        if invitation is None or not link_works(invitation):
            trail.record(
                session,
                "proxy.invitation.verify",
                f"proxy_invitation:{invitation.id if invitation else 'unknown'}",
                outcome="failed",
            )
            raise InvitationNotVerified()
        row = invitation.proxy_relationship
        record = self._patients.record(practice_id=row.practice_id, patient_id=row.patient_id)
        if not answers_match(record, zip_code=zip_code, date_of_birth=date_of_birth):
            invitation.failed_attempts += 1
            trail.record(
                session,
                "proxy.invitation.verify",
                f"relationship:{row.id}",
                practice_id=row.practice_id,
                patient_id=row.patient_id,
                outcome="failed",
                details={"failed_attempts": str(invitation.failed_attempts)},
            )
            raise InvitationNotVerified()
        ticket = new_token()
        ticket_row = ProxyTicket(
            invitation_id=invitation.id,
            ticket_hash=token_hash(ticket),
            expires_at=utcnow() + timedelta(minutes=TICKET_MINUTES),
        )
        # Coming back through the link continues the account already registered, if any.
        if earlier := repository.pending_account(session, invitation.id):
            ticket_row.account_id = earlier.account_id
            ticket_row.code_destination_hint = earlier.code_destination_hint
        session.add(ticket_row)
        session.flush()
        trail.record(
            session,
            "proxy.invitation.verify",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
        )
        return Verified(ticket, row, record.first_name)

    def accept(
        self, session: Session, *, ticket: str, account_id: str, relationship_label: str
    ) -> Relationship:
        """Links the signed-in account to the patient; a retry after success answers the same."""
        if not account_id:
            raise InvitationRefused(
                "Sign in first.", violations=[FieldViolation("account_id", "Required.")]
            )
        done = self._used(session, ticket)
        if done is not None and done.proxy_account_id == account_id:
            return done
        return self._link(session, self._open(session, ticket), account_id, relationship_label)

    def create_account(self, session: Session, *, ticket: str, account: NewAccount) -> str:
        """Registers the invitee's pending account through identity, which emails a code;
        answers where it went. A ticket registers one account: a retry answers the same."""
        opened = self._open(session, ticket)
        row = opened.invitation.proxy_relationship
        if opened.account_id:
            return opened.code_destination_hint or ""
        email = account.email.strip() or row.proxy_email or ""
        if not email:
            raise InvitationRefused(
                "Give your email address; we send the code there.",
                violations=[FieldViolation("email", "Required.")],
            )
        opened.account_id, opened.code_destination_hint = self._accounts.register(
            idempotency_key=f"proxy-ticket:{opened.id}",
            username=account.username,
            password=account.password,
            email=email,
            practice_id=row.practice_id,
        )
        for name in ("first_name", "last_name"):
            if value := getattr(account, name).strip():
                setattr(row, f"proxy_{name}", value[:100])
        if account.relationship_label.strip():
            row.relationship_label = account.relationship_label.strip()[:40]
        session.flush()
        trail.record(
            session,
            "proxy.account.create",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
            details={"account_id": opened.account_id},
        )
        return opened.code_destination_hint or ""

    def complete_account(
        self,
        session: Session,
        *,
        ticket: str,
        code: str,
        device_label: str = "",
    ) -> Completed:
        """Confirms the code (identity activates the account and opens its first session, on
        `device_label`) and links the account; a retry after success answers the same, without
        a session."""
        done = self._used(session, ticket)
        if done is not None and done.proxy_account_id:
            return Completed(done.proxy_account_id, done)
        opened = self._open(session, ticket)
        if not opened.account_id:
            raise AccountNotCreated()
        signed_in = self._accounts.verify(
            account_id=opened.account_id, code=code, device_label=device_label
        )
        linked = self._link(session, opened, opened.account_id, "")
        return Completed(opened.account_id, linked, signed_in)

    def resend_code(self, session: Session, *, ticket: str) -> str:
        """A new verification code for the account being created with the ticket."""
        opened = self._open(session, ticket)
        if not opened.account_id:
            raise AccountNotCreated()
        return self._accounts.resend_code(opened.account_id)

    def _used(self, session: Session, ticket: str) -> Relationship | None:
        """The relationship a ticket already linked, for a retry."""
        found = repository.ticket_by_hash(session, token_hash(ticket)) if ticket else None
        if found is None or found.used_at is None:
            return None
        return found.invitation.proxy_relationship

    def _open(self, session: Session, ticket: str) -> ProxyTicket:
        found = repository.ticket_by_hash(session, token_hash(ticket)) if ticket else None
        if (
            found is None
            or found.used_at is not None
            or found.expires_at <= utcnow()
            or not link_works(found.invitation)
        ):
            raise TicketNotValid()
        return found

    def _link(
        self, session: Session, ticket: ProxyTicket, account_id: str, relationship_label: str
    ) -> Relationship:
        row = repository.relationship_locked(session, ticket.invitation.relationship_id)
        if row is None or row.status != RelationshipStatus.INVITED.value:
            raise TicketNotValid()
        record = self._patients.record(practice_id=row.practice_id, patient_id=row.patient_id)
        row.patient_account_id = record.account_id or None
        if account_id == record.account_id:
            raise InvitationRefused(
                "This is the patient's own account: a proxy signs in with an account of their "
                "own, or creates one.",
                violations=[FieldViolation("account_id", "The patient's own account.")],
            )
        active = repository.active_of_patient(
            session, practice_id=row.practice_id, patient_id=row.patient_id
        )
        if any(other.proxy_account_id == account_id for other in active):
            raise AlreadyProxy(
                "This account already acts for this patient.",
                violations=[FieldViolation("account_id", "Already acts for the patient.")],
            )
        row.status = RelationshipStatus.ACTIVE.value
        row.proxy_account_id = account_id
        if relationship_label.strip():
            row.relationship_label = relationship_label.strip()[:40]
        ticket.used_at = ticket.invitation.used_at = utcnow()
        record_change(session, row, "accepted", rights=row.rights)
        tell_patient(session, self._outbox, row, "accepted")
        session.flush()
        trail.record(
            session,
            "proxy.invitation.accept",
            f"relationship:{row.id}",
            practice_id=row.practice_id,
            patient_id=row.patient_id,
            details={"account_id": account_id},
        )
        return row
