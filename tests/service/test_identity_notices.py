"""Identity service over real gRPC: account notices go to the verified account email (I6, N3)."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from vestibule.audit.v1 import audit_pb2, audit_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.notify.v1 import notify_pb2

from tests.service.test_identity_support import NotifySink, registration, start_identity


@pytest.fixture
def channel(notify, start_service, shared_settings):
    identity = start_identity(start_service, shared_settings, notify.address)
    with grpc.insecure_channel(identity.address) as channel:
        yield channel


@pytest.fixture
def stub(channel):
    return identity_pb2_grpc.IdentityServiceStub(channel)


def _verified_account(stub, notify: NotifySink, email: str = "jane.doe@example.com") -> str:
    account_id = stub.RegisterAccount(registration(email=email), timeout=10).account_id
    code = notify.code_for(email)
    stub.VerifyAccount(identity_pb2.VerifyAccountRequest(account_id=account_id, code=code))
    return account_id


def _notice(account_id: str, key: str = "") -> identity_pb2.SendAccountNoticeRequest:
    return identity_pb2.SendAccountNoticeRequest(
        idempotency_key=key or uuid.uuid4().hex,
        account_id=account_id,
        kind=identity_pb2.ACCOUNT_NOTICE_KIND_UNENROLLED,
        practice_id="practice-1",
        practice_name="Lakeside Family Medicine",
    )


# rule I6, N3, E13
def test_unenrolled_notice_goes_to_the_verified_account_email_I6_N3_E13(stub, notify):
    account_id = _verified_account(stub, notify)
    assert stub.SendAccountNotice(_notice(account_id), timeout=10).queued
    _, notice = notify.wait_for(2)
    assert notice.template == notify_pb2.TEMPLATE_ACCOUNT_NOTICE
    assert (notice.channel, notice.recipient) == (notify_pb2.CHANNEL_EMAIL, "jane.doe@example.com")
    assert dict(notice.parameters) == {
        "notice": "unenrolled",
        "practice_name": "Lakeside Family Medicine",
    }
    assert notice.practice_id == "practice-1"


# rule I6
def test_account_without_verified_email_gets_no_notice_I6(stub, notify):
    account_id = stub.RegisterAccount(registration(), timeout=10).account_id
    notify.wait_for(1)  # the verification code; the email is not verified yet
    assert not stub.SendAccountNotice(_notice(account_id), timeout=10).queued
    time.sleep(0.3)  # the relay runs every 50 ms: nothing more arrives
    assert len(notify.requests) == 1


# rule I6, N5
def test_a_retried_notice_carries_the_same_idempotency_key_to_notify_I6_N5(stub, notify):
    account_id = _verified_account(stub, notify)
    stub.SendAccountNotice(_notice(account_id, "unenroll-42"), timeout=10)
    stub.SendAccountNotice(_notice(account_id, "unenroll-42"), timeout=10)
    _, first, second = notify.wait_for(3)
    assert first.idempotency_key == second.idempotency_key
    assert "unenroll-42" not in first.idempotency_key


def test_notice_for_an_unknown_account_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as raised:
        stub.SendAccountNotice(_notice("no-such-account"), timeout=10)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_notice_without_a_kind_is_invalid(stub, notify):
    request = _notice(_verified_account(stub, notify))
    request.kind = identity_pb2.ACCOUNT_NOTICE_KIND_UNSPECIFIED
    with pytest.raises(grpc.RpcError) as raised:
        stub.SendAccountNotice(request, timeout=10)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule X2, I6
def test_a_notice_is_audited_without_the_email_address_X2_I6(stub, notify, channel):
    account_id = _verified_account(stub, notify)
    stub.SendAccountNotice(_notice(account_id), timeout=10)
    records = (
        audit_pb2_grpc.AuditServiceStub(channel)
        .ListAuditRecords(audit_pb2.ListAuditRecordsRequest(practice_id="practice-1"), timeout=5)
        .records
    )
    (record,) = [r for r in records if r.action == "account.notice.send"]
    assert record.target == f"account:{account_id}"
    assert dict(record.details) == {"notice": "unenrolled", "queued": "true"}
    assert "example.com" not in str(record)
