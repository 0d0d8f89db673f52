"""Password reset by email link (I8 a), and what every reset does when it completes.

Asking is answered the same whether an account matched or not, and in the same time: the request
is only queued (`queue_request`), and identity's outbox relay looks for the account and sends
the link once the answer has gone (`request_link`), so no work that depends on the account is
timed (X3). A matching account with a verified email gets a link whose token (256 random bits,
kept only as its hash) works once, for 30 minutes, and only while it is the newest. Completing
a reset needs the authenticator code too when the app is on (no reset path skips a second
factor). Every completed reset stores the new password (the practice's policy), ends every
session, forgets every remembered device, clears the account's lockout, sends the account
notice (I6) and is audited (X2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring, new_token, token_hash
from services.common.db import utcnow
from services.common.outbox import Outbox
from services.identity import (
    account_totp,
    account_validation,
    notices,
    repository,
    sessions,
    usernames,
)
from services.identity.audit import trail
from services.identity.codes import SEND_NOTIFICATION
from services.identity.domain import AccountState, PrincipalKind
from services.identity.errors import ResetLinkNotValid, WrongSecondFactorCode
from services.identity.lockout import Lockout, principal_key
from services.identity.models import (
    Account,
    PasswordReset,
    QuestionResetAttempts,
    RememberedDevice,
)

LINK_LIFETIME = timedelta(minutes=30)
# At most this many links per account in the window; more are dropped silently (X3).
LINKS_PER_WINDOW = 3
LINK_WINDOW = timedelta(hours=1)
LOGIN_MAX_LENGTH = 320
# The job that looks for the account and sends the link, run by identity's own outbox relay.
LINK_JOB = "identity/password-reset-link"


@dataclass(frozen=True)
class OpenReset:
    """A reset link that still works, read before the new password is hashed."""

    reset_id: str
    account_id: str
    username: str
    practice_id: str
    totp_on: bool


def queue_request(session: Session, *, outbox: Outbox, login: str) -> None:
    """Queues the request for `request_link`: the same work whatever the login is (X3)."""
    outbox.enqueue(
        session,
        LINK_JOB,
        identity_pb2.RequestPasswordResetRequest(login=login.strip()[:LOGIN_MAX_LENGTH]),
    )


def request_link(session: Session, *, outbox: Outbox, portal_url: str, login: str) -> None:
    """Sends a reset link to the verified account email of the account whose username or
    verified email `login` is; does nothing otherwise. The caller answers the same either way."""
    login = login.strip()[:LOGIN_MAX_LENGTH]
    account = (
        repository.account_by_verified_email(session, login.lower())
        if "@" in login
        else repository.account_by_username_key(session, usernames.username_key(login))
    )
    now = utcnow()
    if (
        account is None
        or account.state != AccountState.ACTIVE
        or not account.verified_email
        or account_validation.pending(session, account)
    ):
        trail.record(session, "account.password_reset.request", "unknown", outcome="denied")
        return
    recent = session.scalars(
        select(PasswordReset.created_at).where(
            PasswordReset.account_id == account.id, PasswordReset.created_at > now - LINK_WINDOW
        )
    ).all()
    if len(recent) >= LINKS_PER_WINDOW:
        trail.record(
            session, "account.password_reset.request", f"account:{account.id}", outcome="denied"
        )
        return
    session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.account_id == account.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    token = new_token()
    reset = PasswordReset(
        token_hash=token_hash(token),
        account_id=account.id,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    session.add(reset)
    session.flush()
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"password-reset:{reset.id}",
            channel=notify_pb2.CHANNEL_EMAIL,
            recipient=account.verified_email,
            template=notify_pb2.TEMPLATE_PASSWORD_RESET_LINK,
            parameters={
                "reset_url": f"{portal_url.rstrip('/')}/reset-password#token={token}",
                "minutes_valid": str(LINK_LIFETIME // timedelta(minutes=1)),
            },
            practice_id=account.practice_id,
        ),
    )
    trail.record(session, "account.password_reset.request", f"account:{account.id}")


def _live(session: Session, token: str, now: datetime, *, lock: bool) -> PasswordReset:
    query = select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    reset = session.scalar(query.with_for_update() if lock else query) if token else None
    if (
        reset is None
        or reset.used_at is not None
        or reset.superseded_at is not None
        or reset.expires_at <= now
    ):
        raise ResetLinkNotValid()
    return reset


def open_link(session: Session, *, token: str) -> OpenReset:
    """The link's account, read before hashing; ResetLinkNotValid for an unknown, used,
    replaced or expired link."""
    reset = _live(session, token, utcnow(), lock=False)
    account = repository.account(session, reset.account_id)
    if account is None or account.state != AccountState.ACTIVE:
        raise ResetLinkNotValid()
    return OpenReset(
        reset.id,
        account.id,
        account.username,
        account.practice_id,
        account_totp.is_on(session, account.id),
    )


def complete(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    outbox: Outbox,
    token: str,
    new_hash: str,
    second_factor: tuple[str, str] | None,
) -> Account:
    """Uses the link once: with the authenticator app on, a right code (field "totp_code" or
    "recovery_code") is needed first; wrong codes count toward the lockout. Two concurrent uses
    of one link let exactly one through (the link's row is locked)."""
    now = utcnow()
    reset = _live(session, token, now, lock=True)
    account = repository.account(session, reset.account_id, for_update=True)
    if account is None:
        raise ResetLinkNotValid()
    lockout.check_locked(session, principal_key(PrincipalKind.ACCOUNT, account.id), now)
    require_second_factor(session, keyring, lockout, account, second_factor, now)
    reset.used_at = now
    finish(session, lockout=lockout, outbox=outbox, account=account, new_hash=new_hash, way="link")
    return account


def require_second_factor(
    session: Session,
    keyring: Keyring,
    lockout: Lockout,
    account: Account,
    second_factor: tuple[str, str] | None,
    now: datetime,
) -> None:
    """No reset skips the second factor: with the authenticator app on, a right code (field
    "totp_code" or "recovery_code") is needed; a wrong one counts toward the lockout and raises
    WrongSecondFactorCode, which keeps the count."""
    totp_row = repository.account_totp(session, account.id, for_update=True)
    if totp_row is None or totp_row.enabled_at is None:
        return
    field, code = second_factor or ("totp_code", "")
    right = (
        account_totp.right_totp_code(keyring, totp_row, code, now)
        if field == "totp_code"
        else account_totp.right_recovery_code(session, keyring, account.id, code, now)
    )
    if not right:
        lockout.fail(
            session, principal_key(PrincipalKind.ACCOUNT, account.id), now, principal=account
        )
        trail.record(
            session,
            "account.password_reset.failed",
            f"account:{account.id}",
            outcome="failed",
            details={"step": field},
        )
        raise WrongSecondFactorCode(field)


def finish(
    session: Session, *, lockout: Lockout, outbox: Outbox, account: Account, new_hash: str, way: str
) -> None:
    """What every completed reset does (I8): the new password, every session ended, every
    remembered device forgotten, the lockout cleared, the notice (I6) and the audit record."""
    account.password_hash = new_hash
    sessions.end_all_for(session, kind=PrincipalKind.ACCOUNT, principal_id=account.id)
    session.execute(
        update(RememberedDevice)
        .where(RememberedDevice.account_id == account.id, RememberedDevice.forgotten_at.is_(None))
        .values(forgotten_at=utcnow())
    )
    lockout.clear(session, principal_key(PrincipalKind.ACCOUNT, account.id))
    if way in ("link", "token"):
        # A link or a practice token reopens the knowledge-based ways (I8 b, d).
        session.execute(
            delete(QuestionResetAttempts).where(
                QuestionResetAttempts.state_key.in_(
                    [f"account:{account.id}", f"information:{account.id}"]
                )
            )
        )
    trail.record(session, "account.password_reset", f"account:{account.id}", details={"way": way})
    notices.send_account_notice(
        session,
        outbox=outbox,
        idempotency_key=f"password-reset-notice:{account.id}:{utcnow().isoformat()}",
        account_id=account.id,
        kind=notices.NoticeKind.PASSWORD_RESET,
        practice_id=account.practice_id,
        practice_name="",
    )
