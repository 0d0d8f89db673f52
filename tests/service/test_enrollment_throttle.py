"""The invitation throttle (E7) over real gRPC on SQLite and PostgreSQL: four sends in any 30
days, counted in the database, with the answer saying when the next may go out."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.server import create_server
from tests.service.enrollment_helpers import add_patient, create_practice, key
from tests.service.test_identity_support import error_info, retry_delay


@pytest.fixture
def stub(start_service, shared_settings):
    enrollment = start_service("enrollment", create_server, shared_settings)
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def patient(stub):
    practice = create_practice(stub)
    return add_patient(stub, practice.practice_id)


def _ids(patient) -> dict[str, str]:
    return {"practice_id": patient.practice_id, "patient_id": patient.patient_id}


def _four_sends(stub, patient, clock) -> None:
    """Enroll Now, then three resends a day apart."""
    stub.EnrollNow(pb.EnrollNowRequest(idempotency_key=key(), **_ids(patient)), timeout=5)
    for _ in range(3):
        clock.shift(timedelta(days=1))
        _resend(stub, patient)


def _resend(stub, patient) -> pb.ResendInvitationResponse:
    request = pb.ResendInvitationRequest(idempotency_key=key(), **_ids(patient))
    return stub.ResendInvitation(request, timeout=5)


# rule E7
def test_a_fifth_send_within_thirty_days_is_refused_with_when_it_may_go_out_E7(
    stub, patient, clock
):
    _four_sends(stub, patient, clock)
    with pytest.raises(grpc.RpcError) as raised:
        _resend(stub, patient)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(raised.value).reason == "INVITATION_THROTTLED"
    assert "The next can go out from" in raised.value.details()
    wait = retry_delay(raised.value)
    assert timedelta(days=26, hours=23) < wait <= timedelta(days=27)


# rule E7
def test_the_next_send_goes_out_once_the_first_leaves_the_window_E7(stub, patient, clock):
    _four_sends(stub, patient, clock)
    clock.shift(timedelta(days=27, seconds=1))  # 30 days and a second after the first send
    assert _resend(stub, patient).invitation.invitation_id
