"""Unenrollment and re-activation (E13) over real gRPC on SQLite and PostgreSQL. Identity and
proxy are gRPC doubles on loopback: identity activates the account and receives the
unenrollment notice and the review of the account's sessions; proxy hears of the record's
suspended access. The enrollment outbox relays them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)


def eventually(find: Callable[[], list], seconds: float = 10.0) -> list:
    """Polls `find` until it returns a non-empty list, or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (found := find()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert found, f"nothing arrived within {seconds}s"
    return found


class Identity(identity_pb2_grpc.IdentityServiceServicer):
    """Registers account "acct-1", accepts any code, and keeps the notices and reviews it is
    sent."""

    def __init__(self) -> None:
        self.notices: list[identity_pb2.SendAccountNoticeRequest] = []
        self.reviews: list[identity_pb2.ReviewRecordAccessRequest] = []

    def RegisterAccount(self, request, context):  # type: ignore[no-untyped-def]
        return identity_pb2.RegisterAccountResponse(
            account_id="acct-1",
            code_channel=identity_pb2.VERIFICATION_CHANNEL_EMAIL,
            code_destination_hint="j***@example.com",
        )

    def VerifyAccount(self, request, context):  # type: ignore[no-untyped-def]
        return identity_pb2.VerifyAccountResponse()

    def SendAccountNotice(self, request, context):  # type: ignore[no-untyped-def]
        self.notices.append(request)
        return identity_pb2.SendAccountNoticeResponse(queued=True)

    def ReviewRecordAccess(self, request, context):  # type: ignore[no-untyped-def]
        self.reviews.append(request)
        return identity_pb2.ReviewRecordAccessResponse(sessions_ended=True)


class Proxy(proxy_pb2_grpc.ProxyServiceServicer):
    """Keeps what it is told of records' access."""

    def __init__(self) -> None:
        self.changes: list[proxy_pb2.SetRecordAccessRequest] = []

    def SetRecordAccess(self, request, context):  # type: ignore[no-untyped-def]
        self.changes.append(request)
        return proxy_pb2.SetRecordAccessResponse()


def serve(double: Any, add: Callable[[Any, grpc.Server], None]) -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add(double, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0).wait()


@pytest.fixture
def identity() -> Iterator[tuple[Identity, str]]:
    double = Identity()
    for address in serve(double, identity_pb2_grpc.add_IdentityServiceServicer_to_server):
        yield double, address


@pytest.fixture
def proxy() -> Iterator[tuple[Proxy, str]]:
    double = Proxy()
    for address in serve(double, proxy_pb2_grpc.add_ProxyServiceServicer_to_server):
        yield double, address


@pytest.fixture
def enrollment(start_service, shared_settings, identity, proxy):
    shared = shared_settings.model_copy(
        update={"identity_address": identity[1], "proxy_address": proxy[1]}
    )
    return start_service("enrollment", create_server, shared)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


def activated_patient(stub, practice_id: str, host, shared) -> pb.Patient:
    """A patient who activated an account through the invitation (identity is the double)."""
    patient = add_patient(stub, practice_id)
    stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    token = invitation_token(sent_notifications(host, shared)[-1])
    ticket = stub.VerifyInvitation(
        pb.VerifyInvitationRequest(
            invitation_token=token, zip_code="60614", date_of_birth="1984-03-07"
        ),
        timeout=5,
    ).activation_ticket
    stub.SubmitSecurityDetails(
        pb.SubmitSecurityDetailsRequest(
            activation_ticket=ticket, username="janedoe84", password="blue heron at dawn"
        ),
        timeout=5,
    )
    stub.CompleteActivation(
        pb.CompleteActivationRequest(activation_ticket=ticket, code="123456"), timeout=5
    )
    return stub.GetPatient(
        pb.GetPatientRequest(practice_id=practice_id, patient_id=patient.patient_id), timeout=5
    ).patient


@pytest.fixture
def enrolled(stub, practice, enrollment, shared_settings) -> pb.Patient:
    return activated_patient(stub, practice.practice_id, enrollment, shared_settings)


def unenroll(stub, patient, idempotency_key: str = "", **overrides) -> pb.Patient:
    request = pb.UnenrollRequest(
        idempotency_key=idempotency_key or key(),
        practice_id=patient.practice_id,
        patient_id=patient.patient_id,
        reason=pb.UNENROLL_REASON_PATIENT_REQUEST,
        note="asked at the front desk",
    )
    for name, value in overrides.items():
        setattr(request, name, value)
    return stub.Unenroll(request, timeout=5).patient


def reactivate(stub, patient, idempotency_key: str = "") -> pb.Patient:
    return stub.Reactivate(
        pb.ReactivateRequest(
            idempotency_key=idempotency_key or key(),
            practice_id=patient.practice_id,
            patient_id=patient.patient_id,
        ),
        timeout=5,
    ).patient


def error_of(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# rule E13
def test_enrolled_patient_allows_unenroll_only_E13(enrolled):
    assert enrolled.status == pb.ENROLLMENT_STATUS_ENROLLED
    assert list(enrolled.available_actions) == [pb.PATIENT_ACTION_UNENROLL]


# rule E13, E2
def test_unenroll_makes_the_patient_unenrolled_with_history_E13_E2(stub, enrolled):
    patient = unenroll(stub, enrolled)
    assert patient.status == pb.ENROLLMENT_STATUS_UNENROLLED
    last = patient.history[-1]
    assert (last.from_status, last.to_status) == (
        pb.ENROLLMENT_STATUS_ENROLLED,
        pb.ENROLLMENT_STATUS_UNENROLLED,
    )
    assert (last.reason, last.note) == (
        "unenrolled at the patient's request",
        "asked at the front desk",
    )
    assert list(patient.available_actions) == [pb.PATIENT_ACTION_REACTIVATE]


# rule E13, I6
def test_unenroll_sends_the_account_a_notice_through_identity_E13_I6(
    stub, enrolled, identity, practice
):
    unenroll(stub, enrolled)
    double, _ = identity
    [notice] = eventually(lambda: double.notices)
    assert (notice.kind, notice.account_id, notice.practice_id, notice.practice_name) == (
        identity_pb2.ACCOUNT_NOTICE_KIND_UNENROLLED,
        "acct-1",
        practice.practice_id,
        practice.name,
    )
    assert notice.idempotency_key.startswith("unenrolled:")


# rule E13
def test_unenroll_retried_with_the_same_key_changes_and_sends_once_E13(stub, enrolled, identity):
    same = key()
    unenroll(stub, enrolled, same)
    again = unenroll(stub, enrolled, same)
    assert [h.to_status for h in again.history].count(pb.ENROLLMENT_STATUS_UNENROLLED) == 1
    double, _ = identity
    eventually(lambda: double.notices)
    assert len(double.notices) == 1


# rule E13
def test_reactivate_restores_enrolled_with_the_same_account_E13(stub, enrolled):
    unenroll(stub, enrolled)
    patient = reactivate(stub, enrolled)
    assert (patient.status, patient.account_id) == (
        pb.ENROLLMENT_STATUS_ENROLLED,
        enrolled.account_id,
    )
    assert patient.account_id == "acct-1"
    assert patient.history[-1].from_status == pb.ENROLLMENT_STATUS_UNENROLLED


# rule E13, E2
def test_unenroll_of_a_patient_not_enrolled_says_what_is_allowed_E13_E2(stub, practice):
    patient = add_patient(stub, practice.practice_id)
    error = error_of(lambda: unenroll(stub, patient))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not_enrolled" in error.details() and "enroll_now" in error.details()


# rule E13, E2
def test_reactivate_of_an_enrolled_patient_says_what_is_allowed_E13_E2(stub, enrolled):
    error = error_of(lambda: reactivate(stub, enrolled))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "What you can do now: unenroll." in error.details()


# rule E13
def test_unenroll_needs_a_reason_E13(stub, enrolled):
    error = error_of(lambda: unenroll(stub, enrolled, reason=pb.UNENROLL_REASON_UNSPECIFIED))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule S3
def test_another_practice_cannot_unenroll_the_patient_S3(stub, enrolled):
    other = create_practice(stub)
    stranger = pb.Patient(practice_id=other.practice_id, patient_id=enrolled.patient_id)
    assert error_of(lambda: unenroll(stub, stranger)).code() == grpc.StatusCode.NOT_FOUND


# rule E13
def test_an_unenrolled_record_is_suspended_for_its_account_E13(stub, enrolled):
    unenroll(stub, enrolled)
    [linked] = stub.ListAccountEnrollments(
        pb.ListAccountEnrollmentsRequest(account_id="acct-1"), timeout=5
    ).enrollments
    assert linked.access_suspended
    reactivate(stub, enrolled)
    [linked] = stub.ListAccountEnrollments(
        pb.ListAccountEnrollmentsRequest(account_id="acct-1"), timeout=5
    ).enrollments
    assert not linked.access_suspended


# rule E13
def test_unenroll_tells_proxy_and_identity_before_it_answers_E13(stub, enrolled, identity, proxy):
    patient = unenroll(stub, enrolled)
    [change] = proxy[0].changes
    assert (change.patient_id, change.practice_id, change.suspended) == (
        patient.patient_id,
        patient.practice_id,
        True,
    )
    assert change.as_of.ToDatetime() == patient.history[-1].changed_at.ToDatetime()
    assert [review.account_id for review in identity[0].reviews] == ["acct-1"]


# rule E13
def test_reactivate_tells_proxy_the_access_is_back_before_it_answers_E13(
    stub, enrolled, identity, proxy
):
    unenroll(stub, enrolled)
    patient = reactivate(stub, enrolled)
    assert [c.suspended for c in proxy[0].changes] == [True, False]
    assert proxy[0].changes[-1].as_of.ToDatetime() == patient.history[-1].changed_at.ToDatetime()
    assert len(identity[0].reviews) == 1
