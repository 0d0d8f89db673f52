"""Devices an account chose to remember at sign-in (I4, I11): for 30 days they skip the second
factor where the practice asks it only from new devices, and a password tried on one counts
against that device alone, so a lock caused elsewhere does not keep the owner out. Listed and
forgotten from account settings. The token lives in the browser's cookie; only its hash here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.crypto import new_token, token_hash
from services.common.db import utcnow
from services.identity import domain
from services.identity.audit import trail
from services.identity.errors import DeviceNotFound
from services.identity.models import Account, RememberedDevice


@dataclass(frozen=True)
class Remembered:
    """A device just remembered: its token, shown once (for the cookie), and when it ends."""

    token: str
    expires_at: datetime


def recognized(
    session: Session, account_id: str, token: str, now: datetime
) -> RememberedDevice | None:
    """The account's live remembered device of `token`; None for no token, another account's,
    a forgotten or an expired one."""
    if not token:
        return None
    row = session.scalar(
        select(RememberedDevice).where(RememberedDevice.token_hash == token_hash(token))
    )
    if (
        row is None
        or row.account_id != account_id
        or row.forgotten_at is not None
        or row.expires_at <= now
    ):
        return None
    return row


def remember(session: Session, account: Account, label: str, now: datetime) -> Remembered:
    """Remembers the device the account just signed in on, for 30 days."""
    token = new_token()
    row = RememberedDevice(
        token_hash=token_hash(token),
        account_id=account.id,
        label=label.strip()[: domain.DEVICE_LABEL_MAX_LENGTH],
        created_at=now,
        expires_at=now + domain.REMEMBER_DEVICE_FOR,
        last_used_at=now,
    )
    session.add(row)
    session.flush()
    trail.record(
        session, "account.device.remember", f"account:{account.id}", details={"device": row.id}
    )
    return Remembered(token, row.expires_at)


def listed(session: Session, account_id: str) -> Sequence[RememberedDevice]:
    """The account's live remembered devices, most recently used first."""
    return session.scalars(
        select(RememberedDevice)
        .where(
            RememberedDevice.account_id == account_id,
            RememberedDevice.forgotten_at.is_(None),
            RememberedDevice.expires_at > utcnow(),
        )
        .order_by(RememberedDevice.last_used_at.desc(), RememberedDevice.created_at.desc())
    ).all()


def forget(session: Session, *, account_id: str, device_id: str) -> None:
    """Forgets one of the account's devices: its next sign-in is a new device's. Another
    account's device, or one already forgotten or expired, answers DeviceNotFound."""
    row = session.get(RememberedDevice, device_id, with_for_update=True) if device_id else None
    now = utcnow()
    if (
        row is None
        or row.account_id != account_id
        or row.forgotten_at is not None
        or row.expires_at <= now
    ):
        raise DeviceNotFound()
    row.forgotten_at = now
    trail.record(
        session, "account.device.forget", f"account:{account_id}", details={"device": row.id}
    )
