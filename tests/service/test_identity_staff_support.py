"""Helpers for the staff tests: a started identity, staff members, and sign-in steps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import grpc
import pyotp
import pytest
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from tests.service.test_identity_support import PASSWORD

NEW_PASSWORD = "Green-Heron-Waits-77"
ALL_PERMISSIONS = ["manage_personnel", "view_patients", "manage_practice_settings"]


def staff_request(
    user_id: str = "FrontDesk1", practice_id: str = "practice-1", **fields
) -> identity_pb2.CreateStaffMemberRequest:
    """A valid new staff member; keywords override fields."""
    values = {
        "idempotency_key": uuid.uuid4().hex,
        "practice_id": practice_id,
        "user_id": user_id,
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Front",
        "permissions": ["view_patients", "enroll_patients"],
        **fields,
    }
    return identity_pb2.CreateStaffMemberRequest(**values)


def refused(call, request) -> grpc.RpcError:
    """The error of a call that must fail."""
    with pytest.raises(grpc.RpcError) as raised:
        call(request, timeout=10)
    return raised.value


def relax(stub: identity_pb2_grpc.IdentityServiceStub, practice_id: str = "practice-1") -> None:
    """Lets the practice's staff sign in without a second factor."""
    stub.SetStaffSecurityPolicy(
        identity_pb2.SetStaffSecurityPolicyRequest(
            practice_id=practice_id, second_factor_required=False
        ),
        timeout=5,
    )


def ready_staff(stub, user_id: str = "FrontDesk1", **fields) -> identity_pb2.StaffMember:
    """A staff member who signs in with the password only (initial password kept, policy
    relaxed for their practice)."""
    relax(stub, fields.get("practice_id", "practice-1"))
    request = staff_request(user_id, skip_password_change=True, **fields)
    return stub.CreateStaffMember(request, timeout=10).staff_member


def sign_in(stub, user_id: str = "FrontDesk1", password: str = PASSWORD):
    """The answer to a staff sign-in with these credentials."""
    return stub.StaffSignIn(
        identity_pb2.StaffSignInRequest(user_id=user_id, password=password), timeout=10
    )


def session_of(stub, user_id: str = "FrontDesk1") -> str:
    """The session token of a staff member who signs in with the password only."""
    answer = sign_in(stub, user_id)
    assert answer.next_step == identity_pb2.STAFF_SIGN_IN_STEP_SESSION
    return answer.session_token


def proceed(stub, token: str, **answer: str) -> identity_pb2.ContinueStaffSignInResponse:
    """Continues a challenge with one answer, e.g. totp_code="123456"."""
    return stub.ContinueStaffSignIn(
        identity_pb2.ContinueStaffSignInRequest(challenge_token=token, **answer), timeout=10
    )


def secret_of(setup: identity_pb2.TotpSetup) -> str:
    """The TOTP secret in an otpauth URI, as an authenticator app reads it."""
    return parse_qs(urlparse(setup.otpauth_uri).query)["secret"][0]


def code_at(secret: str, steps_from_now: int = 0) -> str:
    """The authenticator app's code for the current time step, or one next to it."""
    moment = datetime.now(UTC) + timedelta(seconds=30 * steps_from_now)
    return pyotp.TOTP(secret).at(moment)
