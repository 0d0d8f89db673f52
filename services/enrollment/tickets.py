"""What activation (E9) and self-registration (E12) share: a secret ticket carries the patient
from step to step; with it the patient registers a pending account in identity, which sends a
verification code; the code activates the account, which may then be linked to a record."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.enrollment import domain, errors, repository
from services.enrollment.accounts import Registration
from services.enrollment.history import change_status
from services.enrollment.models import Patient, TicketColumns
from services.enrollment.repository import Ticketed


class Accounts(Protocol):
    """What activation and self-registration need from the identity service."""

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


def issue(row: TicketColumns, *, minutes: int) -> str:
    """Gives the row a new ticket that works for `minutes`; answers the ticket, of which only
    the hash is kept."""
    ticket = new_token()
    row.ticket_hash = token_hash(ticket)
    row.expires_at = utcnow() + timedelta(minutes=minutes)
    return ticket


def find(session: Session, model: type[Ticketed], ticket: str) -> Ticketed | None:
    """The row of the ticket, locked for this step; None for an unknown ticket."""
    return repository.ticket_by_hash(session, model, token_hash(ticket))


def usable(row: TicketColumns) -> bool:
    """Whether the ticket still leads somewhere: not completed, not expired."""
    return row.completed_at is None and row.expires_at > utcnow()


def register(
    session: Session,
    accounts: Accounts,
    row: TicketColumns,
    *,
    idempotency_key: str,
    practice_id: str,
    username: str,
    password: str,
    email: str,
    cell_phone: str,
) -> Registration:
    """Registers the ticket's pending account through identity (under the practice's password
    policy), which sends the code; a ticket registers one account."""
    if row.account_id:
        raise errors.SecurityDetailsAlreadySubmitted(
            f"Your security details are saved and a code was sent to "
            f"{row.code_destination_hint}. Enter that code to finish."
        )
    registration = accounts.register(
        idempotency_key=idempotency_key,
        username=username,
        password=password,
        email=email,
        cell_phone=cell_phone,
        practice_id=practice_id,
    )
    _keep(row, registration)
    session.flush()
    return registration


def resend_code(session: Session, accounts: Accounts, row: TicketColumns) -> Registration:
    """A new code for the ticket's pending account; the older one stops working."""
    if not row.account_id:
        raise errors.SecurityDetailsMissing(
            "Choose your username and password first; then we send you a code."
        )
    registration = accounts.resend_code(account_id=row.account_id)
    _keep(row, registration)
    session.flush()
    return registration


def confirm(accounts: Accounts, row: TicketColumns, code: str) -> str:
    """Confirms the code with identity, which activates the account; answers its ID."""
    if not row.account_id:
        raise errors.SecurityDetailsMissing(
            "Choose your username and password first; then enter the code we send you."
        )
    accounts.verify(account_id=row.account_id, code=code)
    return row.account_id


def enroll(
    session: Session, patient: Patient, account_id: str, reason: str, *, actor: str = ""
) -> None:
    """Links the account to the record, which becomes ENROLLED with who and why (E2); who is
    the account itself unless `actor` (staff) is named."""
    patient.account_id = account_id
    patient.enrolled_at = utcnow()
    change_status(
        session, patient, domain.Status.ENROLLED, reason, actor=actor or f"account:{account_id}"
    )


def _keep(row: TicketColumns, registration: Registration) -> None:
    row.account_id = registration.account_id
    row.code_channel = registration.code_channel
    row.code_destination_hint = registration.code_destination_hint
