"""The outbox through outages of the service it calls (N5): with notify stopped, every call
waits, however long within the retention window, then arrives once, promptly after notify is
back, whether the relay kept running, started during the outage or died mid-batch; at the
window's end a call is dead-lettered with the reason, and counted. Real enrollment and notify
over real gRPC, the real SMTP sink, simulated time for the minutes and hours of outage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import grpc
import pytest
import time_machine
from sqlalchemy import or_, select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from deploy.local.mailsink import free_port, read_message
from services.common import outbox
from services.common.audit import audit_key_info
from services.common.clients import connect
from services.common.db import Database, utcnow
from services.common.migrate import upgrade
from services.common.outbox import Outbox
from services.common.settings import ServiceSettings, Settings
from services.enrollment.models import OutboxMessage
from services.enrollment.server import create_server as create_enrollment
from services.notify.server import create_server as create_notify
from services.notify.settings import NotifySettings
from tests.service.enrollment_helpers import add_patient, create_practice, key
from tests.service.test_notify_service import eventually

# Once notify is back, every call waiting for it arrives within this many seconds.
PROMPTLY = 10.0
SEND_NOTIFICATION = "/vestibule.notify.v1.NotifyService/SendNotification"
PEOPLE = [
    ("Ann", "ann@example.com", "+13125550101"),
    ("Ben", "ben@example.com", "+13125550102"),
    ("Cal", "cal@example.com", "+13125550103"),
    ("Dee", "dee@example.com", "+13125550104"),
    ("Eve", "eve@example.com", "+13125550105"),
]
EMAILS = sorted(email for _, email, _ in PEOPLE)


class _Killed(BaseException):
    """The relay's process dies: nothing after it runs, no handler catches it."""


class _DiesAfterCall:
    """A channel whose `fatal`-th call reaches notify, then the relay dies before it can record
    that the call went through."""

    def __init__(self, channel: grpc.Channel, fatal: int) -> None:
        self._channel = channel
        self._fatal = fatal
        self.calls = 0

    def unary_unary(self, method: str):  # type: ignore[no-untyped-def]
        call = self._channel.unary_unary(method)

        def dying(request: bytes):  # type: ignore[no-untyped-def]
            answer = call(request)
            self.calls += 1
            if self.calls == self._fatal:
                raise _Killed
            return answer

        return dying


@contextmanager
def _real_time() -> Iterator[None]:
    """The real time for a moment, when a test has moved the clock (or the real time anyway)."""
    try:
        real = time_machine.escape_hatch.time.time()
    except ValueError:  # not travelling
        yield
        return
    with time_machine.travel(real, tick=True):
        yield


@pytest.fixture
def notify_port() -> int:
    """Where notify listens whenever it runs; nothing listens there while it is stopped."""
    return free_port()


@pytest.fixture
def start_notify(database_url, shared_settings, sink, sms_folder, notify_port) -> Iterator:
    """Starts notify on `notify_port`, again on the same database after a stop."""
    url = database_url("notify")
    upgrade("notify", url)
    hosts = []

    def start():  # type: ignore[no-untyped-def]
        settings = ServiceSettings(
            name="notify",
            database_url=url,
            port=notify_port,
            worker_interval_seconds=0.05,
            shutdown_grace_seconds=0,
        )
        notify_settings = NotifySettings(smtp_port=sink.port, sms_folder=sms_folder)
        host = create_notify(settings, shared_settings, notify_settings)
        # gRPC's server start waits until a deadline it takes from the clock: with the clock
        # hours ahead it would wait hours, so it starts on the real time.
        with _real_time():
            hosts.append(host.start())
        return host

    yield start
    for host in hosts:
        host.stop(0)


@pytest.fixture
def shared(shared_settings, notify_port) -> Settings:
    return shared_settings.model_copy(update={"notify_address": f"127.0.0.1:{notify_port}"})


@pytest.fixture
def outbox_database(database_url, shared_settings) -> Iterator[Database]:
    """Enrollment's database, for relays a test runs itself."""
    url = database_url("enrollment")
    upgrade("enrollment", url)
    database = Database(url, session_info=audit_key_info(shared_settings.keyring()))
    yield database
    database.dispose()


@pytest.fixture
def notify_channel(notify_port) -> Iterator[grpc.Channel]:
    channel = connect(f"127.0.0.1:{notify_port}", default_timeout=5)
    yield channel
    channel.close()


def _settled(database: Database) -> bool:
    """No call waiting in the outbox is due or being made: each waits for its next try."""
    now = utcnow()
    with database.transaction() as session:
        busy = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.dead_at.is_(None))
            .where(
                or_(OutboxMessage.next_attempt_at <= now, OutboxMessage.leased_until.is_not(None))
            )
        ).first()
    return busy is None


def _ride_out(database: Database, clock, duration: timedelta, step: timedelta) -> None:
    """Moves the clock through `duration` a step at a time, and lets the relay try whatever
    comes due at each step."""
    end = utcnow() + duration
    while utcnow() < end:
        clock.shift(step)
        eventually(lambda: _settled(database))


def _messages(database: Database) -> list[OutboxMessage]:
    with database.transaction() as session:
        return list(session.scalars(select(OutboxMessage)))


def _assert_backed_off(database: Database) -> None:
    """The outage pushed the next tries of the waiting calls well past the promptness bound
    (but for the one a probe may have made due)."""
    waiting = [m for m in _messages(database) if m.delivered_at is None]
    later = utcnow() + timedelta(seconds=2 * PROMPTLY)
    assert waiting
    assert sum(m.next_attempt_at > later for m in waiting) >= len(waiting) - 1


def _delivered(database: Database) -> bool:
    return all(m.delivered_at is not None for m in _messages(database))


def _enqueue(outbox_: Outbox, database: Database) -> None:
    """Five invitation emails, queued in one transaction as Enroll Now queues them."""
    with database.transaction() as session:
        for first_name, email, _ in PEOPLE:
            outbox_.enqueue(
                session,
                SEND_NOTIFICATION,
                notify_pb2.SendNotificationRequest(
                    idempotency_key=f"invitation:{first_name}:email",
                    channel=notify_pb2.CHANNEL_EMAIL,
                    recipient=email,
                    template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
                    parameters={"code": "123456", "minutes_valid": "10"},
                ),
            )


def _mailed(sink) -> list[str]:
    return sorted(read_message(path)["To"] for path in sink.messages())


# rule N5
def test_notify_stopped_ten_minutes_during_enroll_nows_then_each_arrives_once_promptly_N5(
    start_service, shared, start_notify, sink, sms_folder, clock
):
    sink.start()
    notify = start_notify()
    enrollment = start_service("enrollment", create_enrollment, shared)
    with grpc.insecure_channel(enrollment.address) as channel:
        stub = enrollment_pb2_grpc.EnrollmentServiceStub(channel)
        practice_id = create_practice(stub).practice_id
        patients = [
            add_patient(stub, practice_id, first_name=name, email=email, cell_phone=phone)
            for name, email, phone in PEOPLE
        ]
        notify.stop(0)
        for patient in patients:
            request = pb.EnrollNowRequest(
                idempotency_key=key(), practice_id=practice_id, patient_id=patient.patient_id
            )
            stub.EnrollNow(request, timeout=5)

    _ride_out(enrollment.database, clock, timedelta(minutes=10), step=timedelta(minutes=1))
    _assert_backed_off(enrollment.database)
    start_notify()

    eventually(lambda: _delivered(enrollment.database), timeout=PROMPTLY)
    eventually(
        lambda: (
            len(sink.messages()) == len(PEOPLE)
            and len(list(sms_folder.glob("*.json"))) == len(PEOPLE)
        ),
        timeout=PROMPTLY,
    )
    assert _mailed(sink) == EMAILS


# rule N5
def test_a_relay_started_while_notify_is_down_sends_at_once_when_it_is_back_N5(
    outbox_database, notify_channel, start_notify, sink, shared_settings, clock
):
    sink.start()
    keyring = shared_settings.keyring()
    before_restart = Outbox(OutboxMessage, keyring, {"notify": notify_channel})
    _enqueue(before_restart, outbox_database)
    relay = before_restart.relay_worker("enrollment", outbox_database, 0.05)
    relay.start()
    try:
        _ride_out(outbox_database, clock, timedelta(minutes=10), step=timedelta(minutes=1))
    finally:
        relay.stop()  # the process goes away during the outage
    _assert_backed_off(outbox_database)
    start_notify()

    restarted = Outbox(OutboxMessage, keyring, {"notify": notify_channel})
    relay = restarted.relay_worker("enrollment", outbox_database, 0.05)
    relay.start()
    try:
        eventually(lambda: _mailed(sink) == EMAILS, timeout=PROMPTLY)
    finally:
        relay.stop()


# rule N5
def test_a_relay_killed_mid_batch_leaves_each_call_to_arrive_exactly_once_N5(
    outbox_database, notify_channel, start_notify, sink, shared_settings, clock
):
    sink.start()
    start_notify()
    keyring = shared_settings.keyring()
    dying = _DiesAfterCall(notify_channel, fatal=3)
    killed = Outbox(OutboxMessage, keyring, {"notify": dying})  # type: ignore[dict-item]
    _enqueue(killed, outbox_database)
    with pytest.raises(_Killed):
        killed.relay_due(outbox_database)
    # Two calls recorded, a third made but not recorded, two held under the dead relay's lease.
    assert sum(m.delivered_at is not None for m in _messages(outbox_database)) == 2

    restarted = Outbox(OutboxMessage, keyring, {"notify": notify_channel})
    relay = restarted.relay_worker("enrollment", outbox_database, 0.05)
    relay.start()
    try:
        clock.shift(outbox.LEASE + timedelta(seconds=1))
        eventually(lambda: _delivered(outbox_database), timeout=PROMPTLY)
    finally:
        relay.stop()
    eventually(lambda: len(sink.messages()) >= len(PEOPLE))
    assert _mailed(sink) == EMAILS  # the call made twice was sent once


# rule N5
def test_a_call_not_delivered_within_72_hours_is_dead_with_why_and_counted_N5(
    outbox_database, notify_channel, shared_settings, clock, telemetry_in_memory
):
    expired = {"path": SEND_NOTIFICATION, "cause": "expired"}
    before = telemetry_in_memory.measured("vestibule.dead_letters", **expired)
    relayed = Outbox(OutboxMessage, shared_settings.keyring(), {"notify": notify_channel})
    _enqueue(relayed, outbox_database)
    relay = relayed.relay_worker("enrollment", outbox_database, 0.05)
    relay.start()
    try:
        _ride_out(outbox_database, clock, timedelta(hours=71), step=timedelta(hours=1))
        assert {m.dead_at for m in _messages(outbox_database)} == {None}
        _ride_out(outbox_database, clock, timedelta(hours=2), step=timedelta(hours=1))
    finally:
        relay.stop()

    messages = _messages(outbox_database)
    assert all(m.dead_at is not None and m.payload is None for m in messages)
    assert {m.last_error for m in messages} == {
        "not delivered within 72 hours; last: notify UNAVAILABLE"
    }
    with outbox_database.transaction() as session:
        assert relayed.depth(session) == {"pending": 0, "dead": len(PEOPLE)}
        assert relayed.dead_letters(session, ["invitation:Ann:email", "other"]) == {
            "invitation:Ann:email": "not delivered within 72 hours; last: notify UNAVAILABLE"
        }
    assert telemetry_in_memory.measured("vestibule.dead_letters", **expired) == before + len(PEOPLE)
