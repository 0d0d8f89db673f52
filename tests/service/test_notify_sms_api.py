"""Notify sends SMS through a Twilio-compatible HTTP API (a fake on loopback, the one part that
lies outside) and mail to a real SMTP sink, over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

import grpc
import pytest
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import MailSink, read_message
from services.common import retry
from services.common.logs import JsonFormatter
from services.common.server import ServiceHost
from services.common.settings import ServiceSettings, Settings
from services.notify.mail import IDEMPOTENCY_HEADER
from services.notify.server import create_server
from services.notify.settings import NotifySettings
from tests.service.fake_sms_api import FakeSmsApi
from tests.service.test_notify_service import EMAIL, PHONE, eventually, row, send, sent, state_of

OTHER_PHONE = "+14155550123"


@pytest.fixture
def sink(tmp_path):
    sink = MailSink(tmp_path / "mail", port=0).start()
    yield sink
    sink.stop()


@pytest.fixture
def sms_api():
    api = FakeSmsApi().start()
    yield api
    api.stop()


@pytest.fixture
def start_notify(start_service, shared_settings, sink, sms_api, monkeypatch):
    """Starts notify with its SMS provider API pointed at the fake; keywords override
    NotifySettings. Retries come 10 ms apart, so a test need not wait for the real backoff."""
    monkeypatch.setattr(retry, "backoff", lambda waited: timedelta(milliseconds=10))

    def start(**settings: Any) -> ServiceHost:
        values = {"smtp_port": sink.port, **sms_api.notify_settings(), **settings}
        server = partial(create_server, notify_settings=NotifySettings(**values))
        return start_service("notify", server, shared_settings)

    return start


@pytest.fixture
def notify(start_notify):
    return start_notify()


@pytest.fixture
def stub(notify):
    with grpc.insecure_channel(notify.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


def send_code(stub, *, key="code-1", recipient=PHONE, code="123456", **kwargs):
    return send(
        stub,
        key=key,
        channel=notify_pb2.CHANNEL_SMS,
        recipient=recipient,
        template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
        parameters={"code": code, "minutes_valid": "10"},
        **kwargs,
    )


def text_of(code: str) -> str:
    return f"Your verification code is {code}. It expires in 10 minutes."


def failed(stub, notification_id):
    return eventually(
        lambda: (
            (n := state_of(stub, notification_id)).state == notify_pb2.DELIVERY_STATE_FAILED and n
        )
    )


# rule N2
def test_text_is_posted_as_a_form_with_basic_auth_to_the_messages_resource_N2(stub, sms_api):
    sent(stub, send_code(stub).notification_id)

    [request] = sms_api.requests()
    assert (request.method, request.path) == ("POST", sms_api.path)
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.credentials == (sms_api.account_sid, sms_api.auth_token)
    assert request.form == {"To": PHONE, "From": sms_api.sender, "Body": text_of("123456")}


# rule N5
def test_text_is_sent_once_even_when_requested_again_N5(stub, sms_api):
    first = send_code(stub, key="code-7")
    sent(stub, first.notification_id)
    again = send_code(stub, key="code-7")

    assert again.notification_id == first.notification_id
    assert [request.status for request in sms_api.requests()] == [201]


# rule N5
def test_provider_outage_and_rate_limit_are_retried_until_the_text_is_taken_N5(stub, sms_api):
    sms_api.answer_next(500, 429, 503)
    notification = sent(stub, send_code(stub).notification_id)

    assert notification.attempts == 4
    requests = sms_api.requests()
    assert [request.status for request in requests] == [500, 429, 503, 201]
    assert all(request.form == requests[-1].form for request in requests)


# rule N5
def test_invalid_number_fails_at_once_with_a_reason_free_of_phi_N5(notify, stub, sms_api):
    sms_api.refuse(PHONE, code=21211)
    notification_id = send_code(stub).notification_id
    notification = failed(stub, notification_id)

    assert notification.attempts == 1
    assert notification.last_error == "SMS API 400, error 21211: invalid number"
    assert PHONE not in notification.last_error
    assert row(notify, notification_id).recipient is None


# rule N1
def test_a_refused_number_sends_the_code_by_email_instead_N1(stub, sms_api, sink):
    sms_api.refuse(PHONE, code=21614)
    refused = send_code(
        stub, fallback_channel=notify_pb2.CHANNEL_EMAIL, fallback_recipient=EMAIL
    ).notification_id
    failed_text = failed(stub, refused)
    replacement = sent(stub, failed_text.fallback_notification_id)

    assert (replacement.channel, replacement.fallback_of) == (notify_pb2.CHANNEL_EMAIL, refused)
    [path] = sink.messages()
    assert read_message(path)["To"] == EMAIL


# rule N5
def test_refused_credentials_keep_the_text_queued_for_the_operator_to_fix_N5(start_notify, sms_api):
    host = start_notify(sms_auth_token="a-token-the-provider-does-not-know")
    with grpc.insecure_channel(host.address) as channel:
        stub = notify_pb2_grpc.NotifyServiceStub(channel)
        notification_id = send_code(stub).notification_id
        waiting = eventually(lambda: (n := state_of(stub, notification_id)).attempts >= 2 and n)

    assert waiting.state == notify_pb2.DELIVERY_STATE_QUEUED
    assert waiting.last_error == "SMS API 401, error 20003: authentication failed"


# rule X1
def test_log_lines_hold_no_number_text_or_auth_token_X1(stub, sms_api, caplog):
    caplog.set_level(logging.DEBUG, logger="vestibule")
    caplog.set_level(logging.INFO)
    sms_api.refuse(OTHER_PHONE, code=21614)
    sent(stub, send_code(stub).notification_id)
    failed(stub, send_code(stub, key="code-2", recipient=OTHER_PHONE).notification_id)

    output = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "notification sent" in output and "error 21614" in output
    for secret in (PHONE, OTHER_PHONE, "123456", sms_api.auth_token, sms_api.account_sid):
        assert secret not in output


def second_host(first: ServiceHost, shared: Settings, notify_settings: NotifySettings):
    """Another notify host on the first one's database, as a second replica would be."""
    settings = ServiceSettings(
        name="notify",
        database_url=first.settings.database_url,
        port=0,
        shutdown_grace_seconds=0,
        worker_interval_seconds=0.05,
    )
    return create_server(settings, shared, notify_settings).start()


# rule N5
def test_two_hosts_on_one_database_send_every_message_exactly_once_N5(
    start_notify, shared_settings, sink, sms_api
):
    first = start_notify()
    notify_settings = NotifySettings(smtp_port=sink.port, **sms_api.notify_settings())
    second = second_host(first, shared_settings, notify_settings)
    codes = [f"{number:06d}" for number in range(25)]
    try:
        with (
            grpc.insecure_channel(first.address) as one,
            grpc.insecure_channel(second.address) as other,
        ):
            stubs = [notify_pb2_grpc.NotifyServiceStub(c) for c in (one, other)]
            accepted = []
            for number, code in enumerate(codes):
                stub = stubs[number % 2]  # each accept wakes that host's worker
                accepted.append(send(stub, key=f"mail-{code}").notification_id)
                accepted.append(send_code(stub, key=f"sms-{code}", code=code).notification_id)
            for notification_id in accepted:
                sent(stubs[0], notification_id)
    finally:
        second.stop(0)
    first.stop(0)  # both workers stopped: no send is still under way

    mailed = [read_message(path)[IDEMPOTENCY_HEADER] for path in sink.messages()]
    texted = [request.form["Body"] for request in sms_api.accepted()]
    assert sorted(mailed) == [f"mail-{code}" for code in codes]
    assert sorted(texted) == [text_of(code) for code in codes]
