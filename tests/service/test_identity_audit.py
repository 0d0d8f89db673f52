"""Identity over real gRPC: every staff action leaves an audit record in its own transaction,
failures included, with no secret in it (X2, S1, S2)."""

from __future__ import annotations

import grpc
import pytest
from vestibule.audit.v1 import audit_pb2, audit_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.context import ACTOR_KEY
from tests.service.test_identity_staff_support import (
    NEW_PASSWORD,
    ready_staff,
    refused,
    relax,
    sign_in,
    staff_request,
)
from tests.service.test_identity_support import (
    PASSWORD,
    UNREACHABLE_NOTIFY,
    registration,
    start_identity,
)

ADMIN = [(ACTOR_KEY, "staff:admin-1")]


@pytest.fixture
def channel(start_service, shared_settings):
    identity = start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)
    with grpc.insecure_channel(identity.address) as channel:
        yield channel


@pytest.fixture
def stub(channel):
    return identity_pb2_grpc.IdentityServiceStub(channel)


def _trail(channel) -> list[audit_pb2.AuditRecord]:
    answer = audit_pb2_grpc.AuditServiceStub(channel).ListAuditRecords(
        audit_pb2.ListAuditRecordsRequest(practice_id="practice-1", page_size=100), timeout=5
    )
    return sorted(answer.records, key=lambda record: record.sequence)


def _actions(channel) -> list[tuple[str, str]]:
    return [(record.action, record.outcome) for record in _trail(channel)]


# rule X2, S1
def test_personnel_actions_are_recorded_with_the_acting_staff_member_X2_S1(stub, channel):
    relax(stub)
    created = stub.CreateStaffMember(staff_request(), metadata=ADMIN, timeout=10).staff_member
    target = dict(practice_id="practice-1", staff_id=created.staff_id)
    stub.UpdateStaffPermissions(
        identity_pb2.UpdateStaffPermissionsRequest(**target, permissions=["view_reports"]),
        metadata=ADMIN,
    )
    stub.DeactivateStaffMember(identity_pb2.DeactivateStaffMemberRequest(**target), metadata=ADMIN)
    records = [r for r in _trail(channel) if r.target == f"staff:{created.staff_id}"]
    assert [r.action for r in records] == [
        "staff.create",
        "staff.permissions.update",
        "staff.deactivate",
    ]
    assert {(r.actor, r.outcome, r.practice_id) for r in records} == {
        ("staff:admin-1", "success", "practice-1")
    }


# rule X2, S1
def test_the_role_is_recorded_when_staff_are_added_and_their_permissions_change_X2_S1(
    stub, channel
):
    relax(stub)
    request = staff_request(permissions=[], role=identity_pb2.STAFF_ROLE_BILLING)
    created = stub.CreateStaffMember(request, metadata=ADMIN, timeout=10).staff_member
    stub.UpdateStaffPermissions(
        identity_pb2.UpdateStaffPermissionsRequest(
            practice_id="practice-1",
            staff_id=created.staff_id,
            permissions=["view_reports"],
            role=identity_pb2.STAFF_ROLE_CLINICIAN,
        ),
        metadata=ADMIN,
    )
    records = [r for r in _trail(channel) if r.target == f"staff:{created.staff_id}"]
    assert [dict(r.details) for r in records] == [
        {"role": "billing", "permissions": "view_patients,view_reports"},
        {"role": "clinician", "permissions": "view_reports"},
    ]


# rule X2, S2
def test_relaxing_the_second_factor_is_recorded_X2_S2(stub, channel):
    relax(stub)
    (record,) = [r for r in _trail(channel) if r.action == "staff.security_policy.update"]
    assert record.target == "practice:practice-1"
    assert dict(record.details) == {"second_factor_required": "false"}


# rule X2, I11
def test_failed_and_successful_sign_ins_are_recorded_without_secrets_X2_I11(stub, channel):
    ready_staff(stub)
    refused(
        stub.StaffSignIn,
        identity_pb2.StaffSignInRequest(user_id="FrontDesk1", password=NEW_PASSWORD),
    )
    sign_in(stub)
    actions = _actions(channel)
    assert ("staff.sign_in.failed", "failed") in actions and ("staff.sign_in", "success") in actions
    for record in _trail(channel):
        assert PASSWORD not in str(record) and NEW_PASSWORD not in str(record)


# rule X2
def test_the_identity_chain_verifies_after_staff_actions_X2(stub, channel):
    ready_staff(stub)
    sign_in(stub)
    verdict = audit_pb2_grpc.AuditServiceStub(channel).VerifyAuditChain(
        audit_pb2.VerifyAuditChainRequest(), timeout=5
    )
    assert verdict.intact and verdict.records >= 3


# rule I7, X2
def test_staff_looking_up_a_username_is_recorded_with_who_asked_I7_X2(stub, channel):
    registered = stub.RegisterAccount(registration("JaneDoe84"), timeout=10)
    answer = stub.LookUpUsername(
        identity_pb2.LookUpUsernameRequest(
            account_id=registered.account_id, practice_id="practice-1"
        ),
        metadata=ADMIN,
        timeout=10,
    )
    assert answer.username == "JaneDoe84"
    [record] = [r for r in _trail(channel) if r.action == "account.username.look_up"]
    assert (record.actor, record.target, record.practice_id) == (
        "staff:admin-1",
        f"account:{registered.account_id}",
        "practice-1",
    )
    assert "JaneDoe84" not in str(record)
