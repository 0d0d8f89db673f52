"""Activation abuse limits over real gRPC on SQLite and PostgreSQL (E9): wrong answers are
limited per invitation and per patient record across resends, and staff can unlock."""

from __future__ import annotations

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    sent_notifications,
)
from tests.service.test_enrollment_service import enroll_now, error_of, resend, verify

LOCKED = grpc.StatusCode.RESOURCE_EXHAUSTED


def _latest_token(enrollment, shared) -> str:
    return invitation_token(sent_notifications(enrollment, shared)[-1])


def _wrong_answers(stub, token: str, count: int) -> list[grpc.StatusCode]:
    return [error_of(lambda: verify(stub, token, zip_code="99999")).code() for _ in range(count)]


def _unlock(stub, patient) -> pb.Patient:
    request = pb.UnlockActivationRequest(
        practice_id=patient.practice_id, patient_id=patient.patient_id
    )
    return stub.UnlockActivation(request, timeout=5).patient


@pytest.fixture
def enrollment(start_service, shared_settings):
    return start_service("enrollment", create_server, shared_settings)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def invited(stub):
    patient = add_patient(stub, create_practice(stub).practice_id)
    enroll_now(stub, patient)
    return patient


# rule E9
def test_a_resend_gives_no_fresh_tries_past_the_records_limit_E9(
    stub, enrollment, invited, shared_settings
):
    assert _wrong_answers(stub, _latest_token(enrollment, shared_settings), 5)[-1] == LOCKED
    resend(stub, invited)
    assert _wrong_answers(stub, _latest_token(enrollment, shared_settings), 5)[-1] == LOCKED
    resend(stub, invited)
    right_answers = error_of(lambda: verify(stub, _latest_token(enrollment, shared_settings)))
    assert right_answers.code() == LOCKED
    assert "contact your practice" in right_answers.details()


# rule E9
def test_staff_unlock_lets_the_current_invitation_work_again_E9(
    stub, enrollment, invited, shared_settings
):
    token = _latest_token(enrollment, shared_settings)
    assert _wrong_answers(stub, token, 5)[-1] == LOCKED
    _unlock(stub, invited)
    assert verify(stub, token).activation_ticket
