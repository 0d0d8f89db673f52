"""Notify use cases."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from services.common import context
from services.common.crypto import Keyring
from services.common.db import utcnow
from services.common.errors import FieldViolation
from services.notify import domain, repository
from services.notify.audit import trail
from services.notify.domain import Branding, Channel, Template
from services.notify.errors import InvalidBranding, NotificationNotFound
from services.notify.models import Notification, PracticeBranding

# The branding fields, in the order an audit record lists those that changed.
BRANDING_FIELDS = ("display_name", "contact_phone", "logo_url")


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
    runs once the transaction commits. The practice's branding, as it is now, is sealed with
    the parameters (`domain.branded`). A key seen before returns the first notification and
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
    row = repository.practice_branding(session, practice_id) if practice_id else None
    parameters = domain.branded(request.template, request.parameters, branding_of(row))
    notification = Notification(
        idempotency_key=request.idempotency_key,
        channel=request.channel,
        template=request.template,
        practice_id=practice_id,
        recipient=keyring.seal(request.recipient.encode()),
        parameters=keyring.seal(json.dumps(parameters).encode()),
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


def branding_of(row: PracticeBranding | None) -> Branding:
    """The branding a row holds; empty for a practice that never set one."""
    if row is None:
        return Branding()
    return Branding(row.display_name, row.contact_phone, row.logo_url)


def _require_practice(practice_id: str) -> None:
    if not practice_id.strip():
        raise InvalidBranding(
            "Name the practice.", violations=[FieldViolation("practice_id", "Required.")]
        )


def set_practice_branding(
    session: Session, *, practice_id: str, display_name: str, contact_phone: str, logo_url: str
) -> PracticeBranding:
    """Sets how a practice appears in the messages accepted from now on: every field at once,
    an empty one clearing it. InvalidBranding names every wrong field and changes nothing.
    Audited with the names of the fields that changed (X2). A concurrent first setting for the
    same practice makes the flush raise IntegrityError: call again in a new transaction."""
    branding = domain.validated_branding(
        practice_id=practice_id,
        display_name=display_name,
        contact_phone=contact_phone,
        logo_url=logo_url,
    )
    row = repository.practice_branding(session, practice_id, for_update=True)
    before = branding_of(row)
    if row is None:
        row = PracticeBranding(practice_id=practice_id)
        session.add(row)
    row.display_name = branding.display_name
    row.contact_phone = branding.contact_phone
    row.logo_url = branding.logo_url
    row.updated_at = utcnow()
    row.updated_by = context.current().actor[:100]
    session.flush()
    changed = [name for name in BRANDING_FIELDS if getattr(branding, name) != getattr(before, name)]
    trail.record(
        session,
        "practice.branding.set",
        f"practice:{practice_id}",
        practice_id=practice_id,
        details={"changed": ",".join(changed) or "nothing"},
    )
    return row


def get_practice_branding(session: Session, *, practice_id: str) -> PracticeBranding | None:
    """The practice's branding, or None when it never set one."""
    _require_practice(practice_id)
    return repository.practice_branding(session, practice_id)
