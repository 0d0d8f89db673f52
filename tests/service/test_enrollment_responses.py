"""The patient's response from the invitation (E11), over real gRPC on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.common.db import utcnow
from services.enrollment.models import AuditRecord
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)

RESPONSES = {
    "decline": (pb.ENROLLMENT_STATUS_DECLINED, "declined from the invitation"),
    "defer": (pb.ENROLLMENT_STATUS_DEFERRED, "asked from the invitation to be reminded later"),
}


@pytest.fixture
def enrollment(start_service, shared_settings):
    return start_service("enrollment", create_server, shared_settings)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


class Invited:
    """A patient invited by Enroll Now, and the token of the newest invitation sent."""

    def __init__(self, stub, practice, host, shared) -> None:
        self._stub, self._host, self._shared = stub, host, shared
        self.patient = add_patient(stub, practice.practice_id)
        self.where = {"practice_id": practice.practice_id, "patient_id": self.patient.patient_id}
        stub.EnrollNow(pb.EnrollNowRequest(**self.where, idempotency_key=key()), timeout=5)

    @property
    def token(self) -> str:
        return invitation_token(self.sent()[-1])

    def sent(self) -> list:
        return sent_notifications(self._host, self._shared)

    def current(self) -> pb.Patient:
        return self._stub.GetPatient(pb.GetPatientRequest(**self.where), timeout=5).patient


@pytest.fixture
def invited(stub, practice, enrollment, shared_settings) -> Invited:
    return Invited(stub, practice, enrollment, shared_settings)


def respond(stub, how: str, token: str):
    if how == "decline":
        return stub.DeclineInvitation(
            pb.DeclineInvitationRequest(invitation_token=token), timeout=5
        )
    return stub.DeferInvitation(pb.DeferInvitationRequest(invitation_token=token), timeout=5)


def verify(stub, token: str, zip_code: str = "60614"):
    return stub.VerifyInvitation(
        pb.VerifyInvitationRequest(
            invitation_token=token, zip_code=zip_code, date_of_birth="1984-03-07"
        ),
        timeout=5,
    )


def error_of(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def info_of(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo")


def status_of(error: grpc.RpcError) -> status_pb2.Status:
    """All a caller learns from a failure: code, message and every detail."""
    return rpc_status.from_call(error)


# rule E11, E2
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_the_patient_responds_from_the_invitation_with_history_E11_E2(stub, invited, how):
    respond(stub, how, invited.token)
    patient = invited.current()
    status, reason = RESPONSES[how]
    last = patient.history[-1]
    assert (patient.status, last.from_status, last.to_status) == (
        status,
        pb.ENROLLMENT_STATUS_PENDING,
        status,
    )
    assert (last.actor, last.reason) == ("patient", reason)


# rule E11
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_the_answer_names_the_practice_to_call_E11(stub, invited, practice, how):
    answer = respond(stub, how, invited.token)
    assert (answer.practice_name, answer.practice_phone) == (
        practice.name,
        practice.contact_phone,
    )


# rule E11, E10
def test_declining_uses_up_the_link_E11_E10(stub, invited):
    token = invited.token
    respond(stub, "decline", token)
    assert error_of(lambda: verify(stub, token)).code() == grpc.StatusCode.NOT_FOUND
    [invitation] = stub.ListInvitations(
        pb.ListInvitationsRequest(**invited.where), timeout=5
    ).invitations
    assert invitation.state == pb.INVITATION_STATE_USED


def superseded(stub, invited) -> str:
    token = invited.token
    stub.ResendInvitation(
        pb.ResendInvitationRequest(**invited.where, idempotency_key=key()), timeout=5
    )
    return token


def expired(stub, invited) -> str:
    return invited.token  # the test moves the clock past its expiry


def locked(stub, invited) -> str:
    token = invited.token
    for _ in range(5):
        error_of(lambda: verify(stub, token, zip_code="99999"))
    return token


def answered(stub, invited) -> str:
    token = invited.token
    respond(stub, "decline", token)
    return token


def unknown(stub, invited) -> str:
    return "not-a-token-we-sent"


# rule E11, E10
@pytest.mark.parametrize("dead", [unknown, superseded, expired, locked, answered])
def test_a_link_that_does_not_work_answers_as_activation_does_E11_E10(stub, invited, clock, dead):
    token = dead(stub, invited)
    if dead is expired:
        clock.move_to(utcnow() + timedelta(days=31))
    refused = error_of(lambda: verify(stub, token))
    assert (refused.code(), info_of(refused).reason) == (
        grpc.StatusCode.NOT_FOUND,
        "INVITATION_NOT_VALID",
    )
    expected = status_of(refused)
    answers = [status_of(error_of(lambda h=how: respond(stub, h, token))) for how in RESPONSES]
    assert answers == [expected, expected]


# rule E11, E10
def test_a_deferred_link_keeps_working_E11_E10(stub, invited):
    token = invited.token
    respond(stub, "defer", token)
    assert verify(stub, token).activation_ticket
    [invitation] = stub.ListInvitations(
        pb.ListInvitationsRequest(**invited.where), timeout=5
    ).invitations
    assert invitation.state == pb.INVITATION_STATE_OPEN


# rule E11, E10
def test_a_link_that_does_not_work_changes_nothing_E11_E10(stub, invited):
    token = superseded(stub, invited)
    before = invited.current()
    error_of(lambda: respond(stub, "decline", token))
    assert invited.current() == before


# rule X2, E11
@pytest.mark.parametrize(
    ("how", "action"), [("decline", "invitation.decline"), ("defer", "invitation.defer")]
)
def test_a_response_is_audited_on_the_patient_X2_E11(stub, invited, enrollment, how, action):
    respond(stub, how, invited.token)
    with enrollment.database.transaction() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()
        assert [(r.patient_id, r.outcome) for r in records] == [
            (invited.patient.patient_id, "success")
        ]
