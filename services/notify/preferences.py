"""Communication preferences per account and practice (M5, N4). A practice never set has the
default: email, to the account email."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.common import contacts
from services.common.crypto import Keyring
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.notify.audit import trail
from services.notify.domain import PreferredMethod
from services.notify.errors import InvalidNotification
from services.notify.models import CommunicationPreference

ID_MAX_LENGTH = 64


@dataclass(frozen=True)
class Preference:
    """One practice's preference; `email` empty means the account email."""

    practice_id: str
    method: PreferredMethod = PreferredMethod.EMAIL
    email: str = ""
    updated_at: datetime | None = None


def _ids(account_id: str, practice_ids: Sequence[str]) -> None:
    problems = []
    if not 0 < len(account_id) <= ID_MAX_LENGTH:
        problems.append(FieldViolation("account_id", "Required, at most 64 characters."))
    if any(not 0 < len(p) <= ID_MAX_LENGTH for p in practice_ids):
        problems.append(FieldViolation("practice_id", "Required, at most 64 characters."))
    if problems:
        raise InvalidNotification("Name the account and the practice.", violations=problems)


def preferences(
    session: Session, keyring: Keyring, *, account_id: str, practice_ids: Sequence[str]
) -> list[Preference]:
    """The account's preference for each practice, in the order given."""
    _ids(account_id, practice_ids)
    found = []
    for practice_id in practice_ids:
        row = session.get(CommunicationPreference, (account_id, practice_id))
        if row is None:
            found.append(Preference(practice_id))
        else:
            email = keyring.unseal(row.email).decode() if row.email else ""
            found.append(
                Preference(practice_id, PreferredMethod(row.method), email, row.updated_at)
            )
    return found


def set_preference(
    session: Session,
    keyring: Keyring,
    *,
    account_id: str,
    practice_id: str,
    method: PreferredMethod | None,
    email: str,
) -> Preference:
    """Records the account's preference for the practice; another email than the account
    email is checked and kept sealed. Audited without the address (X1, X2)."""
    _ids(account_id, [practice_id])
    problems = []
    if method is None:
        problems.append(FieldViolation("method", "Choose email, sms or both."))
    if email.strip():
        try:
            email = contacts.email_address(email)
        except contacts.InvalidContact as error:
            problems.append(FieldViolation("email", str(error)))
    if problems or method is None:
        raise InvalidNotification("Correct the preference and save again.", violations=problems)
    row = session.get(CommunicationPreference, (account_id, practice_id), with_for_update=True)
    if row is None:
        row = CommunicationPreference(account_id=account_id, practice_id=practice_id)
        session.add(row)
    row.method = method.value
    row.email = keyring.seal(email.encode()) if email.strip() else None
    row.updated_at = utcnow()
    session.flush()
    trail.record(
        session,
        "preference.set",
        f"account:{account_id}",
        practice_id=practice_id,
        details={"method": method.value, "own_email": str(bool(email.strip())).lower()},
    )
    return Preference(practice_id, method, email.strip(), row.updated_at)
