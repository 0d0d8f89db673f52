"""Every metric the services record, in one place, so operators find them all in one list
(deploy/README.md). Attributes hold names, codes and service names, never IDs or PHI, so
each metric has few series. Exporters are set up in telemetry.py."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Counter, Observation
from sqlalchemy.orm import Session

from services.common.db import Database

log = logging.getLogger("vestibule.metrics")

_meter = metrics.get_meter("vestibule")

RPC_DURATION = _meter.create_histogram(
    "rpc.server.duration",
    unit="ms",
    description="Time to answer a gRPC call, by service, method and status code; its count "
    "is the number of calls and the non-OK codes are the errors.",
)
OUTBOX_DELIVERY_FAILURES = _meter.create_counter(
    "vestibule.outbox.delivery_failures",
    description="Outbox calls to another service that failed, by service, method, status code "
    "and whether they will be retried.",
)
NOTIFICATIONS_SENT = _meter.create_counter(
    "vestibule.notifications.sent", description="Emails and text messages sent, by channel."
)
NOTIFICATION_DELIVERY_FAILURES = _meter.create_counter(
    "vestibule.notifications.delivery_failures",
    description="Attempts to send an email or text message that failed, by channel and "
    "whether it was the last attempt.",
)
DEAD_LETTERS = _meter.create_counter(
    "vestibule.dead_letters",
    description="Messages given up for good (N5), by path (the gRPC method an outbox calls, or "
    "notify's channel: email, sms) and cause: refused (the receiver or the provider refused it "
    "for good, e.g. a hard bounce) or expired (not delivered within the retention window).",
)
INVITATIONS_SENT = _meter.create_counter(
    "vestibule.invitations.sent", description="Enrollment invitations sent (E3, E4, E6)."
)
INVITATIONS_THROTTLED = _meter.create_counter(
    "vestibule.invitations.throttled",
    description="Enrollment invitations held back by the practice's throttle (E7), by trigger.",
)
SIGN_IN_FAILURES = _meter.create_counter(
    "vestibule.sign_in.failures",
    description="Wrong passwords and codes counted against a sign-in (I11), by principal kind.",
)
SIGN_IN_LOCKS = _meter.create_counter(
    "vestibule.sign_in.locks",
    description="Sign-ins locked after repeated failures (I11), by principal kind.",
)


def count_after_commit(session: Session, counter: Counter, **attributes: str) -> None:
    """Adds one to `counter` once the session's transaction has committed, so a rolled-back
    change is never counted."""
    session.info.setdefault("after_commit", []).append(lambda: counter.add(1, attributes))


QueueCounts = Callable[[Session], Mapping[str, int]]
_queues: dict[tuple[str, int], tuple[Database, QueueCounts]] = {}
_queues_lock = threading.Lock()


def _observe_queues(_options: CallbackOptions) -> Iterable[Observation]:
    with _queues_lock:
        sources = list(_queues.items())
    for (service, _), (database, counts) in sources:
        try:
            with database.transaction() as session:
                observed = counts(session)
        except Exception:  # a database that is down must not stop the other metrics
            log.warning("queue depth unavailable", extra={"service": service})
            continue
        for state, count in observed.items():
            yield Observation(count, {"service": service, "state": state})


_meter.create_observable_gauge(
    "vestibule.outbox.depth",
    callbacks=[_observe_queues],
    description="Messages waiting in a service's outbox (notify: notifications waiting to be "
    "sent), by service and state: pending, or dead (refused for good, kept for an operator).",
)


def watch_queue(service: str, database: Database, counts: QueueCounts) -> Callable[[], None]:
    """Reports `counts` (state -> messages) as the service's outbox depth whenever metrics are
    collected; call the answer to stop."""
    key = (service, id(counts))
    with _queues_lock:
        _queues[key] = (database, counts)

    def unwatch() -> None:
        with _queues_lock:
            _queues.pop(key, None)

    return unwatch
