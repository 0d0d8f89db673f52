"""Identity over real gRPC: staff sign-in steps, the second factor and recovery codes (S1, S2,
I4, I11)."""

from __future__ import annotations

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from tests.service.test_identity_staff_support import (
    NEW_PASSWORD,
    code_at,
    proceed,
    ready_staff,
    refused,
    relax,
    secret_of,
    sign_in,
    staff_request,
)
from tests.service.test_identity_support import PASSWORD, UNREACHABLE_NOTIFY, start_identity

STEP = identity_pb2


@pytest.fixture
def stub(start_service, shared_settings):
    identity = start_identity(start_service, shared_settings, UNREACHABLE_NOTIFY)
    with grpc.insecure_channel(identity.address) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)


def _enrolled(stub) -> tuple[str, list[str], str]:
    """A staff member with the authenticator app set up: its secret, recovery codes, and the
    code that confirmed it."""
    stub.CreateStaffMember(staff_request(skip_password_change=True), timeout=10)
    enroll = sign_in(stub)
    secret = secret_of(enroll.totp_setup)
    used = code_at(secret)
    done = proceed(stub, enroll.challenge_token, totp_code=used)
    return secret, list(done.recovery_codes), used


# rule S1
def test_first_sign_in_asks_for_a_new_password_before_anything_else_S1(stub):
    relax(stub)
    stub.CreateStaffMember(staff_request(), timeout=10)
    first = sign_in(stub)
    assert first.next_step == STEP.STAFF_SIGN_IN_STEP_CHANGE_PASSWORD
    assert first.challenge_token and not first.session_token
    same = refused(
        stub.ContinueStaffSignIn,
        identity_pb2.ContinueStaffSignInRequest(
            challenge_token=first.challenge_token, new_password=PASSWORD
        ),
    )
    assert same.code() == grpc.StatusCode.INVALID_ARGUMENT
    changed = proceed(stub, first.challenge_token, new_password=NEW_PASSWORD)
    assert changed.next_step == STEP.STAFF_SIGN_IN_STEP_SESSION and changed.session_token
    assert sign_in(stub, password=NEW_PASSWORD).session_token


# rule S2, I4
def test_required_second_factor_is_set_up_with_totp_then_asked_at_every_sign_in_S2_I4(stub):
    stub.CreateStaffMember(staff_request(skip_password_change=True), timeout=10)
    enroll = sign_in(stub)
    assert enroll.next_step == STEP.STAFF_SIGN_IN_STEP_ENROLL_SECOND_FACTOR
    assert enroll.totp_setup.otpauth_uri.startswith("otpauth://totp/Vestibule:FrontDesk1?")
    assert enroll.totp_setup.qr_svg_data_uri.startswith("data:image/svg+xml")
    done = proceed(stub, enroll.challenge_token, totp_code=code_at(secret_of(enroll.totp_setup)))
    assert done.session_token and len(set(done.recovery_codes)) == 10
    assert done.staff_member.second_factor_enrolled
    again = sign_in(stub)
    assert (
        again.next_step == STEP.STAFF_SIGN_IN_STEP_SECOND_FACTOR
        and not again.totp_setup.otpauth_uri
    )
    secret = secret_of(enroll.totp_setup)
    assert proceed(stub, again.challenge_token, totp_code=code_at(secret, 1)).session_token


# rule I4, I11
def test_a_totp_code_already_used_is_refused_I4_I11(stub):
    _, _, used = _enrolled(stub)
    challenge = sign_in(stub).challenge_token
    error = refused(
        stub.ContinueStaffSignIn,
        identity_pb2.ContinueStaffSignInRequest(challenge_token=challenge, totp_code=used),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# rule S2, I4
def test_a_recovery_code_works_in_place_of_totp_once_S2_I4(stub):
    _, codes, _ = _enrolled(stub)
    first = sign_in(stub).challenge_token
    assert proceed(stub, first, recovery_code=codes[0].upper()).session_token
    second = sign_in(stub).challenge_token
    error = refused(
        stub.ContinueStaffSignIn,
        identity_pb2.ContinueStaffSignInRequest(challenge_token=second, recovery_code=codes[0]),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert proceed(stub, second, recovery_code=codes[1]).session_token


# rule S2
def test_a_relaxed_policy_signs_in_with_the_password_only_S2(stub):
    ready_staff(stub)
    answer = sign_in(stub)
    assert answer.next_step == STEP.STAFF_SIGN_IN_STEP_SESSION
    assert answer.session_token and not answer.challenge_token


# rule S2
def test_a_challenge_token_works_once_S2(stub):
    secret, _, _ = _enrolled(stub)
    challenge = sign_in(stub).challenge_token
    proceed(stub, challenge, totp_code=code_at(secret, 1))
    error = refused(
        stub.ContinueStaffSignIn,
        identity_pb2.ContinueStaffSignInRequest(
            challenge_token=challenge, totp_code=code_at(secret, -1)
        ),
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


# rule S2
def test_a_step_answered_with_the_wrong_kind_of_answer_is_invalid_S2(stub):
    relax(stub)
    stub.CreateStaffMember(staff_request(), timeout=10)
    challenge = sign_in(stub).challenge_token
    error = refused(
        stub.ContinueStaffSignIn,
        identity_pb2.ContinueStaffSignInRequest(challenge_token=challenge, totp_code="123456"),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
