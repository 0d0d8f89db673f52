"""S3: staff of one practice never see or change another practice's data. Practice B's
administrator, holding every permission, calls every practice route of the OpenAPI document
with generated valid input aimed at practice A's records."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from deploy.local import demo
from services.common.clients import channel_to
from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import JANE, staff_session
from tests.e2e.test_self_registration import INFORMATION, self_register

pytestmark = pytest.mark.e2e

PROBE_NAME = "Tenancyprobe"
# The last name of a self-registration no record of practice A matches: its match request.
MATCH_PROBE_NAME = "Matchprobe"
# Signing in and out concerns the caller alone, not any practice's records.
OWN_SESSION_ROUTES = ("/v1/practice/sessions",)
# What a route aimed at another practice's record may answer: not found, or input refused.
ALLOWED_ANSWERS = {400, 404, 422, 429}


def second_practice_admin(stack: Stack) -> dict[str, str]:
    """A practice B and its administrator, with every permission, signed in."""
    enrollment = enrollment_pb2_grpc.EnrollmentServiceStub(channel_to(stack.shared, "enrollment"))
    identity = identity_pb2_grpc.IdentityServiceStub(channel_to(stack.shared, "identity"))
    practice = enrollment.CreatePractice(
        enrollment_pb2.CreatePracticeRequest(
            idempotency_key=uuid.uuid4().hex, name="Hillside Pediatrics", time_zone="UTC"
        )
    ).practice
    identity.CreateStaffMember(
        identity_pb2.CreateStaffMemberRequest(
            idempotency_key=uuid.uuid4().hex,
            practice_id=practice.practice_id,
            user_id="admin.hillside",
            password="hillside-admin-pass-2026",
            first_name="Bo",
            last_name="Hill",
            permissions=demo.ADMIN_PERMISSIONS,
            skip_password_change=True,
        )
    )
    identity.SetStaffSecurityPolicy(
        identity_pb2.SetStaffSecurityPolicyRequest(
            practice_id=practice.practice_id, second_factor_required=False
        )
    )
    answer = stack.api.post(
        "/practice/sessions",
        json={"user_id": "admin.hillside", "password": "hillside-admin-pass-2026"},
    )
    assert answer.status_code == 201, answer.text
    return {"authorization": f"Bearer {answer.json()['session_token']}"}


def snapshot(stack: Stack, staff: dict[str, str], patient_id: str) -> tuple[object, ...]:
    """Everything of practice A that a route of practice B could touch."""
    return tuple(
        stack.api.get(path, headers=staff).json()
        for path in (
            f"/practice/patients/{patient_id}",
            "/practice/staff",
            "/practice/security-policy",
            "/practice/match-requests",
            f"/practice/patients/{patient_id}/proxies",
        )
    )


def stays_out(
    operation: schemathesis.APIOperation,
    staff_b: dict[str, str],
    targets: dict[str, str],
    secrets_of_a: list[str],
):
    """Calls the operation as B with generated input, aimed at A's records where it takes IDs."""
    aimed_at_a = bool(operation.path_parameters)

    @given(case=operation.as_strategy())
    @settings(
        max_examples=5,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        if case.path_parameters:
            case.path_parameters = {name: targets[name] for name in case.path_parameters}
        response = case.call(headers=staff_b)
        if aimed_at_a:
            assert response.status_code in ALLOWED_ANSWERS, (case.path, response.text)
        leaked = [value for value in secrets_of_a if value in response.text]
        assert leaked == [], (case.method, case.path, leaked)

    return call


# rule S3
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_practice_route_leaks_or_changes_another_practices_data_S3(stack: Stack):
    staff_a = staff_session(stack)
    patient = stack.api.post(
        "/practice/patients",
        headers=staff_a,
        json={**JANE, "first_name": PROBE_NAME, "email": "probe@example.com"},
    ).json()
    members = stack.api.get("/practice/staff", headers=staff_a).json()["staff"]
    staff_ids = [member["staff_id"] for member in members]
    self_register(stack, {**INFORMATION, "last_name": MATCH_PROBE_NAME})
    [request] = stack.api.get("/practice/match-requests", headers=staff_a).json()["match_requests"]
    representative = stack.api.post(
        f"/practice/patients/{patient['patient_id']}/representatives",
        headers=staff_a,
        json={"first_name": "Rep", "last_name": "Probe", "email": "rep.probe@example.com"},
    ).json()
    secrets_of_a = [
        patient["patient_id"],
        PROBE_NAME,
        "probe@example.com",
        *staff_ids,
        request["match_request_id"],
        MATCH_PROBE_NAME,
        representative["relationship_id"],
        "rep.probe@example.com",
    ]
    targets = {
        "patient_id": patient["patient_id"],
        "staff_id": staff_ids[0],
        "match_request_id": request["match_request_id"],
        "relationship_id": representative["relationship_id"],
    }
    before = snapshot(stack, staff_a, patient["patient_id"])
    staff_b = second_practice_admin(stack)

    schema = schemathesis.openapi.from_asgi("/openapi.json", stack.app)
    walked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/v1/practice") or operation.path.startswith(
            OWN_SESSION_ROUTES
        ):
            continue
        walked.append(f"{operation.method.upper()} {operation.path}")
        stays_out(operation, staff_b, targets, secrets_of_a)()

    assert len(walked) >= 10
    assert snapshot(stack, staff_a, patient["patient_id"]) == before
