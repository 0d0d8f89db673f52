"""The delivery worker: claims due notifications with a lease, renders and sends them (N5).

A notification that fails for now is retried with a capped backoff until its retention window
ends, then it is FAILED with the reason ("not delivered within 72 hours; last: SMTP 421").
While a channel's provider is down, one of its notifications is tried every few seconds, and
the first that goes through makes all the others due at once (`retry.PathHealth`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from cryptography.fernet import InvalidToken
from jinja2 import TemplateError
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import Database, utcnow
from services.common.metrics import (
    DEAD_LETTERS,
    NOTIFICATION_DELIVERY_FAILURES,
    NOTIFICATIONS_SENT,
    count_after_commit,
)
from services.common.retry import PathHealth, expired_reason, next_attempt
from services.common.worker import BackgroundWorker
from services.notify import repository, undeliverable
from services.notify.audit import trail
from services.notify.domain import Channel, DeliveryState, Template
from services.notify.errors import DeliveryFailure
from services.notify.mail import SmtpMailer
from services.notify.models import Notification
from services.notify.rendering import Renderer
from services.notify.sms import SmsProvider

log = logging.getLogger("vestibule.notify.delivery")

# Longer than one SMTP attempt can take (its timeout), so two workers never send one message.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class _Claim:
    notification_id: str
    idempotency_key: str
    channel: Channel
    template: Template
    recipient: bytes
    parameters: bytes


class Delivery:
    """Sends queued notifications. Safe with several workers and replicas on one database."""

    def __init__(
        self,
        *,
        database: Database,
        keyring: Keyring,
        renderer: Renderer,
        mailer: SmtpMailer,
        sms: SmsProvider,
        retention: timedelta,
    ) -> None:
        """`retention`: how long a notification is retried before it is given up."""
        self._database = database
        self._keyring = keyring
        self._renderer = renderer
        self._mailer = mailer
        self._sms = sms
        self._retention = retention
        self._paths = PathHealth()

    def worker(self, interval: float) -> BackgroundWorker:
        """The background worker the service host starts; `wake()` it after a commit."""
        return BackgroundWorker("notify-delivery", self.deliver_due, interval)

    def deliver_due(self, batch: int = 20) -> int:
        """Claims up to `batch` due notifications, sends each and records the outcome.
        Returns how many it claimed."""
        now = utcnow()
        with self._database.transaction() as session:
            waiting = partial(repository.waiting_channels, session, now=now)
            for channel in self._paths.to_probe(now, waiting):
                if not repository.make_one_due(session, channel=channel, now=now):
                    self._paths.nothing_waits(channel)
            rows = repository.due(session, now=now, limit=batch)
            claims = [
                _Claim(
                    row.id,
                    row.idempotency_key,
                    Channel(row.channel),
                    Template(row.template),
                    row.recipient or b"",
                    row.parameters or b"",
                )
                for row in rows
            ]
            for row in rows:
                row.leased_until = now + LEASE
        down: dict[Channel, DeliveryFailure] = {}
        for claim in claims:
            if claim.channel in down:  # its provider failed a moment ago: not tried again now
                self._record(claim, down[claim.channel], "", attempted=False)
                continue
            failure, refused_address = self._attempt(claim)
            self._record(claim, failure, refused_address, attempted=True)
            if failure is not None and failure.provider_down:
                down[claim.channel] = failure
        return len(claims)

    def _attempt(self, claim: _Claim) -> tuple[DeliveryFailure | None, str]:
        """The attempt's failure, if any, and for a refused recipient the hash it is recorded
        by (see `undeliverable`)."""
        try:
            recipient = self._keyring.unseal(claim.recipient).decode()
            parameters = json.loads(self._keyring.unseal(claim.parameters))
        except InvalidToken:
            return DeliveryFailure("sealed content unreadable", permanent=True), ""
        failure = self._send(claim, recipient, parameters)
        if failure is not None and failure.recipient_fault:
            return failure, undeliverable.address_hash(self._keyring, claim.channel, recipient)
        return failure, ""

    def _send(
        self, claim: _Claim, recipient: str, parameters: dict[str, str]
    ) -> DeliveryFailure | None:
        try:
            if claim.channel is Channel.EMAIL:
                self._mailer.send(
                    to=recipient,
                    email=self._renderer.email(claim.template, parameters),
                    reference=claim.notification_id,
                    idempotency_key=claim.idempotency_key,
                )
            else:
                self._sms.send(
                    to=recipient,
                    body=self._renderer.sms(claim.template, parameters),
                    reference=claim.notification_id,
                )
        except DeliveryFailure as failure:
            return failure
        except TemplateError as error:
            return DeliveryFailure(f"template error: {type(error).__name__}", permanent=True)
        return None

    @staticmethod
    def _audit(session: Session, row: Notification, outcome: str) -> None:
        trail.record(
            session,
            "notification.deliver",
            f"notification:{row.id}",
            practice_id=row.practice_id,
            outcome=outcome,
            details={"attempts": str(row.attempts)},
        )

    def _record(
        self,
        claim: _Claim,
        failure: DeliveryFailure | None,
        refused_address: str,
        *,
        attempted: bool,
    ) -> None:
        """Records an attempt's outcome; `attempted` is False for a notification not tried
        because its provider failed a moment before, which waits like a failed one without
        counting an attempt."""
        with self._database.transaction() as session:
            row = session.get(Notification, claim.notification_id)
            if row is None or row.state != DeliveryState.QUEUED:
                return
            if failure is not None and refused_address:
                undeliverable.record(session, refused_address, claim.channel, failure.reason)
            row.leased_until = None
            if attempted:
                row.attempts += 1
            if self._paths.answered(row.channel, up=failure is None or not failure.provider_down):
                repository.make_all_due(
                    session, channel=row.channel, now=utcnow(), except_id=row.id
                )
            extra = {"notification_id": row.id, "attempts": row.attempts}
            if failure is None:
                row.state, row.sent_at, row.last_error = DeliveryState.SENT, utcnow(), None
                NOTIFICATIONS_SENT.add(1, {"channel": row.channel})
                _erase(row)
                self._audit(session, row, "success")
                log.info("notification sent", extra=extra)
                return
            retry_at = None
            if not failure.permanent:
                retry_at = next_attempt(
                    now=utcnow(), accepted_at=row.created_at, retention=self._retention
                )
            if attempted:
                NOTIFICATION_DELIVERY_FAILURES.add(
                    1, {"channel": row.channel, "last_attempt": retry_at is None}
                )
            if retry_at is not None:
                row.last_error = failure.reason
                row.next_attempt_at = retry_at
                log.warning(
                    "notification delivery failed; will retry",
                    extra={**extra, "reason": failure.reason},
                )
                return
            self._give_up(session, row, failure)

    def _give_up(self, session: Session, row: Notification, failure: DeliveryFailure) -> None:
        """FAILED for good: refused, or not delivered within the retention window (the reason
        says which, for staff); sent by the fallback channel when the recipient is at fault."""
        row.state = DeliveryState.FAILED
        if failure.permanent:
            row.last_error = failure.reason
        else:
            row.last_error = expired_reason(self._retention, failure.reason)
        if failure.recipient_fault and row.fallback_channel:
            undeliverable.fall_back(session, row)
        _erase(row)
        self._audit(session, row, "failed")
        cause = "refused" if failure.permanent else "expired"
        count_after_commit(session, DEAD_LETTERS, path=row.channel, cause=cause)
        log.error(
            "notification failed for good",
            extra={"notification_id": row.id, "attempts": row.attempts, "reason": row.last_error},
        )


def _erase(row: Notification) -> None:
    """Drops the sealed recipient and parameters: nothing secret stays once the outcome is final."""
    row.recipient = None
    row.parameters = None
    row.fallback_recipient = None
