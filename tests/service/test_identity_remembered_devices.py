"""Identity over real gRPC: remembered devices and the practice's second-factor rule (I4), and
what a sign-in says must be done first (I3)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2

from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_account_totp import _turn_on
from tests.service.test_identity_staff_support import refused
from tests.service.test_identity_support import field_violations

EVERY_SIGN_IN = identity_pb2.SECOND_FACTOR_RULE_EVERY_SIGN_IN
NEW_DEVICE = identity_pb2.SECOND_FACTOR_RULE_NEW_DEVICE
SECOND_FACTOR = identity_pb2.SIGN_IN_STEP_SECOND_FACTOR


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def _set_rule(stub, rule) -> identity_pb2.PatientSignInPolicy:
    return stub.SetPatientSignInPolicy(
        identity_pb2.SetPatientSignInPolicyRequest(
            practice_id="practice-1", second_factor_rule=rule
        ),
        timeout=10,
    ).policy


def _devices(stub, account_id: str, token: str = "") -> list[identity_pb2.RememberedDevice]:
    request = identity_pb2.ListRememberedDevicesRequest(account_id=account_id, device_token=token)
    return list(stub.ListRememberedDevices(request, timeout=10).devices)


def _remembered_with_app(stub, account_id: str, clock) -> str:
    """Turns the app on, then signs in with it remembering the device; the device's token."""
    _, codes, _ = _turn_on(stub, account_id, clock)
    challenge = sign_in(stub, remember_device=True).challenge_token
    answer = stub.ContinueSignIn(
        identity_pb2.ContinueSignInRequest(challenge_token=challenge, recovery_code=codes[0]),
        timeout=10,
    )
    assert answer.device_token
    return answer.device_token


# rule I4
def test_the_default_rule_asks_the_app_code_at_every_sign_in_I4(stub, account_id, clock):
    assert (
        stub.GetPatientSignInPolicy(
            identity_pb2.GetPatientSignInPolicyRequest(practice_id="practice-1"), timeout=10
        ).policy.second_factor_rule
        == EVERY_SIGN_IN
    )
    device = _remembered_with_app(stub, account_id, clock)
    assert sign_in(stub, device_token=device).next_step == SECOND_FACTOR


# rule I4
def test_new_device_rule_skips_the_code_on_a_remembered_device_I4(stub, account_id, clock):
    device = _remembered_with_app(stub, account_id, clock)
    _set_rule(stub, NEW_DEVICE)
    answer = sign_in(stub, device_token=device)
    assert answer.session_token
    assert answer.factors == "password+remembered_device"


# rule I4
def test_new_device_rule_still_asks_a_device_not_remembered_I4(stub, account_id, clock):
    _remembered_with_app(stub, account_id, clock)
    _set_rule(stub, NEW_DEVICE)
    assert sign_in(stub).next_step == SECOND_FACTOR


# rule I4
def test_remembered_devices_are_listed_with_the_current_one_marked_I4(stub, account_id):
    first = sign_in(stub, remember_device=True, device_label="laptop")
    sign_in(stub, remember_device=True, device_label="phone")
    listed = _devices(stub, account_id, first.device_token)
    assert sorted((d.label, d.current) for d in listed) == [("laptop", True), ("phone", False)]
    lifetime = listed[0].expires_at.ToDatetime() - listed[0].created_at.ToDatetime()
    assert lifetime == timedelta(days=30)


# rule I4
def test_a_sign_in_that_does_not_ask_remembers_nothing_I4(stub, account_id):
    assert sign_in(stub).device_token == ""
    assert _devices(stub, account_id) == []


# rule I4
def test_a_forgotten_device_is_a_new_device_again_I4(stub, account_id, clock):
    device = _remembered_with_app(stub, account_id, clock)
    _set_rule(stub, NEW_DEVICE)
    (listed,) = _devices(stub, account_id)
    stub.ForgetRememberedDevice(
        identity_pb2.ForgetRememberedDeviceRequest(
            account_id=account_id, device_id=listed.device_id
        ),
        timeout=10,
    )
    assert _devices(stub, account_id) == []
    assert sign_in(stub, device_token=device).next_step == SECOND_FACTOR


# rule I4
def test_another_accounts_device_cannot_be_forgotten_I4(stub, notify, account_id):
    sign_in(stub, remember_device=True)
    (listed,) = _devices(stub, account_id)
    other = active_account(stub, notify, "JohnRoe", "john.roe@example.com")
    error = refused(
        stub.ForgetRememberedDevice,
        identity_pb2.ForgetRememberedDeviceRequest(account_id=other, device_id=listed.device_id),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert len(_devices(stub, account_id)) == 1


# rule I4
def test_a_remembered_device_is_new_again_after_thirty_days_I4(stub, account_id, clock):
    device = _remembered_with_app(stub, account_id, clock)
    _set_rule(stub, NEW_DEVICE)
    clock.shift(timedelta(days=30, seconds=1))
    assert sign_in(stub, device_token=device).next_step == SECOND_FACTOR
    assert _devices(stub, account_id) == []


# rule I4
def test_the_rule_must_be_named_I4(stub):
    error = refused(
        stub.SetPatientSignInPolicy,
        identity_pb2.SetPatientSignInPolicyRequest(practice_id="practice-1"),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "second_factor_rule" in field_violations(error)


# rule I3
def test_the_sign_in_answer_says_security_questions_come_first_I3(stub, account_id):
    assert list(sign_in(stub).required_actions) == ["set_security_questions"]
