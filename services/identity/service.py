"""Identity use cases: each takes the caller's session and flushes, never commits.

Password hashing is slow on purpose, so the use cases that hash are split in two: a `prepare_*`
or `check_*` step that runs outside any transaction, and a step that writes. No database lock is
held while argon2 runs (SQLite takes its write lock when a transaction begins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import new_id
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import (
    checks,
    codes,
    contacts,
    passwords,
    pending_accounts,
    repository,
    usernames,
)
from services.identity.audit import trail
from services.identity.codes import CodeDestination
from services.identity.domain import AccountState
from services.identity.errors import AccountNotFound, InvalidRequest, UsernameTaken
from services.identity.hashing import PasswordHashing
from services.identity.models import Account


def check_password(
    *, password: str, username: str, policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY
) -> passwords.PasswordCheck:
    """Each requirement of the policy, met or not, for a candidate password (I2)."""
    return passwords.check(password, username=username, policy=policy)


@dataclass(frozen=True)
class NewAccount:
    """A registration that passed every check, with its password already hashed."""

    username: str
    password_hash: str
    email: str | None
    cell_phone: str | None


@dataclass(frozen=True)
class Registration:
    """A pending account and where its verification code went."""

    account: Account
    code_destination: CodeDestination


def prepare_account(
    hashing: PasswordHashing,
    *,
    username: str,
    password: str,
    email: str,
    cell_phone: str,
    policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY,
) -> NewAccount:
    """Checks a registration (I1, I2, I5) and hashes its password; touches no database."""
    name = checks.valid_login(username, "username")
    if not email.strip() and not cell_phone.strip():
        raise InvalidRequest(
            "Enter an email address or a cell phone, so we can send you a verification code.",
            violations=[
                FieldViolation("email", "Required when there is no cell phone."),
                FieldViolation("cell_phone", "Required when there is no email."),
            ],
        )
    normalized_email = contacts.normalize_email(email) if email.strip() else None
    phone = contacts.normalize_cell_phone(cell_phone) if cell_phone.strip() else None
    return NewAccount(
        username=name,
        password_hash=checks.hashed_if_acceptable(hashing, password, name, policy),
        email=normalized_email,
        cell_phone=phone,
    )


def _registration(account: Account) -> Registration:
    return Registration(account, codes.destination(account))


def register_account(
    session: Session,
    *,
    outbox: Outbox,
    keyring: Keyring,
    idempotency_key: str,
    practice_id: str,
    new: NewAccount,
    pending_until: datetime | None = None,
    replaces: Sequence[str] = (),
) -> Registration:
    """Creates a pending account and queues its verification code for notify (N2).

    A retry with the same idempotency key returns the first account and queues nothing. An
    email that is another account's verified email is answered as any other (X3): its code is
    never sent, and its owner is told instead (see `codes.send_new_code`). A username that is
    taken says so (I1: a person must be able to pick one). The account may be activated until
    `pending_until`; the pending accounts it `replaces`, and one past its end that holds the
    username, are deleted first (see `pending_accounts`).
    """
    key = checks.required("idempotency_key", idempotency_key, checks.IDEMPOTENCY_KEY_MAX_LENGTH)
    existing = repository.account_by_idempotency_key(session, key)
    if existing is not None:
        return _registration(existing)
    username_key = usernames.username_key(new.username)
    pending_accounts.make_room(
        session, username_key=username_key, replaced=replaces, practice_id=practice_id
    )
    if repository.account_by_username_key(session, username_key) is not None:
        raise UsernameTaken("username", "username")
    account = Account(
        id=new_id(),
        idempotency_key=key,
        username=new.username,
        username_key=username_key,
        password_hash=new.password_hash,
        state=AccountState.PENDING,
        practice_id=practice_id,
        email=new.email,
        cell_phone=new.cell_phone,
        pending_until=pending_accounts.end_of(pending_until),
    )
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        # A concurrent registration committed first: the same request, or the same username.
        existing = repository.account_by_idempotency_key(session, key)
        if existing is not None:
            return _registration(existing)
        raise UsernameTaken("username", "username") from None
    sent = codes.send_new_code(session, outbox=outbox, keyring=keyring, account=account)
    trail.record(session, "account.register", f"account:{account.id}", practice_id=practice_id)
    return Registration(account, sent)


def get_account(session: Session, *, account_id: str) -> Account:
    """The account, or AccountNotFound."""
    account = repository.account(session, account_id) if account_id else None
    if account is None:
        raise AccountNotFound()
    return account


def look_up_username(session: Session, *, account_id: str, practice_id: str) -> str:
    """The account's username, for staff of a practice where the account has a record (I7);
    audited with the staff member asking (X2). AccountNotFound for an unknown account."""
    account = get_account(session, account_id=account_id)
    trail.record(
        session, "account.username.look_up", f"account:{account.id}", practice_id=practice_id
    )
    return account.username
