"""Identity over real gRPC: a patient account's authenticator app, recovery codes, and signing
in with them (I4, I11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pyotp
import pytest
from vestibule.identity.v1 import identity_pb2

from tests.service.test_account_security_support import active_account, sign_in
from tests.service.test_identity_staff_support import refused, secret_of
from tests.service.test_identity_support import (
    PASSWORD,
    field_violations,
)

STEP = timedelta(seconds=30)


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


def _next_step_start(clock, steps: int = 1) -> datetime:
    """Moves the clock to 2 seconds into the time step `steps` ahead, so a test has 28 seconds
    in which 'the current step' does not change; returns that moment."""
    now = datetime.now(UTC)
    start = datetime.fromtimestamp((int(now.timestamp()) // 30 + steps) * 30, UTC)
    clock.move_to(start + timedelta(seconds=2))
    return start + timedelta(seconds=2)


def _code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + steps * STEP)


def _turn_on(stub, account_id: str, clock) -> tuple[str, list[str], datetime]:
    """Turns the app on; its secret, the recovery codes, and the moment it was confirmed at
    (its current step's code is used)."""
    setup = stub.SetUpTotp(identity_pb2.SetUpTotpRequest(account_id=account_id), timeout=10)
    secret = secret_of(setup.setup)
    now = _next_step_start(clock)
    confirmed = stub.ConfirmTotp(
        identity_pb2.ConfirmTotpRequest(account_id=account_id, code=_code(secret, now)), timeout=10
    )
    return secret, list(confirmed.recovery_codes), now


def _continue(stub, token: str, **answer: str) -> identity_pb2.ContinueSignInResponse:
    request = identity_pb2.ContinueSignInRequest(challenge_token=token, **answer)
    return stub.ContinueSignIn(request, timeout=10)


def _wrong(stub, token: str, **answer: str) -> grpc.StatusCode:
    request = identity_pb2.ContinueSignInRequest(challenge_token=token, **answer)
    return refused(stub.ContinueSignIn, request).code()


# rule I4
def test_setup_and_confirm_turn_totp_on_with_ten_recovery_codes_I4(stub, account_id, clock):
    setup = stub.SetUpTotp(identity_pb2.SetUpTotpRequest(account_id=account_id), timeout=10)
    assert setup.setup.otpauth_uri.startswith("otpauth://totp/Vestibule:JaneDoe?")
    assert setup.setup.qr_svg_data_uri.startswith("data:image/svg+xml")
    assert sign_in(stub).factors == "password"
    secret, codes, _ = _turn_on(stub, account_id, clock)
    assert secret == secret_of(setup.setup) and len(set(codes)) == 10


# rule I4
def test_sign_in_asks_for_the_code_then_opens_a_password_totp_session_I4(stub, account_id, clock):
    secret, _, _ = _turn_on(stub, account_id, clock)
    first = sign_in(stub)
    assert first.next_step == identity_pb2.SIGN_IN_STEP_SECOND_FACTOR
    assert first.challenge_token and not first.session_token and not first.account.account_id
    now = _next_step_start(clock)
    done = _continue(stub, first.challenge_token, totp_code=_code(secret, now))
    assert done.session_token and done.factors == "password+totp"
    assert done.account.account_id == account_id


# rule I4
def test_a_code_already_used_is_refused_I4(stub, account_id, clock):
    secret, _, confirmed_at = _turn_on(stub, account_id, clock)
    token = sign_in(stub).challenge_token
    assert _wrong(stub, token, totp_code=_code(secret, confirmed_at)) == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


# rule I4
def test_codes_one_step_off_are_accepted_two_steps_off_refused_I4(stub, account_id, clock):
    secret, _, _ = _turn_on(stub, account_id, clock)
    # Three steps on, so the step two before is still newer than the one confirmed with.
    now = _next_step_start(clock, 3)
    token = sign_in(stub).challenge_token
    assert _wrong(stub, token, totp_code=_code(secret, now, -2)) == grpc.StatusCode.INVALID_ARGUMENT
    assert _wrong(stub, token, totp_code=_code(secret, now, 2)) == grpc.StatusCode.INVALID_ARGUMENT
    assert _continue(stub, token, totp_code=_code(secret, now, -1)).session_token
    token = sign_in(stub).challenge_token
    assert _continue(stub, token, totp_code=_code(secret, now, 1)).session_token


# rule I4
def test_a_recovery_code_works_once_I4(stub, account_id, clock):
    _, codes, _ = _turn_on(stub, account_id, clock)
    token = sign_in(stub).challenge_token
    done = _continue(stub, token, recovery_code=codes[0].upper())
    assert done.factors == "password+recovery_code"
    token = sign_in(stub).challenge_token
    assert _wrong(stub, token, recovery_code=codes[0]) == grpc.StatusCode.INVALID_ARGUMENT
    assert _continue(stub, token, recovery_code=codes[1]).session_token


# rule I4
def test_regenerating_recovery_codes_kills_the_old_ones_I4(stub, account_id, clock):
    secret, old, _ = _turn_on(stub, account_id, clock)
    now = _next_step_start(clock)
    new = stub.RegenerateRecoveryCodes(
        identity_pb2.RegenerateRecoveryCodesRequest(account_id=account_id, code=_code(secret, now)),
        timeout=10,
    ).recovery_codes
    assert len(set(new)) == 10 and not set(new) & set(old)
    token = sign_in(stub).challenge_token
    assert _wrong(stub, token, recovery_code=old[1]) == grpc.StatusCode.INVALID_ARGUMENT
    assert _continue(stub, token, recovery_code=new[0]).session_token


# rule I4
def test_turning_totp_off_needs_the_password_and_a_current_code_I4(stub, account_id, clock):
    secret, _, _ = _turn_on(stub, account_id, clock)
    now = _next_step_start(clock)

    def disable(password: str, code: str) -> identity_pb2.DisableTotpResponse:
        request = identity_pb2.DisableTotpRequest(
            account_id=account_id, password=password, code=code
        )
        return stub.DisableTotp(request, timeout=10)

    for password, code in ((PASSWORD + "x", _code(secret, now)), (PASSWORD, "000000")):
        with pytest.raises(grpc.RpcError) as raised:
            disable(password, code)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    disable(PASSWORD, _code(secret, now))
    again = sign_in(stub)
    assert again.session_token and again.factors == "password"


def _app_on(stub, account_id: str) -> bool:
    request = identity_pb2.GetAccountSettingsRequest(account_id=account_id)
    return stub.GetAccountSettings(request, timeout=10).settings.authenticator_app_on


# rule I4, I9
def test_the_settings_say_whether_the_app_is_on_I4_I9(stub, account_id, clock):
    stub.SetUpTotp(identity_pb2.SetUpTotpRequest(account_id=account_id), timeout=10)
    assert not _app_on(stub, account_id)  # set up but not confirmed: still off
    secret, _, _ = _turn_on(stub, account_id, clock)
    assert _app_on(stub, account_id)
    request = identity_pb2.DisableTotpRequest(
        account_id=account_id, password=PASSWORD, code=_code(secret, _next_step_start(clock))
    )
    stub.DisableTotp(request, timeout=10)
    assert not _app_on(stub, account_id)


# rule I4
def test_a_wrong_password_to_turn_totp_off_names_the_password_field_I4(stub, account_id, clock):
    secret, _, _ = _turn_on(stub, account_id, clock)
    request = identity_pb2.DisableTotpRequest(
        account_id=account_id, password=PASSWORD + "x", code=_code(secret, _next_step_start(clock))
    )
    with pytest.raises(grpc.RpcError) as raised:
        stub.DisableTotp(request, timeout=10)
    assert list(field_violations(raised.value)) == ["password"]


# rule I4, I11
def test_wrong_codes_count_toward_the_lockout_I4_I11(stub, account_id, clock):
    _turn_on(stub, account_id, clock)
    # A right password before each code gives no fresh tries: the tenth wrong code locks.
    for _ in range(9):
        clock.shift(timedelta(seconds=65))
        token = sign_in(stub).challenge_token
        assert _wrong(stub, token, totp_code="000000") == grpc.StatusCode.INVALID_ARGUMENT
    clock.shift(timedelta(seconds=65))
    token = sign_in(stub).challenge_token
    assert _wrong(stub, token, recovery_code="aaaaa-bbbbb") == grpc.StatusCode.INVALID_ARGUMENT
    assert _wrong(stub, token, totp_code="000000") == grpc.StatusCode.UNAUTHENTICATED
    error = refused(stub.SignIn, identity_pb2.SignInRequest(username="JaneDoe", password=PASSWORD))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
