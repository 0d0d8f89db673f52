"""Account settings (I9): read them; change username and password; set the notification email.

Each change runs after `reauth.confirmed` where it touches a credential, is audited in its
transaction (X2), and sends the notice I6 asks for to the verified account email.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.crypto import token_hash
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.identity import (
    account_totp,
    account_validation,
    checks,
    contacts,
    notices,
    passwords,
    questions,
    repository,
    sessions,
    usernames,
)
from services.identity.audit import trail
from services.identity.domain import ContactKind, PrincipalKind
from services.identity.errors import InvalidRequest, PasswordUnchanged, UsernameTaken
from services.identity.hashing import PasswordHashing
from services.identity.models import Account, AccountContact
from services.identity.reauth import PasswordOnFile


@dataclass(frozen=True)
class Settings:
    """What the account sees on its settings page; the phone only as a hint."""

    account: Account
    pending_email: str = ""
    notification_email: str = ""
    cell_phone_hint: str = ""
    question_ids: list[str] = field(default_factory=list)
    required_actions: list[str] = field(default_factory=list)
    authenticator_app_on: bool = False


def settings_of(session: Session, account: Account) -> Settings:
    """The account's settings as they stand in this transaction."""
    contact = repository.account_contact(session, account.id)
    pending = repository.open_contact_change(session, account.id, ContactKind.ACCOUNT_EMAIL)
    phone = contact.verified_cell_phone if contact else None
    return Settings(
        account=account,
        pending_email=pending.new_value if pending and pending.expires_at > utcnow() else "",
        notification_email=(contact.notification_email or "") if contact else "",
        cell_phone_hint=contacts.mask_phone(phone) if phone else "",
        question_ids=questions.question_ids(session, account.id),
        required_actions=account_validation.required_actions(session, account.id),
        authenticator_app_on=account_totp.is_on(session, account.id),
    )


def notice(session: Session, *, outbox: Outbox, account: Account, kind: notices.NoticeKind) -> None:
    """Queues an account notice (I6) for the current verified email; one per change."""
    notices.send_account_notice(
        session,
        outbox=outbox,
        idempotency_key=f"{kind}:{account.id}:{utcnow().isoformat()}",
        account_id=account.id,
        kind=kind,
        practice_id=account.practice_id,
        practice_name="",
    )


def change_username(
    session: Session, *, outbox: Outbox, account: Account, new_username: str
) -> Account:
    """Gives the locked account a new username (I1); a case-variant of another account's, even
    one taken at the same instant, is UsernameTaken. A notice goes out (I6)."""
    name = checks.valid_login(new_username, "new_username")
    key = usernames.username_key(name)
    holder = repository.account_by_username_key(session, key)
    if holder is not None and holder.id != account.id:
        raise UsernameTaken("new_username", "username")
    if name == account.username:
        raise InvalidRequest(
            "That is already your username. Type the new one.",
            violations=[FieldViolation("new_username", "Same as the current username.")],
        )
    account.username, account.username_key = name, key
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise UsernameTaken("new_username", "username") from None  # taken at the same instant
    trail.record(session, "account.username.change", f"account:{account.id}")
    notice(session, outbox=outbox, account=account, kind=notices.NoticeKind.USERNAME_CHANGED)
    return account


def new_password_hash(
    hashing: PasswordHashing,
    *,
    current: PasswordOnFile,
    new_password: str,
    policy: passwords.PasswordPolicy = passwords.DEFAULT_POLICY,
) -> str:
    """The hash of a new password that meets the practice's policy (WeakPassword) and differs
    from the current one (PasswordUnchanged). Touches no database."""
    candidate = checks.acceptable_password(new_password, current.username, policy)
    if hashing.verify(current.password_hash, candidate).matches:
        raise PasswordUnchanged()
    return hashing.hash(candidate)


def change_password(
    session: Session, *, outbox: Outbox, account: Account, new_hash: str, keep_session: str
) -> int:
    """Stores the locked account's new password hash, ends every other session of the account
    (the one `keep_session` names stays open) and queues a notice (I6). Returns how many
    sessions ended."""
    account.password_hash = new_hash
    trail.record(session, "account.password.change", f"account:{account.id}")
    ended = sessions.end_all_for(
        session,
        kind=PrincipalKind.ACCOUNT,
        principal_id=account.id,
        except_token_hash=token_hash(keep_session) if keep_session else None,
    )
    notice(session, outbox=outbox, account=account, kind=notices.NoticeKind.PASSWORD_CHANGED)
    return ended


def contact_row(session: Session, account_id: str) -> AccountContact:
    """The account's contact row, locked, made when it has none yet."""
    contact = repository.account_contact(session, account_id, for_update=True)
    if contact is None:
        contact = AccountContact(account_id=account_id)
        session.add(contact)
    return contact


def set_notification_email(session: Session, *, account: Account, email: str) -> None:
    """Sets the notification email (I5), or clears it when `email` is empty. It is validated,
    not verified: it only receives notifications, never codes or account notices."""
    value = None
    if email.strip():
        try:
            value = contacts.normalize_email(email)
        except InvalidRequest as error:
            raise InvalidRequest(
                error.message,
                violations=[FieldViolation("notification_email", "Not a valid email address.")],
            ) from None
    contact = contact_row(session, account.id)
    contact.notification_email, contact.updated_at = value, utcnow()
    session.flush()
    trail.record(
        session,
        "account.notification_email.set" if value else "account.notification_email.clear",
        f"account:{account.id}",
    )
