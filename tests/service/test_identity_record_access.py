"""Sign-in and sessions of an account whose records a practice unenrolled (E13), over real gRPC
on SQLite and PostgreSQL; enrollment and proxy are doubles saying which records it has."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2

from tests.service.test_identity_account_totp import _turn_on
from tests.service.test_identity_support import (
    PASSWORD,
    ProxyDouble,
    error_info,
    registration,
    start_identity,
)

LAKESIDE = enrollment_pb2.Practice(
    practice_id="lakeside", name="Lakeside Family Medicine", contact_phone="+1 312 555 0100"
)


def own_record(*, suspended: bool) -> enrollment_pb2.AccountEnrollment:
    return enrollment_pb2.AccountEnrollment(
        practice=LAKESIDE, patient_id="jane", access_suspended=suspended
    )


def acting_for(practice_id: str = "lakeside") -> proxy_pb2.Relationship:
    return proxy_pb2.Relationship(relationship_id="r-1", practice_id=practice_id, patient_id="sam")


@pytest.fixture
def proxy() -> Iterator[ProxyDouble]:
    double = ProxyDouble()
    yield double
    double.stop()


@pytest.fixture
def stub(start_service, shared_settings, notify, enrollment, proxy):
    identity = start_identity(
        start_service, shared_settings, notify.address, enrollment.address, proxy.address
    )
    with grpc.insecure_channel(identity.address) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)


@pytest.fixture
def account_id(stub, notify) -> str:
    """An active account JaneDoe with PASSWORD."""
    registered = stub.RegisterAccount(registration("JaneDoe"), timeout=10)
    code = notify.code_for("jane.doe@example.com")
    stub.VerifyAccount(
        identity_pb2.VerifyAccountRequest(account_id=registered.account_id, code=code), timeout=10
    )
    return registered.account_id


def sign_in(stub, password: str = PASSWORD) -> identity_pb2.SignInResponse:
    return stub.SignIn(
        identity_pb2.SignInRequest(username="JaneDoe", password=password), timeout=10
    )


def refusal(stub, password: str = PASSWORD) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        sign_in(stub, password)
    return raised.value


def still_signed_in(stub, token: str) -> bool:
    try:
        stub.ResolveSession(identity_pb2.ResolveSessionRequest(session_token=token), timeout=10)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False
    return True


def review(stub, account_id: str) -> bool:
    return stub.ReviewRecordAccess(
        identity_pb2.ReviewRecordAccessRequest(account_id=account_id), timeout=10
    ).sessions_ended


# rule E13
def test_an_account_whose_only_record_is_unenrolled_is_refused_naming_the_practice_E13(
    stub, account_id, enrollment
):
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    error = refusal(stub)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(error).reason == "PORTAL_ACCESS_SUSPENDED"
    assert "Lakeside Family Medicine" in error.details()
    assert "+1 312 555 0100" in error.details()


# rule E13, X3
def test_a_wrong_password_hears_nothing_of_the_suspension_E13_X3(stub, account_id, enrollment):
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    assert refusal(stub, "Not-The-Password-1").code() == grpc.StatusCode.UNAUTHENTICATED


# rule E13
def test_an_account_still_acting_for_someone_signs_in_E13(stub, account_id, enrollment, proxy):
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    proxy.active[account_id] = [acting_for()]
    assert sign_in(stub).session_token


# rule E13
def test_an_account_with_an_enrolled_record_signs_in_E13(stub, account_id, enrollment):
    enrollment.enrollments[account_id] = [
        own_record(suspended=True),
        enrollment_pb2.AccountEnrollment(practice=LAKESIDE, patient_id="jane-2"),
    ]
    assert sign_in(stub).session_token


# rule E13, E12
def test_an_account_never_linked_to_a_record_signs_in_E13_E12(stub, account_id):
    assert sign_in(stub).session_token


# rule E13
def test_a_proxy_whose_only_record_is_suspended_is_refused_naming_its_practice_E13(
    stub, account_id, enrollment, proxy
):
    enrollment.practices["lakeside"] = LAKESIDE
    proxy.suspended[account_id] = [acting_for("lakeside")]
    error = refusal(stub)
    assert error_info(error).reason == "PORTAL_ACCESS_SUSPENDED"
    assert "Lakeside Family Medicine" in error.details()


# rule E13
def test_review_ends_every_session_of_an_account_left_with_no_record_E13(
    stub, account_id, enrollment
):
    enrollment.enrollments[account_id] = [own_record(suspended=False)]
    phone, laptop = sign_in(stub).session_token, sign_in(stub).session_token
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    assert review(stub, account_id)
    assert not still_signed_in(stub, phone)
    assert not still_signed_in(stub, laptop)


# rule E13
def test_review_keeps_the_sessions_of_an_account_with_a_record_left_E13(
    stub, account_id, enrollment, proxy
):
    token = sign_in(stub).session_token
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    proxy.active[account_id] = [acting_for()]
    assert not review(stub, account_id)
    assert still_signed_in(stub, token)


# rule E13
def test_review_ends_a_sign_in_still_waiting_for_its_second_factor_E13(
    stub, account_id, enrollment, clock
):
    _, recovery_codes, _ = _turn_on(stub, account_id, clock)
    challenge = sign_in(stub).challenge_token
    enrollment.enrollments[account_id] = [own_record(suspended=True)]
    assert review(stub, account_id)
    with pytest.raises(grpc.RpcError) as raised:
        stub.ContinueSignIn(
            identity_pb2.ContinueSignInRequest(
                challenge_token=challenge, recovery_code=recovery_codes[0]
            ),
            timeout=10,
        )
    assert error_info(raised.value).reason == "SIGN_IN_CHALLENGE_ENDED"
