"""S2: every practice route needs the permission its table names, on the real stack. A staff
member holding only that permission gets past the check; one holding every other is refused."""

from __future__ import annotations

import re
import uuid

import pytest
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from deploy.local import demo
from gateway.permissions import PRACTICE_ROUTES
from services.common.clients import channel_to
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

PASSWORD = "permission-probe-pass-2026"


def signed_in_staff(stack: Stack, practice_id: str, permissions: list[str]) -> dict[str, str]:
    identity = identity_pb2_grpc.IdentityServiceStub(channel_to(stack.shared, "identity"))
    user_id = f"probe.{uuid.uuid4().hex[:10]}"
    identity.CreateStaffMember(
        identity_pb2.CreateStaffMemberRequest(
            idempotency_key=uuid.uuid4().hex,
            practice_id=practice_id,
            user_id=user_id,
            password=PASSWORD,
            first_name="Pat",
            last_name="Probe",
            permissions=permissions,
            skip_password_change=True,
        )
    )
    # Opened at identity directly: the gateway's sign-in rate limit is not under test here.
    answer = identity.StaffSignIn(
        identity_pb2.StaffSignInRequest(user_id=user_id, password=PASSWORD, device_label="test")
    )
    return {"authorization": f"Bearer {answer.session_token}"}


# rule S2
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_each_practice_route_is_refused_without_its_permission_and_allowed_with_it_S2(
    stack: Stack,
):
    demo.seed(stack.shared)  # the demo practice signs staff in without a second factor
    practice_id = (
        enrollment_pb2_grpc.EnrollmentServiceStub(channel_to(stack.shared, "enrollment"))
        .CreatePractice(
            enrollment_pb2.CreatePracticeRequest(idempotency_key="demo-practice", name="Lakeside")
        )
        .practice.practice_id
    )
    guarded = {route: needed for route, needed in PRACTICE_ROUTES.items() if needed}
    every = sorted(set(guarded.values()))
    only = {p: signed_in_staff(stack, practice_id, [p]) for p in every}
    all_but = {p: signed_in_staff(stack, practice_id, [q for q in every if q != p]) for p in every}

    outcomes = []
    for (method, route), needed in sorted(guarded.items()):
        url = re.sub(r"\{[^}]+\}", uuid.uuid4().hex, route).removeprefix("/v1")
        refused = stack.api.request(method, url, headers=all_but[needed], json={})
        allowed = stack.api.request(method, url, headers=only[needed], json={})
        outcomes.append((method, route, refused.status_code, allowed.status_code in (401, 403)))
    assert [o for o in outcomes if o[2] != 403 or o[3]] == []
    assert len(outcomes) >= 12
