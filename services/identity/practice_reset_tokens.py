"""Password reset with a token from the practice (I8 c).

Staff with the `issue_reset_tokens` permission issue an 8-digit token for a patient's account
after checking who the patient is; how they checked is kept with the token and in the audit
record, and the account email is told a token was issued. The newest token supersedes older
ones; it works once, for 24 hours, and five wrong tries end it. Wrong tries also count toward
the sign-in lockout, under the same key a wrong password would (I11), so an unknown username is
answered exactly like a wrong token (X3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common import context
from services.common.crypto import Keyring, new_numeric_code
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import domain, repository, usernames
from services.identity.audit import trail
from services.identity.codes import SEND_NOTIFICATION
from services.identity.domain import AccountState, IdentityCheck, PrincipalKind
from services.identity.errors import AccountNotFound, InvalidRequest, ResetTokenNotValid
from services.identity.lockout import Lockout, principal_key
from services.identity.models import Account, PracticeResetToken
from services.identity.password_resets import finish, require_second_factor


@dataclass(frozen=True)
class IssuedToken:
    """The token, shown once to the staff member who reads it to the patient."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenOnFile:
    """The account a token reset is for, read before the new password is hashed."""

    account_id: str
    username: str
    practice_id: str


def issue(
    session: Session,
    *,
    keyring: Keyring,
    outbox: Outbox,
    account_id: str,
    practice_id: str,
    practice_name: str,
    identity_check: IdentityCheck | None,
) -> IssuedToken:
    """A new token for the active account, superseding its older ones; the account email, if
    verified, is told (I6). The staff member and the identity check are recorded (X2)."""
    if identity_check is None:
        raise InvalidRequest(
            "Say how you checked the patient's identity before issuing a token.",
            violations=[
                FieldViolation("identity_check", "One of photo_id, call_back, known_in_person.")
            ],
        )
    account = repository.account(session, account_id, for_update=True) if account_id else None
    if account is None or account.state != AccountState.ACTIVE:
        raise AccountNotFound()
    now = utcnow()
    session.execute(
        update(PracticeResetToken)
        .where(PracticeResetToken.account_id == account.id, PracticeResetToken.ended_at.is_(None))
        .values(ended_at=now)
    )
    token = new_numeric_code(domain.RESET_TOKEN_DIGITS)
    issued = PracticeResetToken(
        account_id=account.id,
        practice_id=practice_id,
        token_hash=keyring.code_hash(account.id, token),
        issued_by=context.current().actor[:100],
        identity_check=identity_check.value,
        created_at=now,
        expires_at=now + domain.RESET_TOKEN_LIFETIME,
    )
    session.add(issued)
    session.flush()
    trail.record(
        session,
        "account.reset_token.issue",
        f"account:{account.id}",
        practice_id=practice_id,
        details={"identity_check": identity_check.value, "token": issued.id},
    )
    if account.verified_email:
        outbox.enqueue(
            session,
            SEND_NOTIFICATION,
            notify_pb2.SendNotificationRequest(
                idempotency_key=f"reset-token-notice:{issued.id}",
                channel=notify_pb2.CHANNEL_EMAIL,
                recipient=account.verified_email,
                template=notify_pb2.TEMPLATE_PRACTICE_TOKEN_NOTICE,
                parameters={"practice_name": practice_name or "Your practice"},
                practice_id=practice_id,
            ),
        )
    return IssuedToken(token, issued.expires_at)


def on_file(session: Session, *, lockout: Lockout, username: str) -> TokenOnFile | None:
    """The account of `username`, read before hashing; None for an unknown one. SignInPaused
    while the account (or the unknown name) is paused by wrong tries."""
    key = usernames.username_key(username)
    account = repository.account_by_username_key(session, key)
    now = utcnow()
    if account is None or account.state != AccountState.ACTIVE:
        lockout.check(session, lockout.unknown_login_key(PrincipalKind.ACCOUNT, key), now)
        return None
    lockout.check(session, principal_key(PrincipalKind.ACCOUNT, account.id), now)
    return TokenOnFile(account.id, account.username, account.practice_id)


def reset(
    session: Session,
    *,
    keyring: Keyring,
    lockout: Lockout,
    outbox: Outbox,
    username: str,
    token: str,
    new_hash: str,
    second_factor: tuple[str, str] | None,
) -> Account:
    """Uses the account's newest token to set the new password (then `finish`). A wrong token,
    an unknown username, or a token used, replaced, expired or ended by wrong tries are all
    ResetTokenNotValid, and each counts toward the lockout."""
    key = usernames.username_key(username)
    found = repository.account_by_username_key(session, key)
    now = utcnow()
    # A name that is no active account reads, counts and is audited as a wrong token is: the
    # same work, so the answer takes as long (X3).
    active = found.id if found is not None and found.state == AccountState.ACTIVE else ""
    account = repository.account(session, active, for_update=True)
    unknown = lockout.unknown_login_key(PrincipalKind.ACCOUNT, key)
    lockout_key = principal_key(PrincipalKind.ACCOUNT, account.id) if account else unknown
    lockout.check_locked(session, lockout_key, now)
    newest = session.scalar(
        select(PracticeResetToken)
        .where(PracticeResetToken.account_id == active, PracticeResetToken.ended_at.is_(None))
        .order_by(PracticeResetToken.created_at.desc())
        .with_for_update()
    )
    right = keyring.codes_match(active, token.strip(), newest.token_hash if newest else "")
    if account is None or newest is None or newest.expires_at <= now or not right:
        if newest is not None:
            newest.failed_attempts += 1
            if newest.failed_attempts >= domain.RESET_TOKEN_ATTEMPTS:
                newest.ended_at = now
        lockout.fail(session, lockout_key, now, principal=account)
        trail.record(
            session,
            "account.reset_token.failed",
            f"account:{account.id}" if account else "",
            outcome="failed",
        )
        raise ResetTokenNotValid()
    require_second_factor(session, keyring, lockout, account, second_factor, now)
    newest.ended_at = now
    finish(session, lockout=lockout, outbox=outbox, account=account, new_hash=new_hash, way="token")
    return account
