"""Notify's template kinds over real gRPC, with a real SMTP sink, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial

import grpc
import pytest
from sqlalchemy import select
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import MailSink, read_message
from services.common.logs import JsonFormatter
from services.common.server import ServiceHost
from services.notify.domain import Template
from services.notify.models import AuditRecord
from services.notify.server import create_server
from services.notify.servicer import TEMPLATES
from services.notify.settings import NotifySettings
from tests.service.test_notify_service import EMAIL, eventually, field_violations, send, sent
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


PRACTICE = "practice-1"
LOGO = "https://cdn.example.org/riverside/logo.png"


def set_branding(stub, practice_id=PRACTICE, **fields):
    values = {"display_name": "Riverside Pediatrics", "contact_phone": "(415) 555-0123"}
    request = notify_pb2.SetPracticeBrandingRequest(
        practice_id=practice_id,
        branding=notify_pb2.PracticeBranding(**{**values, "logo_url": LOGO, **fields}),
    )
    return stub.SetPracticeBranding(
        request, metadata=[("x-vestibule-actor", "staff:s1")], timeout=5
    ).branding


# rule N1
def test_branded_practice_email_carries_its_logo_and_phone_N1(stub, sink):
    set_branding(stub)
    invitation = parameters(Template.INVITATION)
    sent(stub, send(stub, parameters=invitation, practice_id=PRACTICE).notification_id)

    message = read_message(eventually(sink.messages)[0])
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert f'<img src="{LOGO}"' in html
    assert "(415) 555-0123" in html and "(415) 555-0123" in text
    assert message["Subject"] == "Riverside Pediatrics invites you to your patient portal"


# rule N1
def test_another_practices_branding_is_not_applied_N1(stub, sink):
    set_branding(stub, practice_id="practice-2")
    invitation = parameters(Template.INVITATION)
    sent(stub, send(stub, parameters=invitation, practice_id=PRACTICE).notification_id)

    html = read_message(eventually(sink.messages)[0]).get_body(("html",)).get_content()
    assert "<img" not in html and "Riverside Family Clinic" in html


# rule N1
def test_practice_branding_reads_back_as_set_with_who_and_when_N1(stub):
    set_branding(stub)
    request = notify_pb2.GetPracticeBrandingRequest(practice_id=PRACTICE)
    branding = stub.GetPracticeBranding(request, timeout=5).branding
    assert (branding.display_name, branding.contact_phone, branding.logo_url) == (
        "Riverside Pediatrics",
        "(415) 555-0123",
        LOGO,
    )
    assert branding.updated_by == "staff:s1" and branding.updated_at.seconds > 0


# rule N1
def test_practice_without_branding_reads_back_empty_N1(stub):
    request = notify_pb2.GetPracticeBrandingRequest(practice_id="never-branded")
    assert stub.GetPracticeBranding(request, timeout=5).branding == notify_pb2.PracticeBranding()


# rule X4
def test_plain_http_logo_is_invalid_argument_naming_it_and_changes_nothing_X4(stub):
    set_branding(stub)
    with pytest.raises(grpc.RpcError) as raised:
        set_branding(stub, logo_url="http://cdn.example.org/logo.png")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(raised.value) == ["logo_url"]
    request = notify_pb2.GetPracticeBrandingRequest(practice_id=PRACTICE)
    assert stub.GetPracticeBranding(request, timeout=5).branding.logo_url == LOGO


# rule X2
def test_setting_branding_is_audited_with_the_fields_that_changed_X2(stub, notify):
    set_branding(stub)
    set_branding(stub, logo_url="")
    with notify.database.transaction() as session:
        rows = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "practice.branding.set")
            .order_by(AuditRecord.sequence)
        ).all()
        seen = [(r.actor, r.practice_id, r.details["changed"]) for r in rows]
    assert seen == [
        ("staff:s1", PRACTICE, "display_name,contact_phone,logo_url"),
        ("staff:s1", PRACTICE, "logo_url"),
    ]


# rule X1 I7 I8
def test_log_lines_hold_no_reset_link_or_username_X1_I7_I8(stub, caplog):
    caplog.set_level(logging.DEBUG)
    for template in (Template.PASSWORD_RESET_LINK, Template.USERNAME_REMINDER):
        proto = TEMPLATES[template]
        notification = send(
            stub, key=f"log-{template}", template=proto, parameters=parameters(template)
        )
        sent(stub, notification.notification_id)

    output = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "notification sent" in output
    for secret in ("r3set-t0ken", "JaneDoe84", EMAIL):
        assert secret not in output
