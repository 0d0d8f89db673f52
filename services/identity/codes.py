"""Verification code use cases (N2, I5, I11): issue and send a code, check it, resend it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from vestibule.notify.v1 import notify_pb2

from services.common.crypto import Keyring, new_numeric_code
from services.common.db import new_id, utcnow
from services.common.outbox import Outbox
from services.identity import contacts, domain, notices, pending_accounts, repository
from services.identity.audit import trail
from services.identity.domain import AccountState, CodeChannel
from services.identity.errors import (
    AccountNotFound,
    ActivationExpired,
    AlreadyVerified,
    CodeExpired,
    EmailTaken,
    ResendThrottled,
    WrongCode,
)
from services.identity.models import Account, Verification
from services.identity.notices import SEND_NOTIFICATION

# The stored hash of a code that was never sent (no keyed hash is equal to it): the account's
# email is another account's verified email, so no code may verify it (I5).
NEVER_SENT = "never sent"
_NOTIFY_CHANNELS = {
    CodeChannel.EMAIL: notify_pb2.CHANNEL_EMAIL,
    CodeChannel.SMS: notify_pb2.CHANNEL_SMS,
}


@dataclass(frozen=True)
class CodeDestination:
    """Where an account's codes go: by email when it has one, else by SMS, and a masked hint."""

    channel: CodeChannel
    hint: str


def destination(account: Account) -> CodeDestination:
    """The channel and masked destination of the account's verification codes."""
    if account.email:
        return CodeDestination(CodeChannel.EMAIL, contacts.mask_email(account.email))
    return CodeDestination(CodeChannel.SMS, contacts.mask_phone(account.cell_phone or ""))


def send_new_code(
    session: Session, *, outbox: Outbox, keyring: Keyring, account: Account
) -> CodeDestination:
    """Issues a new 6-digit code and queues it for notify (N2); every older code of the account
    stops working. Only the code's keyed hash is stored.

    When the account's email is already another account's verified email (I5), no code goes
    to it: its owner gets a notice instead (`notices.queue_sign_up_attempt`), and the code kept
    is one never sent, so this account can never verify that email. The answer is the same and
    so is the work, one code and one message queued (X3)."""
    where = destination(account)
    code = new_numeric_code(domain.CODE_DIGITS)
    now = utcnow()
    holder = repository.account_by_verified_email(session, account.email) if account.email else None
    owner = holder if holder is not None and holder.id != account.id else None
    repository.retire_open_verifications(session, account.id, now)
    code_hash = keyring.code_hash(account.id, code)
    verification = Verification(
        id=new_id(),
        account_id=account.id,
        channel=where.channel,
        code_hash=code_hash if owner is None else NEVER_SENT,
        expires_at=now + domain.CODE_LIFETIME,
        created_at=now,
    )
    session.add(verification)
    session.flush()
    if owner is not None:
        notices.queue_sign_up_attempt(session, outbox=outbox, keyring=keyring, owner=owner, now=now)
        return where
    outbox.enqueue(
        session,
        SEND_NOTIFICATION,
        notify_pb2.SendNotificationRequest(
            idempotency_key=f"verification:{verification.id}",
            channel=_NOTIFY_CHANNELS[where.channel],
            recipient=account.email or account.cell_phone or "",
            template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
            parameters={
                "code": code,
                "minutes_valid": str(int(domain.CODE_LIFETIME.total_seconds() // 60)),
            },
            practice_id=account.practice_id,
        ),
    )
    return where


def _locked_account(session: Session, account_id: str) -> Account:
    """The account, locked; ActivationExpired for a pending one past its end (E9)."""
    account = repository.account(session, account_id, for_update=True) if account_id else None
    if account is None:
        raise AccountNotFound()
    if pending_accounts.ended(account):
        raise ActivationExpired()
    return account


def resend_code(
    session: Session, *, outbox: Outbox, keyring: Keyring, account_id: str
) -> CodeDestination:
    """Sends a pending account a new code in place of the older ones (N2).

    ResendThrottled when the last resend was less than 30 seconds ago or 5 resends fall in the
    last hour (I11; the registration's code is not a resend); AlreadyVerified for an active
    account; AccountNotFound.
    """
    account = _locked_account(session, account_id)
    if account.state == AccountState.ACTIVE:
        raise AlreadyVerified()
    now = utcnow()
    first = repository.first_code_sent_at(session, account.id)
    sent = repository.codes_sent_since(session, account.id, now - domain.RESEND_WINDOW)
    resends = [moment for moment in sent if first is None or moment > first]
    wait = domain.resend_wait(resends, now)
    if wait is not None:
        raise ResendThrottled(wait)
    trail.record(session, "account.code.resend", f"account:{account.id}")
    return send_new_code(session, outbox=outbox, keyring=keyring, account=account)


@dataclass(frozen=True)
class Verified:
    """The account, and whether this very check activated it."""

    account: Account
    activated_now: bool


def verify_account(session: Session, *, keyring: Keyring, account_id: str, code: str) -> Verified:
    """Checks a pending account's code: a match activates the account and verifies its email
    (I5); a wrong code uses up one of five attempts and raises WrongCode, which keeps the count
    (I11). An active account succeeds as is, not `activated_now`."""
    account = _locked_account(session, account_id)
    if account.state == AccountState.ACTIVE:
        return Verified(account, activated_now=False)
    now = utcnow()
    verification = repository.open_verification(session, account.id)
    if (
        verification is None
        or verification.expires_at <= now
        or verification.attempts >= domain.CODE_ATTEMPTS
    ):
        raise CodeExpired()
    right = keyring.codes_match(account.id, code.strip(), verification.code_hash)
    if not right or verification.code_hash == NEVER_SENT:
        verification.attempts += 1
        trail.record(session, "account.verify", f"account:{account.id}", outcome="failed")
        raise WrongCode(domain.CODE_ATTEMPTS - verification.attempts)
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
    trail.record(session, "account.verify", f"account:{account.id}")
    return Verified(account, activated_now=True)
