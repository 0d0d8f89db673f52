"""Account activity notices (I6, N3): sent only to the account's verified email."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring, token_hash
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import repository
from services.identity.audit import trail
from services.identity.errors import AccountNotFound, InvalidRequest
from services.identity.models import Account

SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
IDEMPOTENCY_KEY_MAX_LENGTH = 128
PRACTICE_NAME_MAX_LENGTH = 200
# At most one "someone tried to sign up with your email" notice per address in this window.
SIGN_UP_ATTEMPT_WINDOW = timedelta(hours=1)


class NoticeKind(StrEnum):
    """The account activities a notice reports; the value is the notify template's `notice`."""

    USERNAME_CHANGED = "username_changed"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a notice name, not a password
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a notice name, not a password
    EMAIL_CHANGED = "email_changed"
    ACCOUNTS_MERGED = "accounts_merged"
    UNENROLLED = "unenrolled"
    # Sign-in was locked after too many wrong passwords or codes (I11).
    ACCOUNT_LOCKED = "account_locked"
    # Who may act for the account's patient record changed (P4).
    PROXY_ACCESS_CHANGED = "proxy_access_changed"
    # Someone tried to create an account with the account's verified email (I5, X3).
    SIGN_UP_ATTEMPTED = "sign_up_attempted"


def send_account_notice(
    session: Session,
    *,
    outbox: Outbox,
    idempotency_key: str,
    account_id: str,
    kind: NoticeKind | None,
    practice_id: str,
    practice_name: str,
    lock_minutes: int | None = None,
) -> bool:
    """Queues the notice for the account's verified email and returns True; returns False and
    queues nothing when the account has no verified email (I6). Notify de-duplicates by the
    idempotency key, so a retry sends the notice once. AccountNotFound for an unknown account."""
    key = idempotency_key.strip()
    problems = []
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        problems.append(FieldViolation("idempotency_key", "Required, at most 128 characters."))
    if kind is None:
        problems.append(FieldViolation("kind", "Required: name the account activity."))
    if len(practice_name) > PRACTICE_NAME_MAX_LENGTH:
        problems.append(FieldViolation("practice_name", "At most 200 characters."))
    if problems:
        raise InvalidRequest("Fix the fields named and send the notice again.", violations=problems)
    account = repository.account(session, account_id) if account_id else None
    if account is None:
        raise AccountNotFound()
    queued = bool(account.verified_email)
    trail.record(
        session,
        "account.notice.send",
        f"account:{account.id}",
        practice_id=practice_id,
        details={"notice": str(kind), "queued": str(queued).lower()},
    )
    if not account.verified_email:
        return False
    parameters = {"notice": str(kind)}
    if practice_name.strip():
        parameters["practice_name"] = practice_name.strip()
    if lock_minutes is not None:
        parameters["lock_minutes"] = str(lock_minutes)
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"account-notice:{token_hash(key)}",
            channel=notify_pb2.CHANNEL_EMAIL,
            recipient=account.verified_email,
            template=notify_pb2.TEMPLATE_ACCOUNT_NOTICE,
            parameters=parameters,
            practice_id=practice_id,
        ),
    )
    return True


def queue_sign_up_attempt(
    session: Session, *, outbox: Outbox, keyring: Keyring, owner: Account, now: datetime
) -> None:
    """Tells the owner of a verified email that someone tried to create another account with
    it (I5: it cannot be that account's email; X3: the sign-up was answered as for any email).
    The idempotency key names the address (as a keyed hash) and the window, and notify sends
    a key once: at most one such notice per address and SIGN_UP_ATTEMPT_WINDOW, however often
    the form is sent, while the caller queues one message either way."""
    address = keyring.code_hash("sign-up attempt", owner.verified_email or "")
    window = int(now.timestamp() // SIGN_UP_ATTEMPT_WINDOW.total_seconds())
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"sign-up-attempt:{address}:{window}",
            channel=notify_pb2.CHANNEL_EMAIL,
            recipient=owner.verified_email,
            template=notify_pb2.TEMPLATE_ACCOUNT_NOTICE,
            parameters={"notice": str(NoticeKind.SIGN_UP_ATTEMPTED)},
            practice_id=owner.practice_id,
        ),
    )
