"""The enrollment funnel over real gRPC on SQLite and PostgreSQL: the cohort first invited in
a period, the stages its patients reached, per channel."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.domain import Status
from services.enrollment.history import change_status
from services.enrollment.models import Patient
from services.enrollment.server import create_server
from tests.moments import local_date_of, next_local
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)
from tests.service.test_identity_support import field_violations

# The period: the 7 days around a Wednesday noon in Chicago to come.
WEDNESDAY = next_local(2, 12, days_ahead=7)
START, END = (
    local_date_of(WEDNESDAY - timedelta(days=3)),
    local_date_of(WEDNESDAY + timedelta(days=3)),
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


def _invite(stub, practice, **fields) -> pb.Patient:
    patient = add_patient(stub, practice.practice_id, **fields)
    stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=practice.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    return patient


def _verify(stub, token: str, zip_code: str = "60614") -> None:
    request = pb.VerifyInvitationRequest(
        invitation_token=token, zip_code=zip_code, date_of_birth="1984-03-07"
    )
    try:
        stub.VerifyInvitation(request, timeout=5)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def _answer(enrollment, patient: pb.Patient, status: Status) -> None:
    """The patient's later answer, as the activation or invitation routes record it."""
    with enrollment.database.transaction() as session:
        change_status(session, session.get(Patient, patient.patient_id), status, "answered")


def _funnel(stub, practice, start=START, end=END) -> dict[str, pb.FunnelStages]:
    request = pb.GetEnrollmentFunnelRequest(practice_id=practice.practice_id, start=start, end=end)
    return {row.channel: row for row in stub.GetEnrollmentFunnel(request, timeout=5).stages}


# rule E9, E11
def test_the_cohort_invited_in_the_period_is_counted_at_each_stage_E9_E11(
    enrollment, stub, practice, clock, shared_settings
):
    clock.move_to(WEDNESDAY - timedelta(days=4))  # the day before the period
    _invite(stub, practice)
    clock.move_to(WEDNESDAY)
    _, verified, declined = (_invite(stub, practice) for _ in range(3))
    tokens = [invitation_token(m) for m in sent_notifications(enrollment, shared_settings)[1:]]
    _verify(stub, tokens[0], zip_code="99999")
    _verify(stub, tokens[1])
    _answer(enrollment, verified, Status.ENROLLED)
    _answer(enrollment, declined, Status.DECLINED)
    everyone = _funnel(stub, practice)["all"]
    assert (everyone.invited, everyone.opened, everyone.verified) == (3, 2, 1)
    assert (everyone.activated, everyone.declined, everyone.deferred) == (1, 1, 0)
    assert everyone.throttled == 0


# rule N1
def test_a_patient_invited_by_email_and_sms_counts_in_both_channels_N1(stub, practice, clock):
    clock.move_to(WEDNESDAY)
    _invite(stub, practice, cell_phone="+1 312 555 0142")
    _invite(stub, practice)
    rows = _funnel(stub, practice)
    assert (rows["all"].invited, rows["email"].invited, rows["sms"].invited) == (2, 2, 1)
    assert not rows["sms"].HasField("throttled")


# rule E7
def test_a_period_that_ends_before_it_starts_is_refused_by_name_E7(stub, practice):
    with pytest.raises(grpc.RpcError) as raised:
        _funnel(stub, practice, start=END, end=START)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(raised.value)) == {"end"}
