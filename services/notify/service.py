"""Notify use cases."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.notify import domain, repository
from services.notify.audit import trail
from services.notify.domain import Channel, Template
from services.notify.errors import NotificationNotFound
from services.notify.models import Notification


def send_notification(
    session: Session,
    *,
    keyring: Keyring,
    on_accept: Callable[[], None],
    idempotency_key: str,
    channel: Channel | None,
    template: Template | None,
    recipient: str,
    parameters: Mapping[str, str],
    practice_id: str,
    fallback_channel: Channel | None = None,
    fallback_recipient: str = "",
) -> Notification:
    """Accepts a notification for delivery, its recipient and parameters sealed; `on_accept`
    runs once the transaction commits. A key seen before returns the first notification and
    adds nothing (N5). A concurrent twin makes the flush raise IntegrityError: look the key
    up again with `accepted_earlier` in a new transaction."""
    request = domain.validated(
        idempotency_key=idempotency_key,
        channel=channel,
        template=template,
        recipient=recipient,
        parameters=parameters,
        fallback_channel=fallback_channel,
        fallback_recipient=fallback_recipient,
    )
    earlier = repository.by_idempotency_key(session, request.idempotency_key)
    if earlier is not None:
        return earlier
    notification = Notification(
        idempotency_key=request.idempotency_key,
        channel=request.channel,
        template=request.template,
        practice_id=practice_id,
        recipient=keyring.seal(request.recipient.encode()),
        parameters=keyring.seal(json.dumps(dict(request.parameters)).encode()),
    )
    if request.fallback is not None:
        notification.fallback_channel = request.fallback[0]
        notification.fallback_recipient = keyring.seal(request.fallback[1].encode())
    session.add(notification)
    session.flush()
    trail.record(
        session,
        "notification.accept",
        f"notification:{notification.id}",
        practice_id=practice_id,
        details={"channel": notification.channel, "template": notification.template},
    )
    session.info.setdefault("after_commit", []).append(on_accept)
    return notification


def accepted_earlier(session: Session, *, idempotency_key: str) -> Notification | None:
    """The notification first accepted with `idempotency_key`, if any."""
    return repository.by_idempotency_key(session, idempotency_key)


def get_notification(
    session: Session, *, notification_id: str, idempotency_key: str = ""
) -> Notification:
    """A notification's delivery record (no content), by its ID or by the caller's key."""
    if notification_id:
        notification = session.get(Notification, notification_id)
    elif idempotency_key:
        notification = repository.by_idempotency_key(session, idempotency_key)
    else:
        notification = None
    if notification is None:
        raise NotificationNotFound("No notification has this ID or key.")
    return notification
