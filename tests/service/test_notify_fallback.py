"""Delivery that loses nothing, over real gRPC on SQLite and PostgreSQL (N1, N5, X1): a hard
bounce is recorded per address and the message goes out again by the fallback channel; a
message held by a worker that died is sent once its lease ends."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import grpc
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import free_port
from services.common.db import utcnow
from services.notify import delivery, service
from services.notify.domain import Channel, Template
from services.notify.models import UndeliverableAddress
from tests.service.test_notify_service import (
    EMAIL,
    PHONE,
    _RefuseRecipients,
    eventually,
    field_violations,
    send,
    sent,
    state_of,
)

FAILED = notify_pb2.DELIVERY_STATE_FAILED


@pytest.fixture
def bouncing(start_notify):
    """Notify whose mail server refuses every recipient with 550 (a hard bounce)."""
    refusing = Controller(_RefuseRecipients(), hostname="127.0.0.1", port=free_port())
    refusing.start()
    yield start_notify(smtp_port=refusing.port)
    refusing.stop()


@pytest.fixture
def stub(bouncing):
    with grpc.insecure_channel(bouncing.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


def _failed(stub, notification_id: str) -> notify_pb2.Notification:
    return eventually(lambda: (n := state_of(stub, notification_id)).state == FAILED and n)


# rule N1
def test_a_hard_bounce_sends_the_message_by_sms_instead_N1(stub, sms_folder):
    bounced = send(
        stub, fallback_channel=notify_pb2.CHANNEL_SMS, fallback_recipient=PHONE
    ).notification_id
    failed = _failed(stub, bounced)
    assert failed.last_error == "SMTP 550: recipient refused"
    replacement = sent(stub, failed.fallback_notification_id)
    assert (replacement.channel, replacement.fallback_of) == (notify_pb2.CHANNEL_SMS, bounced)
    (message,) = [json.loads(path.read_text()) for path in sms_folder.glob("*.json")]
    assert message["to"] == PHONE
    assert "Riverside Family Clinic" in message["body"]


# rule N1, X1
def test_a_bounced_address_is_recorded_by_a_hash_only_N1_X1(bouncing, stub):
    _failed(stub, send(stub).notification_id)
    with bouncing.database.transaction() as session:
        (recorded,) = session.scalars(select(UndeliverableAddress)).all()
    assert (recorded.channel, recorded.failures) == ("email", 1)
    assert EMAIL not in recorded.address_hash and EMAIL not in recorded.last_reason


# rule N1
def test_a_fallback_on_the_same_channel_is_refused_by_name_N1(stub):
    with pytest.raises(grpc.RpcError) as raised:
        send(stub, fallback_channel=notify_pb2.CHANNEL_EMAIL, fallback_recipient=EMAIL)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["fallback_channel"]


# rule N5
def test_the_calling_service_reads_the_status_by_its_own_key_N5(stub):
    accepted = send(stub, key="invitation:abc:email")
    request = notify_pb2.GetNotificationRequest(idempotency_key="invitation:abc:email")
    found = stub.GetNotification(request, timeout=5).notification
    assert found.notification_id == accepted.notification_id


# rule N5
def test_a_message_held_by_a_worker_that_died_is_sent_once_its_lease_ends_N5(
    start_notify, sink, clock, shared_settings
):
    sink.start()
    host = start_notify()
    with host.database.transaction() as session:
        held = service.send_notification(
            session,
            keyring=shared_settings.keyring(),
            on_accept=lambda: None,
            idempotency_key="held-1",
            channel=Channel.EMAIL,
            template=Template.VERIFICATION_CODE,
            recipient=EMAIL,
            parameters={"code": "123456", "minutes_valid": "10"},
            practice_id="",
        )
        held.leased_until = utcnow() + delivery.LEASE  # claimed, then the worker died
    time.sleep(0.5)  # ten polls of the running worker, which must leave it alone
    assert sink.messages() == []
    clock.shift(delivery.LEASE + timedelta(seconds=1))
    assert len(eventually(sink.messages)) == 1
    with grpc.insecure_channel(host.address) as channel:
        assert sent(notify_pb2_grpc.NotifyServiceStub(channel), held.id).attempts == 1
