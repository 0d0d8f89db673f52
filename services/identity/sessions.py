"""Sign-in and session use cases (I10, I11, X3) for accounts and staff alike.

A sign-in runs in three steps so that no database lock is held while argon2 runs:
`find_credential` (read, and the lockout's pause), `check_credential` (hash, no database), then
a write:
`account_sign_in.after_password` for accounts, `confirm_password` and `staff_sign_in.advance`
for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.identity import domain, passwords, remembered_devices, repository, usernames
from services.identity.audit import trail
from services.identity.domain import Factors, PrincipalKind
from services.identity.errors import BadCredentials, SessionEnded
from services.identity.hashing import PasswordHashing, Verdict
from services.identity.lockout import Lockout, device_key, principal_key
from services.identity.models import Account, AuthSession, StaffMember


@dataclass(frozen=True)
class Credential:
    """What the first step found: the key failures count against (see `lockout`), and the
    login's hash, or no hash when the login is unknown (then the password is checked against a
    dummy hash and cannot match). `device_id` names the account's remembered device the
    request came from, if any."""

    kind: PrincipalKind
    throttle_key: str
    principal_id: str | None = None
    password_hash: str | None = None
    device_id: str | None = None


@dataclass(frozen=True)
class SignedIn:
    """A new session: the token is shown once and kept only as its hash."""

    token: str
    expires_at: datetime
    principal: Account | StaffMember
    factors: Factors = Factors.PASSWORD


@dataclass(frozen=True)
class Principal:
    """Who a session belongs to; practice and permissions only for staff."""

    kind: PrincipalKind
    principal_id: str
    practice_id: str
    permissions: list[str]
    expires_at: datetime


def find_credential(
    session: Session, *, lockout: Lockout, kind: PrincipalKind, login: str, device_token: str = ""
) -> Credential:
    """The stored hash of the account (by username) or staff member (by user ID), any case;
    SignInPaused, before any hashing, while its key is slowed down or locked (I11). An unknown
    login is paused alike (X3)."""
    key = usernames.username_key(login)
    row = repository.login_by_key(session, kind, key)
    now = utcnow()
    if row is None or _is_deactivated(row):
        credential = Credential(kind, lockout.unknown_login_key(kind, key))
    else:
        device = (
            remembered_devices.recognized(session, row.id, device_token, now)
            if isinstance(row, Account)
            else None
        )
        credential = Credential(
            kind,
            device_key(device.id) if device else principal_key(kind, row.id),
            row.id,
            row.password_hash,
            device.id if device else None,
        )
    lockout.check(session, credential.throttle_key, now)
    return credential


def check_credential(hashing: PasswordHashing, credential: Credential, password: str) -> Verdict:
    """Verifies the password; takes as long whether the login exists or not (X3)."""
    return hashing.verify(credential.password_hash, passwords.normalize(password))


def _is_deactivated(row: Account | StaffMember) -> bool:
    return isinstance(row, StaffMember) and row.deactivated_at is not None


def confirm_password(
    session: Session, *, lockout: Lockout, credential: Credential, verdict: Verdict
) -> Account | StaffMember:
    """The login, locked, when the password was right (a weaker hash is replaced). A wrong one,
    or any password for an unknown login, counts against the credential's key (I11); the count
    is cleared only when a session opens, so a second factor gets no fresh tries. Every refusal
    is the same BadCredentials (X3), which keeps the count; SignInPaused when a parallel attempt
    paused the key meanwhile."""
    now = utcnow()
    # The login's row lock makes parallel attempts take turns, so each sees the pause the one
    # before it began. An unknown login reads no row, counts and is audited alike (X3: the
    # same work, so the answer takes as long).
    row = repository.login_for_update(session, credential.kind, credential.principal_id or "")
    lockout.check_locked(session, credential.throttle_key, now)
    login = row if row is not None and not _is_deactivated(row) else None
    # A hash changed since the first step (password reset, rehash) makes the verdict stale.
    if login is not None and login.password_hash != credential.password_hash:
        raise BadCredentials()
    if login is None or not verdict.matches:
        lockout.fail(session, credential.throttle_key, now, principal=login)
        kind = "staff" if credential.kind is PrincipalKind.STAFF else "account"
        trail.record(
            session,
            f"{kind}.sign_in.failed",
            f"{kind}:{login.id}" if login else "",
            practice_id=login.practice_id if isinstance(login, StaffMember) else "",
            outcome="failed",
            details={"step": "password"},
        )
        raise BadCredentials()
    if verdict.new_hash:
        login.password_hash = verdict.new_hash
    return login


def open_session(
    session: Session,
    *,
    kind: PrincipalKind,
    row: Account | StaffMember,
    device_label: str,
    lifetime: timedelta,
    factors: Factors = Factors.PASSWORD,
) -> SignedIn:
    """Opens a session for the login on one device, recording the factors the sign-in proved;
    the token is returned once."""
    token = new_token()
    opened = AuthSession(
        token_hash=token_hash(token),
        kind=kind,
        principal_id=row.id,
        practice_id=row.practice_id if isinstance(row, StaffMember) else None,
        device_label=device_label.strip()[: domain.DEVICE_LABEL_MAX_LENGTH],
        expires_at=utcnow() + lifetime,
        factors=factors,
    )
    session.add(opened)
    session.flush()
    return SignedIn(token=token, expires_at=opened.expires_at, principal=row, factors=factors)


# A session is renewed at most this often, so that every request does not write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def live_session(
    session: Session, token: str, idle_timeout: timedelta | None = None
) -> AuthSession | None:
    """The open session of `token`: not signed out, within its absolute lifetime and, when an
    idle timeout is given, used within it (I10)."""
    opened = repository.auth_session_by_token_hash(session, token_hash(token)) if token else None
    now = utcnow()
    if opened is None or opened.ended_at is not None or opened.expires_at <= now:
        return None
    if (
        idle_timeout is not None
        and (opened.last_seen_at or opened.created_at) + idle_timeout <= now
    ):
        return None
    return opened


def resolve_session(
    session: Session, *, token: str, idle_timeout: timedelta | None = None
) -> Principal:
    """Who the session belongs to, with a staff member's current permissions; SessionEnded
    when the token is unknown, expired, idle too long or signed out. Using it renews it."""
    opened = live_session(session, token, idle_timeout)
    if opened is None:
        raise SessionEnded()
    now = utcnow()
    if opened.last_seen_at is None or now - opened.last_seen_at >= LAST_SEEN_RESOLUTION:
        opened.last_seen_at = now
    if opened.kind == PrincipalKind.ACCOUNT:
        return Principal(PrincipalKind.ACCOUNT, opened.principal_id, "", [], opened.expires_at)
    member = repository.staff_member(session, opened.principal_id)
    if member is None or member.deactivated_at is not None:
        raise SessionEnded()
    return Principal(
        PrincipalKind.STAFF, member.id, member.practice_id, member.permissions, opened.expires_at
    )


def end_all_for(
    session: Session,
    *,
    kind: PrincipalKind,
    principal_id: str,
    except_token_hash: str | None = None,
) -> int:
    """Ends every open session of the account or staff member, except the one whose token hash
    is `except_token_hash` (the caller's own, to keep it); returns how many ended. Call it in the
    transaction of a password change or reset (I8, I10)."""
    ended = repository.end_sessions(
        session, kind, principal_id, utcnow(), except_token_hash=except_token_hash
    )
    trail.record(
        session,
        "session.end_all",
        f"{PrincipalKind(kind).value}:{principal_id}",
        details={"ended": str(ended), "kept_current": str(except_token_hash is not None).lower()},
    )
    return ended


def sign_out(session: Session, *, token: str) -> None:
    """Ends the session; an unknown or already ended one is left as it is."""
    opened = live_session(session, token)
    if opened is not None:
        opened.ended_at = utcnow()
        trail.record(
            session,
            "session.end",
            f"{PrincipalKind(opened.kind).value}:{opened.principal_id}",
            practice_id=opened.practice_id or "",
        )
        session.flush()
