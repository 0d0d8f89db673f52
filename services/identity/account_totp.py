"""An account's authenticator app (I4, I9, I11): set up, confirm, turn off, recovery codes.

Every code check locks the account row: a wrong code counts toward the sign-in lockout and
raises WrongSecondFactorCode (which keeps the count); while the account is paused no code is
checked at all, so codes cannot be guessed through these routes either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import utcnow
from services.identity import domain, repository, totp
from services.identity.audit import trail
from services.identity.domain import AccountState, PrincipalKind
from services.identity.errors import (
    AccountNotFound,
    TotpAlreadyOn,
    TotpNotOn,
    TotpNotSetUp,
    WrongCurrentPassword,
    WrongSecondFactorCode,
)
from services.identity.lockout import Lockout, principal_key
from services.identity.models import Account, AccountRecoveryCode, AccountTotp
from services.identity.staff_sign_in import TotpSetup


def active_account(session: Session, lockout: Lockout, account_id: str) -> Account:
    """The active account, locked for a change; AccountNotFound for an unknown or pending one,
    SignInPaused while its wrong passwords and codes are slowed down or locked out."""
    account = repository.account(session, account_id, for_update=True) if account_id else None
    if account is None or account.state != AccountState.ACTIVE:
        raise AccountNotFound()
    lockout.check(session, principal_key(PrincipalKind.ACCOUNT, account.id), utcnow())
    return account


def is_on(session: Session, account_id: str) -> bool:
    """Whether the account signs in with its authenticator app."""
    row = repository.account_totp(session, account_id)
    return row is not None and row.enabled_at is not None


def _enabled(session: Session, account_id: str) -> AccountTotp:
    row = repository.account_totp(session, account_id, for_update=True)
    if row is None or row.enabled_at is None:
        raise TotpNotOn()
    return row


def _fail(
    session: Session,
    lockout: Lockout,
    account: Account,
    action: str,
    field: str,
    now: datetime,
) -> None:
    lockout.fail(session, principal_key(PrincipalKind.ACCOUNT, account.id), now, principal=account)
    trail.record(
        session, action, f"account:{account.id}", outcome="failed", details={"step": field}
    )


def right_totp_code(keyring: Keyring, row: AccountTotp, code: str, now: datetime) -> bool:
    """Whether the code is right for the current time step or one next to it and newer than
    the last accepted one; a right code's step is remembered, so it works once."""
    secret = keyring.unseal(row.secret_sealed).decode()
    step = totp.accepted_step(secret, code, now=now, last_step=row.last_step)
    if step is None:
        return False
    row.last_step = step
    return True


def right_recovery_code(
    session: Session, keyring: Keyring, account_id: str, code: str, now: datetime
) -> bool:
    """Whether the code is one of the account's unused recovery codes; it is used up."""
    normalized = totp.normalize_recovery_code(code)
    for stored in repository.unused_account_recovery_codes(session, account_id):
        if keyring.codes_match(account_id, normalized, stored.code_hash):
            stored.used_at = now
            return True
    return False


def _new_recovery_codes(
    session: Session, keyring: Keyring, account_id: str, now: datetime
) -> tuple[str, ...]:
    for old in repository.unused_account_recovery_codes(session, account_id):
        old.used_at = now
    codes = totp.new_recovery_codes(domain.RECOVERY_CODES)
    session.add_all(
        AccountRecoveryCode(
            account_id=account_id,
            code_hash=keyring.code_hash(account_id, totp.normalize_recovery_code(code)),
        )
        for code in codes
    )
    return tuple(codes)


def _check_code(
    session: Session,
    keyring: Keyring,
    lockout: Lockout,
    account: Account,
    row: AccountTotp,
    code: str,
    action: str,
) -> datetime:
    now = utcnow()
    if not right_totp_code(keyring, row, code, now):
        _fail(session, lockout, account, action, "code", now)
        raise WrongSecondFactorCode("code")
    return now


def set_up(session: Session, *, keyring: Keyring, lockout: Lockout, account_id: str) -> TotpSetup:
    """The authenticator app's setup: a pending secret, kept until confirmed, so starting over
    shows the same QR code; TotpAlreadyOn once it is on."""
    account = active_account(session, lockout, account_id)
    row = repository.account_totp(session, account.id, for_update=True)
    if row is not None and row.enabled_at is not None:
        raise TotpAlreadyOn()
    if row is None:
        row = AccountTotp(
            account_id=account.id, secret_sealed=keyring.seal(totp.new_secret().encode())
        )
        session.add(row)
        session.flush()
    uri = totp.provisioning_uri(keyring.unseal(row.secret_sealed).decode(), account.username)
    return TotpSetup(uri, totp.qr_svg_data_uri(uri))


def confirm(
    session: Session, *, keyring: Keyring, lockout: Lockout, account_id: str, code: str
) -> tuple[str, ...]:
    """Turns the authenticator app on with its first right code; answers ten recovery codes,
    shown this once."""
    account = active_account(session, lockout, account_id)
    row = repository.account_totp(session, account.id, for_update=True)
    if row is None:
        raise TotpNotSetUp()
    if row.enabled_at is not None:
        raise TotpAlreadyOn()
    now = _check_code(session, keyring, lockout, account, row, code, "account.totp.enable.failed")
    row.enabled_at = now
    codes = _new_recovery_codes(session, keyring, account.id, now)
    trail.record(session, "account.totp.enable", f"account:{account.id}")
    return codes


def regenerate_recovery_codes(
    session: Session, *, keyring: Keyring, lockout: Lockout, account_id: str, code: str
) -> tuple[str, ...]:
    """Ten new recovery codes for a current app code; every older one stops working."""
    account = active_account(session, lockout, account_id)
    row = _enabled(session, account.id)
    action = "account.recovery_codes.regenerate"
    now = _check_code(session, keyring, lockout, account, row, code, f"{action}.failed")
    codes = _new_recovery_codes(session, keyring, account.id, now)
    trail.record(session, action, f"account:{account.id}", details={"count": str(len(codes))})
    return codes


def password_hash_on_file(session: Session, *, account_id: str) -> str:
    """The active account's password hash, read before argon2 runs (no lock held meanwhile)."""
    account = repository.account(session, account_id) if account_id else None
    if account is None or account.state != AccountState.ACTIVE:
        raise AccountNotFound()
    return account.password_hash


def disable(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    account_id: str,
    password_hash: str,
    password_matched: bool,
    code: str,
) -> None:
    """Turns the authenticator app off given the password (checked against `password_hash`,
    the hash read before) and a current code; the recovery codes stop working. A wrong password
    or code counts toward the lockout."""
    account = active_account(session, lockout, account_id)
    row = _enabled(session, account.id)
    action = "account.totp.disable"
    if account.password_hash != password_hash:
        raise WrongCurrentPassword("password")
    if not password_matched:
        _fail(session, lockout, account, f"{action}.failed", "password", utcnow())
        raise WrongCurrentPassword("password")
    now = _check_code(session, keyring, lockout, account, row, code, f"{action}.failed")
    for old in repository.unused_account_recovery_codes(session, account.id):
        old.used_at = now
    session.delete(row)
    session.flush()
    trail.record(session, action, f"account:{account.id}")
