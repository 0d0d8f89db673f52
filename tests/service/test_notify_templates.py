"""Notify's template kinds over real gRPC, with a real SMTP sink, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import grpc
import pytest
from vestibule.notify.v1 import notify_pb2_grpc

from deploy.local.mailsink import MailSink, read_message
from services.common.server import ServiceHost
from services.notify.server import create_server
from services.notify.servicer import TEMPLATES
from services.notify.settings import NotifySettings
from tests.service.test_notify_service import EMAIL, eventually, send, sent
from tests.unit.test_notify_templates import parameters


@pytest.fixture
def sink(tmp_path) -> Iterator[MailSink]:
    sink = MailSink(tmp_path / "mail", port=0).start()
    yield sink
    sink.stop()


@pytest.fixture
def notify(start_service, shared_settings, sink, tmp_path) -> ServiceHost:
    settings = NotifySettings(smtp_port=sink.port, sms_folder=tmp_path / "sms")
    return start_service(
        "notify", partial(create_server, notify_settings=settings), shared_settings
    )


@pytest.fixture
def stub(notify) -> Iterator[notify_pb2_grpc.NotifyServiceStub]:
    with grpc.insecure_channel(notify.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


# rule N1 N3 I7 I8
def test_every_template_kind_is_accepted_and_sent_by_email_N1_N3_I7_I8(stub, sink):
    for template, proto in TEMPLATES.items():
        notification = send(
            stub, key=f"kind-{template}", template=proto, parameters=parameters(template)
        )
        assert notification.template == proto
        sent(stub, notification.notification_id)

    messages = [read_message(path) for path in eventually(sink.messages)]
    assert len(messages) == len(TEMPLATES)
    assert {message["To"] for message in messages} == {EMAIL}
