"""The metrics platform teams watch, recorded by real services over real gRPC: calls by method
and status code, sign-in failures and locks (I11), invitations sent and throttled (E7), and the
outbox's depth and failed deliveries (N5)."""

from __future__ import annotations

import time
from datetime import timedelta

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.server import create_server as create_enrollment
from tests.service.enrollment_helpers import add_patient, create_practice, key
from tests.service.test_account_security_support import active_account, sign_in

# What is counted does not depend on the database.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED.value[0]
WRONG = "Not-The-Password-1"


def _wrong_sign_in(stub, username: str = "JaneDoe") -> None:
    with pytest.raises(grpc.RpcError):
        sign_in(stub, username, WRONG)


def _eventually(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the metric did not change in time"
        time.sleep(0.05)


@pytest.fixture
def enrollment(telemetry_in_memory, start_service, shared_settings):
    """Enrollment whose notify is unreachable, so its invitations stay in the outbox."""
    host = start_service("enrollment", create_enrollment, shared_settings)
    with grpc.insecure_channel(host.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def patient(enrollment):
    return add_patient(enrollment, create_practice(enrollment).practice_id)


def _enroll_now(enrollment, patient) -> None:
    request = pb.EnrollNowRequest(
        idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
    )
    enrollment.EnrollNow(request, timeout=5)


def _resend(enrollment, patient) -> None:
    request = pb.ResendInvitationRequest(
        idempotency_key=key(), practice_id=patient.practice_id, patient_id=patient.patient_id
    )
    enrollment.ResendInvitation(request, timeout=5)


def test_each_call_is_measured_with_its_method_and_status_code(telemetry_in_memory, stub, notify):
    active_account(stub, notify)
    refused = {"rpc.method": "SignIn", "rpc.grpc.status_code": UNAUTHENTICATED}
    before = telemetry_in_memory.measured("rpc.server.duration", **refused)
    _wrong_sign_in(stub)
    assert telemetry_in_memory.measured("rpc.server.duration", **refused) == before + 1


# rule I11
def test_a_wrong_password_counts_as_a_sign_in_failure_I11(telemetry_in_memory, stub, notify):
    active_account(stub, notify)
    before = telemetry_in_memory.measured("vestibule.sign_in.failures", principal="account")
    _wrong_sign_in(stub)
    assert telemetry_in_memory.measured("vestibule.sign_in.failures", principal="account") == (
        before + 1
    )


# rule I11, X3
def test_an_unknown_username_counts_as_an_unknown_principal_I11_X3(telemetry_in_memory, stub):
    before = telemetry_in_memory.measured("vestibule.sign_in.failures", principal="unknown")
    _wrong_sign_in(stub, "NobodyHere")
    assert telemetry_in_memory.measured("vestibule.sign_in.failures", principal="unknown") == (
        before + 1
    )


# rule I11
def test_the_tenth_wrong_password_counts_one_lock_I11(telemetry_in_memory, stub, notify, clock):
    active_account(stub, notify)
    before = telemetry_in_memory.measured("vestibule.sign_in.locks", principal="account")
    for _ in range(10):
        clock.shift(timedelta(seconds=65))  # past each slow-down
        _wrong_sign_in(stub)
    assert telemetry_in_memory.measured("vestibule.sign_in.locks", principal="account") == (
        before + 1
    )


# rule E3
def test_enroll_now_counts_one_invitation_sent_E3(telemetry_in_memory, enrollment, patient):
    before = telemetry_in_memory.measured("vestibule.invitations.sent", trigger="manual")
    _enroll_now(enrollment, patient)
    assert telemetry_in_memory.measured("vestibule.invitations.sent", trigger="manual") == (
        before + 1
    )


# rule E7
def test_a_throttled_send_counts_as_throttled_not_sent_E7(
    telemetry_in_memory, enrollment, patient, clock
):
    _enroll_now(enrollment, patient)
    for _ in range(3):
        clock.shift(timedelta(days=1))
        _resend(enrollment, patient)
    sent = telemetry_in_memory.measured("vestibule.invitations.sent")
    throttled = telemetry_in_memory.measured("vestibule.invitations.throttled", trigger="manual")
    with pytest.raises(grpc.RpcError):
        _resend(enrollment, patient)
    assert telemetry_in_memory.measured("vestibule.invitations.sent") == sent
    assert telemetry_in_memory.measured("vestibule.invitations.throttled", trigger="manual") == (
        throttled + 1
    )


# rule N5
def test_an_undelivered_invitation_shows_in_the_outbox_depth_N5(
    telemetry_in_memory, enrollment, patient
):
    _enroll_now(enrollment, patient)
    pending = telemetry_in_memory.measured(
        "vestibule.outbox.depth", service="enrollment", state="pending"
    )
    assert pending == 1  # the email; the patient has no cell phone


# rule N5
def test_a_delivery_to_an_unreachable_service_counts_as_a_retried_failure_N5(
    telemetry_in_memory, enrollment, patient
):
    retried = {"rpc.grpc.status_code": "UNAVAILABLE", "retried": True}
    before = telemetry_in_memory.measured("vestibule.outbox.delivery_failures", **retried)
    _enroll_now(enrollment, patient)
    _eventually(
        lambda: (
            telemetry_in_memory.measured("vestibule.outbox.delivery_failures", **retried) > before
        )
    )
