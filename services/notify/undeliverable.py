"""Undeliverable recipients (N1): hard bounces and refused numbers are recorded per address,
and a notification that has a fallback goes out again by the other channel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import insert_if_absent, utcnow
from services.notify.audit import trail
from services.notify.domain import Channel
from services.notify.models import Notification, UndeliverableAddress


def address_hash(keyring: Keyring, channel: Channel, recipient: str) -> str:
    """The keyed hash an address is known by: the same address always gives the same hash,
    and the table cannot be read back into addresses (X1)."""
    return keyring.code_hash("undeliverable", f"{channel.value}:{recipient.casefold()}")


def record(session: Session, key: str, channel: Channel, reason: str) -> UndeliverableAddress:
    """Counts one refusal of the address known by `key`, with its reason (codes only)."""
    now = utcnow()
    insert_if_absent(
        session,
        UndeliverableAddress,
        address_hash=key,
        channel=channel.value,
        failures=0,
        last_reason=reason,
        first_failed_at=now,
        last_failed_at=now,
    )
    row = session.scalars(
        select(UndeliverableAddress)
        .where(UndeliverableAddress.address_hash == key)
        .with_for_update()
    ).one()
    row.failures += 1
    row.last_reason, row.last_failed_at = reason[:200], now
    return row


def fall_back(session: Session, failed: Notification) -> Notification:
    """Queues the same message by the failed one's fallback channel, before the failed one's
    sealed content is erased; the two point at each other."""
    assert failed.fallback_channel is not None
    replacement = Notification(
        idempotency_key=f"fallback:{failed.id}",
        channel=failed.fallback_channel,
        template=failed.template,
        practice_id=failed.practice_id,
        recipient=failed.fallback_recipient,
        parameters=failed.parameters,
        fallback_of=failed.id,
    )
    session.add(replacement)
    session.flush()
    failed.fallback_id = replacement.id
    trail.record(
        session,
        "notification.fallback",
        f"notification:{failed.id}",
        practice_id=failed.practice_id,
        details={"fallback": replacement.id, "channel": replacement.channel},
    )
    return replacement
