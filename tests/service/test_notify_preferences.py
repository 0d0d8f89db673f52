"""Communication preferences over real gRPC on SQLite and PostgreSQL (M5, N4, X1)."""

from __future__ import annotations

import grpc
import pytest
from sqlalchemy import select
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.notify.models import CommunicationPreference
from tests.service.test_notify_service import field_violations


@pytest.fixture
def notify(start_notify):
    return start_notify()


@pytest.fixture
def stub(notify):
    with grpc.insecure_channel(notify.address) as channel:
        yield notify_pb2_grpc.NotifyServiceStub(channel)


def _set(stub, practice_id="practice-1", method=notify_pb2.PREFERRED_METHOD_SMS, email=""):
    request = notify_pb2.SetCommunicationPreferenceRequest(
        account_id="account-1", practice_id=practice_id, method=method, email=email
    )
    return stub.SetCommunicationPreference(request, timeout=5).preference


def _get(stub, *practice_ids: str) -> list[notify_pb2.CommunicationPreference]:
    request = notify_pb2.GetCommunicationPreferencesRequest(
        account_id="account-1", practice_ids=list(practice_ids)
    )
    return list(stub.GetCommunicationPreferences(request, timeout=5).preferences)


# rule M5
def test_each_practice_has_its_own_preference_email_by_default_M5(stub):
    _set(stub, "practice-1", notify_pb2.PREFERRED_METHOD_SMS)
    first, second = _get(stub, "practice-1", "practice-2")
    assert (first.practice_id, first.method) == ("practice-1", notify_pb2.PREFERRED_METHOD_SMS)
    assert (second.practice_id, second.method) == ("practice-2", notify_pb2.PREFERRED_METHOD_EMAIL)
    assert not second.HasField("updated_at")


# rule N4, X1
def test_another_email_is_kept_sealed_N4_X1(notify, stub):
    saved = _set(stub, method=notify_pb2.PREFERRED_METHOD_BOTH, email="Jane.Work@Example.com")
    assert saved.email == "Jane.Work@example.com"
    with notify.database.transaction() as session:
        row = session.scalars(select(CommunicationPreference)).one()
    assert b"Jane.Work" not in row.email
    assert _get(stub, "practice-1")[0].email == "Jane.Work@example.com"


# rule M5
def test_a_preference_needs_a_method_and_a_valid_email_M5(stub):
    with pytest.raises(grpc.RpcError) as raised:
        _set(stub, method=notify_pb2.PREFERRED_METHOD_UNSPECIFIED, email="not an email")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(field_violations(raised.value)) == ["email", "method"]
