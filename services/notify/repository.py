"""Every query of the notify service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from services.notify.domain import DeliveryState
from services.notify.models import Notification, PracticeBranding


def by_idempotency_key(session: Session, key: str) -> Notification | None:
    return session.scalars(
        select(Notification).where(Notification.idempotency_key == key)
    ).one_or_none()


def due(session: Session, *, now: datetime, limit: int) -> Sequence[Notification]:
    """Queued notifications whose time has come and that no worker holds, locked for this
    transaction; rows another transaction has locked are skipped."""
    return session.scalars(
        select(Notification)
        .where(Notification.state == DeliveryState.QUEUED, Notification.next_attempt_at <= now)
        .where(or_(Notification.leased_until.is_(None), Notification.leased_until < now))
        .order_by(Notification.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def _waiting(now: datetime) -> list[object]:
    """Queued notifications that wait for a retry after a failed attempt."""
    return [Notification.state == DeliveryState.QUEUED, Notification.next_attempt_at > now]


def waiting_channels(session: Session, *, now: datetime) -> list[str]:
    """The channels with notifications waiting for a retry."""
    return list(session.scalars(select(Notification.channel).where(*_waiting(now)).distinct()))


def make_one_due(session: Session, *, channel: str, now: datetime) -> bool:
    """Makes the waiting notification of `channel` whose retry is nearest due now, so its
    attempt shows whether the channel's provider is back; False when none waits."""
    first = session.scalars(
        select(Notification)
        .where(*_waiting(now), Notification.channel == channel)
        .order_by(Notification.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if first is None:
        return False
    first.next_attempt_at = now
    return True


def make_all_due(session: Session, *, channel: str, now: datetime, except_id: str) -> None:
    """Makes every notification of `channel` waiting for a retry due now."""
    session.execute(
        update(Notification)
        .where(*_waiting(now), Notification.channel == channel, Notification.id != except_id)
        .values(next_attempt_at=now)
    )


def queue_depth(session: Session) -> dict[str, int]:
    """How many notifications wait to be sent (N5): notify's outbox depth."""
    waiting = select(func.count()).select_from(Notification)
    queued = session.scalar(waiting.where(Notification.state == DeliveryState.QUEUED))
    return {"pending": queued or 0}


def practice_branding(
    session: Session, practice_id: str, *, for_update: bool = False
) -> PracticeBranding | None:
    """The practice's branding, if it set one; `for_update` locks the row for a change."""
    return session.get(PracticeBranding, practice_id, with_for_update=for_update)
