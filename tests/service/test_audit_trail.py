"""The audit trail every service keeps (X2), exercised through the notify service: a record per
action with who, what, when, from where; a keyed hash chain that exposes tampering."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from sqlalchemy import delete, update
from vestibule.audit.v1 import audit_pb2, audit_pb2_grpc
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.notify.models import AuditRecord
from services.notify.server import create_server
from tests.conftest import TEST_SECRET_KEY


@pytest.fixture
def notify(start_service, shared_settings, tmp_path):
    from services.notify.settings import NotifySettings

    # No mail server listens on port 9: deliveries wait, so only acceptances are recorded.
    settings = NotifySettings(smtp_port=9, sms_folder=tmp_path / "sms")
    return start_service("notify", lambda s, sh: create_server(s, sh, settings), shared_settings)


@pytest.fixture
def channel(notify):
    with grpc.insecure_channel(notify.address) as channel:
        yield channel


def accept(channel, *, actor="staff:s1", practice_id="p1", client="203.0.113.7", request_id=None):
    notify_pb2_grpc.NotifyServiceStub(channel).SendNotification(
        notify_pb2.SendNotificationRequest(
            idempotency_key=uuid.uuid4().hex,
            channel=notify_pb2.CHANNEL_EMAIL,
            recipient="jane.doe@example.com",
            template=notify_pb2.TEMPLATE_VERIFICATION_CODE,
            parameters={"code": "123456", "minutes_valid": "10"},
            practice_id=practice_id,
        ),
        metadata=[
            ("x-vestibule-actor", actor),
            ("x-vestibule-client-address", client),
            ("x-request-id", request_id or uuid.uuid4().hex),
        ],
        timeout=5,
    )


def records(channel, **filters):
    return audit_pb2_grpc.AuditServiceStub(channel).ListAuditRecords(
        audit_pb2.ListAuditRecordsRequest(**filters), timeout=5
    )


def verify(channel):
    return audit_pb2_grpc.AuditServiceStub(channel).VerifyAuditChain(
        audit_pb2.VerifyAuditChainRequest(), timeout=5
    )


# rule X2
def test_an_action_records_who_what_which_when_where_and_outcome_X2(channel):
    accept(channel, actor="staff:s1", practice_id="p1", client="203.0.113.7", request_id="req-1")
    [record] = records(channel).records
    assert (record.actor, record.action, record.practice_id, record.outcome) == (
        "staff:s1",
        "notification.accept",
        "p1",
        "success",
    )
    assert (record.client_address, record.request_id, record.service) == (
        "203.0.113.7",
        "req-1",
        "notify",
    )
    assert record.target.startswith("notification:") and record.occurred_at.seconds > 0


# rule X1, X2
def test_a_record_holds_no_secret_or_phi_X1_X2(channel):
    accept(channel)
    [record] = records(channel).records
    assert "123456" not in str(record) and "jane.doe" not in str(record)


# rule X2
def test_records_filter_by_actor_and_practice_and_page_newest_first_X2(channel):
    for actor in ("staff:a", "staff:b", "staff:a"):
        accept(channel, actor=actor)
    accept(channel, actor="staff:a", practice_id="other")
    first = records(channel, actor="staff:a", practice_id="p1", page_size=1)
    second = records(
        channel, actor="staff:a", practice_id="p1", page_size=1, page_token=first.next_page_token
    )
    assert [r.sequence for r in (*first.records, *second.records)] == [3, 1]
    assert second.next_page_token == ""


# rule X2
def test_an_untouched_chain_verifies_intact_X2(channel):
    for _ in range(3):
        accept(channel)
    answer = verify(channel)
    assert (answer.intact, answer.records) == (True, 3)


# rule X2
def test_a_record_altered_in_the_database_breaks_the_chain_X2(channel, notify):
    for _ in range(3):
        accept(channel)
    with notify.database.transaction() as session:
        session.execute(
            update(AuditRecord).where(AuditRecord.sequence == 2).values(actor="staff:x")
        )
    answer = verify(channel)
    assert (answer.intact, answer.first_broken_sequence) == (False, 2)


# rule X2
def test_a_record_removed_from_the_middle_breaks_the_chain_X2(channel, notify):
    for _ in range(3):
        accept(channel)
    with notify.database.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.sequence == 2))
    answer = verify(channel)
    assert (answer.intact, answer.first_broken_sequence) == (False, 2)


# rule X2
def test_the_last_record_removed_breaks_the_chain_X2(channel, notify):
    for _ in range(3):
        accept(channel)
    with notify.database.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.sequence == 3))
    assert not verify(channel).intact


# rule X2
def test_concurrent_actions_never_fork_the_chain_X2(channel):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: accept(channel), range(16)))
    answer = verify(channel)
    assert (answer.intact, answer.records) == (True, 16)


# rule X2
def test_verifying_while_others_write_reports_no_false_break_X2(channel):
    with ThreadPoolExecutor(8) as pool:
        writes = [pool.submit(accept, channel) for _ in range(24)]
        verdicts = [pool.submit(verify, channel) for _ in range(24)]
        [write.result() for write in writes]
    assert all(verdict.result().intact for verdict in verdicts)


# rule X2
def test_the_trail_offers_no_way_to_change_or_delete_a_record_X2():
    methods = set(audit_pb2.DESCRIPTOR.services_by_name["AuditService"].methods_by_name)
    assert methods == {"ListAuditRecords", "VerifyAuditChain"}


# rule X2
def test_the_verify_command_fails_after_tampering_X2(channel, notify):
    accept(channel)
    environment = {
        **os.environ,
        "VESTIBULE_SECRET_KEY": TEST_SECRET_KEY,
        "VESTIBULE_NOTIFY_DATABASE_URL": notify.settings.database_url,
    }
    command = [sys.executable, "-m", "services.common.audit_api", "verify", "notify"]
    intact = subprocess.run(  # noqa: S603 - our own module
        command, env=environment, capture_output=True, text=True, check=False
    )
    with notify.database.transaction() as session:
        session.execute(update(AuditRecord).values(outcome="denied"))
    broken = subprocess.run(  # noqa: S603 - our own module
        command, env=environment, capture_output=True, text=True, check=False
    )
    assert (intact.returncode, broken.returncode) == (0, 1)
    assert "BROKEN at 1" in broken.stdout
