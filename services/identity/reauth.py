"""The current password asked again before an account's settings change (I9, I11).

Split like a sign-in so that no lock is held while argon2 runs: `on_file` (read), `matches`
(hash, no database), then `confirmed` in the transaction that writes the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.common.db import utcnow
from services.identity import passwords, repository
from services.identity.audit import trail
from services.identity.domain import AccountState, PrincipalKind
from services.identity.errors import AccountNotFound, WrongCurrentPassword
from services.identity.hashing import PasswordHashing
from services.identity.lockout import Lockout, principal_key
from services.identity.models import Account


@dataclass(frozen=True)
class PasswordOnFile:
    """An active account's login and password hash as read before hashing."""

    account_id: str
    username: str
    password_hash: str
    practice_id: str = ""


def active_account(session: Session, account_id: str, *, for_update: bool = False) -> Account:
    """The active account; AccountNotFound for an unknown or pending one."""
    account = repository.account(session, account_id, for_update=for_update) if account_id else None
    if account is None or account.state != AccountState.ACTIVE:
        raise AccountNotFound()
    return account


def on_file(session: Session, *, account_id: str) -> PasswordOnFile:
    """The password on file of an active account; AccountNotFound otherwise."""
    account = active_account(session, account_id)
    return PasswordOnFile(account.id, account.username, account.password_hash, account.practice_id)


def matches(hashing: PasswordHashing, current: PasswordOnFile, password: str) -> bool:
    """Whether `password` is the account's current password (argon2; no database)."""
    return hashing.verify(current.password_hash, passwords.normalize(password)).matches


def confirmed(
    session: Session, *, lockout: Lockout, current: PasswordOnFile, matched: bool
) -> Account:
    """The account, locked for the change, when the password was right. A wrong one counts
    toward the lockout (I11) and raises WrongCurrentPassword, which keeps the count; while the
    account is paused, SignInPaused; a password changed since it was read is refused as wrong,
    uncounted."""
    account = active_account(session, current.account_id, for_update=True)
    now = utcnow()
    key = principal_key(PrincipalKind.ACCOUNT, account.id)
    lockout.check_locked(session, key, now)
    if account.password_hash != current.password_hash:
        raise WrongCurrentPassword()
    if not matched:
        lockout.fail(session, key, now, principal=account)
        trail.record(
            session,
            "account.reauth.failed",
            f"account:{account.id}",
            outcome="failed",
            details={"step": "current_password"},
        )
        raise WrongCurrentPassword()
    return account
