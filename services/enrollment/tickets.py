"""What activation (E9) and self-registration (E12) share: a secret ticket carries the patient
from step to step; with it the patient registers a pending account in identity, which sends a
verification code; the code activates the account, which may then be linked to a record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import Database, utcnow
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
        pending_until: datetime,
        replaces: Sequence[str],
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


@dataclass(frozen=True)
class AccountRequest:
    """What a ticket asks identity to register, besides the username and password: until
    when the pending account may be activated (after that its username is free again), and
    the same person's earlier pending accounts it replaces."""

    idempotency_key: str
    practice_id: str
    email: str
    cell_phone: str
    pending_until: datetime
    replaces: tuple[str, ...] = ()


def register(
    database: Database,
    accounts: Accounts,
    open_ticket: Callable[[Session], Ticketed],
    ask: Callable[[Session, Ticketed], AccountRequest],
    *,
    username: str,
    password: str,
    recorded: Callable[[Session, Ticketed], None] | None = None,
) -> Registration:
    """Registers the ticket's pending account through identity (under the practice's password
    policy), which sends the code; a ticket registers one account.

    No transaction is open while identity works (it hashes the password, and on SQLite an open
    transaction holds the whole database): `open_ticket` finds and checks the ticket and `ask`
    says what to register in one short transaction; identity is called with the ticket's
    idempotency key; a second short transaction opens the ticket again, under its lock, keeps
    the account and runs `recorded`. Two submissions of one ticket at once get the same
    account from identity, and the one that comes second to keep it is told it is saved."""
    with database.transaction() as session:
        request = ask(session, _unregistered(open_ticket(session)))
    registration = accounts.register(
        idempotency_key=request.idempotency_key,
        username=username,
        password=password,
        email=request.email,
        cell_phone=request.cell_phone,
        practice_id=request.practice_id,
        pending_until=request.pending_until,
        replaces=request.replaces,
    )
    with database.transaction() as session:
        row = _unregistered(open_ticket(session))
        row.account_id = registration.account_id
        row.code_channel = registration.code_channel
        row.code_destination_hint = registration.code_destination_hint
        session.flush()
        if recorded is not None:
            recorded(session, row)
    return registration


def resend_code(
    database: Database,
    accounts: Accounts,
    open_ticket: Callable[[Session], Ticketed],
    *,
    recorded: Callable[[Session, Ticketed], None] | None = None,
) -> Registration:
    """A new code for the ticket's pending account; the older one stops working. Identity is
    called between two short transactions, as in `register`; the second, only for
    `recorded`."""
    with database.transaction() as session:
        account_id = account_of(
            open_ticket(session),
            "Choose your username and password first; then we send you a code.",
        )
    registration = accounts.resend_code(account_id=account_id)
    if recorded is not None:
        with database.transaction() as session:
            recorded(session, open_ticket(session))
    return registration


def account_of(row: TicketColumns, missing: str) -> str:
    """The ticket's pending account; SecurityDetailsMissing, saying `missing`, without one."""
    if not row.account_id:
        raise errors.SecurityDetailsMissing(missing)
    return row.account_id


def _unregistered(row: Ticketed) -> Ticketed:
    """The ticket, when it has not registered an account yet."""
    if row.account_id:
        raise errors.SecurityDetailsAlreadySubmitted(
            f"Your security details are saved and a code was sent to "
            f"{row.code_destination_hint}. Enter that code to finish."
        )
    return row


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
