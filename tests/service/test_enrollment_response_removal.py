"""Enroll Now on a patient who declined or deferred (E5): staff confirm that the patient's
response is removed, then the invitation goes out. Over real gRPC on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.models import AuditRecord
from services.enrollment.server import create_server
from tests.moments import CHICAGO, next_local
from tests.service.enrollment_helpers import create_practice, key
from tests.service.test_enrollment_responses import (
    RESPONSES,
    Invited,
    error_of,
    info_of,
    respond,
    verify,
)


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


@pytest.fixture
def invited(stub, practice, enrollment, shared_settings) -> Invited:
    return Invited(stub, practice, enrollment, shared_settings)


def subjects_of(error: grpc.RpcError) -> list[str]:
    """The subjects of the PreconditionFailure's violations: the fields at fault."""
    subjects = []
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            subjects += [v.subject for v in failure.violations]
    return subjects


def enroll_now(stub, invited: Invited, *, confirm: bool = False, idempotency_key: str = ""):
    """Enroll Now by staff member s1."""
    return stub.EnrollNow(
        pb.EnrollNowRequest(
            **invited.where,
            idempotency_key=idempotency_key or key(),
            confirm_clear_response=confirm,
        ),
        timeout=5,
        metadata=[("x-vestibule-actor", "staff:s1")],
    )


# rule E5, E2
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_a_response_offers_enroll_now_E5_E2(stub, invited, how):
    respond(stub, how, invited.token)
    assert list(invited.current().available_actions) == [pb.PATIENT_ACTION_ENROLL_NOW]


RESPONDED = next_local(2, 15) + timedelta(minutes=5)  # a Wednesday at 3:05 PM in Chicago
_LOCAL = RESPONDED.astimezone(ZoneInfo(CHICAGO))
WHEN = f"{_LOCAL:%B} {_LOCAL.day}, {_LOCAL.year} at 3:05 PM {_LOCAL:%Z}"
SAID = {
    "decline": f"The patient declined the invitation on {WHEN}.",
    "defer": f"The patient deferred on {WHEN}, asking to be reminded later.",
}


# rule E5
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_enroll_now_asks_to_confirm_with_when_the_patient_responded_E5(
    stub, practice, enrollment, shared_settings, clock, how
):
    clock.move_to(RESPONDED)
    invited = Invited(stub, practice, enrollment, shared_settings)
    respond(stub, how, invited.token)
    error = error_of(lambda: enroll_now(stub, invited))
    info = info_of(error)
    assert (error.code(), info.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CONFIRMATION_REQUIRED",
    )
    assert error.details() == (
        f"{SAID[how]} Confirm to remove the patient's response and send the invitation."
    )
    assert info.metadata["status"] == {"decline": "declined", "defer": "deferred"}[how]
    assert info.metadata["responded_at"].startswith(f"{RESPONDED:%Y-%m-%dT%H:%M:}")
    assert subjects_of(error) == ["confirm_clear_response"]


# rule E5
def test_enroll_now_unconfirmed_keeps_the_response_and_sends_nothing_E5(stub, invited):
    respond(stub, "decline", invited.token)
    error_of(lambda: enroll_now(stub, invited))
    assert invited.current().status == pb.ENROLLMENT_STATUS_DECLINED
    assert len(invited.sent()) == 1


# rule E5, E2
@pytest.mark.parametrize("how", ["decline", "defer"])
def test_confirmed_enroll_now_removes_the_response_with_history_E5_E2(stub, invited, how):
    respond(stub, how, invited.token)
    answer = enroll_now(stub, invited, confirm=True)
    last = answer.patient.history[-1]
    assert (answer.outcome, answer.patient.status) == (
        pb.ENROLL_NOW_OUTCOME_INVITATION_SENT,
        pb.ENROLLMENT_STATUS_PENDING,
    )
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        RESPONSES[how][0],
        pb.ENROLLMENT_STATUS_PENDING,
        "staff:s1",
        "patient's response removed by staff",
    )


# rule E5
def test_confirmed_enroll_now_sends_an_invitation_whose_link_works_E5(stub, invited):
    respond(stub, "decline", invited.token)
    enroll_now(stub, invited, confirm=True)
    assert len(invited.sent()) == 2
    assert verify(stub, invited.token).activation_ticket


# rule E5, E3
def test_confirmed_enroll_now_with_a_missing_field_names_it_and_keeps_the_response_E5_E3(
    stub, invited
):
    respond(stub, "decline", invited.token)
    stub.UpdatePatient(
        pb.UpdatePatientRequest(
            **invited.where, demographics=pb.Demographics(), update_mask=FieldMask(paths=["email"])
        ),
        timeout=5,
    )
    error = error_of(lambda: enroll_now(stub, invited, confirm=True))
    assert (error.code(), info_of(error).reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "MISSING_REQUIRED_FIELDS",
    )
    assert subjects_of(error) == ["email"]
    assert invited.current().status == pb.ENROLLMENT_STATUS_DECLINED


# rule E5
def test_confirmed_enroll_now_retried_with_the_same_key_sends_once_E5(stub, invited):
    respond(stub, "defer", invited.token)
    same = key()
    enroll_now(stub, invited, confirm=True, idempotency_key=same)
    retried = enroll_now(stub, invited, confirm=True, idempotency_key=same)
    assert retried.outcome == pb.ENROLL_NOW_OUTCOME_INVITATION_SENT
    assert len(invited.sent()) == 2


# rule X2, E5
def test_confirmed_enroll_now_is_audited_with_the_removed_response_X2_E5(stub, invited, enrollment):
    respond(stub, "defer", invited.token)
    enroll_now(stub, invited, confirm=True)
    with enrollment.database.transaction() as session:
        last = session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "enrollment.enroll_now")
            .order_by(AuditRecord.sequence.desc())
        ).first()
        assert (last.actor, last.details) == (
            "staff:s1",
            {"result": "invitation_sent", "removed_response": "deferred"},
        )
