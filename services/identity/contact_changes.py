"""New account email and cell phone (I5, N2): a code goes to the new value, which takes effect
only once that code comes back."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring, new_numeric_code
from services.common.db import new_id, utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import contacts, domain, notices, repository
from services.identity.audit import trail
from services.identity.codes import SEND_NOTIFICATION
from services.identity.domain import ContactKind
from services.identity.errors import (
    CodeExpired,
    EmailTaken,
    InvalidRequest,
    ResendThrottled,
    WrongCode,
)
from services.identity.models import Account, ContactChange
from services.identity.settings_changes import contact_row, notice

_CHANNELS = {
    ContactKind.ACCOUNT_EMAIL: notify_pb2.CHANNEL_EMAIL,
    ContactKind.CELL_PHONE: notify_pb2.CHANNEL_SMS,
}


def _unchanged(field: str) -> InvalidRequest:
    return InvalidRequest(
        "That is already on your account. Enter the new one.",
        violations=[FieldViolation(field, "Same as the one on your account.")],
    )


def new_email(session: Session, account: Account, email: str) -> str:
    """The new account email, normalized; InvalidRequest when malformed or unchanged, EmailTaken
    when it is another account's verified email (I5)."""
    address = contacts.normalize_email(email)
    if address == account.verified_email:
        raise _unchanged("email")
    holder = repository.account_by_verified_email(session, address)
    if holder is not None and holder.id != account.id:
        raise EmailTaken()
    return address


def new_cell_phone(session: Session, account: Account, phone: str) -> str:
    """The new cell phone in E.164; InvalidRequest when malformed or already verified."""
    number = contacts.normalize_cell_phone(phone)
    contact = repository.account_contact(session, account.id)
    if contact is not None and contact.verified_cell_phone == number:
        raise _unchanged("cell_phone")
    return number


def start(
    session: Session,
    *,
    outbox: Outbox,
    keyring: Keyring,
    account: Account,
    kind: ContactKind,
    value: str,
) -> str:
    """Sends a code to the new value (N2) and returns the value masked; every older pending
    change of this kind stops working. Throttled like code resends (I11)."""
    now = utcnow()
    started = repository.contact_changes_since(
        session, account.id, kind, now - domain.RESEND_WINDOW
    )
    wait = domain.resend_wait(started, now)
    if wait is not None:
        raise ResendThrottled(wait)
    repository.retire_contact_changes(session, account.id, kind, now)
    code = new_numeric_code(domain.CODE_DIGITS)
    change = ContactChange(
        id=new_id(),
        account_id=account.id,
        kind=kind,
        new_value=value,
        expires_at=now + domain.CODE_LIFETIME,
        created_at=now,
    )
    change.code_hash = keyring.code_hash(change.id, code)
    session.add(change)
    session.flush()
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"contact-change:{change.id}",
            channel=_CHANNELS[kind],
            recipient=value,
            template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
            parameters={
                "code": code,
                "minutes_valid": str(int(domain.CODE_LIFETIME.total_seconds() // 60)),
            },
            practice_id=account.practice_id,
        ),
    )
    trail.record(session, f"account.{kind}.change.start", f"account:{account.id}")
    if kind is ContactKind.ACCOUNT_EMAIL:
        return contacts.mask_email(value)
    return contacts.mask_phone(value)


def _checked_change(
    session: Session, *, keyring: Keyring, account: Account, kind: ContactKind, code: str
) -> ContactChange:
    change = repository.open_contact_change(session, account.id, kind)
    now = utcnow()
    if change is None or change.expires_at <= now or change.attempts >= domain.CODE_ATTEMPTS:
        raise CodeExpired()
    if not keyring.codes_match(change.id, code.strip(), change.code_hash):
        change.attempts += 1
        trail.record(
            session, f"account.{kind}.change.confirm", f"account:{account.id}", outcome="failed"
        )
        raise WrongCode(domain.CODE_ATTEMPTS - change.attempts)
    change.consumed_at = now
    return change


def confirm_email(
    session: Session, *, outbox: Outbox, keyring: Keyring, account: Account, code: str
) -> Account:
    """With the right code, the new address becomes the locked account's verified email (I5);
    the old verified address gets a notice (I6). EmailTaken when another account verified it
    first, even at the same instant; WrongCode keeps the attempt count (I11)."""
    change = _checked_change(
        session, keyring=keyring, account=account, kind=ContactKind.ACCOUNT_EMAIL, code=code
    )
    holder = repository.account_by_verified_email(session, change.new_value)
    if holder is not None and holder.id != account.id:
        raise EmailTaken()
    # Queued first, so it goes to the address being replaced.
    notice(session, outbox=outbox, account=account, kind=notices.NoticeKind.EMAIL_CHANGED)
    account.email = account.verified_email = change.new_value
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise EmailTaken() from None  # verified for another account at the same instant
    trail.record(session, "account.account_email.change", f"account:{account.id}")
    return account


def confirm_cell_phone(session: Session, *, keyring: Keyring, account: Account, code: str) -> None:
    """With the right code, the new number becomes the account's verified cell phone."""
    change = _checked_change(
        session, keyring=keyring, account=account, kind=ContactKind.CELL_PHONE, code=code
    )
    contact = contact_row(session, account.id)
    contact.verified_cell_phone, contact.updated_at = change.new_value, utcnow()
    account.cell_phone = change.new_value
    session.flush()
    trail.record(session, "account.cell_phone.change", f"account:{account.id}")
