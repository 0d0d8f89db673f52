"""Identity use cases: each takes the caller's session and flushes, never commits.

Password hashing is slow on purpose, so the use cases that hash are split in two: a `prepare_*`
or `check_*` step that runs outside any transaction, and a step that writes. No database lock is
held while argon2 runs (SQLite takes its write lock when a transaction begins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring, new_numeric_code
from services.common.db import new_id, utcnow
from services.common.errors import DomainError, FieldViolation
from services.common.outbox import Outbox
from services.identity import contacts, domain, passwords, repository, usernames
from services.identity.domain import AccountState, CodeChannel
from services.identity.errors import (
    AccountNotFound,
    CodeExpired,
    EmailTaken,
    InvalidRequest,
    UsernameTaken,
    WeakPassword,
    WrongCode,
)
from services.identity.hashing import PasswordHashing
from services.identity.models import Account, StaffMember, Verification

SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
IDEMPOTENCY_KEY_MAX_LENGTH = 128
NAME_MAX_LENGTH = 100
_NOTIFY_CHANNELS = {
    CodeChannel.EMAIL: notify_pb2.CHANNEL_EMAIL,
    CodeChannel.SMS: notify_pb2.CHANNEL_SMS,
}

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The result of a use case that counts failed attempts: the caller commits the count, then
    `unwrap()` raises the failure (raising inside the transaction would roll the count back)."""

    value: T | None = None
    error: DomainError | None = None

    def unwrap(self) -> T:
        """The value, or raises the failure."""
        if self.error is not None:
            raise self.error
        return cast(T, self.value)


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
    channel: CodeChannel
    destination_hint: str


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
    if account.email:
        return Registration(account, CodeChannel.EMAIL, contacts.mask_email(account.email))
    return Registration(account, CodeChannel.SMS, contacts.mask_phone(account.cell_phone or ""))


def _send_code(
    session: Session, *, outbox: Outbox, keyring: Keyring, account: Account, practice_id: str
) -> None:
    registration = _registration(account)
    code = new_numeric_code(domain.CODE_DIGITS)
    verification = Verification(
        id=new_id(),
        account_id=account.id,
        channel=registration.channel,
        code_hash=keyring.code_hash(account.id, code),
        expires_at=utcnow() + domain.CODE_LIFETIME,
    )
    session.add(verification)
    session.flush()
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"verification:{verification.id}",
            channel=_NOTIFY_CHANNELS[registration.channel],
            recipient=account.email or account.cell_phone or "",
            template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
            parameters={
                "code": code,
                "minutes_valid": str(int(domain.CODE_LIFETIME.total_seconds() // 60)),
            },
            practice_id=practice_id,
        ),
    )


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
    _send_code(session, outbox=outbox, keyring=keyring, account=account, practice_id=practice_id)
    return _registration(account)


def verify_account(
    session: Session, *, keyring: Keyring, account_id: str, code: str
) -> Outcome[Account]:
    """Checks a pending account's code: a match activates the account and verifies its email
    (I5); a wrong code uses up one of five attempts (I11). An active account succeeds as is."""
    account = repository.account(session, account_id, for_update=True)
    if account is None:
        raise AccountNotFound()
    if account.state == AccountState.ACTIVE:
        return Outcome(account)
    now = utcnow()
    verification = repository.open_verification(session, account.id)
    if (
        verification is None
        or verification.expires_at <= now
        or verification.attempts >= domain.CODE_ATTEMPTS
    ):
        raise CodeExpired()
    if not keyring.codes_match(account.id, code.strip(), verification.code_hash):
        verification.attempts += 1
        session.flush()
        return Outcome(error=WrongCode(domain.CODE_ATTEMPTS - verification.attempts))
    if account.email:
        holder = repository.account_by_verified_email(session, account.email)
        if holder is not None and holder.id != account.id:
            raise EmailTaken()
    verification.consumed_at = now
    account.state = AccountState.ACTIVE
    account.verified_email = account.email
    try:
        session.flush()
    except IntegrityError:
        raise EmailTaken() from None  # verified for another account at the same instant
    return Outcome(account)


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
