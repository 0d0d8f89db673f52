"""End to end over HTTPS: practice personnel, staff sign-in steps with a real authenticator
code, permissions and tenancy on the staff routes (S1, S2, S3, I4)."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.clients import channel_to
from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import staff_session

pytestmark = pytest.mark.e2e

INITIAL = "Initial-Desk-Password-1"
CHOSEN = "Chosen-Desk-Password-22"


def _add_staff(stack: Stack, admin: dict[str, str], user_id: str, permissions: list[str]) -> str:
    answer = stack.api.post(
        "/practice/staff",
        headers=admin,
        json={
            "user_id": user_id,
            "password": INITIAL,
            "first_name": "Ada",
            "last_name": "Front",
            "permissions": permissions,
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"].endswith(answer.json()["staff_id"])
    return answer.json()["staff_id"]


def _first_sign_in(stack: Stack, user_id: str) -> dict:
    """Signs a new staff member in, replacing the initial password; the answer after that."""
    first = stack.api.post("/practice/sessions", json={"user_id": user_id, "password": INITIAL})
    assert first.status_code == 202, first.text
    assert first.json()["next_step"] == "change_password"
    answer = stack.api.post(
        "/practice/sessions/continue",
        json={"challenge_token": first.json()["challenge_token"], "new_password": CHOSEN},
    )
    assert answer.status_code in (201, 202), answer.text
    return answer.json()


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# rule S1, S2
def test_added_staff_change_the_initial_password_and_get_only_their_permissions_S1_S2(
    stack: Stack,
):
    admin = staff_session(stack)  # the demo practice signs in without a second factor
    _add_staff(stack, admin, "FrontDesk1", ["view_patients"])
    desk = _bearer(_first_sign_in(stack, "FrontDesk1")["session_token"])
    assert stack.api.get("/practice/staff", headers=admin).status_code == 200
    assert stack.api.get("/practice/staff", headers=desk).status_code == 403
    assert stack.api.get("/practice/security-policy", headers=admin).status_code == 200
    assert stack.api.get("/practice/security-policy", headers=desk).status_code == 403
    password = {"current_password": CHOSEN, "new_password": "Third-Desk-Password-333"}
    assert (
        stack.api.post("/practice/staff/me/password", headers=desk, json=password).status_code
        == 204
    )


# rule S2, I4
def test_a_required_second_factor_is_set_up_and_used_with_an_authenticator_S2_I4(stack: Stack):
    admin = staff_session(stack)
    policy = stack.api.put(
        "/practice/security-policy", headers=admin, json={"second_factor_required": True}
    )
    assert policy.status_code == 200 and policy.json()["updated_by"].startswith("staff:")
    _add_staff(stack, admin, "FrontDesk2", ["view_patients"])
    enroll = _first_sign_in(stack, "FrontDesk2")
    assert enroll["next_step"] == "enroll_second_factor"
    assert enroll["totp_setup"]["qr_svg_data_uri"].startswith("data:image/svg+xml")
    secret = parse_qs(urlparse(enroll["totp_setup"]["otpauth_uri"]).query)["secret"][0]
    totp = pyotp.TOTP(secret)
    done = stack.api.post(
        "/practice/sessions/continue",
        json={"challenge_token": enroll["challenge_token"], "totp_code": totp.now()},
    )
    assert done.status_code == 201, done.text
    assert len(done.json()["recovery_codes"]) == 10
    again = stack.api.post("/practice/sessions", json={"user_id": "FrontDesk2", "password": CHOSEN})
    assert again.status_code == 202 and again.json()["next_step"] == "second_factor"
    signed_in = stack.api.post(
        "/practice/sessions/continue",
        json={
            "challenge_token": again.json()["challenge_token"],
            "recovery_code": done.json()["recovery_codes"][0],
        },
    )
    assert signed_in.status_code == 201 and signed_in.json()["recovery_codes"] is None


# rule S2
def test_a_challenge_is_continued_with_exactly_one_answer_S2(stack: Stack):
    answer = stack.api.post(
        "/practice/sessions/continue",
        json={"challenge_token": "x" * 20, "totp_code": "123456", "recovery_code": "abcde-fghij"},
    )
    assert answer.status_code == 422


# rule S1
def test_permissions_change_and_deactivation_end_the_staff_session_S1(stack: Stack):
    admin = staff_session(stack)
    staff_id = _add_staff(stack, admin, "FrontDesk3", ["view_patients"])
    desk = _bearer(_first_sign_in(stack, "FrontDesk3")["session_token"])
    patched = stack.api.patch(
        f"/practice/staff/{staff_id}", headers=admin, json={"permissions": ["manage_personnel"]}
    )
    assert patched.status_code == 200 and patched.json()["permissions"] == ["manage_personnel"]
    assert stack.api.get("/practice/staff", headers=desk).status_code == 200
    gone = stack.api.post(f"/practice/staff/{staff_id}/deactivate", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert stack.api.get("/practice/staff", headers=desk).status_code == 401
    refused = stack.api.patch(f"/practice/staff/{staff_id}", headers=desk, json={"permissions": []})
    assert refused.status_code == 401


# rule S3
def test_another_practice_staff_member_is_not_found_through_the_gateway_S3(stack: Stack):
    admin = staff_session(stack)
    with channel_to(stack.shared, "identity") as channel:
        other = (
            identity_pb2_grpc.IdentityServiceStub(channel)
            .CreateStaffMember(
                identity_pb2.CreateStaffMemberRequest(
                    idempotency_key=uuid.uuid4().hex,
                    practice_id="another-practice",
                    user_id="Elsewhere1",
                    password=INITIAL,
                    first_name="Eve",
                    last_name="Else",
                    permissions=["view_patients"],
                ),
                timeout=10,
            )
            .staff_member
        )
    path = f"/practice/staff/{other.staff_id}"
    assert stack.api.get(path, headers=admin).status_code == 404
    assert stack.api.patch(path, headers=admin, json={"permissions": []}).status_code == 404
    assert stack.api.post(f"{path}/deactivate", headers=admin).status_code == 404
    listed = stack.api.get("/practice/staff", headers=admin).json()["staff"]
    assert other.staff_id not in {member["staff_id"] for member in listed}


# rule S1
def test_a_front_desk_member_added_through_the_gateway_gets_the_role_preset_S1(stack: Stack):
    admin = staff_session(stack)
    added = stack.api.post(
        "/practice/staff",
        headers=admin,
        json={
            "user_id": "FrontDesk4",
            "password": INITIAL,
            "first_name": "Ada",
            "last_name": "Front",
            "role": "front_desk",
            "permissions": ["view_reports"],
        },
    )
    assert added.status_code == 201, added.text
    read = stack.api.get(f"/practice/staff/{added.json()['staff_id']}", headers=admin).json()
    assert read["role"] == "front_desk"
    assert read["permissions"] == [
        "edit_demographics",
        "enroll_patients",
        "issue_reset_tokens",
        "manage_proxies",
        "view_patients",
        "view_reports",
    ]


# rule S1
def test_a_role_changed_through_the_gateway_keeps_the_permissions_as_sent_S1(stack: Stack):
    admin = staff_session(stack)
    staff_id = _add_staff(stack, admin, "FrontDesk5", ["view_patients"])
    patched = stack.api.patch(
        f"/practice/staff/{staff_id}",
        headers=admin,
        json={"permissions": ["view_reports"], "role": "billing"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["role"] == "billing"
    assert patched.json()["permissions"] == ["view_reports"]
    unknown = stack.api.patch(
        f"/practice/staff/{staff_id}", headers=admin, json={"permissions": [], "role": "owner"}
    )
    assert unknown.status_code == 422


# rule E14, S1
def test_the_only_administrator_cannot_remove_their_own_manage_personnel_E14_S1(stack: Stack):
    admin = staff_session(stack)
    listed = stack.api.get("/practice/staff", headers=admin).json()["staff"]
    (me,) = [m for m in listed if "manage_personnel" in m["permissions"]]
    answer = stack.api.patch(
        f"/practice/staff/{me['staff_id']}", headers=admin, json={"permissions": ["view_patients"]}
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "LAST_ADMINISTRATOR"
    assert "at least one active administrator" in answer.json()["detail"]
    assert stack.api.get("/practice/staff", headers=admin).status_code == 200
