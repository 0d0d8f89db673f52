"""Notify service over real gRPC, with a real SMTP sink, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import grpc
import pytest
from aiosmtpd.controller import Controller
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import free_port, read_message
from services.common.logs import JsonFormatter
from services.common.migrate import upgrade
from services.common.settings import ServiceSettings
from services.notify.models import Notification
from services.notify.server import create_server
from services.notify.settings import NotifySettings

EMAIL = "jane.doe@example.com"
PHONE = "+14155550100"
LINK = "https://portal.example.org/activate/tok3n-s3cret"
INVITATION = {
    "practice_name": "Riverside Family Clinic",
    "first_name": "Jane",
    "activation_url": LINK,
    "expires_on": "December 22, 2026",
}
CODE = {"code": "123456", "minutes_valid": "10"}

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 10.0) -> T:
    """Polls `check` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)
    return result


@pytest.fixture
def notify(start_notify, sink):
    sink.start()
    return start_notify()


@pytest.fixture
def stub(notify):
    with grpc.insecure_channel(notify.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


def send(stub, *, key="k-1", channel=notify_pb2.CHANNEL_EMAIL, recipient=EMAIL, **kwargs):
    template = kwargs.pop("template", notify_pb2.TEMPLATE_INVITATION)
    parameters = kwargs.pop("parameters", INVITATION)
    request = notify_pb2.SendNotificationRequest(
        idempotency_key=key,
        channel=channel,
        recipient=recipient,
        template=template,
        parameters=parameters,
        **kwargs,
    )
    return stub.SendNotification(request, timeout=5).notification


def state_of(stub, notification_id):
    request = notify_pb2.GetNotificationRequest(notification_id=notification_id)
    return stub.GetNotification(request, timeout=5).notification


def sent(stub, notification_id):
    return eventually(
        lambda: (n := state_of(stub, notification_id)).state == notify_pb2.DELIVERY_STATE_SENT and n
    )


def row(host, notification_id) -> Notification:
    with host.database.transaction() as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found


def field_violations(error: grpc.RpcError) -> list[str]:
    fields = []
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields += [violation.field for violation in bad_request.field_violations]
    return fields


# rule N1
def test_invitation_email_has_text_and_html_parts_with_the_link_N1(stub, sink):
    notification = sent(stub, send(stub).notification_id)

    [path] = eventually(sink.messages)
    message = read_message(path)
    assert message["To"] == EMAIL
    assert message["Subject"] == "Riverside Family Clinic invites you to your patient portal"
    assert message["X-Vestibule-Idempotency-Key"] == "k-1"
    assert notification.notification_id in message["Message-ID"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert LINK in text and "ZIP code and date of birth" in text and "December 22, 2026" in text
    assert f'href="{LINK}"' in html


# rule N1
def test_invitation_html_escapes_the_practice_name_N1(stub, sink):
    parameters = {**INVITATION, "practice_name": "<script>alert(1)</script> Clinic"}
    sent(stub, send(stub, parameters=parameters).notification_id)

    html = read_message(eventually(sink.messages)[0]).get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in html
    assert "<script>" not in html


# rule N2
def test_verification_code_by_sms_lands_in_the_sms_folder_N2(stub, sms_folder):
    notification = send(
        stub,
        channel=notify_pb2.CHANNEL_SMS,
        recipient=PHONE,
        template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
        parameters=CODE,
    )
    sent(stub, notification.notification_id)

    [path] = list(sms_folder.glob("*.json"))
    record = json.loads(path.read_text())
    assert record["to"] == PHONE
    assert record["body"] == "Your verification code is 123456. It expires in 10 minutes."
    assert record["sent_at"]


# rule N5
def test_duplicate_key_sends_once_N5(notify, stub, sink):
    first = send(stub, key="invite-42")
    again = send(stub, key="invite-42")
    sent(stub, first.notification_id)
    after_sending = send(stub, key="invite-42")

    assert first.notification_id == again.notification_id == after_sending.notification_id
    with notify.database.transaction() as session:
        assert session.query(Notification).count() == 1
    assert len(sink.messages()) == 1


# rule N5
def test_concurrent_duplicate_keys_accept_one_notification_N5(notify, stub):
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        ids.append(send(stub, key="raced").notification_id)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(ids) == 8 and len(set(ids)) == 1
    with notify.database.transaction() as session:
        assert session.query(Notification).count() == 1


class _RefuseRecipients:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected"


# rule N5
def test_refused_recipient_fails_at_once_with_a_reason_free_of_phi_N5(start_notify, tmp_path):
    refusing = Controller(_RefuseRecipients(), hostname="127.0.0.1", port=free_port())
    refusing.start()
    try:
        host = start_notify(smtp_port=refusing.port)
        with grpc.insecure_channel(host.address) as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            notification_id = send(stub).notification_id
            failed = eventually(
                lambda: (
                    (n := state_of(stub, notification_id)).state == notify_pb2.DELIVERY_STATE_FAILED
                    and n
                )
            )
    finally:
        refusing.stop()
    assert failed.attempts == 1
    assert failed.last_error == "SMTP 550: recipient refused"
    assert EMAIL not in failed.last_error


# rule N1
def test_invalid_email_is_invalid_argument_naming_the_recipient_N1(stub):
    with pytest.raises(grpc.RpcError) as raised:
        send(stub, recipient="jane.doe@")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["recipient"]


# rule N2
def test_phone_not_in_e164_is_invalid_argument_naming_the_recipient_N2(stub):
    with pytest.raises(grpc.RpcError) as raised:
        send(stub, channel=notify_pb2.CHANNEL_SMS, recipient="(415) 555-0100")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["recipient"]


# rule N1
def test_missing_template_parameter_is_named_N1(stub):
    parameters = {k: v for k, v in INVITATION.items() if k != "activation_url"}
    with pytest.raises(grpc.RpcError) as raised:
        send(stub, parameters=parameters)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["parameters.activation_url"]


# rule X1
def test_recipient_and_parameters_are_sealed_then_erased_once_sent_X1(start_notify, sink):
    host = start_notify()  # sink not started yet: the row stays queued
    with grpc.insecure_channel(host.address) as channel:
        stub = notify_pb2_grpc.NotifyServiceStub(channel)
        notification_id = send(stub).notification_id
        queued = row(host, notification_id)
        assert queued.recipient and EMAIL.encode() not in queued.recipient
        assert queued.parameters and LINK.encode() not in queued.parameters

        sink.start()
        sent(stub, notification_id)
    erased = row(host, notification_id)
    assert erased.recipient is None and erased.parameters is None


def test_unknown_notification_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as raised:
        state_of(stub, "no-such-id")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


# rule N5
def test_accepting_wakes_the_worker_at_once_N5(database_url, shared_settings, sink, sms_folder):
    url = database_url("notify")
    upgrade("notify", url)
    settings = ServiceSettings(name="notify", database_url=url, port=0, worker_interval_seconds=60)
    notify_settings = NotifySettings(smtp_port=sink.port, sms_folder=sms_folder)
    sink.start()
    host = create_server(settings, shared_settings, notify_settings).start()
    try:
        with grpc.insecure_channel(host.address) as channel:
            stub = notify_pb2_grpc.NotifyServiceStub(channel)
            sent(stub, send(stub).notification_id)  # well before the 60 s interval
    finally:
        host.stop(0)


# rule X1
def test_log_lines_hold_no_phi_or_secrets_X1(stub, sms_folder, caplog):
    caplog.set_level(logging.DEBUG, logger="vestibule")
    caplog.set_level(logging.INFO)
    sent(stub, send(stub).notification_id)
    code = send(
        stub,
        key="k-2",
        channel=notify_pb2.CHANNEL_SMS,
        recipient=PHONE,
        template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
        parameters=CODE,
    )
    sent(stub, code.notification_id)
    with pytest.raises(grpc.RpcError):
        send(stub, key="k-3", recipient="jane.doe@")

    formatter = JsonFormatter()
    output = "\n".join(formatter.format(record) for record in caplog.records)
    assert "notification sent" in output
    for secret in ("jane.doe", "Jane", "Riverside", PHONE, "tok3n", "123456"):
        assert secret not in output
