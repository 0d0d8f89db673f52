"""Transactional outbox: a call to another service is written in the same transaction as the
change that causes it, then relayed with retries until the receiver acknowledges it (N5).

The receiver de-duplicates by the idempotency key inside the request, so a relay that crashes
after sending and before marking the row sends it again harmlessly. A call is retried with a
capped backoff until its retention window ends, then dead-lettered with the reason; while the
receiver is down one call is tried every few seconds, and the first that goes through makes
every call waiting for that method due at once (`retry.PathHealth`).

A service may also queue a job for itself (`run_here`): a request answered at once, and alike
whatever it will find, has its work done afterwards by the relay, in this process, under the
request context it was queued in (X3: the answer's time then tells nothing of that work).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import grpc
from google.protobuf.message import Message
from google.rpc import code_pb2
from sqlalchemy import Integer, LargeBinary, Select, String, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common import context
from services.common.crypto import Keyring
from services.common.db import Database, UtcDateTime, new_id, utcnow
from services.common.errors import DomainError
from services.common.interceptors import STATUS_CODES
from services.common.metrics import DEAD_LETTERS, OUTBOX_DELIVERY_FAILURES, count_after_commit
from services.common.retry import (
    DEFAULT_RETENTION_HOURS,
    PathHealth,
    expired_reason,
    next_attempt,
)
from services.common.worker import BackgroundWorker

log = logging.getLogger("vestibule.outbox")

LEASE = timedelta(seconds=60)
# An urgent message is delivered by the request that made it; the relay leaves it alone this
# long, and takes it over only when that delivery failed or its process died.
URGENT_GRACE = timedelta(seconds=5)
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
    # Full gRPC method name, e.g. "/vestibule.notify.v1.NotifyService/SendNotification", or the
    # name of a job the service runs itself (`Outbox.run_here`).
    method: Mapped[str] = mapped_column(String(200))
    # The request's idempotency key (IDs, never PHI), so the caller can find what became of it.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), index=True)
    # The serialized request, sealed: it may hold a secret link or code until it is delivered.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Set when the receiver refused the call for good, or it was not delivered within the
    # retention window (the payload is then erased); kept for an operator to inspect.
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))


class Outbox:
    """Writes calls into a service's outbox table and relays them."""

    def __init__(
        self,
        model: type[OutboxMessageColumns],
        keyring: Keyring,
        channels: Mapping[str, grpc.Channel],
        *,
        retention: timedelta = timedelta(hours=DEFAULT_RETENTION_HOURS),
    ) -> None:
        """`retention`: how long a call is retried before it is dead-lettered."""
        self._model = model
        self._keyring = keyring
        self._channels = channels
        self._retention = retention
        self._paths = PathHealth()
        self._database: Database | None = None
        self._jobs: dict[str, Callable[[bytes], None]] = {}
        self.on_enqueue: Callable[[], None] = lambda: None

    def run_here(self, job: str, handler: Callable[[bytes], None]) -> None:
        """Makes `job` a call this service makes to itself: `enqueue(session, job, request)`
        queues it like any call, and the relay runs `handler(request bytes)` here, under the
        request context of the enqueue, retrying when it raises (a DomainError whose status no
        retry fixes ends it, as a refused call does)."""
        self._jobs[job] = handler

    def enqueue(
        self, session: Session, method: str, request: Message, *, urgent: bool = False
    ) -> None:
        """Adds a call of `method` (e.g. "/vestibule.notify.v1.NotifyService/SendNotification")
        to the caller's transaction; it is sent after that transaction commits. An `urgent`
        call is made by the caller's own thread once the transaction commits, before it
        answers, for a change that must hold on the next request (access ended); should that
        fail, the relay retries it like any other."""
        payload = request.SerializeToString()
        if method in self._jobs:
            payload = _with_context(payload)
        message = self._model(
            id=new_id(),
            method=method,
            idempotency_key=getattr(request, "idempotency_key", "") or None,
            payload=self._keyring.seal(payload),
        )
        if urgent:
            message.next_attempt_at = utcnow() + URGENT_GRACE
        session.add(message)
        after_commit = session.info.setdefault("after_commit", [])
        after_commit.append(partial(self._deliver_now, message.id) if urgent else self.on_enqueue)

    def depth(self, session: Session) -> dict[str, int]:
        """How many messages wait to be delivered (pending) and were given up (dead)."""
        model = self._model
        undelivered = select(func.count()).select_from(model).where(model.delivered_at.is_(None))
        return {
            "pending": session.scalar(undelivered.where(model.dead_at.is_(None))) or 0,
            "dead": session.scalar(undelivered.where(model.dead_at.is_not(None))) or 0,
        }

    def dead_letters(self, session: Session, keys: Collection[str]) -> dict[str, str]:
        """Of the calls sent with these idempotency keys, those given up, with why."""
        if not keys:
            return {}
        model = self._model
        rows = session.execute(
            select(model.idempotency_key, model.last_error).where(
                model.idempotency_key.in_(keys), model.dead_at.is_not(None)
            )
        )
        return {key: reason or "" for key, reason in rows if key is not None}

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
            probe=True,
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

    def _relay(
        self, database: Database, query: Callable[[datetime], Select[Any]], *, probe: bool = False
    ) -> int:
        """Claims the undelivered, unleased messages `query` picks (given the time now) with
        a lease, sends them, and records each outcome; answers how many it claimed. With
        `probe`, first makes a call of each method seen down due (see `retry.PathHealth`)."""
        model = self._model
        now = utcnow()
        with database.transaction() as session:
            if probe:
                waiting = partial(self._waiting_methods, session, now)
                for method in self._paths.to_probe(now, waiting):
                    self._probe(session, method, now)
            due = session.scalars(
                query(now)
                .where(model.delivered_at.is_(None), model.dead_at.is_(None))
                .where(or_(model.leased_until.is_(None), model.leased_until < now))
                .with_for_update(skip_locked=True)
            ).all()
            claimed = [(m.id, m.method, m.payload) for m in due]
            for message in due:
                message.leased_until = now + LEASE
        down: dict[str, grpc.StatusCode] = {}
        for message_id, method, payload in claimed:
            if method in down:  # failed a moment ago in this batch: not called again now
                self._record(database, message_id, method, down[method], called=False)
                continue
            error = self._call(method, payload)
            self._record(database, message_id, method, error, called=True)
            if error is not None and error not in PERMANENT_CODES:
                down[method] = error
        return len(claimed)

    def _waiting(self, now: datetime) -> list[object]:
        model = self._model
        return [
            model.delivered_at.is_(None),
            model.dead_at.is_(None),
            model.next_attempt_at > now,
        ]

    def _waiting_methods(self, session: Session, now: datetime) -> list[str]:
        model = self._model
        return list(session.scalars(select(model.method).where(*self._waiting(now)).distinct()))

    def _probe(self, session: Session, method: str, now: datetime) -> None:
        """Makes the call of `method` that waits the least due now, to learn whether its
        service is back."""
        model = self._model
        first = session.scalars(
            select(model)
            .where(*self._waiting(now), model.method == method)
            .order_by(model.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if first is None:
            self._paths.nothing_waits(method)
        else:
            first.next_attempt_at = now

    def _call(self, method: str, payload: bytes | None) -> grpc.StatusCode | None:
        if method in self._jobs:
            return _run_job(method, self._jobs[method], self._keyring.unseal(payload or b""))
        service = _service(method)
        try:
            call = self._channels[service].unary_unary(method)
            call(self._keyring.unseal(payload or b""))
        except grpc.RpcError as rpc_error:
            return rpc_error.code()  # type: ignore[attr-defined,no-any-return]
        return None

    def _record(
        self,
        database: Database,
        message_id: str,
        method: str,
        error: grpc.StatusCode | None,
        *,
        called: bool,
    ) -> None:
        """Records a call's outcome; `called` is False for a call not made because its method
        failed a moment before, which waits like a failed one without counting an attempt."""
        model = self._model
        with database.transaction() as session:
            message = session.get(model, message_id)
            if message is None:
                return
            message.leased_until = None
            if called:
                message.attempts += 1
            back = self._paths.answered(method, up=error is None or error in PERMANENT_CODES)
            if back:
                self._release(session, method, message_id)
            if error is None:
                message.delivered_at = utcnow()
                message.payload = None  # nothing secret stays behind once delivered
                message.last_error = None
                return
            self._failed(session, message, error, counted=called)

    def _release(self, session: Session, method: str, except_id: str) -> None:
        """Makes every call of `method` that waits after failures due now: its service is back."""
        model = self._model
        now = utcnow()
        session.execute(
            update(model)
            .where(*self._waiting(now), model.method == method, model.id != except_id)
            .values(next_attempt_at=now)
        )
        log.info("outbox calls released: their service answers again", extra={"rpc": method})

    def _failed(
        self,
        session: Session,
        message: OutboxMessageColumns,
        error: grpc.StatusCode,
        *,
        counted: bool,
    ) -> None:
        method = message.method
        service = _service(method)
        permanent = error in PERMANENT_CODES
        if counted:
            OUTBOX_DELIVERY_FAILURES.add(
                1,
                {
                    "rpc.method": method,
                    "rpc.grpc.status_code": error.name,
                    "retried": not permanent,
                },
            )
        extra = {"outbox_id": message.id, "rpc": method, "code": error.name}
        retry_at = None
        if not permanent:
            retry_at = next_attempt(
                now=utcnow(), accepted_at=message.created_at, retention=self._retention
            )
        if retry_at is not None:
            message.last_error = error.name
            message.next_attempt_at = retry_at
            log.warning(
                "outbox delivery failed; will retry", extra={**extra, "attempts": message.attempts}
            )
            return
        message.dead_at = utcnow()
        if permanent:
            message.last_error = f"{service} {error.name}"
            log.error("outbox call refused for good", extra=extra)
        else:
            message.last_error = expired_reason(self._retention, f"{service} {error.name}")
            message.payload = None  # what it carried (a link, a code) is stale by now
            log.error("outbox call not delivered within its retention window", extra=extra)
        cause = "refused" if permanent else "expired"
        count_after_commit(session, DEAD_LETTERS, path=method, cause=cause)


def _service(method: str) -> str:
    """The service a gRPC method belongs to ("notify"); a job's own name otherwise."""
    parts = method.split(".")
    return parts[1] if len(parts) > 1 else method


def _with_context(request: bytes) -> bytes:
    """A job's payload: the request and the context of the request that queued it."""
    return json.dumps(
        {
            "context": asdict(context.current()),
            "request": base64.b64encode(request).decode(),
        }
    ).encode()


def _run_job(job: str, handler: Callable[[bytes], None], payload: bytes) -> grpc.StatusCode | None:
    """Runs a job of this service under its request's context; the status of its failure, if
    it failed (a DomainError's own; any other exception, INTERNAL, is retried)."""
    envelope = json.loads(payload)
    try:
        with context.bound(context.RequestContext(**envelope["context"])):
            handler(base64.b64decode(envelope["request"]))
    except DomainError as failure:
        code = next(c for kind, c in STATUS_CODES.items() if isinstance(failure, kind))
        return grpc.StatusCode[code_pb2.Code.Name(code)]
    except Exception:
        log.exception("outbox job failed", extra={"rpc": job})
        return grpc.StatusCode.INTERNAL
    return None
