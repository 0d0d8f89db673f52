"""Identity use cases: each takes the caller's session and flushes, never commits.

Password hashing is slow on purpose, so the use cases that hash are split in two: a `prepare_*`
or `check_*` step that runs outside any transaction, and a step that writes. No database lock is
held while argon2 runs (SQLite takes its write lock when a transaction begins).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import new_id
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import codes, contacts, domain, passwords, repository, usernames
from services.identity.codes import CodeDestination
from services.identity.domain import AccountState
from services.identity.errors import (
    AccountNotFound,
    EmailTaken,
    InvalidRequest,
    UsernameTaken,
    WeakPassword,
)
from services.identity.hashing import PasswordHashing
from services.identity.models import Account, StaffMember

IDEMPOTENCY_KEY_MAX_LENGTH = 128
NAME_MAX_LENGTH = 100


def _required(field: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value or len(value) > max_length:
        raise InvalidRequest(
            f"Fill in {field.replace('_', ' ')} (at most {max_length} characters).",
            violations=[FieldViolation(field, f"Required, at most {max_length} characters.")],
        )
    return value


def _valid_login(login: str, field: str) -> str:
    problem = usernames.problem(login)
    if problem:
        raise InvalidRequest(
            f"Choose another {field.replace('_', ' ')}: {problem}",
            violations=[FieldViolation(field, problem)],
        )
    return usernames.normalize(login)


def _hashed_if_acceptable(hashing: PasswordHashing, password: str, login: str) -> str:
    check = passwords.check(password, username=login)
    if not check.acceptable:
        raise WeakPassword({r.name: r.description for r in check.unmet})
    return hashing.hash(passwords.normalize(password))


def check_password(*, password: str, username: str) -> passwords.PasswordCheck:
    """Each requirement of the policy, met or not, for a candidate password (I2)."""
    return passwords.check(password, username=username)


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
    hashing: PasswordHashing, *, username: str, password: str, email: str, cell_phone: str
) -> NewAccount:
    """Checks a registration (I1, I2, I5) and hashes its password; touches no database."""
    name = _valid_login(username, "username")
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
        password_hash=_hashed_if_acceptable(hashing, password, name),
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
) -> Registration:
    """Creates a pending account and queues its verification code for notify (N2).

    A retry with the same idempotency key returns the first account and queues nothing.
    """
    key = _required("idempotency_key", idempotency_key, IDEMPOTENCY_KEY_MAX_LENGTH)
    existing = repository.account_by_idempotency_key(session, key)
    if existing is not None:
        return _registration(existing)
    username_key = usernames.username_key(new.username)
    if repository.account_by_username_key(session, username_key) is not None:
        raise UsernameTaken("username", "username")
    if new.email and repository.account_by_verified_email(session, new.email) is not None:
        raise EmailTaken()
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
    return Registration(account, sent)


def get_account(session: Session, *, account_id: str) -> Account:
    """The account, or AccountNotFound."""
    account = repository.account(session, account_id) if account_id else None
    if account is None:
        raise AccountNotFound()
    return account


@dataclass(frozen=True)
class NewStaffMember:
    """A staff member that passed every check, with the password already hashed."""

    practice_id: str
    user_id: str
    first_name: str
    last_name: str
    permissions: list[str]
    password_hash: str


def prepare_staff_member(
    hashing: PasswordHashing,
    *,
    practice_id: str,
    user_id: str,
    password: str,
    first_name: str,
    last_name: str,
    permissions: list[str],
) -> NewStaffMember:
    """Checks a new staff member (S1, I1, I2) and hashes the password; touches no database."""
    unknown = domain.unknown_permissions(permissions)
    if unknown:
        raise InvalidRequest(
            f"Choose permissions from the list; unknown: {', '.join(unknown)}.",
            violations=[FieldViolation("permissions", f"Unknown: {name}") for name in unknown],
        )
    practice = _required("practice_id", practice_id, 64)
    first = _required("first_name", first_name, NAME_MAX_LENGTH)
    last = _required("last_name", last_name, NAME_MAX_LENGTH)
    login = _valid_login(user_id, "user_id")
    return NewStaffMember(
        practice_id=practice,
        user_id=login,
        first_name=first,
        last_name=last,
        permissions=sorted(set(permissions)),
        password_hash=_hashed_if_acceptable(hashing, password, login),
    )


def create_staff_member(
    session: Session, *, idempotency_key: str, new: NewStaffMember
) -> StaffMember:
    """Adds a staff member to a practice (S1); a retry with the same key returns the first one."""
    key = _required("idempotency_key", idempotency_key, IDEMPOTENCY_KEY_MAX_LENGTH)
    existing = repository.staff_member_by_idempotency_key(session, key)
    if existing is not None:
        return existing
    user_id_key = usernames.username_key(new.user_id)
    if repository.staff_member_by_user_id_key(session, user_id_key) is not None:
        raise UsernameTaken("user_id", "user ID")
    member = StaffMember(
        id=new_id(),
        idempotency_key=key,
        practice_id=new.practice_id,
        user_id=new.user_id,
        user_id_key=user_id_key,
        first_name=new.first_name,
        last_name=new.last_name,
        password_hash=new.password_hash,
        permissions=new.permissions,
    )
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        existing = repository.staff_member_by_idempotency_key(session, key)
        if existing is not None:
            return existing
        raise UsernameTaken("user_id", "user ID") from None
    return member
