"""Transactional outbox: a call to another service is written in the same transaction as the
change that causes it, then relayed with retries until the receiver acknowledges it.

The receiver de-duplicates by the idempotency key inside the request, so a relay that crashes
after sending and before marking the row sends it again harmlessly.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy import Integer, LargeBinary, Select, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common.crypto import Keyring
from services.common.db import Database, UtcDateTime, new_id, utcnow
from services.common.metrics import OUTBOX_DELIVERY_FAILURES
from services.common.worker import BackgroundWorker

log = logging.getLogger("vestibule.outbox")

LEASE = timedelta(seconds=60)
# An urgent message is delivered by the request that made it; the relay leaves it alone this
# long, and takes it over only when that delivery failed or its process died.
URGENT_GRACE = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
# Codes that no retry can fix; every other failure (UNAVAILABLE, DEADLINE_EXCEEDED...) is retried.
PERMANENT_CODES = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNIMPLEMENTED,
    }
)


class OutboxMessageColumns:
    """Columns of a service's `outbox_messages` table; each service maps it on its own Base."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Full gRPC method name, e.g. "/vestibule.notify.v1.NotifyService/SendNotification".
    method: Mapped[str] = mapped_column(String(200))
    # The serialized request, sealed: it may hold a secret link or code until it is delivered.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Set when the receiver refused the call for good; kept for an operator to inspect.
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter: up to 2^attempts seconds, capped."""
    ceiling = min(MAX_BACKOFF.total_seconds(), 2.0**attempts)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not a secret


class Outbox:
    """Writes calls into a service's outbox table and relays them."""

    def __init__(
        self,
        model: type[OutboxMessageColumns],
        keyring: Keyring,
        channels: Mapping[str, grpc.Channel],
    ) -> None:
        self._model = model
        self._keyring = keyring
        self._channels = channels
        self._database: Database | None = None
        self.on_enqueue: Callable[[], None] = lambda: None

    def enqueue(
        self, session: Session, method: str, request: Message, *, urgent: bool = False
    ) -> None:
        """Adds a call of `method` (e.g. "/vestibule.notify.v1.NotifyService/SendNotification")
        to the caller's transaction; it is sent after that transaction commits. An `urgent`
        call is made by the caller's own thread once the transaction commits, before it
        answers, for a change that must hold on the next request (access ended); should that
        fail, the relay retries it like any other."""
        message = self._model(
            id=new_id(), method=method, payload=self._keyring.seal(request.SerializeToString())
        )
        if urgent:
            message.next_attempt_at = utcnow() + URGENT_GRACE
        session.add(message)
        after_commit = session.info.setdefault("after_commit", [])
        after_commit.append(partial(self._deliver_now, message.id) if urgent else self.on_enqueue)

    def depth(self, session: Session) -> dict[str, int]:
        """How many messages wait to be delivered (pending) and were refused for good (dead)."""
        model = self._model
        undelivered = select(func.count()).select_from(model).where(model.delivered_at.is_(None))
        return {
            "pending": session.scalar(undelivered.where(model.dead_at.is_(None))) or 0,
            "dead": session.scalar(undelivered.where(model.dead_at.is_not(None))) or 0,
        }

    def relay_worker(self, name: str, database: Database, interval: float) -> BackgroundWorker:
        """The background worker that relays this outbox; it wakes as soon as a transaction
        that enqueued a call commits. The service host starts and stops it."""
        worker = BackgroundWorker(f"{name}-outbox", lambda: self.relay_due(database), interval)
        self._database = database
        self.on_enqueue = worker.wake
        return worker

    def relay_due(self, database: Database, batch: int = 20) -> int:
        """Claims up to `batch` due messages with a lease, sends them, and records the outcome.
        Returns how many it claimed. Safe with several relays on one database."""
        model = self._model
        return self._relay(
            database,
            lambda now: (
                select(model)
                .where(model.next_attempt_at <= now)
                .order_by(model.next_attempt_at)
                .limit(batch)
            ),
        )

    def _deliver_now(self, message_id: str) -> None:
        """Delivers one urgent message from the request that made it (see `enqueue`)."""
        if self._database is None:  # no relay runs here: nothing can deliver it now
            return
        try:
            self._relay(
                self._database, lambda _: select(self._model).where(self._model.id == message_id)
            )
        except Exception:
            log.exception(
                "urgent outbox delivery failed; the relay will retry",
                extra={"outbox_id": message_id},
            )

    def _relay(self, database: Database, query: Callable[[datetime], Select[Any]]) -> int:
        """Claims the undelivered, unleased messages `query` picks (given the time now) with
        a lease, sends them, and records each outcome; answers how many it claimed."""
        model = self._model
        now = utcnow()
        with database.transaction() as session:
            due = session.scalars(
                query(now)
                .where(model.delivered_at.is_(None), model.dead_at.is_(None))
                .where(or_(model.leased_until.is_(None), model.leased_until < now))
                .with_for_update(skip_locked=True)
            ).all()
            claimed = [(m.id, m.method, m.payload) for m in due]
            for message in due:
                message.leased_until = now + LEASE
        for message_id, method, payload in claimed:
            self._deliver(database, message_id, method, payload)
        return len(claimed)

    def _deliver(
        self, database: Database, message_id: str, method: str, payload: bytes | None
    ) -> None:
        service = method.split(".")[1]
        error: grpc.StatusCode | None = None
        try:
            call = self._channels[service].unary_unary(method)
            call(self._keyring.unseal(payload or b""))
        except grpc.RpcError as rpc_error:
            error = rpc_error.code()  # type: ignore[attr-defined]
        with database.transaction() as session:
            message = session.get(self._model, message_id)
            if message is None:
                return
            message.attempts += 1
            message.leased_until = None
            if error is None:
                message.delivered_at = utcnow()
                message.payload = None  # nothing secret stays behind once delivered
                message.last_error = None
                return
            message.last_error = error.name
            OUTBOX_DELIVERY_FAILURES.add(
                1,
                {
                    "rpc.method": method,
                    "rpc.grpc.status_code": error.name,
                    "retried": error not in PERMANENT_CODES,
                },
            )
            if error in PERMANENT_CODES:
                message.dead_at = utcnow()
                log.error(
                    "outbox call refused for good",
                    extra={"outbox_id": message_id, "rpc": method, "code": error.name},
                )
                return
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            log.warning(
                "outbox delivery failed; will retry",
                extra={
                    "outbox_id": message_id,
                    "rpc": method,
                    "code": error.name,
                    "attempts": message.attempts,
                },
            )
