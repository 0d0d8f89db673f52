"""The delivery worker: claims due notifications with a lease, renders and sends them (N5)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from jinja2 import TemplateError
from sqlalchemy.orm import Session

from services.common.crypto import Keyring
from services.common.db import Database, utcnow
from services.common.metrics import NOTIFICATION_DELIVERY_FAILURES, NOTIFICATIONS_SENT
from services.common.outbox import backoff
from services.common.worker import BackgroundWorker
from services.notify import repository, undeliverable
from services.notify.audit import trail
from services.notify.domain import Channel, DeliveryState, Template, gives_up
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
        max_attempts: int,
    ) -> None:
        self._database = database
        self._keyring = keyring
        self._renderer = renderer
        self._mailer = mailer
        self._sms = sms
        self._max_attempts = max_attempts

    def worker(self, interval: float) -> BackgroundWorker:
        """The background worker the service host starts; `wake()` it after a commit."""
        return BackgroundWorker("notify-delivery", self.deliver_due, interval)

    def deliver_due(self, batch: int = 20) -> int:
        """Claims up to `batch` due notifications, sends each and records the outcome.
        Returns how many it claimed."""
        now = utcnow()
        with self._database.transaction() as session:
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
        for claim in claims:
            self._record(claim, *self._attempt(claim))
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

    def _record(self, claim: _Claim, failure: DeliveryFailure | None, refused_address: str) -> None:
        with self._database.transaction() as session:
            row = session.get(Notification, claim.notification_id)
            if row is None or row.state != DeliveryState.QUEUED:
                return
            if failure is not None and refused_address:
                undeliverable.record(session, refused_address, claim.channel, failure.reason)
            row.attempts += 1
            row.leased_until = None
            extra = {"notification_id": row.id, "attempts": row.attempts}
            if failure is None:
                row.state, row.sent_at, row.last_error = DeliveryState.SENT, utcnow(), None
                NOTIFICATIONS_SENT.add(1, {"channel": row.channel})
                _erase(row)
                self._audit(session, row, "success")
                log.info("notification sent", extra=extra)
                return
            last = gives_up(
                attempts=row.attempts, max_attempts=self._max_attempts, permanent=failure.permanent
            )
            NOTIFICATION_DELIVERY_FAILURES.add(1, {"channel": row.channel, "last_attempt": last})
            if last:
                row.state = DeliveryState.FAILED
                given_up = f"gave up after {row.attempts} attempts; last: {failure.reason}"
                row.last_error = failure.reason if failure.permanent else given_up
                if failure.recipient_fault and row.fallback_channel:
                    undeliverable.fall_back(session, row)
                _erase(row)
                self._audit(session, row, "failed")
                log.error("notification failed for good", extra={**extra, "reason": failure.reason})
            else:
                row.last_error = failure.reason
                row.next_attempt_at = utcnow() + backoff(row.attempts)
                log.warning(
                    "notification delivery failed; will retry",
                    extra={**extra, "reason": failure.reason},
                )


def _erase(row: Notification) -> None:
    """Drops the sealed recipient and parameters: nothing secret stays once the outcome is final."""
    row.recipient = None
    row.parameters = None
    row.fallback_recipient = None
