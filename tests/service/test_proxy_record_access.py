"""A record the practice unenrolled suspends every proxy's access to it, over real gRPC on
SQLite and PostgreSQL (E13): checks refuse, the record is listed apart, identity reviews each
proxy's sessions, and re-activation gives the same rights back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.identity.v1 import identity_pb2
from vestibule.proxy.v1 import proxy_pb2

from tests.service.proxy_support import Link, add_relationship
from tests.service.test_identity_support import error_info

BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def set_access(stub, patient_id: str, *, suspended: bool, as_of: datetime) -> None:
    stamp = Timestamp()
    stamp.FromDatetime(as_of)
    stub.SetRecordAccess(
        proxy_pb2.SetRecordAccessRequest(
            practice_id="practice-1", patient_id=patient_id, suspended=suspended, as_of=stamp
        ),
        timeout=10,
    )


def check(stub) -> proxy_pb2.CheckAccessResponse:
    return stub.CheckAccess(
        proxy_pb2.CheckAccessRequest(account_id="rep", patient_id="ann", right="messages:view"),
        timeout=10,
    )


def refusal(stub) -> str:
    with pytest.raises(grpc.RpcError) as raised:
        check(stub)
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED
    return error_info(raised.value).reason


@pytest.fixture
def representative(proxy) -> str:
    return add_relationship(
        proxy, Link("ann", "rep", kind="representative", rights=["messages:act"])
    )


# rule E13
def test_a_suspended_record_refuses_its_proxies_E13(proxy_stub, representative):
    set_access(proxy_stub, "ann", suspended=True, as_of=BEFORE)
    assert refusal(proxy_stub) == "PROXY_ACCESS_SUSPENDED"


# rule E13, P5
def test_a_suspended_record_is_listed_apart_with_no_rights_E13_P5(proxy_stub, representative):
    set_access(proxy_stub, "ann", suspended=True, as_of=BEFORE)
    listed = proxy_stub.ListAccessibleRecords(
        proxy_pb2.ListAccessibleRecordsRequest(account_id="rep"), timeout=10
    )
    assert list(listed.relationships) == []
    [paused] = listed.suspended
    assert (paused.relationship_id, paused.status) == (
        representative,
        proxy_pb2.RELATIONSHIP_STATUS_SUSPENDED,
    )
    assert list(paused.effective_rights) == []


# rule E13, P4
def test_a_restored_record_gives_its_proxies_the_same_rights_E13_P4(proxy_stub, representative):
    set_access(proxy_stub, "ann", suspended=True, as_of=BEFORE)
    set_access(proxy_stub, "ann", suspended=False, as_of=BEFORE + timedelta(minutes=1))
    granted = check(proxy_stub)
    assert (granted.relationship_id, list(granted.effective_rights)) == (
        representative,
        ["messages:act"],
    )


# rule E13
def test_an_older_word_never_undoes_a_newer_one_E13(proxy_stub, representative):
    set_access(proxy_stub, "ann", suspended=True, as_of=BEFORE + timedelta(minutes=1))
    set_access(proxy_stub, "ann", suspended=False, as_of=BEFORE)
    assert refusal(proxy_stub) == "PROXY_ACCESS_SUSPENDED"


# rule E13
def test_suspension_asks_identity_to_review_each_acting_account_before_answering_E13(
    proxy, proxy_stub, proxy_identity, representative
):
    add_relationship(proxy, Link("ann", "dad", kind="representative", rights=["forms:view"]))
    add_relationship(proxy, Link("ann", "gone", kind="representative", status="revoked"))
    set_access(proxy_stub, "ann", suspended=True, as_of=BEFORE)
    reviewed = {
        r.account_id
        for r in proxy_identity.requests
        if isinstance(r, identity_pb2.ReviewRecordAccessRequest)
    }
    assert reviewed == {"rep", "dad"}


# rule E13
def test_restoring_asks_identity_for_nothing_E13(proxy_stub, proxy_identity, representative):
    set_access(proxy_stub, "ann", suspended=False, as_of=BEFORE)
    assert not [
        r for r in proxy_identity.requests if isinstance(r, identity_pb2.ReviewRecordAccessRequest)
    ]


# rule E13
def test_a_record_access_change_needs_when_it_was_made_E13(proxy_stub):
    with pytest.raises(grpc.RpcError) as raised:
        proxy_stub.SetRecordAccess(
            proxy_pb2.SetRecordAccessRequest(practice_id="practice-1", patient_id="ann"),
            timeout=10,
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
