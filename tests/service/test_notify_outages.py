"""Notify through outages of the mail server and the SMS provider, with the default settings
(N5): every accepted message waits out the outage, however long within the retention window,
then goes out once, promptly after the provider is back; at the window's end it is given up
with the reason staff see, and counted. Real gRPC, the real SMTP sink, the fake SMS API, and
simulated time for the hours of outage."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import grpc
import pytest
from sqlalchemy import or_, select
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import read_message
from services.common.audit import audit_key_info
from services.common.db import Database, utcnow
from services.common.migrate import upgrade
from services.notify.delivery import Delivery
from services.notify.domain import Channel, DeliveryState, Template
from services.notify.mail import SmtpMailer
from services.notify.models import Notification
from services.notify.rendering import Renderer
from services.notify.server import create_server, sms_provider
from services.notify.service import send_notification
from services.notify.settings import NotifySettings
from tests.service.fake_sms_api import FakeSmsApi
from tests.service.test_notify_service import CODE, eventually, row, send, state_of

# Once the provider is back, every message waiting for it is sent within this many seconds.
PROMPTLY = 10.0
EMAILS = ["ann@example.com", "ben@example.com", "cal@example.com"]
PHONES = ["+13125550101", "+13125550102", "+13125550103"]


@pytest.fixture
def sms_api():
    api = FakeSmsApi().start()
    yield api
    api.stop()


@pytest.fixture
def notify_settings(sink, sms_api) -> NotifySettings:
    """Notify's defaults but for where the SMTP sink (not started: down) and the SMS API are."""
    return NotifySettings(smtp_port=sink.port, **sms_api.notify_settings())


@pytest.fixture
def notify(start_service, shared_settings, notify_settings):
    server = partial(create_server, notify_settings=notify_settings)
    return start_service("notify", server, shared_settings)


@pytest.fixture
def stub(notify):
    with grpc.insecure_channel(notify.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


def _settled(host) -> bool:
    """No queued notification is due or being sent: each waits for its next try."""
    now = utcnow()
    with host.database.transaction() as session:
        busy = session.scalars(
            select(Notification.id)
            .where(Notification.state == DeliveryState.QUEUED)
            .where(or_(Notification.next_attempt_at <= now, Notification.leased_until.is_not(None)))
        ).first()
    return busy is None


def _ride_out(host, clock, duration: timedelta, step: timedelta) -> None:
    """Moves the clock through `duration` a step at a time, and lets the worker try whatever
    comes due at each step."""
    end = utcnow() + duration
    while utcnow() < end:
        clock.shift(step)
        eventually(lambda: _settled(host))


def _rows(host) -> list[Notification]:
    with host.database.transaction() as session:
        return list(session.scalars(select(Notification)))


def _send_code(stub, key: str, phone: str):
    return send(
        stub,
        key=key,
        channel=notify_pb2.CHANNEL_SMS,
        recipient=phone,
        template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
        parameters=CODE,
    )


# rule N5
def test_an_hour_without_mail_server_and_sms_api_then_each_message_goes_out_once_promptly_N5(
    notify, stub, sink, sms_api, clock
):
    sms_api.go_down()  # and the SMTP sink is not started: connections are refused
    ids = [
        send(stub, key=f"mail-{i}", recipient=email).notification_id
        for i, email in enumerate(EMAILS)
    ]
    ids += [_send_code(stub, f"text-{i}", phone).notification_id for i, phone in enumerate(PHONES)]
    eventually(lambda: all(state_of(stub, i).attempts >= 1 for i in ids))

    _ride_out(notify, clock, timedelta(hours=1), step=timedelta(minutes=5))
    waiting = _rows(notify)
    assert {r.state for r in waiting} == {DeliveryState.QUEUED}  # nothing given up
    # The outage pushed their next tries minutes away (one per channel may be a probe).
    later = utcnow() + timedelta(minutes=1)
    assert sum(r.next_attempt_at > later for r in waiting) >= len(waiting) - 2

    sink.start()
    sms_api.go_down(False)
    eventually(
        lambda: all(state_of(stub, i).state == notify_pb2.DELIVERY_STATE_SENT for i in ids),
        timeout=PROMPTLY,
    )
    assert sorted(read_message(path)["To"] for path in sink.messages()) == EMAILS
    assert sorted(request.form["To"] for request in sms_api.accepted()) == PHONES


# rule N5
def test_a_message_not_sent_within_72_hours_fails_with_why_erased_and_counted_N5(
    notify, stub, clock, telemetry_in_memory
):
    expired = {"path": "email", "cause": "expired"}
    before = telemetry_in_memory.measured("vestibule.dead_letters", **expired)
    notification_id = send(stub).notification_id

    _ride_out(notify, clock, timedelta(hours=71), step=timedelta(hours=1))
    assert state_of(stub, notification_id).state == notify_pb2.DELIVERY_STATE_QUEUED
    _ride_out(notify, clock, timedelta(hours=2), step=timedelta(hours=1))

    failed = state_of(stub, notification_id)
    assert failed.state == notify_pb2.DELIVERY_STATE_FAILED
    assert failed.last_error == (
        "not delivered within 72 hours; last: SMTP unreachable: ConnectionRefusedError"
    )
    erased = row(notify, notification_id)
    assert erased.recipient is None and erased.parameters is None
    assert telemetry_in_memory.measured("vestibule.dead_letters", **expired) == before + 1


# rule N5
def test_a_mail_server_that_is_down_is_tried_once_per_batch_not_once_per_message_N5(
    database_url, shared_settings, notify_settings
):
    url = database_url("notify")
    upgrade("notify", url)
    database = Database(url, session_info=audit_key_info(shared_settings.keyring()))
    keyring = shared_settings.keyring()
    with database.transaction() as session:
        for email in EMAILS:
            send_notification(
                session,
                keyring=keyring,
                on_accept=lambda: None,
                idempotency_key=f"batch-{email}",
                channel=Channel.EMAIL,
                template=Template.VERIFICATION_CODE,
                recipient=email,
                parameters=CODE,
                practice_id="",
            )
    delivery = Delivery(
        database=database,
        keyring=keyring,
        renderer=Renderer(),
        mailer=SmtpMailer(notify_settings),
        sms=sms_provider(notify_settings, shared_settings),
        retention=shared_settings.delivery_retention,
    )
    try:
        assert delivery.deliver_due() == len(EMAILS)
        with database.transaction() as session:
            rows = list(session.scalars(select(Notification)))
    finally:
        database.dispose()
    assert sorted(r.attempts for r in rows) == [0, 0, 1]
    assert {r.last_error for r in rows} == {"SMTP unreachable: ConnectionRefusedError"}
    assert all(r.state == DeliveryState.QUEUED and r.next_attempt_at > utcnow() for r in rows)
