"""Identity service over real gRPC: practice staff, their sign-in and permissions (S1, S2)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2

from tests.service.test_identity_staff_support import relax
from tests.service.test_identity_support import (
    PASSWORD,
    UNREACHABLE_NOTIFY,
    error_info,
    field_violations,
    start_identity,
)


@pytest.fixture
def identity(start_service, shared_settings):
    return start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)


def _staff(user_id: str = "FrontDesk1", **fields) -> identity_pb2.CreateStaffMemberRequest:
    values = {
        "idempotency_key": uuid.uuid4().hex,
        "practice_id": "practice-1",
        "user_id": user_id,
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Front",
        "permissions": ["view_patients", "enroll_patients"],
        **fields,
    }
    return identity_pb2.CreateStaffMemberRequest(**values)


def _refused(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(request, timeout=10)
    return raised.value


# rule S2
def test_staff_sign_in_opens_a_staff_session_with_practice_and_permissions_S2(stub):
    relax(stub)
    created = stub.CreateStaffMember(_staff(skip_password_change=True), timeout=10).staff_member
    signed_in = stub.StaffSignIn(
        identity_pb2.StaffSignInRequest(user_id="frontdesk1", password=PASSWORD), timeout=10
    )
    assert signed_in.staff_member.staff_id == created.staff_id
    resolved = stub.ResolveSession(
        identity_pb2.ResolveSessionRequest(session_token=signed_in.session_token), timeout=5
    )
    assert resolved.kind == identity_pb2.PRINCIPAL_KIND_STAFF
    assert (resolved.principal_id, resolved.practice_id) == (created.staff_id, "practice-1")
    assert sorted(resolved.permissions) == ["enroll_patients", "view_patients"]
    lifetime = signed_in.expires_at.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(hours=7, minutes=59) < lifetime <= timedelta(hours=8)


# rule I2, S1
def test_staff_password_must_meet_the_policy_I2_S1(stub):
    error = _refused(stub.CreateStaffMember, _staff(password="frontdesk1"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    unmet = error_info(error).metadata["unmet_requirements"].split(",")
    assert unmet == ["min_length", "not_username"]


# rule S1
def test_unknown_permission_is_refused_S1(stub):
    error = _refused(stub.CreateStaffMember, _staff(permissions=["view_patients", "root"]))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "permissions" in field_violations(error)


# rule I1, S1
def test_staff_user_id_case_variants_collide_I1_S1(stub):
    stub.CreateStaffMember(_staff("FrontDesk1"), timeout=10)
    error = _refused(stub.CreateStaffMember, _staff("FRONTDESK1"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "user_id" in field_violations(error)


# rule S1
def test_create_staff_member_retry_returns_the_same_member_S1(stub):
    request = _staff()
    first = stub.CreateStaffMember(request, timeout=10)
    again = stub.CreateStaffMember(request, timeout=10)
    assert again.staff_member == first.staff_member
    assert (first.created, again.created) == (True, False)


# rule X3
def test_staff_wrong_password_is_generic_X3(stub):
    stub.CreateStaffMember(_staff(), timeout=10)
    error = _refused(
        stub.StaffSignIn, identity_pb2.StaffSignInRequest(user_id="FrontDesk1", password="nope")
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
