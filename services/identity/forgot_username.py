"""Forgot username (I7, X3): the username by email, to a verified account email, or to a
notification email when the last name and date of birth match a linked patient record.

Whatever matched, the caller gets the same answer, in the same time: the question is only
checked and queued (`queue_question`), and identity's outbox relay does the rest after the
answer has gone (X3). That work is alike too: the verified email is always looked up,
enrollment is always asked when a last name and date of birth are given (with no candidate
account at all, if need be), and every request leaves an audit record. At most one reminder
goes to an address per interval; more requests are dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring
from services.common.db import insert_if_absent, utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import contacts, repository
from services.identity.audit import trail
from services.identity.codes import SEND_NOTIFICATION
from services.identity.errors import InvalidRequest
from services.identity.models import Account, AccountContact, UsernameReminder

ANSWER = (
    "If that email address is the verified email of an account, or its notification email and "
    "the last name and date of birth match the patient's record, the username is on its way "
    "there. No email within a few minutes? Contact your practice to recover your username."
)
# Accounts that may share one notification email (a parent's, for their children's accounts).
MAX_CANDIDATES = 20
LAST_NAME_MAX_LENGTH = 100
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)
ACTION = "account.username_reminder"
# The job that finds the accounts and sends the reminders, run by identity's own outbox relay.
REMINDER_JOB = "identity/username-reminder"


@dataclass(frozen=True)
class UsernameQuestion:
    """What the person typed, checked: the email, and the last name and date of birth when
    they gave them (the notification email path)."""

    email: str
    last_name: str = ""
    date_of_birth: date | None = None

    @property
    def with_demographics(self) -> bool:
        return self.date_of_birth is not None


@dataclass(frozen=True)
class Candidates:
    """The account whose verified email was given, and those whose notification email was."""

    verified: str | None
    notified: list[str]


def read_question(*, email: str, last_name: str, date_of_birth: str) -> UsernameQuestion:
    """The question with a normalized email, or InvalidRequest naming each field at fault.
    A last name and a date of birth come together or not at all."""
    problems = []
    normalized = ""
    try:
        normalized = contacts.normalize_email(email)
    except InvalidRequest as error:
        problems.extend(error.violations)
    name, born = last_name.strip(), date_of_birth.strip()
    born_on = None
    if len(name) > LAST_NAME_MAX_LENGTH:
        problems.append(FieldViolation("last_name", "At most 100 characters."))
    elif born and not name:
        problems.append(FieldViolation("last_name", "Required with the date of birth."))
    if born:
        try:
            born_on = date.fromisoformat(born)
        except ValueError:
            problems.append(FieldViolation("date_of_birth", "A date like 1990-04-21."))
    elif name:
        problems.append(FieldViolation("date_of_birth", "Required with the last name."))
    if problems:
        raise InvalidRequest("Fix the fields named and ask again.", violations=problems)
    return UsernameQuestion(normalized, name if born_on else "", born_on)


def queue_question(session: Session, *, outbox: Outbox, question: UsernameQuestion) -> None:
    """Queues the checked question for the relay (`REMINDER_JOB`)."""
    born = question.date_of_birth.isoformat() if question.date_of_birth else ""
    outbox.enqueue(
        session,
        REMINDER_JOB,
        identity_pb2.SendUsernameReminderRequest(
            email=question.email, last_name=question.last_name, date_of_birth=born
        ),
    )


def queued_question(payload: bytes) -> UsernameQuestion:
    """The question a `REMINDER_JOB` carries, as `queue_question` checked it."""
    request = identity_pb2.SendUsernameReminderRequest.FromString(payload)
    return read_question(
        email=request.email, last_name=request.last_name, date_of_birth=request.date_of_birth
    )


def find_candidates(session: Session, question: UsernameQuestion) -> Candidates:
    """The accounts the email may belong to; the notification ones only with demographics."""
    account = repository.account_by_verified_email(session, question.email)
    notified = (
        repository.account_ids_by_notification_email(session, question.email, MAX_CANDIDATES)
        if question.with_demographics
        else []
    )
    return Candidates(account.id if account else None, notified)


def send_reminders(
    session: Session,
    *,
    outbox: Outbox,
    keyring: Keyring,
    question: UsernameQuestion,
    verified: str | None,
    confirmed: Sequence[str],
    interval: timedelta,
) -> None:
    """Queues the username of each matched account (`verified`, then the notification-email
    accounts `confirmed` by their linked record) for the address, unless a reminder went to
    it less than `interval` ago; audits each account, or the attempt when none matched."""
    by = {account_id: "notification_email" for account_id in confirmed}
    if verified:
        by[verified] = "verified_email"
    if not by:
        trail.record(session, ACTION, "", outcome="failed", details={"matched": "0"})
        return
    now = utcnow()
    address_key = keyring.code_hash("username reminder", question.email)
    allowed = _claim_address(session, address_key, now, interval)
    sends: list[Account] = []
    for account_id, path in by.items():
        account = repository.account(session, account_id)
        if account is None or _address(session, account, path) != question.email:
            continue
        trail.record(
            session,
            ACTION,
            f"account:{account.id}",
            outcome="success" if allowed else "denied",
            details={"by": path, "queued": str(allowed).lower()},
        )
        sends.append(account)
    if not sends:
        trail.record(session, ACTION, "", outcome="failed", details={"matched": "0"})
    elif allowed:
        for account in sends:
            _queue(session, outbox, account, question.email, now)


def _claim_address(session: Session, address_key: str, now: datetime, interval: timedelta) -> bool:
    """Whether a reminder may go to the address now; if so, the address is marked as sent to.
    The row lock makes two requests at once send one reminder, not two."""
    insert_if_absent(session, UsernameReminder, address_key=address_key, sent_at=_NEVER)
    row = session.scalar(
        select(UsernameReminder)
        .where(UsernameReminder.address_key == address_key)
        .with_for_update()
    )
    assert row is not None
    if row.sent_at > now - interval:
        return False
    row.sent_at = now
    return True


def _address(session: Session, account: Account, path: str) -> str | None:
    """The account's address of that path, read again: it may have changed since the lookup."""
    if path == "verified_email":
        return account.verified_email
    contact = session.get(AccountContact, account.id)
    return contact.notification_email if contact else None


def _queue(
    session: Session, outbox: Outbox, account: Account, recipient: str, now: datetime
) -> None:
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"username-reminder:{account.id}:{now.isoformat()}",
            channel=notify_pb2.CHANNEL_EMAIL,
            recipient=recipient,
            template=notify_pb2.TEMPLATE_USERNAME_REMINDER,
            parameters={"username": account.username},
            practice_id=account.practice_id,
        ),
    )
