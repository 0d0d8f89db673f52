"""Identity over real gRPC: practice personnel, tenancy and the security policy (S1, S2, S3)."""

from __future__ import annotations

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.context import ACTOR_KEY
from tests.service.test_identity_staff_support import (
    NEW_PASSWORD,
    ready_staff,
    refused,
    session_of,
    sign_in,
    staff_request,
)
from tests.service.test_identity_support import PASSWORD, UNREACHABLE_NOTIFY, start_identity


@pytest.fixture
def stub(start_service, shared_settings):
    identity = start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)
    with grpc.insecure_channel(identity.address) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)


def _resolve(stub, token: str) -> identity_pb2.ResolveSessionResponse:
    return stub.ResolveSession(identity_pb2.ResolveSessionRequest(session_token=token), timeout=5)


# rule S1
def test_new_staff_get_the_permissions_copied_from_a_colleague_S1(stub):
    mentor = ready_staff(stub, "Mentor01", permissions=["view_reports", "view_patients"])
    request = staff_request(permissions=["enroll_patients"])
    request.copy_permissions_from_staff_id = mentor.staff_id
    created = stub.CreateStaffMember(request, timeout=10).staff_member
    assert list(created.permissions) == ["enroll_patients", "view_patients", "view_reports"]
    assert created.password_change_required


# rule S1, S3
def test_permissions_cannot_be_copied_from_another_practice_S1_S3(stub):
    elsewhere = ready_staff(stub, "Elsewhere1", practice_id="practice-2")
    request = staff_request(copy_permissions_from_staff_id=elsewhere.staff_id)
    assert refused(stub.CreateStaffMember, request).code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("rpc", "message", "extra"),
    [
        ("GetStaffMember", identity_pb2.GetStaffMemberRequest, {}),
        ("UpdateStaffPermissions", identity_pb2.UpdateStaffPermissionsRequest, {}),
        ("DeactivateStaffMember", identity_pb2.DeactivateStaffMemberRequest, {}),
        (
            "ChangeStaffPassword",
            identity_pb2.ChangeStaffPasswordRequest,
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        ),
    ],
)
# rule S3
def test_another_practice_staff_member_is_not_found_S3(stub, rpc, message, extra):
    other = ready_staff(stub, "Elsewhere1", practice_id="practice-2")
    request = message(practice_id="practice-1", staff_id=other.staff_id, **extra)
    assert refused(getattr(stub, rpc), request).code() == grpc.StatusCode.NOT_FOUND
    assert stub.GetStaffMember(
        identity_pb2.GetStaffMemberRequest(practice_id="practice-2", staff_id=other.staff_id)
    ).staff_member.active


# rule S3
def test_the_staff_list_holds_only_the_practice_own_staff_S3(stub):
    ours = ready_staff(stub, "OurDesk01")
    ready_staff(stub, "Elsewhere1", practice_id="practice-2")
    listed = stub.ListStaffMembers(identity_pb2.ListStaffMembersRequest(practice_id="practice-1"))
    assert [m.staff_id for m in listed.staff_members] == [ours.staff_id]


# rule S1
def test_changed_permissions_apply_to_open_sessions_at_once_S1(stub):
    member = ready_staff(stub)
    token = session_of(stub)
    stub.UpdateStaffPermissions(
        identity_pb2.UpdateStaffPermissionsRequest(
            practice_id="practice-1", staff_id=member.staff_id, permissions=["view_reports"]
        ),
        timeout=5,
    )
    assert list(_resolve(stub, token).permissions) == ["view_reports"]


# rule S1
def test_deactivation_ends_every_session_and_sign_in_S1(stub):
    member = ready_staff(stub)
    tokens = [session_of(stub), session_of(stub)]
    deactivated = stub.DeactivateStaffMember(
        identity_pb2.DeactivateStaffMemberRequest(
            practice_id="practice-1", staff_id=member.staff_id
        ),
        timeout=5,
    ).staff_member
    assert not deactivated.active and deactivated.HasField("deactivated_at")
    for token in tokens:
        error = refused(
            stub.ResolveSession, identity_pb2.ResolveSessionRequest(session_token=token)
        )
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    error = refused(
        stub.StaffSignIn, identity_pb2.StaffSignInRequest(user_id="FrontDesk1", password=PASSWORD)
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


# rule S1
def test_a_staff_member_cannot_deactivate_themselves_S1(stub):
    member = ready_staff(stub)
    with pytest.raises(grpc.RpcError) as raised:
        stub.DeactivateStaffMember(
            identity_pb2.DeactivateStaffMemberRequest(
                practice_id="practice-1", staff_id=member.staff_id
            ),
            metadata=[(ACTOR_KEY, f"staff:{member.staff_id}")],
            timeout=5,
        )
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


# rule S1, I2, I11
def test_changing_the_own_password_needs_the_current_one_S1_I2_I11(stub):
    member = ready_staff(stub)
    change = identity_pb2.ChangeStaffPasswordRequest(
        practice_id="practice-1",
        staff_id=member.staff_id,
        current_password="Not-The-Password-1",
        new_password=NEW_PASSWORD,
    )
    assert refused(stub.ChangeStaffPassword, change).code() == grpc.StatusCode.INVALID_ARGUMENT
    change.current_password, change.new_password = PASSWORD, "password1"
    assert refused(stub.ChangeStaffPassword, change).code() == grpc.StatusCode.INVALID_ARGUMENT
    change.new_password = NEW_PASSWORD
    stub.ChangeStaffPassword(change, timeout=10)
    assert sign_in(stub, password=NEW_PASSWORD).session_token


# rule S2
def test_a_practice_requires_a_second_factor_until_it_relaxes_it_explicitly_S2(stub):
    get = identity_pb2.GetStaffSecurityPolicyRequest(practice_id="practice-9")
    default = stub.GetStaffSecurityPolicy(get, timeout=5).policy
    assert default.second_factor_required and not default.updated_by
    stub.SetStaffSecurityPolicy(
        identity_pb2.SetStaffSecurityPolicyRequest(
            practice_id="practice-9", second_factor_required=False
        ),
        metadata=[(ACTOR_KEY, "staff:admin-1")],
        timeout=5,
    )
    relaxed = stub.GetStaffSecurityPolicy(get, timeout=5).policy
    assert not relaxed.second_factor_required
    assert relaxed.updated_by == "staff:admin-1" and relaxed.HasField("updated_at")


FRONT_DESK_PRESET = [
    "edit_demographics",
    "enroll_patients",
    "issue_reset_tokens",
    "manage_proxies",
    "view_patients",
]


# rule S1
def test_a_role_preset_permissions_are_granted_on_creation_S1(stub):
    request = staff_request(permissions=[], role=identity_pb2.STAFF_ROLE_FRONT_DESK)
    created = stub.CreateStaffMember(request, timeout=10).staff_member
    assert created.role == identity_pb2.STAFF_ROLE_FRONT_DESK
    assert list(created.permissions) == FRONT_DESK_PRESET


# rule S1
def test_a_role_and_explicit_permissions_combine_S1(stub):
    request = staff_request(permissions=["view_audit"], role=identity_pb2.STAFF_ROLE_CLINICIAN)
    created = stub.CreateStaffMember(request, timeout=10).staff_member
    assert list(created.permissions) == [
        "manage_proxies",
        "view_audit",
        "view_patients",
        "view_reports",
    ]


# rule S1
def test_a_staff_member_without_a_role_is_other_with_only_the_permissions_given_S1(stub):
    created = stub.CreateStaffMember(staff_request(), timeout=10).staff_member
    assert created.role == identity_pb2.STAFF_ROLE_OTHER
    assert list(created.permissions) == ["enroll_patients", "view_patients"]


# rule S1
def test_an_unknown_role_is_refused_S1(stub):
    request = staff_request(role=99)
    assert refused(stub.CreateStaffMember, request).code() == grpc.StatusCode.INVALID_ARGUMENT


# rule S1
def test_the_role_is_shown_in_the_staff_list_and_by_get_S1(stub):
    member = ready_staff(stub, role=identity_pb2.STAFF_ROLE_BILLING)
    listed = stub.ListStaffMembers(identity_pb2.ListStaffMembersRequest(practice_id="practice-1"))
    assert [m.role for m in listed.staff_members] == [identity_pb2.STAFF_ROLE_BILLING]
    got = stub.GetStaffMember(
        identity_pb2.GetStaffMemberRequest(practice_id="practice-1", staff_id=member.staff_id)
    ).staff_member
    assert got.role == identity_pb2.STAFF_ROLE_BILLING


# rule S1
def test_a_role_change_keeps_the_permissions_as_sent_S1(stub):
    member = ready_staff(stub, permissions=[], role=identity_pb2.STAFF_ROLE_FRONT_DESK)
    update = identity_pb2.UpdateStaffPermissionsRequest(
        practice_id="practice-1",
        staff_id=member.staff_id,
        permissions=["view_reports"],
        role=identity_pb2.STAFF_ROLE_ADMINISTRATOR,
    )
    changed = stub.UpdateStaffPermissions(update, timeout=5).staff_member
    assert changed.role == identity_pb2.STAFF_ROLE_ADMINISTRATOR
    assert list(changed.permissions) == ["view_reports"]


# rule S1
def test_an_update_without_a_role_keeps_the_current_one_S1(stub):
    member = ready_staff(stub, role=identity_pb2.STAFF_ROLE_CLINICIAN)
    update = identity_pb2.UpdateStaffPermissionsRequest(
        practice_id="practice-1", staff_id=member.staff_id, permissions=["view_patients"]
    )
    changed = stub.UpdateStaffPermissions(update, timeout=5).staff_member
    assert changed.role == identity_pb2.STAFF_ROLE_CLINICIAN
    assert list(changed.permissions) == ["view_patients"]
